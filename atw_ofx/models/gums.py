"""The gums an upper lip uncovers when it rises off the teeth an open mouth shows (AU10, disgust).

The upper teeth belong to the skull: a rising upper lip slides up off them, and what it leaves
between its new edge and the teeth's tops as shot is more of their crowns and, above them, gum.
The warp has nothing to show there — stretched, the lip's inner edge and the teeth's tops grew
into vertical streaks; held under the lip, the teeth pinned its edge and the lip stretched to
twice its height instead (looked at on the shared open smiles). The renderer draws that band
(:func:`uncovered`), column by column in the face's frame, from the plate:

- the **gum line** arches over each tooth: the teeth's own light along their crowns as shot
  (:func:`tooth_middles`) gives where each tooth's middle is, and there the crown shows
  :data:`ARCH` × the inter-ocular distance higher than the lip's edge as shot, between two
  teeth none (the papilla comes down to it);
- under the gum line, the **crown** continued up: each column's tooth as the plate shows it just
  inside the lip's edge, darker towards its neck (:data:`NECK_LIGHT`);
- above it, **gum**: the lips' own colour as the plate shows it (:func:`lips_for_gums`), redder
  and a little lighter
  (:data:`GUM_HUE`, :data:`GUM_LIGHT`), no lighter than the teeth allow (:data:`GUM_OF_TEETH`),
  in the lip's shade under it and the mouth's towards its corners, with the lip's grain — none
  over "teeth" no lighter than the lip (:data:`TEETH_SHOWN`: a talking mouth's dark).

Coordinates: the face's frame in crop pixels — ``along`` the eye line and ``down`` — for the
band's pixels; the plate is sampled at crop pixels (centres at +0.5).
"""
from __future__ import annotations

import zlib

import cv2
import numpy as np

from ..points import sample_window
from .base import redness, smoothstep
from .grain import grain_noise, laid_on, relative_grain, stipple_at, stipple_depth
from .hidden_teeth import receding

#: How far the crown shows above the lip's edge as shot at a tooth's middle once the lip has
#: risen off it (IOD): the gum's arch over each tooth, whose papillae come down between them
#: (2–3 mm; ~0.04 IOD).
ARCH = 0.04
#: Where the teeth's light is read below the lip's edge as shot (IOD past the trusted edge): the
#: crowns' middle, below the lip's shadow on their tops.
CROWN_READ = 0.025
#: The half width (IOD) of the window a tooth's middle is found in: the light along the crowns
#: normalised between its darkest and brightest within it (a tooth is ~0.1–0.14 IOD wide).
TOOTH_HALF = 0.05
#: The least difference (natural log of the light) between a tooth's middle and the line beside
#: it that tells teeth apart: below it, no arches. Pale teeth close together part by 0.23–0.29
#: (face 14): from 0.3, four of its lines were missed, the arches spanned several teeth and the
#: crowns under the gums read as one flat pale band (looked at 3×).
TOOTH_EDGE = 0.2
#: The most light a continued crown keeps, against the teeth's (TEETH_PERCENTILE of the crowns'):
#: a highlight is not continued.
HIGHLIGHT = 1.2
#: The light a continued crown keeps at the gum line against its own as shot (a tooth's neck is
#: darker than its middle).
NECK_LIGHT = 0.75
#: The gum's colour against the lip's: its light GUM_LIGHT times the lip's, its hue the lip's
#: colour raised to GUM_HUE (redder: in the lip's own colour the gums read as a mauve-brown
#: strip; squared, as lipstick; looked at on the shared open smiles).
GUM_LIGHT, GUM_HUE = 1.1, 1.5
#: The gum's stipple (:func:`.grain.stipple_at`): STIPPLE from its lightest to its darkest about
#: the gum's light, a pattern px STIPPLE_PX (IOD) of the face.
STIPPLE, STIPPLE_PX = 0.18, 0.005
#: The gums' weakest channel against the skin's balance, at least (:func:`gum_colour`): a
#: lipstick's red, raised to GUM_HUE, drew scarlet gums (looked at, shared face 9); natural lips'
#: gums on the shared smiles lie at 0.6–0.75.
GUM_PALEST = 0.5
#: The gums' light against the teeth's at most (the crowns' as shot along the band, this
#: percentile of it: its columns between two teeth are dark): in the lip's light a talking
#: mouth's shadowed teeth took gums 2–11× as light as themselves, an orange arc in its dark
#: (liveportrait_d3 frame 312, d12 frame 126 under disgust); the shared open smiles' lie at
#: 0.25–0.55 of their teeth, a lit talking mouth's at 0.76 (d18 frame 137): held as they were.
GUM_OF_TEETH, TEETH_PERCENTILE = 0.8, 75
#: Gums are drawn from where the crowns' light (as GUM_OF_TEETH reads it) is the first of these
#: times the lip's, fully from the second: teeth are lighter than lips (the shared open smiles'
#: 1.9–3.9×, a lit talking mouth's 1.45×), a talking mouth's dark under a rising lip is not
#: (0.1–0.5×: d3 frame 312, d12 frame 126 — a band of gum drawn in it, however dim, read as a
#: brown stripe over the tongue); there the crowns' shade is continued up to the lip.
TEETH_SHOWN = (0.6, 1.0)
#: The light kept in the fold under the risen lip, against the gum's, and the share of the band
#: down which it clears; and the light lost between two teeth's roots (the gum bulges over each).
FOLD_LIGHT, FOLD_CLEARS, ROOT_SHADE = 0.55, 0.5, 0.08


