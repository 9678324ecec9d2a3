"""Teeth that stay where the plate has them while the lips move round them.

An open smile's teeth belong to the skull (the upper row) and the jaw (the lower): when the
corners rise (AU12), fall (AU15) or stretch (AU20), the lips slide over still teeth. A smooth
field cannot do that — it moves the lips and the teeth between them together, and the side
teeth bent up along a rising corner, stretched long, or were pulled down into points under a
falling one ("fangs", looked at on the shared open smiles). Here the renderer makes the opening
the edit leaves between the inner lips itself, at full size (:func:`hold_teeth`), column by
column across the mouth in the face's frame:

- the **teeth as shot**: the plate sampled with the teeth's own field (the jaw's,
  :func:`.mouth.mouth_field`, when AU25/AU26 open the mouth) — where nothing moves them, the
  plate's own pixels, bit for bit;
- towards the corners (:data:`CORNERS`), where the upper lip moved off them, that column's
  upper half of the opening **stretched** along the face's vertical to meet it, at most
  :data:`MOST_STRETCH` (more of the crowns shows, and the edges between teeth stay vertical);
  never the lower half, which often holds the upper teeth's edges. Where the mesh's contour
  lies on the lip (up to ~0.1 IOD above the teeth on the shared open smiles), the lip's own
  band over the teeth goes up with it whole and the teeth are stretched from its edge, at most
  :data:`BANDED_STRETCH`;
- past that reach, and past the corners as shot, the **mouth's own dark**: its darkest
  :data:`DARKEST` percent with the plate's grain — the buccal corridor a broad smile shows
  between its side teeth and cheeks. The mesh's inner contour lies a pixel or two on the lip:
  from :data:`TEETH_MARGIN` inside it the dark takes over there, else a line of the still lip
  stayed behind in the opening (a ghost lip); where its lower lip cuts across the teeth's tips
  instead, it is first fitted out to the lip's own edge (:func:`on_the_lip`);
- under a lower lip that fell (AU15, sad, disgust), the **band of lip** the mesh's contour
  leaves inside the opening over its middle (up to ~0.07 IOD of the lip's upper surface below
  the teeth, measured by :func:`on_the_lip`) comes down with the lip, and what it uncovered
  below the teeth shows the **lower teeth in the shade** (:data:`FELL_SHADE`; drawn as
  :mod:`.hidden_teeth` draws them, their edges where the upper ones end as shot) fading into the
  mouth's dark by the corners — held as shot, the band was a second lip edge above the lip's
  own; the dark alone, a flat black triangle under each side's teeth (only as much as teeth
  reach the lower lip: a talking mouth's tongue goes down with the warp); by the corners, where
  the lip as shot cut across the side teeth, they **go on down** first (:data:`HIDDEN_TIPS`,
  :func:`_tips_under_the_lip`): cut there, they ended in one slant above the dark; where the
  warp drew them out by little (a disgusted mouth's corners, :data:`DRAWN_OUT`), the **warp**
  down to the lip;
- above the teeth, where an upper lip whose middle rose has left them (AU10, disgust: the rig
  lets it go up whole), the **gums** it uncovers and more of the crowns (:mod:`.gums`), from
  the lip's own edge (:func:`_upper_lip_edge`); where the lip only slid up along them (a
  smile's corners), the warp as it is.

Only as much as the mouth shows its teeth (:func:`teeth_share`): a closed mouth's inner contours
still lie ~0.06 IOD apart over the lips (:data:`.mouth.TEETH_GAP`), and the hold fades in as a
mouth opens, so a clip that opens into a smile does not pop. The rig keeps the opening in its
fold check (the warp still shows in its middle) and the renderer draws the mouth's cavity after
it (:func:`teeth_field`).

Coordinates: the region's grid is the field's (``grid`` px a side, centres at +0.5); the crop is
``S`` px, ``S / grid`` of them a grid pixel. Fields are backward maps, ``2×G×G``, channel 0 = x.
"""
from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np
from numba import njit
from scipy.ndimage import minimum_filter1d

from ..points import carried, channels_of, sample_points, sample_window
from . import gums, hidden_teeth, softness
from .base import FullSize, PixelsAt, grid_box, redness, smoothstep
from .grain import brightest_mean, darkest_mean, grain_noise, laid_on, relative_grain
from .mouth import (LOWER_INNER, SOFT_FROM, TEETH_SPAN, UPPER_INNER, Generated, cavity_colour,
                    coverage, in_hue_of, iris_axes, skin_beside, teeth_shown)

_windows = np.lib.stride_tricks.sliding_window_view

#: The width of a drawn edge's ramp (px) per px of the blur it lacks against the plate (σ): a
#: Gaussian edge's 10–90 % rise is 2.56 σ, a linear ramp's 0.8 of its width.
EDGE_RAMP = 3.2
#: How far in from the inner-lip contour as shot (IOD) the teeth are trusted, and over how much
#: more they fade in: the mesh's contour lies up to ~0.01 IOD on the lip on the shared open
#: smiles (looked at, 2× overlays).
TEETH_MARGIN, TEETH_FADE = 0.012, 0.008
#: Across the opening as shot (0 its middle, 1 a corner), where the teeth's stretch and the
#: mouth's dark come in, from nothing to whole.
CORNERS = (0.4, 0.75)
#: The teeth go down with lips that both went down there (:func:`hold_teeth`), by as much as
#: the lips fell past LOWERED_LEAST (IOD): its first by the corners, its second in the middle,
#: eased between across LOWERED (across the opening as shot, as CORNERS). Lips that barely moved
#: (a smile's beside its middle; AU15's middle, 1–3 px) leave the teeth as shot, bit for bit.
#: Lowered by a share of the fall instead, the teeth half lowered between middle and corners
#: left a crescent of dark across them under the lip that fell past them (face 12 under sad,
#: looked at 3×); lowered by the fall less a few px, the lip falls past them by no more than
#: those (SMALL_GAP's warp).
LOWERED, LOWERED_LEAST = (0.35, 0.6), (0.005, 0.02)
#: Under a lower lip that fell this much (IOD) or less past the teeth there, the warp shows
#: their ends drawn out by as little, not the mouth's dark; the dark whole from twice as much.
SMALL_GAP = 0.012
#: ... nor where the warp drew what lay there out down the face by little: at a source rate
#: (source px per px, down the face) over the second of these, eased from the first. Under a
#: disgusted mouth's corners the warp draws the side teeth out by 1.1–1.4× (faces 5, 14, 18:
#: its median rate 0.8), and it read as the mouth's corner; under AU15 into fangs (faces 2, 12:
#: 0.5).
DRAWN_OUT = (0.55, 0.7)
#: Over how far (IOD) a column the warp takes whole (teeth lowered, drawn out by little: see
#: :func:`hold_teeth`) eases into the held teeth beside it.
WHOLE_BLEND = 0.03
#: ... nor where what it brought there was lit under the first of these × the teeth's light (the
#: opening's brightest) as shot, eased to the second: the mouth's own dark. (From TOOTH_LIKE's
#: 0.3, the shaded side teeth's edges blended into the dark beside them as light outlines.)
NO_TOOTH = (0.1, 0.2)
#: How much longer a lip moving off its teeth may show them (their half of the opening
#: stretched along the face's vertical, as more of their crowns shows); past it, the mouth's dark.
MOST_STRETCH = 2.5
#: ... and where the upper lip's own band over the teeth goes up with it by the corners (the
#: mesh's contour lying on the lip: :func:`hold_teeth`), from BAND_FULL IOD of band: there the
#: teeth's tops as shot lie in the lip's shade, and stretched 2.5× they were pale streaks and
#: tall grey crowns beside the corridor (faces 0, 1, 9 under happy, looked at 2×).
BANDED_STRETCH, BAND_FULL = 1.6, 0.03
#: Over how far (× the margin's fade) that band, gone up with the lip, eases into the dark below
#: it: cut sharp along its edge, the dark stood as a block cut straight down by a steep corner.
BAND_EASE = 3.0
#: Over how far past the stretch's reach (× the margin's fade) a lip brings the dark in: eased by
#: the stretch alone, whose change is steep by the corners, it stepped in between columns.
STRETCH_EASE = 3.0
#: Above the teeth's middle, by the corners, the dark comes in softer: past the corners as shot
#: over CORNER_FADE (IOD), and past the stretch's reach over SOFT_EASE × the margin's fade.
#: Eased as sharply as below, an open smile's corners drawn up and out (AU12, happy) were
#: near-black blocks cut straight down at the corners as shot and where the stretch ran out
#: (faces 1, 9, 14, 18, 0, 7 under happy at 0.8, looked at 2.5×); eased in, the corridor darkens
#: towards the corners over the side teeth as a shadow does.
CORNER_FADE, SOFT_EASE = 0.05, 12.0
#: How far past the mesh's lower inner lip (IOD) the lip's own edge is looked for: on open
#: smiles the mesh's contour can cut across the side teeth's tips by up to ~0.03 IOD, and the
#: tips left out were warped with the lips into a slanted sliver beside the dark (faces 0, 2, 5
#: of the shared open smiles, looked at).
LIP_SEARCH = 0.04
#: The lip's edge past a contour lying on the teeth: the darkest line within LIP_SEARCH (the
#: shadow where a tooth meets the lip), at least EDGE_DROP darker than the brightest pixel before
#: it (a tooth), EDGE_RISE darker than the brightest of the four after it (the lip) and
#: EDGE_BELOW_LIP darker than the lower lip itself (its median past the search) — a glossy lip's
#: highlights are a bright band with the lip's own red beyond: read as a tooth's tip, the lip
#: was held as shot under a falling lower lip (face 9, looked at). All in the natural log of the
#: light.
EDGE_DROP, EDGE_RISE, EDGE_BELOW_LIP = 0.2, 0.1, 0.35
#: How far into the opening from the mesh's lower inner lip (IOD) the lip's own edge is looked
#: for where the contour lies on the lip: on the shared open smiles it lies up to ~0.07 IOD below
#: the teeth (faces 0, 1, 5, 9: the lip's upper surface, in the teeth's shadow), and a band of that
#: lip stayed under the teeth when the lower lip fell (AU15, sad, disgust; looked at).
BAND_SEARCH = 0.1
#: A tooth past the lip's band: at least TOOTH_RISE (natural log of the light) brighter than the
#: darkest of the band before it — the shadow where a tooth meets the lip — and TOOTH_OVER_LIP
#: brighter than the lip at the contour, for TOOTH_RUN pixels on end (a glossy lip's highlights
#: are a pixel or three).
TOOTH_RISE, TOOTH_OVER_LIP, TOOTH_RUN = 0.5, 0.1, 4
#: The share of the upper lip's middle third along which its edge must be found for it to be
#: fitted (:func:`_upper_lip_edge`).
BAND_FOUND = 0.4
#: The upper lip's own edge over the teeth (:func:`_upper_lip_edge`), looked for from LIP_SEARCH
#: out to BAND_SEARCH in from the mesh's contour: where "toothness" — the natural log of the
#: light less REDNESS_WEIGHT × the redness — rises by EDGE_STEP at least across EDGE_SPAN (IOD,
#: at least 3 px) either side, the redness falls by RED_STEP, the toothness stays EDGE_STEP up
#: for EDGE_HOLDS beyond, and no redness comes back within EDGE_CLEAR (a lip's sheen is a light,
#: pale band with the lip's red past it). On the shared open smiles the mesh's upper contour lies
#: from ~0.02 IOD on the teeth (faces 14, 16) to ~0.06 on the lip (faces 0, 1, 3); what it
#: leaves of the teeth above it went up with a rising lip as a pale strip over the gums.
REDNESS_WEIGHT, EDGE_STEP, RED_STEP = 3.0, 0.3, 0.05
EDGE_SPAN, EDGE_HOLDS, EDGE_CLEAR = 0.012, 0.03, 0.06
#: The edge is one path along the lip: it moves in or out by at most half a px per px along
#: the contour, at a cost of EDGE_BEND (in the toothness's slope per EDGE_SPAN) per unit of
#: slope. Point by point, a lip's sheen or a dark gap between two teeth passed for its edge here
#: and there (faces 18, 0; looked at 3×).
EDGE_BEND = 0.22
#: A point's edge lies on the path where the path's score there is at least ON_PATH of the
#: point's best; under BAND_FOUND of the middle third's on it, the mouth is not fitted.
ON_PATH = 0.5
#: Where no tooth lies in from the lower lip by an open smile's corners (:func:`_no_tooth`): a
#: tooth is lit at least TOOTH_LIGHT of the search's brightest and less red than TOOTH_RED of the
#: lip's redness, read LIP_BODY IOD out in the lip. On the shared open smiles the lips' redness
#: ((R − G) / (R + G + B)) is 0.3–0.65, their teeth's 0.0–0.22 (the side teeth in shade, 0.33–0.7
#: of the brightest, as light as the lips' pink inner side).
TOOTH_LIGHT, TOOTH_RED, LIP_BODY = 0.3, 0.6, 0.03
#: The lip's redness is read along the whole lip (its upper quartile: where the contour lies on
#: the teeth, LIP_BODY out is still teeth, or a moustache); under LIP_RED_LEAST (a black-and-white
#: plate) colour tells nothing, and light alone decides.
LIP_RED_LEAST = 0.05
#: The shares of the lower lip's middle third along which a tooth is found over which a mouth
#: goes from a floor without teeth (a talking mouth's tongue: the warp under a falling lip) to
#: an open smile's teeth down to the lip (the mouth's dark under it).
TOOTHED = (0.25, 0.6)
#: The mouth's dark: the mean of this darkest percent of the opening as shot (the shadow beside
#: and between its teeth; its darkest tenth took in the gums' pink: a flat brown patch).
DARKEST = 3
#: ... and at most this share of the cheeks' light beside the nose (:data:`.mouth.SKIN_POINTS`):
#: a broad smile's buccal corridor is deep shadow. Where an opening's darkest is its lips' or
#: gums' shade (faces 12 and 16 of the shared open smiles: 0.2 of the cheeks), the dark beside a
#: rising corner was a flat mauve patch over the moustache or the lip (looked at); on the other
#: shared smiles and clips the darkest lies at 0.002–0.09 of the cheeks.
DARK_OF_SKIN = 0.08
#: Under a lower lip that fell off an open smile's teeth (AU15, sad, disgust) its lower teeth
#: show, in the shade of the upper ones and of the mouth's corners (fading into its dark there):
#: FELL_SHADE of the light of the teeth as shot (the mean of the brightest TEETH_BRIGHTEST
#: percent of the opening), their balance FELL_HUE of the way to the mouth dark's. The dark
#: alone was a flat black triangle under each side's teeth, cut straight along the lip as shot;
#: at 0.6 and the teeth's own hue the row read as an olive-grey grille, in the dark's hue
#: (0.7) orange on a face whose darkest is its lips' (faces 1, 2, 5, 9, 16, 18; looked at); at
#: 0.5, once the side teeth went on past the lip as shot (:data:`HIDDEN_TIPS`), the wedges left
#: under them were grey grilles beside the corridor's near-black (faces 9, 14, 18 under AU15
#: and sad; looked at 1:1 and 3×).
FELL_SHADE, TEETH_BRIGHTEST, FELL_HUE = 0.3, 30, 0.35
#: How far (IOD, by the corners: :data:`CORNERS`) the upper teeth go on past where the lower lip
#: as shot cut them, once it falls (~2 mm: a broad smile's lower lip covers the side teeth's
#: tips) — as much as the row where they end as shot is lit like teeth: from the first to the
#: second of TOOTH_LIKE × the teeth's light (the brightest of the opening). Shaded side teeth
#: read 0.6–1 of it on the shared open smiles, the lip's pink inner side and the gaps under a
#: pointed tooth 0–0.2.
HIDDEN_TIPS, TOOTH_LIKE = 0.03, (0.3, 0.5)


