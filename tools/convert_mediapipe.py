"""Convert MediaPipe's face TFLite models to safetensors graphs that :mod:`atw_ofx.face.graphnet` runs.

Run once, by hand, in a throw-away environment (it needs the ``tflite`` flatbuffer parser and the
``mediapipe==0.10.21`` wheel, whose ``mediapipe/modules`` folder holds the models; nothing here is
imported by the product)::

    python -m venv /tmp/mpenv && /tmp/mpenv/bin/pip install "mediapipe==0.10.21" "numpy<2" tflite
    /tmp/mpenv/bin/python tools/convert_mediapipe.py /tmp/mpenv/lib/python3.11/site-packages/mediapipe

Each model becomes one ``.safetensors`` file: its constants (the fp16 weights stay fp16, as the
TFLite file stores them) and, in the header's metadata, the graph as a JSON list of operators in
execution order — op name, input and output tensor names, the options the op needs — plus the
source file's name and sha256 and its licence (Apache-2.0). Only the builtin operators these
models use are converted; anything else stops the conversion with its name.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import tflite
from safetensors.numpy import save_file

MODELS = {
    "face_detection_short_range": "face_detection/face_detection_short_range.tflite",
    "face_landmark": "face_landmark/face_landmark.tflite",
    "iris_landmark": "iris_landmark/iris_landmark.tflite",
}
OUT = Path(__file__).resolve().parents[1] / "atw_ofx" / "data" / "face_mesh"
DTYPES = {tflite.TensorType.FLOAT32: np.float32, tflite.TensorType.FLOAT16: np.float16,
          tflite.TensorType.INT32: np.int32, tflite.TensorType.INT64: np.int64}
PADDING = {tflite.Padding.SAME: "same", tflite.Padding.VALID: "valid"}
ACTIVATION = {tflite.ActivationFunctionType.NONE: None, tflite.ActivationFunctionType.RELU: "relu",
              tflite.ActivationFunctionType.RELU6: "relu6"}


def _op_name(model, op) -> str:
    code = model.OperatorCodes(op.OpcodeIndex())
    if code.CustomCode():
        raise SystemExit(f"custom operator {code.CustomCode().decode()} is not converted")
    return tflite.opcode2name(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()))


def _options(name: str, op) -> dict:
    """The options of one builtin operator that the torch graph needs."""
    table = op.BuiltinOptions()
    if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        cls = tflite.Conv2DOptions if name == "CONV_2D" else tflite.DepthwiseConv2DOptions
        o = cls()
        o.Init(table.Bytes, table.Pos)
        if o.DilationHFactor() != 1 or o.DilationWFactor() != 1:
            raise SystemExit(f"{name} with dilation is not converted")
        return {"stride": [o.StrideH(), o.StrideW()], "padding": PADDING[o.Padding()],
                "activation": ACTIVATION[o.FusedActivationFunction()]}
    if name == "MAX_POOL_2D":
        o = tflite.Pool2DOptions()
        o.Init(table.Bytes, table.Pos)
        return {"stride": [o.StrideH(), o.StrideW()], "padding": PADDING[o.Padding()],
                "kernel": [o.FilterHeight(), o.FilterWidth()],
                "activation": ACTIVATION[o.FusedActivationFunction()]}
    if name == "ADD":
        o = tflite.AddOptions()
        o.Init(table.Bytes, table.Pos)
        return {"activation": ACTIVATION[o.FusedActivationFunction()]}
    if name == "CONCATENATION":
        o = tflite.ConcatenationOptions()
        o.Init(table.Bytes, table.Pos)
        return {"axis": o.Axis(), "activation": ACTIVATION[o.FusedActivationFunction()]}
    if name in ("PAD", "PRELU", "RELU", "RESHAPE", "DEQUANTIZE"):
        return {}
    raise SystemExit(f"operator {name} is not converted")


def convert(source: Path, name: str) -> Path:
    data = source.read_bytes()
    model = tflite.Model.GetRootAsModel(data, 0)
    graph = model.Subgraphs(0)

    def tensor_name(i: int) -> str:
        return graph.Tensors(i).Name().decode()

    def constant(i: int) -> np.ndarray | None:
        t = graph.Tensors(i)
        buf = model.Buffers(t.Buffer())
        if buf.DataLength() == 0:
            return None
        return np.frombuffer(buf.DataAsNumpy().tobytes(), DTYPES[t.Type()]).reshape(t.ShapeAsNumpy())

    tensors: dict[str, np.ndarray] = {}
    ops = []
    for k in range(graph.OperatorsLength()):
        op = graph.Operators(k)
        op_name = _op_name(model, op)
        inputs = [i for i in op.InputsAsNumpy() if i >= 0]
        outputs = [tensor_name(i) for i in op.OutputsAsNumpy()]
        if op_name == "DEQUANTIZE":  # fp16 constant → kept fp16 under the name its users read
            tensors[outputs[0]] = constant(inputs[0])
            continue
        for i in inputs:
            value = constant(i)
            if value is not None:
                tensors[tensor_name(i)] = value
        entry = {"op": op_name, "inputs": [tensor_name(i) for i in inputs], "outputs": outputs,
                 **_options(op_name, op)}
        if op_name == "RESHAPE":  # these models give the new shape as the output's shape
            entry["shape"] = [int(v) for v in graph.Tensors(op.Outputs(0)).ShapeAsNumpy()]
        ops.append(entry)
    shape = lambda i: [int(v) for v in graph.Tensors(i).ShapeAsNumpy()]  # noqa: E731
    metadata = {
        "format": "atw.graphnet/1",
        "graph": json.dumps(ops),
        "inputs": json.dumps({tensor_name(i): shape(i) for i in graph.InputsAsNumpy()}),
        "outputs": json.dumps({tensor_name(i): shape(i) for i in graph.OutputsAsNumpy()}),
        "source": f"mediapipe 0.10.21 wheel, mediapipe/modules/{MODELS[name]}",
        "source_sha256": hashlib.sha256(data).hexdigest(),
        "licence": "Apache-2.0 (Google LLC, MediaPipe)",
    }
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.safetensors"
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(path), metadata)
    return path


def main(mediapipe_root: str) -> None:
    for name, rel in MODELS.items():
        path = convert(Path(mediapipe_root) / "modules" / rel, name)
        print(f"{path} ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main(sys.argv[1])