def tooth_middles(original: np.ndarray, channels: list[int], xs: np.ndarray, ys: np.ndarray,
                  along: np.ndarray, down: np.ndarray, iod: float) -> np.ndarray:
    """How far each point along the crowns is from the lines between the teeth (``K``, 0–1: 0
    on a line, 1 at a tooth's middle, rounded like a gum's arch over it), from the plate's light
    at ``(xs, ys)`` (the face's frame, crop px, ``K`` points one px apart along the mouth): the
    lines are its dips — the darkest within :data:`TOOTH_HALF` × ``iod`` either side and
    :data:`TOOTH_EDGE` darker than the brightest there. Past the outermost lines the teeth are
    taken as wide as their neighbours; with no line found, 0.5 all along (a soft plate)."""
    crop = np.stack((xs * along[0] + ys * down[0], xs * along[1] + ys * down[1]), -1)
    light = sample_window(original, crop[:, 0], crop[:, 1], cv2.INTER_LINEAR, channels).mean(-1)
    log = np.log(np.maximum(light, 1e-6)).astype(np.float32)[None]
    log = cv2.GaussianBlur(log, (0, 0), max(0.006 * iod, 0.5))
    side = max(int(round(2 * TOOTH_HALF * iod)) | 1, 3)
    kernel = np.ones((1, side), np.uint8)
    low = cv2.erode(log, kernel, borderType=cv2.BORDER_REPLICATE)[0]
    high = cv2.dilate(log, kernel, borderType=cv2.BORDER_REPLICATE)[0]
    lines = np.flatnonzero((log[0] <= low) & (high - log[0] > TOOTH_EDGE))
    if not len(lines):
        return np.full(len(xs), 0.5)
    gaps = np.diff(lines)
    typical = float(np.median(gaps)) if len(gaps) else 2.5 * TOOTH_HALF * iod
    knots = np.concatenate(([lines[0] - typical], lines, [lines[-1] + typical]))
    at = np.arange(len(xs))
    right = np.clip(np.searchsorted(knots, at, side="right"), 1, len(knots) - 1)
    start, width = knots[right - 1], knots[right] - knots[right - 1]
    share = np.clip((at - start) / np.maximum(width, 1.0), 0.0, 1.0)
    return np.sqrt(np.sin(np.pi * share))


