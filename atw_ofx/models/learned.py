"""The learned ATW generator behind the :class:`~atw_ofx.models.MotionModel` interface.

AU semantics: **absolute**, as the paper trains it — the AU vector is the target expression,
so all zeros asks for a neutral face, not for "no change" (the rig's zeros mean no change). The
relative mode (the source frame's own AUs plus the user's offsets) needs the AU estimator and
arrives with it.
"""
from __future__ import annotations

import numpy as np
import torch

from ..conventions import MotionField
from ..errors import ModelError
from .base import FaceContext, MotionResult
from .generator import Generator


class LearnedModel:
    """A bundle's generator: face crop + AUs → (F, O^w, O^r) on its 128 px grid."""

    def __init__(self, generator: Generator, manifest: dict):
        self.generator = generator.eval()
        self.config = generator.config
        self.name = manifest.get("name", "atw")
        self.au_semantics = "absolute"  # the AU vector is the target expression (the paper's)
        self.resolution = self.config.resolution
        self.colourspace = manifest["colourspace"]

    @torch.no_grad()
    def animate(self, face: torch.Tensor, aus: np.ndarray, context: FaceContext) -> MotionResult:
        """``face``: ``1×3×R×R`` in [-1, 1]; ``aus``: 17 raw intensities 0–5 (absolute)."""
        if self.config.driving != "aus":
            raise ModelError(f"{self.name} is driven by {self.config.n_driving} expression "
                             "classes, not AUs")
        device = next(self.generator.parameters()).device
        driving = torch.from_numpy(np.asarray(aus, np.float32) * self.config.au_scale)[None]
        refined, warped, f = self.generator(face.to(device), driving.to(device))
        flow = MotionField(self.generator.flow_pixels(f).px.to(face.device))
        return MotionResult(flow=flow, warped=warped.to(face.device),
                            refined=refined.to(face.device))
