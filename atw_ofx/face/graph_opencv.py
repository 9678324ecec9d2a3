"""The converted face graphs on OpenCV's DNN module: the face mesh's CPU runtime.

A tracking step runs ~250 small convolutions on one 192² and two 64² crops. Through torch each
costs 40–90 µs of per-call overhead (oneDNN primitive set-up dwarfs the arithmetic at these sizes),
14 ms a step at 2 threads; OpenCV's DNN runs the same graphs in about 4 ms
(``benchmarks/face_mesh.py``). So on the CPU each :class:`~atw_ofx.face.graphnet.GraphNet` is
written out as an ONNX graph and read by ``cv2.dnn`` — built from the same safetensors file, no
second copy of the weights shipped, no network. Building it takes ~0.6 s (most of it importing
``onnx``), so the graph is kept in the user's cache (``$ATW_CACHE_DIR``, default
``~/.cache/atw``), keyed by the weights and this converter, and rebuilt in memory where that
folder cannot be written (a read-only farm home). The torch runner stays the reference (tests
hold the two to float rounding) and the CUDA path.

Layout: the ONNX graph takes and gives what :class:`GraphNet` does — ``N×H×W×C`` float32 in,
each output in the TFLite model's shape — and runs NCHW inside, as the torch runner does. The batch
is left symbolic, so one net serves any number of crops.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from .graphnet import GraphNet, _same_pad

ONNX_OPSET = 13


def to_onnx(net: GraphNet) -> bytes:
    """``net``'s graph as a serialised ONNX model (opset 13, batch dimension ``N``)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, weights, shapes = [], [], {}

    def node(kind: str, inputs: list[str], output: str, **attrs) -> str:
        nodes.append(helper.make_node(kind, inputs, [output], **attrs))
        return output

    def constant(name: str, value: np.ndarray) -> str:
        weights.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def window(op: dict, x: str, kernel: tuple[int, int]) -> tuple[list[int], list[int]]:
        """ONNX ``pads`` (top, left, bottom, right) and the output's H, W for a conv or pool."""
        _, _, h, w = shapes[x]
        (sh, sw), (kh, kw) = op["stride"], kernel
        (top, bottom), (left, right) = ((_same_pad(h, kh, sh), _same_pad(w, kw, sw))
                                        if op["padding"] == "same" else ((0, 0), (0, 0)))
        size = [(h + top + bottom - kh) // sh + 1, (w + left + right - kw) // sw + 1]
        return [top, left, bottom, right], size

    (image, image_shape), = net.input_shapes.items()
    source = {image: node("Transpose", [image], "input/nchw", perm=[0, 3, 1, 2])}
    shapes["input/nchw"] = ["N", image_shape[3], *image_shape[1:3]]
    for op in net.ops:
        kind, output, act = op["op"], op["outputs"][0], op.get("activation")
        xs = [source.get(name, name) for name in op["inputs"]]
        out = f"{output}/linear" if act else output
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            weight = net.constant(op["inputs"][1]).numpy()
            pads, size = window(op, xs[0], weight.shape[2:])
            groups = shapes[xs[0]][1] if kind == "DEPTHWISE_CONV_2D" else 1
            args = [xs[0], constant(f"{output}/weight", weight)]
            if len(xs) > 2:
                args.append(constant(f"{output}/bias", net.constant(op["inputs"][2]).numpy()))
            node("Conv", args, out, kernel_shape=list(weight.shape[2:]), strides=op["stride"],
                 pads=pads, group=groups)
            shapes[output] = ["N", weight.shape[0], *size]
        elif kind == "MAX_POOL_2D":  # ONNX pads never win a max, as TFLite's SAME
            pads, size = window(op, xs[0], op["kernel"])
            node("MaxPool", [xs[0]], out, kernel_shape=op["kernel"], strides=op["stride"],
                 pads=pads)
            shapes[output] = [*shapes[xs[0]][:2], *size]
        elif kind == "ADD":
            node("Add", xs, out)
            shapes[output] = shapes[xs[0]]
        elif kind == "PRELU":  # one slope per channel, broadcast over H, W
            slope = net.constant(op["inputs"][1]).numpy().reshape(-1, 1, 1)
            node("PRelu", [xs[0], constant(f"{output}/slope", slope)], out)
            shapes[output] = shapes[xs[0]]
        elif kind == "RELU":
            node("Relu", xs[:1], out)
            shapes[output] = shapes[xs[0]]
        elif kind == "PAD":  # TFLite's rows are NHWC (before, after); ONNX wants all befores
            rows = net.constant(op["inputs"][1]).long().numpy()[[0, 3, 1, 2]]
            node("Pad", [xs[0], constant(f"{output}/pads", rows.T.ravel())], out)
            shapes[output] = [d if i == 0 else d + int(rows[i].sum())
                              for i, d in enumerate(shapes[xs[0]])]
        elif kind == "RESHAPE":  # TFLite reshapes NHWC memory
            x = xs[0]
            if len(shapes[x]) == 4:
                x = node("Transpose", [x], f"{output}/nhwc", perm=[0, 2, 3, 1])
            target = np.array([-1, *op["shape"][1:]], np.int64)
            node("Reshape", [x, constant(f"{output}/shape", target)], out)
            shapes[output] = ["N", *op["shape"][1:]]
        elif kind == "CONCATENATION":
            rank = len(shapes[xs[0]])
            axis = op["axis"] % rank
            axis = (0, 2, 3, 1)[axis] if rank == 4 else axis
            node("Concat", xs, out, axis=axis)
            shapes[output] = list(shapes[xs[0]])
            shapes[output][axis] = sum(shapes[x][axis] for x in xs)
        else:  # GraphNet refuses unknown operators when it loads; this is a missing port
            raise NotImplementedError(f"no ONNX port of {kind}")
        if act == "relu":
            node("Relu", [out], output)
        elif act:  # relu6
            node("Clip", [out, constant(f"{output}/lo", np.float32(0)),
                          constant(f"{output}/hi", np.float32(6))], output)
    outputs = []
    for name in net.output_shapes:
        shape = shapes[name]
        if len(shape) == 4:  # back to the TFLite model's NHWC
            node("Transpose", [name], f"{name}/nhwc", perm=[0, 2, 3, 1])
            name, shape = f"{name}/nhwc", [shape[0], shape[2], shape[3], shape[1]]
        outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                                     [d if d == "N" else int(d) for d in shape]))
    graph = helper.make_graph(
        nodes, "atw_face_graph",
        [helper.make_tensor_value_info(image, TensorProto.FLOAT, ["N", *image_shape[1:]])],
        outputs, weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET)])
    return model.SerializeToString()


