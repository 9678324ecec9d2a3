"""The teeth a closed mouth hides, generated when AU25/AU26 open it.

A mouth that shows no teeth as shot opened into a dark cavity with a tongue on its floor, and
nothing under its upper lip: a painted hole (looked at on closed mouths opened wide; 9 of the
12 shared performers show their upper teeth when they open theirs, a band under the upper lip
over most of the mouth's width, ``benchmarks/results/mouth_vs_real.png``). The upper teeth sit
on the skull: as the lips part they stay where the lips met, their edges a little below that
seam, and what the moved upper lip leaves above that edge shows them. The lower teeth sit on
the jaw, their edges just behind the upper ones' as shot: they come down with the jaw (AU26)
and show as far as the lower lip comes down further than they do (AU25) — none where the jaw
drops the lip with them.

Drawn per column of the opening (the crop upright, as the mouth's other fills are): each tooth
a rounded body lit at its middle, a dark line between neighbours, the corners of its edge
rounded, in the upper lip's shade at the top; from the middle ones back, each further tooth
narrower (the arch turning away) and darker (the mouth's shade by its corners, where the lips
stretched back show none); above a crown's height, gum. In the crop's pixels; the teeth at
their own size in inter-ocular distances from the dental midline, each side foreshortened by its
half of the mouth, so a turned face's far side comes out narrower.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np

from ..points import sample_window
from .base import smoothstep

#: How far below the lips' seam as shot (IOD, at the mouth's middle) the upper teeth's edges
#: are: a relaxed upper lip covers all but 1–3.5 mm of the incisors (about 0.02–0.055 IOD);
#: towards the corners the edge eases up to the seam, where the corners cover it.
EDGE_BELOW_SEAM = 0.035
#: Where the lower teeth's edges are as shot (IOD below the seam, at the middle): 2 mm above
#: the upper ones' (the overbite) and as far down again as a relaxed jaw rests (its teeth
#: 2–4 mm apart under closed lips; touching, AU25 alone showed both rows clenched, a grimace —
#: looked at); towards the corners they ease down by LOWER_CORNER_DROP (the lower lip covers
#: the side teeth).
LOWER_EDGE_BELOW_SEAM, LOWER_CORNER_DROP = 0.05, 0.04
#: Under an open smile that parts where its upper teeth end, the lower ones' edges are right
#: behind them (IOD below that seam, at the middle: the overbite hides their tips as shot); a
#: lower lip that drops off them (AU25) shows them from there (:mod:`.mouth`), a jaw that drops
#: (AU26) parts the rows. At 0.01 the cavity showed between the rows as an even dark-brown line
#: with a drip at every tooth, a denture's outline (faces 2, 11, 14, 18 under AU25 at 1:1).
SMILE_LOWER_BELOW_SEAM = 0.0
#: ... and they follow the upper ones' into the corners (:data:`LOWER_CORNER_DROP` none): eased
#: down by it, the dark above them by the corners was a thick black arc (faces 2, 12, 14 under
#: AU25, looked at).
SMILE_CORNER_DROP = 0.0
#: The teeth's boundaries across the arch, IOD from the dental midline as a camera square to
#: the face sees them (63 mm between the eyes): the central incisors (8.5 mm wide, facing it),
#: the lateral ones (6.5 mm, turned ~20°), the canines (7.5 mm, ~45°), the premolars (7 mm,
#: ~65°) and the first molars. Teeth keep their size as the mouth widens: as shares of its
#: width, a smile's and a wide mouth's were a third too wide (looked at). Each side is
#: foreshortened as much as its half of the mouth is against the other's (a turned face).
BOUNDS = (0.0, 0.135, 0.232, 0.316, 0.363, 0.40, 0.44, 0.5)
#: The lower ones' (incisors 5.5 and 6 mm, canines 7 mm).
LOWER_BOUNDS = (0.0, 0.087, 0.177, 0.256, 0.30, 0.34, 0.38, 0.44)
#: How much shorter each upper tooth is than the central incisors (IOD, tooth by tooth from the
#: midline: the smile line — the lateral incisors ~0.8 mm short, the canines nearly level), and
#: each one's light against theirs: every tooth the same length and shade, a row read as a
#: denture (looked at, AU10 and an opened smile).
SHORTER = (0.0, 0.012, 0.004, 0.008, 0.012, 0.016, 0.02)
SHADE_OF = (1.0, 0.95, 1.0, 0.93, 0.9, 0.88, 0.85)
#: How tall the crowns show (IOD; upper incisors and canines 10–11 mm, lower 9 mm), how much
#: lower their gum line comes between two teeth (× that), and the gums' light against the lips'
#: own: above the crowns, what a smile lifts its upper lip over is gum. Drawn up to the lip, the
#: side teeth under a smile's raised corners stood twice a tooth's height (looked at).
CROWN, LOWER_CROWN, PAPILLA, GUM_LIGHT = 0.16, 0.14, 0.2, 0.8
#: The line between two teeth: its half-width (share of the tooth's width) and the light it
#: keeps at its middle, upper and lower (their narrow teeth packed tight). At 0.35 kept (and at
#: least 0.6 px wide) the teeth of a small face read as a grille (looked at).
GAP_SHARE, GAP_LIGHT, LOWER_GAP_LIGHT = 0.04, 0.45, 0.7
#: ... and the lower teeth's in the shade of the upper ones and the mouth's corners: as dark as
#: a cavity's, they read as a grille (looked at, AU15 on open smiles).
SHADED_GAP_LIGHT = 0.95
#: How far each tooth's edge rises at its corners (share of its width): rounded corners with
#: dark notches between the teeth.
CORNER_ROUND = 0.12
#: The light across a tooth: the share lost at its sides against its middle (a rounded front);
#: down it, the share lost at its neck (by the gum) and along its thin edge. Evenly lit down
#: their height, a raised lip's whole crowns read as tiles (AU10, looked at).
ROUNDED, NECK_SHADE, EDGE_SHADE = 0.25, 0.25, 0.15
#: The upper lip's shade over the teeth's top: the light kept right under the lip, and the
#: share of the mouth's half-width over which it clears.
LIP_SHADE_LIGHT, LIP_SHADE = 0.4, 0.06
#: Back from the middle teeth the mouth's shade: from this share of the half-width the light
#: falls by RECEDE at the corners, and the teeth fade into the cavity's dark from FADE_FROM.
RECEDE_FROM, RECEDE, FADE_FROM = 0.35, 0.75, 0.85
#: The teeth's light × the cheeks' (the middle ones' lit fronts): the open smiles of the shared
#: photographs show theirs at 0.65–2.2 of their cheeks (their brightest 30 %, median 1.26); ours
#: read 1.0–1.2 so (brightest 15 % of the generated region, shared faces 6, 13 and an official
#: portrait under AU25 at 5 and a smile opened; at 1.1 they were 0.8–1.0, a grey beige). Behind a
#: lip just parted less light gets in: full from an opening of OPEN_LIGHT_FULL of the mouth's
#: width tall, half of it for a slit.
LEVEL, OPEN_LIGHT_FULL = 1.35, 0.2
#: The lower teeth's light against the upper ones': under them, in their shade.
LOWER_LIGHT = 0.75
#: An open smile's drawn lower row takes its own upper teeth's detail (:func:`shot_texture`):
#: their light over its Gaussian mean at this scale (IOD: about a third of a lower incisor),
#: kept within TEXTURE_RANGE (a glint stays a glint, a gap between two teeth a line).
TEXTURE_SCALE, TEXTURE_RANGE = 0.03, (0.5, 1.5)
#: Their colour: the cheeks' balance raised to FOLLOW times TINT (R, G, B), fitted on the same
#: photographs' teeth (least squares in log balance, 17 faces: 0.08 rms).
TINT, FOLLOW = (0.99, 1.09, 1.0), 0.47
#: Teeth are about as light whatever the skin, so against darker cheeks they stand lighter: on
#: the shared open smiles their brightest tenth over the cheeks' light (:func:`.mouth.
#: skin_beside`, linear) goes as that light to the −0.48 (15 photographs, cheeks 0.14–0.75:
#: 2.6–2.7 on the darkest, 1.1–1.3 on the lightest; 0.22 rms in log against 0.32 for one
#: ratio). :data:`LEVEL` holds at the median cheeks' light (SKIN_MEDIAN); darker ones lift it
#: along that slope (DARKER_SLOPE), by at most DARKER_MOST — the plate's exposure moves the
#: cheeks' light too, and a plate exposed a few stops down should not get white veneers. On
#: lighter cheeks it stays: ours read below their real teeth there already.
SKIN_MEDIAN, DARKER_SLOPE, DARKER_MOST = 0.41, 0.48, 1.6


@dataclass(frozen=True)
class HiddenTeeth:
    """The teeth a closed mouth hides: the upper ones' edge across the mouth (``K×2`` on the
    grid of the region it belongs to, corner to corner, ``K`` odd: the middle point on the
    dental midline, each half evenly spaced to its corner; None where the plate shows its own
    upper teeth — an open smile's, whose lower ones its lower lip hides), the lower ones'
    (``lower``, the same, where the jaw takes them), the face's inter-ocular distance (``iod``,
    grid px) and how much they show (0–1: none where the plate shows teeth of its own); the
    inner lips as shot (``between``, a closed polygon on the same grid) and how much teeth shine
    between them (``lit``, 0–1): as much, the drawn teeth take their colour. ``front``: the
    lower ones are at an open smile's front, in its light (:data:`FRONT_LOWER`), not in the
    upper ones' shade; ``shot_edge``: there, where the shot's own upper teeth end (``K×2``, the
    same grid and columns as ``lower``), whose detail the lower ones take
    (:func:`shot_texture`)."""

    edge: np.ndarray | None
    lower: np.ndarray
    iod: float
    shown: float
    between: np.ndarray
    lit: float = 0.0
    front: bool = False
    shot_edge: np.ndarray | None = None


def edge_points(seam_at, jaw_at, left: float, middle: float, right: float, count: int = 33,
                lower_below: float = LOWER_EDGE_BELOW_SEAM,
                corner_drop: float = LOWER_CORNER_DROP) -> tuple[np.ndarray, np.ndarray]:
    """The teeth's edges in the mouth's frame (``count×2`` each, IOD, x along the eyes, y down;
    upper, lower), from the inner corners ``left`` and ``right`` through the dental ``middle``:
    the upper :data:`EDGE_BELOW_SEAM` under the lips' seam (``seam_at``: x → its y) at the
    middle, easing up to it at the corners; the lower ``lower_below`` under it, easing down by
    ``corner_drop`` at the corners, and down by the jaw's drop (``jaw_at``: x → IOD).
    """
    half = count // 2
    xs = np.concatenate((np.linspace(left, middle, half + 1), np.linspace(middle, right,
                                                                          half + 1)[1:]))
    arch = np.sqrt(1.0 - np.square(np.linspace(-1.0, 1.0, len(xs))))
    seam = seam_at(xs)
    return (np.stack((xs, seam + EDGE_BELOW_SEAM * arch), 1),
            np.stack((xs, seam + lower_below + corner_drop * (1.0 - arch)
                      + jaw_at(xs)), 1))


@dataclass(frozen=True)
class Row:
    """A row of teeth: their boundaries (as :data:`BOUNDS`), the light kept between two, their
    crowns' height (IOD), tooth by tooth from the midline how much shorter than the middle
    ones each is (IOD) and its light against theirs, and the share of light lost at a tooth's
    sides against its middle (:data:`ROUNDED`)."""

    bounds: tuple[float, ...]
    gap_light: float
    crown: float
    shorter: tuple[float, ...]
    shade: tuple[float, ...]
    rounded: float = ROUNDED


#: The upper row; the lower, under it, all its teeth alike.
UPPER = Row(BOUNDS, GAP_LIGHT, CROWN, SHORTER, SHADE_OF)
LOWER = Row(LOWER_BOUNDS, LOWER_GAP_LIGHT, LOWER_CROWN, (0.0,) * (len(LOWER_BOUNDS) - 1),
            (1.0,) * (len(LOWER_BOUNDS) - 1))
#: The lower row at the front of an open smile whose lower lip drops off it (AU25): lit as the
#: upper ones and more (the front of the row, under the upper teeth's tips, faces the light that
#: comes in; at the lower ones' LOWER_LIGHT the row was grey tiles beside the smile's white
#: teeth, and at 1.15 still a grey band, a mouthguard — faces 2, 5, 14, 17 under AU25, looked at
#: 2×), the lines between its narrow teeth fine; no lighter than the upper row
#: (:data:`.mouth.LOWER_OF_UPPER`).
FRONT_LOWER, FRONT_LOWER_LIGHT = dataclasses.replace(LOWER, gap_light=0.9), 1.5
#: ... in the balance of the smile's own teeth's body (:func:`.mouth._teeth_body`), this share of
#: the way (geometrically) to the cavity's hue. Dimmed, cream teeth went olive beside the lips
#: (faces 14, 5) and 0.1 of the way kept them from it; lit as teeth, the same share turned them
#: pink beside the upper row (the cavity is 2.5–6× as red as blue; looked at 2×).
FRONT_HUE = 0.0
#: The lower row in the shade under an open smile's upper teeth (a fallen lower lip uncovers it,
#: :func:`.teeth.hold_teeth`): the lines between its teeth faint (:data:`SHADED_GAP_LIGHT`), their
#: fronts lit evenly (diffuse light: with the lit rows' rounded fronts they were a grey grille of
#: stripes by the corners, faces 0, 12, 14 under AU15 and sad, looked at).
SHADED_LOWER = dataclasses.replace(LOWER, gap_light=SHADED_GAP_LIGHT, rounded=0.1)


def _across(d: np.ndarray, unit: np.ndarray, s: np.ndarray, row: Row) -> np.ndarray:
    """At places ``d`` from the dental midline (IOD as a square camera sees them; ``unit``: px
    per such IOD there; ``s``: the same places across the mouth, −1 and 1 its corners),
    ``3×K``: the ``row``'s light (each tooth's rounded front and own shade, the line between
    teeth, the mouth's shade behind the middle ones), how far its edge rises there (px: the
    teeth's rounded corners and each one's own length) and how far the place is from its
    tooth's middle (0 there, 1 at its sides)."""
    bounds = np.asarray(row.bounds)
    tooth = np.clip(np.searchsorted(bounds, d, side="right") - 1, 0, len(bounds) - 2)
    low, high = bounds[tooth], bounds[tooth + 1]
    t = np.clip((d - low) / (high - low), 0.0, 1.0)  # 0 at its side nearer the midline
    width = (high - low) * unit  # px
    from_side = np.abs(2.0 * t - 1.0)
    rise = CORNER_ROUND * width * np.square(np.clip((from_side - 0.6) / 0.4, 0.0, 1.0))
    rise = rise + np.asarray(row.shorter)[tooth] * unit
    between = row.gap_light + (1.0 - row.gap_light) * smoothstep(
        np.minimum(t, 1.0 - t) / GAP_SHARE)
    light = (1.0 - row.rounded * from_side ** 2) * between * receding(np.abs(s)) \
        * np.asarray(row.shade)[tooth]
    return np.stack((light, rise, from_side))


