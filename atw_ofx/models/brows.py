"""The lid skin a raised brow stretches (AU01, AU02: surprise, fear, sad).

A brow raised 0.2 IOD over lid skin a third as high stretches that skin 4–5× — real skin unfolds
from the crease there; a warp can only stretch it. Two things follow:

- the rig's fold guard, bound to a Jacobian of 0.2 (:data:`.rig.MIN_JACOBIAN`), faded the field
  round the brow's lower edge, which then rose 0.05–0.1 IOD less than its top: the brow came out
  thickened (looked at: AU01 + AU02 on shared faces 3 and 6). Under a rising brow the bound is
  :data:`LID_FLOOR` instead (:func:`under_brows`), and the brow travels whole;
- stretched that much, the plate's fine detail there — its grain, pores, the brow's lowest
  hairs — is drawn out into vertical streaks. Where the warp magnifies more than
  :data:`STREAKS_FROM`, the renderer keeps the warp's light, smoothed across the streaks, and
  lays on it the texture of the face's own skin, read on a cheek and spread anew
  (:func:`smooth_stretched`): generated pixels. With the plate's grain alone (white noise) the
  skin there read as a flat, airbrushed patch among the pores round it.

Over a glasses frame the skin a rising brow uncovers above the top bar lay behind the bar: the
face is held off the frame (:func:`.occluder.held_apart`), so all of it took the strip just above
the bar — on brows resting on their frame the brow's lowest hair, drawn out into a tall smear
(looked at on the shared faces with glasses), and the fold guard, spreading that pile up into the
brow, left the brow half risen. There (:func:`off_the_frame`) the fold guard lets the field be
and the brow rises whole; what it uncovers is the skin just above the brow as shot, brought down
under it (:func:`_skin_from_above`): real skin, its texture and lines, in its light.

Coordinates: the field's square grid (``G`` px a side, centres at +0.5); the crop is ``S`` px,
``S / G`` of them a grid pixel. Fields are backward maps, ``2×G×G``, channel 0 = x.
"""
from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass

import cv2
import numpy as np

from ..membrane import membrane
from ..points import channels_of, sample_points
from .base import smoothstep
from .eyelids import (BROWS_68, EYES, along_the_eye, eye_frame, face_down, lid_skin_band,
                      with_the_brow)
from .grain import grain_noise, median_rows, relative_grain, texture_noise
from .jacobian import magnification
from .mouth import Generated, skin_beside
from .occluder import COVERS

#: The least Jacobian the rig's fold guard keeps in the lid skin under a rising brow (10×
#: magnified at most; elsewhere 5×).
LID_FLOOR = 0.1
#: The warp's magnification (output area over source area) over which its fine detail is
#: replaced, from nothing to whole: stretched 2× the grain still reads as grain, 3.5× as streaks.
STREAKS_FROM, STREAKS_FULL = 2.0, 3.5
#: How far (crop px, a Gaussian's σ) the stretched light is smoothed: a streak is a pixel or two
#: across.
SMOOTH = 1.5
#: And how far along the eye line (× the inter-ocular distance, about a Gaussian's σ: two box
#: passes): stretched pores and brow hairs are vertical streaks several pixels apart, which a
#: round blur of a streak's width left standing (looked at, 2×: faces 13, 6, 3 under AU01 + AU02);
#: along the line the light varies slowly, and the lid's crease and the brow's edge, which run
#: along it, stay sharp.
SMOOTH_ALONG = 0.025


#: Reading the brow's hair (:func:`hair_reach`): places from the upper lid (0) to the mesh's brow
#: edge (1) and a little past it; the lid skin's light is read over ``SKIN_AT``, the brow's over
#: ``HAIR_AT``; told apart only where the brow's is at most ``HAIR_DARKER`` of the skin's.
PLACES = np.linspace(0.0, 1.2, 25)
SKIN_AT, HAIR_AT, HAIR_DARKER = (0.15, 0.6), (0.8, 1.2), 0.75
#: The hair is followed down only from a brow edge that lies in it (its light within this share of
#: the way from the hair's to the skin's), and ends where the light is HAIR_ENDS of the way back.
#: A deep-set eye's shadow under a lighter brow edge is no hair: carried up with the brow, it left
#: the lit lid below to stretch into a light streak (face 3, looked at).
HAIR_AT_EDGE, HAIR_ENDS = 0.25, 0.75


