"""Glasses frames: found on a face, so that the face can move behind them while they stay.

A frame does not move with an expression, but the warp moves everything in the face: a blink or a
brow raise bent a rim crossing the lid into a V (looked at on the shared faces). The frame is
found from the landmarks and the image, at a working scale where the eyes are
:data:`WORK_EYE` px wide:

1. **the bridge** — a dark line across the nose between the eyes (:func:`bridge_strength`) — is
   the test for glasses at all: nothing else in a face draws one. On the shared faces and clips
   it reads 0.7–1.9 with glasses, at most 0.35 without (wrinkles at the nose's root);
2. **each rim**: the darkest closed path around the eye, outside the eye's contour (dynamic
   programming over a polar image centred on the eye), kept where it is darker than its
   surroundings (a half-rim frame has no lower rim); a rim whose top runs far higher over its
   eye than the other's took the brow over a bar close to the lid, and is found again below
   the other's (:func:`matched_tops`);
3. **the mask**: each rim's cross-section ray by ray (no thicker than :data:`RIM_THICKEST` × its
   median: a brow touching a top bar is not the bar) and the bridge's body between the lenses
   (not inside a rim's path: :func:`_inside_rims`), only their pixels darker than their
   surroundings (a morphological black-hat), the dark notches between them closed, grown by
   about a working pixel for their anti-aliased edges. The renderer lays the frame back by a
   matte of the mask's dark pixels (:func:`behind_frame`), so the skin the mask takes in moves
   with the face;
4. **light top bars** (translucent plastic over rims dark below the eyes,
   :func:`light_top_bars`): the darkest line above the eye is the brow resting on the bar, so
   the bar is placed inside it — from where it darkens outwards into the brow
   (:func:`light_bar_edge`), :data:`BAR_THICKNESS` × the rim's thickness inwards — and held by
   that place, with a soft edge, not by its dark (it has none to speak of); only where it is as
   light as the lid inside it (:func:`reads_as_bar`), else its rays are left out.

Light frames (clear plastic, thin silver wire) are not found: they show no dark line, and bend as
before; nor is a light top bar over rims no darker below the eyes. Coordinates: crop pixels,
centres at ``(j + 0.5, i + 0.5)``; landmarks any layout that :func:`~.layout.ibug68` reads.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np
from numba import njit

from ..membrane import membrane
from ..points import sample_points
from .layout import ibug68

#: The eyes' width at the working scale, px.
WORK_EYE = 64.0
#: The bridge's strength from which a face wears glasses (:func:`bridge_strength`).
BRIDGE_MIN = 0.5
#: The bridge's body: the rows round its darkest at least this share as strong (a flat plate
#: across the nose is a dozen working px tall, its darkest row by its lower edge: a band round
#: that row alone left the plate's top to move with the glabella, the bridge torn under a frown).
BRIDGE_BODY = 0.5
#: How dark a rim or bridge pixel is under its surroundings (black-hat over the local level)
#: to be part of the frame.
FRAME_CONTRAST = 0.12
#: Where a rim is looked for around each eye, × the eye's width from its centre; and how far
#: outside the eye's contour it must lie, below / to the sides and above the eye.
RIM_RADII = (0.3, 1.4)
RIM_CLEAR_BELOW, RIM_CLEAR_ABOVE = 0.25, 0.12
#: A rim's top this much further above its eye than the other's (× the eye's width) is found
#: again (:func:`matched_tops`), as close as RIM_CLEAR_TOP above the eye's contour.
TOP_MISMATCH, RIM_CLEAR_TOP = 0.2, 0.07
#: How far either side of a rim's path its pixels are taken, × the eye's width.
RIM_BAND = 0.06
#: Above the eye, a rim's cross-section ends outwards where the run round its path falls to
#: this share of the path's darkness (the bar's width at half its darkness): at FRAME_CONTRAST's
#: half alone, the brow's lowest hair resting on a dark top bar ran on from it, was held with it
#: and stayed along the bar as a ragged tuft while the brow rose (face 12, looked at 2×). Not
#: inwards nor elsewhere: the rims' soft edges went with the face there, and the frame with them
#: by the bridge.
RIM_EDGE = 0.5
#: A rim's cross-section at most this × its median all round (:func:`rim_sections`).
RIM_THICKEST = 1.4
#: Above the eyes, the rims' median contrast is at least this share of their median below the
#: eyes (measured on rims with at least RIM_MEASURED rays there), else their rays above fainter
#: than that are not frame (:func:`light_top_bars`).
RIM_RELATIVE, RIM_MEASURED = 0.72, 12
#: A light top bar's thickness, × the rim's median below the eye (:func:`rim_sections`): top
#: bars are thicker than the rims under the eye, and the bar's part left out moved with the lid
#: (a notch of skin under it, looked at).
BAR_THICKNESS = 2.0
#: How far inside the rim's path above the eye a light bar's outer edge is looked for, × the
#: frame's reach (:data:`RIM_BAND`): the brow the path found rests on the bar.
BAR_REACH = 3
#: The fewest rays on end that make a light bar (a run of 18°; a ray or two between dark ones
#: are the rim's path wandering onto the lid's crease, held still as a dark blob in a blink).
BAR_RUN = 6
#: How light a light bar is against the lid inside it, at least (:func:`reads_as_bar`).
BAR_LIGHTER = 0.94
#: The softness of a light bar's matte at its edges (:func:`find_frame`), working px (σ).
BAR_EDGE = 1.0
#: A lens's edge where no dark rim runs (a half-rim frame's lower edge, held by a thread; a
#: rimless lens): a thin line lighter than the skin behind it — at least LENS_EDGE_CONTRAST
#: lighter than its surroundings over their level (:func:`light_lines`) along a path round the
#: eye, on BAR_RUN rays on end beside and below it. Clip d13's half-rim lenses read 0.2–0.36
#: below the eyes; left to the warp, their edge bent and broke with a rising cheek (happy,
#: AU06; looked at 2×).
LENS_EDGE_CONTRAST = 0.15
#: ... looked for only round an eye whose rim is no rim beside and below it: the median
#: contrast there (:func:`dark_lines`) under HALF_RIM_DARK, and the light path's at least
#: LENS_EDGE_CONTRAST. The shared faces' full rims read 0.37–0.56 there (face 12's right eye 0.08,
#: its path lost, but no light edge either: 0.04), clip d13's half-rims 0.05–0.13; held round a
#: full rim, the path of most light took a lens's reflections, held in part (face 15).
HALF_RIM_DARK = 0.24
#: ... where the light path fades for at most this many rays on end, it goes on (its line is
#: there, fainter: held in dashes, the line's gaps went with a broad smile's cheek, d13@200).
LENS_EDGE_GAP = 6

#: Lenses this dark or darker against the nose's skin between them (each eye's surroundings'
#: median within LENS_READ × the eye's width, over the nose's below the bridge) are dark
#: glasses: the shared faces' eyes read 0.43–0.81 of it, with clear glasses or none; a pair of
#: sunglasses 0.13–0.14 (:func:`dark_lenses`).
DARK_LENS, LENS_READ = 0.3, 0.45
#: How far from its eye's centre a dark lens's outline is looked for (× the eye's width) up and
#: down, and sideways (between, as an ellipse): sunglasses reach ~2.1 eye widths out to the
#: temples, ~1.2 up and down.
LENS_REACH = (1.4, 2.4)

_ANGLES, _RADII = 120, 72
#: iBUG 68 indices: each eye's contour (image-left eye first) and the top of the nose's bridge.
_EYES = (range(36, 42), range(42, 48))
_NOSE_TOP = 27


class Frame(NamedTuple):
    """A glasses frame found on a face (:func:`find_frame`) at the output's size: where it
    covers the face (``covered``, bool), and of that its light top bars' matte (``bars``,
    float32 0–1: held by their place, as they are not darker than the skin), or None where it
    has none; the lenses' own edges (``edges``, bool: held by their light as well as their
    dark), or None; and where it hides the face rigidly (``rigid``, bool; None: all it covers)
    — not a lens's edge beyond the rims and bars: the skin behind a lens moves, seen through
    it."""

    covered: np.ndarray
    bars: np.ndarray | None
    edges: np.ndarray | None = None
    rigid: np.ndarray | None = None


def find_frame(grey: np.ndarray, landmarks: np.ndarray,
               size: tuple[int, int] | None = None) -> Frame | None:
    """Where a dark glasses frame covers the face in ``grey`` (``H×W`` float, display-encoded
    0–1, the face crop at any scale), as a :class:`Frame` of ``size`` (``(height, width)``,
    default ``grey``'s; the same view at that size); None when the face wears none (or its
    landmarks do not place the eyes). ``landmarks``: ``N×2`` on ``grey``'s pixels."""
    working = _working_scale(grey, landmarks)
    if working is None:
        return None
    small, points, eyes = working
    strength, bridge_line, bridge_height = bridge_strength(small, points)
    if strength < BRIDGE_MIN:
        return None
    response = dark_lines(small, WORK_EYE)
    mask = np.zeros(small.shape, np.uint8)
    rims = matched_tops(response, eyes, [find_rim(response, eye) for eye in eyes])
    light_top = light_top_bars(rims)
    edges = [None] * len(rims)
    if light_top:
        shades = [_polar(small, rim.centre, rim.angles, rim.radii) for rim in rims]
        edges = [light_bar_edge(shade, eye, rim) for shade, eye, rim in zip(shades, eyes, rims)]
        if not all(reads_as_bar(shade, rim, edge) for shade, rim, edge in zip(shades, rims, edges)):
            edges = [None] * len(rims)  # not held: its rays above the eyes left out, as before
    bars = np.zeros_like(mask)
    band = max(int(round(RIM_BAND * WORK_EYE)), 1)
    lenses = dark_lenses(small, points, eyes)
    if lenses is not None:
        # Dark lenses are held whole, by their place (the eye behind them does not show), with
        # the bridge between them; their frame is what lies along their outline, not the hair
        # the rims' path took over a top bar against a lens as dark as it (a brow raise opened
        # a black hole there, face 11). (Grown past the outline, the skin held beside the frame
        # stood as a ragged dark fringe along it while the brows rose.)
        cv2.polylines(lenses, [np.round(bridge_line - 0.5).astype(np.int32)], False, 1,
                      4 * band + 1)
        bars |= lenses
        near = cv2.dilate(lenses, np.ones((4 * band + 1, 4 * band + 1), np.uint8))
    # (Over light top bars the darkest line above the eyes is the brow resting on them.)
    traced = [] if lenses is not None else traced_bars(response, rims)
    for bar in [] if light_top else traced:
        cv2.polylines(mask, [np.round(bar - 0.5).astype(np.int32)], False, 1, 3)
    for rim, edge in zip(rims, edges):
        dark, light = rim_sections(rim, light_top, edge)
        for sections, into in ((dark, mask), (light, bars)):
            for section in sections:
                cv2.fillPoly(into, [np.round(section - 0.5).astype(np.int32)], 1)
    if lenses is not None:
        mask &= near
    bridge = np.zeros_like(mask)
    cv2.polylines(bridge, [np.round(bridge_line - 0.5).astype(np.int32)], False, 1,
                  int(round(bridge_height)) + 2 * band + 1)
    # Between the lenses only: as tall as its body, the band ran on into them by the inner
    # corners and took a lid's crease behind a lens for frame — held, it lay over the lid as a
    # torn dark patch when the eye shut (face 8).
    bridge[_inside_rims(rims, small.shape)] = 0
    mask |= bridge & (response > FRAME_CONTRAST)
    # Only the frame's own dark pixels: a lens's edge or skin kept still beside it tore the
    # moving face along the sections' outline.
    frame = (mask > 0) & (response > 0.5 * FRAME_CONTRAST)
    # Past each top bar, its end-piece.
    if lenses is None:
        frame |= end_pieces(small, rims, traced)
    frame = cv2.morphologyEx(frame.astype(np.uint8), cv2.MORPH_CLOSE,
                             np.ones((3, 3), np.uint8)).astype(bool)
    # Dark notches the parts left between them (where a top bar meets the bridge: a rim's path
    # cuts its corner) are frame too: left out, the glabella moving under a frown showed through
    # the bar as a ragged patch of skin (face 15).
    notches = cv2.morphologyEx(frame.astype(np.uint8), cv2.MORPH_CLOSE,
                               cv2.getStructuringElement(cv2.MORPH_ELLIPSE,
                                                         (2 * band + 1, 2 * band + 1)))
    frame |= notches.astype(bool) & (response > 0.5 * FRAME_CONTRAST)
    # So are small holes it closes round, whatever their light (a screw's glint on a bridge
    # showed the glabella moving through it).
    _, labels, stats, _ = cv2.connectedComponentsWithStats((~frame).astype(np.uint8), 4)
    left, top, wide, tall, area = stats.T
    holes = (area <= (2 * band + 1) ** 2) & (left > 0) & (top > 0) \
        & (left + wide < frame.shape[1]) & (top + tall < frame.shape[0])  # (not at the edge)
    holes[0] = False  # (label 0: the frame itself)
    frame |= holes[labels]
    if not frame.any() and not bars.any():
        return None
    # Back to the output's pixels, grown by about a working pixel for the anti-aliased edges.
    size = size or grey.shape[:2]
    full = _at_size(frame, size)
    # The lenses' own edges (none behind dark lenses, held whole).
    rimless = None if lenses is not None else lens_edges(small, eyes, rims)
    rimless = None if rimless is None or not rimless.any() else _at_size(rimless, size)
    rigid = None if rimless is None else full
    if rimless is not None:
        full = full | rimless
    if not bars.any():
        return Frame(full, None, rimless, rigid)
    # A light bar's matte by its place alone, soft at its edges (its edges are not dark; held
    # with a hard edge, the lid skin under it stepped where it met the moving lid).
    soft = cv2.GaussianBlur(bars.astype(np.float32), (0, 0), BAR_EDGE)
    height, width = size
    held = cv2.resize(np.clip(2.0 * soft - 0.5, 0.0, 1.0), (width, height),
                      interpolation=cv2.INTER_LINEAR)
    return Frame(full | (held > 0.0), held, rimless,
                 None if rigid is None else rigid | (held > 0.0))