def uncovered(original: np.ndarray, channels: list[int], px: np.ndarray, py: np.ndarray,
              lip_now: np.ndarray, edge: np.ndarray, along: np.ndarray, down: np.ndarray,
              iod: float, lip_body: np.ndarray, centre: float, half_width: float,
              cheeks: tuple[np.ndarray, np.ndarray | None] | None = None,
              ramp: float = 1.0) -> np.ndarray:
    """The colours (``K×C`` float32, linear) of the band a risen upper lip uncovers, at the
    pixels ``(px, py)`` (``K`` each, the face's frame — ``along`` the eye line, ``down`` — in crop
    px) of ``original`` (the crop as shot, ``S×S×C``, read on its ``channels``).

    ``lip_now``: the lip's edge now over each pixel's column; ``edge``: the teeth's tops as shot
    there (``K`` each, down the frame; pixels below it get the crown as shot); ``iod``: the
    inter-ocular distance (crop px); ``lip_body``: points in the upper lip's body, then as many
    in the lower's (``2M×2`` crop px, :func:`.mouth.lip_body`), where the lips' colour is read
    (:func:`lips_for_gums`); ``centre`` and ``half_width``: the mouth's middle along the frame
    and its half width (crop px), towards whose corners the gum darkens in the mouth's shade;
    ``cheeks``: the skin beside the mouth, its colour and grain
    (:func:`~.mouth.skin_beside`), or None; ``ramp``: the gum line's anti-aliased width (px; wider
    on a soft plate, as soft as its edges)."""
    x_lo, x_hi = float(px.min()), float(px.max())
    line = np.arange(np.floor(x_lo), np.ceil(x_hi) + 1.0)
    edge_line = np.interp(line, *_sorted(px, edge))
    middles = tooth_middles(original, channels, line, edge_line + CROWN_READ * iod, along,
                            down, iod)
    gum_line = edge - ARCH * iod * np.interp(px, line, middles)
    to_crop = lambda x, y: (x * along[0] + y * down[0], x * along[1] + y * down[1])  # noqa: E731
    # The crown continued: each column's tooth just inside the edge, darker towards the gum.
    crown = sample_window(original, *to_crop(px, np.maximum(py, edge + crown_read(iod))),
                          cv2.INTER_LINEAR, channels)
    teeth_light = float(np.percentile(crown.mean(-1), TEETH_PERCENTILE))
    # A highlight on a crown, continued up, stood as a white bar over it (face 0, looked at 3×):
    # the crown is continued at no more than HIGHLIGHT × the teeth's light. (At the teeth's
    # light, the brightest crowns stepped darker where they were continued.)
    crown *= np.minimum(1.0, HIGHLIGHT * teeth_light / np.maximum(crown.mean(-1), 1e-12))[
        :, None].astype(np.float32)
    neck = np.clip((edge - py) / np.maximum(edge - gum_line, 1e-6), 0.0, 1.0)
    crown *= (1.0 - (1.0 - NECK_LIGHT) * smoothstep(neck))[:, None].astype(np.float32)
    # The gum: the lips' own colour, at the gums' light, with the upper lip's grain.
    upper_body, lower_body = np.split(lip_body, 2)
    lip_colour, lower_colour = (np.median(sample_window(original, body[:, 0], body[:, 1],
                                                        cv2.INTER_LINEAR, channels), axis=0)
                                for body in (upper_body, lower_body))
    # Dark in the fold under the lip, clearing down the band; over each tooth's root the gum
    # bulges into the light, between two it dips.
    down_band = (py - lip_now) / np.maximum(gum_line - lip_now, 1.0)
    shade = (FOLD_LIGHT + (1.0 - FOLD_LIGHT) * smoothstep(down_band / FOLD_CLEARS)) \
        * (1.0 - ROOT_SHADE * (1.0 - np.interp(px, line, middles) ** 4)) \
        * receding(np.abs(px - centre) / half_width)
    colour = gum_colour(lips_for_gums(lip_colour, lower_colour),
                        None if cheeks is None else cheeks[0])
    # In the teeth's own light: a shadowed mouth's gums are no lighter than GUM_OF_TEETH of its
    # teeth (in the lip's light, a talking mouth's dark took a bright orange arc of gum).
    colour *= min(1.0, GUM_OF_TEETH * teeth_light / max(float(colour.mean()), 1e-12))
    gum = shade[:, None] * colour[None]
    # Its stipple (the attached gum's orange-peel surface), fixed in the face's frame as the
    # gums are to the skull: flat, the band read as a coral strip painted on (AU10 on faces 0
    # and 14, looked at 3×).
    scale = 1.0 / (STIPPLE_PX * iod)  # the pattern's px per crop px
    pits = stipple_at((px * scale)[None], (py * scale)[None])[0]
    # (About its mean over the band: its light, held to the lip's and the teeth's, stays.)
    gum *= (1.0 - STIPPLE * stipple_depth(1.0 / scale) * (pits - pits.mean()))[
        :, None].astype(np.float32)
    patch = _patch_at(original, channels, upper_body)
    grain = relative_grain(patch)
    if cheeks is not None and cheeks[1] is not None:  # the lip's lines are not grain
        grain = np.minimum(grain, cheeks[1])
    noise = grain_noise((1, len(px)), zlib.crc32(patch.tobytes()))[0]
    gum = gum + noise[:, None] * laid_on(grain, gum, lip_colour)
    # Anti-aliased along the gum line; none over teeth no lighter than the lip (TEETH_SHOWN).
    shown = float(smoothstep(np.array((teeth_light / max(float(lip_colour.mean()), 1e-12)
                                       - TEETH_SHOWN[0]) / (TEETH_SHOWN[1] - TEETH_SHOWN[0]))))
    is_gum = shown * np.clip((gum_line - py) / ramp + 0.5, 0.0, 1.0)[:, None]
    return (crown + is_gum * (gum - crown)).astype(np.float32)