def hair_reach(mesh: np.ndarray, luma: np.ndarray, occluder: np.ndarray | None = None
               ) -> np.ndarray:
    """Per eye (:data:`EYES`' order), how far down its brow's hair reaches: a place from the
    upper lid (0) to the mesh's brow edge (1), 1 where the hair ends at the edge or above, or
    is not told from the lid skin (``mesh`` on the grid of ``luma``, ``n×n``, the face's
    brightness in the model's encoding, −1…1). ``occluder`` (``n×n``, 0–1: a glasses frame's
    cover) is not read: a rim is no hair, and the hair is not followed through it.

    Read on the median light across the middle of the brow, at :data:`PLACES` along each column
    from the lid up: the hair is the dark run down from an edge in it (:data:`HAIR_AT_EDGE`),
    to where the light comes :data:`HAIR_ENDS` of the way back to the lid skin's. The mesh's
    edge runs through the middle of a bushy brow, and on brows low over the eye its ring above
    the lashes lies on their lowest hair."""
    image = np.ascontiguousarray((luma + 1.0) / 2.0, np.float32)
    reach = np.ones(len(EYES))
    for e, eye in enumerate(EYES):
        _, local, _, _ = eye_frame(mesh, eye)
        edge, upper = mesh[list(eye["brow_edge"])], mesh[list(eye["upper"])]
        x = local(edge)[:, 0]
        columns = np.linspace(x.min(), x.max(), 11)[2:-2]  # the brow's middle
        top, bottom = (along_the_eye(local, c, columns) for c in (edge, upper))
        at = bottom[:, None] + PLACES[None, :, None] * (top - bottom)[:, None]
        light = sample_points(image, at[..., 0], at[..., 1], cv2.INTER_LINEAR)
        if occluder is not None:  # (a place the frame covers in every column: not read)
            framed = sample_points(np.ascontiguousarray(occluder, np.float32), at[..., 0],
                                   at[..., 1], cv2.INTER_LINEAR) > COVERS
            light = np.where(framed, np.nan, light)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # (all-NaN places: the frame's)
            # (nanmedian takes ~0.7 ms on these few places; the median 50× less, the same
            # where nothing is NaN: no frame.)
            light = np.nanmedian(light, 0) if np.isnan(light).any() else np.median(light, 0)
            skin = np.nanmax(light[(PLACES >= SKIN_AT[0]) & (PLACES <= SKIN_AT[1])])
            hair = np.nanmin(light[(PLACES >= HAIR_AT[0]) & (PLACES <= HAIR_AT[1])])
        if not np.isfinite(skin) or not np.isfinite(hair) or hair > HAIR_DARKER * skin:
            continue
        half = hair + HAIR_ENDS * (skin - hair)
        i = int(np.argmin(np.abs(PLACES - 1.0)))
        if not light[i] < hair + HAIR_AT_EDGE * (skin - hair):
            continue  # the edge is not in the hair (or the frame covers it)
        while i > 0 and light[i - 1] < half:
            i -= 1
        if i > 0 and np.isfinite(light[i - 1]):  # between the last dark place and the next
            i -= 1 - (half - light[i - 1]) / (light[i] - light[i - 1])
        reach[e] = float(np.interp(i, np.arange(len(PLACES)), PLACES))
    return reach


@dataclass(frozen=True)
class StretchedSkin:
    """The lid skin under the rising brows, on the field's ``grid`` (``mask``: ``G×G`` float32,
    0–1, where it lies once the brows have risen), finished by the renderer at full size
    (:func:`smooth_stretched`). ``cheeks``: where the cheeks beside the nose lie (``2×2`` grid
    px, :data:`.mouth.SKIN_POINTS`), whose grain the skin's is held to, and ``iod`` the
    inter-ocular distance (grid px); None: not held. ``off_frame``: where the brows rose off a
    glasses frame (``G×G`` float32, 0–1, :func:`off_the_frame`; None: nowhere) and
    ``brow_tops`` the brows' upper edges as shot (``K×2`` grid px, :data:`BROW_TOPS`), the
    skin above which is brought down there."""

    mask: np.ndarray
    grid: int
    cheeks: np.ndarray | None = None
    iod: float = 0.0
    off_frame: np.ndarray | None = None
    brow_tops: np.ndarray | None = None