def wears_dark_lenses(grey: np.ndarray, landmarks: np.ndarray) -> bool:
    """Whether the glasses on the face in ``grey`` (as :func:`find_frame` takes it) have dark
    lenses (:func:`lenses_dark`): the renderer then looks for their frame on a wider window
    (:func:`frame_window`'s ``lenses``)."""
    working = _working_scale(grey, landmarks)
    return working is not None and lenses_dark(*working)


def lenses_dark(small: np.ndarray, points: np.ndarray, eyes: list[np.ndarray]) -> bool:
    """Whether each eye's surroundings on the working-scale ``small`` (the median within
    :data:`LENS_READ` × the eye's width of its contour's middle, ``eyes``) are
    :data:`DARK_LENS` of the nose's skin below the bridge or darker (round the 68 ``points``'
    28 and 29)."""
    rows, columns = np.indices(small.shape) + 0.5

    def near(point: np.ndarray, reach: float) -> np.ndarray:
        return np.hypot(columns - point[0], rows - point[1]) < reach

    nose = small[near(points[28], 0.1 * WORK_EYE) | near(points[29], 0.1 * WORK_EYE)]
    if not len(nose) or not float(np.median(nose)) > 0.0:
        return False
    for eye in eyes:
        around = small[near(eye.mean(0), LENS_READ * WORK_EYE)]
        if not len(around) or float(np.median(around)) > DARK_LENS * float(np.median(nose)):
            return False
    return True


