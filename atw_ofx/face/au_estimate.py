"""AU intensities from 68 landmarks, offline: geometric measures, a neutral frame, a linear map.

No offline AU estimator exists for this stack (OpenFace, py-feat and LibreFace download weights
at run time), so ATW measures the face itself. Each frame's landmarks are put in the face's own
frame — origin between the eyes, x along the eye line, lengths in inter-ocular distances (IOD) —
and a dozen measures are taken (brow heights, eye openings, mouth width and corner height, lip
gap, jaw drop, …; :data:`FEATURES`). An AU's intensity is a clipped linear function of how far
its measures moved from the **neutral** face: the same person's least-expressive frame when a
clip is given, else population means. The linear maps are calibrated against OpenFace labels
(``atw aus calibrate``, which writes ``atw_ofx/data/au_estimator.json`` and reports per-AU
correlations); AUs no measure can see (e.g. AU14, AU20 without texture) stay weak.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

from ..conventions import AU_NAMES, AU_RANGE
from .layout import ibug68

#: Measure name → what it is (all in IOD units, y up = positive "raise").
FEATURES = {
    "inner_brow": "inner brow ends (21, 22) above the inner eye corners",
    "outer_brow": "outer brow ends (17, 26) above the outer eye corners",
    "brow_gap": "distance between the inner brow ends",
    "eye_open": "mean upper-to-lower lid distance of both eyes",
    "lower_lid": "lower lids (40, 41, 46, 47) above the eye corners' line",
    "nose_length": "nose bridge top (27) to the nose tip (30)",
    "upper_lip": "nose base (33) to the upper lip's top (51), as a gap",
    "mouth_width": "mouth corners (48, 54) apart",
    "corner_height": "mouth corners above the lip centre line (51-57 midpoint)",
    "lip_gap": "inner lips apart (62 to 66)",
    "lip_thickness": "outer-to-inner lip distances (51-62, 57-66)",
    "jaw_drop": "chin (8) below the nose base (33)",
    "chin_lip": "lower lip (57) to chin (8)",
}


@functools.lru_cache(maxsize=1)
def _shipped_calibration() -> dict:
    return json.loads((resources.files("atw_ofx") / "data" / "au_estimator.json").read_text())


def face_frame(landmarks: np.ndarray) -> np.ndarray:
    """68×2 landmarks (the iBUG view of 68 or 478) in the face's frame: eye midpoint at 0, x along
    the eyes, y **up**, IOD 1."""
    landmarks = ibug68(landmarks)
    eye_r, eye_l = landmarks[36:42].mean(0), landmarks[42:48].mean(0)
    axis = eye_l - eye_r
    iod = float(np.linalg.norm(axis)) or 1.0
    x = axis / iod
    up = np.array([x[1], -x[0]])  # image y runs down; "up" is the face's forehead side
    rel = (landmarks - (eye_r + eye_l) / 2) / iod
    return np.stack((rel @ x, rel @ up), axis=-1)


def measures(landmarks: np.ndarray) -> np.ndarray:
    """The :data:`FEATURES` of one face (float64, IOD units)."""
    p = face_frame(np.asarray(landmarks, np.float64))
    y = p[:, 1]
    eye_open = np.mean([p[37, 1] - p[41, 1], p[38, 1] - p[40, 1],
                        p[43, 1] - p[47, 1], p[44, 1] - p[46, 1]])
    lip_centre = (y[51] + y[57]) / 2
    values = {
        "inner_brow": np.mean([y[21] - y[39], y[22] - y[42]]),
        "outer_brow": np.mean([y[17] - y[36], y[26] - y[45]]),
        "brow_gap": np.linalg.norm(p[21] - p[22]),
        "eye_open": eye_open,
        "lower_lid": np.mean(y[[40, 41, 46, 47]]) - np.mean(y[[36, 39, 42, 45]]),
        "nose_length": np.linalg.norm(p[27] - p[30]),
        "upper_lip": y[33] - y[51],
        "mouth_width": np.linalg.norm(p[48] - p[54]),
        "corner_height": np.mean(y[[48, 54]]) - lip_centre,
        "lip_gap": np.linalg.norm(p[62] - p[66]),
        "lip_thickness": np.linalg.norm(p[51] - p[62]) + np.linalg.norm(p[57] - p[66]),
        "jaw_drop": y[33] - y[8],
        "chin_lip": y[57] - y[8],
    }
    return np.array([values[name] for name in FEATURES], np.float64)


#: The measures each AU may use and the sign its movement has (anatomy, not data: an estimator
#: fitted to one person's co-occurring AUs must not read a smile from the brows).
AU_MEASURES: dict[str, dict[str, int]] = {
    "AU01": {"inner_brow": +1},
    "AU02": {"outer_brow": +1},
    "AU04": {"brow_gap": -1, "inner_brow": -1},
    "AU05": {"eye_open": +1},
    "AU06": {"lower_lid": +1, "eye_open": -1},
    "AU07": {"lower_lid": +1, "eye_open": -1},
    "AU09": {"nose_length": -1, "upper_lip": -1},
    "AU10": {"upper_lip": -1},
    "AU12": {"corner_height": +1, "mouth_width": +1},
    "AU14": {"mouth_width": +1},
    "AU15": {"corner_height": -1},
    "AU17": {"chin_lip": -1},
    "AU20": {"mouth_width": +1},
    "AU23": {"lip_thickness": -1},
    "AU25": {"lip_gap": +1},
    "AU26": {"jaw_drop": +1},
    "AU45": {"eye_open": -1},
}


@dataclass
class AUEstimator:
    """Per AU: ``intensity = clip(bias + weights · (measures − neutral), 0, 5)``; the bias is 0
    in our calibration (a neutral face reads as no AU)."""

    weights: np.ndarray  # 17 × len(FEATURES)
    bias: np.ndarray  # 17
    neutral: np.ndarray  # len(FEATURES): population neutral, when no clip gives one
    report: dict  # calibration: data, per-AU correlations

    @classmethod
    def default(cls) -> "AUEstimator":
        """The calibration shipped in ``atw_ofx/data/au_estimator.json`` (read once)."""
        return cls.from_json(_shipped_calibration())

    @classmethod
    def from_json(cls, doc: dict) -> "AUEstimator":
        if doc.get("features") != list(FEATURES) or doc.get("aus") != list(AU_NAMES):
            raise ValueError("AU estimator calibration is for other features or AUs")
        return cls(np.array(doc["weights"]), np.array(doc["bias"]), np.array(doc["neutral"]),
                   doc.get("report", {}))

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "aus": list(AU_NAMES),
                "weights": np.round(self.weights, 6).tolist(),
                "bias": np.round(self.bias, 6).tolist(),
                "neutral": np.round(self.neutral, 6).tolist(), "report": self.report}

    def estimate(self, landmarks: np.ndarray, neutral: np.ndarray | None = None) -> np.ndarray:
        """``N×17`` (or 17) AU intensities for ``N×P×2`` (or P×2) landmarks, P = 68 or 478."""
        single = np.ndim(landmarks) == 2
        frames = np.reshape(landmarks, (-1, *np.shape(landmarks)[-2:]))
        feats = np.atleast_2d(np.stack([measures(lm) for lm in frames]))
        base = self.neutral if neutral is None else neutral
        aus = np.clip(self.bias + (feats - base) @ self.weights.T, *AU_RANGE).astype(np.float32)
        return aus[0] if single else aus


def calm_frames(features: np.ndarray) -> np.ndarray:
    """Indices of a clip's 10 % calmest frames: closest to its per-measure median overall, so
    one frame of a wide-open mouth never becomes the reference."""
    features = np.atleast_2d(features)
    spread = np.abs(features - np.median(features, axis=0)) / (features.std(axis=0) + 1e-9)
    return np.argsort(spread.sum(axis=1))[:max(1, len(features) // 10)]


def clip_neutral(features: np.ndarray) -> np.ndarray:
    """A clip's own neutral measures: per measure, the median of its calmest frames."""
    features = np.atleast_2d(features)
    return np.median(features[calm_frames(features)], axis=0)


