"""Retargeting: a performer's face motion carried straight onto another face's rig, for a
performance that does not decompose well into AUs (``atw aus extract --retarget``).

Per frame, the performer's landmarks are put in their face's own frame (x along the eyes, y
towards the chin, lengths in IOD, from the eye corners) and taken from their
neutral shape — the clip's most relaxed frame (:func:`relaxed_frame`), or the one you name. What
is carried is the motion of the regions a warp moves well: the brows, the lip corners, the
cheeks (:data:`DRIVEN`). A head that turns shifts a mirrored pair of points the same way
across the face; an expression moves them symmetrically or on one side — so each pair's common
sideways shift is taken out as pose. Eyelids and the mouth's opening stay with the regional
models, driven by the performer's measured AU05, AU07, AU45, AU25 and AU26 curves written beside
the motion (:data:`REGIONAL_AUS`): their lids close and their lips part without stretching.

On the target, each region's motion is scaled by how big that region is on the target against
the performer, both in IOD (:data:`REGION_SIZES`), and laid along the target's own face axes in
its pixels (:func:`onto`).

Points are the rig's 70: the 68 iBUG points and two cheek points (68 subject's right, 69 left).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .face.au_measures import corner_axes
from .face.layout import ibug68

#: Mirror pairs among the 70 points (subject's right, left).
MIRROR = ((17, 26), (18, 25), (19, 24), (20, 23), (21, 22), (48, 54), (49, 53), (60, 64),
          (68, 69))
#: Points whose motion is carried: brows, lip corners (with the upper lip's ends beside them),
#: cheeks. The lips' middle is left to the mouth model: carried by the spline, a performer's
#: laughing upper lip stretches a closed mouth's red upwards instead of opening it.
DRIVEN = (17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 48, 49, 53, 54, 60, 64, 68, 69)
#: How far (IOD) the rig carries a point: about its largest AU displacement at intensity 5 (the
#: lip corners' at AU12, docs/frame.md); motion beyond it is eased in (:func:`onto`).
REACH = 0.25
#: The AUs still read from the performer and given to the rig's regional models.
REGIONAL_AUS = ("AU05", "AU07", "AU25", "AU26", "AU45")
#: Region → (its points, the pair of points whose distance is its size).
REGION_SIZES = {
    "brows": ((17, 18, 19, 20, 21, 22, 23, 24, 25, 26), (17, 26)),
    "mouth": ((48, 49, 53, 54, 60, 64), (48, 54)),
    "cheeks": ((68, 69), (68, 69)),
}


def rig_points(landmarks: np.ndarray) -> np.ndarray:
    """The rig's 70 points (px) of 68 or 478 landmarks, its own cheek points (between lower lid,
    lip corner and jaw) on performer and target alike: the mesh's cheek vertices rise in a laugh
    further than the rig's cheek can follow, and carried they bulged the target's cheek."""
    from .models.rig import with_cheeks

    return with_cheeks(ibug68(landmarks))


def face_axes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Origin, x (along the eyes), y (towards the chin) and IOD of 70 points, from the eye
    corners (:func:`~atw_ofx.face.au_measures.corner_axes`)."""
    origin, x, iod = corner_axes((points[36] + points[39]) / 2, (points[42] + points[45]) / 2)
    return origin, x, np.array([-x[1], x[0]]), float(iod[0])


def face_coordinates(landmarks: np.ndarray) -> np.ndarray:
    """``70×2`` points of one face in its own frame (x along the eyes, y down, IOD; origin at
    the eye corners' midpoint)."""
    points = rig_points(np.asarray(landmarks, np.float64))
    origin, x, y, iod = face_axes(points)
    rel = (points - origin) / iod
    return np.stack((rel @ x, rel @ y), axis=-1)


def region_sizes(coordinates: np.ndarray) -> dict[str, float]:
    """Each :data:`REGION_SIZES` region's size (IOD) in ``70×2`` face coordinates."""
    return {name: float(np.linalg.norm(coordinates[a] - coordinates[b]))
            for name, (_, (a, b)) in REGION_SIZES.items()}


