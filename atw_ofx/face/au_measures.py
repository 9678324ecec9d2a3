"""What a face does, measured: anatomical measures of landmarks, in IOD, in the face's own frame.

Each frame's landmarks are put in the face's frame — origin midway between the two eyes' corner
midpoints, ``x`` along the line through them (image right for a frontal face), ``y`` **up** (the
forehead's side), lengths in inter-ocular distances (IOD, between the eyes' corner midpoints;
eye corners stay put when a lid closes, contour means do not). :data:`MEASURES` are then read from
named anatomical points (:data:`POINTS`), each given on MediaPipe's 478-point mesh (the default
landmarks; several vertices averaged where one would be noisy) and on the 68-point iBUG layout
(dlib's backend, OpenFace's CSV output), so both measure the same movements — the mesh finely,
the 68 points as well as their fewer points allow.

Sides are the subject's: ``_r`` is the subject's right (image-left on a frontal face).
"""
from __future__ import annotations

import numpy as np

from .layout import N_IBUG, N_MESH

#: Anatomical point → (mesh vertices, iBUG-68 points), averaged when several.
POINTS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "eye_outer_r": ((33,), (36,)), "eye_inner_r": ((133,), (39,)),
    "eye_inner_l": ((362,), (42,)), "eye_outer_l": ((263,), (45,)),
    "upper_lid_r": ((160, 159, 158), (37, 38)), "lower_lid_r": ((144, 145, 153), (41, 40)),
    "upper_lid_l": ((385, 386, 387), (43, 44)), "lower_lid_l": ((380, 374, 373), (47, 46)),
    "inner_brow_r": ((107, 55), (21,)), "outer_brow_r": ((70, 46, 63), (17, 18)),
    "inner_brow_l": ((336, 285), (22,)), "outer_brow_l": ((300, 276, 293), (26, 25)),
    "cheek_r": ((118, 50), (1, 2)), "cheek_l": ((347, 280), (15, 14)),
    "nose_wing_r": ((75,), (31,)), "nose_wing_l": ((305,), (35,)),
    "nose_base": ((2,), (33,)),
    "mouth_corner_r": ((61,), (48,)), "mouth_corner_l": ((291,), (54,)),
    "upper_lip_top": ((0,), (51,)), "upper_lip_inner": ((13,), (62,)),
    "lower_lip_inner": ((14,), (66,)), "lower_lip_bottom": ((17,), (57,)),
    "chin": ((152,), (8,)),
}

#: Measure → what it is (IOD; "height" is along the face's up axis). Both sides averaged where a
#: measure names no side.
MEASURES: dict[str, str] = {
    "eye_aperture_r": "upper lid above the lower lid, the eye's middle third (subject's right)",
    "eye_aperture_l": "upper lid above the lower lid, the eye's middle third (subject's left)",
    "lower_lid": "lower lids' height above their eye corners",
    "inner_brow": "inner brow ends' height above the inner eye corners",
    "outer_brow": "outer brows' height above the outer eye corners",
    "brow_gap": "inner brow ends apart",
    "cheek": "cheeks' height below the eyes (under the eye and beside the nose; negative)",
    # Above the nose base, not the eyes: wings and base lie at one depth, so a nodding head
    # (which changes the eye-to-nose height in the picture) does not read as a wrinkled nose.
    "nose_wing": "nose wings' height above the nose base",
    "upper_lip": "upper lip's top above the nose base (negative: it lies below)",
    # The corners lie between the skull's upper lip and the jaw's lower one, so a dropping jaw
    # takes them down about half as far: measured from midway between nose base and chin, an
    # open-mouthed smile reads as high as a closed one.
    "corner_height": "mouth corners' height above the midpoint of the nose base and the chin",
    "corner_out": "half the mouth's width, corner to corner along the eye line",
    "lip_gap": "inner upper lip above the inner lower lip",
    "lip_thickness": "red of both lips: outer to inner edge, upper plus lower",
    "jaw_drop": "nose base above the chin",
    "chin_lip": "lower lip's bottom above the chin",
}


