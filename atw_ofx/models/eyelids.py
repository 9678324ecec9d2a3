"""Eyelids on the 478-point mesh: a blink (AU45) that closes the whole lid over the eye.

A thin-plate spline through a few lid points cannot close an eye: closing puts the moving lash
line on top of the still lower lid, a step the spline answers with ringing (and the rig's fold
guard then scales the whole edit down — measured: to 40 %, eyes left 60–90 % open). The lid is
modelled here instead, per eye, in the eye's own frame (x along the corners, y down):

- the upper lid curve ``U(x)``, the lower lid ``L(x)`` and a crease ``C(x)`` above the lid are
  read from the mesh (MediaPipe's eye contour and its third halo);
- at closure ``w`` the lash line comes down to ``U' = U + CLOSE·w·(L − U)``;
- the skin between the crease and the lash line slides down with it — output rows ``[C, U']``
  sample source rows ``[C, U]`` linearly — so the lid's own skin and lashes cover the eye (no
  squashed iris); the eye below ``U'`` and everything above the crease stay where they are, so
  the brows do not move.

The lash line is a step in the backward field; the pixel it crosses takes the fraction of the lid
that covers it, so the line stays smooth at the grid's resolution instead of stair-stepping.

Coordinates: pixels of the model's square grid (side ``n``), centres at ``(j + 0.5, i + 0.5)``;
the field is a backward map (``atw_ofx.conventions``): ``2×n×n`` float64, channel 0 = x.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .base import grid_box

#: Per eye (image-left first): the corners, then the mesh points along the upper lid, the lower
#: lid, the line just above the lashes (the contour's second halo), the crease under the brow
#: (its fourth halo, which runs down to the outer corner) and the part of it that is the brow's
#: lower edge, outer corner to inner.
EYES = (
    {"corners": (33, 133), "upper": (246, 161, 160, 159, 158, 157, 173),
     "lower": (7, 163, 144, 145, 153, 154, 155),
     "lashes": (247, 30, 29, 27, 28, 56, 190),
     "crease": (35, 124, 46, 53, 52, 65), "brow_edge": (46, 53, 52, 65)},
    {"corners": (263, 362), "upper": (466, 388, 387, 386, 385, 384, 398),
     "lower": (249, 390, 373, 374, 380, 381, 382),
     "lashes": (467, 260, 259, 257, 258, 286, 414),
     "crease": (265, 353, 276, 283, 282, 295), "brow_edge": (276, 283, 282, 295)},
)
#: How far a full blink brings the lash line, in eye openings: onto the lower lid's line (the
#: generated seam there hides the step; carried past it, the seam sat below the lids and an
#: independent mesh read the shut eye as still a quarter open).
CLOSE = 1.0
#: The band above the lash line that moves without stretching (the lashes), × the eye's opening.
LASH_BAND = 0.8
#: A shut lid comes forward over the eyeball into the light of the skin below the eye; the lid
#: skin it is made of was sampled from under the brow, in a deep-set eye a shadow. It is brought
#: to this share of the level of the skin below the eye, by a gain of at most LID_LIFT_MAX
#: (:func:`relight_lid`).
LID_LEVEL = 0.85
LID_LIFT_MAX = 3.0
#: The closure from which the upper lashes are seen end-on along the lid's line (:func:`lash_tilt`).
LASHES_END_ON = 0.95


#: The share of the lid's skin between the brow's lower edge and the lashes that a lowered brow
#: may cover (it bunches over the lid; closing all of it would fold the skin, and past ~0.8 the
#: crease crumples into waves: looked at on the shared faces).
BROW_ROOM = 0.77


def limit_brows(mesh: np.ndarray, moved68: np.ndarray) -> np.ndarray:
    """``moved68`` with each 68-point brow's downward travel held to :data:`BROW_ROOM` of the
    lid skin below it (from the brow's lower edge to the lashes, along the face's down axis)."""
    from ..face.layout import MESH_TO_IBUG68

    moved = moved68.copy()
    along = mesh[263] - mesh[33]
    down = np.array([-along[1], along[0]]) / max(float(np.linalg.norm(along)), 1e-9)
    for eye, brow68, (upper68, _) in zip(EYES, (range(17, 22), range(22, 27)), LIDS_68):
        edge, lashes = mesh[list(eye["brow_edge"])], mesh[list(eye["lashes"])]
        # A raised lid (AU05) takes its share of the skin first: the brow may cover only what is
        # left of it (both closing on the same skin crumpled it into waves).
        lid_rise = max(-float(moved68[list(upper68)].mean(0) @ down), 0.0)
        for i in brow68:
            point = mesh[MESH_TO_IBUG68[i]]
            nearest_edge = edge[np.argmin(np.linalg.norm(edge - point, axis=1))]
            below = lashes[np.argmin(np.linalg.norm(lashes - nearest_edge, axis=1))]
            room = BROW_ROOM * max(float((below - nearest_edge) @ down) - lid_rise, 0.0)
            excess = max(float(moved[i] @ down) - room, 0.0)
            moved[i] -= excess * down
    return moved
#: For each eye of :data:`EYES`, its upper and lower lid points in the 68-point view (the sparse
#: rig's lid controls) and the mesh points of its lids that the 68-point view lacks.
LIDS_68 = (((37, 38), (41, 40)), ((44, 43), (46, 47)))


def lid_controls(mesh: np.ndarray, moved68: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Extra spline controls holding each lid's whole contour, and the band of lashes above the
    upper lid, to the motion the sparse rig gave that lid, and the brow's lower edge to its brow
    (``moved68``: the 68 (+2) displacements): without them a brow raise drags the lash line
    between the two 68-point lid controls, stretches the lashes and thickens the brow. Returns ``(points, moved)``
    on ``mesh``'s grid."""
    from ..face.layout import MESH_TO_IBUG68

    known = set(MESH_TO_IBUG68.tolist())
    points, shifts = [], []
    for eye, (upper68, lower68) in zip(EYES, LIDS_68):
        # The band of lashes above the upper lid moves with it: what stretches is the skin
        # between that band and the brow, not the lashes.
        _, local, corners, _ = _eye_frame(mesh, eye)
        ends = np.sort(corners[:, 0])
        for lid, ids68 in ((eye["upper"], upper68), (eye["lashes"], upper68),
                           (eye["lower"], lower68)):
            extra = [i for i in lid if i not in known]
            points.append(mesh[extra])
            shifts.append(_along_lid(local(mesh[extra])[:, 0],
                                     local(mesh[MESH_TO_IBUG68[list(ids68)]])[:, 0],
                                     moved68[list(ids68)], ends))
        # The brow's lower edge moves with the nearest of the brow's own (upper-edge) points, so
        # the brow travels whole instead of thickening.
        edge = mesh[list(eye["brow_edge"])]
        brow = mesh[MESH_TO_IBUG68[17:27]]
        nearest = np.argmin(np.linalg.norm(edge[:, None] - brow[None], axis=2), axis=1)
        points.append(edge)
        shifts.append(moved68[17 + nearest])
    return np.concatenate(points), np.concatenate(shifts)