def crown_read(iod: float) -> float:
    """How far below the teeth's tops as shot (px, for an inter-ocular distance of ``iod`` px)
    the crowns are read and continued up from: below the lip's shade on their tops."""
    return CROWN_READ * iod / 2


def lips_for_gums(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """The lips' colour the gums are drawn from (``C``, linear), from the upper lip's body's and
    the lower's (``C`` each, their medians): the hue of the redder of the two — under a
    moustache the upper lip's reads its hair (face 12: gums a flat grey-mauve hole), a glossy
    lower lip its sheen (face 5: lavender gums) — in the light of the lighter: the upper lip
    faces down into its own shade, the gums it uncovers face the light as the lower lip does
    (face 2's were a dark brown-red band; all looked at under AU10)."""
    hue = upper if len(upper) < 3 or redness(upper) >= redness(lower) else lower
    light = max(float(upper.mean()), float(lower.mean()))
    return (hue * (light / max(float(hue.mean()), 1e-12))).astype(np.float32)


def gum_colour(lip: np.ndarray, skin: np.ndarray | None = None) -> np.ndarray:
    """The gums' colour (``C``, linear) from the lip's (``C``) and the skin's beside the mouth
    (``C``, or None): the lip's balance raised to :data:`GUM_HUE` at :data:`GUM_LIGHT` of its
    light, no less blue than green (gums are pink) — and, against the skin's balance, no more
    coloured than :data:`GUM_PALEST` in its weakest channel (a lipstick's red is not the gums')."""
    lip = np.maximum(np.asarray(lip, np.float64), 0.0)
    light = max(float(lip.mean()), 1e-12)
    hue = (lip / light) ** GUM_HUE
    if len(hue) == 3:  # (salmon lips, raised, drew orange gums: faces 0, 14, 16, looked at 2×)
        hue[2] = max(hue[2], float(hue[1]))
    hue /= max(float(hue.mean()), 1e-12)
    if skin is not None and len(lip) == 3:
        skin_balance = np.maximum(np.asarray(skin, np.float64), 1e-12)
        skin_balance /= float(skin_balance.mean())
        over_skin = hue / skin_balance
        weakest = float(over_skin.min())
        if weakest < GUM_PALEST:  # towards the skin's own balance until it is that pale
            over_skin = 1.0 + (over_skin - 1.0) * (1.0 - GUM_PALEST) / (1.0 - weakest)
            hue = skin_balance * over_skin
            hue /= max(float(hue.mean()), 1e-12)
    return (GUM_LIGHT * light * hue).astype(np.float32)


def _patch_at(original: np.ndarray, channels: list[int], points: np.ndarray) -> np.ndarray:
    """The plate round the middle of ``points`` (``K×2`` crop px): a square as tall as they
    spread, at least 5 px (``h×w×C`` float32) — a patch of the lip to measure its grain on."""
    middle = np.median(points, axis=0)
    half = max(int(np.ptp(points[:, 1]) / 2), 2)
    x, y = int(middle[0]), int(middle[1])
    size = original.shape[0]
    window = original[max(y - half, 0):min(y + half + 1, size),
                      max(x - half, 0):min(x + half + 1, size)]
    return np.ascontiguousarray(window[..., channels], np.float32)


def _sorted(x: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(x, values)`` in order of ``x``: what ``np.interp`` takes."""
    order = np.argsort(x, kind="stable")
    return x[order], values[order]
