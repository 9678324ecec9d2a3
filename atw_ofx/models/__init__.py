"""Motion models: the interface, the embedded landmark rig, and model loading."""
from ..errors import ModelError
from .base import FaceContext, MotionModel, MotionResult
from .rig import LandmarkRig

__all__ = ["FaceContext", "LandmarkRig", "MotionModel", "MotionResult", "load_model"]


def load_model(name: str) -> MotionModel:
    """``"rig"`` → the embedded landmark rig. Learned bundles arrive with the generator issue."""
    if name == "rig":
        return LandmarkRig()
    raise ModelError(f"unknown model {name!r}: only the embedded 'rig' is available in this build",
                     path=name)