#: The brows' upper edges in the mesh (image-left brow outer to inner, then the other inner to
#: outer).
BROW_TOPS = (70, 63, 105, 66, 107, 336, 296, 334, 293, 300)
#: Where a held frame moved the field's sources (:func:`off_the_frame`, grid px) from
#: OFF_FRAME[0] to OFF_FRAME[1]: from nothing to whole skin made again; its edge feathered by a
#: Gaussian of OFF_FRAME_EDGE grid px (at 0.7 the risen brow's lower edge stepped with the grid).
OFF_FRAME, OFF_FRAME_EDGE = (0.25, 1.5), 1.5


def off_the_frame(field: np.ndarray, held: np.ndarray, down: np.ndarray, above: float,
                  frame: np.ndarray) -> np.ndarray | None:
    """Where the face rose off a held frame (``G×G`` float32, 0–1; None: nowhere): where the
    face rose (its backward ``field``, ``2×G×G`` grid px, takes each pixel from below) and
    :func:`.occluder.held_apart` (``held``: the field it made) moved the sources upwards — along
    −``down``, the face's unit down axis — by :data:`OFF_FRAME`, above ``above`` (grid px along
    ``down``: below it the lids and cheeks inside the lenses, which move towards their rims
    too); the ``frame``'s cells (``G×G`` bool) beside it included. (A brow lowered and drawn in,
    AU04, is held off a rim's inner corners sideways.)"""
    moved = held - field
    shift = np.hypot(moved[0], moved[1])
    rose = field[0] * down[0] + field[1] * down[1] > 0.0
    upward = (-(moved[0] * down[0] + moved[1] * down[1]) > 0.5 * shift) & rose
    n = moved.shape[-1]
    centres = np.arange(n) + 0.5
    height = centres[None, :] * down[0] + centres[:, None] * down[1]
    # (Not the frame's own cells: they move as the face beside them, whatever their own field.)
    shift = np.where(upward & (height < above) & ~frame, shift, 0.0)
    if float(shift.max()) <= OFF_FRAME[0]:
        return None
    off = smoothstep((shift - OFF_FRAME[0]) / (OFF_FRAME[1] - OFF_FRAME[0])).astype(np.float32)
    # Feathered with the frame's cells beside it taken as whole, so that it stays whole down to
    # the frame (feathered there too, the strip beside the bar showed through as a fringe of the
    # brow's lowest hair; looked at).
    grown = cv2.dilate((off > 0.5).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    return cv2.GaussianBlur(np.maximum(off, frame & grown), (0, 0), OFF_FRAME_EDGE)


def under_brows(mesh: np.ndarray, moved68: np.ndarray, n: int,
                reach: np.ndarray | None = None) -> np.ndarray | None:
    """Where the lid skin under each rising brow lies once it has risen (``n×n`` float32, 0–1;
    ``mesh`` and ``moved68`` — the 68 (+2) displacements — on that grid): between the band of
    lashes (:func:`.eyelids.lid_skin_band`, with the brow's hair ``reach`` per eye) and the
    brow's lower edge carried up with the brow, feathered by a pixel; None where no brow
    rises."""
    down = face_down(mesh)
    mask = np.zeros((n, n), np.uint8)
    for e, (eye, brow68) in enumerate(zip(EYES, BROWS_68)):
        if (moved68[list(brow68)] @ down).min() >= 0.0:
            continue
        edge = mesh[list(eye["brow_edge"])]
        edge = edge + with_the_brow(mesh, eye, brow68, moved68, edge)
        lashes, _ = lid_skin_band(mesh, eye, 1.0 if reach is None else float(reach[e]))
        polygon = np.concatenate((lashes, edge[::-1]))
        # (A quarter-pixel raster: shift 2; centres at +0.5.)
        cv2.fillPoly(mask, [np.round((polygon - 0.5) * 4).astype(np.int32)], 1, shift=2)
    if not mask.any():
        return None
    return cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 1.0)