def darker_skin_lift(skin_light: float) -> float:
    """How much lighter than :data:`LEVEL` teeth are drawn against cheeks of ``skin_light``
    (their mean over channels, linear): 1 from :data:`SKIN_MEDIAN` up, rising as it darkens
    (:data:`DARKER_SLOPE`) to at most :data:`DARKER_MOST`."""
    return float(np.clip((max(skin_light, 1e-6) / SKIN_MEDIAN) ** -DARKER_SLOPE, 1.0,
                         DARKER_MOST))


def receding(a: np.ndarray) -> np.ndarray:
    """The light kept at ``a`` (0 the midline, 1 a corner) in the mouth's shade."""
    return 1.0 - RECEDE * smoothstep((a - RECEDE_FROM) / (1.0 - RECEDE_FROM))


def draw(inside: np.ndarray, edge: np.ndarray, iod: float, lower: bool = False,
         row: Row | None = None, light: float = LOWER_LIGHT
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The teeth in an opening, and their gums: light (``h×w`` float32: × the teeth's colour in
    the cheeks' light, or the gums' in the lips'), weight (``h×w``, 0–1) and the share of it
    that is gum (``h×w``, 0–1). ``inside``: ``h×w`` bool, the opening's pixels in its box;
    ``edge``: :attr:`HiddenTeeth.edge` (or, ``lower``, :attr:`HiddenTeeth.lower`: the lower
    teeth, up from the lower lip) in that box's pixels (centres at +0.5); ``iod``: the
    inter-ocular distance in them; ``row``: the teeth (None: :data:`UPPER`, or ``lower``
    :data:`LOWER`); ``light``: the lower ones' against the upper (:data:`LOWER_LIGHT`)."""
    if lower:  # the same upside down, narrower, in the upper ones' shade
        flipped = np.stack((edge[:, 0], inside.shape[0] - edge[:, 1]), 1)
        drawn = _drawn(inside[::-1], flipped, iod, row or LOWER)
        return light * drawn[0][::-1], drawn[1][::-1], drawn[2][::-1]
    return _drawn(inside, edge, iod, row or UPPER)


def _along(edge: np.ndarray, iod: float
           ) -> tuple[np.ndarray, np.ndarray, float, list[float], list[float]]:
    """A row's edge (``K×2``, corner to corner through the dental midline at its middle point)
    sorted along x (its xs and ys), the midline's x, each half of the mouth's width (px, at
    least 1) and each side's px per IOD (image-left first): the ``iod`` foreshortened by that
    side's half against their mean."""
    order = np.argsort(edge[:, 0])
    middle = len(edge) // 2
    halves = [max(abs(edge[end, 0] - edge[middle, 0]), 1.0) for end in (0, -1)]
    return (edge[order, 0], edge[order, 1], float(edge[middle, 0]), halves,
            [iod * half / np.mean(halves) for half in halves])


def _drawn(inside: np.ndarray, edge: np.ndarray, iod: float, row: Row
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`draw` for the ``row`` of teeth hanging from the top of ``inside`` down to
    ``edge``."""
    h, w = inside.shape
    light = np.zeros((h, w), np.float32)
    columns = np.flatnonzero(inside.any(0))
    if len(columns) < 4:
        return light, light, light
    x = columns + 0.5
    ex, ey, midline, halves, units = _along(edge, iod)
    knots = np.linspace(-1.0, 1.0, len(edge))[np.argsort(edge[:, 0])]

    # Across the teeth at four places in each column, averaged: a line between two teeth is
    # thinner than a pixel on a small face, and sampled at the pixels' centres it came and went.
    places = (x[None] + np.array([-0.375, -0.125, 0.125, 0.375])[:, None]).ravel()
    unit = np.where(places < midline, *units)
    across, rise, from_side = _across(np.abs(places - midline) / unit, unit,
                                      np.interp(places, ex, knots), row).reshape(3, 4, -1).mean(1)
    line = np.interp(x, ex, ey)
    bottom = line - rise
    # The opening's first row in each column, smoothed along the lip: column by column it is a
    # staircase on a curved lip, and the lip's shade laid from it stood as vertical grey streaks
    # under every tooth, a comb (face 5's lower teeth under AU25 + AU26, looked at).
    top = inside[:, columns].argmax(0).astype(np.float32)
    top = np.convolve(np.pad(top, 3, mode="edge"), np.full(7, 1 / 7), mode="valid")
    if not (bottom > top).any():  # all under the lip
        return light, light, light
    s = np.interp(x, ex, knots)
    a, half = np.abs(s), np.where(s < 0, *halves)
    tall = inside[:, columns].sum(0)
    open_light = 0.5 + 0.5 * smoothstep(tall.max() / (OPEN_LIGHT_FULL * 2.0 * half.max()))
    # The gum line: a crown's height above the edge at each tooth's middle, lower between two.
    gum_line = line - row.crown * iod * (1.0 - PAPILLA * from_side ** 2)
    # Only the pixels over the opening and its anti-aliased edge (a pixel out) above the teeth's
    # edge: a curved slit's box is mostly neither.
    grown = cv2.dilate(inside.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    index = np.full(w, -1)
    index[columns] = np.arange(len(columns))
    ys, xs = np.nonzero(grown & (np.arange(h)[:, None] < np.ceil(bottom.max() + 0.5)))
    at = index[xs]
    ys, at = ys[at >= 0], at[at >= 0]
    xs = columns[at]
    weight = np.clip(bottom[at] - (ys + 0.5) + 0.5, 0.0, 1.0) \
        * (1.0 - smoothstep((a[at] - FADE_FROM) / (1.0 - FADE_FROM)))
    drawn = weight > 0.0
    ys, xs, at, weight = ys[drawn], xs[drawn], at[drawn], weight[drawn]
    y = ys + 0.5
    shade = LIP_SHADE_LIGHT + (1.0 - LIP_SHADE_LIGHT) * smoothstep(
        (y - top[at]) / (LIP_SHADE * half[at]))
    gum = np.clip(gum_line[at] - y + 0.5, 0.0, 1.0)
    # Down the crown: darker at its neck and along its thin edge than across its middle.
    down = (y - gum_line[at]) / np.maximum(line[at] - gum_line[at], 1.0)
    neck_to_edge = (1.0 - NECK_SHADE * (1.0 - smoothstep(down / 0.4))) \
        * (1.0 - EDGE_SHADE * smoothstep((down - 0.85) / 0.15))
    lit = open_light * shade * (LEVEL * across[at] * neck_to_edge * (1.0 - gum)
                                + GUM_LIGHT * receding(a[at]) * gum)
    weights, gums = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    light[ys, xs], weights[ys, xs], gums[ys, xs] = lit, weight, gum
    return light, weights, gums


def shot_texture(original: np.ndarray, channels: list[int], origin: tuple[int, int],
                 edge: np.ndarray, shot_edge: np.ndarray, iod: float, weight: np.ndarray
                 ) -> np.ndarray:
    """The fine detail of an open smile's own upper teeth, mirrored under their edge onto its
    drawn lower row: ``h×w`` float32, each drawn pixel's light over its surroundings' (1 where
    ``weight``, the row's ``h×w`` weight from :func:`draw`, is 0). ``original``: the crop
    (``S×S×C`` linear) whose ``channels`` are read; ``origin``: the crop px of the box's pixel 0;
    ``edge`` and ``shot_edge``: :attr:`HiddenTeeth.lower` and :attr:`HiddenTeeth.shot_edge` in
    the box's px (centres at +0.5); ``iod`` in them.

    Tooth by tooth: a place in a lower tooth reads the same place in the upper one of the same
    rank (:data:`LOWER_BOUNDS` onto :data:`BOUNDS` from the midline), as far above the upper
    edge as it lies below the lower one (scaled by the crowns' heights). Only the detail — the
    light over its Gaussian mean at :data:`TEXTURE_SCALE`, within :data:`TEXTURE_RANGE` — the
    row's shading stays the drawing's: the plate's teeth as they are, the lower row took the
    side teeth's shade twice. Drawn plain, the row read as tiles of one cream beside the
    smile's own teeth (faces 11, 17 under AU25 and AU25 + AU26, looked at 3×)."""
    h, w = weight.shape
    out = np.ones((h, w), np.float32)
    ys, xs = np.nonzero(weight > 0.0)
    if not len(ys):
        return out
    ex, ey, midline, _, units = _along(edge, iod)
    x = xs + 0.5
    unit = np.where(x < midline, *units)
    from_midline = (x - midline) / unit
    x_shot = midline + np.sign(from_midline) * np.interp(
        np.abs(from_midline), LOWER_BOUNDS, BOUNDS) * unit
    below = (ys + 0.5 - np.interp(x, ex, ey)) * CROWN / LOWER_CROWN
    order = np.argsort(shot_edge[:, 0])
    y_shot = np.interp(x_shot, shot_edge[order, 0], shot_edge[order, 1]) - below
    light = sample_window(original, x_shot + origin[0], y_shot + origin[1], cv2.INTER_LINEAR,
                          channels).mean(1)
    weighed, weights = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    weighed[ys, xs], weights[ys, xs] = light * weight[ys, xs], weight[ys, xs]
    sigma = TEXTURE_SCALE * iod
    mean = cv2.GaussianBlur(weighed, (0, 0), sigma) / np.maximum(
        cv2.GaussianBlur(weights, (0, 0), sigma), 1e-6)
    detail = np.log(np.clip(light / np.maximum(mean[ys, xs], 1e-6), *TEXTURE_RANGE))
    # Less its mean down each column: the upper teeth's own edges, where they do not meet the
    # drawn row's, stood in it as vertical lines, a ribbed row (face 2 at 4×).
    down = np.bincount(xs, weight[ys, xs] * detail, w) / np.maximum(
        np.bincount(xs, weight[ys, xs], w), 1e-6)
    out[ys, xs] = np.exp(detail - down[xs])
    return out
