"""``atw eval``: how well a model animates faces it has not seen — AU accuracy, identity, stability.

Each face is rendered through an AU ramp (0 → the target over ``frames`` frames, the render
path a user runs: crop, model, ResWarp, paste-back) and scored:

- **AU error** — mean over frames of the squared difference, summed over the AUs the estimator
  can see, between the AUs asked for and the AUs :mod:`~atw_ofx.face.au_estimate` measures on
  the output, relative to the input face (so edits are compared with edits);
- **identity** — cosine similarity of dlib's 128-d face embedding (``dlib_face_recognition_
  resnet_model_v1``, from the ``face_recognition_models`` package, offline) between the input
  and every output frame, averaged;
- **temporal warping error** (Lai et al. 2018) — for consecutive output frames, OpenCV DIS flow
  from t to t+1, frame t+1 warped back, pixels kept where the forward and backward flows agree
  (non-occlusion mask ``M``): ``Σ M‖V_t − Ŵ(V_{t+1})‖² / Σ M`` on sRGB values in [0, 1],
  averaged over t and faces (×10³ in the report).

Writes a JSON record per model and a contact sheet (input, middle, last frame per face).
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import cv2
import numpy as np

from . import colour
from .aus import both_sides, ramp
from .conventions import AU_NAMES
from .face.au_estimate import AUEstimator, image_landmarks
from .face.au_measures import measure
from .face.detect import to_rgb8
from .imageio import ImagePlate, read_image, write_image
from .models import MotionModel
from .render import RenderOptions, locate_face, render_frame


@functools.lru_cache(maxsize=1)
def _embedder():
    import dlib

    spec = importlib.util.find_spec("face_recognition_models")
    models = Path(spec.submodule_search_locations[0]) / "models"
    return (dlib.face_recognition_model_v1(str(models / "dlib_face_recognition_resnet_model_v1.dat")),
            dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat")), dlib)


def face_embedding(rgb8: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """dlib's 128-d identity embedding of the face in ``box`` (x0, y0, x1, y1), unit length."""
    encoder, predictor, dlib = _embedder()
    rect = dlib.rectangle(*(int(round(v)) for v in box))
    vec = np.array(encoder.compute_face_descriptor(rgb8, predictor(rgb8, rect)), np.float64)
    return vec / (np.linalg.norm(vec) or 1.0)


def warping_error(frames: list[np.ndarray]) -> float:
    """Lai et al.'s temporal warping error of ``H×W×3`` sRGB [0, 1] frames (module docstring)."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    grey = [cv2.cvtColor((np.clip(f, 0, 1) * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
            for f in frames]
    h, w = grey[0].shape
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    errors = []
    for t in range(len(frames) - 1):
        fwd = dis.calc(grey[t], grey[t + 1], None)  # where t's pixels went in t+1
        bwd = dis.calc(grey[t + 1], grey[t], None)
        map_x, map_y = xs + fwd[..., 0], ys + fwd[..., 1]
        warped = cv2.remap(frames[t + 1].astype(np.float32), map_x, map_y, cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
        back = cv2.remap(bwd, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        # Non-occluded where following the flow forward then backward returns home (Lai et al.).
        mismatch = np.sum((fwd + back) ** 2, -1)
        mask = mismatch <= 0.01 * (np.sum(fwd ** 2, -1) + np.sum(back ** 2, -1)) + 0.5
        diff = np.sum((frames[t] - warped) ** 2, -1)
        errors.append(float((diff * mask).sum() / max(mask.sum(), 1)))
    return float(np.mean(errors)) if errors else 0.0


def evaluate(model: MotionModel, faces: list[Path], *, target: dict[str, float],
             frames: int = 8, side: int = 512, au_mode: str = "relative",
             sheet: Path | None = None, progress=print) -> dict:
    """Render every face through a ramp to ``target`` and score it (module docstring)."""
    estimator = AUEstimator.default()
    seen = estimator.readable  # AUs the estimator can measure at all
    options = RenderOptions(au_mode=au_mode)
    curves = ramp(target, first=1, last=frames, interpolation="linear")
    au_errors, identities, fwes, views = [], [], [], []
    for path in faces:
        source = read_image(path)
        linear = colour.convert(source.rgb(), source.colourspace, colour.DEFAULT_PLATE_SPACE)
        linear = cv2.resize(linear, (side, side), interpolation=cv2.INTER_AREA)
        plate = ImagePlate.from_array(linear, ("R", "G", "B"), colour.DEFAULT_PLATE_SPACE)
        face = locate_face(plate, options=options)
        rgb8_in = to_rgb8(plate.rgb(), plate.colourspace)
        box = (face.box.x, face.box.y, face.box.x + face.box.size, face.box.y + face.box.size)
        reference, neutral = face_embedding(rgb8_in, box), measure(face.landmarks)
        outputs = []
        for frame in range(1, frames + 1):
            wanted = curves.at(frame)
            out = render_frame(plate, wanted, model, face=face, options=options, frame=frame)
            rgb = colour.convert(out.plate.rgb(), out.plate.colourspace,
                                 colour.DEFAULT_DISPLAY_FILE_SPACE)
            outputs.append(np.clip(rgb, 0, 1))
            rgb8 = (outputs[-1] * 255 + 0.5).astype(np.uint8)
            identities.append(float(face_embedding(rgb8, box) @ reference))
            landmarks = image_landmarks(rgb8)
            if landmarks is not None:
                measured = estimator.estimate(landmarks, neutral)
                au_errors.append(float(np.sum((measured - both_sides(wanted))[seen] ** 2)))
        fwes.append(warping_error(outputs))
        views.append((outputs[0], outputs[frames // 2], outputs[-1]))
        progress(f"{path.name}: identity {np.mean(identities[-frames:]):.3f}, "
                 f"FWE×1e3 {fwes[-1] * 1e3:.3f}")
    record = {
        "model": getattr(model, "name", "model"), "au_mode": au_mode, "faces": len(faces),
        "frames": frames, "side": side, "target": target,
        "au_error": round(float(np.mean(au_errors)), 4) if au_errors else None,
        "au_error_aus": [au for au, s in zip(AU_NAMES, seen) if s],
        "identity_cosine": round(float(np.mean(identities)), 4),
        "fwe_x1e3": round(float(np.mean(fwes)) * 1e3, 4),
        "face_embedding": "dlib_face_recognition_resnet_model_v1 (face_recognition_models)",
    }
    if sheet is not None:
        _contact_sheet(sheet, views)
    return record


def _contact_sheet(path: Path, views, side: int = 256) -> None:
    rows = [np.concatenate([cv2.resize(v, (side, side), interpolation=cv2.INTER_AREA)
                            for v in row], axis=1) for row in views]
    write_image(path, ImagePlate.from_array(np.concatenate(rows, axis=0), ("R", "G", "B"),
                                            colour.DEFAULT_DISPLAY_FILE_SPACE))