def fit(features: np.ndarray, targets: np.ndarray, neutral: np.ndarray,
        neutral_targets: np.ndarray, *, ridge: float = 1e-3) -> np.ndarray:
    """``weights 17×F``: AU change from the neutral face per unit of measure change.

    Per AU, ridge regression through the origin of ``targets − neutral_targets`` on its
    :data:`AU_MEASURES` ``− neutral`` only (so the neutral face reads as no AU); a measure whose
    fitted sign contradicts the anatomy is dropped and the AU refitted. An AU that never varies
    in the data keeps zero weights (it cannot be calibrated from it).
    """
    names = list(FEATURES)
    x = features - neutral
    weights = np.zeros((len(AU_NAMES), len(names)))
    for a, au in enumerate(AU_NAMES):
        allowed = dict(AU_MEASURES[au])
        y = targets[:, a] - neutral_targets[a]
        if targets[:, a].std() < 1e-6:
            continue
        while allowed:
            cols = [names.index(m) for m in allowed]
            solution = np.linalg.solve(x[:, cols].T @ x[:, cols] + ridge * np.eye(len(cols)),
                                       x[:, cols].T @ y)
            wrong = [m for m, w in zip(allowed, solution) if np.sign(w) != allowed[m]]
            if not wrong:
                weights[a, cols] = solution
                break
            for m in wrong:
                del allowed[m]
    return weights


