"""AU intensities from landmarks, offline: anatomical measures against a neutral face, scaled by
gains calibrated on real performances.

No offline AU estimator exists for this stack (OpenFace, py-feat and LibreFace download weights
at run time), so ATW measures the face itself. :mod:`.au_measures` reads fifteen measures from
each frame's landmarks (eyelid apertures, brow heights, cheeks, lip corners, lip gap, jaw, …; IOD
in the face's own frame). An AU is a fixed combination of the measures its muscle moves
(:data:`AU_MOTIONS`: anatomy, not data — an estimator fitted to one person's co-occurring AUs
would read a smile from the brows), taken from the **neutral** face: per measure, the value the
clip holds where that part of the face is relaxed (:func:`clip_neutral`), a frame you name, or
the calibration's population values for a single image. A **gain** per AU scales the movement so
that a strong real expression reads :data:`STRONG_INTENSITY` (``atw aus calibrate``,
:mod:`atw_ofx.au_calibration`, writes ``atw_ofx/data/au_estimator.json`` with its report).
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from ..conventions import AU_NAMES, AU_RANGE
from .au_measures import MEASURES, measure

#: AU → {measure: weight}: how far the AU moves each measure relative to the others (sign: the
#: AU's direction). AU05/AU45 read the eyes' aperture as a fraction of the neutral one (a closed
#: eye is closed whatever its size); every other AU reads IOD. AU14's dimple has no landmark.
AU_MOTIONS: dict[str, dict[str, float]] = {
    "AU01": {"inner_brow": 1.0},
    "AU02": {"outer_brow": 1.0},
    "AU04": {"inner_brow": -1.0, "brow_gap": -0.5},  # down and together (corrugator)
    "AU05": {"eye_aperture_r": 0.5, "eye_aperture_l": 0.5},
    "AU06": {"cheek": 1.0},
    "AU07": {"lower_lid": 1.0},
    "AU09": {"nose_wing": 1.0},
    "AU10": {"upper_lip": 1.0},
    "AU12": {"corner_height": 1.0, "corner_out": 0.5},  # up and out, mostly up
    "AU14": {},
    "AU15": {"corner_height": -1.0},
    # The chin boss pushes the lower lip up and bunches below it; a lower lip that drops to
    # part the lips shortens lip-to-chin as much as it widens the gap, and reads nothing here.
    "AU17": {"chin_lip": -1.0, "lip_gap": -1.0},
    "AU20": {"corner_out": 1.0, "corner_height": -0.5},  # out, a little down
    "AU23": {"lip_thickness": -1.0},
    "AU25": {"lip_gap": 1.0},
    "AU26": {"jaw_drop": 1.0},
    "AU45": {"eye_aperture_r": -0.5, "eye_aperture_l": -0.5},
}
#: AUs read as a fraction of the neutral measure (see :data:`AU_MOTIONS`).
RELATIVE_AUS = frozenset({"AU05", "AU45"})
#: Per measure, the quantile of a clip where that part of the face is relaxed: brows, cheeks and
#: lip corners spend time raised (low quantile), eyes spend it open (a few blinks: upper
#: quantile), a brow gap and the lips' red narrow when working (high quantile). A clip that
#: holds an expression throughout still reads it as neutral: :func:`unrelaxed` says so.
RELAXED_QUANTILE: dict[str, float] = {
    "eye_aperture_r": 0.75, "eye_aperture_l": 0.75, "lower_lid": 0.1, "inner_brow": 0.1,
    "outer_brow": 0.1, "brow_gap": 0.9, "cheek": 0.1, "nose_wing": 0.1, "upper_lip": 0.1,
    "corner_height": 0.1, "corner_out": 0.1, "lip_gap": 0.05, "lip_thickness": 0.9,
    "jaw_drop": 0.05, "chin_lip": 0.9,
}
#: What a strong real expression reads.
STRONG_INTENSITY = 4.5


def _motion_matrix() -> np.ndarray:
    """``17×M`` weights of :data:`AU_MOTIONS` over :data:`MEASURES`."""
    names = list(MEASURES)
    matrix = np.zeros((len(AU_NAMES), len(names)))
    for a, au in enumerate(AU_NAMES):
        for name, weight in AU_MOTIONS[au].items():
            matrix[a, names.index(name)] = weight
    return matrix


MOTIONS = _motion_matrix()
_RELATIVE = np.array([au in RELATIVE_AUS for au in AU_NAMES])


def clip_neutral(features: np.ndarray) -> np.ndarray:
    """A clip's neutral measures (``M``) from its ``N×M`` measures: each at its
    :data:`RELAXED_QUANTILE`."""
    features = np.atleast_2d(features)
    return np.array([np.quantile(features[:, m], RELAXED_QUANTILE[name])
                     for m, name in enumerate(MEASURES)])


def movements(features: np.ndarray, neutral: np.ndarray) -> np.ndarray:
    """Each AU's movement from ``neutral`` (``...×17``, ≥ 0): IOD, or for :data:`RELATIVE_AUS`
    the fraction of the neutral measure."""
    moved = (np.asarray(features) - neutral) @ MOTIONS.T
    scale = np.where(_RELATIVE, np.abs(MOTIONS) @ np.abs(neutral), 1.0)
    return np.maximum(moved / np.maximum(scale, 1e-9), 0.0)


def unrelaxed(neutral: np.ndarray, population: np.ndarray, spread: np.ndarray,
              *, sigmas: float = 3.0) -> dict[str, float]:
    """Measures a clip never relaxes: ``{measure: offset}`` where the clip's ``neutral`` lies
    more than ``sigmas`` × the calibration's ``spread`` of relaxed faces from the ``population``
    relaxed value, in the direction an AU moves it (a held smile, raised brows). IOD."""
    offsets = {}
    for m, name in enumerate(MEASURES):
        offset = float(neutral[m] - population[m])
        directions = {np.sign(MOTIONS[a, m]) for a in range(len(AU_NAMES)) if MOTIONS[a, m]}
        if abs(offset) > sigmas * spread[m] and np.sign(offset) in directions:
            offsets[name] = offset
    return offsets


@dataclass
class AUEstimator:
    """``intensity = clip(gain · movement(measures, neutral), 0, 5)`` per AU (module docstring)."""

    gains: np.ndarray  # 17: intensity per IOD (per fraction for RELATIVE_AUS)
    neutral: np.ndarray  # M: population relaxed measures, when no clip gives a neutral
    spread: np.ndarray  # M: their standard deviation across the calibration's performers
    report: dict = field(default_factory=dict)  # calibration: data, held-out scores

    @classmethod
    def default(cls) -> "AUEstimator":
        """The calibration shipped in ``atw_ofx/data/au_estimator.json`` (read once)."""
        return cls.from_json(_shipped_calibration())

    @classmethod
    def from_json(cls, doc: dict) -> "AUEstimator":
        if doc.get("measures") != list(MEASURES) or doc.get("aus") != list(AU_NAMES):
            raise ValueError("AU estimator calibration is for other measures or AUs")
        return cls(np.array(doc["gains"]), np.array(doc["neutral"]), np.array(doc["spread"]),
                   doc.get("report", {}))

    def to_json(self) -> dict:
        return {"measures": list(MEASURES), "aus": list(AU_NAMES),
                "gains": np.round(self.gains, 4).tolist(),
                "neutral": np.round(self.neutral, 5).tolist(),
                "spread": np.round(self.spread, 5).tolist(), "report": self.report}

    @property
    def readable(self) -> np.ndarray:
        """Which AUs any measure moves (17 bools)."""
        return (np.abs(MOTIONS).sum(axis=1) > 0) & (self.gains > 0)

    def intensities(self, features: np.ndarray, neutral: np.ndarray | None = None,
                    gains: np.ndarray | None = None) -> np.ndarray:
        """``...×17`` AU intensities (float32) of ``...×M`` measures."""
        base = self.neutral if neutral is None else neutral
        scale = self.gains if gains is None else self.gains * gains
        return np.clip(movements(features, base) * scale, *AU_RANGE).astype(np.float32)

    def estimate(self, landmarks: np.ndarray, neutral: np.ndarray | None = None) -> np.ndarray:
        """``N×17`` (or 17) AU intensities for ``N×P×2`` (or ``P×2``) landmarks, P = 68 or 478."""
        return self.intensities(measure(landmarks), neutral)


@functools.lru_cache(maxsize=1)
def _shipped_calibration() -> dict:
    return json.loads((resources.files("atw_ofx") / "data" / "au_estimator.json").read_text())


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