def relaxed_frame(features: np.ndarray, neutral: np.ndarray) -> int:
    """The frame whose measures (``N×M``) lie nearest the clip's ``neutral`` ones, each measure
    weighed by its spread over the clip."""
    spread = features.std(axis=0) + 1e-9
    return int(np.argmin((np.abs(features - neutral) / spread).sum(axis=1)))


def motion(coordinates: np.ndarray, neutral: np.ndarray) -> np.ndarray:
    """``N×70×2`` motion of the :data:`DRIVEN` points from the ``neutral`` shape, pose's
    sideways shift of each mirror pair taken out (others zero). Face coordinates, IOD."""
    moved = coordinates - neutral
    for right, left in MIRROR:
        common = (moved[..., right, 0] + moved[..., left, 0]) / 2
        moved[..., right, 0] -= common
        moved[..., left, 0] -= common
    out = np.zeros_like(moved)
    out[..., DRIVEN, :] = moved[..., DRIVEN, :]
    return out


@dataclass
class MotionTrack:
    """A performer's motion: ``frames`` (K) and ``points`` ``K×70×2`` (face coordinates, IOD),
    with the performer's neutral region ``sizes`` (IOD)."""

    frames: np.ndarray
    points: np.ndarray
    sizes: dict[str, float]

    def at(self, frame: float) -> np.ndarray:
        """``70×2`` motion at ``frame``, linear between keys, held outside them."""
        f = self.frames
        if frame <= f[0]:
            return self.points[0]
        if frame >= f[-1]:
            return self.points[-1]
        k = int(np.searchsorted(f, frame, side="right")) - 1
        t = (frame - f[k]) / (f[k + 1] - f[k])
        return self.points[k] + (self.points[k + 1] - self.points[k]) * t

    def to_json(self) -> dict:
        return {"points": "atw rig 70 (iBUG 68 + cheeks); x along the eyes, y down; IOD",
                "sizes": {k: round(v, 5) for k, v in self.sizes.items()},
                "keys": [[float(f), np.round(p[list(DRIVEN)], 5).tolist()]
                         for f, p in zip(self.frames, self.points)]}

    @classmethod
    def from_json(cls, doc: dict) -> "MotionTrack":
        """Raises ValueError (with what is wrong) on a malformed ``retarget`` object."""
        try:
            sizes = {name: float(doc["sizes"][name]) for name in REGION_SIZES}
            frames = np.array([float(k[0]) for k in doc["keys"]])
            driven = np.array([k[1] for k in doc["keys"]], np.float64)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ValueError(f"retarget: malformed ({exc})") from None
        if len(frames) == 0 or driven.shape != (len(frames), len(DRIVEN), 2) \
                or not np.all(np.diff(frames) > 0) or not np.isfinite(driven).all():
            raise ValueError(f"retarget: expected increasing frames with {len(DRIVEN)} finite "
                             "[x, y] points each")
        points = np.zeros((len(frames), 70, 2))
        points[:, list(DRIVEN)] = driven
        return cls(frames, points, sizes)


def onto(points: np.ndarray, sizes: dict[str, float], landmarks: np.ndarray) -> np.ndarray:
    """The performer's ``70×2`` motion (face coordinates, IOD) as ``70×2`` pixel displacements
    of the face with ``landmarks`` (68 or 478, its pixels): each region scaled by its size on
    this face over the performer's, laid along this face's axes."""
    target = face_coordinates(landmarks)
    own = region_sizes(target)
    scaled = points.copy()
    for name, (members, _) in REGION_SIZES.items():
        scaled[list(members)] *= own[name] / max(sizes[name], 1e-9)
    # Beyond the rig's own reach a point's motion is eased in (linear when small): a laughing
    # performer's corners travel ~0.35 IOD, and the spline then ripples the cheek beside them.
    length = np.linalg.norm(scaled, axis=1, keepdims=True)
    scaled *= np.where(length > 0, REACH * np.tanh(length / REACH) / np.maximum(length, 1e-12), 1)
    _, x, y, iod = face_axes(rig_points(np.asarray(landmarks, np.float64)))
    return iod * (scaled[:, :1] * x + scaled[:, 1:] * y)