def _point_table(n_points: int) -> dict[str, np.ndarray]:
    column = {N_MESH: 0, N_IBUG: 1}.get(n_points)
    if column is None:
        raise ValueError(f"landmarks: got {n_points} points, expected {N_IBUG} or {N_MESH}")
    return {name: np.array(indices[column]) for name, indices in POINTS.items()}


def face_frame_points(landmarks: np.ndarray) -> dict[str, np.ndarray]:
    """:data:`POINTS` of ``...×P×2`` landmarks (P = 68 or 478, pixels, y down) in the face's frame
    (``...×2``: x along the eyes, y up, IOD units; origin between the eyes)."""
    landmarks = np.asarray(landmarks, np.float64)
    raw = {name: landmarks[..., idx, :].mean(-2)
           for name, idx in _point_table(landmarks.shape[-2]).items()}
    origin, x, iod = corner_axes((raw["eye_outer_r"] + raw["eye_inner_r"]) / 2,
                                 (raw["eye_outer_l"] + raw["eye_inner_l"]) / 2)
    up = np.stack((x[..., 1], -x[..., 0]), axis=-1)  # image y runs down
    return {name: np.stack((((p - origin) * x).sum(-1), ((p - origin) * up).sum(-1)), -1) / iod
            for name, p in raw.items()}


def corner_axes(eye_r: np.ndarray, eye_l: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The face's frame from its eyes' corner midpoints (``...×2`` px each): origin between
    them, unit ``x`` from the subject's right eye to the left, and the IOD (``...×1``). Eye
    corners stay put when a lid closes; a contour's mean does not."""
    axis = eye_l - eye_r
    iod = np.maximum(np.linalg.norm(axis, axis=-1, keepdims=True), 1e-9)
    return (eye_r + eye_l) / 2, axis / iod, iod


def measure(landmarks: np.ndarray) -> np.ndarray:
    """The :data:`MEASURES` of ``...×P×2`` landmarks: ``...×M`` float64 (IOD)."""
    p = face_frame_points(landmarks)

    def y(name):
        return p[name][..., 1]

    def both(name):
        return (p[name + "_r"] + p[name + "_l"]) / 2

    values = {
        "eye_aperture_r": y("upper_lid_r") - y("lower_lid_r"),
        "eye_aperture_l": y("upper_lid_l") - y("lower_lid_l"),
        "lower_lid": both("lower_lid")[..., 1]
        - (both("eye_outer")[..., 1] + both("eye_inner")[..., 1]) / 2,
        "inner_brow": both("inner_brow")[..., 1] - both("eye_inner")[..., 1],
        "outer_brow": both("outer_brow")[..., 1] - both("eye_outer")[..., 1],
        "brow_gap": np.linalg.norm(p["inner_brow_l"] - p["inner_brow_r"], axis=-1),
        "cheek": both("cheek")[..., 1],  # the eye line is y = 0
        "nose_wing": both("nose_wing")[..., 1] - y("nose_base"),
        "upper_lip": y("upper_lip_top") - y("nose_base"),
        "corner_height": both("mouth_corner")[..., 1] - (y("nose_base") + y("chin")) / 2,
        "corner_out": (p["mouth_corner_l"][..., 0] - p["mouth_corner_r"][..., 0]) / 2,
        "lip_gap": y("upper_lip_inner") - y("lower_lip_inner"),
        "lip_thickness": (y("upper_lip_top") - y("upper_lip_inner"))
        + (y("lower_lip_inner") - y("lower_lip_bottom")),
        "jaw_drop": y("nose_base") - y("chin"),
        "chin_lip": y("lower_lip_bottom") - y("chin"),
    }
    return np.stack([values[name] for name in MEASURES], axis=-1)