def smooth_stretched(warped: np.ndarray, original: np.ndarray, skin: StretchedSkin,
                     colour: tuple[int, ...], field: np.ndarray,
                     frame: tuple[tuple[slice, slice], np.ndarray] | None = None
                     ) -> tuple[np.ndarray, Generated]:
    """``warped`` (``S×S×C`` linear, the ResWarp result; changed in place) with the lid skin the
    warp (``field``, backward, ``2×G×G`` on the skin's grid) stretches past
    :data:`STREAKS_FROM` made of its smoothed light and the skin's texture: the cheeks' (where
    ``skin`` has them, :func:`_cheek_texture`; read under the brows, the brows' and lashes'
    hairs made it the skin's 1.4–5×, a speckle; looked at), else the plate's grain
    (``original``, the crop as shot) on white noise; and the skin
    brows rising off a glasses frame uncover (``skin.off_frame``) brought down from above them
    (:func:`_skin_from_above`), less where the frame laid back over it covers it (``frame``: the
    crop's window it lies in and its matte there, 0–1; whole from :data:`UNDER_FRAME`). Returns
    ``(warped, generated)``. Only the ``colour`` channels change; each eye's band is made in its
    own box."""
    size, grid = warped.shape[0], skin.grid
    k = size / grid
    weight = np.zeros((grid, grid), np.float32)
    off_frame = skin.off_frame if skin.brow_tops is not None else None
    rows, cols = np.nonzero(skin.mask > 0.0)
    if len(rows):  # the magnification only over the mask's box (its gradient a pixel wider)
        g0, h0 = max(rows.min() - 1, 0), max(cols.min() - 1, 0)
        g1, h1 = min(rows.max() + 2, grid), min(cols.max() + 2, grid)
        inner = (slice(g0, g1), slice(h0, h1))
        weight[inner] = skin.mask[inner] * smoothstep(
            (magnification(field[(slice(None),) + inner]) - STREAKS_FROM)
            / (STREAKS_FULL - STREAKS_FROM))
    made = weight if off_frame is None else np.maximum(weight, off_frame)
    made_rows, made_cols = np.flatnonzero(made.any(1)), np.flatnonzero(made.any(0))
    if not len(made_rows):
        return warped, Generated(0, 0, np.zeros((0, 0), np.float32))
    # (Labelled over the bands' box alone: over the whole fine grid it took ~0.4 ms.)
    m0, n0 = made_rows[0], made_cols[0]
    count, _, stats, _ = cv2.connectedComponentsWithStats(
        (made[m0:made_rows[-1] + 1, n0:made_cols[-1] + 1] > 0.0).astype(np.uint8))
    # Each eye's band (label 0 is the background) in its own box of crop px.
    boxes = [(max(int((x + n0) * k) - 2, 0), max(int((y + m0) * k) - 2, 0),
              min(int((x + n0 + w) * k) + 2, size), min(int((y + m0 + h) * k) + 2, size))
             for x, y, w, h, _ in stats[1:count]]
    if not boxes:
        return warped, Generated(0, 0, np.zeros((0, 0), np.float32))
    (ux0, uy0), (ux1, uy1) = np.min(boxes, 0)[:2], np.max(boxes, 0)[2:]
    generated = Generated(int(uy0), int(ux0), np.zeros((uy1 - uy0, ux1 - ux0), np.float32))
    covers = None  # the frame's matte on the crop
    if frame is not None and off_frame is not None:
        covers = np.zeros((size, size), np.float32)
        covers[frame[0]] = frame[1]
    # Along the eye line: the image axis nearest the line through the cheeks (a head tilted up
    # to 45° is smoothed along the rows, its streaks still across the blur).
    along = 0.0 if skin.cheeks is None else SMOOTH_ALONG * skin.iod * k
    rows_along = skin.cheeks is None or abs(np.subtract(*skin.cheeks[:, 0])) \
        >= abs(np.subtract(*skin.cheeks[:, 1]))
    along_axes = (along, 0.0) if rows_along else (0.0, along)
    # The cheeks' skin texture over the bands' boxes at once (one tile, each box its own part).
    texture = None if skin.cheeks is None else _cheek_texture(
        original, skin.cheeks * k, skin.iod * k, list(colour), along_axes,
        (int(uy1 - uy0), int(ux1 - ux0)), (int(uy0), int(ux0)))
    # The cheeks' colour lights the skin brought down off a frame; their grain holds the
    # white-noise regrain, made only where no texture was read.
    beside = None if skin.cheeks is None or (texture is not None and off_frame is None) \
        else skin_beside(original, skin.cheeks, grid, skin.iod, list(colour),
                         grain=texture is None)
    cheeks = None if beside is None else beside[1]
    for x0, y0, x1, y1 in boxes:
        alpha = _on_crop(weight, k, (x0, y0, x1, y1))
        _made_again(warped, original, (slice(y0, y1), slice(x0, x1)), alpha, list(colour),
                    cheeks, along_axes,
                    None if texture is None else texture[y0 - uy0:y1 - uy0, x0 - ux0:x1 - ux0])
        if off_frame is not None:
            off = _on_crop(off_frame, k, (x0, y0, x1, y1))
            if covers is not None:  # (the frame's matte lets what is under it show through)
                off *= np.clip(1.0 - covers[y0:y1, x0:x1] / UNDER_FRAME, 0.0, 1.0)
            _skin_from_above(warped, original, (x0, y0, x1, y1), off, skin.brow_tops * k,
                             skin.iod * k, list(colour), None if beside is None else beside[0])
            alpha = np.maximum(alpha, off)
        mine = generated.mask[y0 - uy0:y1 - uy0, x0 - ux0:x1 - ux0]
        np.maximum(mine, alpha, out=mine)
    return warped, generated