def dark_lenses(small: np.ndarray, points: np.ndarray, eyes: list[np.ndarray]
                ) -> np.ndarray | None:
    """Where dark lenses and the frame round them lie on the working-scale ``small`` (uint8,
    1 inside each lens's outline, :func:`lens_outline`), or None where the lenses are not dark
    (:func:`lenses_dark`; ``points``: the 68, ``eyes``: each eye's contour)."""
    if not lenses_dark(small, points, eyes):
        return None
    mask = np.zeros(small.shape, np.uint8)
    for eye in eyes:
        cv2.fillPoly(mask, [np.round(lens_outline(small, eye) - 0.5).astype(np.int32)], 1)
    return mask


def lens_outline(small: np.ndarray, eye: np.ndarray) -> np.ndarray:
    """The outer edge of a dark lens's frame around ``eye`` (its contour, working px) on
    ``small`` (``K×2`` working px, one point per ray): the closed path along which the light
    steps up most from inside out (the glasses against the skin, brow or hair round them),
    outside the eye's contour by :data:`RIM_CLEAR_BELOW` × its width and within
    :data:`LENS_REACH` (a dynamic programme over a polar image centred on the eye)."""
    centre = eye.mean(0)
    width = float(np.linalg.norm(eye[3] - eye[0]))
    angles = np.linspace(0.0, 2 * np.pi, _ANGLES, endpoint=False)
    radii = np.linspace(RIM_RADII[0], LENS_REACH[1], _RADII) * width
    polar = _polar(small, centre, angles, radii)
    step_up = polar[:, 2:] - polar[:, :-2]  # lighter outwards, across two radii
    inner = (_eye_radius(eye, centre, angles) + RIM_CLEAR_BELOW * width)[:, None]
    outer = (LENS_REACH[0] + (LENS_REACH[1] - LENS_REACH[0]) * np.cos(angles) ** 2)[:, None]
    allowed = (radii[None, 1:-1] >= inner) & (radii[None, 1:-1] <= outer * width)
    gain = np.where(allowed, np.clip(step_up, 0.0, None), -1.0)
    path = _closed_path(gain.astype(np.float32)) + 1
    ray = np.stack((np.cos(angles), np.sin(angles)), -1)
    return centre + ray * radii[path][:, None]


def frame_mask(grey: np.ndarray, landmarks: np.ndarray,
               size: tuple[int, int] | None = None) -> np.ndarray | None:
    """Where a glasses frame covers the face (:func:`find_frame`'s ``covered``), or None."""
    frame = find_frame(grey, landmarks, size)
    return None if frame is None else frame.covered


def _at_size(small: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A working-scale bool mask at ``size`` (``(height, width)``) px, grown by about a working
    pixel for the anti-aliased edges."""
    height, width = size
    full = cv2.resize(small.astype(np.float32), (width, height),
                      interpolation=cv2.INTER_LINEAR) > 0.2
    grow = max(int(round(1.5 * width / small.shape[1])), 1)
    return cv2.dilate(full.astype(np.uint8), cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))) > 0


def wears_glasses(grey: np.ndarray, landmarks: np.ndarray) -> bool:
    """Whether the face in ``grey`` (as :func:`frame_mask` takes it; only
    :func:`bridge_window` of it is read) wears a dark frame: its bridge's strength reaches
    :data:`BRIDGE_MIN` — :func:`frame_mask`'s first test, for a caller that reads that little
    of the image first (at 4K the whole search cost ~3 ms a frame without glasses)."""
    working = _working_scale(grey, landmarks)
    return working is not None and bridge_strength(*working[:2])[0] >= BRIDGE_MIN


def _working_scale(grey: np.ndarray, landmarks: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]] | None:
    """``grey`` resized so that the eyes are :data:`WORK_EYE` px wide, the 68-point view of
    ``landmarks`` and each eye's contour on it; None when the landmarks do not place the eyes."""
    points = ibug68(landmarks).astype(np.float64)
    width = float(np.mean([np.linalg.norm(points[ids[3]] - points[ids[0]]) for ids in _EYES]))
    if not np.isfinite(width) or width < 4:
        return None
    k = WORK_EYE / width
    small = cv2.resize(grey.astype(np.float32), None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    points = points * k
    return small, points, [points[list(ids)] for ids in _EYES]


def _nose_frame(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The nose's middle between the eyes (on the eyes' line, across from the top of the
    nose's bridge), the unit vectors along the eyes' line and down the face, and the eyes'
    distance, from the 68-point ``points``."""
    left, right = points[list(_EYES[0])].mean(0), points[list(_EYES[1])].mean(0)
    distance = float(np.linalg.norm(right - left))
    along = (right - left) / max(distance, 1e-9)
    down = np.array([-along[1], along[0]])
    middle = (left + right) / 2
    return middle + ((points[_NOSE_TOP] - middle) @ along) * along, along, down, distance


def bridge_window(landmarks: np.ndarray, size: int) -> tuple[int, int, int, int]:
    """The part of a ``size`` px square crop :func:`bridge_strength` reads, as ``(x0, y0, x1,
    y1)`` px: its rows and columns of the nose's frame with the reach of its closing and its
    level's blur, as a box square to the image (any roll), a little wider for the resizes."""
    middle, along, down, distance = _nose_frame(ibug68(landmarks))
    # Nose-frame px 93–108 across and 60–116 down (100 = the middle, 1 px = 1 % of the
    # distance), with the level's blur (σ 8, to 4σ as OpenCV cuts it) around them.
    corners = np.array([[u, v] for u in (-0.40, 0.41) for v in (-0.73, 0.49)]) * distance
    box = middle + corners[:, :1] * along + corners[:, 1:] * down
    lo = np.clip(np.floor(box.min(0)).astype(int) - 2, 0, size)
    hi = np.clip(np.ceil(box.max(0)).astype(int) + 2, 0, size)
    return int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1])


def frame_window(landmarks: np.ndarray, size: int, lenses: bool = False
                 ) -> tuple[int, int, int, int]:
    """The part of a ``size`` px square crop a frame can lie in: the eyes' box grown by as far
    as a rim is looked for (:data:`RIM_RADII`, RIM_BAND) — with dark ``lenses``, sideways as
    far as their outline is (:data:`LENS_REACH`, from the eye's middle) — as
    ``(x0, y0, x1, y1)`` px."""
    points = ibug68(landmarks)
    eyes = points[36:48]
    width = float(np.mean([np.linalg.norm(points[39] - points[36]),
                           np.linalg.norm(points[45] - points[42])]))
    sideways = max(RIM_RADII[1], LENS_REACH[1] - 0.5) if lenses else RIM_RADII[1]
    reach = np.array([sideways, RIM_RADII[1]]) * width + RIM_BAND * width + 2
    lo = np.floor(eyes.min(0) - reach).astype(int)
    hi = np.ceil(eyes.max(0) + reach).astype(int)
    x0, y0 = np.clip(lo, 0, size)
    x1, y1 = np.clip(hi, 0, size)
    return int(x0), int(y0), int(x1), int(y1)


def dark_lines(grey: np.ndarray, eye_width: float) -> np.ndarray:
    """How much darker each pixel of ``grey`` is than its surroundings, over their level: a
    morphological black-hat (the larger of two, at 0.14 and 0.24 of the eye's width: thin wire
    and thick plastic frames; not the iris or a brow's body), divided by the local level."""
    hat = np.zeros_like(grey)
    for share in (0.14, 0.24):
        side = max(int(share * eye_width) | 1, 3)
        element = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
        hat = np.maximum(hat, cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, element))
    return hat / np.maximum(_local_level(grey, 0.3 * eye_width), 1e-3)