#: Points an :func:`opening` has along each segment of the mesh's inner-lip contour: each may
#: be fitted to the lip's own edge (:func:`on_the_lip`).
SUBDIVIDE = 6


def opening(mesh: np.ndarray) -> np.ndarray:
    """The mouth's opening as the mesh has it: the upper inner lip corner to corner, then the
    lower one back (``K×2``, ``mesh``'s grid), :data:`SUBDIVIDE` points a segment."""
    upper, lower = _subdivided(mesh[list(UPPER_INNER)]), _subdivided(mesh[list(LOWER_INNER)])
    return np.concatenate((upper, lower[-2:0:-1]))


def contours(polygon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The upper and lower inner lips of an :func:`opening` (``K×2`` each, corner to corner)."""
    n = (len(UPPER_INNER) - 1) * SUBDIVIDE + 1
    upper = polygon[:n]
    return upper, np.concatenate((upper[:1], polygon[n:][::-1], upper[-1:]))


def carried_opening(polygon: np.ndarray, field: np.ndarray) -> np.ndarray:
    """Where the backward ``field`` (``2×G×G``) carries an :func:`opening` (``K×2``, ``G``'s
    grid): its mesh points carried (:func:`~atw_ofx.points.carried`), the points between them
    moved as the two either side, in proportion. Each carried alone, they bent into kinks by a
    smile's corners, where the spline's field turns sharply between the moved corner and the
    teeth held just inside it (a spiked dark there, face 2 under happy, looked at)."""
    out = []
    for contour in contours(polygon):
        ends = contour[::SUBDIVIDE]
        moved = carried(ends, field) - ends
        along = np.arange(len(contour)) / SUBDIVIDE
        out.append(contour + np.stack([np.interp(along, np.arange(len(ends)), moved[:, axis])
                                       for axis in (0, 1)], 1))
    upper, lower = out
    return np.concatenate((upper, lower[-2:0:-1]))


def _subdivided(contour: np.ndarray) -> np.ndarray:
    """``contour`` (``K×2``) with each segment cut into :data:`SUBDIVIDE` equal steps
    (``(K − 1)·SUBDIVIDE + 1`` points, the originals among them)."""
    steps = np.arange(SUBDIVIDE)[:, None] / SUBDIVIDE
    inner = (contour[:-1, None] + steps[None] * (contour[1:] - contour[:-1])[:, None])
    return np.concatenate((inner.reshape(-1, 2), contour[-1:]))


def teeth_share(mesh: np.ndarray, lit: np.ndarray | None = None,
                gap_lit: float | None = None) -> float:
    """How much the mouth shows its teeth (0–1): the most of the middle pairs of inner-lip
    points (:data:`.mouth.TEETH_SPAN`) by their gap (:func:`.mouth.teeth_shown`) — given
    ``gap_lit`` (:func:`.mouth.gap_lit`), only as much as the gap is lit like teeth — or, given
    ``lit`` (per pair, :func:`.mouth.teeth_lit`), by the teeth's light between them."""
    shown = teeth_shown(mesh)[2][TEETH_SPAN] * (1.0 if gap_lit is None else gap_lit)
    if lit is not None:
        shown = np.maximum(shown, lit[TEETH_SPAN])
    return float(shown.max())


@dataclass(frozen=True)
class HeldTeeth:
    """The teeth of an open mouth, held as shot (:func:`hold_teeth`): the opening as shot
    (``shot``) and as the edit leaves it (``polygon``), :func:`opening`'s ``K×2`` each on a
    ``grid`` px grid; the face's unit ``down`` axis; how much the mouth shows its teeth
    (``share``, 0–1); the inter-ocular distance on the grid (``iod``, px); and the teeth's own
    backward field (``2×grid×grid`` float32, grid px: the jaw's), or None where they stay still
    (``shot`` is then where that field takes the opening). ``band``: how deep (grid px, along
    the contour's normal — the face's ``down`` over the mouth's middle) the lower lip as shot
    reaches into the opening past each point of its lower inner lip (``contours(shot)[1]``'s
    ``K``; :func:`on_the_lip`), or None where it reaches nowhere. ``toothed`` (``K``, 0–1): how
    much teeth lie along the lower lip as shot at each of those points — an open smile's, down
    to the lip — rather than none (0: a talking mouth's tongue, the mouth's own dark, on the
    opening's floor); None where unknown (teeth). ``skin``: where the cheeks beside the nose
    lie (``2×2`` grid px, :data:`.mouth.SKIN_POINTS`), which the mouth's dark is held under
    (:data:`DARK_OF_SKIN`); None: not held. ``lip``: points in the upper lip's body, then as
    many in the lower's (``2K×2`` grid px, :func:`.mouth.lip_body`), where the lips' colour is
    read for the gums a rising lip uncovers (:mod:`.gums`);
    None: none drawn. ``upper_band``: as ``band``, the upper lip's past each point of its
    inner contour (``contours(shot)[0]``'s ``K``), or None. ``lifted``: how much the upper lip's
    middle rises off the teeth (0–1: AU10's, not a smile's corners sliding up along them) — as
    much, the gums it uncovers are drawn. ``reach``: as ``band``, how deep in from the lower
    inner lip no tooth lies (:func:`_no_tooth`: at least the band), or None where unknown."""

    shot: np.ndarray
    polygon: np.ndarray
    down: np.ndarray
    grid: int
    share: float
    iod: float
    field: np.ndarray | None = None
    band: np.ndarray | None = None
    toothed: np.ndarray | None = None
    skin: np.ndarray | None = None
    lip: np.ndarray | None = None
    upper_band: np.ndarray | None = None
    lifted: float = 0.0
    reach: np.ndarray | None = None


def hold_teeth(warped: np.ndarray, original: np.ndarray, teeth: HeldTeeth,
               colour: tuple[int, ...], field: np.ndarray | None = None
               ) -> tuple[np.ndarray, Generated]:
    """``warped`` (``S×S×C`` linear, the ResWarp result, by the backward ``field`` — ``2×G×G``
    on the teeth's grid; None: unknown —; changed in place) with the opening the edit leaves
    made from ``original`` (the crop before the edit); returns ``(warped, generated)``, the
    dark's soft mask for the ``generated`` AOV. Only the ``colour`` channels are written, only
    inside the opening's box.

    Column by column across the mouth (the face's frame), the teeth between the lips as shot stay;
    towards the corners, where the upper lip has moved off them, their half of the opening is
    stretched along the face's vertical to meet it, at most :data:`MOST_STRETCH` (more of the crowns
    shows; vertical edges between teeth stay vertical — a warp bent them along the corners) — from
    the lip's own edge where the mesh's contour lies on the lip, its band (``teeth.upper_band``)
    going up with it whole; beyond that, and past the corners as shot, the mouth's dark
    (:func:`_mouth_dark`), eased in from :data:`TEETH_MARGIN` inside the contour as shot; above the
    teeth, under an upper lip whose middle rose off them (``teeth.lifted``), the gums it uncovers
    (:mod:`.gums`); elsewhere under a lip that rose, the warp. By the corners, where both lips went
    down (AU15, sad), the teeth go down with them, whole; under a lower lip that fell further there,
    the warp wherever it shows what lay below the teeth as shot or drew their ends out by little
    (given ``field``), the dark where it drew them out far."""
    size = warped.shape[0]
    k = size / teeth.grid
    shot, now = teeth.shot * k, teeth.polygon * k
    x0, y0, x1, y1 = grid_box(np.concatenate((shot, now)), size, 2)
    empty = Generated(y0, x0, np.zeros((max(y1 - y0, 0), max(x1 - x0, 0)), np.float32))
    if x1 <= x0 or y1 <= y0 or teeth.share <= 0.0:
        return warped, empty
    inside = coverage(now, (x0, y0, x1, y1)) * np.float32(teeth.share)
    rows, cols = np.nonzero(inside > 0)
    if not len(rows):
        return warped, empty
    channels = list(colour)
    x, y = cols + x0 + 0.5, rows + y0 + 0.5
    down = np.asarray(teeth.down, np.float64)
    along = np.array([down[1], -down[0]])
    frame = lambda q: np.stack((q @ along, q @ down), -1)  # noqa: E731
    px, py = frame(np.stack((x, y), 1)).T
    shot_lips = [frame(c) for c in contours(shot)]  # upper, lower: in the face's frame
    now_lips = [frame(c) for c in contours(now)]
    (u0, l0), (u1, l1) = ([_across(c, px) for c in lips] for lips in (shot_lips, now_lips))
    # Towards the corners only (CORNERS, across the opening as shot): in the middle a lip that
    # rises off the teeth (AU10, disgust) uncovers gums (below), and stretching the teeth's top
    # there drew the lip's edge up into vertical streaks.
    ends = np.sort(shot_lips[0][[0, -1], 0])
    centre, half_width = (ends[0] + ends[1]) / 2, max((ends[1] - ends[0]) / 2, 1e-3)

    def corner_at(q: np.ndarray) -> np.ndarray:
        return smoothstep((np.abs(q - centre) / half_width - CORNERS[0])
                          / (CORNERS[1] - CORNERS[0]))

    def beside_middle(q: np.ndarray) -> np.ndarray:
        """How far out of the middle ``q`` lies (0–1, across :data:`LOWERED`), where the teeth
        stay unless both lips fell past LOWERED_LEAST's second."""
        return smoothstep((np.abs(q - centre) / half_width - LOWERED[0])
                          / (LOWERED[1] - LOWERED[0]))

    def lowered_at(q: np.ndarray) -> np.ndarray:
        """How far the teeth go down at ``q`` (along the eye line; px down the face): as far as
        both lips went down there, less :data:`LOWERED_LEAST`. A corner pulled down
        (AU15, sad) takes both lips down alike (within a px or two on the shared open smiles);
        held as shot, the side teeth left a near-black wedge as tall as that drop under them,
        drawn lower teeth ghosting in it (faces 0, 4, 12, 14 under sad; looked at 4×), where
        the warp that carried them down with the corner read as a mouth. Carried whole, column
        by column: a tooth's edges stay vertical and its crown its own height."""
        fell = np.minimum(_across(now_lips[0], q) - _across(shot_lips[0], q),
                          _across(now_lips[1], q) - _across(shot_lips[1], q))
        least = least_fall + (1.0 - beside_middle(q)) * (middle_fall - least_fall)
        return np.maximum(fell - least, 0.0)

    least_fall, middle_fall = (share * teeth.iod * k for share in LOWERED_LEAST)
    corner = corner_at(px)
    # The opening as shot where its teeth are now: by the corners, lowered with the lips.
    lowered = lowered_at(px)
    u0, l0 = u0 + lowered, l0 + lowered
    # Each column's middle stays; its upper half is stretched to meet an upper lip that rose off
    # it. Only upwards: below the middle a column often holds the upper teeth's edges, and
    # stretched down under a falling lower lip (AU15, disgust) they grew into points (looked at).
    middle = (u0 + l0) / 2
    upper = py < middle
    lip_band = 0.0 if teeth.upper_band is None else _across(shot_lips[0], px,
                                                            teeth.upper_band * k)
    # By the corners the upper lip's own band over the teeth (where the mesh's contour lies on
    # the lip) goes up with the lip, and only the teeth below it are stretched: stretched from
    # the contour, the lip's edge (a moustache over it) was drawn down into streaks. (The band
    # stops a px short of the teeth: their edge is read from the lip's own edge.)
    lip_edge = np.where(lip_band > 0.0, lip_band + 1.0, 0.0)
    over = np.where(upper, np.minimum(lip_edge * corner, 0.75 * np.maximum(middle - u0, 0.0)),
                    0.0)
    # (Under such a band, by as much as it is one, the teeth stretch less: BANDED_STRETCH.)
    banded = smoothstep(over / (BAND_FULL * teeth.iod * k))
    most = np.where(upper, 1.0 + (MOST_STRETCH + banded * (BANDED_STRETCH - MOST_STRETCH) - 1.0)
                    * corner, 1.0)
    half_now = np.where(upper, middle - u1 - over, l1 - middle)
    half_shot = np.where(upper, middle - u0 - over, l0 - middle)
    stretch = half_now / np.maximum(half_shot, 1e-3)
    # Held inside the opening as shot (a pixel its edge only partly covers lies a little out).
    # Eased in from the column's middle, where the teeth below are as shot: stretched evenly,
    # the rate of the stretch stepped there into a hard horizontal seam across the crowns (the
    # side teeth under disgust, looked at 5×). Each column's source distance from the middle is
    # T·(t − t^(p+1)/(p+1)) at t of its reach T (where it meets the lip as shot): unstretched at
    # the middle, the most stretch by the lip, p = r / (1 − r) for the shot's share r.
    stretched = (stretch > 1.0) & (most > 1.0)
    shot_share = 1.0 / np.clip(stretch, 1.0, most)
    source = py.copy()  # (unstretched, exactly: middle + (py − middle) need not round to py)
    # (Evenly stretched, where the dark beyond the stretch's reach is measured from: eased, the
    # source lies within a margin of the lip as shot over more rows, and the dark came down.)
    evenly = np.where(stretched, middle + (py - middle) * shot_share, py)
    if stretched.any():
        share = shot_share[stretched]
        reach = half_shot[stretched] / share
        t = np.clip((middle[stretched] - py[stretched]) / np.maximum(reach, 1e-6), 0.0, 1.0)
        # (The rate falls from 1 as 1 − a·t^p: where the teeth are stretched less than twice,
        # linearly (p = 1) to 2·share − 1 by the lip — fallen to nothing there, the row by the
        # lip was drawn out into streaks, the teeth's tops or a moustache over them —; stretched
        # more, to nothing, p = share / (1 − share).)
        power = np.minimum(share / np.maximum(1.0 - share, 1e-6), 1.0)
        fall = (1.0 - share) * (power + 1.0)
        source[stretched] = middle[stretched] - reach * (t - fall * t ** (power + 1.0)
                                                          / (power + 1.0))
    # Above the stretched teeth, the lip's own band as shot, moved up with the lip whole.
    in_band = upper & (over > 0.0) & (py < u1 + over)
    source[in_band] = u0[in_band] + (py[in_band] - u1[in_band])
    # The lower lip's band inside the opening as shot (its upper surface, below the teeth)
    # moves with the lip: a lip that fell (AU15, sad, disgust) left it under the teeth, a second
    # lip edge above its own, and uncovers the mouth's dark between (below).
    margin = TEETH_MARGIN * teeth.iod * k
    fade = max(TEETH_FADE * teeth.iod * k, 1.0)
    # Over the middle only (by the corners the lip's fall is steep and the band there, carried
    # with it, broke into shards of lip in the corners' dark; looked at).

    def band_at(q: np.ndarray, lip: np.ndarray, middle: np.ndarray, carried: bool = True
                ) -> np.ndarray:
        """The lower lip's band at ``q`` (along the eye line): over the middle, where the lip
        carries it; or, not ``carried``, what is not teeth in from the lip — the band, and by
        the corners as far as no tooth lies (:attr:`HeldTeeth.reach`)."""
        if teeth.band is None and (carried or teeth.reach is None):
            return np.zeros_like(q)
        band = 0.0 if teeth.band is None else _across(shot_lips[1], q, teeth.band * k)
        if carried:
            band = band * (1.0 - corner_at(q))
        elif teeth.reach is not None:
            band = band + corner_at(q) * (_across(shot_lips[1], q, teeth.reach * k) - band)
        return np.minimum(band, np.maximum(lip - middle, 0.0))

    band = band_at(px, l0, middle)
    # Where the teeth end as shot: above the whole band, by the corners too. Left there, the band
    # the lip does not carry stayed behind in the opening, a ghost of the lip across the dark
    # (AU15 and sad on faces 0 and 14, looked at).
    shot_band = band_at(px, l0, middle, carried=False)
    teeth_end = l0 - np.maximum(shot_band, margin)
    # The dark from where the teeth end (TEETH_MARGIN in at least: a ghost lip) to the band's
    # top where the lip took it, the band there carried with the lip (its top row up to a fade
    # higher, the lip's edge as soft as the dark's). Only down: carried up over the teeth (AU12's
    # lower lip), the band cut their ends flat (looked at); there the warp's lip meets them.
    drop = np.where(upper, 0.0, np.maximum(l1 - l0, 0.0))
    dark_top, lip_top = teeth_end, l0 - band + drop
    source = np.clip(np.where(~upper & (py >= lip_top - np.minimum(fade, drop)),
                              np.maximum(py - drop, l0 - band), source), u0, l0)
    # The teeth as shot: the plate's own pixels, bit for bit, where nothing moves them.
    as_shot = original[rows + y0, cols + x0][:, channels].astype(np.float32)
    teeth_light = float(brightest_mean(as_shot.mean(1)[:, None], TEETH_BRIGHTEST)[0])
    # By the corners the lower lip as shot hid the upper teeth's tips: where it fell, they go on
    # down (the row where they ended repeated) as far as :func:`_tips_under_the_lip` has them,
    # and the dark or the lower teeth come in only past them. Left where the lip as shot cut
    # them, the side teeth ended in one slant across them all above the dark (AU15, sad, disgust
    # on the shared open smiles; looked at). Not in the middle: its teeth show their ends. No
    # further than the lip fell (repeated from the top of the band of lip measured by the
    # corners, a lip that barely moved drew a white streak down from a side tooth: face 14
    # under AU10 and AU09, looked at).
    tips, tips_k = dark_top, None
    uncovering = np.where(upper, 0.0, corner * smoothstep(drop / fade))
    if uncovering.any():
        lower_lip = shot_lips[1]
        lip_along = lower_lip[:, 0]
        ends_shot = lower_lip[:, 1] - np.maximum(band_at(
            lip_along, lower_lip[:, 1], (_across(shot_lips[0], lip_along) + lower_lip[:, 1]) / 2,
            carried=False), margin)
        tips_k = _tips_under_the_lip(original, lower_lip, ends_shot, along, down, channels,
                                     teeth_light,
                                     HIDDEN_TIPS * teeth.iod * k * corner_at(lip_along))
        tips = dark_top + uncovering * (np.clip(_across(lower_lip, px, tips_k) + lowered,
                                                dark_top,
                                                np.maximum(np.minimum(lip_top - fade,
                                                                      dark_top + drop),
                                                           dark_top)) - dark_top)
        source = np.where((uncovering > 0.0) & (py > dark_top) & (py < tips), dark_top, source)

    def teeth_end_at(q: np.ndarray) -> np.ndarray:
        """Where the upper teeth end as shot at ``q`` (along the eye line; px down the face):
        above the lip's band, by the corners as far as they went on under the lip."""
        lip = _across(shot_lips[1], q)
        end = lip - np.maximum(band_at(q, lip, (_across(shot_lips[0], q) + lip) / 2,
                                       carried=False), margin)
        if tips_k is None:
            return end
        return end + corner_at(q) * np.maximum(_across(shot_lips[1], q, tips_k) - end, 0.0)

    # (Read as shot where the lips' corners had them: ``lowered`` above.)
    sx, sy = (x + (source - lowered - py) * down[0], y + (source - lowered - py) * down[1])
    on_grid = lambda f, qx, qy: sample_window(np.moveaxis(f, 0, -1), qx / k,  # noqa: E731
                                              qy / k, cv2.INTER_LINEAR) * np.float32(k)
    moves = (source - lowered != py) if teeth.field is None else np.ones(len(rows), bool)
    if moves.any():
        sx, sy = sx[moves], sy[moves]
        if teeth.field is not None:
            own = on_grid(teeth.field, sx, sy)
            sx, sy = sx + own[:, 0], sy + own[:, 1]
        as_shot[moves] = sample_window(original, sx, sy, cv2.INTER_CUBIC, channels)
    # The dark past the corners as shot, and along a lip the stretch cannot reach (eased in
    # over STRETCH_EASE), from TEETH_MARGIN inside the contour as shot: the lip's own edge
    # there, pasted, stayed behind in the opening (a ghost lip) — where the stretch reaches the
    # lip, that edge meets the lip again.
    across = np.minimum(px - ends[0], ends[1] - px)
    depth = np.minimum(evenly - u0 - over, l0 - evenly)
    out_of_reach = smoothstep((half_now - most * half_shot) / (STRETCH_EASE * fade))
    past_corner = 1.0 - smoothstep((across - margin) / fade)
    # Under a fallen lip, between the teeth's ends and the band's top where it went: eased in
    # below a band's top, which lies a pixel short of the teeth (eased in above it, the teeth's
    # ends went grey; looked at).
    ease_in = smoothstep((py - tips) / fade + 1.0 - smoothstep(shot_band / margin))
    uncovered = np.where(upper, 1.0 - smoothstep((depth - margin) / fade),
                         ease_in * (1.0 - smoothstep((py - lip_top) / fade + 1.0)))
    # (Above the middle the dark eased in softer: CORNER_FADE, SOFT_EASE; where the lip's band
    # went up with it, the warp too — eased in sharper, what the warp smeared up from the teeth
    # showed beside the dark as pale streaks.)
    soft_reach = smoothstep((half_now - most * half_shot) / (SOFT_EASE * fade))
    beyond = np.maximum(past_corner, (out_of_reach + banded * (soft_reach - out_of_reach))
                        * uncovered)
    # Beyond the teeth: the dark by the corners and under a falling lower lip, the warp in the
    # middle of a rising upper one (the warp there was the side teeth smeared down, looked at).
    # Under a falling lower lip, the dark only as much as teeth lay along it: where the opening's
    # floor held none (a talking mouth's tongue), black triangles opened beside a lit tongue
    # (AU15 on a clip, looked at); the warp carries the floor down with the lip there.
    # By the corners too, upper half and lower, the dark only as much as teeth lay along the
    # lower lip by them (an open smile's buccal corridor): past a talking mouth's corners
    # stretched out (AU20, fear) it stood beside the mouth's own lighter dark as two near-black
    # barbs with a straight inner edge, small ticks above them, and by corners drawn up (AU12)
    # as arrowheads with a ghost of the lip as shot beside (looked at on the shared clips); there
    # the warp carries the mouth's own corners, past the corners as shot no lighter than the
    # lips (:func:`_no_lighter`: the side teeth it drew out were light specks by the corners;
    # held to the opening's darker half, the lips' corners stretched out were grey arrowheads).
    toothed = 1.0 if teeth.toothed is None else _across(shot_lips[1], px, teeth.toothed)
    soft_corner = 1.0 - smoothstep((across - margin) / max(CORNER_FADE * teeth.iod * k, fade))
    darkened = toothed * np.where(
        upper, np.maximum(soft_corner, soft_reach * uncovered) * np.maximum(corner, soft_corner),
        beyond)
    # Under a lower lip that fell past the teeth, the warp where it shows what lay below the
    # upper teeth as shot (the lip's band, the mouth's corridor, the lower teeth, carried down
    # with the lip); the dark only where it drew the teeth's ends out. Over the whole drop, the
    # dark covered the lip's band the warp had carried down whole, a grey-brown wedge beside the
    # plate's own maroon corridor (face 14 under sad, looked at 3×).
    if field is not None:
        under_lip = ~upper & (darkened > 0.0) & (drop > 0.0) & (past_corner < 1.0)
        if under_lip.any():
            moved = on_grid(field, x[under_lip], y[under_lip])
            came_from = np.stack((x[under_lip] + moved[:, 0], y[under_lip] + moved[:, 1]), 1)
            q = frame(came_from)
            # (And where the lip fell past the teeth lowered with it by a px or two: the warp
            # drew their ends out by as little, where a dark that thin was a crack across them;
            # face 12 under sad, looked at 3×.)
            gap = SMALL_GAP * teeth.iod * k
            below = np.maximum(smoothstep((q[:, 1] - teeth_end_at(q[:, 0])) / fade),
                               1.0 - smoothstep((drop[under_lip] - gap) / gap))
            # (Nor where what it brought was no tooth: the mouth's own corridor beside the side
            # teeth, carried down with the lip, is the plate's dark; the dark drawn over it was
            # a grey-brown patch beside it, lower teeth ghosting in it; disgust on faces 0 and
            # 14, looked at 3×.)
            brought = sample_window(original, came_from[:, 0], came_from[:, 1],
                                    cv2.INTER_LINEAR, channels).mean(1)
            tooth = smoothstep((brought / max(teeth_light, 1e-12) - NO_TOOTH[0])
                               / (NO_TOOTH[1] - NO_TOOTH[0]))
            below = np.maximum(below, 1.0 - tooth)
            # (Nor where the warp drew the teeth out by little: under a lip that fell past
            # them by the corners (disgust), the dark drawn there stood as a grey blob, lower
            # teeth ghosting in it, beside the corner the warp carried down as a mouth's —
            # faces 5, 14, 18, looked at 3× —; drawn out two-fold, the side teeth were fangs.)
            ahead, behind = (on_grid(field, x[under_lip] + s * down[0], y[under_lip] + s * down[1])
                             for s in (1.0, -1.0))
            rate = 1.0 + ((ahead - behind) @ down) / 2.0  # source px per px down the face
            drawn_out = smoothstep((rate - DRAWN_OUT[0]) / (DRAWN_OUT[1] - DRAWN_OUT[0]))
            below = np.maximum(below, drawn_out)
            darkened[under_lip] *= 1.0 - below * (1.0 - past_corner[under_lip])
            # There the warp goes on down to the lip: the band held under it, where the warp's
            # own lip (its teeth drawn out to it) lies lower, cut across them as a line of lip
            # (faces 5, 18 under disgust, looked at 3×).
            column = np.zeros(inside.shape, np.float32)
            column[rows[under_lip], cols[under_lip]] = drawn_out * (1.0 - past_corner[under_lip])
            column = np.maximum.accumulate(column, axis=0)[rows, cols]
            beyond = np.where(upper, beyond, np.maximum(beyond, column))
            # Where the teeth went down with both lips by the corners and the warp drew them out
            # by little all the way down, the column is the warp's, upper half too, eased into
            # its neighbours over WHOLE_BLEND (not the middle's, LOWERED: the teeth stay there
            # bit for bit while the lips barely move): the held teeth lowered above the warp's
            # below broke into blocks and dark notches (face 0 under disgust, faces 5, 14, 18;
            # looked at 3×). Only where all the column's drawn-out pixels are mild: one that is not
            # (a fang, faces 2, 12 under AU15) keeps it held.
            whole = np.ones(inside.shape, np.float32)
            whole[rows[under_lip], cols[under_lip]] = drawn_out * (
                1.0 - past_corner[under_lip]) * smoothstep(lowered[under_lip] / fade)
            counted = np.zeros(inside.shape, bool)
            counted[rows[under_lip], cols[under_lip]] = True
            whole = np.where(counted.any(0), whole.min(0), 0.0).astype(np.float32)[None]
            reach = max(int(WHOLE_BLEND * teeth.iod * k), 1)
            whole = np.maximum(whole, cv2.GaussianBlur(
                cv2.dilate(whole, np.ones((1, 2 * reach + 1), np.uint8)), (0, 0),
                sigmaX=reach, sigmaY=1e-3))[0][cols] * beside_middle(px)
            beyond = np.maximum(beyond, whole)
            darkened = darkened * (1.0 - whole)
    # Nothing drawn over the lip's band (faded in over its lowest rows: the dark below it).
    if np.any(over > 0.0):
        on_band = np.clip((u1 + over - py) / (BAND_EASE * fade), 0.0, 1.0) * (over > 0.0)
        darkened, beyond = darkened * (1.0 - on_band), beyond * (1.0 - on_band)
    target = warped[y0:y1, x0:x1]
    at = (rows[:, None], cols[:, None], np.array(channels)[None])
    now_there = target[at]
    made = as_shot.copy()
    warp_at = beyond > darkened
    warp = now_there[warp_at]
    held_down = None if teeth.toothed is None else (past_corner * (1.0 - toothed))[warp_at]
    if held_down is not None and held_down.any():
        warp = warp + held_down[:, None] * (_no_lighter(warp, original, shot, teeth.iod * k,
                                                        channels) - warp)
    made[warp_at] += (beyond - darkened)[warp_at, None] * (warp - as_shot[warp_at])
    dark_at = darkened > 0.0
    # What an upper lip whose middle rose off the teeth uncovers above them, between the corners
    # as shot: more of their crowns, then gum (:mod:`.gums`), down to where the teeth are
    # trusted as shot. Where the mesh's contour lies on the lip, the lip's band below it goes up
    # with the lip (the warp) and the gums start at its edge.
    edge = u0 + np.maximum(lip_band + 1.0, margin)
    lip_now = u1 + lip_band
    # (Down to where the crowns are read, continued over their tops as shot: those lay in the
    # lip's shade, and left there they were a dark seam across the teeth under the continued
    # crowns; face 0 under AU10, looked at 4×.)
    crowns = edge + gums.crown_read(teeth.iod * k)
    gum_share = np.where(upper & (py < crowns + fade), teeth.lifted * (1.0 - past_corner)
                         * smoothstep((u0 - u1) / fade), 0.0) if teeth.lip is not None else 0.0
    gum_at = gum_share > 0.0
    # The cheeks beside the nose, read once: the mouth's dark and the gums are both held to them.
    beside = None if teeth.skin is None or not (dark_at.any() or np.any(gum_at)) else \
        skin_beside(original, teeth.skin, teeth.grid, float(np.ptp(teeth.shot[:, 0])), channels)
    if dark_at.any():
        # Under the lower lip that fell, its teeth: their edges where the upper ones end as shot
        # (by the corners, where they went on under the lip).
        fell = dark_at & ~upper & (past_corner < 1.0)
        lower_teeth = None
        if fell.any():
            edge_x = np.linspace(ends[0], ends[1], 33)
            lip_x, upper_x = _across(shot_lips[1], edge_x), _across(shot_lips[0], edge_x)
            edge_y = lip_x - np.maximum(band_at(edge_x, lip_x, (upper_x + lip_x) / 2,
                                                carried=False), margin)
            if tips_k is not None:
                edge_y += corner_at(edge_x) * (_across(lower_lip, edge_x, tips_k) - edge_y)
            edge_y = edge_y + lowered_at(edge_x)
            ends_of_upper = edge_x[:, None] * along + edge_y[:, None] * down - (x0, y0)
            lower_teeth = (fell[dark_at], *_shaded_lower_teeth(
                rows[fell], cols[fell], ends_of_upper, inside.shape, teeth.iod * k))
        dark = _mouth_dark(original, shot, rows[dark_at] + y0, cols[dark_at] + x0, channels,
                           beside, lower_teeth)
        made[dark_at] += darkened[dark_at, None] * (dark - as_shot[dark_at])
    # What is drawn (the dark, the gums) is as soft as the plate's edges round the mouth: drawn
    # sharp into soft footage, a smile's dark by the corners stood as flat wedges cut out of the
    # lips and a raised lip's gums as a coral sticker laid over the teeth (liveportrait_d6
    # frame 60 under happy and disgust, looked at 6×).
    blur = lacking_softness(original[y0:y1, x0:x1], channels) \
        if dark_at.any() or np.any(gum_at) else 0.0
    if np.any(gum_at):
        # (The gum's edges, along the gum line and under the lip, ramped over the blur's width;
        # the crowns below are the plate's own and keep their edges.)
        ramp = max(1.0, EDGE_RAMP * blur)
        band = gums.uncovered(original, channels, px[gum_at], py[gum_at], lip_now[gum_at],
                              edge[gum_at], along, down, teeth.iod * k, teeth.lip * k,
                              centre, half_width, beside, ramp)
        lip_at = np.clip((lip_now[gum_at] - py[gum_at]) / ramp + 0.5, 0.0, 1.0)[:, None]
        band += lip_at * (now_there[gum_at] - band)
        made[gum_at] += gum_share[gum_at, None] * (band - made[gum_at])
    weight = inside[rows, cols][:, None]
    # (Whole pixels exactly what was made: a blend by 1 need not round back to it.)
    target[at] = np.where(weight >= 1.0, made, now_there + weight * (made - now_there))
    if dark_at.any() and blur > 0.0:
        _dark_as_soft_as_the_plate(warped, (x0, y0), rows, cols, weight[:, 0] * darkened,
                                   channels, blur)
    mask = np.zeros(inside.shape, np.float32)
    mask[rows, cols] = weight[:, 0] * np.maximum(darkened, gum_share)
    return warped, Generated(y0, x0, mask)


def lacking_softness(shot: np.ndarray, channels: list[int]) -> float:
    """The blur (σ, crop px) what is drawn sharp lacks against ``shot`` (``H×W×C``, a window of
    the crop as shot, read on its ``channels``; :mod:`.softness`), 0 below :data:`SOFT_FROM`."""
    blur = softness.lacks(channels_of(shot, channels))
    return blur if blur >= SOFT_FROM else 0.0


def _dark_as_soft_as_the_plate(warped: np.ndarray, origin: tuple[int, int], rows: np.ndarray,
                               cols: np.ndarray, share: np.ndarray, channels: list[int],
                               blur: float) -> None:
    """The mouth's dark :func:`hold_teeth` drew into ``warped`` (``S×S×C``, in place: the pixels
    ``rows``, ``cols`` of the box at ``origin``, by ``share``) blurred by ``blur`` (σ, px: what
    it lacks against the plate, :func:`lacking_softness`), over its outline and what lies round
    it, as the generated opening is (:func:`.mouth.fill_region`)."""
    spread = int(np.ceil(3 * blur))
    size = warped.shape[0]
    (wy0, wy1), (wx0, wx1) = ((max(origin[1] + rows.min() - spread, 0),
                               min(origin[1] + rows.max() + spread + 1, size)),
                              (max(origin[0] + cols.min() - spread, 0),
                               min(origin[0] + cols.max() + spread + 1, size)))
    footprint = np.zeros((wy1 - wy0, wx1 - wx0), np.float32)
    footprint[rows + origin[1] - wy0, cols + origin[0] - wx0] = share
    around = warped[wy0:wy1, wx0:wx1]
    under = channels_of(around, channels)
    around[..., channels] = softness.laid_softly(under, under, footprint, blur)


def on_the_lip(teeth: HeldTeeth, original: np.ndarray, colour: tuple[int, ...],
               field: np.ndarray) -> HeldTeeth:
    """``teeth`` fitted to the lower lip as shot: its opening's lower inner lip moved out to the
    lip's own edge where the mesh's contour lies on the teeth (:func:`_past_the_tips`), the
    opening carried by ``field`` (``2×G×G``, backward, the crop's final warp on the region's grid)
    from there, the band of lip the contour leaves inside the opening where it lies on the lip
    and how much teeth line the lower lip (``band``: :func:`_lip_band`; ``toothed``:
    :func:`_toothed`), and under an upper lip that rises off the teeth its contour fitted to its
    own edge, out where it lies on the teeth and its band (``upper_band``) where it lies on the
    lip (:func:`_upper_lip_edge`) — the band alone where only the lip's corners rise (a smile's:
    by them the band goes up with the lip, :func:`hold_teeth`).
    ``original`` is the crop before the edit (``S×S×C`` linear), read on its ``colour``
    channels."""
    k = original.shape[0] / teeth.grid
    own = teeth.field
    # The opening on the plate: where the teeth's own field reads what it shows.
    plate = teeth.shot if own is None else teeth.shot + np.stack(
        [sample_points(np.ascontiguousarray(plane), teeth.shot[:, 0], teeth.shot[:, 1],
                       cv2.INTER_LINEAR) for plane in own], 1)
    upper, lower = contours(plate)
    iod = teeth.iod * k
    sample = _sampler(original, list(colour))
    out = _past_the_tips(lower * k, sample, iod, teeth.down)
    if out is not None:
        plate = np.concatenate((upper, out[-2:0:-1] / k))
        teeth = dataclasses.replace(
            teeth, shot=plate if own is None else carried_opening(plate, own),
            polygon=carried_opening(plate, field))
        lower = out / k
    colours = _in_from(lower * k, sample, iod, teeth.down)
    run = _teeth_in_from(colours)
    band = _lip_band(run)
    # And the upper lip, where it rises off the teeth: fitted out to its own edge where the
    # mesh's contour lies on the teeth (what it left of them above went up with the lip as a pale
    # strip over the gums: faces 14, 16 under AU10), its band taken up with it where it lies on
    # the lip; where only its corners rise (a smile), the band alone.
    upper_band = None
    rising = float(np.min((contours(teeth.polygon)[0] - contours(teeth.shot)[0])
                          @ np.asarray(teeth.down))) * k < -1.0  # (by a crop px, anywhere)
    edge = None if teeth.lifted <= 0.0 and not rising \
        else _upper_lip_edge(upper * k, sample, iod, teeth.down)
    if edge is not None and teeth.lifted > 0.0:
        # (Over the middle only, where the gums are drawn: by the corners the teeth are stretched
        # to the lip, and held there up to the lip's edge they stood as a pale block cut into
        # the gums; face 14, looked at 3×.)
        across = np.abs(np.linspace(-1.0, 1.0, len(edge)))
        out_by = np.maximum(-edge, 0.0) * (1.0 - smoothstep((across - CORNERS[0])
                                                            / (CORNERS[1] - CORNERS[0])))
        if out_by.max() > 0.25:
            fitted = upper * k
            fitted[1:-1] += out_by[1:-1, None] * _outward(fitted, -np.asarray(teeth.down))
            plate = np.concatenate((fitted / k, lower[-2:0:-1]))
            teeth = dataclasses.replace(
                teeth, shot=plate if own is None else carried_opening(plate, own),
                polygon=carried_opening(plate, field))
    if edge is not None:
        # (A pixel short of the teeth: their edge, part tooth, carried with the lip was a light
        # line.)
        upper_band = np.maximum(edge - 1.0, 0.0)
        upper_band = upper_band if upper_band.max() > 0.5 else None
    return dataclasses.replace(teeth, band=None if band is None else band / k,
                               reach=_no_tooth(colours, lower * k, sample, iod, teeth.down,
                                               band) / k,
                               toothed=_toothed(run),
                               upper_band=None if upper_band is None else upper_band / k)


def lower_lip_fitted(mesh: np.ndarray, grid: int, full: FullSize) -> np.ndarray | None:
    """The mesh's lower inner lip (:data:`~.mouth.LOWER_INNER`, ``K×2`` on ``mesh``'s ``grid``)
    moved out to the lip's own edge where it lies on the teeth (:func:`_past_the_tips`, read on
    the crop at full size, ``full``), or None where no point moves. The rig
    parts an open smile there (:func:`.mouth.teeth_seam`): by the corners, where the mesh's
    contour runs across the side teeth, the cavity cut them in a slant and their tips went down
    with the lip (faces 0, 5, 14, 18 under AU25, looked at)."""
    k = full.size / grid
    _, down, iod = iris_axes(mesh)
    out = _past_the_tips(_subdivided(mesh[list(LOWER_INNER)]) * k, full.at, iod * k, down)
    return None if out is None else out[::SUBDIVIDE] / k


def _past_the_tips(lower: np.ndarray, sample: PixelsAt, iod: float, down: np.ndarray
                   ) -> np.ndarray | None:
    """The lower inner lip ``lower`` (``K×2`` crop px, corner to corner) with each point that
    lies on a tooth moved out (along the contour's normal, away from the mouth) to the darkest
    line past it, the lip's edge (:data:`EDGE_DROP`, :data:`EDGE_RISE`, :data:`EDGE_BELOW_LIP`,
    within :data:`LIP_SEARCH` IOD), its moves shared with its neighbours (:func:`_shared`); or
    None where none moves. The corners stay. Near a corner the contour can start in the
    corner's shadow, the tooth a few pixels further out."""
    reach = max(int(np.ceil(LIP_SEARCH * iod)), 4)
    normal = _outward(lower, down)
    light = _profiles(lower, normal, np.arange(reach + 1), sample)
    # The lip's own light: past the search, over the middle of the mouth.
    middle = slice(len(lower) // 5, len(lower) - len(lower) // 5)
    lip = float(np.median(light[middle, -1]))
    # A dark line with a tooth before it and the lip beyond it (a lip must show past it: not at
    # the search's end); the darkest such line.
    ahead = np.maximum.accumulate(light, axis=1)[:, :-1]  # the brightest before each step
    padded = np.concatenate((light, np.repeat(light[:, -1:], 4, axis=1)), axis=1)
    beyond = np.max([padded[:, 1 + i:1 + i + reach] for i in range(1, 5)], axis=0)  # the next 4
    here = light[:, 1:]
    line = np.where((ahead - here > EDGE_DROP) & (beyond - here > EDGE_RISE)
                    & (lip - here > EDGE_BELOW_LIP), here, np.inf)
    line[:, reach - 2:] = np.inf
    moves = _shared(np.where(np.isfinite(line.min(1)), 1 + np.argmin(line, axis=1), 0))
    if not moves.max() > 0.25:  # under a quarter pixel: nothing to carry again
        return None
    out = lower.copy()
    out[1:-1] += moves[:, None] * normal
    return out


def _outward(contour: np.ndarray, down: np.ndarray) -> np.ndarray:
    """The unit normals (``(K − 2)×2``) of a lower inner lip ``contour`` (``K×2``) at its points
    but the corners, pointing away from the mouth (the face's ``down``)."""
    tangent = np.gradient(contour, axis=0)[1:-1]
    normal = np.stack((tangent[:, 1], -tangent[:, 0]), 1)
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
    return normal * np.where(normal @ np.asarray(down) < 0, -1.0, 1.0)[:, None]


@njit(cache=True)
def _best_path(score, spacing, bend):
    """The path through ``score`` (``K×n``: per point along a contour, per step along its normal)
    whose summed score less ``bend`` × each step's change per px along the contour (``spacing``,
    ``K − 1`` px between neighbours) is the highest, each step within half a px per px of its
    neighbour's (at least one): a Viterbi pass, compiled (as NumPy steps, ~1 ms a smiling frame).
    Returns ``K`` steps."""
    count, n = score.shape
    total = score[0].copy()
    came = np.zeros((count, n), np.int64)
    for i in range(1, count):
        reach = max(int(0.5 * spacing[i - 1]), 1)
        best = np.full(n, -np.inf)
        for d in range(-reach, reach + 1):
            cost = bend * abs(d) / spacing[i - 1]
            for j in range(max(d, 0), n + min(d, 0)):
                moved = total[j - d] - cost
                if moved > best[j]:
                    best[j], came[i, j] = moved, j - d
        for j in range(n):
            total[j] = best[j] + score[i, j]
    path = np.zeros(count, np.int64)
    path[-1] = np.argmax(total)
    for i in range(count - 1, 0, -1):
        path[i - 1] = came[i, path[i]]
    return path


def _sampler(original: np.ndarray, channels: list[int]) -> PixelsAt:
    """``original``'s (``S×S×C``) ``channels`` at points, bilinear (:func:`sample_window`)."""
    return lambda q: sample_window(original, q[..., 0], q[..., 1], cv2.INTER_LINEAR, channels)


def _colours(contour: np.ndarray, normal: np.ndarray, steps: np.ndarray, sample: PixelsAt
             ) -> np.ndarray:
    """The colours (read by ``sample``) at whole-pixel ``steps`` along each ``normal`` from the
    inner points of ``contour`` (``(K − 2)×len(steps)×C``)."""
    return sample(contour[1:-1, None] + steps[None, :, None] * normal[:, None])


def _profiles(contour: np.ndarray, normal: np.ndarray, steps: np.ndarray, sample: PixelsAt
              ) -> np.ndarray:
    """The natural log of the light (the channels' sum, read by ``sample``) at whole-pixel
    ``steps`` along each ``normal`` from the inner points of ``contour``
    (``(K − 2)×len(steps)``)."""
    rgb = _colours(contour, normal, steps, sample)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(np.maximum(rgb.sum(-1), 1e-6))


def _in_from(lip: np.ndarray, sample: PixelsAt, iod: float, down: np.ndarray) -> np.ndarray:
    """The colours (read by ``sample``) looking in from each point of an inner ``lip``
    (``K×2`` crop px, corner to corner; its corners left out) at each whole-pixel step along
    the contour's normal away from ``down`` (the face's, or up for the upper lip), within
    :data:`BAND_SEARCH` IOD (``iod`` px): ``(K − 2)×steps×C``."""
    reach = max(int(np.ceil(BAND_SEARCH * iod)), TOOTH_RUN + 1)
    return _colours(lip, -_outward(lip, down), np.arange(reach + 1), sample)


def _teeth_in_from(colours: np.ndarray) -> np.ndarray:
    """Whether a tooth starts at each step of :func:`_in_from`'s ``colours`` (``(K − 2)×steps``
    bool): at least :data:`TOOTH_RISE` brighter than the darkest before it — the shadow where a
    tooth meets the lip — and :data:`TOOTH_OVER_LIP` over the lip at the contour, for
    :data:`TOOTH_RUN` pixels on end (a glossy lip's highlights are a pixel or three)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        light = np.log(np.maximum(colours.sum(-1), 1e-6))
    darkest = np.minimum.accumulate(light, axis=1)
    return _on_end((light > darkest + TOOTH_RISE) & (light > light[:, :1] + TOOTH_OVER_LIP))


def _on_end(tooth: np.ndarray) -> np.ndarray:
    """Where :data:`TOOTH_RUN` pixels on end start along each profile of ``tooth`` (``K×S``
    bool): ``K×(S − TOOTH_RUN + 1)`` bool (a glossy lip's highlights are a pixel or three)."""
    return np.all([tooth[:, i:tooth.shape[1] - TOOTH_RUN + 1 + i] for i in range(TOOTH_RUN)], 0)


def _lip_band(run: np.ndarray) -> np.ndarray | None:
    """How deep into the opening (px along the contour's normal, ``K``, the corners 0) the lower
    lip as shot reaches past each point of its inner contour, from :func:`_teeth_in_from`'s
    ``run``: a pixel short of the first tooth (its edge, part tooth, carried with the lip was a
    light line), 0 where none is found; the median of five neighbours, then the least of three —
    a dark gap between two teeth is no lip, and a tooth reaching lower than its neighbours is
    not cut. None where the lip reaches nowhere."""
    depth = np.where(run.any(1), np.maximum(run.argmax(1) - 1, 0), 0).astype(np.float64)
    depth = np.median(_windows(np.pad(depth, 2, "edge"), 5), 1)
    depth = np.pad(np.min(_windows(np.pad(depth, 1, "edge"), 3), 1), 1)
    return depth if depth.max() > 0.5 else None


def _no_tooth(colours: np.ndarray, lower: np.ndarray, sample: PixelsAt, iod: float,
              down: np.ndarray, band: np.ndarray | None) -> np.ndarray:
    """How deep in from each point of the lower inner lip ``lower`` (``K×2`` crop px, corner to
    corner; ``colours``: :func:`_in_from`'s, in from it) no tooth lies (px, ``K``; the corners as
    their neighbours): at least the lip's
    ``band`` (:func:`_lip_band`), else down to the first of :data:`TOOTH_RUN` pixels on end lit
    like teeth — :data:`TOOTH_LIGHT` of the search's brightest — and not as red as the lip
    (under :data:`TOOTH_RED` of its redness, read :data:`LIP_BODY` IOD out in it), past the whole
    search (:data:`BAND_SEARCH`) where there is none. By an open smile's corners the rise
    :func:`_teeth_in_from` looks for finds the lip's pink inner side as a tooth, or misses side
    teeth the contour lies on: by light alone the lip passed for teeth, by colour alone the
    shadow beside them."""
    light = colours.mean(-1)
    like = light >= TOOTH_LIGHT * np.percentile(light, 97)
    if colours.shape[-1] >= 3:
        outward = _outward(lower, down)
        lip = float(np.percentile(redness(sample(lower[1:-1] + LIP_BODY * iod * outward)), 75))
        if lip > LIP_RED_LEAST:
            like &= redness(colours) < TOOTH_RED * lip
    run = _on_end(like)
    depth = np.where(run.any(1), run.argmax(1), colours.shape[1]).astype(np.float64)
    depth = np.median(_windows(np.pad(depth, 2, "edge"), 5), 1)
    if band is not None:
        depth = np.maximum(depth, band[1:-1])
    return np.pad(depth, 1, "edge")


def _upper_lip_edge(upper: np.ndarray, sample: PixelsAt, iod: float, down: np.ndarray
                    ) -> np.ndarray | None:
    """Where the upper lip's own edge lies against its mesh contour ``upper`` (``K×2`` crop px,
    corner to corner): px along each point's normal, into the mouth (the lip's band over the
    teeth) positive, out (a contour lying on the teeth) negative; the corners 0, tapered in over
    a fifth of the mouth each side (``K``). Or None where under :data:`BAND_FOUND` of the middle
    third's points find it, or where the path passes most of theirs by (:data:`ON_PATH`: an
    ambiguous mouth). Read on the plate by ``sample`` (``iod`` crop px, the face's
    ``down``): the strongest rise of toothness from lip to tooth (:data:`REDNESS_WEIGHT` …
    :data:`EDGE_CLEAR`), taken along the lip as one path (:data:`EDGE_BEND`) and smoothed over a
    mesh segment. Gums as shot are lit and coloured between lip and teeth and go with them."""
    out, into = int(np.ceil(LIP_SEARCH * iod)), max(int(np.ceil(BAND_SEARCH * iod)), 4)
    steps = np.arange(-out, into + 1)
    inward = -_outward(upper, -np.asarray(down))
    rgb = _colours(upper, inward, steps, sample)  # (K − 2)×steps×C
    sigma = max(0.3 * EDGE_SPAN * iod, 0.7)
    blur = lambda a: cv2.GaussianBlur(a.astype(np.float32), (0, 0), sigmaX=sigma,  # noqa: E731
                                      sigmaY=1e-3, borderType=cv2.BORDER_REPLICATE)
    with np.errstate(invalid="ignore", divide="ignore"):
        light = np.log(np.maximum(rgb.sum(-1), 1e-6))
    red = blur(redness(rgb)) if rgb.shape[-1] >= 3 else np.zeros(light.shape, np.float32)
    coloured = float(np.percentile(red[:, 0], 75)) > LIP_RED_LEAST  # (else light alone)
    toothness = blur(light - REDNESS_WEIGHT * red)
    n = len(steps)
    span = max(int(round(EDGE_SPAN * iod)), 3)
    at = np.arange(n)
    before, after = np.clip(at - span, 0, n - 1), np.clip(at + span, 0, n - 1)

    def least_over(a: np.ndarray, length: int, start: np.ndarray) -> np.ndarray:
        """The least of ``a`` over ``length`` steps from each of ``start`` on (its last held)."""
        return minimum_filter1d(a, length, axis=1, mode="nearest",
                                origin=-(length // 2))[:, np.clip(start, 0, n - 1)]

    holds = max(int(round(EDGE_HOLDS * iod)), TOOTH_RUN)
    rise = toothness[:, after] - toothness[:, before]
    edge = (rise > EDGE_STEP) & (least_over(toothness, holds, at + 1) - toothness[:, before]
                                 > EDGE_STEP)
    if coloured:
        clear = max(int(round(EDGE_CLEAR * iod)), holds)
        edge &= (red[:, before] - red[:, after] > RED_STEP) \
            & (-least_over(-red, clear, after) - red[:, after] < RED_STEP)
    # (The toothness's slope per EDGE_SPAN: where the rise is steepest, whatever the scale.)
    score = np.where(edge, np.gradient(toothness, axis=1) * (EDGE_SPAN * iod), 0.0)
    third = len(score) // 3
    if edge[third:len(score) - third].any(1).mean() < BAND_FOUND:
        return None
    # One path along the lip (a Viterbi pass): each point's step within half a px per px along
    # the contour of its neighbour's, a bend costing EDGE_BEND per unit of slope.
    spacing = np.maximum(np.linalg.norm(np.diff(upper[1:-1], axis=0), axis=1), 1e-3)
    path = _best_path(np.ascontiguousarray(score, np.float64), spacing, EDGE_BEND)
    # An ambiguous mouth: over the middle the path passes the strongest edges by (a blurred
    # mouth's faint upper row over a dark line and a bright lower row, followed from the corners
    # down to the lower row's top: liveportrait_d11 under AU10, the upper teeth went up with the
    # lip and gum was drawn across the mouth): nothing fitted.
    on_path = score[np.arange(len(score)), path] >= ON_PATH * score.max(1)
    if on_path[third:len(score) - third].mean() < BAND_FOUND:
        return None
    offset = steps[path].astype(np.float64)
    taper = np.bartlett(2 * SUBDIVIDE + 1)
    offset = np.convolve(np.pad(offset, SUBDIVIDE, "edge"), taper / taper.sum(), "valid")
    s = np.linspace(-1.0, 1.0, len(offset) + 2)[1:-1]
    return np.pad(offset * smoothstep((1.0 - np.abs(s)) / 0.2), 1)


def _toothed(run: np.ndarray) -> np.ndarray:
    """How much teeth lie along the lower lip as shot at each point of its inner contour (``K``,
    0–1), from :func:`_teeth_in_from`'s ``run``: the mouth's share — of the middle third's
    points that found a tooth, from TOOTHED[0] to TOOTHED[1] (:data:`TOOTHED`) — or, towards
    the corners (:data:`CORNERS`), 1 within a mesh segment of where most of five neighbours
    found one, eased over a segment. One share for the mouth alone: column by column, the side
    teeth beside an open smile's corners' dark broke into streaks where none was found; the
    mouth's alone, the side teeth that reach a talking mouth's lower lip by its corners were
    pulled down into fangs; in the middle a talking mouth's lower teeth along its lip, held,
    broke into dark notches as it fell (looked at)."""
    found = run.any(1)
    share = smoothstep((found[len(run) // 3:len(run) - len(run) // 3].mean() - TOOTHED[0])
                       / (TOOTHED[1] - TOOTHED[0]))
    near = np.median(_windows(np.pad(found.astype(np.float64), 2, "edge"), 5), 1)
    near = np.max(_windows(np.pad(near, SUBDIVIDE, "edge"), 2 * SUBDIVIDE + 1), 1)
    taper = np.bartlett(2 * SUBDIVIDE + 1)  # (eased over a segment: a hard step was an edge)
    near = np.convolve(np.pad(near, SUBDIVIDE, "edge"), taper / taper.sum(), "valid")
    u = np.abs(np.linspace(-1.0, 1.0, len(run) + 2))[1:-1]
    near *= smoothstep((u - CORNERS[0]) / (CORNERS[1] - CORNERS[0]))
    return np.pad(np.maximum(near, share), 1, "edge")


def _shared(moves: np.ndarray) -> np.ndarray:
    """A contour's moves (``K``, px, ≥ 0; its corners, which stay, just past either end) where
    most of a segment's worth of neighbours move (:data:`SUBDIVIDE` points), their median move,
    else 0 — a lone dark fleck on a tooth does not pull the lip in — then tapered over a segment
    each way: a fitted stretch meets the rest, and the corners, gradually (in a step by a corner,
    where a smile's field stretches the opening, the notch became a spike of dark; face 2 under
    happy, looked at)."""
    half = SUBDIVIDE // 2
    ends = np.repeat(moves[[0, -1]], half)
    window = np.sort(_windows(
        np.concatenate((ends[:half], moves, ends[half:])).astype(np.float64), 2 * half + 1),
        axis=1)
    count = (window > 0).sum(1)  # the moves sort after the points that stay
    rows, first = np.arange(len(window)), window.shape[1] - count
    median = (window[rows, np.minimum(first + (count - 1) // 2, window.shape[1] - 1)]
              + window[rows, np.minimum(first + count // 2, window.shape[1] - 1)]) / 2
    moves = np.where(count > window.shape[1] / 2, median, 0.0)
    taper = np.bartlett(2 * SUBDIVIDE + 1)[1:-1]
    return np.convolve(np.pad(moves, SUBDIVIDE), taper / taper.sum(), "same")[SUBDIVIDE:-SUBDIVIDE]


class HeldField(NamedTuple):
    """Where held teeth are and how they move (:func:`held_field`), on the region's grid."""

    #: Their own field, ``2×G×G`` backward (zero for teeth held still).
    own: np.ndarray
    #: How much of each grid pixel the opening the edit leaves covers (``G×G`` float32).
    covered: np.ndarray
    #: That opening (``K×2``, grid px).
    polygon: np.ndarray


def held_field(teeth: HeldTeeth) -> HeldField | None:
    """The held teeth's own field and where they are (:class:`HeldField`), or None where the
    opening the edit leaves covers no grid pixel."""
    covered = coverage(teeth.polygon, (0, 0, teeth.grid, teeth.grid))
    if not covered.any():
        return None
    own = np.zeros((2, teeth.grid, teeth.grid), np.float32) if teeth.field is None \
        else teeth.field
    return HeldField(own, covered, teeth.polygon)


def teeth_field(field: np.ndarray, held: HeldField | None) -> np.ndarray:
    """``field`` (``2×G×G``, backward, the crop's warp on the region's grid) with the held
    teeth's own field (:func:`held_field`) where they cover half a pixel or more: what a region
    drawn after the teeth re-samples them with (the mouth's cavity re-samples its edges from
    beyond the field's step, and with the lips' field there it drew the held teeth bent along
    the corners again)."""
    if held is None:
        return field
    return np.where(held.covered[None] > 0.5, held.own, field).astype(field.dtype)


def _across(contour: np.ndarray, px: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
    """A lip ``contour`` (``K×2`` in the face's frame: along the eye line, down; corner to
    corner) as its height — or ``values`` (``K``) given at its points — at each of ``px`` (along
    the eye line), held flat past its ends."""
    order = np.argsort(contour[:, 0], kind="stable")
    return np.interp(px, contour[order, 0], (contour[:, 1] if values is None else values)[order])


#: Past a talking mouth's corners the warp is held to the lips' light: the median of a band this
#: share of the inter-ocular distance wide round the opening as shot (:func:`_no_lighter`).
LIP_BAND = 0.03


def _no_lighter(pixels: np.ndarray, original: np.ndarray, shot: np.ndarray, iod: float,
                channels: list[int]) -> np.ndarray:
    """``pixels`` (``K×C``, linear) scaled down where lighter than the lips round the opening as
    shot (``shot``, its polygon in crop px, on ``original``; the median light of a band
    :data:`LIP_BAND` × ``iod`` crop px wide outside it), by their mean over the channels, their
    colour kept."""
    size = original.shape[0]
    reach = max(int(round(LIP_BAND * iod)), 2)
    x0, y0, x1, y1 = grid_box(shot, size, reach + 1)
    was_open = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(was_open, [np.round(shot - (x0, y0) - 0.5).astype(np.int32)], 1)
    band = cv2.dilate(was_open, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)) > was_open
    lips = channels_of(original[y0:y1, x0:x1], channels)[band]
    if len(lips) < 16:
        return pixels
    most = float(np.median(lips.mean(-1)))
    light = np.maximum(pixels.mean(-1, keepdims=True), 1e-12)
    return pixels * np.minimum(1.0, most / light)


def _mouth_dark(original: np.ndarray, shot: np.ndarray, ys: np.ndarray, xs: np.ndarray,
                channels: list[int], skin: tuple[np.ndarray, np.ndarray | None] | None = None,
                lower_teeth: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                ) -> np.ndarray:
    """The mouth's dark at the crop pixels ``(ys, xs)`` (``K×C``, linear): the mean of the
    darkest :data:`DARKEST` percent of the opening as shot (``shot``, its polygon in crop px;
    half its pixels read) — the shadow beside and between the teeth — no lighter than
    :data:`DARK_OF_SKIN` of the ``skin``'s light (``(colour, grain)`` of the cheeks,
    :func:`.mouth.skin_beside`; None: as it is) and in the hue of the cavity a mouth opens into
    (:func:`.mouth.cavity_colour`), with the opening's own grain
    (:func:`.grain.relative_grain`, as strong against it as the square root of their light's
    ratio) no stronger than the cheeks' (the teeth's and lips' edges in a small opening are not
    grain: on a soft video frame the corners' dark was speckled grey next to smooth skin, looked
    at), seeded from its pixels. ``lower_teeth``: ``(where,
    light, weight)`` — at the pixels ``where`` (``K`` bool) the lower teeth in the shade over
    the dark, their light (× :func:`_shaded_teeth_colour`) and weight (0–1) there."""
    size = original.shape[0]
    x0, y0, x1, y1 = grid_box(shot, size, 1)
    rgb = channels_of(original[y0:y1, x0:x1], channels)
    was_open = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillPoly(was_open, [np.round(shot - (x0, y0) - 0.5).astype(np.int32)], 1)
    # Half the pixels, in a checkerboard: every row and column is read (a thin dark gap between
    # two teeth may be one column wide).
    half = (np.arange(rgb.shape[0])[:, None] + np.arange(rgb.shape[1])) % 2 == 0
    read = half & (was_open > 0)
    if read.sum() < 16:
        read = half
    pixels = rgb[read]
    shadow, level = darkest_mean(pixels, DARKEST), pixels.mean(0)
    grain = relative_grain(rgb, read, level)
    if skin is not None:
        shadow = shadow * min(1.0, DARK_OF_SKIN * float(np.mean(skin[0]))
                              / max(float(np.mean(shadow)), 1e-12))
        # In the hue of the cavity a mouth opens into (the cheeks', tinted): the darkest of an
        # opening as shot is often the shade beside its teeth, as grey as they are white, and
        # laid over the corners a smile, sadness or disgust opens it stood as grey card (faces
        # 4, 7, 9; face 16's mauve) beside warm lips (looked at under sad and disgust).
        shadow = in_hue_of(shadow, cavity_colour(skin[0]), 1.0)
        if skin[1] is not None:
            grain = np.minimum(grain, skin[1])
    fill = shadow
    if lower_teeth is not None:
        where, light, weight = lower_teeth
        fill = np.repeat(shadow[None], len(ys), 0)
        fill[where] += weight[:, None] * (light[:, None] * _shaded_teeth_colour(pixels, shadow)
                                          - shadow)
    strength = laid_on(grain, fill, level)
    # The noise over the dark's own box only (it may be a sliver of the opening's).
    ny0, nx0 = ys.min(), xs.min()
    noise = grain_noise((int(ys.max() - ny0) + 1, int(xs.max() - nx0) + 1),
                        zlib.crc32(rgb.tobytes()))[ys - ny0, xs - nx0]
    return (fill + noise[:, None] * strength).astype(np.float32)


def _tips_under_the_lip(original: np.ndarray, lower: np.ndarray, ends: np.ndarray,
                        along: np.ndarray, down: np.ndarray, channels: list[int],
                        teeth_light: float, reach: np.ndarray) -> np.ndarray:
    """Where the upper teeth end under the lower lip as shot (``K`` px down the face): past
    their ``ends`` as shot (``K`` px down, along its inner contour ``lower``, ``K×2`` in
    the face's frame of unit ``along`` and ``down`` axes) by ``reach`` (``K`` px) as much as the
    row where they end is lit like teeth (:data:`TOOTH_LIKE`: half a pixel in, against
    ``teeth_light``, the opening's brightest — over the ``channels`` of ``original``), the median
    of seven neighbours (a pointed tooth's tip among dark gaps is not a row the lip cut:
    repeated down, it was a fang; nor a pink band of the lip's inner side the mesh left inside
    its contour), the line eased along the lip over a mesh segment each way."""
    points = lower[:, :1] * along + (ends - 0.5)[:, None] * down
    light = sample_window(original, points[:, 0], points[:, 1], cv2.INTER_LINEAR,
                          channels).mean(1) / max(teeth_light, 1e-12)
    light = np.median(_windows(np.pad(light, 3, "edge"), 7), 1)
    like = smoothstep((light - TOOTH_LIKE[0]) / (TOOTH_LIKE[1] - TOOTH_LIKE[0]))
    taper = np.bartlett(2 * SUBDIVIDE + 1)
    return np.convolve(np.pad(ends + reach * like, SUBDIVIDE, "edge"), taper / taper.sum(),
                       "valid")


def _shaded_teeth_colour(opening: np.ndarray, dark: np.ndarray) -> np.ndarray:
    """The colour the lower teeth under a fallen lip are drawn in (``C``, linear, × the light
    :func:`_shaded_lower_teeth` gives): :data:`FELL_SHADE` of the teeth's as shot — the mean of
    the brightest :data:`TEETH_BRIGHTEST` percent of the ``opening``'s pixels (``K×C``) over
    :data:`.hidden_teeth.LEVEL`, the light a lit tooth's front is drawn at — in the mouth's
    ``dark``'s hue (:data:`FELL_HUE` of the way, :func:`.mouth.in_hue_of`)."""
    teeth = brightest_mean(opening, TEETH_BRIGHTEST) * (FELL_SHADE / hidden_teeth.LEVEL)
    return in_hue_of(teeth, dark, FELL_HUE)


def _shaded_lower_teeth(rows: np.ndarray, cols: np.ndarray, ends_of_upper: np.ndarray,
                        shape: tuple[int, int], iod: float) -> tuple[np.ndarray, np.ndarray]:
    """The lower teeth in the shade at the pixels ``(rows, cols)`` of a box ``shape`` px (what a
    fallen lower lip uncovered under the upper teeth; they reach down to its bottom): their light
    and weight there (``K`` each, :func:`.hidden_teeth.draw`'s; their gums left to the dark),
    their edges along ``ends_of_upper`` (``33×2`` box px, centres at +0.5: corner to corner
    through the dental midline, where the upper teeth end as shot; ``iod`` px)."""
    inside = np.zeros(shape, bool)
    inside[rows, cols] = True
    light, weight, gum = hidden_teeth.draw(inside, ends_of_upper, iod, lower=True,
                                           row=hidden_teeth.SHADED_LOWER)
    return light[rows, cols], weight[rows, cols] * (1.0 - gum[rows, cols])