def _on_crop(weight: np.ndarray, k: float, box: tuple[int, int, int, int]) -> np.ndarray:
    """``weight`` (``G×G``) on the crop's pixels of ``box`` (``(x0, y0, x1, y1)``, ``k`` crop px
    a grid px): bilinear, half-pixel centres as the field's up-sampling; float32."""
    x0, y0, x1, y1 = box
    ys = ((np.arange(y0, y1) + 0.5) / k - 0.5).astype(np.float32)
    xs = ((np.arange(x0, x1) + 0.5) / k - 0.5).astype(np.float32)
    return cv2.remap(weight, np.broadcast_to(xs, (len(ys), len(xs))).copy(),
                     np.broadcast_to(ys[:, None], (len(ys), len(xs))).copy(), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT)


#: The skin brought down under brows risen off a frame: from ABOVE_TOP inter-ocular distances
#: above the brows' upper edge as shot (their top hairs lie above the mesh's edge), down as far as
#: each column's risen brow left (that smoothed across SKIN_ALONG of them: column by column the
#: skin's lines stepped); in the light of the skin round it — the pixels within SKIN_LIGHT of the
#: cheeks' light (not the brows' hair nor the frame), smoothed over TONE_SMOOTH — else at
#: SKIN_SHADE of its own (the brow's ridge shades the skin under it). At a fixed 0.9 the band
#: read as a lit patch under a clip's brows (the forehead in the light from above: clip d13); a
#: flat fill of the skin's light and grain read as a painted patch, and one membrane-filled from
#: the skin round it as a blur (looked at).
ABOVE_TOP, SKIN_ALONG, SKIN_SHADE = 0.03, 0.05, 0.9
SKIN_LIGHT, TONE_SMOOTH = (0.5, 1.6), 0.06
#: The skin brought down goes under a glasses frame's matte (laid back over it) only as much as
#: the matte is under this: the frame's mask at full size takes in hair resting on it, which
#: stayed as a fringe along the bar, but the bar's soft edge let the skin eat into it (face 8's
#: light bar, looked at).
UNDER_FRAME = 0.5