def cache_dir() -> Path:
    """Where converted graphs are kept: ``$ATW_CACHE_DIR``, else ``~/.cache/atw``."""
    return Path(os.environ.get("ATW_CACHE_DIR") or Path.home() / ".cache" / "atw")


def cached_onnx(net: GraphNet) -> bytes:
    """:func:`to_onnx` of ``net``, read from the cache when this converter has built it from
    these weights before (the key hashes both), else built and kept there."""
    key = hashlib.sha256(Path(net.path).read_bytes() + Path(__file__).read_bytes()).hexdigest()
    path = cache_dir() / f"{Path(net.path).stem}-{key[:16]}.onnx"
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = to_onnx(net)
    try:
        from ..atomic import write_with
        from ..errors import OutputError

        path.parent.mkdir(parents=True, exist_ok=True)
        write_with(path, lambda tmp: Path(tmp).write_bytes(data))
    except (OSError, OutputError):
        pass  # a cache that cannot be written only costs the conversion next time
    return data


class OpenCvGraph:
    """A :class:`GraphNet` run by ``cv2.dnn``: ``graph(batch_nhwc) -> {output name: array}``, the
    names and shapes :class:`GraphNet` gives."""

    def __init__(self, net: GraphNet):
        import cv2

        self.dnn = cv2.dnn.readNetFromONNX(np.frombuffer(cached_onnx(net), np.uint8))
        self.names = list(net.output_shapes)
        self.shapes = net.output_shapes
        self.layers = [f"{n}/nhwc" if len(s) == 4 else n for n, s in self.shapes.items()]

    def __call__(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        self.dnn.setInput(np.ascontiguousarray(batch, np.float32))
        outs = self.dnn.forward(self.layers)
        return {name: out.reshape(len(batch), *self.shapes[name][1:])
                for name, out in zip(self.names, outs)}
