"""The learned ATW generator behind the :class:`~atw_ofx.models.MotionModel` interface.

AU semantics of an AU-driven bundle: **absolute**, as the paper trains it — the AU vector is the
target expression, so all zeros asks for a neutral face, not for "no change" (the rig's zeros
mean no change); the render's relative mode adds the source face's own estimated AUs first.

A class-driven bundle (one-hot expression classes) reads the AU vector as class weights
(:func:`~atw_ofx.expressions.expression_weights`) and, as the paper animates class models,
interpolates the motion: ``F = Σ_k w_k · F(face, one-hot k)``, then warps and refines. A weight
is therefore an edit — 0 leaves the face as it is, 1 is the class's full expression — so its AU
semantics are relative.
"""
from __future__ import annotations

import numpy as np
import torch

from ..conventions import MotionField
from ..expressions import expression_weights
from .base import FaceContext, MotionResult
from .generator import Generator


class LearnedModel:
    """A bundle's generator: face crop + AUs → (F, O^w, O^r) on its 128 px grid."""

    def __init__(self, generator: Generator, manifest: dict):
        self.generator = generator.eval()
        self.config = generator.config
        self.name = manifest.get("name", "atw")
        # AU bundles: the AU vector is the target expression (the paper's); class bundles: class
        # weights interpolate the motion from the face as it is.
        self.au_semantics = "absolute" if self.config.driving == "aus" else "relative"
        self.resolution = self.config.resolution
        self.colourspace = manifest["colourspace"]

    @torch.no_grad()
    def animate(self, face: torch.Tensor, aus: np.ndarray, context: FaceContext) -> MotionResult:
        """``face``: ``1×3×R×R`` in [-1, 1]; ``aus``: 17 raw intensities 0–5 (absolute for an
        AU bundle; read as class weights by a class bundle)."""
        device = next(self.generator.parameters()).device
        if self.config.driving == "classes":
            return self._animate_classes(face, aus, device)
        driving = torch.from_numpy(np.asarray(aus, np.float32) * self.config.au_scale)[None]
        refined, warped, f = self.generator(face.to(device), driving.to(device))
        return self._result(face, refined, warped, f)

    def _animate_classes(self, face: torch.Tensor, aus: np.ndarray, device) -> MotionResult:
        weights = expression_weights(aus, self.config.class_names)
        used = np.flatnonzero(weights)
        if not len(used):
            still = MotionField.zeros(1, self.resolution, self.resolution, device=face.device)
            return MotionResult(still, face, face)
        # One batch: a row per class used, each with its one-hot target.
        one_hot = torch.eye(self.config.n_driving, device=device)[torch.from_numpy(used)]
        image = face.to(device)
        f_each = self.generator.motion(image.expand(len(used), -1, -1, -1), one_hot)
        f = (f_each * torch.from_numpy(weights[used]).to(device).view(-1, 1, 1, 1)).sum(0,
                                                                                  keepdim=True)
        warped = self.generator.warp(image, f)
        return self._result(face, self.generator.refinement(warped), warped, f)

    def _result(self, face, refined, warped, f) -> MotionResult:
        flow = MotionField(self.generator.flow_pixels(f).px.to(face.device))
        return MotionResult(flow=flow, warped=warped.to(face.device),
                            refined=refined.to(face.device))