def _skin_from_above(warped: np.ndarray, original: np.ndarray, box: tuple[int, int, int, int],
                     off: np.ndarray, tops: np.ndarray, iod: float, channels: list[int],
                     cheeks: np.ndarray | None = None) -> None:
    """``warped``'s ``box`` (``(x0, y0, x1, y1)`` crop px; its ``channels``, in place) blended
    by ``off`` (``h×w``, 0–1: where brows rose off a frame) towards the skin above the brows as
    shot (``original``; ``tops``: their upper edges, ``K×2`` crop px; ``iod`` crop px): each
    column's risen brow's lower edge (where ``off`` ends going up, carried across columns where
    it does not reach half) takes the skin :data:`ABOVE_TOP` above its top as shot, the pixels
    under it what lies as far under that — in the light of the skin round it: its texture over
    its own light smoothed by :data:`TONE_SMOOTH` × that of the skin (within :data:`SKIN_LIGHT`
    of the ``cheeks``' light, ``C``) outside it, filled in (:func:`~atw_ofx.membrane.membrane`)
    and smoothed alike; without the cheeks, or little such skin round it, at
    :data:`SKIN_SHADE` of its light."""
    x0, y0, x1, y1 = box
    h, w = off.shape
    inside = off > 0.5
    reached = np.flatnonzero(inside.any(0))
    if not len(reached):
        return
    # The lowest row off the frame in each column: how far down that column's skin comes.
    lowest = (h - 1 - np.argmax(inside[::-1], 0))[reached] + y0 + 0.5
    xs = np.arange(x0, x1) + 0.5
    order = np.argsort(tops[:, 0])
    top = np.interp(xs, tops[order, 0], tops[order, 1])
    drop = np.interp(np.arange(w), reached, lowest) - (top - ABOVE_TOP * iod)
    drop = cv2.GaussianBlur(drop[None].astype(np.float32), (0, 0),
                            sigmaX=max(SKIN_ALONG * iod, 1.0), sigmaY=0.1)[0]
    # Read from the rows it reaches (pixel centres at +0.5 on both sides: the remap's
    # coordinates are the centres' − 0.5).
    src_y = np.arange(y0, y1, dtype=np.float32)[:, None] - drop[None]
    r0 = int(np.clip(np.floor(src_y.min()) - 1, 0, original.shape[0] - 1))
    r1 = int(np.clip(np.ceil(src_y.max()) + 2, r0 + 1, original.shape[0]))
    src_x = np.broadcast_to(np.arange(w, dtype=np.float32), (h, w))
    skin = cv2.remap(np.ascontiguousarray(channels_of(original[r0:r1, x0:x1], channels)),
                     src_x, np.ascontiguousarray(src_y - r0), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT).reshape(h, w, -1)
    target = warped[y0:y1, x0:x1]
    region = channels_of(target, channels)
    skin = _in_light_round(skin, region, off, iod, cheeks)
    region += off[..., None] * (skin - region)
    target[..., channels] = region


def _in_light_round(skin: np.ndarray, region: np.ndarray, off: np.ndarray, iod: float,
                    cheeks: np.ndarray | None) -> np.ndarray:
    """``skin`` (``h×w×C``, brought into ``region``, ``h×w×C``, where ``off``) in the light of
    the skin round it (see :func:`_skin_from_above`)."""
    if cheeks is not None:
        light, level = region.mean(-1), float(np.mean(cheeks))
        known = (light > SKIN_LIGHT[0] * level) & (light < SKIN_LIGHT[1] * level) & (off < 0.05)
        if known.sum() >= 16:
            sigma = max(TONE_SMOOTH * iod, 1.0)
            smooth = lambda image: cv2.GaussianBlur(image, (0, 0), sigma).reshape(  # noqa: E731
                image.shape).mean(-1, keepdims=True)
            # (Only the skin's values read: a non-finite pixel behind a whole frame pixel,
            # weighed by nothing, would still spread through the fill.)
            round_it = smooth(membrane(np.where(known[..., None], region, 0.0),
                                       known.astype(np.float32)))
            return skin * (round_it / np.maximum(smooth(skin), 1e-6))
    return SKIN_SHADE * skin


#: The side (crop px) of the patch of the plate, in the middle of a band's box, whose grain the
#: band takes (the box's all: ~4 ms a 4K close-up).
GRAIN_PATCH = 64