def light_lines(grey: np.ndarray, eye_width: float) -> np.ndarray:
    """How much lighter each pixel of ``grey`` is than its surroundings, over their level: a
    morphological white-hat at 0.14 of the eye's width (a lens's polished edge catching the
    light is a line a pixel or two wide), divided by the local level."""
    side = max(int(0.14 * eye_width) | 1, 3)
    element = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    hat = cv2.morphologyEx(grey, cv2.MORPH_TOPHAT, element)
    return hat / np.maximum(_local_level(grey, 0.3 * eye_width), 1e-3)


def lens_edges(grey: np.ndarray, eyes: list[np.ndarray], rims: list[Rim]) -> np.ndarray:
    """Where the lenses' own edges lie in ``grey`` (the working image; ``H×W`` uint8, 0/1)
    beside and below each eye (``eyes``, their contours; ``rims``, the frame's round them) that
    has no rim there (:data:`HALF_RIM_DARK`): the path of most light round the eye
    (:func:`light_lines`, :func:`find_rim`) where it is at least :data:`LENS_EDGE_CONTRAST`
    light on :data:`BAR_RUN` rays on end, not above the eye (the top bar's) — a line a working
    pixel either side of the path. A rim's dark line may run beside it (a half-rim's lower edge
    reads both): held by its dark alone, the light line beside it went with the cheek and the
    edge broke."""
    mask = np.zeros(grey.shape, np.uint8)
    light = None  # (made only round a half-rim: most frames have full rims)
    for eye, rim in zip(eyes, rims):
        below = ~rim.above
        if np.median(rim.contrast[below]) >= HALF_RIM_DARK:
            continue
        light = light_lines(grey, WORK_EYE) if light is None else light
        edge = find_rim(light, eye)
        if np.median(edge.contrast[below]) < LENS_EDGE_CONTRAST:
            continue
        rays = below & (edge.contrast >= LENS_EDGE_CONTRAST)
        # (Gaps of a few rays bridged: left to the cheek, they broke the held line into dashes.)
        rays = below & ~_long_runs(~rays, LENS_EDGE_GAP + 1)
        step = np.pi / _ANGLES  # half the rays' spacing: neighbouring sections meet
        for i in np.nonzero(_long_runs(rays, BAR_RUN))[0]:
            path = edge.path[i]
            r0 = edge.radii[max(path - 1, 0)] - 0.5 * (edge.radii[1] - edge.radii[0])
            r1 = edge.radii[min(path + 1, _RADII - 1)] + 0.5 * (edge.radii[1] - edge.radii[0])
            sides = [np.array([np.cos(edge.angles[i] + d), np.sin(edge.angles[i] + d)])
                     for d in (-step, step)]
            quad = edge.centre + np.array([sides[0] * r0, sides[0] * r1, sides[1] * r1,
                                           sides[1] * r0])
            cv2.fillPoly(mask, [np.round(quad - 0.5).astype(np.int32)], 1)
    return mask


