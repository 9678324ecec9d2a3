"""The learned generator as a TorchScript file for Nuke's CatFileCreator / Inference nodes.

One ``1×3×H×W`` tensor in — the face crop in scene-linear light, as Nuke holds it — and one
``1×5×H×W`` tensor out: the refinement's change ``lin(O^r) − lin(O^w)`` up-sampled to the crop
(channels 0–2, add it with a Merge "plus") and the motion as IDistort offsets in pixels of the
crop, y up (channels 3–4 → ``forward.u/v``). With the graph **ATW ▸ Native ResWarp (Cattery)**
builds (``nuke/atw_nuke/native.py``: IDistort, then the plus) that is ResWarp's delta formulation
in native nodes: nothing but the Inference node runs
torch, and no Python runs at render time.

The AUs are float attributes (``AU01`` … ``AU45``, raw 0–5, absolute like the bundle) plus
``intensity``: CatFileCreator exposes attributes with these names as knobs, keyframable.
``flip_rows`` (default true) turns Nuke's bottom-up rows into the top-down face the network was
trained on and back.

Inside: area down-sampling to the model grid in linear light, the sRGB encoding (the model
space of our bundles; the curve is written out here, TorchScript has no OCIO), G, the sRGB
decoding of ``O^r`` and ``O^w``, bilinear up-sampling (half-pixel centres) of the change and the
field. Only standard ops (``grid_sample``, ``interpolate``) — what older Nuke torch builds have.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..conventions import AU_NAMES
from ..errors import ModelError
from .generator import Generator

OUTPUT_CHANNELS = ("rgba.red", "rgba.green", "rgba.blue", "forward.u", "forward.v")


def srgb_encode(linear: torch.Tensor) -> torch.Tensor:
    """Linear → sRGB-encoded (IEC 61966-2-1 piecewise curve), on [0, 1]."""
    x = linear.clamp(0.0, 1.0)
    return torch.where(x <= 0.0031308, x * 12.92, 1.055 * x.clamp(min=1e-12) ** (1 / 2.4) - 0.055)


def srgb_decode(encoded: torch.Tensor) -> torch.Tensor:
    """sRGB-encoded → linear, on [0, 1]."""
    x = encoded.clamp(0.0, 1.0)
    return torch.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


class CatteryGenerator(nn.Module):
    """``forward(1×3×H×W linear crop) → 1×5×H×W`` (change RGB, IDistort u, v)."""

    def __init__(self, generator: Generator):
        super().__init__()
        config = generator.config
        if config.driving != "aus":
            raise ModelError("only AU-driven bundles export to Nuke (class models have no knobs)")
        self.generator = generator.eval()
        self.resolution = config.resolution
        self.au_scale = float(config.au_scale)
        self.intensity = 1.0
        self.flip_rows = True
        # One float attribute per AU: CatFileCreator turns same-named knobs into them.
        self.AU01 = self.AU02 = self.AU04 = self.AU05 = self.AU06 = self.AU07 = 0.0
        self.AU09 = self.AU10 = self.AU12 = self.AU14 = self.AU15 = self.AU17 = 0.0
        self.AU20 = self.AU23 = self.AU25 = self.AU26 = self.AU45 = 0.0
        assert all(hasattr(self, au) for au in AU_NAMES)  # spelled out above for TorchScript

    def aus(self) -> torch.Tensor:
        """The 17 AU attributes in :data:`AU_NAMES` order, × intensity, clamped to 0–5."""
        values = [self.AU01, self.AU02, self.AU04, self.AU05, self.AU06, self.AU07, self.AU09,
                  self.AU10, self.AU12, self.AU14, self.AU15, self.AU17, self.AU20, self.AU23,
                  self.AU25, self.AU26, self.AU45]
        return (torch.tensor(values) * self.intensity).clamp(0.0, 5.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.flip_rows:
            x = torch.flip(x, [2])  # Nuke's bottom-up rows -> top-down
        h, w = x.shape[2], x.shape[3]
        r = self.resolution
        small = F.adaptive_avg_pool2d(x[:, :3], [r, r])  # area average in linear light
        face = srgb_encode(small) * 2.0 - 1.0
        driving = (self.aus() * self.au_scale).view(1, -1).to(x.dtype).to(x.device)
        refined, warped, f = self.generator(face, driving)
        change = srgb_decode((refined + 1.0) * 0.5) - srgb_decode((warped + 1.0) * 0.5)
        change = F.interpolate(change, size=[h, w], mode="bilinear", align_corners=False)
        # f → pixels of the model grid → the crop's grid (bilinear, offsets rescaled).
        field = F.interpolate(self.generator.flow_px(f), size=[h, w], mode="bilinear",
                              align_corners=False)
        u = field[:, 0:1] * (float(w) / float(r))
        v = -field[:, 1:2] * (float(h) / float(r))  # IDistort is y up (MotionField.to_idistort)
        out = torch.cat((change, u, v), dim=1)
        if self.flip_rows:
            out = torch.flip(out, [2])
        return out


def export_torchscript(generator: Generator, path: str) -> torch.jit.ScriptModule:
    """Script the Nuke wrapper of ``generator`` and save it (float32, CPU) to ``path``."""
    module = torch.jit.script(CatteryGenerator(generator.float().cpu()))
    module.save(path)
    return module

