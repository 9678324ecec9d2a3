"""A small torch runner for the converted TFLite graphs of MediaPipe's face models.

``tools/convert_mediapipe.py`` turns each TFLite model into one ``.safetensors`` file: its
constants and, in the header's metadata, its operators in execution order (JSON). :class:`GraphNet`
loads such a file and runs the operators with torch — on the CPU or CUDA, no MediaPipe or TFLite
runtime, no network. Only the handful of builtin operators these convolutional models use exist
here; a file naming another is refused when loaded.

Conventions: the graph's image input is ``N×H×W×3`` float32 (TFLite's NHWC, the model's own value
range). Inside, 4-D activations run as torch ``N×C×H×W``; they are laid back to NHWC only where a
RESHAPE or an output needs TFLite's memory order, so every output has the TFLite model's shape.
TFLite's ``SAME`` padding puts the odd pixel at the end (bottom/right), as done here by an explicit
pad before each convolution or pool.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import safe_open

from ..errors import ModelError

GRAPH_FORMAT = "atw.graphnet/1"


def _same_pad(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TFLite's SAME padding (before, after) along one axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _activation(x: torch.Tensor, name: str | None) -> torch.Tensor:
    if name is None:
        return x
    if name == "relu":
        return F.relu(x)
    return F.relu6(x)


class GraphNet(torch.nn.Module):
    """A converted MediaPipe graph as a torch module: ``forward(image_nhwc) -> dict of outputs``."""

    def __init__(self, path: str | Path):
        super().__init__()
        path = Path(path)
        try:
            with safe_open(str(path), "pt") as f:
                meta = f.metadata() or {}
                constants = {k: f.get_tensor(k) for k in f.keys()}
        except Exception as e:  # safetensors raises its own error types for a bad header
            raise ModelError(f"not a converted face-model graph: {e}", path=str(path)) from None
        if meta.get("format") != GRAPH_FORMAT:
            raise ModelError(f"not a converted face-model graph (format {meta.get('format')!r}, "
                             f"expected {GRAPH_FORMAT!r})", path=str(path))
        self.path = path  # the weights file (the CPU runtime keys its converted graph on it)
        self.ops = json.loads(meta["graph"])
        self.input_shapes = json.loads(meta["inputs"])
        self.output_shapes = json.loads(meta["outputs"])
        self.provenance = {k: meta[k] for k in ("source", "source_sha256", "licence")}
        unknown = {op["op"] for op in self.ops} - set(_RUNNERS)
        if unknown:
            raise ModelError(f"graph uses operators this runner lacks: {sorted(unknown)}",
                             path=str(path))
        self._names = {}
        for name, value in constants.items():
            value = self._layout(name, value.float())
            key = f"c{len(self._names)}"
            self._names[name] = key
            self.register_buffer(key, value, persistent=False)

    def _layout(self, name: str, value: torch.Tensor) -> torch.Tensor:
        """Constants laid out for torch: conv kernels OIHW, depthwise C×1×H×W, PReLU per channel."""
        for op in self.ops:
            if len(op["inputs"]) > 1 and op["inputs"][1] == name:
                if op["op"] == "CONV_2D":  # O×KH×KW×I → O×I×KH×KW
                    return value.permute(0, 3, 1, 2).contiguous()
                if op["op"] == "DEPTHWISE_CONV_2D":  # 1×KH×KW×C → C×1×KH×KW
                    return value.permute(3, 0, 1, 2).contiguous()
                if op["op"] == "PRELU":  # (1×1×)C → C, one slope per channel
                    return value.reshape(-1)
        return value

    def constant(self, name: str) -> torch.Tensor | None:
        key = self._names.get(name)
        return None if key is None else getattr(self, key)

    @torch.inference_mode()
    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        """Run the graph on ``N×H×W×3`` float32; outputs keyed by their TFLite names and shapes."""
        (name, shape), = self.input_shapes.items()
        if image.ndim != 4 or list(image.shape[1:]) != shape[1:]:
            raise ValueError(f"input: got {tuple(image.shape)}, expected (N, {shape[1]}, "
                             f"{shape[2]}, {shape[3]})")
        values = {name: image.permute(0, 3, 1, 2)}  # activations live as NCHW
        for op in self.ops:
            args = [values[n] if n in values else self.constant(n) for n in op["inputs"]]
            values[op["outputs"][0]] = _RUNNERS[op["op"]](op, *args)
        out = {}
        for name in self.output_shapes:
            value = values[name]
            out[name] = value.permute(0, 2, 3, 1) if value.ndim == 4 else value
        return out


def _conv(op, x, weight, bias=None):
    kh, kw = weight.shape[2:]
    sh, sw = op["stride"]
    padding = (0, 0)
    if op["padding"] == "same":
        (top, bottom), (left, right) = _same_pad(x.shape[2], kh, sh), _same_pad(x.shape[3], kw, sw)
        if top == bottom and left == right:  # the convolution pads evenly itself (no copy)
            padding = (top, left)
        else:
            x = F.pad(x, (left, right, top, bottom))
    groups = x.shape[1] if op["op"] == "DEPTHWISE_CONV_2D" else 1
    return _activation(F.conv2d(x, weight, bias, (sh, sw), padding, groups=groups),
                       op["activation"])


def _max_pool(op, x):
    kh, kw = op["kernel"]
    sh, sw = op["stride"]
    if op["padding"] == "same":  # padded cells never win a max
        x = F.pad(x, (*_same_pad(x.shape[3], kw, sw), *_same_pad(x.shape[2], kh, sh)),
                  value=float("-inf"))
    return _activation(F.max_pool2d(x, (kh, kw), (sh, sw)), op["activation"])


def _pad(op, x, paddings):
    p = paddings.long().tolist()  # NHWC rows of (before, after)
    if x.ndim != 4:
        raise ValueError("PAD is only converted for image tensors")
    return F.pad(x, (p[2][0], p[2][1], p[1][0], p[1][1], p[3][0], p[3][1], p[0][0], p[0][1]))


def _reshape(op, x, *_):
    if x.ndim == 4:  # TFLite reshapes NHWC memory
        x = x.permute(0, 2, 3, 1)
    return x.reshape([x.shape[0], *op["shape"][1:]])


def _concat(op, *xs):
    axis = op["axis"]
    if xs[0].ndim == 4:
        axis = (0, 2, 3, 1)[axis % 4]
    return _activation(torch.cat(xs, dim=axis), op["activation"])


_RUNNERS = {
    "CONV_2D": _conv,
    "DEPTHWISE_CONV_2D": _conv,
    "MAX_POOL_2D": _max_pool,
    "ADD": lambda op, a, b: _activation(a + b, op["activation"]),
    "PRELU": lambda op, x, alpha: F.prelu(x, alpha),
    "RELU": lambda op, x: F.relu(x),
    "PAD": _pad,
    "RESHAPE": _reshape,
    "CONCATENATION": _concat,
}