def _made_again(warped: np.ndarray, original: np.ndarray, box: tuple[slice, slice],
                alpha: np.ndarray, channels: list[int], most: np.ndarray | None = None,
                along: tuple[float, float] = (0.0, 0.0),
                texture: np.ndarray | None = None) -> None:
    """``warped``'s ``box`` (its ``channels``) blended by ``alpha`` towards its light smoothed
    (:func:`_smoothed`, ``along``) with the skin's texture laid on: ``texture`` (``H×W``, the
    box's, relative to the light: :func:`_cheek_texture`) where given; else the plate's grain,
    its relative spread read on a :data:`GRAIN_PATCH` square of ``original`` in the box's middle
    (its median spread: a brow's hairs among it are not grain), no more than ``most`` (``C``, the
    cheeks', where given), the noise seeded from it."""
    region = channels_of(warped[box], channels)
    smooth = _smoothed(region, along)
    if texture is not None:
        made = smooth * (1.0 + texture[..., None])
    else:
        h, w = alpha.shape
        ph, pw = min(GRAIN_PATCH, h), min(GRAIN_PATCH, w)
        py, px = box[0].start + (h - ph) // 2, box[1].start + (w - pw) // 2
        patch = channels_of(original[py:py + ph, px:px + pw], channels)
        level = median_rows(np.ascontiguousarray(patch.reshape(-1, len(channels)).T))
        grain = relative_grain(patch, level=level).astype(np.float32)
        if most is not None:
            grain = np.minimum(grain, most).astype(np.float32)
        noise = grain_noise((h, w), zlib.crc32(patch.tobytes()))[..., None]
        # Laid on as :func:`.grain.laid_on` lays it, by each pixel's light over its channels (a
        # third of the roots).
        light = np.sqrt(np.maximum(smooth.mean(-1, keepdims=True), 0.0))
        made = smooth + noise * light * (grain * np.sqrt(np.maximum(level, 0.0))).astype(
            np.float32)
    region += alpha[..., None] * (made - region)
    target = warped[box]
    target[..., channels] = region


def _smoothed(image: np.ndarray, along: tuple[float, float]) -> np.ndarray:
    """``image`` (``H×W×C`` float32) smoothed by :data:`SMOOTH`, and further along x or y by
    ``along`` (crop px, about a Gaussian's σ: two passes of a box)."""
    smooth = cv2.GaussianBlur(image, (0, 0), SMOOTH)
    for axis, sigma in enumerate(along):
        if sigma > SMOOTH:  # two boxes of width w: a variance of (w² − 1) / 6
            width = int(round(np.sqrt(6.0 * sigma * sigma + 1.0))) | 1
            size = (width, 1) if axis == 0 else (1, width)
            smooth = cv2.blur(cv2.blur(smooth, size, borderType=cv2.BORDER_REFLECT), size,
                              borderType=cv2.BORDER_REFLECT)
    return smooth


#: The square of skin (× the inter-ocular distance a side) on each cheek beside the nose whose
#: texture a stretched lid skin takes (:func:`_cheek_texture`).
CHEEK_PATCH = 0.16


def _cheek_texture(original: np.ndarray, cheeks: np.ndarray, iod: float, channels: list[int],
                   along: tuple[float, float], shape: tuple[int, int],
                   origin: tuple[int, int]) -> np.ndarray | None:
    """The texture of the skin (``shape`` at ``origin`` ``(y, x)`` on the crop, float32,
    relative to its light: :func:`_smoothed`'s complement, the channels' mean) — of the cheek
    beside the nose (``cheeks``, ``2×2`` crop px; a :data:`CHEEK_PATCH` square round each) whose
    texture is the finer (a nostril's edge or a shadow's in the other is not the skin's), spread
    anew (:func:`.grain.texture_noise`: its pores stay on the face from frame to frame, its grain
    does not); None where neither square lies on ``original``."""
    half = max(int(round(CHEEK_PATCH * iod / 2)), 4)
    # The light is smoothed on a window wider by the smoothing's reach: on the square alone, its
    # edges' reflections kept its larger pores in the light (a third of their detail lost).
    reach = int(np.ceil(3.0 * max(SMOOTH, *along)))
    details = []
    for x, y in np.round(cheeks).astype(int):
        y0, x0 = max(y - half - reach, 0), max(x - half - reach, 0)
        window = original[y0:max(y + half + reach, 0), x0:max(x + half + reach, 0)]
        if min(window.shape[:2]) <= 8:  # (a cheek off the crop)
            continue
        window = np.ascontiguousarray(channels_of(window, channels), np.float32)
        relative = (window / np.maximum(_smoothed(window, along), 1e-6) - 1.0).mean(-1)
        detail = relative[max(y - half, 0) - y0:max(y + half, 0) - y0,
                          max(x - half, 0) - x0:max(x + half, 0) - x0]
        if min(detail.shape) > 8:
            details.append(np.ascontiguousarray(detail))
    if not details:
        return None
    finer = min(details, key=lambda detail: float(np.mean(detail * detail)))
    return texture_noise(finer, shape, zlib.crc32(finer.tobytes()), origin)