def image_landmarks(rgb8: np.ndarray, backend_name: str | None = None) -> np.ndarray | None:
    """Landmarks of the largest face in an 8-bit RGB image (small crops up-sampled first:
    detectors miss faces under ~80 px), or None; ``backend_name`` defaults to the default's."""
    import cv2

    from .detect import DEFAULT_BACKEND, backend

    backend_name = backend_name or DEFAULT_BACKEND

    scale = max(1.0, 256 / max(rgb8.shape[:2]))
    big = cv2.resize(rgb8, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC) \
        if scale > 1 else rgb8
    faces = backend(backend_name).faces(big, detect_scale=1.0)
    return faces[0].landmarks / scale if faces else None


def calibrate(data: str, *, ridge: float = 1e-3) -> AUEstimator:
    """Fit the estimator to a labelled folder (``atw_ofx.train.data`` layout) and report per-AU
    Pearson correlations on its train and test splits (test = ``test_ids.csv`` when present)."""
    from ..train.data import load_faces

    report: dict = {"data": data, "splits": {}}
    sets = {}
    for split in ("train", "test"):
        faces = load_faces(data, split)
        rows = [(image_landmarks(np.ascontiguousarray(img.permute(1, 2, 0).numpy())), au)
                for img, au in zip(faces.images, faces.aus.numpy())]
        found = [(measures(lm), au) for lm, au in rows if lm is not None]
        sets[split] = (np.array([f for f, _ in found]), np.array([a for _, a in found]))
        report["splits"][split] = {"images": len(rows), "faces_found": len(found)}
    train_x, train_y = sets["train"]
    calm = calm_frames(train_x)
    neutral, neutral_aus = np.median(train_x[calm], axis=0), np.median(train_y[calm], axis=0)
    weights = fit(train_x, train_y, neutral, neutral_aus, ridge=ridge)
    # Measured from their own neutral, the labelled frames score their neutral's labels too.
    estimator = AUEstimator(weights, np.zeros(len(AU_NAMES)), neutral, report)
    report["neutral_aus"] = dict(zip(AU_NAMES, np.round(neutral_aus, 3).tolist()))
    for split, (x, y) in sets.items():
        predicted = np.clip(neutral_aus + (x - neutral) @ weights.T, *AU_RANGE)
        report["splits"][split]["pearson_r"] = {
            au: (round(float(np.corrcoef(predicted[:, a], y[:, a])[0, 1]), 3)
                 if predicted[:, a].std() > 0 and y[:, a].std() > 0 else None)
            for a, au in enumerate(AU_NAMES)}
        report["splits"][split]["mae"] = {
            au: round(float(np.abs(predicted[:, a] - y[:, a]).mean()), 3)
            for a, au in enumerate(AU_NAMES)}
    return estimator
