"""Motion models: the interface, the embedded landmark rig, the learned generator, loading."""
import os

from ..errors import ModelError
from .base import FaceContext, MotionModel, MotionResult
from .rig import LandmarkRig

__all__ = ["FaceContext", "LandmarkRig", "MotionModel", "MotionResult", "keep_models_loaded",
           "load_model"]

#: Models kept between renders by a warm worker (``atw serve``), keyed by name, device and the
#: bundle's modification time (a re-exported bundle is loaded anew); None: load every time.
_kept: dict | None = None


def keep_models_loaded() -> None:
    """From now on, :func:`load_model` returns the model it loaded before for the same bundle
    (models hold no per-render state)."""
    global _kept
    if _kept is None:
        _kept = {}


def load_model(name: str, device: str = "cpu") -> MotionModel:
    """``"rig"`` → the embedded landmark rig; a bundle folder (or its manifest.json) → the
    learned generator it holds, on ``device`` (the render's ``--device``)."""
    if _kept is not None:
        key = (name, device, os.path.getmtime(name) if os.path.exists(name) else None)
        if key not in _kept:
            _kept[key] = _load(name, device)
        return _kept[key]
    return _load(name, device)


def _load(name: str, device: str) -> MotionModel:
    if name == "rig":
        return LandmarkRig()
    if os.path.exists(name):
        from .bundle import load_bundle
        from .learned import LearnedModel

        return LearnedModel(*load_bundle(name, device=device))
    raise ModelError("unknown model: expected 'rig' or a model bundle folder", path=name)
