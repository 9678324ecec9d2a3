"""The embedded default motion model: a landmark-driven Action Unit rig (no download, no training).

Each AU moves named landmarks of the 68-point layout by a displacement given at intensity 5 in
units of the inter-ocular distance (IOD, between the eye centres), linear in intensity, in *face
coordinates*: ``out`` = away from the face's midline (towards the nearer cheek), ``down`` = towards
the chin, both rotated with the face's roll. AUs add up; then a clamp keeps eyelids and lips from
passing through each other. A dense backward field is interpolated from the moved landmarks with a
thin-plate spline (:mod:`.spline`; every unmoved landmark, a ring of forehead points and the crop
border pinned at zero), cut to the face matte, and scaled down if needed so the warp never folds
(Jacobian determinant of ``x ↦ x + F(x)`` stays above :data:`MIN_JACOBIAN`). ``O^w`` is the warped
face and ``O^r = O^w``: a rig adds no texture (no teeth, no wrinkles — the learned generator's job).

AU values are *relative* here: 0 everywhere means "leave the face as it is".

The values below started from ``shared/design/au-rig.md`` and were tuned on real faces by
re-detecting landmarks on the output (tests/test_render.py); they are the documented table.
"""
from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .. import colour
from ..conventions import AU_NAMES, MotionField
from ..errors import NoFaceError
from ..face.layout import ibug68, is_mesh
from . import eyelids, mouth, spline
from .base import FaceContext, MotionResult

#: AU → list of (landmark indices, out, down) at intensity 5, in IOD. Index 68/69 are virtual
#: cheek points (right/left), between the lower lid, the mouth corner and the jaw.
RIG_TABLE: dict[str, list[tuple[tuple[int, ...], float, float]]] = {
    "AU01": [((20, 21, 22, 23), 0.0, -0.22), ((19, 24), 0.0, -0.13)],
    "AU02": [((17, 18, 25, 26), 0.0, -0.22), ((19, 24), 0.0, -0.12)],
    # The corrugator pulls the inner brows together more than down; the depressor lowers the
    # middle of the brow: with AU01 (sad) the inner corners still rise, the brows go oblique.
    "AU04": [((19, 20, 23, 24), -0.06, 0.16), ((21, 22), -0.10, 0.08),
             ((17, 18, 25, 26), 0.0, 0.08)],
    "AU05": [((37, 38, 43, 44), 0.0, -0.07)],
    "AU06": [((40, 41, 46, 47), 0.0, -0.05), ((68, 69), 0.0, -0.10)],
    "AU07": [((40, 41, 46, 47), 0.0, -0.05), ((37, 38, 43, 44), 0.0, 0.02)],
    "AU09": [((31, 32, 33, 34, 35), 0.0, -0.08), ((21, 22), 0.0, 0.06)],
    "AU10": [((49, 50, 51, 52, 53, 61, 62, 63), 0.0, -0.12)],
    "AU12": [((48, 54, 60, 64), 0.10, -0.24), ((49, 53, 59, 55), 0.05, -0.10),
             ((68, 69), 0.02, -0.10)],
    "AU14": [((48, 54, 60, 64), 0.04, 0.0)],
    "AU15": [((48, 54, 60, 64), 0.0, 0.22), ((49, 53, 59, 55), 0.0, 0.08)],
    "AU17": [((7, 8, 9), 0.0, -0.10), ((56, 57, 58, 65, 66, 67), 0.0, -0.10)],
    "AU20": [((48, 54, 60, 64), 0.14, 0.03)],
    "AU23": [((49, 50, 51, 52, 53), 0.0, 0.03), ((55, 56, 57, 58, 59), 0.0, -0.03),
             ((48, 54, 60, 64), -0.03, 0.0)],
    "AU25": [((55, 56, 57, 58, 59, 65, 66, 67), 0.0, 0.06), ((61, 62, 63), 0.0, -0.02)],
    # Jaw drop fades along the jaw line: full at the chin, nothing at the ears.
    "AU26": [((8,), 0.0, 0.20), ((7, 9), 0.0, 0.19), ((6, 10), 0.0, 0.16), ((5, 11), 0.0, 0.11),
             ((4, 12), 0.0, 0.06), ((55, 56, 57, 58, 59, 65, 66, 67), 0.0, 0.20)],
    # AU45 (blink) is computed from each eye's opening; see _blink.
    "AU45": [],
}
#: Pairs (upper, lower) that must keep this order along the face's down axis, with a gap (IOD).
ORDER_CLAMPS: list[tuple[tuple[int, int], float]] = [
    ((37, 41), 0.005), ((38, 40), 0.005), ((43, 47), 0.005), ((44, 46), 0.005),  # eyelids
    ((61, 67), 0.0), ((62, 66), 0.0), ((63, 65), 0.0),  # inner lips
    ((50, 58), 0.02), ((51, 57), 0.02), ((52, 56), 0.02),  # outer lips
    ((19, 37), 0.08), ((24, 44), 0.08),  # brows stay above the upper lids
]
MIN_JACOBIAN = 0.2
#: Regional models' fields are made on a grid this many times finer than the model's.
REGION_GRID = 2
AU45, AU25, AU26 = (AU_NAMES.index(name) for name in ("AU45", "AU25", "AU26"))
#: AUs the mesh's regional models take instead of the spline.
REGIONAL = [AU45, AU25, AU26]
BORDER_PINS = 12  # per crop side