def _along_lid(x: np.ndarray, x68: np.ndarray, moved: np.ndarray,
               ends: np.ndarray) -> np.ndarray:
    """Motions (``K×2``) for lid points at ``x`` along the eye (its own frame): between the lid's
    two 68-point controls (at ``x68``, moving by ``moved``) interpolated, fading to none at the
    eye's corners (``ends``). A lid moves most in its middle and not at all where it meets the
    other lid: moving every lid point alike bent the lid into a hump near the corners and pushed
    it through the other lid there (a fold)."""
    order = np.argsort(x68)
    knots = np.concatenate(([ends[0]], x68[order], [ends[1]]))
    return np.stack([np.interp(x, knots, np.concatenate(([0.0], moved[order, k], [0.0])))
                     for k in range(moved.shape[1])], axis=1)


def _curve(local: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Heights ``y`` of the polyline ``local`` (``K×2``, any order) at ``x`` (held at its ends)."""
    order = np.argsort(local[:, 0])
    return np.interp(x, local[order, 0], local[order, 1])


def _eye_frame(mesh: np.ndarray, eye: dict):
    """One eye's own frame: its down axis, a map plate → (along, down) grid px, its corners in
    that frame and the lid polylines (corners included) by key."""
    a, b = mesh[eye["corners"][0]], mesh[eye["corners"][1]]
    along = (b - a) / max(float(np.linalg.norm(b - a)), 1e-9)
    if along[0] < 0:  # both eyes' frames run image-left to image-right
        along = -along
    down = np.array([-along[1], along[0]])
    origin = (a + b) / 2
    local = lambda p: np.stack(((p - origin) @ along, (p - origin) @ down), -1)  # noqa: E731
    corners = local(np.stack((a, b)))
    lid = lambda key: np.concatenate((corners, local(mesh[list(eye[key])])))  # noqa: E731
    return down, local, corners, lid


def lash_seams(mesh: np.ndarray, closure: float, n: int) -> list:
    """Where a closing lid's lash line leaves a seam for the renderer to generate, per eye.

    The field's step at the lash line becomes a ramp about a grid pixel wide once up-sampled,
    and the eye it covers is squeezed into that ramp (a sliver of iris and sclera under the
    closed lid). Each seam is a band along the new lash line, from a quarter of a grid pixel above
    it to three quarters below, as thick as the lid's travel allows (none where it did not move),
    generated by :func:`~atw_ofx.models.mouth.fill_region` with the colour of the eye's own
    lashes (its source region is the lash band above the upper lid). Returns
    :class:`~atw_ofx.models.mouth.GeneratedRegion` regions on the ``n`` grid.
    """
    from .mouth import GeneratedRegion

    seams = []
    if closure <= 0.0:
        return seams
    for eye in EYES:
        xs, upper, lower, _, band = _lid_bands(mesh, eye)
        travel = CLOSE * closure * np.maximum(lower - upper, 0.0)
        lash = upper + travel
        source = np.concatenate((mesh[list(eye["upper"])], mesh[list(eye["lashes"])][::-1]))
        seams.append(GeneratedRegion(band(lash - np.minimum(travel, 0.25),
                                          lash + np.minimum(travel, 0.75)), source, n,
                                     cavity=False))
    return seams


def _lid_bands(mesh: np.ndarray, eye: dict):
    """One eye's lids sampled corner to corner in its own frame: ``(xs, upper, lower, local,
    band)`` — 25 positions along the eye, the lid heights there, the plate → eye-frame map, and
    ``band(top, bottom)``: the closed polygon between two height curves, on the mesh's grid."""
    down, local, corners, lid = _eye_frame(mesh, eye)
    xs = np.linspace(corners[:, 0].min(), corners[:, 0].max(), 25)
    along = np.array([down[1], -down[0]])
    origin = (mesh[eye["corners"][0]] + mesh[eye["corners"][1]]) / 2

    def band(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        q = np.concatenate((np.stack((xs, top), 1), np.stack((xs, bottom), 1)[::-1]))
        return origin + q[:, :1] * along + q[:, 1:] * down

    return xs, _curve(lid("upper"), xs), _curve(lid("lower"), xs), local, band


def lash_tilt(closure: float) -> float:
    """How the upper lashes stand at ``closure``: their height above the lash line as a fraction
    of the open eye's — 1 (as shot) while the eye is open, falling to 0 from 60 % closed to
    :data:`LASHES_END_ON`.

    A closing lid turns its lashes with it, towards the camera: on a shut eye they are seen end-on
    along the lid's line (drawn by the generated seam), not standing up from it as on the open eye.
    """
    return 1.0 - min(max((closure - 0.6) / (LASHES_END_ON - 0.6), 0.0), 1.0)


def blink_field(mesh: np.ndarray, closure: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Backward field ``2×n×n`` closing both eyes by ``closure`` (0 open … 1 closed), and its
    ``n×n`` stretch: how much of the source each output pixel's height spans (the lid skin's
    ``d source / d output`` along the eye's down axis, below 1 where the skin unfolds over the
    eye; 1 elsewhere).

    ``mesh`` is the 478-point mesh on the ``n`` grid. Each eye moves only between its crease and
    its lower lid, between its corners. The stretch is what the rig's fold guard expects there:
    an unfolding lid magnifies its skin several times by design (a wide-open eye under a narrow
    lid: 8× measured), which is not a fold.
    """
    field = np.zeros((2, n, n))
    stretch = np.ones((n, n))
    if closure <= 0.0:
        return field, stretch
    tilt = lash_tilt(closure)
    for eye in EYES:
        # Only the eye's box moves: corners, crease and lower lid (the lash line may pass the
        # lower lid by CLOSE − 1 of the opening: a margin of a few pixels).
        x0, y0, x1, y1 = grid_box(mesh[list(eye["corners"] + eye["crease"] + eye["lower"])],
                                  n, 3)
        if x1 <= x0 or y1 <= y0:
            continue
        ys, xs = np.mgrid[y0:y1, x0:x1] + 0.5
        grid = np.stack((xs, ys), -1)
        down, local, corners, lid = _eye_frame(mesh, eye)
        px = local(grid)
        lx, ly = px[..., 0], px[..., 1]
        inside = (lx > corners[:, 0].min()) & (lx < corners[:, 0].max())
        upper, lower = _curve(lid("upper"), lx), _curve(lid("lower"), lx)
        crease = np.minimum(_curve(local(mesh[list(eye["crease"])]), lx), upper)
        opening = np.maximum(lower - upper, 0.0)
        lash = upper + CLOSE * closure * opening
        # The lashes (a band of LASH_BAND × the middle's opening above the lash line, as tall
        # along the whole lid, within the skin below the crease) come down with the line. They
        # turn end-on as the lid closes (:func:`lash_tilt`), each column in proportion to how far
        # its lid travels — at the corners, where the lid hardly moves, they stand as shot, so the
        # band meets the still lashes beyond the corners without a step or a peak. Output rows
        # [lash − height, lash] sample the band; the lid's skin between the crease and the lashes
        # stretches to make up the distance.
        band = np.minimum(LASH_BAND * opening.max(initial=0.0), 0.6 * (upper - crease))
        travel = lash - upper
        height = band * (1.0 - (1.0 - tilt) * travel / max(float(travel.max(initial=0.0)), 1e-9))
        lashes_top = lash - height
        y = np.minimum(ly, lash)
        span = np.maximum(lashes_top - crease, 1e-9)
        stretched = crease + (y - crease) * (upper - band - crease) / span
        source = np.where(y > lashes_top,
                          upper - (lash - y) * band / np.maximum(height, 1e-9), stretched)
        shift = np.where(ly >= crease, source - y, 0.0)
        # The pixel the lash line crosses is covered by the lid in proportion.
        cover = np.clip(lash - ly + 0.5, 0.0, 1.0)
        moving = inside & (opening > 0)
        shift_y = np.where(moving, shift * cover, 0.0)
        field[:, y0:y1, x0:x1] += shift_y[None] * down[:, None, None]
        skin = moving & (ly >= crease) & (y <= lashes_top)
        slope = np.clip((upper - band - crease) / span, 0.0, 1.0)
        stretch[y0:y1, x0:x1] = np.where(skin, np.minimum(stretch[y0:y1, x0:x1], slope),
                                         stretch[y0:y1, x0:x1])
    return field, stretch


@dataclass(frozen=True)
class LidLight:
    """A closing lid's skin to bring into the light of the skin below its eye (:func:`relight_lid`):
    the lid from its crease to the new lash line (``polygon``) and the skin under the lower lid
    (``reference``), closed polygons on the ``grid`` model grid (grid px); ``closure`` 0–1."""

    polygon: np.ndarray
    reference: np.ndarray
    grid: int
    closure: float


def lid_lights(mesh: np.ndarray, closure: float, n: int) -> list[LidLight]:
    """Per eye, the lid a blink of ``closure`` draws and the skin to light it like (``mesh`` on
    the ``n`` grid); none below half closed, where the lid is still in its own light."""
    if closure <= 0.5:
        return []
    lights = []
    for eye in EYES:
        xs, upper, lower, local, band = _lid_bands(mesh, eye)
        crease = np.minimum(_curve(local(mesh[list(eye["crease"])]), xs), upper)
        opening = np.maximum(lower - upper, 0.0)
        lash = upper + CLOSE * closure * opening
        below = lower + 0.6 * max(float(opening.max()), 1e-6)
        lights.append(LidLight(band(crease, lash), band(lower, below), n, float(closure)))
    return lights


def relight_lid(warped: np.ndarray, light: LidLight, colour: tuple[int, ...]) -> np.ndarray:
    """``warped`` (``S×S×C`` linear, the ResWarp result; changed in place) with the lid of
    ``light`` brought towards the light of the skin below the eye (:data:`LID_LEVEL` of its
    median luminance) by a gain of at most :data:`LID_LIFT_MAX`, which keeps the lid's own
    texture and grain (in linear light both scale with the level). Eased in with the closure,
    full from half the lid's depth in from its edges and fading to none at them; a lid already
    as bright is left alone. Only the ``colour`` channels change.

    A lid sampled from a black shadow (a deep-set eye under a brow ridge, lit from above) stays
    dark: a larger gain would only lift noise, and a generated flat skin patch read as a patch
    (tried)."""
    size = warped.shape[0]
    k = size / light.grid
    lid, ref = light.polygon * k, light.reference * k
    x0, y0, x1, y1 = grid_box(np.concatenate((lid, ref)), size, 2)
    if x1 <= x0 or y1 <= y0:
        return warped
    masks = []
    for polygon in (lid, ref):
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(mask, [np.round(polygon - (x0, y0) - 0.5).astype(np.int32)], 1)
        masks.append(mask.astype(bool))
    if masks[0].sum() < 16 or masks[1].sum() < 16:
        return warped
    channels = list(colour)
    region = np.ascontiguousarray(warped[y0:y1, x0:x1][..., channels], np.float32)
    luma = region.mean(-1)
    target = LID_LEVEL * float(np.median(luma[masks[1]]))
    ratio = target / max(float(np.median(luma[masks[0]])), 1e-6)
    if ratio <= 1.0:
        return warped
    ease = min(max((light.closure - 0.5) / 0.5, 0.0), 1.0)
    depth = cv2.distanceTransform(masks[0].astype(np.uint8), cv2.DIST_L2, 3)
    weight = np.clip(depth / (0.5 * max(float(depth.max()), 1.0)), 0.0, 1.0)
    weight = (weight * weight * (3 - 2 * weight) * ease).astype(np.float32)  # smoothstep
    gain = min(ratio, LID_LIFT_MAX)
    out = region * (1.0 + (gain - 1.0) * weight)[..., None]
    warped[y0:y1, x0:x1, channels] = out
    return warped