def _local_level(grey: np.ndarray, sigma: float) -> np.ndarray:
    """``grey``'s Gaussian blur of ``sigma`` px, made at a quarter of its size (it is smooth)."""
    h, w = grey.shape
    small = cv2.resize(grey, (max(w // 4, 1), max(h // 4, 1)), interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma / 4), (w, h),
                      interpolation=cv2.INTER_LINEAR)


def bridge_strength(grey: np.ndarray, points: np.ndarray
                    ) -> tuple[float, np.ndarray, float]:
    """How strongly a dark line crosses the nose between the eyes in ``grey`` (working scale,
    eyes :data:`WORK_EYE` wide; ``points``: the 68-point view on it), that line (``K×2`` px,
    along the middle of the bridge's body) and the body's height (px): across the nose's middle
    (±0.07 of the eyes' distance either side of its bridge), the darkest row's 40th percentile
    of horizontal-line contrast (a closing along the face's vertical, over the local level) — a
    bridge crosses the whole nose, wrinkles do not; its body the rows on end round it at least
    :data:`BRIDGE_BODY` as strong."""
    middle, along, down, distance = _nose_frame(points)
    # The nose's middle in its own frame: rows along the eyes' line, 1 px = 1 % of the distance.
    scale = 100.0 / distance
    frame = np.array([[along[0], along[1], 0.0], [down[0], down[1], 0.0]]) * scale
    frame[:, 2] = np.array([100.0, 100.0]) - frame[:, :2] @ middle
    upright = cv2.warpAffine(grey, frame, (200, 200), flags=cv2.INTER_AREA,
                             borderMode=cv2.BORDER_REPLICATE)
    closed = cv2.morphologyEx(upright, cv2.MORPH_CLOSE, np.ones((21, 1), np.uint8))
    contrast = (closed - upright) / np.maximum(_local_level(upright, 8.0), 1e-3)
    rows = np.arange(60, 116)  # 0.40 above the eyes' line to 0.15 below it
    strength = np.percentile(contrast[rows][:, 93:108], 40, axis=1)
    top = bottom = int(np.argmax(strength))
    body = strength >= BRIDGE_BODY * strength[top]
    while top > 0 and body[top - 1]:
        top -= 1
    while bottom < len(rows) - 1 and body[bottom + 1]:
        bottom += 1
    # The line across the nose between the inner corners, back on the working image.
    inner = [(points[list(ids)] - middle) @ along for ids in _EYES]
    span = np.linspace(inner[0].max(), inner[1].min(), 9)
    line = middle + span[:, None] * along + ((rows[top] + rows[bottom]) / 2 - 100) / scale * down
    return float(strength.max()), line, (bottom - top) / scale


@dataclass
class Rim:
    """The rim found around one eye: its path over a polar image centred on the eye
    (:func:`find_rim`), in working px."""

    centre: np.ndarray  # 2: the eye's centre, the rays' origin
    angles: np.ndarray  # A: each ray's angle (radians, image axes)
    radii: np.ndarray  # R: the distances sampled along each ray, px
    polar: np.ndarray  # A×R: the frame's contrast (dark_lines) along the rays
    path: np.ndarray  # A: the radius index the rim's path takes on each ray
    width: float  # the eye's width, px

    @property
    def reach(self) -> int:
        """A frame's own thickness either side of its path (:data:`RIM_BAND` × the eye's width)
        in steps along a ray, at least one."""
        return max(int(round(RIM_BAND * self.width / (self.radii[1] - self.radii[0]))), 1)

    @property
    def contrast(self) -> np.ndarray:
        """The contrast under the path on each ray (``A``)."""
        return self.polar[np.arange(len(self.angles)), self.path]

    @property
    def above(self) -> np.ndarray:
        """Which rays (``A`` bool) rise above the eye (more than 17° from level)."""
        return np.sin(self.angles) < -0.3

    def top_and_bottom(self) -> tuple[float, float] | None:
        """The path's median contrast on the rim's rays above the eye and on those below it
        (where it is frame), or None when too few rays below the eye are (a half-rim)."""
        on_rim = self.contrast > FRAME_CONTRAST
        above, below = on_rim & self.above, on_rim & (np.sin(self.angles) > 0.3)
        if below.sum() < RIM_MEASURED or not above.any():
            return None
        return float(np.median(self.contrast[above])), float(np.median(self.contrast[below]))


def find_rim(response: np.ndarray, eye: np.ndarray, top: float | None = None) -> Rim:
    """The rim around ``eye`` (its contour, ``6×2`` working px) in ``response``
    (:func:`dark_lines`): the closed path of most contrast outside the eye's contour (a dynamic
    programme over a polar image centred on the eye). ``top`` (× the eye's width from its
    centre): above the eye the path lies no further out than that, and may come as close to
    the eye as :data:`RIM_CLEAR_TOP` (:func:`matched_tops`)."""
    centre = eye.mean(0)
    width = float(np.linalg.norm(eye[3] - eye[0]))
    angles = np.linspace(0.0, 2 * np.pi, _ANGLES, endpoint=False)
    radii = np.linspace(*RIM_RADII, _RADII) * width
    polar = _polar(response, centre, angles, radii)
    # Outside the eye: its contour's radius along each ray, plus the clearance.
    eye_radius = _eye_radius(eye, centre, angles)
    above = np.sin(angles) <= -0.5
    clear = np.where(above, RIM_CLEAR_ABOVE if top is None else RIM_CLEAR_TOP,
                     RIM_CLEAR_BELOW) * width
    allowed = radii[None, :] >= (eye_radius + clear)[:, None]
    if top is not None:
        allowed &= ~above[:, None] | (radii[None, :] <= top * width)
    path = _closed_path(np.where(allowed, np.minimum(polar, 0.5), -1.0).astype(np.float32))
    return Rim(centre, angles, radii, polar, path, width)


def _eye_radius(eye: np.ndarray, centre: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """How far from ``centre`` the eye's contour (``K×2``) lies along each of ``angles`` (its
    points' radii interpolated by their angle)."""
    offset = eye - centre
    contour_angle = np.arctan2(offset[:, 1], offset[:, 0]) % (2 * np.pi)
    order = np.argsort(contour_angle)
    a, r = contour_angle[order], np.hypot(offset[order, 0], offset[order, 1])
    return np.interp(angles, np.concatenate((a - 2 * np.pi, a, a + 2 * np.pi)), np.tile(r, 3))


def _polar(image: np.ndarray, centre: np.ndarray, angles: np.ndarray, radii: np.ndarray
           ) -> np.ndarray:
    """``image`` (``H×W``) sampled along rays from ``centre`` (``A×R``: ``angles`` by ``radii``,
    bilinear; 0 outside the image)."""
    ray = np.stack((np.cos(angles), np.sin(angles)), -1)
    xy = centre + ray[:, None, :] * radii[None, :, None]
    return cv2.remap(image.astype(np.float32), xy[..., 0].astype(np.float32) - 0.5,
                     xy[..., 1].astype(np.float32) - 0.5, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)


def _inside_rims(rims: list[Rim], shape: tuple[int, int]) -> np.ndarray:
    """Where the lenses are (``shape`` bool, working px): inside each rim's path, a frame's own
    thickness in from it (:attr:`Rim.reach`)."""
    inside = np.zeros(shape, np.uint8)
    for rim in rims:
        radius = rim.radii[np.maximum(rim.path - rim.reach, 0)]
        ray = np.stack((np.cos(rim.angles), np.sin(rim.angles)), 1)
        cv2.fillPoly(inside, [np.round(rim.centre + radius[:, None] * ray - 0.5).astype(np.int32)],
                     1)
    return inside.astype(bool)


def top_of(rim: Rim) -> float:
    """How far above the eye ``rim``'s path runs: its median radius on the rays within 37° of
    straight up (working px)."""
    up = np.sin(rim.angles) < -0.8
    return float(np.median(rim.radii[rim.path[up]]))


def matched_tops(response: np.ndarray, eyes: list[np.ndarray], rims: list[Rim]) -> list[Rim]:
    """``rims`` (one frame's, each around its eye in ``eyes``) with a top that runs much
    further above its eye than the other's (:data:`TOP_MISMATCH` × the eyes' mean width) found
    again no higher than the other's and as close to its eye as :data:`RIM_CLEAR_TOP` — where
    it is frame there (the path's contrast above the eye at least the first's): a thin bar
    running close over one eye was left for the brow above it, which was then held still as
    frame (a brow raise left it behind) and the bar drawn over by a closing lid — in a sixth of
    a clip's frames (a wire frame, looked at)."""
    if len(rims) != 2:
        return rims
    tops = [top_of(rim) for rim in rims]
    width = (rims[0].width + rims[1].width) / 2
    high = int(np.argmax(tops))
    if tops[high] - tops[1 - high] < TOP_MISMATCH * width:
        return rims
    again = find_rim(response, eyes[high],
                     (tops[1 - high] + 2 * RIM_BAND * width) / rims[high].width)
    up = np.sin(again.angles) < -0.5
    if np.median(again.contrast[up]) < np.median(rims[high].contrast[up]):
        return rims
    return [again if i == high else rim for i, rim in enumerate(rims)]


#: How far a top bar is followed past its rim's path, × the eye's width, and how steeply it may
#: run, rows a column (:func:`traced_bars`: top bars run about level, to their hinges).
BAR_TRACE, BAR_SLOPE = 1.0, 0.5
#: A top bar is followed from a ray where the rim's path is this × FRAME_CONTRAST at least.
BAR_START = 2.0


def traced_bars(response: np.ndarray, rims: list[Rim]) -> list[np.ndarray]:
    """Each rim's top bar past its path (``K×2`` working px, a point a column), followed along its
    dark line in ``response`` (:func:`dark_lines`), a row up or down a column at most: from the
    outermost ray above the eye where the rim's path is clearly frame (contrast over
    :data:`BAR_START` × :data:`FRAME_CONTRAST`) outwards while the line stays over half
    :data:`FRAME_CONTRAST` and runs about level (to the hinge; no further than
    :data:`BAR_TRACE` eye widths). Around the eye the path leaves
    a wide lens's bar before its end (it is looked for within :data:`RIM_RADII`): held only up to
    there, the bar stepped at both ends under a brow raise or a frown (a wire half-rim frame on
    clip d13, looked at). Followed inwards too, between the path's dashes, the line left a round
    rim for the lid's crease inside the lens (face 12), so it is not."""
    if len(rims) != 2:
        return []
    bars = []
    for rim, other in zip(rims, rims[::-1]):
        outward = 1 if rim.centre[0] >= other.centre[0] else -1
        outer = _outermost_on_bar(rim, outward)
        if outer is None:
            continue
        points = _follow(response, outer, outward, int(BAR_TRACE * rim.width),
                         0.5 * FRAME_CONTRAST)
        if len(points) > 1:
            bars.append(points + 0.5)  # (pixel centres)
    return bars


def _outermost_on_bar(rim: Rim, outward: int) -> np.ndarray | None:
    """The outermost point (``2``, working px; ``outward`` ±1 along x) of ``rim``'s path on its
    rays above the eye where the path is clearly frame (:data:`BAR_START` ×
    :data:`FRAME_CONTRAST`: a ray just frame may be a fainter line beside the bar, the path
    wandering off its end), or None where there is none."""
    above = rim.above & (rim.contrast > BAR_START * FRAME_CONTRAST)
    if not above.any():
        return None
    rays = np.flatnonzero(above)
    on_path = rim.centre + rim.radii[rim.path[rays], None] * np.stack(
        (np.cos(rim.angles[rays]), np.sin(rim.angles[rays])), 1)
    return on_path[np.argmax(outward * on_path[:, 0])]


#: A frame's end-pieces (the blocks its hinges sit in, past each top bar's outer end): the
#: dark pixels (under END_DARK of the local level) joined to where the bar ends, within
#: END_PIECE eye widths outwards and END_BAND up and down (the block hangs below the bar's end:
#: cut at 0.1 below, its lower part, left to the face, tore from it under a frown). A block is
#: too wide for the rims' line response (:func:`dark_lines`) to take it whole, and a traced bar
#: stops at it: a brow raise or a frown drew the end-pieces of faces 8 and 12 up or down into
#: dark smears at the temples, the arm bent from them (looked at 2.5×).
END_PIECE, END_BAND, END_DARK = 0.45, (0.1, 0.25), 0.7
#: ... where they make a block this thick (the largest distance inside it to its edge, eye
#: widths): faces 8 and 12 read 0.14 and 0.23, a thin temple drawn on the demo portrait (with
#: the hair it runs into) 0.05–0.06 — held, the fill behind it showed beside it as the skin
#: round it moved.
END_THICK = 0.1


def end_pieces(grey: np.ndarray, rims: list[Rim], traced: list[np.ndarray]) -> np.ndarray:
    """The frame's end-pieces in ``grey`` (the working image; ``H×W`` bool): past each of the
    two ``rims``' outer side, from where its top bar ends — the end of its ``traced`` bar
    (:func:`traced_bars`) on that side, else the rim's path where it is outermost on its bar
    (:func:`_outermost_on_bar`) — the dark pixels joined to it within
    :data:`END_PIECE` eye widths outwards and :data:`END_BAND` up and down, where they make a
    block (:data:`END_THICK`)."""
    out = np.zeros(grey.shape, bool)
    if len(rims) != 2:
        return out
    dark = grey < END_DARK * _local_level(grey, 0.3 * WORK_EYE)
    h, w = grey.shape
    for rim, other in zip(rims, rims[::-1]):
        outward = 1 if rim.centre[0] >= other.centre[0] else -1
        ends = [bar[-1] - 0.5 for bar in traced if outward * (bar[-1][0] - rim.centre[0]) > 0]
        start = ends[0] if ends else _outermost_on_bar(rim, outward)
        if start is None:
            continue
        x, y = int(round(start[0])), int(round(start[1]))
        reach = int(END_PIECE * rim.width)
        up, down = (max(int(share * rim.width), 1) for share in END_BAND)
        xa, xb = sorted((x, x + outward * reach))
        xa, xb, ya, yb = max(xa, 0), min(xb + 1, w), max(y - up, 0), min(y + down + 1, h)
        if xb <= xa or yb <= ya or not (xa <= x < xb and ya <= y < yb):
            continue
        _, labels = cv2.connectedComponents(dark[ya:yb, xa:xb].astype(np.uint8), connectivity=8)
        # (Joined to the bar's end: the labels within two px of it.)
        seeds = labels[max(y - ya - 2, 0):y - ya + 3, max(x - xa - 2, 0):x - xa + 3]
        block = np.isin(labels, seeds[seeds > 0])
        # A block, not a thin temple running on from the bar (held, the skin the rig moves
        # beside it showed what lies behind it: the fill).
        if cv2.distanceTransform(block.astype(np.uint8), cv2.DIST_L2, 3).max() \
                >= END_THICK * rim.width:
            out[ya:yb, xa:xb] |= block
    return out


def _follow(response: np.ndarray, start: np.ndarray, step: int, columns: int,
            least: float) -> np.ndarray:
    """Points (``K×2``, integer px) along ``response``'s darkest line from ``start``, a column
    at a time in ``step`` (±1) for at most ``columns`` columns, each at the line's row within
    one of the last; stopping where it is no more than ``least``, off the image, or turning
    away from a bar's run (more than :data:`BAR_SLOPE` rows a column from ``start``, a pixel or
    two aside: a round rim's side, a hinge, a lid's crease inside a lens)."""
    h, w = response.shape
    x0, y0 = int(np.floor(start[0])), int(np.floor(start[1]))
    x, y = x0, y0
    points = []
    for _ in range(columns + 1):
        if not (0 <= x < w and 0 <= y < h):
            break
        rows = np.arange(max(y - 1, 0), min(y + 2, h))
        y = int(rows[np.argmax(response[rows, x])])
        if response[y, x] <= least or abs(y - y0) > BAR_SLOPE * abs(x - x0) + 2:
            break
        points.append((x, y))
        x += step
    return np.array(points, np.float64).reshape(-1, 2)


def light_top_bars(rims: list[Rim]) -> bool:
    """Whether a frame's top bars are light (translucent plastic) though its rims below the
    eyes are dark: the paths' median contrast above the eyes under :data:`RIM_RELATIVE` of it
    below them, pooled over the rims (one frame, one material; a rim alone read near the
    threshold under a px of landmark jitter). Then the darkest line above each eye is the brow
    resting on the bar."""
    measured = [m for m in (rim.top_and_bottom() for rim in rims) if m is not None]
    if not measured:
        return False
    top, bottom = np.mean(measured, axis=0)
    return bool(top < RIM_RELATIVE * bottom)


def light_bar_edge(shade: np.ndarray, eye: np.ndarray, rim: Rim) -> np.ndarray:
    """Where a light top bar (:func:`light_top_bars`) ends on each of ``rim``'s rays: the
    radius index (``A``) of its outer edge, where it darkens outwards (``shade``: the working
    image's light along the rim's rays, ``A×R``) into the brow resting on it — a closed path
    (as :func:`find_rim`'s) inside the rim's path, within :data:`RIM_BAND` of it beside and
    below the eye and :data:`BAR_REACH` × that above it (the path there lies on the brow), clear
    of the eye (:data:`RIM_CLEAR_TOP`; the lid's crease darkens outwards too)."""
    darkening = np.zeros_like(shade)
    darkening[:, 1:-1] = shade[:, :-2] - shade[:, 2:]
    reach = rim.reach
    index = np.arange(_RADII)[None, :]
    clear = _eye_radius(eye, rim.centre, rim.angles) + RIM_CLEAR_TOP * rim.width
    path = rim.path[:, None]
    allowed = (index <= path) & (rim.radii[None, :] >= clear[:, None]) & (
        index >= path - np.where(rim.above, BAR_REACH * reach, reach)[:, None])
    return _closed_path(np.where(allowed, darkening, -1.0).astype(np.float32))


def light_rays(rim: Rim) -> np.ndarray:
    """The rays (``A`` bool) of ``rim`` that a light top bar crosses (:func:`light_top_bars`):
    above the eye and fainter than :data:`RIM_RELATIVE` of its median below it — none where that
    is not measured."""
    measured = rim.top_and_bottom()
    if measured is None:
        return np.zeros(len(rim.angles), bool)
    return rim.above & (rim.contrast < RIM_RELATIVE * measured[1])


def reads_as_bar(shade: np.ndarray, rim: Rim, edge: np.ndarray) -> bool:
    """Whether what lies inside ``edge`` (:func:`light_bar_edge`) on ``rim``'s light rays reads
    as a light bar (``shade``: the working image's light along the rim's rays, ``A×R``): the
    median over those rays of its light (2 × :data:`RIM_BAND` inside the edge) is at least
    :data:`BAR_LIGHTER` of the light as far again inside — a translucent bar catches the light,
    the lid skin under it is in its shade (face 8: 1.0–1.2). On a thin wire frame whose faint top
    set :func:`light_top_bars` off (6 % of clip d13's frames) it is the skin under the brow, in
    the brow's shade (0.82–0.90), and held there it held the brow's edge: the brow did not rise
    in those frames. True where there are no light rays."""
    light = light_rays(rim)
    if not light.any():
        return True
    reach = rim.reach
    ratios = []
    for i in np.nonzero(light)[0]:
        bar = shade[i, max(edge[i] - 2 * reach, 0):max(edge[i], 1)].mean()
        inside = shade[i, max(edge[i] - 4 * reach, 0):max(edge[i] - 2 * reach, 1)].mean()
        ratios.append(bar / max(inside, 1e-6))
    return bool(np.median(ratios) >= BAR_LIGHTER)


def rim_sections(rim: Rim, light_top: bool = False, bar_edge: np.ndarray | None = None
                 ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``rim`` (:func:`find_rim`) as quadrilaterals (``4×2`` working px each) covering its
    cross-section ray by ray: on each ray the run of pixels around the path darker than their
    surroundings — outwards above the eye only while at least :data:`RIM_EDGE` as dark-lined as
    the path — up to :data:`RIM_BAND` × the eye's width either side: a frame's own thickness,
    not the brow it may touch. Rays where the path is not darker than
    :data:`FRAME_CONTRAST` (a half-rim frame has no lower rim) have none. With ``light_top``
    (:func:`light_top_bars`), its rays above the eye fainter than :data:`RIM_RELATIVE` of its
    median below it are a light bar's: there the darkest line is the brow resting on the bar
    (taken for frame, the brow's lower band stayed while the rest moved — a jagged fringe under
    a frown; left to bend with the face, the bar tore from the dark rims held beside it under a
    raise). Given ``bar_edge`` (:func:`light_bar_edge`), their sections, where they run on for
    :data:`BAR_RUN` rays, are the bar's: from within that edge inwards, :data:`BAR_THICKNESS` ×
    the rim's median thick, returned apart — the frame's dark sections, then the light bar's."""
    polar, path, radii, angles = rim.polar, rim.path, rim.radii, rim.angles
    reach = rim.reach
    inner, outer = path.copy(), path.copy()
    dark = polar > 0.5 * FRAME_CONTRAST
    # Outwards above the eye, where a brow may rest on the bar: only as far as its darkness holds.
    below_brow = dark & ~(rim.above[:, None]
                          & (polar <= RIM_EDGE * polar[np.arange(_ANGLES), path][:, None]))
    for i in range(_ANGLES):
        while inner[i] > max(path[i] - reach, 0) and dark[i, inner[i] - 1]:
            inner[i] -= 1
        while outer[i] < min(path[i] + reach, _RADII - 1) and below_brow[i, outer[i] + 1]:
            outer[i] += 1
    contrast = rim.contrast
    on_rim = contrast > FRAME_CONTRAST
    light = np.zeros_like(on_rim)
    if light_top:
        light = light_rays(rim)
        on_rim &= ~light
        light = _long_runs(light, BAR_RUN)  # a bar spans an arc: a ray or two are the lid's
    # A rim is about as thick all round: where its run reaches much further out, something dark
    # touches it (a brow on a top bar — held with the frame, the brow's lower edge stayed while
    # the rest rose). Cut at RIM_THICKEST × the rim's median from its inner edge (the lid side,
    # where skin meets it cleanly).
    if on_rim.any():
        median = np.median(outer[on_rim] - inner[on_rim] + 1)
        outer = np.minimum(outer, inner + int(np.ceil(RIM_THICKEST * median)) - 1)
        if bar_edge is not None:
            # (The edge's ray pixel lies between bar and brow: the bar ends before it.)
            thick = int(round(BAR_THICKNESS * median))
            inner = np.where(light, np.maximum(bar_edge - thick, 0), inner)
            outer = np.where(light, np.maximum(bar_edge - 1, 0), outer)
    if bar_edge is None or not on_rim.any():
        light[:] = False
    step = np.pi / _ANGLES  # half the rays' spacing: neighbouring sections meet
    dark, bar = [], []
    for i in np.nonzero(on_rim | light)[0]:
        r0, r1 = radii[inner[i]] - 0.5 * (radii[1] - radii[0]), radii[outer[i]] + 0.5 * (
            radii[1] - radii[0])
        sides = [np.array([np.cos(angles[i] + d), np.sin(angles[i] + d)]) for d in (-step, step)]
        (bar if light[i] else dark).append(rim.centre + np.array(
            [sides[0] * r0, sides[0] * r1, sides[1] * r1, sides[1] * r0]))
    return dark, bar


def _long_runs(flags: np.ndarray, least: int) -> np.ndarray:
    """``flags`` (``A`` bool, round a circle) where they run on for at least ``least``."""
    if flags.all() or not flags.any():
        return flags.copy()
    start = int(np.argmin(flags))  # a False: no run wraps past it
    rolled = np.roll(flags, -start)
    edges = np.diff(np.concatenate(([0], rolled.astype(np.int8), [0])))
    out = np.zeros_like(rolled)
    for first, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        out[first:stop] = stop - first >= least
    return np.roll(out, start)


@njit(cache=True)
def _closed_path(gain: np.ndarray, step: int = 2, jump_cost: float = 0.01) -> np.ndarray:
    """The radius index per angle (``A``) of the most rewarding path around ``gain`` (``A×R``
    float32) moving at most ``step`` radii per angle: a dynamic programme over two laps, the
    second lap read back (its start no longer depends on where the first began)."""
    count, depth = gain.shape
    score = gain[0].astype(np.float64)
    back = np.zeros((2 * count, depth), np.int64)
    for a in range(1, 2 * count):
        new = np.empty(depth)
        for r in range(depth):
            best, arg = -np.inf, r
            for d in range(-step, step + 1):
                source = r - d
                if 0 <= source < depth:
                    candidate = score[source] - jump_cost * abs(d)
                    if candidate > best:
                        best, arg = candidate, source
            new[r] = best + gain[a % count, r]
            back[a, r] = arg
        score = new
    path = np.zeros(2 * count, np.int64)
    path[-1] = np.argmax(score)
    for a in range(2 * count - 1, 0, -1):
        path[a - 1] = back[a, path[a]]
    return path[count:]


#: The side the smooth part of the fill behind a frame is made at (the frame's pixels only).
FILL_SIDE = 256


#: How much darker than the skin around it (a share of the skin's light) a pixel under the
#: frame's mask is held not at all, and wholly (:func:`behind_frame`'s matte).
FRAME_MATTE = (0.1, 0.4)


def behind_frame(image: np.ndarray, frame: np.ndarray, held: np.ndarray | None = None,
                 lit: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``image`` (``H×W×C`` float32) with the pixels under ``frame`` (``H×W`` bool) filled in
    from the face around them, and the frame's matte (``H×W`` float32, 0–1); ``held`` (``H×W``
    float, 0–1, none outside ``frame``; None: none): the light bars' matte, frame whatever
    their light; ``lit`` (``H×W`` bool; None: none): the lenses' edges, frame as much as they
    are lighter than the fill as well as darker.

    The fill is what the warp carries instead of the frame (in proportion to the matte), so that
    a moving lid or brow does not drag the frame's dark line with it: the light and colour a
    smooth fill from around
    (:func:`~atw_ofx.membrane.membrane`, made at about :data:`FILL_SIDE` px), the texture and
    grain the skin's beside the frame (its fine detail, from the nearest of a few offsets past
    the frame's thickness that is not frame). Elsewhere the image is as it was (a copy).

    The matte is how much of each pixel is frame — what the renderer lays back over the warped
    face: under the mask, by how much darker (on a lens's edge, or lighter) the pixel is than
    that smooth light (:data:`FRAME_MATTE`). The mask is grown for the frame's edges and can take
    in skin beside it; held whole, that skin stayed while the skin around it moved and drew the
    mask's outline.
    """
    out = image.reshape(image.shape[:2] + (-1,)).copy()
    alpha = np.zeros(frame.shape, np.float32)
    ys, xs = np.nonzero(frame)
    if not len(ys):
        return out.reshape(image.shape), alpha
    thickness = cv2.distanceTransform(frame.astype(np.uint8), cv2.DIST_L2, 3).max()
    reach = int(np.ceil(2 * thickness)) + 2
    pad = 2 * reach
    y0, y1 = max(ys.min() - pad, 0), min(ys.max() + pad + 1, frame.shape[0])
    x0, x1 = max(xs.min() - pad, 0), min(xs.max() + pad + 1, frame.shape[1])
    box, covered = out[y0:y1, x0:x1], frame[y0:y1, x0:x1]
    # The light: a smooth fill from the pixels with none of the frame in them.
    k = min(1.0, FILL_SIDE / max(box.shape[:2]))
    small_size = (max(int(round(box.shape[1] * k)), 1), max(int(round(box.shape[0] * k)), 1))
    small = cv2.resize(box, small_size, interpolation=cv2.INTER_AREA).reshape(
        small_size[1], small_size[0], -1)
    known = cv2.resize(covered.astype(np.float32), small_size, interpolation=cv2.INTER_AREA) == 0
    light = cv2.GaussianBlur(membrane(small, known.astype(np.float32)), (0, 0), 1.0)
    # Up-sampled only where it is taken: at the frame's pixels.
    cy, cx = np.nonzero(covered)
    light = sample_points(light.reshape(small.shape), (cx + 0.5) * k, (cy + 0.5) * k,
                          cv2.INTER_LINEAR)
    # The texture: the fine detail of the skin beside the frame, at most twice its thickness
    # away, on the first side that is not frame.
    detail = box - cv2.GaussianBlur(box, (0, 0), 2.0).reshape(box.shape)
    texture = np.zeros((len(cy), box.shape[2]), np.float32)
    todo = np.ones(len(cy), bool)
    h, w = covered.shape
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1), (-2, 0), (2, 0), (0, -2), (0, 2)):
        sy, sx = cy + dy * reach, cx + dx * reach
        inside = (sy >= 0) & (sy < h) & (sx >= 0) & (sx < w)
        take = todo & inside
        take[take] = ~covered[sy[take], sx[take]]
        texture[take] = detail[sy[take], sx[take]]
        todo &= ~take
    level = np.maximum(light.mean(-1), 1e-6)
    darker = (level - box[cy, cx].mean(-1)) / level
    low, high = FRAME_MATTE

    def matte(share: np.ndarray) -> np.ndarray:  # eased from FRAME_MATTE's low to its high
        t = np.clip((share - low) / (high - low), 0.0, 1.0)
        return t * t * (3 - 2 * t)

    share = matte(darker)
    if lit is not None:  # a lens's edge: its light line too, beside its dark one
        share = np.where(lit[y0:y1, x0:x1][cy, cx], np.maximum(share, matte(-darker)), share)
    if held is not None:
        share = np.maximum(share, held[y0:y1, x0:x1][cy, cx])
    alpha[y0:y1, x0:x1][cy, cx] = share
    # Filled as much as it is frame: the skin the mask took in is carried as it is.
    box[cy, cx] += share[:, None] * (light + texture - box[cy, cx])
    return out.reshape(image.shape), alpha

