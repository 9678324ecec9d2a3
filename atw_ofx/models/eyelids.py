"""Eyelids on the 478-point mesh: a blink (AU45) that closes the whole lid over the eye.

A thin-plate spline through a few lid points cannot close an eye: closing puts the moving lash
line on top of the still lower lid, a step the spline answers with ringing (and the rig's fold
guard then scales the whole edit down — measured: to 40 %, eyes left 60–90 % open). The lid is
modelled here instead, per eye, in the eye's own frame (x along the corners, y down):

- the upper lid curve ``U(x)``, the lower lid ``L(x)`` and a crease ``C(x)`` above the lid are
  read from the mesh (MediaPipe's eye contour and its third halo);
- shut, the lids meet at ``M = L − LOWER_RISE·(L − U)``: the upper lid comes down most of the
  way and the lower lid rises a little, as in a real blink (a line carried all the way onto the
  lower lid drew the shut eye as a deep "U");
- at closure ``w`` the lash line comes down to ``U' = U + w·(M − U)`` and the lower lid's rim rises
  to ``L' = L − w·(L − M)`` (:func:`lid_lines`);
- the skin between the crease and the lash line slides down with it — output rows ``[C, U']``
  sample source rows ``[C, U]`` linearly — so the lid's own skin and lashes cover the eye (no
  squashed iris); below the eye, rows ``[L', L + R]`` sample ``[L, L + R]`` (the lower lid's skin
  rises, fading out over :data:`LOWER_SKIN`); the eye between ``U'`` and ``L'`` and everything
  above the crease stay where they are, so the brows do not move.

Both lid lines are steps in the backward field; the pixel each crosses takes the fraction of the
lid that covers it, so the lines stay smooth at the grid's resolution instead of stair-stepping.

Coordinates: pixels of the model's square grid (side ``n``), centres at ``(j + 0.5, i + 0.5)``;
the field is a backward map (``atw_ofx.conventions``): ``2×n×n`` float64, channel 0 = x.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import cv2
import numpy as np

from ..membrane import membrane
from ..points import sample_window
from .base import RAMP, box_in_frame, grid_box, smoothstep
from .grain import grain_noise, relative_grain
from .mouth import Generated, iris_axes

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
#: Where shut lids meet, in eye openings above the lower lid: the lower lid rises this share of
#: the opening as the upper comes down the rest (real blinks in the shared clips: the shut line
#: runs a little above the lower lid and flatter than it).
LOWER_RISE = 0.2
#: How far below the lower lid its skin moves up with it (× the eye's largest opening), fading.
LOWER_SKIN = 0.8
#: The band above the lash line that moves without stretching (the lashes), × the eye's opening.
LASH_BAND = 0.8
#: The closure from which the upper lashes are seen end-on along the lid's line (:func:`lash_tilt`).
LASHES_END_ON = 0.95
#: How far past the outer corner, × the eye's width, the lashes turn with the closing lid
#: (fading out; :func:`blink_field`).
OUTER_REACH = 0.25


#: The share of the lid's skin between the brow's lower edge and the lashes that a lowered brow
#: may cover (it bunches over the lid; closing all of it would fold the skin, and past ~0.8 the
#: crease crumples into waves: looked at on the shared faces).
BROW_ROOM = 0.77


def limit_brows(mesh: np.ndarray, moved68: np.ndarray) -> np.ndarray:
    """``moved68`` with each 68-point brow's downward travel held to :data:`BROW_ROOM` of the lid
    skin below it (from the brow's lower edge to the lashes, along the face's down axis), less
    what a raised upper lid takes of it, more what a lowered one gives.

    The brow is held by a smooth profile of scales along it (:func:`_smooth_scales`), each no
    larger than its point's own: held point by point, one point stopped short between two that
    went on, and the brow came out wavy (looked at: AU04 and anger on deep-set eyes)."""
    from ..face.layout import MESH_TO_IBUG68

    moved, down = moved68.copy(), face_down(mesh)
    for eye, brow68, (upper68, _) in zip(EYES, BROWS_68, LIDS_68):
        edge, lashes = mesh[list(eye["brow_edge"])], mesh[list(eye["lashes"])]
        # A raised lid (AU05) takes its share of the skin first: the brow may cover only what is
        # left of it (both closing on the same skin crumpled it into waves); a lowered one
        # (AU04's push, AU07) leaves more.
        lid_drop = float(moved68[list(upper68)].mean(0) @ down)
        brow = list(brow68)  # in order along the brow
        nearest_edge = _nearest(edge, mesh[MESH_TO_IBUG68[brow]])
        below = _nearest(lashes, nearest_edge)
        room = BROW_ROOM * np.maximum((below - nearest_edge) @ down + lid_drop, 0.0)
        travel = moved[brow] @ down
        scales = np.where(travel > room, room / np.where(travel > room, travel, 1.0), 1.0)
        moved[brow] -= ((1.0 - _smooth_scales(scales)) * np.maximum(travel, 0.0))[:, None] * down
    return moved


#: The share of the lid skin between the lashes and the brow's lower edge that a raised upper lid
#: (AU05) may fold away (the same skin a lowered brow covers: :data:`BROW_ROOM`).
LID_RISE_ROOM = 0.5


def limit_lids(mesh: np.ndarray, moved68: np.ndarray) -> np.ndarray:
    """``moved68`` with each upper lid's rise (its two 68-point controls, along the face's down
    axis) held to :data:`LID_RISE_ROOM` of the lid skin above its lashes — the least, over the
    lashes, of their distance to the brow's lower edge. A narrow or deep-set eye has little of
    it: raised through it, the lashes met the still brow edge and the spline spiked the lash
    line over the iris (looked at: AU05 and surprise on shared faces 3 and 13)."""
    moved, down = moved68.copy(), face_down(mesh)
    for eye, (upper68, _) in zip(EYES, LIDS_68):
        edge, lashes = mesh[list(eye["brow_edge"])], mesh[list(eye["lashes"])]
        skin = float(((lashes[1:-1] - _nearest(edge, lashes[1:-1])) @ down).min())
        room = LID_RISE_ROOM * max(skin, 0.0)
        for i in upper68:
            rise = -float(moved[i] @ down)
            if rise > room:
                moved[i] += (rise - room) * down
    return moved


def _nearest(points: np.ndarray, to: np.ndarray) -> np.ndarray:
    """The one of ``points`` (``K×2``) nearest each of ``to`` (``M×2``): ``M×2``."""
    return points[np.argmin(np.linalg.norm(to[:, None] - points[None], axis=2), axis=1)]


def face_down(mesh: np.ndarray) -> np.ndarray:
    """The face's down axis (unit, image px): square to the line through the eyes' outer
    corners."""
    along = mesh[263] - mesh[33]
    return np.array([-along[1], along[0]]) / max(float(np.linalg.norm(along)), 1e-9)


def _smooth_scales(scales: np.ndarray) -> np.ndarray:
    """A smooth profile no larger than ``scales`` (points in order, 0–1) anywhere: each point's
    least over it and its neighbours, then a [1, 2, 1] blur (every point's blurred value is at
    most its own, since its neighbours' least values include it)."""
    held = np.pad(scales, 1, mode="edge")
    least = np.minimum(np.minimum(held[:-2], held[1:-1]), held[2:])
    least = np.pad(least, 1, mode="edge")
    return (least[:-2] + 2 * least[1:-1] + least[2:]) / 4
#: For each eye of :data:`EYES`, its upper and lower lid points in the 68-point view (the sparse
#: rig's lid controls) and the mesh points of its lids that the 68-point view lacks.
LIDS_68 = (((37, 38), (41, 40)), ((44, 43), (46, 47)))
#: Each eye's brow in the 68-point view.
BROWS_68 = (tuple(range(17, 22)), tuple(range(22, 27)))


#: How far down a rising brow carries the skin under it, × the lid skin from the brow's lower
#: edge (the mesh's, often in the middle of the hair) to the lashes: the lid skin below stretches
#: instead of the brow's own lower hair — carried by the edge alone, a raised brow came out
#: thickened, its inner end a tall dark block (looked at: AU01+AU02 on faces 3, 6, 18). Less than
#: a raised lid leaves (:data:`LID_RISE_ROOM`), so the two never meet.
BROW_UNDER = 0.35
#: Under a rising brow (:func:`lid_skin_band`): the lid skin left to stretch below what the brow
#: carries (a share of the way from the lid to the brow's edge: the band of lashes comes down to
#: leave it), and the lowest that band comes to the lid.
LID_SKIN_LEFT, LASHES_LOWEST = 0.45, 0.15
#: How far above the mesh's upper brow edge (IOD) a lowering brow (AU04) carries the skin with
#: it: the edge runs under the brow's upper hairs, and between it and the forehead's still
#: pins the spline stretched them 1.5–2× into a grey haze over a brow drawn thin (looked at:
#: AU04 and anger on faces 13, 18, 6); carried, the forehead's clear skin above stretches.
BROW_FRINGE = 0.12


def lid_controls(mesh: np.ndarray, moved68: np.ndarray,
                 reach: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Extra spline controls holding each lid's whole contour, and the band of lashes above the
    upper lid, to the motion the sparse rig gave that lid, and the brow's lower edge to its brow
    — where it rises, the skin below it too, down to its hair's reach (:func:`lid_skin_band`;
    ``reach``: per eye, from :func:`.brows.hair_reach`, or None); where it lowers, the skin
    above its upper edge (:func:`_above_a_lowering_brow`) — (``moved68``: the 68 (+2)
    displacements): without them a brow raise drags the lash line between the two 68-point lid
    controls, stretches the lashes and thickens the brow.
    Returns ``(points, moved)`` on ``mesh``'s grid."""
    from ..face.layout import MESH_TO_IBUG68

    known = set(MESH_TO_IBUG68.tolist())
    points, shifts = [], []
    for e, (eye, (upper68, lower68), brow68) in enumerate(zip(EYES, LIDS_68, BROWS_68)):
        _, local, corners, _ = eye_frame(mesh, eye)
        ends = np.sort(corners[:, 0])
        # The brow's lower edge moves with the brow's own (upper-edge) points, interpolated
        # along the eye, so the brow travels whole instead of thickening (each edge point moving
        # as its nearest brow point stepped along the brow, and a thin brow waved).
        edge = mesh[list(eye["brow_edge"])]
        edge = np.concatenate((edge, _midpoints(edge)))
        edge_shift = with_the_brow(mesh, eye, brow68, moved68, edge)
        rising = edge_shift @ face_down(mesh) < 0
        # The band of lashes above the upper lid moves with it: what stretches is the skin
        # between that band and the brow, not the lashes.
        lashes = mesh[list(eye["lashes"])]
        if rising.any():
            lashes, carried = lid_skin_band(mesh, eye, 1.0 if reach is None else float(reach[e]))
        for ring, lid, ids68 in ((eye["upper"], mesh[list(eye["upper"])], upper68),
                                 (eye["lashes"], lashes, upper68),
                                 (eye["lower"], mesh[list(eye["lower"])], lower68)):
            extra = lid[[k for k, i in enumerate(ring) if i not in known]]
            if lid is lashes:
                extra = np.concatenate((extra, _midpoints(lashes)))
            points.append(extra)
            shifts.append(_along_lid(local(extra)[:, 0],
                                     local(mesh[MESH_TO_IBUG68[list(ids68)]])[:, 0],
                                     moved68[list(ids68)], ends))
        points.append(edge)
        shifts.append(edge_shift)
        # Where it lowers, its upper hairs above the edge go with it (:data:`BROW_FRINGE`).
        fringe = _above_a_lowering_brow(mesh, eye, brow68, moved68)
        if fringe is not None:
            points.append(fringe[0])
            shifts.append(fringe[1])
        # Where the brow rises, the skin under its edge goes with it, down to ``carried`` of the
        # way to the band of lashes.
        if rising.any():
            above_lashes = along_the_eye(local, lashes, local(edge)[:, 0])
            points.append((edge + carried * (above_lashes - edge))[rising])
            shifts.append(edge_shift[rising])
    return np.concatenate(points), np.concatenate(shifts)


def _above_a_lowering_brow(mesh: np.ndarray, eye: dict, brow68: tuple[int, ...],
                           moved68: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Where ``eye``'s brow lowers, controls :data:`BROW_FRINGE` above its upper edge (the
    68-point view's brow points ``brow68`` and the midpoints between them, along the face's up
    axis) moving with it (``(points, moved)``, ``K×2`` each on ``mesh``'s grid); None where no
    part of it lowers. A rising brow compresses the skin above it, which keeps its look."""
    from ..face.layout import MESH_TO_IBUG68

    tops = mesh[MESH_TO_IBUG68[list(brow68)]]
    tops = np.concatenate((tops, _midpoints(tops)))
    shift = with_the_brow(mesh, eye, brow68, moved68, tops)
    down = face_down(mesh)
    lowering = shift @ down > 0.0
    if not lowering.any():
        return None
    return (tops - BROW_FRINGE * iris_axes(mesh)[2] * down)[lowering], shift[lowering]


def lid_skin_band(mesh: np.ndarray, eye: dict, reach: float = 1.0) -> tuple[np.ndarray, float]:
    """Under a rising brow: the band of lashes that moves with the upper lid (``K×2`` on
    ``mesh``'s grid, the mesh's ring above the lid, :data:`EYES` ``"lashes"``, brought down
    towards the lid where the brow's hair reaches it) and the share of the way from the brow's
    lower edge down to that band that the brow carries with it.

    ``reach``: how far down the brow's hair reaches, from the upper lid (0) to the mesh's brow
    edge (1) (:func:`.brows.hair_reach`). The brow carries :data:`BROW_UNDER` of the way, and
    at least down to its hair; the lashes' band stays :data:`LID_SKIN_LEFT` of the way below
    that, no lower than :data:`LASHES_LOWEST`: between the two the lid skin stretches, not the
    hair (bushy brows low over the eye, the ring on their lowest hair: stretched into strands,
    looked at)."""
    upper, lashes = mesh[list(eye["upper"])], mesh[list(eye["lashes"])]
    _, local, _, _ = eye_frame(mesh, eye)
    edge_over = _curve(local(mesh[list(eye["brow_edge"])]), local(lashes)[:, 0])
    lid, ring = local(upper)[:, 1], local(lashes)[:, 1]
    # The ring's place between the lid (0) and the brow's edge (1), over the eye's middle.
    place = float(np.median(((ring - lid) / np.minimum(edge_over - lid, -1e-9))[1:-1]))
    carried_to = min(1.0 - BROW_UNDER * (1.0 - place), reach)
    band = float(np.clip(carried_to - LID_SKIN_LEFT, LASHES_LOWEST, place))
    lashes = upper + (band / max(place, 1e-9)) * (lashes - upper)
    return lashes, (1.0 - carried_to) / max(1.0 - band, 1e-9)


def with_the_brow(mesh: np.ndarray, eye: dict, brow68: tuple[int, ...], moved68: np.ndarray,
                  points: np.ndarray) -> np.ndarray:
    """How far ``points`` (``K×2``, ``mesh``'s grid; the brow's lower edge) move with the brow
    ``brow68`` (its 68-point view's points, moving by ``moved68``): interpolated along the eye of
    ``eye`` (:data:`EYES`), held at the brow's ends (``K×2``)."""
    from ..face.layout import MESH_TO_IBUG68

    _, local, _, _ = eye_frame(mesh, eye)
    brow = list(brow68)
    return along_the_eye(local, mesh[MESH_TO_IBUG68[brow]], local(points)[:, 0], moved68[brow])


def _midpoints(curve: np.ndarray) -> np.ndarray:
    """The midpoints of a polyline's segments (``K×2`` → ``(K−1)×2``).

    The lashes' band and the brow's lower edge get a control there too: a lowered brow
    squeezes the lid skin between the two into a few grid pixels, and between controls that far
    apart the spline's field rippled along the lid — a thin brow drawn down into it waved."""
    return (curve[:-1] + curve[1:]) / 2


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


def along_the_eye(local, points: np.ndarray, x: np.ndarray,
                  values: np.ndarray | None = None) -> np.ndarray:
    """``values`` (``K×D``; default ``points`` themselves) given at ``points`` (``K×2``, any
    order, on the mesh's grid) at the places ``x`` along an eye (its frame's ``local`` map,
    :func:`eye_frame`), interpolated by the points' places, held at their ends: ``len(x)×D``."""
    at = local(points)[:, 0]
    order = np.argsort(at)
    values = points if values is None else values
    return np.stack([np.interp(x, at[order], values[order, k]) for k in range(values.shape[1])],
                    axis=1)


def eye_frame(mesh: np.ndarray, eye: dict):
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


def _lid_bands(mesh: np.ndarray, eye: dict):
    """One eye's lids sampled corner to corner in its own frame: ``(xs, upper, lower, local,
    band)`` — 25 positions along the eye, the lid heights there, the plate → eye-frame map, and
    ``band(top, bottom)``: the closed polygon between two height curves, on the mesh's grid."""
    down, local, corners, lid = eye_frame(mesh, eye)
    xs = np.linspace(corners[:, 0].min(), corners[:, 0].max(), 25)
    along = np.array([down[1], -down[0]])
    origin = (mesh[eye["corners"][0]] + mesh[eye["corners"][1]]) / 2

    def band(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        q = np.concatenate((np.stack((xs, top), 1), np.stack((xs, bottom), 1)[::-1]))
        return origin + q[:, :1] * along + q[:, 1:] * down

    return xs, _curve(lid("upper"), xs), _curve(lid("lower"), xs), local, band


#: The least lid skin, × the eye's opening there, that slides down over it when an occluder
#: crosses the lid (:func:`_crease`): a frame's bar on the lash line would leave none. At 0.5,
#: where a frame's mask reached down into the lens (its shaded band under a thick top bar), the
#: lid slid from inside the mask and carried its fill down: a light flat tab with the fine
#: grid's stepped edge on a half-shut lid, a dark jag on a shut one (face 8 and
#: liveportrait_d13 frame 50 under AU45 at 3 and 5, looked at 3×).
MIN_LID_SKIN = 0.25
#: ... while the lid drawn over the eye (:func:`close_lid`) still starts from at least half the
#: opening above the lash line under a frame, and its make-up is read there (:func:`lids_make_up`):
#: drawn from the slid skin's top, the jag where it meets the frame's fill showed through the
#: drawn lid (face 8 under AU45 at 3 and 5, looked at 3×); read on the quarter by the lash line,
#: the lash roots and a lens's reflection there read as a blue-grey make-up (face 8).
DRAWN_LID_SKIN = 0.5
#: How steeply the top of the lid skin free to slide rises beside an occluder (grid px per px
#: along the eye; :func:`_below_occluder`).
OCCLUDER_SLOPE = 0.25


def _crease(mesh: np.ndarray, eye: dict, local, occluder: np.ndarray | None, x: np.ndarray,
            upper: np.ndarray, opening: np.ndarray, least: float = MIN_LID_SKIN) -> np.ndarray:
    """The top of the lid skin a blink slides, at positions ``x`` along ``eye`` (its frame,
    ``local`` maps plate → frame; ``upper``, ``opening`` there): the crease — or just below an
    ``occluder`` crossing the lid (:func:`_below_occluder`), keeping at least ``least`` of the
    opening — never below the upper lid."""
    crease = _curve(local(mesh[list(eye["crease"])]), x)
    below = np.minimum(_below_occluder(mesh, eye, occluder, x), upper - least * opening)
    return np.minimum(np.maximum(crease, below), upper)


def _below_occluder(mesh: np.ndarray, eye: dict, occluder: np.ndarray | None,
                    x: np.ndarray) -> np.ndarray:
    """Per position ``x`` along ``eye`` (its frame), the height just below the lowest pixel of
    ``occluder`` (bool, on ``mesh``'s grid) between the crease and the upper lid — the top of
    the lid skin free to slide — or far above the eye where none is (or no occluder is
    given)."""
    if occluder is None or not occluder.any():
        return np.full(np.shape(x), -_FAR)
    down, local, corners, lid = eye_frame(mesh, eye)
    along = np.array([down[1], -down[0]])
    origin = (mesh[eye["corners"][0]] + mesh[eye["corners"][1]]) / 2
    xs = np.linspace(corners[:, 0].min(), corners[:, 0].max(), 25)
    top = _curve(local(mesh[list(eye["crease"])]), xs)
    bottom = _curve(lid("upper"), xs)
    steps = np.linspace(0.0, 1.0, 24)[:, None]
    heights = top + steps * (bottom - top)
    points = origin + xs[None, :, None] * along + heights[..., None] * down
    cols = np.clip(points[..., 0].astype(int), 0, occluder.shape[1] - 1)
    rows = np.clip(points[..., 1].astype(int), 0, occluder.shape[0] - 1)
    hit = occluder[rows, cols]
    floor = np.where(hit.any(0), np.max(np.where(hit, heights, -_FAR), axis=0) + 1.0, -_FAR)
    # Rising at most OCCLUDER_SLOPE away from where the frame crosses: a step between a column
    # under the frame and one beside it slid their lids from different heights, and the shut lid
    # showed a vertical edge there.
    floor = np.max(floor[None, :] - OCCLUDER_SLOPE * np.abs(xs[:, None] - xs[None, :]), axis=1)
    return np.interp(x, xs, floor)


#: A height far above any eye (grid px), for "no bound".
_FAR = 1e9


def lash_tilt(closure: float) -> float:
    """How the upper lashes stand at ``closure``: their height above the lash line as a fraction
    of the open eye's — 1 (as shot) while the eye is open, falling to 0 from 60 % closed to
    :data:`LASHES_END_ON`.

    A closing lid turns its lashes with it, towards the camera: on a shut eye they are seen end-on
    along the lid's line and hanging below it (drawn by :func:`close_lid`), not standing up from
    it as on the open eye.
    """
    return 1.0 - min(max((closure - 0.6) / (LASHES_END_ON - 0.6), 0.0), 1.0)


def lid_lines(upper: np.ndarray, lower: np.ndarray, closure: float, lift: float = 0.0
              ) -> tuple[np.ndarray, np.ndarray]:
    """Where the upper lid's lash line and the lower lid's rim are at ``closure`` (0–1), given
    their heights as shot (eye frame, y down): ``(lash, rim)``; they meet when shut. ``lift``
    (same units) raises the lower lid further in the eye's middle, in proportion to the
    opening at each point (none at the corners; AU06 and AU07), never past the lash line."""
    opening = np.maximum(lower - upper, 0.0)
    meet = lower - LOWER_RISE * opening
    lash = upper + closure * (meet - upper)
    rim = lower - closure * (lower - meet) - lift * opening / max(float(opening.max()), 1e-9)
    return lash, np.maximum(rim, lash)


def per_eye(closure: float | np.ndarray, lift: float | np.ndarray
            ) -> list[tuple[dict, float, float]]:
    """The eyes a blink of ``closure`` and a lower lids' ``lift`` move, each with its own two
    (``(eye, closure, lift)`` in :data:`EYES` order): the two given for both eyes, or a pair of
    each, the right eye's first (a sided AU vector's rows, :data:`~atw_ofx.aus.SIDES`)."""
    closures, lifts = np.broadcast_to(closure, 2), np.broadcast_to(lift, 2)
    return [(eye, c, l) for eye, c, l in zip(EYES, closures, lifts) if c > 0.0 or l > 0.0]


def blink_field(mesh: np.ndarray, closure: float | np.ndarray, n: int,
                lift: float | np.ndarray = 0.0, occluder: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Backward field ``2×n×n`` closing both eyes by ``closure`` (0 open … 1 closed) and raising
    the lower lids by ``lift`` grid px in their middles (:func:`lid_lines`) — each a number for
    both eyes or a pair, one per eye in :data:`EYES` order (a wink) — and its
    ``n×n`` stretch: how much of the source each output pixel's height spans (the lid skin's
    ``d source / d output`` along the eye's down axis, below 1 where the skin unfolds over the
    eye; 1 elsewhere).

    ``mesh`` is the 478-point mesh on the ``n`` grid. Each eye moves only between its crease and
    its lower lid, between its corners — and below an ``occluder`` (``n×n`` bool, a glasses
    frame held still) that crosses the lid: the skin behind a frame's top bar, pulled down into
    view, was a fill. The stretch is what the rig's fold guard expects there:
    an unfolding lid magnifies its skin several times by design (a wide-open eye under a narrow
    lid: 8× measured), which is not a fold.
    """
    field = np.zeros((2, n, n))
    stretch = np.ones((n, n))
    for eye, closure, lift in per_eye(closure, lift):
        tilt = lash_tilt(closure)
        # Only the eye's box moves: corners, crease, lower lid and the skin below it.
        down, local, corners, lid = eye_frame(mesh, eye)
        upper_lid, lower_lid = lid("upper"), lid("lower")
        along_eye = np.linspace(corners[:, 0].min(), corners[:, 0].max(), 9)
        reach_below = LOWER_SKIN * float(np.max(_curve(lower_lid, along_eye)
                                                - _curve(upper_lid, along_eye)))
        below = mesh[list(eye["lower"])] + reach_below * down
        x0, y0, x1, y1 = grid_box(np.concatenate((
            mesh[list(eye["corners"] + eye["crease"] + eye["lower"])], below)), n, 3)
        if x1 <= x0 or y1 <= y0:
            continue
        origin = (mesh[eye["corners"][0]] + mesh[eye["corners"][1]]) / 2
        lx, ly = box_in_frame(down, origin, (x0, y0, x1, y1))
        inside = (lx > corners[:, 0].min()) & (lx < corners[:, 0].max())
        # Past the outer corner (corners[0]) the lashes turn with the lid, fading out over
        # OUTER_REACH of the eye's width: the mesh's corner often sits inside the eye, and the
        # lash line beyond it, left standing, met the shut line in a tent.
        outward = np.sign(corners[0, 0] - corners[1, 0])
        width = float(abs(corners[0, 0] - corners[1, 0]))
        beyond = outward * (lx - corners[0, 0])
        turning = np.where(outward * lx > 0,
                           np.clip(1.0 - beyond / max(OUTER_REACH * width, 1e-9), 0.0, 1.0), 0.0)
        upper, lower = _curve(upper_lid, lx), _curve(lower_lid, lx)
        opening = np.maximum(lower - upper, 0.0)
        crease = _crease(mesh, eye, local, occluder, lx, upper, opening)
        lash, rim = lid_lines(upper, lower, closure, 0.0)
        # The lower lid's lift follows the opening's profile along the whole eye, not this
        # box's pixels: its largest opening, from the lid curves at the corners' span.
        samples = np.linspace(corners[:, 0].min(), corners[:, 0].max(), 25)  # as _lid_bands
        widest = float(np.max(_curve(lower_lid, samples) - _curve(upper_lid, samples)))
        rim = np.maximum(rim - lift * opening / max(widest, 1e-9), lash)
        # The lashes (a band of LASH_BAND × the middle's opening above the lash line, as tall
        # along the whole lid, within the skin below the crease) come down with the line. They
        # turn end-on as the lid closes (:func:`lash_tilt`), each column in proportion to how far
        # its lid travels — or, towards the outer corner, wholly, fading out past it (`turning`)
        # — so the band meets the still lashes beyond the corners without a step or a peak.
        # Output rows [lash − height, lash] sample the band; the lid's skin between the crease and
        # the lashes stretches to make up the distance.
        band = np.minimum(LASH_BAND * opening.max(initial=0.0), 0.6 * (upper - crease))
        travel = lash - upper
        turned = np.maximum(travel / max(float(travel.max(initial=0.0)), 1e-9), turning)
        height = band * (1.0 - (1.0 - tilt) * turned)
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
        shift_y = np.where(moving | ((beyond >= 0) & (turning > 0)), shift * cover, 0.0)
        # Below the eye: rows [rim, lower + reach] sample [lower, lower + reach]; the pixel the
        # rim crosses is covered by the lower lid in proportion.
        risen = np.maximum(lower - rim, 0.0)
        bottom = lower + reach_below
        rising = lower + (ly - rim) * reach_below / np.maximum(bottom - rim, 1e-9) - ly
        rim_cover = np.clip(ly - rim + 0.5, 0.0, 1.0)
        shift_y = shift_y + np.where(moving & (ly < bottom), rising * rim_cover, 0.0)
        field[:, y0:y1, x0:x1] += shift_y[None] * down[:, None, None]
        skin = moving & (ly >= crease) & (y <= lashes_top)
        slope = np.clip((upper - band - crease) / span, 0.0, 1.0)
        stretch[y0:y1, x0:x1] = np.where(skin, np.minimum(stretch[y0:y1, x0:x1], slope),
                                         stretch[y0:y1, x0:x1])
        lower_skin = moving & (ly >= rim) & (ly < bottom) & (risen > 0)
        lower_slope = reach_below / np.maximum(bottom - rim, 1e-9)
        stretch[y0:y1, x0:x1] = np.where(lower_skin, np.minimum(stretch[y0:y1, x0:x1],
                                                                lower_slope),
                                         stretch[y0:y1, x0:x1])
    return field, stretch


#: A closing lid comes forward over the eyeball, into the light of the skin below the eye. The
#: lid skin the field unfolds over the eye was sampled from under the brow — in a deep-set eye a
#: shadow — and stretched several times (a smear, looked at). From a third closed on, the lid is
#: drawn from the skin below the eye instead, mirrored about the lower lid: unstretched, in the
#: plate's own light and grain. It fades in from the crease over this share of the lid's height,
#: and with the closure (full from :data:`LID_FULL` closed): over 0.6 of it, the stretched lid
#: above showed its lashes and texture as vertical streaks under the crease (glasses face 15, a
#: wide-eyed stare in clip d10; looked at), and an independent mesh read the eyes more open.
LID_FADE = 0.15
LID_FULL = 0.8
#: ... or as much as the lid skin the blink slides is magnified from the crease down to the
#: lash line, from the first to the second: behind a glasses frame low over the lid the skin
#: free to slide is a thin strip (:func:`_crease`), and a blink part-way stretched it 5-10×
#: into vertical streaks, its lashes drawn out into stripes (face 8 under AU45 at 1.5-3,
#: looked at 5×); a bare lid's is magnified 1.5-2.5× there.
MAGNIFIED = (3.0, 5.0)
#: Over how much of the band of lashes (from its top) the drawn lid gives way to it.
LASH_KEPT = 0.5
#: The most the lid's light may be matched to the warped lid around it: a gain within
#: ``exp(±LID_MATCH)``.
LID_MATCH = float(np.log(2.0))
#: A lid's make-up (:func:`lid_make_up`) is read from the open lid above the lash line, up this
#: share of the way to the crease, over the light end of each column's samples (LID_READ_RANKS,
#: shares of them by light: not the liner and lashes, not a glint). A shut lid takes it whole
#: from LID_COLOUR_FULL of the way from the crease to the line down and none above
#: LID_COLOUR_FROM (the skin under the brow keeps its own); its colour against the skin's at
#: most ``exp(±MAKE_UP_MOST)`` per channel.
LID_READ = 0.5
LID_READ_RANKS = (0.5, 0.9)
LID_COLOUR_FROM, LID_COLOUR_FULL = 0.1, 0.6
MAKE_UP_MOST = float(np.log(3.0))
#: The make-up's strength (its largest channel against the skin's, log) from which a shut lid
#: takes its colour at all, and from which whole (:func:`make_up_strength`): the shared faces'
#: made-up lids read 0.2–1.0 (blue, mauve), their bare lids up to 0.15 — warmer than the skin
#: below the eye, in their own shade, which only counts past MAKE_UP_WARM.
MAKE_UP_FROM, MAKE_UP_CLEAR, MAKE_UP_WARM = 0.15, 0.25, 0.3
#: The scale, × the eye's opening, above which the donor's light is its own and not the lid's
#: (below it: the skin's texture and grain, which the lid takes).
TEXTURE_SCALE = 0.25
#: The brightest the texture may be over its surroundings' light: skin's texture stays well
#: within it; a glint on wet skin, drawn onto a dry lid, does not.
TEXTURE_MAX = 1.35
#: Where the mirrored skin starts below the lower lid, × the eye's opening or, for a narrow eye,
#: 0.4 of its width (past the lid's wet rim and the glints along its lashes), and how much of the
#: lid's height it takes from below the eye: mirrored whole, a deep lid reached into the cheek
#: and drew what lies there (a curl of hair, looked at).
DONOR_GAP, DONOR_SCALE = 0.35, 0.6
#: The donor's texture level (its light over its surroundings') under which it is not skin
#: (a strand of hair, a rim) and gives way.
DONOR_DARK = 0.6
#: How far a shut eye's upper lashes hang below its lash line, × their height on the open eye
#: (they turn towards the camera and point down, over the lower lid).
LASH_HANG = 0.6
#: The shut lids' margin (lash roots pressed together): its half width above the line, × the
#: eye's width, and below it × MARGIN_BELOW (the lashes hang there). Calibrated on the performers'
#: own blinks (``benchmarks/blink_vs_real.py``: each shared clip's shut frame against AU45 5 on
#: its open one): real shut lines are 0.09 IOD thick at half their depth, 0.04 above the darkest
#: row and 0.05 below; a margin of 0.06 drew 0.055 (0.02 / 0.03) and read as a thin stroke.
MARGIN = 0.1
MARGIN_BELOW = 1.3
#: The margin's width at the inner corner, × its width from :data:`MARGIN_FULL_AT` of the way to
#: the outer corner on (real shut lines are thin by the nose and thickest in the outer third;
#: as wide all along, ours read as a stroke drawn on; at 0.6 of it by the nose, a band of sparse
#: light lashes ended there square, a brown bar laid on the lid: face 17, looked at 4×).
MARGIN_INNER, MARGIN_FULL_AT = 0.3, 0.6
#: On a sharp plate the margin is whole over this share of its half width, fading over the rest.
MARGIN_CORE = 1 / 3
#: How far above the mesh's upper lid contour the lash roots are looked for, × the eye's width,
#: and the half height of the band the shut line's colour is read from there.
ROOTS_REACH, ROOTS_READ = 0.12, 0.06
#: The most light the shut lids' line has, × the skin's (linear): lashes pressed together and
#: seen end-on are a dark band on every face, darker than the same lashes standing up from the
#: open eye (the performers' blinks: a median 0.17 of the skin's light at the line's darkest row,
#: 0.06–0.28).
SHUT_DARK = 0.17
#: The power of the skin's colour that gives its shadow's hue (:func:`_shut_line_colour`): the
#: performers' shut lines are redder than their skin by 1.2× and less blue by 0.77× (red over
#: the mean, blue over the mean, line against skin); a power of 2 drew 1.27× / 0.67×.
SHADOW_HUE = 1.75
#: The plate's grain on the shut line: the roots' fine detail over their 1 px blur, held within
#: ``1 ± GRAIN_RANGE`` (wider, a painting's strokes drew a twisted rope).
GRAIN_RANGE = 0.15
#: The white left open at a shut eye's corners (:func:`_cover_white`): from this closure on, what
#: is this many times lighter than the skin, as far as this share of the eye's width past each
#: corner.
WHITE_FROM, WHITE_LIGHT, WHITE_REACH = 0.8, 1.4, 0.15
#: Only what the warp brought from the open eye can be its white: from between the lids as shot,
#: grown by this share of the eye's opening (the mesh's contour can miss the lid's edge by that
#: much at a corner). Lit lid skin or the lower lid's skin is as light on some faces, and covering
#: it left a flat patch on the lid (looked at: glasses face 8, both eyes).
WHITE_GROW = 0.5
#: Below the lower lid, the contour lies on the white's edge: what is under it is the lid's wet
#: rim and skin (covered, a light strip there became a flat patch).
WHITE_GROW_BELOW = 0.1
#: On a colour plate whose skin's chroma (max − min over max of its channels) is at least
#: WHITE_PALER_FROM, a white's is at most WHITE_PALER × the skin's.
WHITE_PALER_FROM, WHITE_PALER = 0.1, 0.7
#: The blur a sharp plate's edges show by :meth:`_EyeCanvas.plate_blur`'s measure, crop px
#: (the shared 1024 px photographs: 0.6–1.0; video frames 1.4–1.7).
SHARP_BLUR = 0.8
#: The blur past a sharp plate's from which the shut line is drawn soft (px): video frames and
#: soft focus (the shared clips: 1.1–1.5; one soft photograph 0.96), not a photograph's slight
#: softness (the others: 0–0.6).
SOFT_PLATE = 0.8


@dataclass(frozen=True)
class ClosingLid:
    """One closing eye, finished by the renderer at full size (:func:`close_lid`).

    ``polygon`` is the band along the new lash line (closed, grid px) where the field steps —
    generated, so the rig's fold guard leaves it alone. The eye's frame on the ``grid``:
    ``origin`` (the corners' midpoint) and ``down`` (unit; ``along`` is ``(down[1], -down[0])``);
    ``xs`` positions along the eye and the heights there of the ``upper`` and ``lower`` lids and
    the ``crease`` (all grid px: where the lid drawn over the eye starts and its make-up is read,
    under a frame at least :data:`DRAWN_LID_SKIN` of the opening above the lash line — the skin
    the blink slides starts lower there, :data:`MIN_LID_SKIN`); ``closure`` 0–1; ``lift``: the
    lower lid's rise in the eye's middle (grid px, :func:`lid_lines`); ``outer``: which way along
    the eye its outer corner lies."""

    polygon: np.ndarray
    grid: int
    closure: float
    origin: np.ndarray
    down: np.ndarray
    xs: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    crease: np.ndarray
    lift: float = 0.0
    #: +1 when the outer corner lies towards ``+along``, −1 when towards ``−along``.
    outer: float = 1.0
    #: The other eye's lids as shot (its ``closure`` its own), for what the two share (a
    #: make-up: :func:`lid_make_up`).
    other: ClosingLid | None = None
    #: The lid's make-up as the shot shows it (``N×3``, :class:`.lid_look.LidLook`), or None:
    #: read on this frame.
    make_up: np.ndarray | None = None


def closing_lids(mesh: np.ndarray, closure: float | np.ndarray, n: int,
                 lift: float | np.ndarray = 0.0, occluder: np.ndarray | None = None,
                 make_up: np.ndarray | None = None) -> list[ClosingLid]:
    """Per eye, what a blink of ``closure`` and a lower lid raised by ``lift`` grid px (each
    for both eyes or per eye: :func:`per_eye`) leave the renderer to draw (``mesh`` on the ``n``
    grid): none while the lids are as shot. ``make_up``: the shot's lids' (``2×N×3``,
    :class:`.lid_look.LidLook`), or None."""
    moving = per_eye(closure, lift)
    if not moving:
        return []
    closures = dict((eye["corners"], (c, l)) for eye, c, l in moving)
    lids = []
    for eye in EYES:
        closure, lift = closures.get(eye["corners"], (0.0, 0.0))
        xs, upper, lower, local, band = _lid_bands(mesh, eye)
        crease = _crease(mesh, eye, local, occluder, xs, upper, np.maximum(lower - upper, 0.0),
                         DRAWN_LID_SKIN)
        lash, rim = lid_lines(upper, lower, closure, lift)
        travel = np.maximum(lash - upper, lower - rim)
        seam = band(lash - np.minimum(travel, 0.25), rim + np.minimum(travel, 0.75))
        origin = (mesh[eye["corners"][0]] + mesh[eye["corners"][1]]) / 2
        down, _, corners, _ = eye_frame(mesh, eye)  # corners: outer first (EYES)
        lids.append(ClosingLid(seam, n, float(closure), origin, down, xs, upper, lower, crease,
                               float(lift), 1.0 if corners[0, 0] > corners[1, 0] else -1.0))
    return [replace(lid, other=lids[1 - i], make_up=None if make_up is None else make_up[i])
            for i, lid in enumerate(lids) if lid.closure > 0.0 or lid.lift > 0.0]


def lid_make_up(lid: ClosingLid, original: np.ndarray, colour: tuple[int, ...]) -> np.ndarray:
    """The colour a lid's make-up gives it against the skin below the eye, as the two open eyes
    share it: per position along the eye (``lid.xs``), per channel (``N×C``, the natural log of
    the ratio of their colours each over its mean channel: no light), ``0`` without make-up —
    the shot's (:attr:`ClosingLid.make_up`, from the face track: :mod:`.lid_look`) where it has
    one, else this frame's (:func:`lids_make_up`, ``original``: the crop before the edit,
    ``S×S×C`` linear, read in ``colour``'s channels)."""
    if lid.make_up is not None and lid.make_up.shape[-1] == len(colour):
        return lid.make_up.astype(np.float32)
    if lid.other is None:
        return np.zeros((len(lid.xs), len(colour)), np.float32)
    return lids_make_up([lid, lid.other], original, colour)[0]


def lids_make_up(lids: list[ClosingLid], original: np.ndarray, colour: tuple[int, ...]
                 ) -> np.ndarray:
    """The make-up of both eyes' lids (``lids``, the two, on ``original``'s grid) as the open
    eyes share it: ``2×N×C`` (:func:`lid_make_up`), ``lids``' order.

    Each eye's lid is read above its lash line (:data:`LID_READ`, :data:`LID_READ_RANKS`)
    against the skin below it (where the shut lid's texture comes from: :data:`DONOR_GAP`),
    ``original`` (``S×S×C`` linear) sampled in ``colour``'s channels. Only what both eyes show
    counts: per channel, each eye's read scaled to the lesser of the two eyes' medians when they
    agree in sign, none when they do not. An eyeshadow is on both lids, while the light on one
    lid (a shadow, a lens's reflection, a glasses frame's bar the crease is lowered under) is
    not — read on one eye alone, such a lid shut blue-grey or mauve (looked at: the shared
    glasses faces)."""
    k = original.shape[0] / lids[0].grid
    reads = [_lid_over_skin(lid, original, k, list(colour)) for lid in lids]
    medians = [np.median(read, 0) for read in reads]
    agree = np.sign(medians[0]) == np.sign(medians[1])
    least = np.minimum(np.abs(medians[0]), np.abs(medians[1]))
    shared = []
    for read, median in zip(reads, medians):
        # A colour again: over its mean channel (the channels scaled apart).
        scaled = read * np.where(agree, least / np.maximum(np.abs(median), 1e-6), 0.0)
        shared.append(scaled - np.log(np.exp(scaled).mean(-1, keepdims=True)))
    return np.stack(shared).astype(np.float32)


def make_up_strength(make_up: np.ndarray) -> float:
    """How surely ``make_up`` (:func:`lid_make_up`) is one, 0–1: from its median's largest
    channel, past :data:`MAKE_UP_FROM` to :data:`MAKE_UP_CLEAR` — past MAKE_UP_WARM where the
    lid is only warmer than the skin (red up, blue down: a lid's own shade)."""
    median = np.median(make_up, 0)
    if median.size < 3:
        return 0.0
    start = MAKE_UP_WARM if median[0] > 0 > median[2] else MAKE_UP_FROM
    return float(smoothstep((np.abs(median).max() - start) / (MAKE_UP_CLEAR - MAKE_UP_FROM)))


def _lid_over_skin(lid: ClosingLid, original: np.ndarray, k: float, channels: list[int]
                   ) -> np.ndarray:
    """One open eye's lid colour over the skin's below it (``N×C``, log ratio per position
    along the eye of each colour over its mean channel, smoothed along the eye;
    :func:`lid_make_up`), ``original`` on a crop ``k`` × the lid's grid."""
    xs, upper, lower, crease = (v * k for v in (lid.xs, lid.upper, lid.lower, lid.crease))
    opening = float(np.maximum(lower - upper, 0.0).max(initial=0.0))
    gap = DONOR_GAP * max(opening, 0.4 * float(xs[-1] - xs[0]))
    t = np.linspace(0.0, 1.0, 13)[:, None]
    along = np.array([lid.down[1], -lid.down[0]])
    lo, hi = (int(round(r * (len(t) - 1))) for r in LID_READ_RANKS)
    hues = []
    for heights in (upper + t * LID_READ * (crease - upper),
                    lower + gap + t * DONOR_SCALE * np.maximum(lower - crease, 0.0)):
        px = lid.origin * k + xs[None, :, None] * along + heights[..., None] * lid.down
        samples = sample_window(original, px[..., 0], px[..., 1], cv2.INTER_LINEAR, channels)
        order = np.argsort(samples.mean(-1), axis=0)
        read = np.maximum(np.take_along_axis(samples, order[lo:hi + 1, :, None], axis=0)
                          .mean(0), 1e-6)
        hues.append(np.log(read / read.mean(-1, keepdims=True)))
    return cv2.GaussianBlur((hues[0] - np.median(hues[1], 0))[None].astype(np.float32), (0, 0),
                            2.0, borderType=cv2.BORDER_REPLICATE)[0].reshape(len(xs), -1)


def close_lid(warped: np.ndarray, original: np.ndarray, lid: ClosingLid,
              colour: tuple[int, ...], field: np.ndarray) -> tuple[np.ndarray, Generated]:
    """``warped`` (``S×S×C`` linear, the ResWarp result; changed in place) with ``lid``'s eye
    finished from ``original`` (the crop before the edit), and where it drew, as a soft mask.
    ``field`` is the backward field the crop was warped by, ``2×G×G`` on the lid's grid.

    Everything is sampled from the plate (cubic, so its grain stays its own), never a flat
    colour — a uniform dark fill along the line read as a marker stroke:

    1. the **lid lines** (:func:`_resample_lid_lines`): the field steps at each, and up-sampled
       a step becomes a ramp into which the covered eye is squeezed (a sliver of iris and
       sclera, a pink seam); there the field is taken from beyond the ramp on each side; the
       eye under the lowered lid takes the lid's shade (:func:`_shade_under_lid`);
    2. the **lid** (:func:`_draw_lid`): the skin below the eye, mirrored about the lower lid, at
       that skin's light and matched to the lid around it — in the colour of its make-up, if the
       open lids show one (:func:`lid_make_up`) — eased in with the closure;
    3. the **lashes** (:func:`_draw_lashes`) once the eye shuts: the upper lashes turned down over
       the lower lid where darker than the skin, and the lids' margins pressed into a dark line
       (:func:`_shut_line_colour`);
    4. what is left of the **white** near the corners once the eye shuts
       (:func:`_cover_white`): where the mesh's contour falls short of the eye.

    Coordinates: crop pixels, centres at ``(j + 0.5, i + 0.5)``; the lid's grid maps onto the
    crop by ``S / grid``. Only the ``colour`` channels change.
    """
    eye = _EyeCanvas(lid, warped.shape[0], original, colour)
    if eye.empty:
        return warped, Generated(eye.y0, eye.x0, np.zeros(eye.shape, np.float32))
    region = np.ascontiguousarray(warped[eye.window][..., eye.channels], np.float32)
    ramp_alpha = _resample_lid_lines(eye, region, field)
    _shade_under_lid(eye, region)
    lid_alpha, skin = _draw_lid(eye, region, lambda: lid_make_up(lid, original, colour))
    lash_alpha = _draw_lashes(eye, region, skin)
    white_alpha = _cover_white(eye, region, skin, field)
    warped[eye.window + (eye.channels,)] = region
    mask = np.maximum.reduce([lid_alpha, ramp_alpha, lash_alpha, white_alpha]).astype(np.float32)
    return warped, Generated(eye.y0, eye.x0, mask)


class _EyeCanvas:
    """One closing eye on the crop (``size`` px, ``lid.grid`` mapped onto it): the box the
    finishing draws in, each box pixel in the eye's own frame (``lx`` along, ``ly`` down, crop
    px) with the lid curves at its column, and the plate (``original``) to sample."""

    def __init__(self, lid: ClosingLid, size: int, original: np.ndarray, colour: tuple[int, ...]):
        self.k = k = size / lid.grid
        self.closure, self.down, self.outer = lid.closure, lid.down, lid.outer
        self.along = np.array([lid.down[1], -lid.down[0]])
        self.origin = lid.origin * k
        xs, upper, lower, crease = (v * k for v in (lid.xs, lid.upper, lid.lower, lid.crease))
        self.opening = float(np.maximum(lower - upper, 0.0).max(initial=0.0))
        self.width = float(xs[-1] - xs[0])
        lash, rim = lid_lines(upper, lower, lid.closure, lid.lift * k)
        travel = np.maximum(lash - upper, lower - rim)
        lashes = np.clip(np.minimum(LASH_BAND * self.opening, 0.6 * (upper - crease)), 0.0, None)
        self.tilt = lash_tilt(lid.closure)
        hang = LASH_HANG * (1.0 - self.tilt) * lashes
        self.reach = RAMP * k + 0.5
        bottom = np.maximum(lash + hang, rim + self.reach) + 1.0
        if lid.closure > 0.0:
            # From the crease (the lid drawn), past the corners as far as a white left open is
            # looked for (:func:`_cover_white`) and the shut line runs on (OUTER_REACH).
            top = crease
            past = max(WHITE_REACH, OUTER_REACH) * self.width
            ends = np.array([[xs[0] - past, (upper[0] + lower[0]) / 2],
                             [xs[-1] + past, (upper[-1] + lower[-1]) / 2]])
        else:  # a lower lid raised alone: only its line's ramp is re-sampled
            top, ends = rim - self.reach - 1.0, np.zeros((0, 2))
        outline = np.concatenate((np.stack((xs, top), 1), np.stack((xs, bottom), 1), ends))
        x0, y0, x1, y1 = grid_box(self.origin + outline[:, :1] * self.along
                                  + outline[:, 1:] * self.down, size, 2)
        self.x0, self.y0 = x0, y0
        self.shape = (max(y1 - y0, 0), max(x1 - x0, 0))
        self.window = (slice(y0, y1), slice(x0, x1))
        self.empty = x1 <= x0 or y1 <= y0 or travel.max(initial=0.0) <= 0.0
        if self.empty:
            return
        # Pixel centres as read-only broadcast views: the frame's map is summed from its row
        # and column parts (no grid built).
        rows, cols = (np.arange(y0, y1) + 0.5)[:, None], np.arange(x0, x1) + 0.5
        self.rows, self.cols = np.broadcast_to(rows, self.shape), np.broadcast_to(cols, self.shape)
        dx, dy = cols - self.origin[0], rows - self.origin[1]
        self.lx = dx * self.along[0] + dy * self.along[1]
        self.ly = dx * self.down[0] + dy * self.down[1]
        at = lambda v: np.interp(self.lx, xs, v)  # noqa: E731
        self.U, self.L, self.C = at(upper), at(lower), at(crease)
        self.line, self.edge, self.hang, self.lashes = at(lash), at(rim), at(hang), at(lashes)
        self.moved = at(travel)
        self.inside = (self.lx > xs[0]) & (self.lx < xs[-1])
        # Where the lid travels at all; nothing at the corners, where the lids meet still.
        self.columns = smoothstep(self.moved / max(float(travel.max()), 1e-6)) * self.inside
        # How far the lashes turn towards the outer corner and past it (:func:`blink_field`):
        # the shut line runs on with them (it faded out with the lid's travel there, and left a
        # light notch where the lashes turned wholly).
        beyond = self.outer * self.lx - self.width / 2
        self.turning = np.where(self.outer * self.lx > 0, np.clip(
            1.0 - beyond / (OUTER_REACH * self.width), 0.0, 1.0), 0.0)
        self.channels = list(colour)
        self.original = original
        self._xs, self._upper, self._lower = xs, upper, lower

    def from_the_eye(self, field: np.ndarray, grow: float, grow_below: float, reach: float
                     ) -> np.ndarray:
        """Per box pixel, whether the warp (``field``: backward, ``2×G×G``, grid px) took it
        from the open eye: between the lids as shot, grown by ``grow`` crop px above the upper
        and ``grow_below`` below the lower (past the corners, ``grow`` either side), no further
        than ``reach`` × the eye's width past its corners (where the lids are held at the
        corners' heights)."""
        shift = sample_window(np.moveaxis(field, 0, -1), self.cols / self.k, self.rows / self.k,
                              cv2.INTER_LINEAR) * self.k
        dx = self.cols + shift[..., 0] - self.origin[0]
        dy = self.rows + shift[..., 1] - self.origin[1]
        lx = dx * self.along[0] + dy * self.along[1]
        ly = dx * self.down[0] + dy * self.down[1]
        return ((np.abs(lx) <= (0.5 + reach) * self.width)
                & (ly > np.interp(lx, self._xs, self._upper) - grow)
                & (ly < np.interp(lx, self._xs, self._lower)
                   + np.where((lx < self._xs[0]) | (lx > self._xs[-1]), grow, grow_below)))

    def plate_at(self, x: np.ndarray, y: np.ndarray, how: int) -> np.ndarray:
        """The plate's colour channels at crop px ``(x, y)`` (any shape), by OpenCV's ``how``;
        only the window they fall in is read (the crop is planar: a copy of it all cost ~1 ms)."""
        return sample_window(self.original, x, y, how, self.channels)

    def at_columns(self, values: np.ndarray) -> np.ndarray:
        """Per box pixel (``…×C``), ``values`` (``N×C``, at the lid's positions along the eye)
        at its own position along the eye, linearly."""
        return np.stack([np.interp(self.lx, self._xs, v) for v in values.T], -1)

    def lash_roots(self) -> np.ndarray:
        """Per box pixel, the height (crop px, eye frame) of the open lash line's darkest row
        in its column (:meth:`_darkest_heights`)."""
        return np.interp(self.lx, self._xs, self._darkest_heights(self._xs, self._upper))

    def _darkest_heights(self, xs: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """Per position ``xs`` along the eye, the height (crop px, eye frame) of the open lash
        line's darkest row — the lash roots and any liner, which the mesh's lid contour (on the
        white of the eye's edge) can miss by a few pixels — searched from :data:`ROOTS_REACH`
        × the eye's width above the contour down to it (below it lies the iris), smoothed
        along the eye."""
        offsets = np.linspace(-ROOTS_REACH, 0.0, 13) * self.width
        heights = upper[None, :] + offsets[:, None]
        px = (self.origin + xs[None, :, None] * self.along
              + heights[..., None] * self.down)
        level = self.plate_at(px[..., 0], px[..., 1], cv2.INTER_LINEAR).mean(-1)
        darkest = heights[np.argmin(level, axis=0), np.arange(len(xs))]
        return cv2.GaussianBlur(darkest[None], (0, 0), 1.5, borderType=cv2.BORDER_REPLICATE)[0]

    def plate_blur(self) -> float:
        """How soft the plate is around the eye: the Gaussian blur (crop px) that, with a sharp
        plate's own (:data:`SHARP_BLUR`), makes its strongest edges as soft as they are — from
        how much a further 1 px blur lowers their gradient (a step blurred by σ keeps
        ``σ / √(σ² + 1)`` of it)."""
        # The box and as much again around it (the lid, the brow's edge, the cheek's).
        (y0, y1), (x0, x1) = ((w.start, w.stop) for w in self.window)
        grow = y1 - y0
        around = self.original[max(y0 - grow, 0):y1 + grow, max(x0 - grow, 0):x1 + grow]
        grey = np.ascontiguousarray(around[..., self.channels].mean(-1), np.float32)
        gradient = lambda image: np.hypot(cv2.Sobel(image, cv2.CV_32F, 1, 0),  # noqa: E731
                                          cv2.Sobel(image, cv2.CV_32F, 0, 1))
        sharp, blurred = gradient(grey), gradient(cv2.GaussianBlur(grey, (0, 0), 1.0))
        edges = sharp > np.percentile(sharp, 90)
        if not edges.any():
            return 0.0
        kept = min(float(blurred[edges].mean() / max(float(sharp[edges].mean()), 1e-12)), 0.99)
        sigma = kept / np.sqrt(1.0 - kept * kept)
        return float(np.sqrt(max(sigma * sigma - SHARP_BLUR * SHARP_BLUR, 0.0)))

    def sample(self, height: np.ndarray) -> np.ndarray:
        """The plate at eye-frame ``(lx, height)`` (crop px) for every box pixel, cubic."""
        px = self.origin + self.lx[..., None] * self.along + height[..., None] * self.down
        return self.plate_at(px[..., 0], px[..., 1], cv2.INTER_CUBIC)


def _resample_lid_lines(eye: _EyeCanvas, region: np.ndarray, field: np.ndarray) -> np.ndarray:
    """``region`` (the box of the warp, changed in place) re-sampled within :data:`RAMP` grid px
    of each lid line, where the up-sampled field's step squeezes the covered eye: each side
    takes the field from beyond the ramp on its own side, continued along its slope there (a
    lid's skin stretches linearly; a plain translation showed a pixel's worth of eye under a
    stretched lid), so a lid's edge is as sharp as the plate's. Lines closer than two reaches
    (a nearly shut eye, an eye closing part-way by its corners) are one seam, split at the lash
    line: what lies below it takes the lower side's field, the eye between the lines too (split
    at their middle, the eye between was cut away by the corners of an eye closing part-way — the
    lash line stepped down there and the white ended in a square notch; face 8 behind its
    frame, face 7, looked at 5×). Returns where it drew (0/1)."""
    line, edge, ly, reach = eye.line, eye.edge, eye.ly, eye.reach
    # Only the lower lid rose (AU06, AU07 without a blink): the upper lid has no step, and the
    # lower lid's own is the line however close the lids are.
    upper_moves = eye.closure > 0.0
    narrow = ((edge - line) < 2 * reach) & upper_moves
    upper_zone = ~narrow & (np.abs(ly - line) < reach) & upper_moves
    lower_zone = ~narrow & (np.abs(ly - edge) < reach)
    seam_zone = narrow & (ly > line - reach) & (ly < edge + reach)
    ramp = (upper_zone | lower_zone | seam_zone) & eye.inside & (eye.moved > 0)
    if not ramp.any():
        return ramp.astype(np.float32)
    grid_field = np.moveaxis(field, 0, -1)  # a view: only the ramp's window is read
    r, c, y = eye.rows[ramp], eye.cols[ramp], ly[ramp]
    split = np.where(upper_zone, line, np.where(lower_zone, edge, line))[ramp]
    top = np.where(lower_zone, edge - reach, line - reach)[ramp]
    below = np.where(upper_zone, line + reach, edge + reach)[ramp]

    # Each side takes the field beyond the ramp's boundary on its side (``near``) and a further
    # reach away (``far``), continued to the pixel along that slope; all four in one sampling.
    boundaries = np.stack((top, below))
    away = np.array([-reach, reach])[:, None]
    beyond = np.concatenate((boundaries, boundaries + away)) - y  # along down
    fields = sample_window(grid_field, (c + beyond * eye.down[0]) / eye.k,
                           (r + beyond * eye.down[1]) / eye.k, cv2.INTER_LINEAR) * eye.k
    near, far = fields[:2], fields[2:]
    shift = near + (near - far) * ((boundaries - y) / away)[..., None]
    sides = eye.plate_at(c + shift[..., 0], r + shift[..., 1], cv2.INTER_CUBIC)
    # The line anti-aliased: the pixel it crosses takes each side by its share.
    above = np.clip(0.5 - (y - split), 0.0, 1.0)[..., None]
    region[ramp] = above * sides[0] + (1.0 - above) * sides[1]
    return ramp.astype(np.float32)


#: The shade a lid casts on the eye under it: the light lost at a distance ``s`` below the lash
#: line (× the eye's opening) is ``LID_SHADE · exp(−s / LID_SHADE_REACH)``, from ``s`` =
#: LID_SHADE_FROM. Fitted on the whites of the shared faces' open eyes (20 faces, 80 columns at a
#: fifth of the eye's width from its corners; median light against the eye's middle: 0.46, 0.66,
#: 0.78, 0.85, 0.93 at 0.1–0.5 of the opening under the lid). Unshaded, the eye a partly closed
#: lid left open read as a flat band under a cut edge (a talking clip's narrow eyes: dark boxes of
#: iris; eyeliner over a bare white; looked at).
LID_SHADE, LID_SHADE_REACH, LID_SHADE_FROM = 0.86, 0.22, 0.05


def _shade_under_lid(eye: _EyeCanvas, region: np.ndarray) -> None:
    """``region`` (the box of the warp, changed in place) shaded under the lowered lash line as
    the lid shades the eye under it (:data:`LID_SHADE`): each pixel between the line and the
    lower lid by the shade at its distance from the line now over the shade it had as shot
    (the eye there stays where it was, at its distance from the lid as shot)."""
    below = eye.inside & (eye.ly > eye.line) & (eye.ly < eye.edge) & (eye.line > eye.U)
    if not below.any():
        return
    opening = max(eye.opening, 1e-6)

    def light(distance):
        s = np.maximum(distance / opening, LID_SHADE_FROM)
        return 1.0 - LID_SHADE * np.exp(-s / LID_SHADE_REACH)

    ly = eye.ly[below]
    shade = light(ly - eye.line[below]) / light(ly - eye.U[below])
    # (With the lid's travel: where it barely moved the eye keeps its own shade.)
    shade = 1.0 + eye.columns[below] * (shade - 1.0)
    region[below] *= shade[:, None].astype(np.float32)


def _draw_lid(eye: _EyeCanvas, region: np.ndarray, make_up: Callable[[], np.ndarray]
              ) -> tuple[np.ndarray, np.ndarray]:
    """The shut lid drawn into ``region`` (in place) from the crease to the lash line: the skin
    below the eye mirrored about the lower lid (:data:`DONOR_GAP`, :data:`DONOR_SCALE`), eased
    in with the closure (:data:`LID_FULL`) or the slid skin's magnification (:data:`MAGNIFIED`)
    and from the crease (:data:`LID_FADE`), in the colour
    of the lid's make-up (``make_up()``: :func:`lid_make_up`, read only for a lid drawn) as
    surely as it is one (:func:`make_up_strength`).
    Returns its soft mask and the colour of the skin it drew (``C``; the lashes are laid where
    darker than that, the shut line is its shadow) — None when it drew none: an eye this open
    has neither lashes to turn nor a white to cover (:data:`LID_FULL` < :data:`WHITE_FROM`, and
    the lashes turn from 60 % closed)."""
    ly, C, line = eye.ly, eye.C, eye.line
    ease = float(smoothstep(np.array((eye.closure - 0.3) / (LID_FULL - 0.3))))
    if eye.closure > 0.0:
        # Or as much as the skin the blink slides is magnified down to the line (a frame low
        # over the lid leaves it a thin strip; per column).
        magnified = (line - C) / np.maximum(eye.U - C - eye.lashes, 1e-6)
        ease = np.maximum(ease, smoothstep((magnified - MAGNIFIED[0])
                                           / (MAGNIFIED[1] - MAGNIFIED[0])))
    if not np.any(ease > 0.0):  # a lower lid raised alone, or a blink a third closed: none
        return np.zeros_like(ly), None
    # Down to the band of lashes the lid carries (its liner, its lashes standing up: as high as
    # they still stand, :func:`lash_tilt`), which stays: drawn over, a liner was wiped off the
    # lid but where the lid barely travels, a blob by the outer corner (looked at).
    band = eye.tilt * eye.lashes
    alpha = ease * eye.columns * smoothstep((ly - C) / np.maximum(LID_FADE * (line - C), 1e-6)) \
        * (1.0 - smoothstep((ly - line + band) / np.maximum(LASH_KEPT * band, 1.0)))
    gap = DONOR_GAP * max(eye.opening, 0.4 * eye.width)
    donor = eye.sample(eye.L + gap + DONOR_SCALE * (line - ly))
    # The donor gives the lid its texture (skin, grain) at the skin's median light: its own
    # broad light divided out, so a cheek's highlight or a dark circle is not drawn on the lid.
    soft = lambda image, sigma: cv2.GaussianBlur(image, (0, 0), sigma)  # noqa: E731
    broad = soft(donor, max(2.0, TEXTURE_SCALE * eye.opening))
    texture = np.clip(donor / np.maximum(broad, 1e-6), 0.0, TEXTURE_MAX)
    # What is not skin below the eye (a strand of hair, a glasses rim) gives way.
    alpha = alpha * soft(smoothstep((soft(texture.mean(-1), 2.0) - DONOR_DARK) / 0.15)
                         .astype(np.float32), 2.0)
    drawn = alpha > 0.5
    if not drawn.any():
        drawn = alpha > 0
    donor = texture * np.median(broad[drawn], axis=0) if drawn.any() else donor
    # The donor meets the warped lid at the crease and the corners: a smooth membrane of their
    # ratio, filled in from where the layer is absent above the line, as a gain within
    # LID_MATCH. Its colour (a lid's make-up) is taken whole; its level fades to half at the
    # lash line, so that the lid's lower half keeps the light of the skin it comes forward into.
    ratio = np.log(np.maximum(soft(region, 2.0), 1e-5) / np.maximum(soft(donor, 2.0), 1e-5))
    gain = membrane(np.clip(ratio, -LID_MATCH, LID_MATCH), (1.0 - alpha) * (ly < line))
    level = gain.mean(-1, keepdims=True)
    towards_line = 1.0 - 0.5 * smoothstep((ly - C) / np.maximum(line - C, 1e-6))
    # The lid's make-up (its colour against the skin below the eye, which the donor is) in place
    # of the skin's above the crease, from LID_COLOUR_FROM of the way down. Without one, the
    # skin's colour around the lid stays (as a lid is matched to it).
    make_up = make_up()
    share = smoothstep(((ly - C) / np.maximum(line - C, 1e-6) - LID_COLOUR_FROM)
                       / (LID_COLOUR_FULL - LID_COLOUR_FROM))[..., None] \
        * make_up_strength(make_up)
    colour = gain - level
    if share.any():
        hue = eye.at_columns(make_up)
        colour += share * (np.clip(hue, -MAKE_UP_MOST, MAKE_UP_MOST) - colour)
    donor *= np.exp(colour + level * towards_line[..., None])
    region += alpha[..., None] * (donor - region)
    middle = eye.columns > 0.5
    skin = np.median(donor[middle], axis=0) if middle.any() \
        else np.median(region.reshape(-1, region.shape[-1]), axis=0)
    return alpha, skin


def _shut_line_colour(roots: np.ndarray, skin_colour: np.ndarray) -> np.ndarray:
    """The shut lids' line (``…×C`` linear) from the open eye's lash roots as the plate shows
    them, smoothed (``roots``, ``…×C``) and the skin's colour (``C``).

    Seen end-on and pressed together, lashes are denser than standing up from the open eye: the
    line is at most :data:`SHUT_DARK` as light as the skin. Where the roots are that dark already
    (liner, black lashes, a painting's outline) it keeps their colour; where they are lighter it
    is the skin's shadow at that level — redder than the skin (light scattered under it), the
    skin's colour raised to :data:`SHADOW_HUE`."""
    skin = max(float(skin_colour.mean()), 1e-6)
    hue = np.maximum(skin_colour, 0.0) ** SHADOW_HUE
    shadow = hue * (SHUT_DARK * skin / max(float(hue.mean()), 1e-6))
    lighter = smoothstep(roots.mean(-1) / (SHUT_DARK * skin) - 0.5)[..., None]
    return roots + lighter * (shadow - roots)


def _draw_lashes(eye: _EyeCanvas, region: np.ndarray, skin_colour: np.ndarray | None
                 ) -> np.ndarray:
    """A shutting eye's lashes drawn into ``region`` (in place): the upper lashes turned down
    over the lower lid where darker than the skin (``skin_colour``, ``C``; :data:`LASH_HANG`,
    as they turn: :func:`lash_tilt`), and the lids' margins — the plate's lash roots, the
    darkest rows just above the old lash line — pressed into a line :data:`MARGIN` × the eye's
    width above the new one and :data:`MARGIN_BELOW` times that below it (thinner by the nose:
    :data:`MARGIN_INNER`), as dark as :func:`_shut_line_colour` makes it.
    Returns their soft mask."""
    if eye.tilt >= 1.0 or skin_colour is None:  # lashes as shot (the eye not yet 60 % closed)
        return np.zeros_like(eye.ly)
    t = eye.ly - eye.line
    skin = float(skin_colour.mean())
    darker = lambda px: np.clip((skin - px.mean(-1)) / max(0.5 * skin, 1e-6), 0.0, 1.0)  # noqa: E731
    alpha = np.zeros_like(t)
    hang = np.maximum(eye.hang, 1e-6)
    hanging = (t > 0) & (t < eye.hang) & eye.inside
    if hanging.any():
        lashes_px = eye.sample(eye.U - t * eye.lashes / hang)
        alpha = np.where(hanging, darker(lashes_px) * np.sqrt(np.clip(1 - t / hang, 0, 1)), 0.0) \
            * eye.columns
        region += alpha[..., None] * (lashes_px - region)
    # Thin by the inner corner, whole from MARGIN_FULL_AT of the way to the outer one.
    towards_outer = np.clip(0.5 + eye.outer * eye.lx / max(eye.width, 1e-6), 0.0, 1.0)
    taper = MARGIN_INNER + (1 - MARGIN_INNER) * smoothstep(towards_outer / MARGIN_FULL_AT)
    full_width = max(MARGIN * eye.width, 1.0)
    width = np.maximum(full_width * taper, 1.0)
    # Whole over the middle third of its half width; on a soft plate (a video frame, a lens's
    # focus: a crisp line read as drawn on) wider by twice the plate's blur, fading over all of it.
    soften = eye.plate_blur() if eye.tilt < 1.0 else 0.0
    side = np.where(t > 0, MARGIN_BELOW, 1.0)
    if soften > SOFT_PLATE:
        across = np.abs(t) / (width * side + 2 * soften)
        profile = 1 - smoothstep(across)
    else:
        across = np.abs(t) / (width * side)
        profile = 1 - smoothstep((across - MARGIN_CORE) / (1 - MARGIN_CORE))
    margin = (across < 1) & (eye.inside | (eye.turning > 0))
    if margin.any() and eye.tilt < 1.0:
        # The roots are read from the band they lie in as shot (ROOTS_READ), whatever the
        # width the margin is drawn at: read as wide, a liner was diluted by the lid's skin.
        read = ROOTS_READ / MARGIN
        roots = eye.sample(eye.lash_roots() + read * (0.5 * t - 0.5 * width))
        # The grain at the plate's own scale, from the roots and the lid just above them
        # (squeezed into the line's height, the lashes' strands drew a zipper).
        detail = eye.sample(eye.lash_roots() + t - width)
        grain = np.clip(detail / np.maximum(cv2.GaussianBlur(detail, (0, 0), 1.0), 1e-6),
                        1 - GRAIN_RANGE, 1 + GRAIN_RANGE)
        roots = _shut_line_colour(cv2.GaussianBlur(roots, (0, 0), read * full_width),
                                  skin_colour) \
            * grain
        # On nearer the corners than the lid (the lids meet in a line from corner to corner),
        # whole to the outer one and on past it over the lashes turned there, fading.
        margin_alpha = np.where(margin, profile, 0.0) * (1.0 - eye.tilt) \
            * np.maximum(smoothstep(3 * eye.columns), smoothstep(eye.turning))
        region += margin_alpha[..., None] * (roots - region)
        alpha = np.maximum(alpha, margin_alpha)
    return alpha


def _cover_white(eye: _EyeCanvas, region: np.ndarray, skin_colour: np.ndarray | None,
                 field: np.ndarray) -> np.ndarray:
    """The white of the eye a shut lid left open covered with the skin around it, in
    ``region`` (in place); returns where (a soft mask).

    On a turned face the mesh's eye corner can sit inside the white, and its contour below the
    lid's edge near the corner: the lids close on the contour and a wedge of white stays open
    at the corner (looked at on the shared clips). Once the eye shuts (from :data:`WHITE_FROM`
    closed), what is still lighter than :data:`WHITE_LIGHT` × the skin within the eye's band —
    from half its opening above the upper lid to a third below the lower, and
    :data:`WHITE_REACH` × its width past each corner, and brought there from the open eye
    (:meth:`_EyeCanvas.from_the_eye`), and on a colour plate paler than the skin
    (:data:`WHITE_PALER`) — takes a smooth fill of the skin around it
    (:func:`~atw_ofx.membrane.membrane`) with that skin's grain. ``field``: the backward field
    the crop was warped by (``2×G×G``, grid px)."""
    ease = float(smoothstep(np.array((eye.closure - WHITE_FROM) / (1.0 - WHITE_FROM))))
    if ease <= 0.0 or skin_colour is None:
        return np.zeros_like(eye.ly)
    # The eye's frame is centred on its corners' midpoint.
    near = ((np.abs(eye.lx) <= (0.5 + WHITE_REACH) * eye.width)
            & (eye.ly > eye.U - eye.opening / 2) & (eye.ly < eye.L + eye.opening / 3))
    near &= eye.from_the_eye(field, WHITE_GROW * eye.opening, WHITE_GROW_BELOW * eye.opening,
                             WHITE_REACH)
    skin = max(float(skin_colour.mean()), 1e-6)
    light = smoothstep((region.mean(-1) / skin - WHITE_LIGHT) / 0.3) * near
    # On a colour plate, a white is paler than the skin as well as lighter (pale skin under the
    # eye is as light on some faces, and its fill showed as a darker block).
    chroma = lambda rgb: (rgb.max(-1) - rgb.min(-1)) / np.maximum(rgb.max(-1), 1e-6)  # noqa: E731
    skin_chroma = float(chroma(skin_colour))
    if region.shape[-1] >= 3 and skin_chroma > WHITE_PALER_FROM:
        light = light * smoothstep((WHITE_PALER * skin_chroma - chroma(region))
                                   / (0.15 * skin_chroma))
    # A white is a patch, the skin's grain specks: only what survives an opening (by 2 px: a
    # wedge at the corner drawn thin by the lashes turning past it is still a patch), grown by a
    # pixel (the white's anti-aliased edge goes with it). Round kernels and a feathered edge:
    # square ones cut the fill as rectangles.
    disc = lambda side: cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))  # noqa: E731
    patches = cv2.morphologyEx((light > 0.5).astype(np.uint8), cv2.MORPH_OPEN, disc(2))
    if not patches.any():
        return np.zeros_like(eye.ly)
    light = light * cv2.dilate(patches, disc(5))
    light = cv2.GaussianBlur(cv2.dilate(light.astype(np.float32), disc(3)), (0, 0), 1.0)
    skin_around = (1.0 - np.clip(2 * light, 0, 1)).astype(np.float32)
    level = region.mean(-1) / skin
    known = (skin_around > 0.99) & (np.abs(level - 1.0) < 0.3)  # skin, not the line or lashes
    # Filled from the skin alone: with the shut line among what it is filled from, a white
    # under the line took its dark (blocks darker than the lid around them, looked at).
    fill = membrane(region, skin_around * known if known.sum() > 16 else skin_around)
    # With the skin's grain (its fine detail's spread, relative to its light): a smooth fill
    # read as a flat patch under the shut line.
    if known.sum() > 16:
        noise = grain_noise(region.shape[:2], int(known.sum()))
        fill = fill * (1.0 + relative_grain(region, known) * noise[..., None])
    alpha = ease * light
    region += alpha[..., None] * (fill - region)
    return alpha

