"""Motion models: the interface, the embedded landmark rig, the learned generator, loading."""
import os

from ..errors import ModelError
from .base import FaceContext, MotionModel, MotionResult
from .rig import LandmarkRig

__all__ = ["FaceContext", "LandmarkRig", "MotionModel", "MotionResult", "load_model"]


def load_model(name: str, device: str = "cpu") -> MotionModel:
    """``"rig"`` → the embedded landmark rig; a bundle folder (or its manifest.json) → the
    learned generator it holds, on ``device`` (the render's ``--device``)."""
    if name == "rig":
        return LandmarkRig()
    if os.path.exists(name):
        from .bundle import load_bundle
        from .learned import LearnedModel

        return LearnedModel(*load_bundle(name, device=device))
    raise ModelError("unknown model: expected 'rig' or a model bundle folder", path=name)