class LandmarkRig:
    """The landmark AU rig as a :class:`~atw_ofx.models.base.MotionModel`."""

    name = "rig"
    resolution = 128
    colourspace = colour.DEFAULT_MODEL_SPACE
    au_semantics = "relative"  # AUs are edits: all zeros = the face as it is

    def displacements(self, landmarks: np.ndarray, aus: np.ndarray) -> np.ndarray:
        """Forward landmark displacements ``(70, 2)`` (68 + two cheek points), clamped."""
        points = with_cheeks(ibug68(landmarks))
        frame = FaceFrame(points)
        moved = np.zeros_like(points)
        for a, name in enumerate(AU_NAMES):
            weight = float(aus[a]) / 5.0
            if weight == 0.0:
                continue
            for indices, out, down in RIG_TABLE[name]:
                for i in indices:
                    moved[i] += weight * frame.vector(points[i], out, down)
            if name == "AU45":
                moved += weight * _blink(points, frame)
        return _clamp_order(points, moved, frame)

    def field(self, landmarks: np.ndarray, aus: np.ndarray, matte: np.ndarray) -> np.ndarray:
        """Backward field ``2×R×R`` (pixels of the R grid) for 68 or 478 ``landmarks`` on that
        grid (``2×4R×4R`` when a mesh region moves: see :meth:`field_and_interior`)."""
        return self.field_and_interior(landmarks, aus, matte)[0]

    def field_and_interior(self, landmarks: np.ndarray, aus: np.ndarray,
                           matte: np.ndarray) -> tuple[np.ndarray, object | None]:
        """The backward field and the mouth opening it leaves (or None).

        With the 478-point mesh the eyelids (AU45, :mod:`.eyelids`) and the mouth (AU25, AU26,
        :mod:`.mouth`) are regional models instead of points through the spline, made on a grid
        :data:`REGION_GRID`× finer than the model's: a closing lid and a parting lip are steps in
        the field, and on the finer grid what up-sampling squeezes into a step's ramp is that
        much thinner. The spline takes every other AU.
        """
        n = self.resolution
        mesh = landmarks if is_mesh(landmarks) else None
        landmarks = ibug68(landmarks)
        aus = np.asarray(aus, np.float64)
        regional = np.zeros(len(aus))
        if mesh is not None:
            regional[REGIONAL] = aus[REGIONAL]
            aus = aus - regional
        moved = self.displacements(landmarks, aus)
        if mesh is not None:
            moved = eyelids.limit_brows(mesh, moved)
        if not moved.any() and not regional.any():
            return np.zeros((2, n, n), np.float32), None
        extra = None if mesh is None else eyelids.lid_controls(mesh, moved)
        field = self._spline_field(landmarks, moved, matte, extra) if moved.any() \
            else np.zeros((2, n, n))
        interior = None
        if regional.any():
            fine = n * REGION_GRID
            field = up_field(field, fine)
            field += eyelids.blink_field(mesh * REGION_GRID, regional[AU45] / 5.0, fine)
            mouth_field, interior = mouth.mouth_field(mesh * REGION_GRID, regional[AU25],
                                                      regional[AU26], fine)
            field += mouth_field
            matte = up_field(matte[None], fine, scale=False)[0]
        field = (field * matte[None]).astype(np.float32)
        # The opening's own pixels are generated, not warped: their field is not checked.
        generated = None if interior is None else mouth.interior_mask(interior, field.shape[-1])
        scale = _fold_free_scale(field, generated)
        return (field if scale == 1.0 else field * np.float32(scale)), interior

    def _spline_field(self, landmarks: np.ndarray, moved: np.ndarray, matte: np.ndarray,
                      extra: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """The thin-plate spline through the moved 68 (+2 cheek) points and the ``extra``
        ``(points, moved)`` controls, ``2×R×R``, zero where the matte is."""
        n = self.resolution
        points = with_cheeks(landmarks)
        frame = FaceFrame(points)
        targets = points + moved
        if extra is not None:
            targets = np.concatenate((targets, extra[0] + extra[1]))
            moved = np.concatenate((moved, extra[1]))
        forehead = landmarks[17:27] + frame.vector_batch(landmarks[17:27], 0.0, -0.9)
        edge = np.linspace(0.0, n, BORDER_PINS, endpoint=False)
        border = np.concatenate([np.stack((edge, np.zeros_like(edge)), 1),
                                 np.stack((np.full_like(edge, n), edge), 1),
                                 np.stack((n - edge, np.full_like(edge, n)), 1),
                                 np.stack((np.zeros_like(edge), n - edge), 1)])
        controls = np.concatenate((targets, forehead, border))
        # Backward map: the pixel a landmark moved *to* samples where it came *from*.
        values = np.concatenate((-moved, np.zeros((len(forehead) + len(border), 2))))
        tps = spline.fit(controls, values, smoothing=1e-3)
        # Evaluated only where the matte lets the field through (about half the crop): the
        # spline's evaluation is the rig's largest cost, and the field is cut to the matte anyway.
        inside = matte > 0
        rows, cols = np.nonzero(inside)
        field = np.zeros((n, n, 2))
        field[inside] = spline.evaluate(tps, np.stack((cols, rows), axis=1) + 0.5)
        return field.transpose(2, 0, 1)

    def animate(self, face: torch.Tensor, aus: np.ndarray, context: FaceContext) -> MotionResult:
        aus = np.asarray(aus, np.float32)
        n = self.resolution
        if not aus.any():  # nothing asked: no motion, landmarks or not
            flow = MotionField.zeros(1, n, n, device=face.device, dtype=face.dtype)
            return MotionResult(flow=flow, warped=face, refined=face)
        if context.landmarks is None:
            raise NoFaceError("the landmark rig needs a human face's landmarks, and none were "
                              "found inside the face box: give a box around a human face")
        flow_np, interior = self.field_and_interior(context.landmarks, aus, context.matte)
        flow = MotionField(torch.from_numpy(flow_np)[None].to(face.device, face.dtype))
        warped = flow.resized(n, n).warp(face)  # the field may be finer than the model grid
        return MotionResult(flow=flow, warped=warped, refined=warped, interior=interior)


class FaceFrame:
    """The face's own axes: ``x`` along the eye line (image right), ``y`` towards the chin."""

    def __init__(self, points: np.ndarray):
        eye_r, eye_l = points[36:42].mean(0), points[42:48].mean(0)
        self.iod = float(np.linalg.norm(eye_l - eye_r))
        self.x = (eye_l - eye_r) / max(self.iod, 1e-9)
        self.y = np.array([-self.x[1], self.x[0]])
        self.midline = points[27:31].mean(0)

    def vector(self, point: np.ndarray, out: float, down: float) -> np.ndarray:
        side = 1.0 if float(np.dot(point - self.midline, self.x)) >= 0 else -1.0
        return self.iod * (side * out * self.x + down * self.y)

    def vector_batch(self, points: np.ndarray, out: float, down: float) -> np.ndarray:
        return np.stack([self.vector(p, out, down) for p in points])

    def down(self, v: np.ndarray) -> np.ndarray:
        return v @ self.y


def up_field(field: np.ndarray, size: int, *, scale: bool = True) -> np.ndarray:
    """``C×n×n`` → ``C×size×size`` bilinear (half-pixel centres, as :func:`~atw_ofx.reswarp.up`);
    offsets rescaled to pixels of the new grid unless ``scale`` is False."""
    out = F.interpolate(torch.from_numpy(np.ascontiguousarray(field))[None], size=(size, size),
                        mode="bilinear", align_corners=False)[0].numpy()
    return out * (size / field.shape[-1]) if scale else out


def with_cheeks(landmarks: np.ndarray) -> np.ndarray:
    """68 landmarks + virtual cheek points 68 (right) and 69 (left)."""
    cheek_r = (landmarks[41] + landmarks[48] + landmarks[2]) / 3
    cheek_l = (landmarks[46] + landmarks[54] + landmarks[14]) / 3
    return np.concatenate((landmarks, cheek_r[None], cheek_l[None]))


def _blink(points: np.ndarray, frame: FaceFrame) -> np.ndarray:
    """Displacement at AU45 = 5: each upper lid comes down by its eye's opening."""
    moved = np.zeros_like(points)
    for upper, lower in (((37, 38), (41, 40)), ((43, 44), (47, 46))):
        for u, l in zip(upper, lower):
            opening = max(0.0, float(frame.down(points[l] - points[u])))
            moved[u] += opening * frame.y * 0.97
    return moved


def _clamp_order(points: np.ndarray, moved: np.ndarray, frame: FaceFrame) -> np.ndarray:
    """Keep each (upper, lower) pair in order along the down axis, moving the upper point."""
    moved = moved.copy()
    for (u, l), gap in ORDER_CLAMPS:
        target_u, target_l = points[u] + moved[u], points[l] + moved[l]
        overlap = frame.down(target_u - target_l) + gap * frame.iod
        original = frame.down(points[u] - points[l]) + gap * frame.iod
        if overlap > 0 and overlap > original:  # only undo what the rig itself caused
            moved[u] -= (overlap - max(original, 0.0)) * frame.y
    return moved


def _fold_free_scale(field: np.ndarray, ignore: np.ndarray | None = None) -> float:
    """Largest factor ≤ 1 keeping det(I + s∇F) ≥ MIN_JACOBIAN everywhere, except where ``ignore``
    (``n×n``, pixels the renderer replaces) is above 0, grown by two pixels for the gradient's
    reach.

    Per pixel the determinant is a quadratic in the scale, ``1 + s·a + s²·b`` (``a`` the
    divergence of ∇F, ``b`` its determinant); its first crossing of MIN_JACOBIAN in (0, 1] is
    solved in closed form for every pixel at once, and the smallest wins (a hair under it, so
    the bound holds after rounding).
    """
    gx_x = np.gradient(field[0], axis=1)
    gx_y = np.gradient(field[0], axis=0)
    gy_x = np.gradient(field[1], axis=1)
    gy_y = np.gradient(field[1], axis=0)
    a = gx_x + gy_y
    b = gx_x * gy_y - gx_y * gy_x
    keep = (a != 0) | (b != 0)
    if ignore is not None:
        keep &= cv2.dilate((ignore > 0).astype(np.uint8), np.ones((5, 5), np.uint8)) == 0
    a, b = a[keep], b[keep]
    if a.size == 0 or float((1 + a + b).min()) >= MIN_JACOBIAN:
        return 1.0
    c = 1.0 - MIN_JACOBIAN  # f(s) = b·s² + a·s + c, f(0) = c > 0: the first root in (0, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        disc = np.sqrt(np.maximum(a * a - 4 * b * c, 0.0))
        linear = np.where(a < 0, -c / a, np.inf)
        roots = np.stack(((-a - disc) / (2 * b), (-a + disc) / (2 * b)))
        roots = np.where((roots > 0) & (a * a - 4 * b * c >= 0), roots, np.inf).min(0)
        first = np.where(np.abs(b) < 1e-12, linear, roots)
    return float(np.clip(first.min(), 0.0, 1.0)) * (1.0 - 1e-6)
