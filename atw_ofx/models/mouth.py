"""The mouth on the 478-point mesh: lips that part (AU25), a jaw that drops (AU26), and a generated
mouth interior where the lips open.

A warp can only move what the plate shows: opening a closed mouth by stretching its pixels fills
the gap with stretched lips and teeth (measured: the new gap at 0.53–0.87 of the cheek's
luminance, "horse teeth", streaks). Here, in the face's own frame (x along the eyes, y down,
lengths in inter-ocular distances, IOD):

- the **seam** between the lips is the midline of the mesh's inner-lip contours — or, where
  the mouth shows its teeth, where their rows part (:func:`teeth_seam`);
- above it the upper lip rises a little (AU25), fading out towards the nose;
- below it the lower lip comes down with an opening profile that is 1 at the mouth's centre and
  0 at its inner corners (the lips stay joined there), and deeper down the jaw, chin and lower
  cheeks follow AU26 with a wider jaw profile, fading out below the chin over
  :data:`JAW_FADE` — the face matte covers that travel (:func:`atw_ofx.face.face_matte`);
- teeth the plate shows move with their lip: above the seam with the skull, below with the jaw;
- the pixels newly between the lips are **generated** (:func:`fill_region`): a dark cavity and
  a tongue shaded against the plate's own skin beside the mouth, as real open mouths are, never
  lighter than the lips' own shadow, in linear light, with the plate's grain — never stretched
  lips. Its mask is returned for the ``generated`` AOV.

Coordinates: pixels of the model's square grid (side ``n``), centres at ``(j + 0.5, i + 0.5)``;
fields are backward maps (``atw_ofx.conventions``), ``2×n×n`` float64, channel 0 = x.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
from scipy.interpolate import PchipInterpolator

from ..face.layout import MESH_TO_IBUG68
from ..points import channels_of, sample_points, sample_window
from .base import (RAMP, FullSize, LightAt, box_in_frame, grid_box, left_share, redness,
                   smoothstep)
from .grain import (brightest_mean, darkest_mean, grain_noise, laid_on, median_rows,
                    relative_grain, stipple_at, stipple_depth)
from . import gums, hidden_teeth, softness
from .hidden_teeth import HiddenTeeth

if TYPE_CHECKING:
    from .mouth_look import MouthLook
    from .teeth import HeldField

#: Inner-lip contours of the mesh, corner to corner (image-left corner 78, right 308).
UPPER_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LOWER_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
#: The middle third of their pairs of points: where a mouth's parting and its gap are read.
MIDDLE_PAIRS = slice(len(UPPER_INNER) // 3, len(UPPER_INNER) - len(UPPER_INNER) // 3)
#: Outer lips (for the lip-shadow colour), corner to corner over the top, back under the bottom.
OUTER_LIPS = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181,
              91, 146)
CHIN, NOSE_BASE, LOWER_LIP_BOTTOM = 152, 2, 17
#: At intensity 5, in IOD: AU25 lowers the lower lip and raises the upper (not off an open
#: smile's upper teeth: :func:`mouth_field`); AU26 drops the jaw. Together 0.10 + 0.03 + 0.30 =
#: 0.43 IOD of opening at the centre (real open mouths in the shared performances span
#: 0.17–0.78; issue 14 asks ≥ 0.35 for AU25+AU26 at 5).
LOWER_LIP_AU25, UPPER_LIP_AU25, JAW_AU26 = 0.10, 0.03, 0.30
#: AU10 at 5 on a mouth that hides its teeth (the rig gives it to the mouth's model then:
#: :data:`.rig.AU10_HIDDEN_FROM`): how far the upper lip rises whole off the lower (IOD, the rig
#: table's AU10), and how far above the nose's base the skin it pushes up fades out (IOD: the
#: nostrils' wings rise a little with it; stopped at the base, the skin between was squeezed to
#: a third of its height). Teeth that shine between the lips as shot stay with the skull: the lip
#: rises from its own inner edge instead of the lips' midline, eased in over the first
#: AU10_OWN_EDGE IOD of the rise.
UPPER_LIP_AU10, AU10_NOSE_REACH, AU10_OWN_EDGE = 0.12, 0.05, 0.02
#: Jaw profile across the face (Gaussian σ, IOD) and how far below the chin its motion fades.
JAW_WIDTH, JAW_FADE = 0.45, 0.6
#: The mouth's corners come down with the jaw, this share of its drop, the lips about them with
#: them (as much as each column is not parting: none at the middle, whole at the corners) and the
#: cheek beside them fading out over CORNER_REACH IOD — unless the mouth shows its teeth (the
#: smiling performances' corners rose as they opened). The shared performances that open their
#: mouths without a smile (8 of the 12 of ``benchmarks/mouth_vs_real.py``) lower their inner
#: corners 0.32–0.73 of their chin's drop (median 0.4); held at the lips' height, the corners
#: left a straight upper edge from corner to corner — a half-moon cut under the upper lip where
#: a real open mouth is an oval (looked at on that sheet).
CORNER_FOLLOW, CORNER_REACH = 0.4, 0.25
#: The skin the mouth's inside is shaded against: the cheeks beside the nose (mesh points), each
#: read as the median of a patch SKIN_PATCH of the mouth's width across.
SKIN_POINTS, SKIN_PATCH = (205, 425), 0.12
#: The cavity in the skin's light: its level at the opening's heart and at its rim by the floor,
#: and the rim's width (× the opening) over which it lightens towards the lips. Measured on the
#: shared performances' open mouths (``benchmarks/mouth_vs_real.py``): the darker half of a real
#: mouth's inside is 0.21 of the cheeks' light (0.02–0.54, teeth included where they show), its
#: middle third 0.61. Shaded from the lips' darkest tenth instead, it was 0.04 and brown — a
#: painted hole — and lipstick dyed it; at 0.1 / 0.3 of the skin's light it was still 0.08, a
#: near-black well beside the performers' own lit mouths (looked at on that sheet).
CAVITY_DEPTH, CAVITY_EDGE, CAVITY_RIM = 0.25, 0.4, 0.25
#: The cavity's light at its top (under the upper lip) against its bottom's.
CAVITY_TOP = 0.7
#: The cavity's mean light at most this share of the lips' shadow's (their darkest tenth's mean): an
#: open smile's own dark behind its teeth keeps a cavity opened below them as dark (the shared
#: photographs), and a slit between dark lips stays darker than they are.
CAVITY_CAP = 0.8
#: Colours inside the mouth: ``balance = skin's balance ** follow × tint`` (R, G, B; the light
#: kept). Fitted on the same performances (least squares over the 12 open mouths, in log
#: balance), the dark of the cavity follows the skin's balance whole, red 1.22× and blue 1.05×
#: it; but the dark inside the mouths of the shared photographs (the shadowed corners beside
#: open smiles' teeth) is far redder, 1.3–1.8× red and 0.2–0.8× blue against their skin (the
#: clips are compressed video, whose darks lose their colour), and at the clips' tint the
#: cavity read grey-mauve on them (looked at): the tint sits between the two. The tongue's
#: pink follows the skin only partly (0.65): on the warmest skins (tan, warm light) the floor
#: of a real open mouth is bluer than the skin, on the palest redder.
CAVITY_TINT, CAVITY_FOLLOW = (1.45, 0.75, 0.8), 1.0
TONGUE_TINT, TONGUE_FOLLOW = (1.39, 0.76, 0.95), 0.65
#: How coloured a skin is (its balance's spread) from which the tints apply in full; the palest
#: of the performances is 0.25, a black-and-white plate 0: it stays black and white.
SKIN_COLOURFUL = 0.25
#: The tongue on the cavity's floor: its level (× the cheeks' light, lit at its front; the floor
#: of a real open mouth is 0.70 of it), width (× the opening's) and height (× each column's),
#: and from which opening (height over width) it shows — a flat dark slab read as a hole cut in
#: the face (looked at). At 0.6 of each column tall, the opening's middle third read 0.23 of the
#: cheeks' light against the performers' 0.61 (their tongues fill it, ``mouth_vs_real.py``): a
#: pale band under a dark well; at 0.75, 0.42 (the floor 0.76, real 0.70).
TONGUE_LEVEL, TONGUE_WIDTH, TONGUE_HEIGHT, TONGUE_FROM = 1.3, 0.8, 0.75, 0.12
#: How soft the tongue's edge is (the share of its dome over which it fades in), the shade
#: between it and the lower lip (× each column's height) and the share of its light kept at the
#: lip: the lip's shadow on it. Dark there (0.06, none kept) the opening read as outlined in
#: black along its bottom (looked at on the performers' sheet); lit up to the lip, the tongue's
#: front merged with the lip and a mesh found the lips' gap a fifth shorter.
TONGUE_EDGE, TONGUE_GAP, TONGUE_GAP_LIGHT = 0.8, 0.12, 0.45
#: The tongue's surface (:func:`_tongue_surface`): smooth, lit by its dome alone, it read as a
#: flat pink slab of bubblegum (an airbrushed dome on every jaw drop; looked at 2×). Real tongues
#: show a velvety stipple of papillae — here up to PAPILLAE darker between the lightest, about
#: PAPILLAE_ACROSS of them across its width (half as many read as dark blotches, a stained
#: tongue) — and a median groove down their back, GROOVE darker on the midline (its width
#: GROOVE_WIDTH of the opening's half width, a Gaussian's σ), fading out towards the front past
#: GROOVE_REACH of the tongue's height from its back. Darker only: lit at its front, the tongue
#: is no lighter than TONGUE_LEVEL.
PAPILLAE, PAPILLAE_ACROSS = 0.22, 90
GROOVE, GROOVE_WIDTH, GROOVE_REACH = 0.35, 0.03, 0.6


#: The teeth an open mouth shows are held still (upper with the skull, lower with the jaw) by
#: spline controls this share of the lips' gap in from each inner lip, over the middle of the
#: mouth (the inner contours' middle points): moving with the lips, the teeth stretched into
#: "horse teeth" under a raised upper lip and bent along a smile (looked at). Nearer the corners
#: they held the corners back (AU15 faded to 0.6 by the fold guard).
TEETH_HOLD, TEETH_SPAN = 0.2, slice(3, -3)
#: How far the upper lip's middle rises (IOD) over which the upper teeth go from holding it to
#: letting it go up off them (AU10, disgust; :mod:`.gums`): held, they pinned its inner edge
#: and the lip stretched to twice its height (looked at on the shared open smiles).
TEETH_LIFT = 0.02
#: Gaps between the inner lips (IOD) over which the teeth go from moving with their lip to held:
#: closed lips still sit ~0.06 IOD apart on the mesh's inner contours (teeth rarely show below
#: ~0.1), and a point held there, a fraction of a pixel from a moving lip, kinked the lip line
#: (a notch in the middle of a closed mouth under AU15, looked at).
TEETH_GAP = (0.08, 0.12)


def iris_axes(mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The face's axes from its irises' centres (mesh points 468, 473): ``along`` (unit, from the
    image-left eye to the other), ``down`` (unit, square to it, towards the chin) and the
    inter-ocular distance (``mesh``'s px)."""
    eyes = mesh[473] - mesh[468]
    iod = max(float(np.linalg.norm(eyes)), 1e-9)
    along = eyes / iod
    return along, np.array([-along[1], along[0]]), iod


#: A pulled corner (AU12, AU20) draws the lips beside it together: their gap closes this share per
#: unit of the corner's travel over the mouth's half-width, at most LIP_TENSION_MOST, from
#: LIP_TENSION_FROM of the way out to the corner. Left apart, an open mouth's blunt corners rose
#: or stretched whole into tall dark wedges above a smile's corners and arrowheads beside fear's
#: (a talking mouth's, looked at); a real open mouth narrows into its corners.
LIP_TENSION, LIP_TENSION_MOST, LIP_TENSION_FROM = 2.0, 0.6, 0.5
#: A corner's pull up or out (its travel over the mouth's half-width) from which the inner lips
#: beside it move with the outer lip over them at all, and wholly (:func:`lip_controls`); below
#: the first (AU15's corners drift out by 0.01 of it) the rig fits no second spline.
LIP_PULL_FROM, LIP_PULL_FULL = 0.03, 0.2
#: The 68-point view's outer lips corner to corner (the same corners both ways): the motion the
#: inner lips between their own 68-point points follow (:func:`lip_controls`).
OUTER_UPPER_68, OUTER_LOWER_68 = (48, 49, 50, 51, 52, 53, 54), (48, 59, 58, 57, 56, 55, 54)
INNER_CORNERS_68 = (60, 64)
#: The pairs of inner-lip points (places along :data:`UPPER_INNER` / :data:`LOWER_INNER`) by the
#: corners that are not the 68-point view's: :func:`lip_controls`' controls.
LIP_PAIRS = [i for i, pair in enumerate(zip(UPPER_INNER, LOWER_INNER))
             if not set(pair) & set(MESH_TO_IBUG68.tolist())]


def lip_controls(mesh: np.ndarray, moved68: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spline controls on the inner lips by the corners — the pairs of :data:`UPPER_INNER` and
    :data:`LOWER_INNER` points that are not the 68-point view's, three a side — how far they
    move, and how much they are pulled (``(points, moved, pulled)``: ``K×2``, ``K×2`` on
    ``mesh``'s grid, ``K`` 0–1; ``moved68``: the 68 (+2) displacements). Each moves as the
    outer lip over or under it does at its place along the mouth (interpolated between the
    68-point outer lips' motions: the lip moves as one body), and a pair comes together by its
    corner's pull (:data:`LIP_TENSION`). ``pulled``: how much that stands — whole for a corner
    pulled up or out by :data:`LIP_PULL_FULL` of the mouth's half-width, none for a still,
    falling or inward one; the rig takes the rest from the spline without these controls.

    Left to the spline, the inner lips by a corner pulled up or out lagged far behind it between
    the corner and the still inner points a third of the way in, the upper more than the lower
    — an open mouth's corner rose into a tall wedge (AU12) or stretched into an arrowhead
    (AU20); interpolated between those inner points instead, they rose over the thin upper lip's
    outer edge, a fold (looked at on the shared clips' talking mouths). By a still corner the
    spline is right: moved with the outer lips, AU23's (thinned towards a still inner line)
    crossed by the corners and folded, and by a falling one AU15's upper lip came down onto the
    held teeth in notches."""
    along, down, _ = iris_axes(mesh)
    upper, lower = (mesh[[contour[i] for i in LIP_PAIRS]] for contour in (UPPER_INNER, LOWER_INNER))

    def along_lip(points: np.ndarray, ids: tuple[int, ...]) -> np.ndarray:
        """``moved68`` at ``points`` interpolated between the 68-point ``ids`` along the mouth."""
        knots = mesh[MESH_TO_IBUG68[list(ids)]] @ along
        order = np.argsort(knots)
        motion = moved68[np.array(ids)[order]]
        return np.stack([np.interp(points @ along, knots[order], motion[:, k])
                         for k in range(2)], axis=1)

    corners = mesh[[UPPER_INNER[0], UPPER_INNER[-1]]] @ along
    centre, half = corners.mean(), max(abs(float(corners[1] - corners[0])) / 2, 1e-9)
    x = upper @ along
    corner = moved68[list(INNER_CORNERS_68)][(x > centre).astype(int)]  # each pair's own side
    pull = np.linalg.norm(corner, axis=1)
    moves = [along_lip(upper, OUTER_UPPER_68), along_lip(lower, OUTER_LOWER_68)]
    out = np.clip((np.abs(x - centre) / half - LIP_TENSION_FROM) / (1.0 - LIP_TENSION_FROM),
                  0.0, 1.0)
    share = np.minimum(LIP_TENSION * pull / half, LIP_TENSION_MOST) * out
    shot = (lower - upper) @ down
    gap = shot + (moves[1] - moves[0]) @ down
    # The lips close towards where the corner goes: the lower lip up to a rising corner's upper
    # one (the upper pulled down against it folded the skin above the corner, and the fold
    # guard's cut took the corner's rise), both to a stretched one's middle. Not by a falling
    # corner (AU15): its lower lip falls away from the teeth, held as shot (:mod:`.teeth`).
    fall = np.clip((corner @ down) / np.maximum(pull, 1e-9), -1.0, 1.0)
    closing = share * np.maximum(gap, 0.0) * (1.0 - np.maximum(fall, 0.0))
    rising = 0.5 - 0.5 * fall
    # A lower lip rising past its upper one (AU17's) pushes it up, as the 68-point view's inner
    # lips are kept in order (:data:`.rig.ORDER_CLAMPS`); only what the edit itself caused.
    pushed = np.maximum(np.minimum(shot, 0.0) - gap, 0.0)
    outwards = np.where(x > centre, 1.0, -1.0)[:, None] * along
    up_or_out = np.maximum(np.maximum(np.sum(corner * outwards, 1), -(corner @ down)), 0.0)
    pulled = smoothstep((up_or_out / half - LIP_PULL_FROM) / (LIP_PULL_FULL - LIP_PULL_FROM))
    return np.concatenate((upper, lower)), np.concatenate(
        (moves[0] + ((1.0 - rising) * closing - pushed)[:, None] * down,
         moves[1] - (rising * closing)[:, None] * down)), np.tile(pulled, 2)


def teeth_shown(mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The inner lips, upper and lower (``K×2`` each, corner to corner; ``mesh``'s grid), and how
    much teeth each pair of their points shows (``K``, 0–1: its gap eased over
    :data:`TEETH_GAP`)."""
    upper, lower = mesh[list(UPPER_INNER)], mesh[list(LOWER_INNER)]
    iod = max(float(np.linalg.norm(mesh[473] - mesh[468])), 1e-9)
    start, full = TEETH_GAP
    return upper, lower, smoothstep((np.linalg.norm(lower - upper, axis=1) / iod - start)
                                    / (full - start))


def held_teeth(mesh: np.ndarray, lower: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Points inside an open mouth where the teeth are held (``K×2``, ``mesh``'s grid), and how
    much each is held (``K``, 0–1: 1 = still, less = moving that much less than its lip):
    :data:`TEETH_HOLD` of the gap below the upper inner lip and above the lower one (``lower``)
    over :data:`TEETH_SPAN`, as much as the pair shows teeth (:func:`teeth_shown`); none for a
    closed mouth. The upper ones first."""
    upper, lower_lip, hold = (q[TEETH_SPAN] for q in teeth_shown(mesh))
    gap = lower_lip - upper
    parted = hold > 0.0
    held = [upper[parted] + TEETH_HOLD * gap[parted]]
    if lower:
        held.append(lower_lip[parted] - TEETH_HOLD * gap[parted])
    return np.concatenate(held), np.tile(hold[parted], len(held))


def teeth_hidden(mesh: np.ndarray) -> float:
    """How much a mouth hides its teeth (0–1): none as much as its lips' gap shows them
    (:func:`teeth_shown`) — eased, not cut, so that a talking mouth's generated teeth
    (:mod:`.hidden_teeth`) come and go smoothly over the frames. Teeth that shine between
    barely parted lips (:func:`teeth_lit`) count as hidden: the opening is drawn at the lips'
    midline over them (it parts below a row of teeth only where their gap shows it), and
    without teeth drawn over it that row was cut to its tips under the upper lip (the demo
    portrait, looked at)."""
    return 1.0 - float(teeth_shown(mesh)[2].max())


#: Teeth between barely parted lips, by their light (display-encoded, as the model sees the face):
#: from where a pair's brightest point between the inner lips is this many times the brighter
#: lip's light, fully from the second.
TEETH_LIGHT = (1.0, 1.3)


def teeth_lit(mesh: np.ndarray, luma: np.ndarray) -> np.ndarray:
    """Per pair of inner-lip points (``K``, corner to corner), how much teeth shine between them
    (0–1): the brightest of ``luma`` (``n×n``, the face on ``mesh``'s grid in the model's
    encoding, −1…1) inside the pair's gap against the brighter lip's median light, eased over
    :data:`TEETH_LIGHT`. A mouth parted less than :data:`TEETH_GAP` can still show a tooth's
    edge; under a rising upper lip it stretched into a tall white streak (AU10 and disgust on a
    nearly closed mouth, looked at). Against the upper lip alone, a closed mouth's lit lower lip
    read as teeth."""
    image = _display_light(luma)
    brightest = _brightest_between(mesh, image)
    lips = max(float(np.median(_sampled(image, lip_body(mesh, lower_lip))))
               for lower_lip in (False, True))
    start, full = TEETH_LIGHT
    return smoothstep((brightest / max(lips, 1e-6) - start) / (full - start))


def _display_light(luma: np.ndarray) -> np.ndarray:
    """``luma`` (the model's encoding, −1…1) as 0…1 light, float32 (what :func:`_sampled`
    samples)."""
    return np.ascontiguousarray((luma + 1.0) / 2.0, np.float32)


def _sampled(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``image`` (:func:`_display_light`) at ``points`` (``K×2``, its px), bilinear: ``K``."""
    return sample_points(image, points[:, 0], points[:, 1], cv2.INTER_LINEAR)


def _brightest_between(mesh: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Per pair of inner-lip points (``K``, corner to corner), the brightest of ``image``
    (:func:`_display_light`) between 0.2 and 0.8 of the pair's gap."""
    upper, lower = mesh[list(UPPER_INNER)], mesh[list(LOWER_INNER)]
    along = np.linspace(0.2, 0.8, 7)
    between = upper[:, None] + along[None, :, None] * (lower - upper)[:, None]  # K×7×2
    return _sampled(image, between.reshape(-1, 2)).reshape(len(upper), -1).max(1)


#: The brightest of a mouth's inside reads as teeth while it is no redder against the cheeks
#: than the first of these, as a tongue or the lips' wet inner side from the second, eased
#: between (:func:`teeth_coloured`: the tenth percentile, over the brightest quarter of the
#: inside, of its red-to-green ratio over the cheeks'). The shared photographs' teeth read
#: 0.3–0.8, the shared clips' 0.57–1.09 (4:2:0 chroma spreads the lips' red over small teeth);
#: tongues and inner lips 1.12–1.65 (liveportrait_d6's tongue out, d20's talking mouth on dark
#: skin — by light alone, against dark cheeks, it passed for teeth: held while AU15 moved the
#: lips, it stood by the corners as pale shards over black wedges, looked at).
TEETH_REDDER = (1.1, 1.2)


def teeth_coloured(inside: np.ndarray, skin: np.ndarray) -> float:
    """How much the brightest of a mouth's inside (``inside``: ``K×C`` linear pixels between
    its inner lips, R, G, B first) is coloured as teeth against the cheeks' colour (``skin``:
    ``C``): 1 as teeth, 0 as a tongue or lips (:data:`TEETH_REDDER`); 1 where colour cannot
    tell (fewer than three channels — a black-and-white plate —, too few pixels, no light)."""
    if inside.shape[-1] < 3 or len(inside) < 8 or not np.all(skin[:2] > 0):
        return 1.0
    light = inside.mean(-1)
    lit = inside[light >= np.quantile(light, 0.75)]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = lit[:, 0] * skin[1] / (lit[:, 1] * skin[0])
    ratio = ratio[np.isfinite(ratio)]
    if not len(ratio):
        return 1.0
    redder = float(np.percentile(ratio, 10))
    return 1.0 - float(smoothstep(np.array((redder - TEETH_REDDER[0])
                                           / (TEETH_REDDER[1] - TEETH_REDDER[0]))))


def teeth_coloured_at(mesh: np.ndarray, full: FullSize, grid: int) -> float:
    """:func:`teeth_coloured` of the mouth of ``mesh`` (478 points on a ``grid`` px grid over
    the crop), read at full size (``full``): its inside at 12 places down each pair of inner-lip
    points' gap and two columns between each pair and the next; the cheeks over
    :data:`SKIN_PATCH` squares round :data:`SKIN_POINTS` (per channel the median, as
    :func:`skin_beside` reads them)."""
    k = full.size / grid
    upper, lower = mesh[list(UPPER_INNER)], mesh[list(LOWER_INNER)]
    along = np.linspace(0, len(upper) - 1, 3 * (len(upper) - 1) + 1)
    columns = [np.stack([np.interp(along, np.arange(len(upper)), contour[:, i]) for i in (0, 1)],
                        -1) for contour in (upper, lower)]
    down = np.linspace(0.05, 0.95, 12)
    points = columns[0][:, None] + down[None, :, None] * (columns[1] - columns[0])[:, None]
    half = SKIN_PATCH * float(np.linalg.norm(upper[-1] - upper[0])) / 2
    offsets = np.stack(np.meshgrid(*[np.linspace(-half, half, 7)] * 2), -1).reshape(-1, 2)
    cheeks = full.at((mesh[list(SKIN_POINTS)][:, None] + offsets[None]).reshape(-1, 2) * k)
    return teeth_coloured(full.at(points.reshape(-1, 2) * k), np.median(cheeks, 0))


#: A mouth whose lips are apart shows its teeth (as far as their gap says:
#: :func:`teeth_shown`) only as much as its gap is lit like teeth: its brightest (between the
#: middle pairs, display-encoded, as the model sees the face) from the first to the second of
#: these times the cheeks' light beside the nose (:data:`SKIN_POINTS`). On the shared clips'
#: talking mouths and open O's (a dark cavity and tongue: liveportrait_d3 frame 312, d10 104,
#: d12 126, d18 88) it reads 0.33–0.85, on the shared open smiles 0.98–1.55 (photographs 0–18,
#: d0 50, d10 30, d11 40; face 5's white teeth read no lighter than its pale lips,
#: :func:`teeth_lit` 0.2, and 1.08 here). Held as teeth, such a mouth's inside stayed while a
#: smile or a sad mouth moved its lips, and the lips' own inner edges inside the mesh's contour
#: were held with it into light fangs and shards by the corners (looked at).
GAP_LIT = (0.87, 0.96)


def gap_lit(mesh: np.ndarray, luma: np.ndarray) -> float:
    """How much the lips' gap is lit like teeth (0–1, :data:`GAP_LIT`): the brightest of
    ``luma`` (``n×n``, the face on ``mesh``'s grid in the model's encoding, −1…1) between the
    middle pairs of inner-lip points (:data:`TEETH_SPAN`, 0.2–0.8 of each pair's gap) against
    the cheeks' beside the nose."""
    image = _display_light(luma)
    brightest = float(_brightest_between(mesh, image)[TEETH_SPAN].max())
    cheeks = float(_sampled(image, mesh[list(SKIN_POINTS)]).mean())
    return float(smoothstep(np.array((brightest / max(cheeks, 1e-6) - GAP_LIT[0])
                                     / (GAP_LIT[1] - GAP_LIT[0]))))


def lip_body(mesh: np.ndarray, lower: bool) -> np.ndarray:
    """Points in the upper lip's body, or the ``lower`` lip's, between its inner and outer
    contours away from the corners (``K×2``, ``mesh``'s grid): where its own colour is read —
    0.35 and 0.65 of the way from each inner point to the outer one over it."""
    inner = mesh[list(LOWER_INNER if lower else UPPER_INNER)][1:-1]
    outer = mesh[list(OUTER_LIPS[19:10:-1] if lower else OUTER_LIPS[1:10])]
    return np.concatenate([inner + t * (outer - inner) for t in (0.35, 0.65)])


@dataclass(frozen=True)
class GeneratedRegion:
    """A region the renderer generates instead of warping — the mouth's opening, a closed lid's
    seam: a closed polygon on the model grid (``K×2``, grid px) and the ``source`` polygon of the
    face as it was, where its shadow colour and grain are read (the outer lips, the lashes)."""

    polygon: np.ndarray
    source: np.ndarray
    grid: int
    #: Shade it as a cavity (darker at the heart and top); False fills it with the source's own
    #: shadow colour (a closed lid's seam: the colour of its lashes).
    cavity: bool = True
    #: Points on the grid (``K×2``) where the skin a cavity is shaded against is read
    #: (:data:`SKIN_POINTS`); None: against the source's own mean colour.
    skin: np.ndarray | None = None
    #: A mouth open as shot that parts above its floor (a talking mouth's dark under its upper
    #: teeth, its tongue going down with the jaw): its opening as shot (``K×2``, grid px), whose
    #: own dark the cavity is held to and which shows its own tongue (none is drawn); None for
    #: a mouth that opens at its lower lip.
    open_as_shot: np.ndarray | None = None
    #: How much it parts above its floor (:func:`above_the_floor`): its own dark as much, the
    #: shaded cavity the rest.
    above_the_floor: float = 1.0
    #: The teeth a mouth closed as shot hid, drawn under its lips (their edges on the grid:
    #: :mod:`.hidden_teeth`); None where the plate shows its own.
    teeth: HiddenTeeth | None = None
    #: A mouth that shows its teeth as shot: its opening as shot (``K×2``, grid px), whose own
    #: dark the shaded cavity takes its hue from (:data:`OWN_HUE`); None for a closed mouth.
    teeth_as_shot: np.ndarray | None = None
    #: The opening's corners before the rest of the rig moved them (``2×2``, grid px:
    #: :func:`opening_tips`); None: where they are.
    corners_as_shot: np.ndarray | None = None
    #: The shot's own mouth (:class:`~.mouth_look.MouthLook`, read by the face track), whose
    #: colours the cavity, tongue and drawn teeth take on every frame; None: each frame's own.
    look: MouthLook | None = None


#: Where along each pair of inner-lip points (0 upper lip … 1 lower) the parting of a mouth that
#: shows its teeth is looked for: below the upper lip's shadow on the upper teeth.
SEAM_SEARCH = (0.3, 0.95)
#: Across the mouth (0 its middle, 1 a corner), where a mouth showing its teeth starts and ends
#: parting at its lower lip instead (:func:`teeth_seam`).
SEAM_CORNERS = (0.5, 0.9)
#: How much darker than the cheeks beside the nose (:data:`SKIN_POINTS`; the model's encoding,
#: −1…1) the top of a pair's search must be to be the mouth's own dark rather than the upper
#: lip's shadow on teeth that fill the gap: that shadow lies 0.05–0.52 below them on the shared
#: open smiles whose search is darkest at its top (faces 3, 11, 12, 19; against the search's own
#: brightest, face 12's shadowed teeth were as dark as a talking mouth's), the dark over a
#: talking mouth's tongue 0.66–1.09 on six of the shared clips' open mouths (0.42–0.61 on a
#: seventh, which parts at its lower lip as before).
SEAM_DARK_GAP = 0.6
#: A seam above this share of the lips' gap over their middle parts a mouth above its floor:
#: the mouth's own dark under its upper teeth (a talking mouth's: its search darkest at its
#: top, :data:`SEAM_SEARCH`), its tongue going down with the jaw
#: (:attr:`GeneratedRegion.open_as_shot`). Rows of teeth apart (a child's open smile, face 7:
#: parted at 0.5) keep the shaded cavity and its tongue, which they hide as shot.
OVER_THE_FLOOR = 0.4
#: ... eased over this much either side: a talking mouth whose seam crossed the share from one
#: frame to the next went from its own dark to the shaded cavity, 2–3× as light (liveportrait_d10
#: frames 33–37 opened by AU25 + AU26, looked at in sequence).
FLOOR_EASE = 0.08
#: A mouth open wider than this as shot (its lips' gap over the middle, IOD; eased between the
#: two) parts above its floor whatever is darkest between its lips: its tongue goes down with the
#: jaw. A raised tongue leaves the darkest row under it (liveportrait_d12 frame 126: 0.45 IOD
#: open, darkest between the tongue and the lower teeth), and parted there the tongue was cut
#: by a dark band under AU26 (looked at); the shared clips' other wide-open mouths (0.27–0.5 IOD)
#: are darkest under their upper teeth already, the shared photographs' open smiles part at most
#: 0.25.
WIDE_OPEN = (0.3, 0.38)
#: How far below its seam the mesh's lower inner lip lies over the middle (IOD) as a mouth that
#: parts where its upper teeth end goes from hiding its lower teeth behind the lower lip to
#: showing them: the shared open smiles 2, 3, 5, 11, 12, 16, 18 lie 0.006–0.027 below (their
#: lower teeth a sliver at most), 14 0.035 (a dim band of them), 0, 1, 9 0.054–0.065 and the
#: children's rows apart (4, 7, 19) 0.09–0.12 (their lower teeth go down with the lip as shot).
LOWER_TEETH_SHOWN = (0.03, 0.05)
#: How far (geometrically) the shaded cavity of a mouth that shows its teeth as shot takes its
#: balance from the mouth's own dark (the darkest OWN_DARKEST percent between its lips) rather
#: than the skin's tint: a talking mouth went from its own maroon dark (parted above its floor)
#: to a brown cavity the next frame (liveportrait_d10 frames 22–40 under AU25 + AU26, looked at
#: in sequence), and an open smile's cavity stood brown beside the dark of its own corners.
OWN_HUE = 0.7
#: The dark of a mouth open as shot: the mean of this darkest percent of its opening.
OWN_DARKEST = 10
#: The teeth between the lips as shot (:func:`_teeth_colour`): pixels no redder than this
#: (:func:`~.base.redness`: teeth read 0–0.2, lips 0.2–0.9), when there are this many.
TEETH_REDNESS, OWN_LEAST = 0.2, 8
#: An open smile's drawn lower teeth at their brightest (their 90th percentile) against its
#: upper ones' (the mean of the brightest OWN_DARKEST percent between its lips): a little under
#: them (at 0.8 a wide-open mouth's lower row read grey beside the smile's teeth, at 1.02× them
#: a white denture).
LOWER_OF_UPPER = 0.88
#: The shaded cavity of a shot whose own mouth is darker inside (:attr:`GeneratedRegion.look`)
#: is dimmed to it — its darkest, :data:`CAVITY_DEPTH` × :data:`CAVITY_TOP` of the cheeks' light,
#: to the shot's dark — by at most this factor; its tongue by the factor's square root (as under
#: :data:`CAVITY_CAP`). Shaded against the cheeks alone, a talking clip's cavity was 2–4× as light
#: as the performer's own open mouth the frame before (liveportrait_d10 under AU25 + AU26: its
#: own dark 0.02–0.13 of the cheeks' light); dimmed to a near-black shot's (0.005, d13) it was a
#: hole.
LOOK_DIM_MOST = 0.3


def above_the_floor(share: float | np.ndarray) -> np.ndarray:
    """How much a mouth showing its teeth and parting at ``share`` of its lips' gap (0 the upper
    lip, 1 the lower; a float, or one per pair of inner-lip points) parts above its floor (0–1,
    :data:`OVER_THE_FLOOR`, :data:`FLOOR_EASE`), as ``share``'s shape."""
    return 1.0 - smoothstep(np.asarray((share - OVER_THE_FLOOR + FLOOR_EASE)
                                      / (2.0 * FLOOR_EASE), np.float64))


#: Samples along each pair's search (:data:`SEAM_SEARCH`) read at full size (:func:`teeth_seam`
#: with ``light``): ~1 px of a 1024 px face's open smile.
SEAM_FINE_SAMPLES = 49
#: At full size, a pair parts at the first place along its search within this share of the
#: search's range of light above its darkest: where the upper teeth end. The lower teeth's tips
#: under them and the lower lip's shadow under those are as dark as that line (face 9: 0.13 of
#: the teeth's light at 0.7, 0.875 of the gap), and on the model's grid, which blurs the line,
#: the shadow was the darkest: the mouth parted there, and the lower teeth and a red band of
#: lip stayed under the upper teeth while the jaw dropped.
SEAM_NEAR_DARKEST = 0.15
#: ... past the first place within the search lit this share of its range above its darkest
#: (the teeth's light).
SEAM_TEETH_LIT = 0.5


def teeth_seam(mesh: np.ndarray, luma: np.ndarray, light: LightAt | None = None,
               gap_lit: float | None = None, lip: np.ndarray | None = None
               ) -> np.ndarray | None:
    """Where a mouth that shows its teeth parts as it opens (``K×2``, one point per pair of the
    inner lips' points, corner to corner; ``mesh``'s grid), or None for lips parted less than
    :data:`TEETH_GAP` allows teeth to show.

    The seam takes the same share of each pair's gap: where the middle pairs are darkest
    (``luma``: ``n×n``, the face on ``mesh``'s grid) within :data:`SEAM_SEARCH` — the gap
    between the rows of teeth, or the lower lip under upper teeth that rest on it — or, for a
    mouth open wide as shot (:data:`WIDE_OPEN`) — or whose gap is not lit like teeth
    (``gap_lit``, :func:`gap_lit`; None: as if it were) — the search's top: its tongue goes down
    with the jaw (parted where an open O was darkest, half way down its tongue, a second
    mouth with a drawn tongue opened inside it: liveportrait_d18 frame 88, looked at). Opened at
    the lips' midline instead, a smile's cavity was drawn across its upper teeth (looked at:
    surprise and fear on open smiles). Towards the corners (:data:`SEAM_CORNERS`) it eases
    down onto the lower lip, which parts from the side teeth filling the narrowing gap there.
    Eased from the midline by how far apart the lips are (:data:`TEETH_GAP`), so the seam moves
    smoothly as a mouth opens.

    A mouth parted below its floor (:func:`above_the_floor`: an open smile, its lower teeth
    going down with the jaw) is parted, given ``light`` (the face at full size,
    :data:`~.base.LightAt`), where its upper teeth end (:data:`SEAM_NEAR_DARKEST`) — over the
    middle pairs each where its own end (:func:`_where_teeth_end`) — no higher than its floor,
    eased in over :data:`FLOOR_EASE` below the floor, out as it opens wide.

    Its shares are laid between the upper inner lip and ``lip`` — the lower one fitted to the
    lip's own edge where the mesh's lies on the teeth (``K×2``, :func:`.teeth.lower_lip_fitted`)
    — or the mesh's lower inner lip."""
    upper, lower, shown = teeth_shown(mesh)
    # One ease for the whole mouth (its widest pair's): eased pair by pair, the seam stepped
    # between the teeth's edge in the middle and the midline by the corners.
    hold = float(shown.max())
    if hold == 0.0:
        return None
    along = np.linspace(*SEAM_SEARCH, 16)
    points = upper[:, None] + along[None, :, None] * (lower - upper)[:, None]  # K×16×2
    profile = sample_points(np.ascontiguousarray(luma, np.float32), points[..., 0],
                            points[..., 1], cv2.INTER_LINEAR)
    # One share of the gap for the whole seam, the median of the middle pairs': pair by pair a
    # gap between two teeth or the dark corners of the mouth pulled the seam up into the teeth
    # (a jagged cavity, looked at); kept along the lips, the seam stays as smooth as they are.
    # A pair darkest at the top of the search, and not far darker there than the cheeks, is
    # the upper lip's shadow on teeth that fill the gap (rows of teeth that touch, no dark
    # between them): there the mouth parts at the lower lip (the search's bottom) — parting at
    # that shadow, the cavity was drawn across the upper teeth (face 11, surprise and fear,
    # looked at). Far darker there, it is the mouth's own dark under the upper teeth, a talking
    # mouth's above its tongue: parted at the lower lip, a black crescent opened under the
    # tongue, which stayed up with the skull (the shared clips' open mouths, looked at).
    darkest_at = np.argmin(profile, axis=1)
    cheeks = float(sample_points(np.ascontiguousarray(luma, np.float32), mesh[list(SKIN_POINTS), 0],
                                 mesh[list(SKIN_POINTS), 1], cv2.INTER_LINEAR).mean())
    touching = (darkest_at == 0) & (cheeks - profile.min(1) < SEAM_DARK_GAP)
    darkest = float(np.median(np.where(touching, along[-1], along[darkest_at])[TEETH_SPAN]))
    _, down, iod = iris_axes(mesh)
    gap = float(np.median((lower[MIDDLE_PAIRS] - upper[MIDDLE_PAIRS]) @ down)) / iod
    wide = float(smoothstep(np.array((gap - WIDE_OPEN[0]) / (WIDE_OPEN[1] - WIDE_OPEN[0]))))
    if gap_lit is not None:
        wide = max(wide, 1.0 - gap_lit)
    # Eased in over a FLOOR_EASE below the floor and out as the mouth opens wide: switched on and
    # off, a talking mouth's seam jumped 0.37 of its gap for one frame (liveportrait_d18 frame
    # 88, its gap just under WIDE_OPEN).
    refine = (1.0 - wide) * float(smoothstep(np.array(
        (darkest - OVER_THE_FLOOR - FLOOR_EASE) / FLOOR_EASE)))
    if light is not None and refine > 0.0:
        darkest += refine * (_where_teeth_end(upper, lower, touching, light) - darkest)
    darkest += wide * (along[0] - darkest)  # wide open: under the upper teeth (WIDE_OPEN)
    share = 0.5 + hold * (darkest - 0.5)
    # Towards the corners the side teeth fill the narrowing gap: there the lower lip parts from
    # them (the seam eased down onto it), else the cavity's edge cut the side teeth diagonally.
    centre = (upper[0] + upper[-1]) / 2
    half = max(float(np.linalg.norm(upper[-1] - upper[0])) / 2, 1e-6)
    across = np.abs((upper - centre) @ ((upper[-1] - upper[0]) / (2 * half))) / half
    # (Not above a mouth's floor — a talking mouth's dark under its upper teeth runs to its
    # corners: eased down there, the cavity drooped at its sides like a moustache; looked at.)
    ease = hold * smoothstep((across - SEAM_CORNERS[0]) / (SEAM_CORNERS[1] - SEAM_CORNERS[0]))
    share = share + (1.0 - share) * ease * (1.0 - above_the_floor(share))
    return upper + share[:, None] * ((lower if lip is None else lip) - upper)


def _where_teeth_end(upper: np.ndarray, lower: np.ndarray, touching: np.ndarray,
                     light: LightAt) -> np.ndarray:
    """The share of the lips' gap (``upper``, ``lower``: ``K×2`` inner-lip points on the grid)
    where the upper teeth end, read at full size (:data:`SEAM_NEAR_DARKEST`), per pair (``K``):
    the median over :data:`TEETH_SPAN`, and over that span each pair's own as much as its
    neighbours agree (the median of three) where that lies lower — parted at the median alone,
    the cavity cut the longer central incisors' tips off flat (faces 14 and 0 under AU26 and an
    open smile's AU25, looked at). Pairs whose rows of teeth touch (``touching``, ``K`` bool)
    part at the lower lip (the search's bottom), none above the mouth's floor
    (:data:`OVER_THE_FLOOR`)."""
    along = np.linspace(*SEAM_SEARCH, SEAM_FINE_SAMPLES)
    profile = light(upper[:, None] + along[None, :, None] * (lower - upper)[:, None])  # K×S
    low, high = profile.min(1, keepdims=True), profile.max(1, keepdims=True)
    dark = profile <= low + SEAM_NEAR_DARKEST * (high - low)
    # Past the teeth's light: the upper lip's shadow on their tops, as dark, is not their end
    # (parted there, face 17's upper teeth were cut in half and their lower halves went down
    # with the jaw as a second row).
    lit = np.argmax(profile >= low + SEAM_TEETH_LIT * (high - low), axis=1)
    past = dark & (np.arange(len(along))[None] > lit[:, None])
    ends = along[np.where(past.any(1), np.argmax(past, axis=1), np.argmax(dark, axis=1))]
    shares = np.where(touching, along[-1], np.maximum(ends, OVER_THE_FLOOR + FLOOR_EASE))
    middle = float(np.median(shares[TEETH_SPAN]))
    # Each pair's own where its neighbours agree (the span's ends beside the median): a pair
    # alone — rows that touch there, parting at the lower lip — notched the cavity up into the
    # teeth (face 19 under AU26, looked at).
    own = np.where(touching, middle, shares)[TEETH_SPAN]
    near = np.median(np.lib.stride_tricks.sliding_window_view(
        np.pad(own, 1, constant_values=middle), 3), 1)
    out = np.full(len(shares), middle)
    out[TEETH_SPAN] = np.maximum(middle, near)
    return out


#: Across the mouth (0 its middle, 1 a corner), where an open smile's side teeth are kept as
#: shot below its seam (:func:`side_teeth_ends`): eased in between these.
SIDE_TEETH = (0.45, 0.6)
#: Columns read across each side (its outer part, :data:`SIDE_TEETH` out to the corner) and
#: samples down each, over this reach below the seam (IOD: a side tooth's length, and more).
SIDE_COLUMNS, SIDE_SAMPLES, SIDE_REACH = 24, 32, 0.1
#: A side tooth's light: past this share of the way from the mouth's dark to the front teeth's
#: light (the side teeth are in the cheeks' shade, a back tooth at 0.3–0.6 of a front one's) ...
SIDE_TOOTH_LIGHT = 0.3
#: ... and its redness (``(R − G) / (R + G + B)``) no further than this share of the way from
#: the front teeth's to the lower lip's (on the shared open smiles the teeth read 0.02–0.2, their
#: lips 0.2–0.9; lit alike, a pale lip passed for a tooth). Lips no redder than the teeth (a
#: black-and-white plate) are told by the reach alone.
SIDE_TOOTH_RED = 0.5
#: A side's four innermost columns running on past this share of the reach (median; eased to
#: the second) are a closed bite's rows touching: none of that side is kept.
SIDE_TOUCHING = (0.7, 0.9)
#: How far below the seam (IOD) the side teeth must reach to hold the top of an opening under a
#: raised upper lip (AU10) down whole (eased in from 0): held by any reach past 0, the top fell
#: from the raised lip to the seam between two columns where a talking mouth's teeth flicker
#: about the seam — a cavity cut off square, the teeth drawn in it a pale block with upright ends
#: (liveportrait_d19 frame 25 under disgust, looked at 3×).
SIDE_HOLD_FROM = 0.01


def side_teeth_ends(mesh: np.ndarray, seam: np.ndarray, full: FullSize, grid: int
                    ) -> np.ndarray | None:
    """Where the upper teeth of an open smile end as shot by its corners, below its ``seam``
    (:func:`teeth_seam`, ``K×2`` on ``mesh``'s ``grid``): ``M×2`` on that grid, left to right,
    the middle columns on the seam; read at full size (``full``); None where no column reaches
    below the seam.

    Towards the corners the seam eases down onto the lower lip, and the mesh's lower lip runs
    there across the side teeth: the straight line from the corner to the next pair of points
    crossed them, and the cavity opened below it cut them in a slant while the field stretched
    what it cut (faces 0, 2, 12, 14 under AU25 + AU26 and surprise, looked at). Down each of
    :data:`SIDE_COLUMNS` columns (along the face's down, :data:`SIDE_REACH` from the seam), the
    teeth go on while they are lit (:data:`SIDE_TOOTH_LIGHT`) and coloured
    (:data:`SIDE_TOOTH_RED`) as a tooth; the columns' ends are eased into one edge
    (:func:`_eased_ends`) and in over :data:`SIDE_TEETH` across the mouth."""
    along, down, iod = iris_axes(mesh)
    upper, lower = mesh[list(UPPER_INNER)], mesh[list(LOWER_INNER)]
    k = full.size / grid

    def light_and_red(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rgb = full.at(points * k)
        light = rgb.mean(-1)
        return light, redness(rgb) if rgb.shape[-1] >= 3 else np.zeros_like(light)

    origin = (seam[0] + seam[-1]) / 2
    s = np.stack(((seam - origin) @ along, (seam - origin) @ down), -1)
    half = max((s[-1, 0] - s[0, 0]) / 2, 1e-6)
    inner = SIDE_TEETH[0] * half
    xs = np.concatenate((np.linspace(s[0, 0], -inner, SIDE_COLUMNS),
                         np.linspace(inner, s[-1, 0], SIDE_COLUMNS)))
    top = np.interp(xs, s[:, 0], s[:, 1])
    t = np.linspace(0.0, 1.0, SIDE_SAMPLES)
    ys = top[:, None] + t[None] * SIDE_REACH * iod  # columns × samples
    light, red = light_and_red(origin + xs[:, None, None] * along + ys[..., None] * down)
    # The front teeth: between the upper lip and the seam over the middle, their lit half.
    middle = MIDDLE_PAIRS
    front_light, front_red = light_and_red(
        upper[middle, None] + np.linspace(0.3, 1.0, 8)[None, :, None]
        * (seam[middle] - upper[middle])[:, None])
    lit_front = front_light >= np.median(front_light)
    teeth_light, teeth_red = float(front_light[lit_front].mean()), \
        float(np.median(front_red[lit_front]))
    _, lip_red = light_and_red(lower[middle] + 0.03 * iod * down)
    dark = float(light.min())
    tooth = light >= dark + SIDE_TOOTH_LIGHT * (teeth_light - dark)
    lip_redder = float(np.median(lip_red)) - teeth_red
    if lip_redder > 0.0:
        tooth &= red <= teeth_red + SIDE_TOOTH_RED * lip_redder
    # Down each column while it stays a tooth from the seam: to its last tooth sample.
    run = np.where(tooth.all(1), SIDE_SAMPLES - 1, np.argmin(tooth, axis=1) - 1)
    ends = np.where(run >= 0, t[np.clip(run, 0, None)], 0.0)
    # A side whose teeth run on near the reach already at its inner edge is a closed bite's:
    # the upper teeth on the lower, lit all the way, and nothing tells where the upper ones end
    # — kept down to the reach by the sides alone, they hung into the cavity as fangs beside
    # the middle's cut (face 17 under surprise, looked at).
    left, right = np.split(ends, 2)
    ends = np.concatenate([_eased_ends(side) * (1.0 - float(smoothstep(np.array(
        (np.median(inner) - SIDE_TOUCHING[0]) / (SIDE_TOUCHING[1] - SIDE_TOUCHING[0])))))
        for side, inner in ((left, left[-4:]), (right, right[:4]))])
    ease = smoothstep((np.abs(xs) / half - SIDE_TEETH[0]) / (SIDE_TEETH[1] - SIDE_TEETH[0]))
    below = ease * ends * SIDE_REACH * iod
    if not np.any(below > 0.0):
        return None
    return origin + xs[:, None] * along + (top + below)[:, None] * down


def _eased_ends(ends: np.ndarray) -> np.ndarray:
    """A side's column ends (``M``) without a column alone lower than both its neighbours (the
    least of each three), then rounded (the mean of each three): read column by column, a
    tooth's tip came out as a fang and the dark between two tips as a notch (face 12)."""
    def windows(values):
        return np.lib.stride_tricks.sliding_window_view(np.pad(values, 1, mode="edge"), 3)
    return windows(windows(ends).min(1)).mean(1)


#: How the lips part across the mouth: ``(1 − u²)^power`` of the centre's opening at ``u`` (−1
#: and 1 the inner corners). Measured on the shared performances' widest-open frames against
#: their closed ones (``benchmarks/mouth_vs_real.py``): the lower lip drops 0.37, 0.59, 0.81,
#: 0.95 of its centre's drop at |u| = 0.86, 0.75, 0.56, 0.31 (medians) — a U, power 0.65; a
#: parabola (power 1: 0.26, 0.44, 0.69, 0.90) opened a V that read as a triangle cut in the
#: face.
OPENING_POWER = 0.65


def opening_profile(u: np.ndarray) -> np.ndarray:
    """The share of the centre's opening at ``u`` across the mouth (0 at and beyond the inner
    corners ``|u| ≥ 1``, 1 at the centre)."""
    base = np.clip(1.0 - np.square(u), 0.0, None)
    # The power only where the lips part: most of the mouth's field lies beyond its corners.
    out = np.zeros_like(base)
    parted = base > 0.0
    out[parted] = base[parted] ** OPENING_POWER
    return out


def corner_drop(x: np.ndarray, centre: float, half: float, jaw: float,
                parting: np.ndarray | None = None) -> np.ndarray:
    """How far (IOD, down) the lips come down with the mouth's corners at ``x`` across the mouth
    (its frame: ``centre`` and ``half`` its inner corners' middle and half-distance) for a jaw
    drop of ``jaw`` IOD: :data:`CORNER_FOLLOW` of it where the lips do not part (at and past the
    corners; ``parting``: :func:`opening_profile` at ``x``, when the caller has it), none at the
    middle, fading out past the corners over :data:`CORNER_REACH`."""
    u = (np.asarray(x) - centre) / half
    parting = opening_profile(u) if parting is None else parting
    drop = CORNER_FOLLOW * jaw * (1.0 - parting)
    past = np.abs(u) > 1.0  # the fade only where it is not 1
    drop[past] *= np.exp(-0.5 * ((np.abs(u[past]) - 1.0) * half / CORNER_REACH) ** 2)
    return drop


def mouth_field(mesh: np.ndarray, au25: float, au26: float, n: int,
                seam: np.ndarray | None = None, hidden: float = 0.0, lit: float = 0.0,
                au10: float | np.ndarray = 0.0, side_teeth: np.ndarray | None = None
                ) -> tuple[np.ndarray, GeneratedRegion | None]:
    """Backward field ``2×n×n`` opening the mouth of ``mesh`` (478 points on the ``n`` grid) by
    AU25/AU26 intensities (0–5), and the interior it opens (None when nothing opens). It parts
    along ``seam`` (``K×2`` on the grid, corner to corner: :func:`teeth_seam`), or the inner
    lips' midline; parted below its upper teeth, the upper lip stays on them. ``hidden``
    (0–1): how much the mouth hides its teeth as shot — as much, the opening shows the teeth
    generated under its lips (:mod:`.hidden_teeth`), in the colour of the teeth that shine
    between them as much as ``lit`` (0–1, :func:`teeth_lit`). ``au10`` (0–5): the upper lip
    raised whole off the lower (:data:`UPPER_LIP_AU10`), the opening under it generated too —
    given only for a mouth that hides its teeth; a pair (the face's right, left) raises each
    side by its own, mixed across the mouth's middle (:func:`.base.left_share`). An open smile
    parted under its upper teeth whose lower lip hides its lower ones
    (:data:`LOWER_TEETH_SHOWN`) shows those, generated, as the lip drops off them
    (:attr:`.hidden_teeth.HiddenTeeth.front`). ``side_teeth`` (``M×2`` on the grid,
    :func:`side_teeth_ends`): where such a smile's upper teeth end by its corners, as shot — the
    opening starts no higher there (they stay with the skull)."""
    field = np.zeros((2, n, n))
    lower_lip = (LOWER_LIP_AU25 * au25 + JAW_AU26 * au26) / 5.0
    jaw = JAW_AU26 * au26 / 5.0
    rises = UPPER_LIP_AU10 * np.broadcast_to(np.asarray(au10, np.float64), 2) / 5.0
    raised = float(rises.max())
    if lower_lip <= 0.0 and raised <= 0.0:
        return field, None
    along, down, iod = iris_axes(mesh)
    origin = (mesh[13] + mesh[14]) / 2
    local = lambda p: np.stack(((p - origin) @ along, (p - origin) @ down), -1) / iod  # noqa: E731
    upper, lower = local(mesh[list(UPPER_INNER)]), local(mesh[list(LOWER_INNER)])
    left, right = upper[0, 0], upper[-1, 0]
    centre, half = (left + right) / 2, max((right - left) / 2, 1e-6)

    def raised_at(x):
        """The upper lip's rise (AU10, IOD) at ``x`` across the mouth: each side's own."""
        if rises[0] == rises[1]:
            return rises[0]
        return rises[0] + left_share(x - centre) * (rises[1] - rises[0])

    chin = float(local(mesh[CHIN])[1])
    nose = float(local(mesh[NOSE_BASE])[1])
    # The field is zero outside nose-to-below-the-chin and 4 jaw widths either side: evaluate
    # only that box of the grid.
    reach = max(4 * JAW_WIDTH, half)
    corners = np.array([[centre - reach, nose], [centre + reach, nose],
                        [centre - reach, chin + JAW_FADE], [centre + reach, chin + JAW_FADE]])
    x0, y0, x1, y1 = grid_box(origin + iod * (corners[:, :1] * along + corners[:, 1:] * down), n, 1)
    if x1 <= x0 or y1 <= y0:
        return field, None
    # The box's pixel centres in the mouth's frame, in IOD.
    lx, ly = (c / iod for c in box_in_frame(down, origin, (x0, y0, x1, y1)))
    shows_teeth = seam is not None
    parting = (upper + lower) / 2 if seam is None else local(seam)
    seam_at = _smooth_line(parting)
    # Parted above its floor (the seam in the upper part of the lips' gap over the middle): the
    # mouth's own dark and tongue show as shot.
    share = np.median((parting[MIDDLE_PAIRS, 1] - upper[MIDDLE_PAIRS, 1])
                      / np.maximum(lower[MIDDLE_PAIRS, 1] - upper[MIDDLE_PAIRS, 1], 1e-6))
    above_floor = float(above_the_floor(share)) if shows_teeth else 0.0
    ends = None if side_teeth is None or not shows_teeth or above_floor >= 1.0 \
        else local(side_teeth)

    def kept_below(x):
        """How far below the seam the side teeth stay as shot at ``x`` (IOD; 0 elsewhere)."""
        return np.interp(x, ends[:, 0], ends[:, 1] - seam_at(ends[:, 0])) * (1.0 - above_floor)

    def held_down(top, x, bottom=None):
        """The opening's ``top`` at ``x`` held no higher than the side teeth kept there (no
        lower than ``bottom``), as much as they reach below the seam (:data:`SIDE_HOLD_FROM`)."""
        kept = kept_below(x)
        held = np.maximum(top, seam_at(x) + kept)
        if bottom is not None:
            held = np.minimum(held, bottom)
        # (Under AU10 alone: under an open smile's own rise the teeth reaching a hair below the
        # seam are its tips, and a top eased off them cut the tips flat — face 14 under AU25.)
        hold = smoothstep(kept / SIDE_HOLD_FROM) if raised else kept > 0.0
        return top + hold * (held - top)

    # A mouth parted below its upper teeth (an open smile's, as much as it shows them and is
    # parted below its floor) keeps its upper lip on them: the teeth stay with the skull, and
    # risen with the lip they were squashed up into the opening by a tenth and their tips cut
    # flat by its cavity (the shared open smiles under AU25, looked at). A mouth parted above
    # its floor (its own dark under the upper lip) opens there as before.
    shown = float(teeth_shown(mesh)[2].max())
    on_the_teeth = shown * (1.0 - above_floor) if shows_teeth else 0.0
    upper_lip = UPPER_LIP_AU25 * au25 / 5.0 * (1.0 - on_the_teeth)
    seam = seam_at(lx)
    profile = opening_profile((lx - centre) / half)  # the lips' opening
    jaw_profile = np.exp(-0.5 * ((lx - centre) / JAW_WIDTH) ** 2)
    lip_bottom = max(float(local(mesh[LOWER_LIP_BOTTOM])[1]), 1e-3)
    # The corners' drop with the jaw (CORNER_FOLLOW), at each column as much as it does not part
    # — none for a mouth that shows its teeth (a smile holds its corners up, and the upper
    # teeth beside them stay with the skull).
    corners_jaw = jaw * (1.0 - shown)
    corners_down = corner_drop(lx, centre, half, corners_jaw, profile) if corners_jaw else 0.0
    # Below the seam: the lower lip's motion at the seam, the jaw's from the lip's bottom down,
    # fading out below the chin.
    # The lower lip moves whole down to its lower edge (AU25 lowers the lip, not the chin); from
    # there the motion hands over to the jaw's over a span of at least twice the difference of
    # the two travels: a shorter one would make rows sample backwards (a fold: the smoothstep's
    # slope of 1.5 times that difference must stay below the span). With the corners' drop the
    # lip's travel is still at most max(lower_lip, jaw).
    thickness = max(lip_bottom - float(seam_at(np.array(centre))), 1e-3)
    span = 0.1 + 2.0 * max(lower_lip, jaw)
    into_jaw = smoothstep((ly - seam - thickness) / span)
    below = ((lower_lip * profile + corners_down) * (1 - into_jaw)
             + jaw * jaw_profile * into_jaw) * (1 - smoothstep((ly - chin) / JAW_FADE))
    # Above it: the upper lip rises with the opening profile — and comes down with the corners
    # beside them — fading out by the nose.
    above = (upper_lip * profile - corners_down) * (
        1 - smoothstep((seam - ly) / max(seam_at(np.array(centre)) - nose, 1e-3)))
    # AU10 raises the upper lip whole, off the lower: the skin above it to the nose takes the
    # rise (fading out from the lip's outer edge, not from the seam: the lip keeps its
    # thickness). Teeth that shine between barely parted lips stay with the skull: as much, the
    # lip rises from its own inner edge (the opening drawn over them from there), not the seam
    # (carried up with it, their upper half floated over the teeth drawn under it).
    split_at = seam_at
    if raised:
        lip_top = local(mesh[list(OUTER_LIPS[:11])])
        lip_top = np.minimum(np.interp(lx, lip_top[:, 0], lip_top[:, 1]), seam)
        lip_top -= raised_at(lx) * profile  # where it goes: the field is the output's
        above = above + raised_at(lx) * profile * (
            1 - smoothstep((lip_top - ly) / np.maximum(lip_top - nose + AU10_NOSE_REACH, 1e-3)))

        def split_at(x):
            own_edge = lit * smoothstep(raised_at(x) / AU10_OWN_EDGE)
            return seam_at(x) + own_edge * (np.interp(x, upper[:, 0], upper[:, 1]) - seam_at(x))
    # Backward: each output row samples where its content came from. Between the moved lips
    # (the opening, generated later) every row samples the seam itself, so the sources never
    # run backwards (a fold) across it.
    opening_top = (split_at(lx) if raised else seam) + corners_down \
        - (upper_lip + raised_at(lx)) * profile
    opening_bottom = seam + corners_down + lower_lip * profile
    if ends is not None:  # the side teeth below the seam stay as shot
        opening_top = held_down(opening_top, lx)
    shift = np.where(ly <= opening_top, above,
                     np.where(ly >= opening_bottom, -below, seam - ly)) * iod
    field[:, y0:y1, x0:x1] = shift[None] * down[:, None, None]

    # The opening: between the moved inner lips, corner to corner.
    xs_line = np.linspace(left, right, 33)
    if ends is not None:  # the columns the side teeth were read on, for the edge to follow
        xs_line = np.union1d(xs_line, ends[(ends[:, 0] > left) & (ends[:, 0] < right), 0])
    across = opening_profile((xs_line - centre) / half)
    moved_seam = seam_at(xs_line) + corner_drop(xs_line, centre, half, corners_jaw)
    top = split_at(xs_line) + moved_seam - seam_at(xs_line) - (upper_lip + raised_at(xs_line)) \
        * across
    bottom = moved_seam + lower_lip * across
    if ends is not None:  # not over the side teeth, as shot (closed where they reach the lip)
        top = held_down(top, xs_line, bottom)
    outline = np.concatenate((np.stack((xs_line, top), 1), np.stack((xs_line, bottom), 1)[::-1]))
    to_grid = lambda q: origin + iod * (q[:, :1] * along + q[:, 1:] * down)  # noqa: E731
    between = np.concatenate((mesh[list(UPPER_INNER)], mesh[list(LOWER_INNER)][-2:0:-1]))
    open_as_shot = between if above_floor > 0.0 else None
    # The teeth stay with the skull: their edge under the seam as shot.
    jaw_at = lambda x: jaw * np.exp(-0.5 * ((x - centre) / JAW_WIDTH) ** 2)  # noqa: E731
    middle_x = float(local(mesh[13])[0])
    if hidden <= 0.0 or above_floor >= 1.0:
        teeth = None
    else:
        edges = hidden_teeth.edge_points(seam_at, jaw_at, left, middle_x, right)
        teeth = HiddenTeeth(*map(to_grid, edges), iod, float(hidden), between, float(lit))
    # An open smile parted where its upper teeth end, its lower lip over the lower ones: as
    # the lip drops off them (AU25 past the jaw) they show, drawn under the upper ones in their
    # colour. The cavity alone was a flat brown slab under the teeth, the lower teeth hidden as
    # shot carried down with the lip below it (faces 2, 3, 5, 11, 12 under AU25, looked at).
    lower_hidden = 1.0 - float(smoothstep(np.array(
        (np.median(lower[MIDDLE_PAIRS, 1] - parting[MIDDLE_PAIRS, 1]) - LOWER_TEETH_SHOWN[0])
        / (LOWER_TEETH_SHOWN[1] - LOWER_TEETH_SHOWN[0]))))
    if teeth is None and on_the_teeth > 0.0 and lower_hidden > 0.0:
        edges = hidden_teeth.edge_points(seam_at, jaw_at, left, middle_x, right,
                                         lower_below=hidden_teeth.SMILE_LOWER_BELOW_SEAM,
                                         corner_drop=hidden_teeth.SMILE_CORNER_DROP)
        # (Where the upper teeth end as shot: the lower ones take their detail.)
        shot_edge = np.stack((edges[1][:, 0], seam_at(edges[1][:, 0])), 1)
        teeth = HiddenTeeth(None, to_grid(edges[1]), iod, on_the_teeth * lower_hidden, between,
                            1.0, front=True, shot_edge=to_grid(shot_edge))
    return field, GeneratedRegion(to_grid(outline), mesh[list(OUTER_LIPS)].copy(), n,
                                  skin=mesh[list(SKIN_POINTS)].copy(), open_as_shot=open_as_shot,
                                  teeth_as_shot=between if shows_teeth else None,
                                  above_the_floor=above_floor, teeth=teeth)


def _smooth_line(points: np.ndarray):
    """``x → y`` through ``points`` (``K×2``, left to right): a monotone cubic (PCHIP: no
    overshoot between two points), flat past the ends. Straight from point to point, a seam
    cut the cavity in a polygon across an open smile's teeth (face 19 under surprise, looked
    at 2×)."""
    xs = np.maximum.accumulate(points[:, 0])
    xs = xs + np.arange(len(xs)) * 1e-9  # strictly increasing, a turned face's crowded points
    line = PchipInterpolator(xs, points[:, 1])
    return lambda x: line(np.clip(x, xs[0], xs[-1]))


def opening_tips(polygon: np.ndarray) -> np.ndarray:
    """The two tips of an opening (:func:`mouth_field`'s polygon, ``K×2``: its upper edge left
    to right, then its lower back): its first point and its upper edge's last (``2×2``)."""
    return polygon[[0, len(polygon) // 2 - 1]]


def under_the_teeth(now: np.ndarray, shot: np.ndarray, down: np.ndarray) -> np.ndarray | None:
    """The opening of a mouth that shows its teeth (:func:`mouth_field`'s polygon, ``K×2``: its
    upper edge, then its lower back) where the other AUs carried it (``now``), kept under the
    upper teeth: no point of its upper edge higher along the face's ``down`` (a unit vector)
    than where it was (``shot``) — the teeth stay with the skull, and carried up with a smile's
    corners the cavity was drawn across the side teeth (faces 14 and 9 under happy with AU25,
    looked at) — and its lower edge no higher than its upper: there the lips meet the teeth,
    and the opening ends a point past where it is open (drawn, its closed ends were hairlines
    out to the corners); None where it is open nowhere."""
    half = len(now) // 2
    upper, lower = now[:half].copy(), now[half:][::-1].copy()  # both left to right
    upper -= np.minimum((upper - shot[:half]) @ down, 0.0)[:, None] * down  # up is negative
    lower -= np.minimum((lower - upper) @ down, 0.0)[:, None] * down
    open_ = np.flatnonzero((lower - upper) @ down > 1e-6)
    if not len(open_):
        return None
    first, last = max(open_[0] - 1, 0), min(open_[-1] + 1, half - 1)
    upper, lower = upper[first:last + 1], lower[first:last + 1]
    return np.concatenate((upper, lower[::-1]))


def region_mask(region: GeneratedRegion, size: int) -> np.ndarray:
    """The opening as a soft ``size×size`` float32 mask (anti-aliased edge of about a pixel)."""
    mask = np.zeros((size, size), np.float32)
    (x0, y0, x1, y1), inside = _region_box_mask(region, size, 2)
    mask[y0:y1, x0:x1] = inside
    return mask


#: A sub-pixel inside the opening in its 4× raster: 16 × 255, so that the area average of a
#: pixel's 16 is a whole number.
COVERED = 4080


def _region_box_mask(region: GeneratedRegion, size: int, margin: int,
                       also: np.ndarray | None = None):
    """The opening's mask on a ``size`` grid within its box (grown by ``margin`` and to cover
    the ``also`` points), rasterised at 4×: ``((x0, y0, x1, y1), mask)``."""
    polygon = region.polygon * (size / region.grid)
    points = polygon if also is None else np.concatenate((polygon, also))
    x0, y0, x1, y1 = grid_box(points, size, margin)
    if x1 <= x0 or y1 <= y0:
        return (0, 0, 0, 0), np.zeros((0, 0), np.float32)
    return (x0, y0, x1, y1), coverage(polygon, (x0, y0, x1, y1))


def coverage(polygon: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """How much of each pixel of ``box`` (``(x0, y0, x1, y1)``, end exclusive) the closed
    ``polygon`` (``K×2``, px, centres at +0.5) covers: ``h×w`` float32, 0–1, rasterised at 4×
    over the polygon's own part of the box (the box may be far larger)."""
    x0, y0, x1, y1 = box
    inside = np.zeros((y1 - y0, x1 - x0), np.float32)
    px0, py0, px1, py1 = grid_box(polygon, max(x1, y1), 1)
    px0, py0, px1, py1 = max(px0, x0), max(py0, y0), min(px1, x1), min(py1, y1)
    if px1 <= px0 or py1 <= py0:
        return inside
    ss = 4
    # Coverage counted whole: 0 or COVERED per sub-pixel, area-averaged to 255 per sixteenth
    # (exact in 16 bits; the float32 raster it replaces took twice as long).
    raster = np.zeros(((py1 - py0) * ss, (px1 - px0) * ss), np.uint16)
    pts = np.round(((polygon - (px0, py0)) * ss - 0.5) * 16).astype(np.int32)
    cv2.fillPoly(raster, [pts], COVERED, lineType=cv2.LINE_8, shift=4)
    inside[py0 - y0:py1 - y0, px0 - x0:px1 - x0] = cv2.resize(
        raster, (px1 - px0, py1 - py0), interpolation=cv2.INTER_AREA) / np.float32(COVERED)
    return inside


def _eased_edges(inside: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An opening's top and bottom row in each column (``inside``: ``h×w``, its pixels) and the
    columns that show it: ``(top, bottom, columns)``, float32 ``w`` each (0 where a column shows
    none) and int. Whole rows step from column to column along a curved opening: eased over a
    few columns (a Gaussian of 2 px), else what is shaded by them, column by column, showed the
    steps as vertical stripes (the tongue, looked at)."""
    shown = inside.any(0)
    columns = np.nonzero(shown)[0]
    top = np.where(shown, inside.argmax(0), 0).astype(np.float32)
    bottom = np.where(shown, inside.shape[0] - 1 - inside[::-1].argmax(0), 0).astype(np.float32)
    if len(columns):
        span = slice(columns[0], columns[-1] + 1)
        top[span], bottom[span] = (cv2.GaussianBlur(edge[span][None], (0, 0), 2.0,
                                                    borderType=cv2.BORDER_REPLICATE)[0]
                                   for edge in (top, bottom))
    return top, bottom, columns


def _tongue(inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The tongue in an opening (``inside``: ``h×w`` bool, the opening's pixels): its light
    (``h×w`` float32, × its colour — the skin's, tinted: TONGUE_LEVEL of it, lit towards the
    front) and its weight (``h×w``): an ellipse on the opening's floor, TONGUE_WIDTH of the
    opening wide and TONGUE_HEIGHT of each column's height tall, a soft dome behind the lower lip
    (shaded over a TONGUE_GAP of each column's height above it), with its papillae and groove
    (:func:`_tongue_surface`), shown only once the opening is at least TONGUE_FROM of its width
    tall (a slit shows no tongue)."""
    rows = np.arange(inside.shape[0], dtype=np.float32)[:, None]
    top, bottom, columns = _eased_edges(inside)
    weight = np.zeros(inside.shape, np.float32)
    if len(columns) < 4:
        return weight, weight
    height = np.maximum(bottom - top, 1.0)
    v = (rows - top) / height  # 0 under the upper lip, 1 on the lower
    centre, half = (columns[0] + columns[-1]) / 2, max((columns[-1] - columns[0]) / 2, 1.0)
    u = (np.arange(inside.shape[1], dtype=np.float32)[None] - centre) / half
    shown = float(smoothstep(np.array((height.max() / (2 * half) - TONGUE_FROM) / TONGUE_FROM)))
    if shown <= 0.0:
        return weight, weight
    ellipse = 1.0 - (u / TONGUE_WIDTH) ** 2 - ((v - 1.0) / TONGUE_HEIGHT) ** 2
    # A dome: soft all the way from its edge, lit at its front and middle, in shade behind,
    # and in the lower lip's shade (TONGUE_GAP, TONGUE_GAP_LIGHT).
    behind = TONGUE_GAP_LIGHT + (1.0 - TONGUE_GAP_LIGHT) * smoothstep((1.0 - v) / TONGUE_GAP)
    # Over the opening's anti-aliased edge too (a pixel out): cut at its half-covered pixels,
    # the cavity's dark showed through them as a dotted line along the lower lip.
    grown = cv2.dilate(inside.astype(np.uint8), np.ones((3, 3), np.uint8))
    weight = (smoothstep(ellipse / TONGUE_EDGE) * behind * grown * shown).astype(np.float32)
    lit = TONGUE_LEVEL * (0.3 + 0.7 * smoothstep(ellipse)) * (0.6 + 0.4 * np.clip(v, 0, 1))
    ys, xs = np.flatnonzero(weight.any(1)), np.flatnonzero(weight.any(0))
    if len(ys):  # (its surface only where it shows)
        on = (slice(ys[0], ys[-1] + 1), slice(xs[0], xs[-1] + 1))
        lit[on] *= _tongue_surface(u[:, on[1]], v[on], bottom[on[1]] - ys[0], centre - xs[0],
                                   half)
    return lit.astype(np.float32), weight


def _tongue_surface(u: np.ndarray, v: np.ndarray, bottom: np.ndarray, centre: float,
                    half: float) -> np.ndarray:
    """The tongue's surface light (``h×w`` float32, ≤ 1; :data:`PAPILLAE`, :data:`GROOVE`) over
    an opening's box: ``u`` across it (``1×w``, −1…1 corner to corner), ``v`` down each column
    (``h×w``, 0 under the upper lip, 1 on the lower), ``bottom`` each column's lower lip (``w``,
    box px), the opening's ``centre`` column and ``half`` its half width (box px). The papillae
    are a fixed pattern laid on from the lower lip up, so that they move with the jaw and the lip
    from frame to frame rather than boil (seeded per frame, they changed every frame)."""
    h, w = v.shape
    scale = PAPILLAE_ACROSS / (2.0 * TONGUE_WIDTH * half)  # the pattern's px per box px
    columns = np.arange(w, dtype=np.float32)[None]
    rows = np.arange(h, dtype=np.float32)[:, None]
    map_x = np.broadcast_to((columns - np.float32(centre)) * np.float32(scale), (h, w))
    map_y = (rows - bottom[None].astype(np.float32)) * np.float32(scale)
    pits = stipple_at(map_x, map_y)
    # (On a small mouth the pattern is finer than the pixels: it fades out.)
    depth = PAPILLAE * stipple_depth(1.0 / scale)
    back = 1.0 - (1.0 - GROOVE_REACH) * TONGUE_HEIGHT  # where the groove has faded out
    groove = GROOVE * np.exp(-0.5 * (u / GROOVE_WIDTH) ** 2) * smoothstep(
        (back - v) / (GROOVE_REACH * TONGUE_HEIGHT))
    return ((1.0 - groove) * (1.0 - depth * pits)).astype(np.float32)


#: The shade of what overhangs a mouth's cavity (:func:`_in_the_shade`): under its top edge (the
#: upper teeth or lip) its light is UNDER_SHADE of the rest, clearing over UNDER_REACH of the
#: opening's height; towards its corners (the cheeks' inner walls) it darkens by SIDE_SHADE (×
#: the square of the way across). Without them the shaded cavity was as light under the teeth
#: and by the corners as over the tongue — a flat brown band across an open smile under a jaw
#: drop (faces 5, 11, 14, looked at). Against the shared performers' open mouths
#: (``benchmarks/mouth_vs_real.py``, × the cheeks' light): the darkest tenth 0.11 (0.165 without;
#: real 0.089), the top third 0.36 (0.39; real 0.33), the darker half 0.14 (0.176; real 0.184:
#: at 0.5 / 0.35 it was 0.128).
UNDER_SHADE, UNDER_REACH, SIDE_SHADE = 0.6, 0.35, 0.3


def _in_the_shade(inside: np.ndarray) -> np.ndarray:
    """How much light reaches each pixel of an opening (``inside``: ``h×w`` bool) past what
    overhangs it: ``h×w`` float32, 0–1 (:data:`UNDER_SHADE`, :data:`SIDE_SHADE`)."""
    top, _, columns = _eased_edges(inside)
    rows = np.nonzero(inside.any(1))[0]
    if not len(columns):
        return np.ones(inside.shape, np.float32)
    height = max(float(rows[-1] - rows[0] + 1), 1.0)
    below = (np.arange(inside.shape[0], dtype=np.float32)[:, None] - top[None]) \
        / (UNDER_REACH * height)
    centre, half = (columns[0] + columns[-1]) / 2, max((columns[-1] - columns[0]) / 2, 1.0)
    across = (np.arange(inside.shape[1], dtype=np.float32) - centre) / half
    return ((UNDER_SHADE + (1.0 - UNDER_SHADE) * smoothstep(below))
            * (1.0 - SIDE_SHADE * np.minimum(across ** 2, 1.0))[None]).astype(np.float32)


def skin_beside(original: np.ndarray, points: np.ndarray, grid: int, width: float,
                channels: list[int], grain: bool = True
                ) -> tuple[np.ndarray, np.ndarray | None] | None:
    """The skin beside the mouth, read on ``original`` (``H×W×C``) in a square patch
    :data:`SKIN_PATCH` of the opening's ``width`` (grid px) across around each of ``points``
    (``K×2``, on a grid of ``grid`` px over ``original``'s height: :data:`SKIN_POINTS`): its
    colour (``C``, linear: per channel the median over both patches) and, with ``grain``, its
    grain (``C``: the lesser of the patches' :func:`~.grain.relative_grain` — a nostril's edge in
    one is not grain; else None), or None where no patch lies on the image."""
    k = original.shape[0] / grid
    half = max(int(round(SKIN_PATCH * width * k / 2)), 3)
    patches = []
    for x, y in np.round(points * k).astype(int):
        window = original[max(y - half, 0):max(y + half, 0), max(x - half, 0):max(x + half, 0)]
        if min(window.shape[:2]) > 4:
            patches.append(channels_of(window, channels))
    if not patches:
        return None
    colour = median_rows(np.concatenate([p.reshape(-1, len(channels)) for p in patches]).T)
    return colour, np.min([relative_grain(p) for p in patches], axis=0) if grain else None


#: A mouth parted above its floor goes from its own dark at each column's top to the floor under
#: it (the tongue or lower teeth the jaw took down) over the column's lower FLOOR_REACH, the floor
#: no lighter there than FLOOR_MOST times the dark: flat, the dark read as a maroon shield laid
#: across a talking mouth opened wide, its floor's edge cut hard (looked at on the shared clips).
FLOOR_REACH, FLOOR_MOST, FLOOR_SMOOTH = 0.6, 4.0, 0.05
#: ... and from what lies just above each column's top (the mouth's own inside as shot, kept up
#: with the skull: the back of a raised tongue, the dark's lighter sides) to its dark over the
#: column's upper CEILING_REACH — as much as that is no lighter than CEILING_BLEND[0] times the
#: dark, none from CEILING_BLEND[1] (lips and teeth keep their edge over the dark). Starting at
#: the dark, the opening's top was a hard horizontal line 2–3× darker than the tongue's back
#: over it (liveportrait_d10 frame 104 under AU25 + AU26 and fear, looked at).
CEILING_REACH, CEILING_BLEND = 0.35, (3.0, 6.0)


def _beside_the_region(warped: np.ndarray, inside: np.ndarray, origin: tuple[int, int],
                       channels: list[int], under: bool) -> np.ndarray:
    """Per column of ``inside`` (``H×W`` mask of a region, its box at ``origin`` = (x, y) in
    ``warped``, ``S×S×C``), the colour just under the region's lowest row there (``under``: the
    median of the four rows from two below) or just over its top row (the darkest of the four
    rows over it: where the top meets teeth, their shaded edge, not their light); ``W×C``,
    smoothed across FLOOR_SMOOTH of the region's width (column by column, the tongue's own
    streaks ran up into the dark)."""
    h, w = inside.shape
    x, y = origin
    if under:
        edge, beyond = h - 1 - np.argmax(inside[::-1], 0), np.arange(2, 6)
    else:
        edge, beyond = np.argmax(inside, 0), -np.arange(1, 5)
    rows = np.clip(y + edge[None] + beyond[:, None], 0, warped.shape[0] - 1)
    cols = np.clip(x + np.arange(w), 0, warped.shape[1] - 1)
    there = warped[rows, cols[None]][..., channels]  # 4×W×C
    there = np.median(there, axis=0) if under else there.min(axis=0)
    sigma = max(FLOOR_SMOOTH * w, 1.0)
    return cv2.GaussianBlur(np.ascontiguousarray(there[None], np.float32), (0, 0), sigma,
                            borderType=cv2.BORDER_REPLICATE)[0]


def _onto_the_floor(dark: np.ndarray, floor: np.ndarray, inside: np.ndarray,
                    ceiling: np.ndarray | None = None) -> np.ndarray:
    """``H×W×C``: each column of ``inside`` (``H×W`` mask) from ``dark`` (``C``) at its top row
    to its ``floor`` colour (``W×C``, held to :data:`FLOOR_MOST` × the dark's light) at its
    bottom, eased in over the lower :data:`FLOOR_REACH` of the column; with a ``ceiling``
    (``W×C``), from it at the top row, eased out over the upper :data:`CEILING_REACH`, as much as
    it is dark enough (:data:`CEILING_BLEND`)."""
    h = inside.shape[0]
    top = np.argmax(inside, 0)
    bottom = h - 1 - np.argmax(inside[::-1], 0)
    t = (np.arange(h)[:, None] - top) / np.maximum(bottom - top, 1)
    share = smoothstep((t - (1.0 - FLOOR_REACH)) / FLOOR_REACH)[..., None]
    light = float(np.mean(dark))
    column = np.broadcast_to(dark, (h, inside.shape[1], len(dark)))
    if ceiling is not None:
        ratio = ceiling.mean(-1) / max(light, 1e-12)
        blend = 1.0 - smoothstep((ratio - CEILING_BLEND[0]) / (CEILING_BLEND[1] - CEILING_BLEND[0]))
        eased = (1.0 - smoothstep(t / CEILING_REACH)) * blend
        column = dark + eased[..., None] * (ceiling[None] - dark)
    floor = floor * np.minimum(1.0, FLOOR_MOST * light / np.maximum(floor.mean(-1), 1e-12))[:, None]
    return (column + share * (floor[None] - column)).astype(np.float32)


def pixels_inside(original: np.ndarray, polygon: np.ndarray, channels: list[int]) -> np.ndarray:
    """The pixels of ``original`` (``H×W×C``) inside ``polygon`` (``K×2``, its px): ``P×C`` —
    all of its box's where fewer than 16 lie inside."""
    h, w = original.shape[:2]
    x0, y0, x1, y1 = grid_box(polygon, max(h, w), 1)
    x1, y1 = min(x1, w), min(y1, h)
    inside = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(inside, [np.round(polygon - (x0, y0) - 0.5).astype(np.int32)], 1)
    box = channels_of(original[y0:y1, x0:x1], channels)
    return box[inside > 0] if inside.sum() >= 16 else box.reshape(-1, len(channels))


def in_hue_of(colour: np.ndarray, dark: np.ndarray, share: float = OWN_HUE) -> np.ndarray:
    """``colour`` (``C``, linear) in its own light with its balance moved ``share`` of the way
    (geometrically) to ``dark``'s (``C``): float32."""
    light = float(colour.mean())
    balance = np.maximum(colour, 1e-12) / max(light, 1e-12)
    own = np.maximum(dark, 1e-12) / max(float(np.mean(dark)), 1e-12)
    balance = balance ** (1.0 - share) * own ** share
    return (balance * light / float(balance.mean())).astype(np.float32)


def _own_dark(original: np.ndarray, opening: np.ndarray, channels: list[int]) -> np.ndarray:
    """The dark of a mouth open as shot (``C``, linear): the mean of the darkest
    :data:`OWN_DARKEST` percent of ``original`` (``S×S×C``) inside its ``opening`` (``K×2``,
    crop px)."""
    return darkest_mean(pixels_inside(original, opening, channels), OWN_DARKEST).astype(
        np.float32)


def _teeth_colour(original: np.ndarray, skin: np.ndarray, teeth: HiddenTeeth, k: float,
                  channels: list[int], shot: np.ndarray | None = None) -> np.ndarray:
    """The colour hidden teeth are drawn in (``C``, linear, × :func:`.hidden_teeth.draw`'s
    light): the shot's teeth (``shot``: their colour over the cheeks', :class:`.mouth_look.
    MouthLook`) in the cheeks' light, else the cheeks' tinted (:data:`.hidden_teeth.TINT`); or
    as much as teeth shine between the lips as shot (``teeth.lit``), theirs — the brightest
    :data:`OWN_DARKEST` percent between the lips (``teeth.between``, ``k`` crop px a grid px) —
    each at the drawn teeth's light. Tinted, a talking mouth's teeth went grey-green in the
    frames they were drawn over its own white ones (looked at on the shared clips)."""
    tinted = _tinted(skin, hidden_teeth.TINT, hidden_teeth.FOLLOW) \
        * np.float32(hidden_teeth.darker_skin_lift(float(skin.mean()))) if shot is None else \
        (skin * shot / hidden_teeth.LEVEL).astype(np.float32)
    if teeth.lit <= 0.0:
        return tinted
    # Of what is teeth-coloured there: between barely parted lips a tooth's glint is a few
    # pixels, and the brightest tenth was mostly lip — the official portrait's teeth drawn grey
    # at 0.6 of the cheeks' light under AU10 and AU25, their glints' own 0.83.
    between = _teeth_pixels(original, teeth.between * k, channels)
    own = brightest_mean(between, OWN_DARKEST) / hidden_teeth.LEVEL
    if teeth.edge is not None:
        # Teeth a mouth hid but for a glimpse between its lips: their colour, at no less than
        # the drawn teeth's light — glimpsed, they are in the lips' shade; uncovered, in the
        # light that reaches the lips (the official portrait's grey under AU10, looked at).
        own = own * max(float(tinted.mean()) / max(float(own.mean()), 1e-12), 1.0)
    return (tinted + teeth.lit * (own - tinted)).astype(np.float32)


#: The teeth's body between the lips as shot (:func:`_teeth_body`): these percentiles of their
#: light — under their glints, over their shaded edges.
TEETH_BODY = (70, 97)


def _teeth_pixels(original: np.ndarray, between: np.ndarray, channels: list[int]) -> np.ndarray:
    """The pixels of ``original`` (``S×S×C`` linear, read on ``channels``) inside ``between``
    (``K×2``, crop px: the lips as shot) that are teeth-coloured (no redder than
    :data:`TEETH_REDNESS`), when there are :data:`OWN_LEAST` of them; else all of them (``N×C``)."""
    pixels = pixels_inside(original, between, channels)
    if len(channels) >= 3:
        coloured = pixels[redness(pixels) <= TEETH_REDNESS]
        pixels = coloured if len(coloured) >= OWN_LEAST else pixels
    return pixels


def _teeth_body(original: np.ndarray, between: np.ndarray, channels: list[int]) -> np.ndarray:
    """The colour of the teeth's body between the lips as shot (``C``, linear): the mean of the
    teeth-coloured pixels (:func:`_teeth_pixels`) of ``original`` inside ``between`` (``K×2``,
    crop px) whose light is within :data:`TEETH_BODY` percentiles."""
    pixels = _teeth_pixels(original, between, channels)
    light = pixels.mean(1)
    low, high = np.percentile(light, TEETH_BODY)
    return pixels[(light >= low) & (light <= high)].mean(0).astype(np.float32)


def _no_lighter_than_the_upper(drawn: np.ndarray, weight: np.ndarray, gum: np.ndarray,
                               teeth_colour: np.ndarray) -> np.float32:
    """The scale (≤ 1) that keeps an open smile's drawn lower teeth (``drawn``: ``N×C`` linear,
    ``weight`` and ``gum`` ``N×1``) no lighter than its own upper ones: their brightest
    (:data:`LOWER_OF_UPPER` of the brightest tenth between the lips as shot, which
    ``teeth_colour`` is at the drawing's :data:`.hidden_teeth.LEVEL`) against the lower row's
    90th percentile. Lit as the upper ones (:data:`.hidden_teeth.FRONT_LOWER_LIGHT`), a jaw
    dropped wide let the full light in and the lower row stood brighter than the smile's own
    teeth — a white denture under them (faces 2, 5, 11, 14, 17 under AU25 + AU26: their 90th
    percentile 1.15–1.2× the upper teeth's, 1.02–1.03× their brightest tenth)."""
    teeth = (weight[:, 0] > 0.5) & (gum[:, 0] < 0.5)
    if teeth.sum() < 16:
        return np.float32(1.0)
    light = float(np.percentile(drawn[teeth].mean(1), 90))
    upper = LOWER_OF_UPPER * hidden_teeth.LEVEL * float(teeth_colour.mean())
    return np.float32(min(upper / max(light, 1e-12), 1.0))


def _shot_colour(look: MouthLook | None, which: str, channels: list[int]) -> np.ndarray | None:
    """The shot's own ``which`` colour (``"dark"`` or ``"teeth"``, over the cheeks': ``3``
    float32) where the fill writes three colour channels and the shot showed it, else None."""
    colour = None if look is None or len(channels) != 3 else getattr(look, which)
    return None if colour is None else colour.astype(np.float32)


def cavity_colour(skin: np.ndarray) -> np.ndarray:
    """The colour of a mouth's cavity in the light of the cheeks' colour ``skin`` (``C``,
    linear): their balance tinted (:data:`CAVITY_TINT`, :data:`CAVITY_FOLLOW`); float32. The
    generated cavity and the dark by an open smile's corners (:func:`.teeth.hold_teeth`) take
    its hue."""
    return _tinted(skin, CAVITY_TINT, CAVITY_FOLLOW)


def _tinted(skin: np.ndarray, tint: tuple[float, float, float], follow: float) -> np.ndarray:
    """A colour in ``skin``'s light (``C``, linear) whose balance is the skin's raised to
    ``follow`` times ``tint`` (R, G, B), as much as the skin has colour
    (:data:`SKIN_COLOURFUL`); float32. A plate with other than three colour channels keeps the
    skin's own balance."""
    if len(skin) != 3:
        return skin.astype(np.float32)
    light = float(skin.mean())
    balance = np.maximum(skin, 1e-6) / max(light, 1e-12)
    coloured = min(float(np.std(balance)) / SKIN_COLOURFUL, 1.0)
    balance = (balance ** follow * np.asarray(tint)) ** coloured
    return (balance * light / float(balance.mean())).astype(np.float32)


@dataclass(frozen=True)
class Generated:
    """Where pixels were generated: a soft mask (float32) over the box at ``(y0, x0)``."""

    y0: int
    x0: int
    mask: np.ndarray

    def full(self, size: int) -> np.ndarray:
        """The mask on the whole ``size×size`` crop."""
        out = np.zeros((size, size), np.float32)
        h, w = self.mask.shape
        out[self.y0:self.y0 + h, self.x0:self.x0 + w] = self.mask
        return out


#: How far (crop px, a Gaussian's σ) the way out of the opening is smoothed.
SMOOTH_WAY_OUT = 2.0


#: Held teeth re-sampled from beyond the field's step take their own field where it moves them at
#: least this far (crop px, :func:`_beyond_the_step`): the lower teeth going down with the jaw.
#: Not where it holds them still (by the cavity's tips): there the teeth's opening, carried out
#: with lips drawn out (fear), holds lip, and re-sampled as still it showed teeth as light specks.
TEETH_MOVING = 1.0


def _beyond_the_step(warped: np.ndarray, original: np.ndarray, opening: np.ndarray,
                     origin: tuple[int, int], field: np.ndarray, channels: list[int],
                     k: float, reach: float, drawn: Generated | None = None,
                     held: HeldField | None = None) -> None:
    """The pixels of ``warped`` (``S×S×C``, in place) within ``reach`` crop px outside the
    ``opening`` (``h×w`` bool, a box whose pixel 0 is the crop's ``origin``, x then y)
    re-sampled from ``original`` (cubic) with the field taken beyond that reach, along the way
    out of the opening (the distance to it rising). Pixels ``drawn`` already (its mask above
    one half: the dark a :class:`~.teeth.HeldTeeth` drew where the lips left) are left. Pixels
    of held teeth that move (``held``, :func:`.teeth.held_field`: pixels their opening covers by
    half or more; their own field there :data:`TEETH_MOVING` or more) take their own field
    beyond, wherever that lies: the lips' field past their opening (a smile's corners going up)
    broke the lower teeth an open smile's jaw takes down into shards along the cavity (face 14,
    happy with AU25).

    Inside the opening every pixel samples the seam; outside, the lips' own motion. Up-sampled
    from the grid (``field``: backward, ``2×G×G``, ``k`` crop px a grid px) that step becomes a
    ramp through which the output samples everything between the seam and the moved lip — teeth
    squeezed into light slivers along the opening's edges (looked at: open smiles' corners)."""
    rows, cols = np.flatnonzero(opening.any(1)), np.flatnonzero(opening.any(0))
    if not len(rows):
        return
    # Only round the opening itself (the box given also holds the lips the fill reads).
    grow = int(np.ceil(reach)) + 2
    y0, x0 = max(rows[0] - grow, 0), max(cols[0] - grow, 0)
    y1, x1 = min(rows[-1] + 1 + grow, opening.shape[0]), min(cols[-1] + 1 + grow, opening.shape[1])
    origin = (origin[0] + x0, origin[1] + y0)
    distance = cv2.distanceTransform((~opening[y0:y1, x0:x1]).astype(np.uint8), cv2.DIST_L2,
                                     cv2.DIST_MASK_5)
    near = (distance > 0) & (distance <= reach)
    if drawn is not None:
        _leave_drawn(near, (origin[0], origin[1]), drawn)
    rows, cols = np.nonzero(near)
    # The way out: the slope of the distance smoothed over a few pixels (central differences
    # at those pixels alone) — its own steps turned neighbours' ways apart, and their samples
    # alternated between the lip and its crease: a serrated edge (looked at, 6x).
    smooth = cv2.GaussianBlur(distance, (0, 0), SMOOTH_WAY_OUT)
    h, w = distance.shape
    gx = smooth[rows, np.minimum(cols + 1, w - 1)] - smooth[rows, np.maximum(cols - 1, 0)]
    gy = smooth[np.minimum(rows + 1, h - 1), cols] - smooth[np.maximum(rows - 1, 0), cols]
    norm = np.maximum(np.hypot(gx, gy), 1e-6)
    x, y = cols + origin[0] + 0.5, rows + origin[1] + 0.5
    out = reach + 1.0 - distance[near]
    bx, by = x + out * gx / norm, y + out * gy / norm
    shift = sample_window(np.moveaxis(field, 0, -1), bx / k, by / k, cv2.INTER_LINEAR) * k
    if held is not None:  # held teeth the jaw moves: by their own field
        inside = coverage(held.polygon * k, (origin[0], origin[1], origin[0] + near.shape[1],
                                              origin[1] + near.shape[0]))
        teeth = inside[rows, cols] > 0.5
        if teeth.any():
            own = sample_window(np.moveaxis(held.own, 0, -1), bx[teeth] / k, by[teeth] / k,
                                cv2.INTER_LINEAR) * k
            moving = np.hypot(own[:, 0], own[:, 1]) >= TEETH_MOVING
            shift[np.flatnonzero(teeth)[moving]] = own[moving]
    resampled = sample_window(original, x + shift[:, 0], y + shift[:, 1], cv2.INTER_CUBIC,
                              channels)
    target = warped[origin[1]:origin[1] + near.shape[0], origin[0]:origin[0] + near.shape[1]]
    target[rows[:, None], cols[:, None], np.array(channels)[None]] = resampled


def _leave_drawn(near: np.ndarray, origin: tuple[int, int], drawn: Generated) -> None:
    """``near`` (``h×w`` bool, a box whose pixel 0 is the crop's ``origin``, x then y) cleared
    where ``drawn``'s mask is above one half."""
    h, w = drawn.mask.shape
    oy, ox = origin[1] - drawn.y0, origin[0] - drawn.x0
    ys0, xs0 = max(oy, 0), max(ox, 0)
    ys1, xs1 = min(oy + near.shape[0], h), min(ox + near.shape[1], w)
    if ys1 > ys0 and xs1 > xs0:
        near[ys0 - oy:ys1 - oy, xs0 - ox:xs1 - ox] &= drawn.mask[ys0:ys1, xs0:xs1] <= 0.5


#: The blur (σ, crop px) a region drawn sharp may lack against the plate round it and still be
#: drawn as it is (:mod:`.softness`): less is not seen.
SOFT_FROM = 0.5


def fill_region(warped: np.ndarray, original: np.ndarray, region: GeneratedRegion,
                colour: tuple[int, ...], field: np.ndarray | None = None,
                drawn: Generated | None = None, held: HeldField | None = None
                ) -> tuple[np.ndarray, Generated]:
    """A generated region composited into ``warped`` (``S×S×C`` linear, the ResWarp result;
    written in place) from ``original`` (the crop before the edit); returns
    ``(warped, generated)``.

    Colours are the plate's, in its linear light. A cavity (the mouth) is shaded against the
    skin beside it (``region.skin``, :func:`skin_beside`): :data:`CAVITY_DEPTH` of its light
    at the opening's heart and under its top, rising to :data:`CAVITY_EDGE` at its rim towards
    the floor, 30 % darker at the top (under the upper lip) than at the bottom, in its balance
    tinted (:func:`_tinted`, :data:`CAVITY_TINT`), on the whole (one scale) no lighter than
    :data:`CAVITY_CAP` of the source's shadow (the mean of its darkest tenth: the lips'), with
    the tongue on its floor (:func:`_tongue`); a
    seam (a closed lid's) takes the source's shadow as it is (its lashes). Grain is the plate's
    own (:mod:`.grain`: the source's fine grain relative to its light), its strength against
    the source's the square root of their light's ratio. The source's statistics come from
    every other pixel (a quarter of the work); the noise is seeded from the region's pixels:
    deterministic. Only the ``colour`` channels are written, only inside the box of the source
    and the region.

    With ``field`` (the backward field the crop was warped by, ``2×G×G`` on the region's grid)
    the lips' edges round a cavity are re-sampled first (:func:`_beyond_the_step`): the field
    steps there, and up-sampled the step squeezed the teeth into slivers along them; what
    ``drawn`` covers is left, held teeth (``held``) take their own field
    (:func:`_beyond_the_step`).
    """
    size = warped.shape[0]
    held_dark = drawn  # the held teeth's mask (the name is the fill's own below)
    k = size / region.grid
    source_px = region.source * k
    reach = RAMP * k + 0.5  # crop px: how far outside the opening the field's step spreads
    (x0, y0, x1, y1), m = _region_box_mask(region, size, int(np.ceil(reach)) + 2, also=source_px)
    if not m.size or float(m.max()) == 0.0:
        return warped, Generated(y0, x0, m)
    past = _past_the_corners(region, k, (x0, y0), m.shape)
    generated = Generated(y0, x0, m if past is None else m * past)
    box = (slice(y0, y1), slice(x0, x1))
    channels = list(colour)
    if field is not None and region.cavity:
        # From the pixels the opening covers whole: its anti-aliased edge is lips re-sampled
        # under the cavity's share (a binary edge there showed as a staircase). The lips stay
        # the plate's pixels: not in the generated mask.
        _beyond_the_step(warped, original, m >= 1.0, (x0, y0), field, channels, k, reach + 1.0,
                         drawn, held)
    source = np.zeros(m.shape, np.uint8)
    cv2.fillPoly(source, [np.round(source_px - (x0, y0) - 0.5).astype(np.int32)], 1)
    rgb = channels_of(original[box], channels)
    sample = (slice(None, None, 2), slice(None, None, 2))
    read = np.zeros(m.shape, bool)
    read[sample] = (source.astype(bool) & (m < 0.5))[sample]
    if read.sum() < 16:  # a source too small to read: the region's surroundings
        read[sample] = (m == 0)[sample]
    source_rgb = rgb[read]
    shadow = darkest_mean(source_rgb, 10)
    source_level = source_rgb.mean(0)
    grain = relative_grain(rgb, read, source_level)
    # As soft as the plate's edges round it (the lips'): drawn sharp into soft footage, the
    # opening read as cut out and its teeth as a grille (the shared clips, looked at). Round
    # teeth shown as shot, only towards the lips (:func:`_laid_softly_beside`).
    blur = softness.lacks(rgb)
    # The fill only over the region's own box (the source's box is for its statistics).
    ys, xs = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
    oy0, oy1, ox0, ox1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
    m, rgb = m[oy0:oy1, ox0:ox1], rgb[oy0:oy1, ox0:ox1]
    kept = None if past is None else past[oy0:oy1, ox0:ox1]
    box = (slice(y0 + oy0, y0 + oy1), slice(x0 + ox0, x0 + ox1))
    origin = (x0 + ox0, y0 + oy0)  # the fill's box on the crop
    # Rim: distance into the opening, in units of its depth, lightening towards the lips.
    inside = (m > 0.5).astype(np.uint8)
    depth = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    rim = smoothstep(depth / (CAVITY_RIM * max(float(depth.max()), 1.0) + 1e-6))
    # Darker at the heart and under the upper lip, lighter towards the rim and the tongue below.
    rows = np.nonzero(inside.any(1))[0]
    top, bottom = (rows.min(), rows.max()) if len(rows) else (0, len(m) - 1)
    downwards = np.clip((np.arange(len(m)) - top) / max(bottom - top, 1), 0, 1)[:, None]
    # Colours only where the region is drawn (a slit fills a fraction of its box).
    drawn = m > 0
    above = region.above_the_floor if region.open_as_shot is not None else 0.0
    if region.cavity and above < 1.0:
        beside = None if region.skin is None else skin_beside(
            original, region.skin, region.grid, float(np.ptp(region.polygon[:, 0])), channels)
        skin = source_rgb.mean(0) if beside is None else beside[0]
        if beside is not None:
            # The cheeks' grain where the lips show more fine detail: their lines and highlights
            # are not grain (on soft video frames the cavity was speckled next to smooth skin).
            grain = np.minimum(grain, beside[1])
        # The rim lightens towards the floor only (the light comes in over the lower lip):
        # lit all round, the cavity was ringed by a lighter band, lightest under the teeth,
        # where a real mouth is darkest (looked at: open smiles under a jaw drop).
        level = (CAVITY_DEPTH + (CAVITY_EDGE - CAVITY_DEPTH) * (1.0 - rim) * downwards ** 2) \
            * (CAVITY_TOP + (1.0 - CAVITY_TOP) * downwards)
        colour = cavity_colour(skin)
        shot_dark = _shot_colour(region.look, "dark", channels)
        dim = 1.0
        if shot_dark is not None:  # the shot's own dark, in this frame's cheeks' light
            colour = in_hue_of(colour, skin * shot_dark)
            dim = float(np.clip(shot_dark.mean() / (CAVITY_DEPTH * CAVITY_TOP), LOOK_DIM_MOST,
                                1.0))
        elif region.teeth_as_shot is not None:
            colour = in_hue_of(colour, _own_dark(original, region.teeth_as_shot * k, channels))
        fill = level[drawn][:, None].astype(np.float32) * (dim * colour)
        # On the whole no lighter than CAVITY_CAP of the lips' own shadow: on dark lips a slit
        # at the rim's level read as a brown stroke drawn across them (the demo portrait, looked
        # at). One scale for the whole cavity, so its shading stays: capped pixel by pixel, every
        # opening on the shared faces was capped whole — one flat brown, no darker under the
        # teeth than by the lips (looked at: open smiles under a jaw drop).
        cap = min(CAVITY_CAP * float(shadow.mean()) / max(float(fill.mean()), 1e-12), 1.0)
        fill *= np.float32(cap)
        fill *= _in_the_shade(inside)[drawn][:, None]
        if held_dark is not None:
            _held_dark_as_the_cavity(warped, held_dark, channels, darkest_mean(fill, 10))
        # The tongue, at the bottom of a mouth open enough to show it.
        lit, weight = _tongue(inside)
        if weight.any():
            # In a mouth the cap darkens, the tongue is dimmer too (less light gets in), by the
            # cap's square root: lit as in a well-lit mouth, it read as an orange slab laid in
            # a black hole (face 13, dark lips' crease, looked at); dimmed as much, it was gone.
            tongue = lit[drawn][:, None] * _tinted(skin, TONGUE_TINT, TONGUE_FOLLOW) \
                * np.float32(np.sqrt(cap * dim))
            fill += weight[drawn][:, None] * (tongue - fill)
        if region.teeth is not None:
            # The teeth it hid, the upper over the lower (not dimmed with the tongue: they are
            # at the front, in the light that comes in); their gums (what a smile lifts the lip
            # over above the crowns) in the lips' colour made gums' (:func:`.gums.gum_colour`:
            # redder, no lipstick's red), at the lips' light (the drawing sets the gums').
            teeth_colour = _teeth_colour(original, skin, region.teeth, k, channels,
                                         _shot_colour(region.look, "teeth", channels))
            gum_tone = gums.gum_colour(source_level, None if beside is None else skin) \
                / np.float32(gums.GUM_LIGHT)
            for edge, lower in ((region.teeth.lower, True), (region.teeth.edge, False)):
                if edge is None:  # the plate's own upper teeth
                    continue
                front = lower and region.teeth.front
                drawn_teeth = hidden_teeth.draw(
                    inside.astype(bool), edge * k - origin, region.teeth.iod * k, lower,
                    hidden_teeth.FRONT_LOWER if front else None,
                    hidden_teeth.FRONT_LOWER_LIGHT if front else hidden_teeth.LOWER_LIGHT)
                lit, weight, gum = (a[drawn][:, None] for a in drawn_teeth)
                if front and region.teeth.shot_edge is not None:  # the smile's own teeth's detail
                    lit = lit * hidden_teeth.shot_texture(
                        original, channels, origin, edge * k - origin,
                        region.teeth.shot_edge * k - origin, region.teeth.iod * k,
                        drawn_teeth[1])[drawn][:, None]
                # (An open smile's lower teeth in its own teeth's colour: in the brightest
                # tenth's, a glint's, they read grey beside them, looked at.)
                tone = in_hue_of(in_hue_of(teeth_colour, _teeth_body(
                    original, region.teeth.between * k, channels), 1.0), colour,
                    hidden_teeth.FRONT_HUE) if front else teeth_colour
                colour_of = tone + gum * (gum_tone - tone)
                if front:
                    lit = lit * _no_lighter_than_the_upper(lit * colour_of, weight, gum,
                                                           teeth_colour)
                fill += region.teeth.shown * weight * (lit * colour_of - fill)
    if region.cavity and above > 0.0:
        # A mouth parted above its floor: its own dark as shot, continued (shaded against the
        # skin it was a flat brown band across a talking mouth's dark, and a second tongue lay
        # on the band's floor above the mouth's own; looked at on the shared clips).
        own = _own_dark(original, region.open_as_shot * k, channels)
        floor = _beside_the_region(warped, inside, origin, channels, under=True)
        ceiling = _beside_the_region(warped, inside, origin, channels, under=False)
        own_fill = _onto_the_floor(own, floor, inside, ceiling)[drawn]
        fill = own_fill if above >= 1.0 else fill + above * (own_fill - fill)
    elif not region.cavity:
        fill = np.broadcast_to(shadow.astype(np.float32), (int(drawn.sum()),) + shadow.shape).copy()
    noise = grain_noise(m.shape, zlib.crc32(rgb.tobytes()))[drawn][:, None]
    grains = noise * laid_on(grain, fill, source_level).astype(np.float32)
    rows, cols = np.nonzero(drawn)
    weight = m[drawn] if kept is None else m[drawn] * kept[drawn]
    # An open smile's teeth, parted from the lip under them: what showed between their tips.
    tips = region.cavity and above < 1.0 and region.teeth_as_shot is not None
    if blur < SOFT_FROM or not blur:
        target = warped[box]
        at = (rows[:, None], cols[:, None], np.array(channels)[None])
        target[at] += weight[:, None] * (fill + grains - target[at])
        if tips:
            _dark_between_the_tips(warped, inside, box, channels, region.polygon, k, generated)
        return warped, generated
    # Blurred with what lies round it (the box grown by the blur's reach), the grain laid after.
    spread = int(np.ceil(3 * blur))
    (by0, by1), (bx0, bx1) = ((max(b.start - spread, 0), min(b.stop + spread, size))
                              for b in box)
    around = warped[by0:by1, bx0:bx1]
    under = around[..., channels]
    rows, cols = rows + box[0].start - by0, cols + box[1].start - bx0
    laid, weights = under.copy(), np.zeros(under.shape[:2], np.float32)
    laid[rows, cols], weights[rows, cols] = fill, weight
    if region.teeth_as_shot is None:
        soft = softness.laid_softly(under, laid, weights, blur)
    else:
        shot = coverage(region.teeth_as_shot * k, (bx0, by0, bx1, by1)) >= 0.5
        soft = _laid_softly_beside(under, laid, weights, blur, shot)
    soft[rows, cols] += weight[:, None] * grains
    around[..., channels] = soft
    if tips:
        _dark_between_the_tips(warped, inside, box, channels, region.polygon, k, generated)
    return warped, generated


#: The held teeth's dark (:func:`.teeth.hold_teeth`) is taken for a mouth's dark where its light
#: is within these multiples of the cavity's darkest (eased out between): past them, gums.
HELD_DARK_WITHIN = (2.0, 4.0)


def _held_dark_as_the_cavity(warped: np.ndarray, held: Generated, channels: list[int],
                             dark: np.ndarray) -> None:
    """The dark held teeth drew (``held``: :func:`.teeth.hold_teeth`'s generated mask over the
    crop ``warped``, ``S×S×C`` linear, in place) no lighter than the cavity the mouth opens into
    beside it (``dark``: the cavity's darkest, ``C``): one scale for all of it, so its grain
    stays. Drawn from the opening's own shadow as shot, it stood 1.25–1.5× lighter than the
    cavity's darkest: past the corners a lighter wedge beside the cavity, and the corridors by
    the side teeth a lighter mauve over it (faces 4, 5, 14 under fear, looked at 2–3×)."""
    h, w = held.mask.shape
    y1, x1 = min(held.y0 + h, warped.shape[0]), min(held.x0 + w, warped.shape[1])
    y0, x0 = max(held.y0, 0), max(held.x0, 0)
    if y1 <= y0 or x1 <= x0:
        return
    mask = held.mask[y0 - held.y0:y1 - held.y0, x0 - held.x0:x1 - held.x0]
    rows, cols = np.nonzero(mask > 0.0)
    if not len(rows):
        return
    target = warped[y0:y1, x0:x1]
    at = (rows[:, None], cols[:, None], np.array(channels)[None])
    pixels = target[at]
    darkest = max(float(dark.mean()), 1e-12)
    within = 1.0 - smoothstep((pixels.mean(1) / darkest - HELD_DARK_WITHIN[0])
                              / (HELD_DARK_WITHIN[1] - HELD_DARK_WITHIN[0]))
    whole = (mask[rows, cols] >= 1.0) & (within >= 1.0)
    if whole.sum() < 8:
        return
    scale = min(darkest / max(float(np.median(pixels[whole].mean(1))), 1e-12), 1.0)
    share = (mask[rows, cols] * within * (1.0 - scale)).astype(np.float32)[:, None]
    target[at] = pixels * (1.0 - share)


def _laid_softly_beside(under: np.ndarray, drawn: np.ndarray, weight: np.ndarray, blur: float,
                        kept: np.ndarray) -> np.ndarray:
    """:func:`.softness.laid_softly` of ``drawn`` over ``under`` (``H×W×C`` float32) by
    ``weight`` (``H×W``), but for what lies in ``kept`` (``H×W`` bool: an open smile's opening
    as shot — its teeth, its gums) outside the region's whole pixels: there the plain composite,
    and the blur sees the region's own colour instead of it (a normalised blur of its whole
    pixels). Round teeth shown as shot the opening's outline stays as sharp as it is drawn and
    is softened only towards the lips: blurred with the teeth, their tips went soft and the
    cavity under them took a light seam of their light (face 14 under fear, looked at 5×); the
    gums between their tops went grey (face 5 under AU25 + AU26)."""
    whole = (weight >= 1.0).astype(np.float32)
    own = cv2.GaussianBlur(drawn * whole[..., None], (0, 0), blur) / np.maximum(
        cv2.GaussianBlur(whole, (0, 0), blur), 1e-6)[..., None]
    kept = kept & (weight < 1.0)
    soft = softness.laid_softly(np.where(kept[..., None], own, under), drawn,
                                np.where(kept, 0.0, weight).astype(np.float32), blur)
    soft[kept] = (under + weight[..., None] * (drawn - under))[kept]
    return soft


#: Between an open smile's upper teeth, above the cavity a jaw drop opens under them: within
#: TIPS_REACH of the opening's width above the cavity's top, over its middle (TIPS_ACROSS: from
#: the first to the second, 0 its middle, 1 a corner, eased out), a pixel darker than the teeth
#: (from the first to the second of TIPS_DARKER × their light: the band's upper tenth) and redder
#: (TIPS_REDDER more of (R − G) / (R + G + B) than their median) takes the cavity's colour below
#: it. It is the lower lip as shot, seen between the tips: held with the teeth, it stayed as orange
#: and pink notches between them over the dark (faces 5, 14, 0, 9 under AU25 + AU26 and surprise,
#: looked at 3–5×). By light alone, the shaded lower halves of dim teeth went grey in blotches
#: (face 1); without colour (a black-and-white plate) nothing is changed.
TIPS_REACH, TIPS_ACROSS = 0.03, (0.5, 0.8)
TIPS_DARKER, TIPS_REDDER = (0.5, 0.75), (0.02, 0.08)


def _dark_between_the_tips(warped: np.ndarray, inside: np.ndarray, box: tuple[slice, slice],
                           channels: list[int], polygon: np.ndarray, k: float,
                           generated: Generated) -> None:
    """Lay the cavity's colour between the teeth's tips above it (:data:`TIPS_REACH`):
    ``warped`` (``S×S×C`` linear, the cavity already laid; written in place), ``inside`` the
    cavity's pixels (``h×w`` bool) over ``box`` (crop rows and columns), ``channels`` the colour
    channels (R, G, B), ``polygon`` the opening (grid px, ``k`` crop px each); where it lays it
    is added to ``generated``."""
    top, _, columns = _eased_edges(inside)
    if len(columns) < 4 or len(channels) < 3:
        return
    reach = max(TIPS_REACH * float(np.ptp(polygon[:, 0])) * k, 2.0)
    (y0, y1), (x0, x1) = (box[0].start, box[0].stop), (box[1].start, box[1].stop)
    first = max(y0 - int(np.ceil(reach)) - 1, 0)
    pixels = warped[first:y1, x0:x1]  # the cavity's box and the rows above it
    colour = pixels[..., channels]  # (a copy: written back below)
    light = colour.mean(-1)
    above = (top[None] - np.arange(first - y0, y1 - y0, dtype=np.float32)[:, None]) / reach
    band = (above > 0.0) & (above < 1.0) & inside.any(0)[None]
    if not band.any():
        return
    lit = float(np.quantile(light[band], 0.9))
    red = redness(colour)
    teeth = band & (light >= TIPS_DARKER[1] * lit)
    if lit <= 0.0 or not teeth.any():
        return
    darker = smoothstep((TIPS_DARKER[1] * lit - light) / ((TIPS_DARKER[1] - TIPS_DARKER[0]) * lit))
    redder = smoothstep((red - float(np.median(red[teeth])) - TIPS_REDDER[0])
                        / (TIPS_REDDER[1] - TIPS_REDDER[0]))
    centre, half = (columns[0] + columns[-1]) / 2, max((columns[-1] - columns[0]) / 2, 1.0)
    across = np.abs(np.arange(inside.shape[1], dtype=np.float32) - centre) / half
    middle = 1.0 - smoothstep((across - TIPS_ACROSS[0]) / (TIPS_ACROSS[1] - TIPS_ACROSS[0]))
    weight = np.where(band, darker * redder * np.sqrt(np.clip(1.0 - above, 0.0, 1.0))
                      * middle[None], 0.0).astype(np.float32)
    if not weight.any():
        return
    # The cavity as laid a row inside its top, column by column (its grain and shade with it).
    row = np.clip(np.ceil(top).astype(int) + 1, 0, inside.shape[0] - 1)
    below = warped[y0 + row, np.arange(x0, x1)][:, channels]
    pixels[..., channels] = colour + weight[..., None] * (below[None] - colour)
    mask, (gy, gx) = generated.mask, (first - generated.y0, x0 - generated.x0)
    if gy >= 0 and gx >= 0 and gy + len(weight) <= mask.shape[0] \
            and gx + weight.shape[1] <= mask.shape[1]:
        window = mask[gy:gy + len(weight), gx:gx + weight.shape[1]]
        np.maximum(window, weight, out=window)


def _past_the_corners(region: GeneratedRegion, k: float, origin: tuple[int, int],
                      shape: tuple[int, int]) -> np.ndarray | None:
    """How much of the fill is kept over the box at ``origin`` (``shape``, crop px; ``k`` crop
    px per grid px) where the rest of the rig drew the opening's corners out past where they
    were (:attr:`GeneratedRegion.corners_as_shot`; AU20, fear, a smile's corners): 1 up to the
    corners as shot, easing to 0 at the drawn-out tips (float32), or None where nothing was
    drawn out. There the warp's lips meet in their own crease: filled, the tips were thin dark
    needles along the lips' line past a talking mouth's own dark (looked at on the shared
    clips)."""
    if region.corners_as_shot is None:
        return None
    tips = opening_tips(region.polygon) * k
    length = float(np.linalg.norm(tips[1] - tips[0]))
    if length < 1.0:
        return None
    axis = (tips[1] - tips[0]) / length
    corners = (region.corners_as_shot * k - tips[0]) @ axis
    out = np.array([corners[0], length - corners[1]])  # how far each tip was drawn out, px
    if (out <= 0.5).all():
        return None
    h, w = shape
    # Along the tips' axis from the first (the frame whose down is the axis turned a quarter on).
    along = box_in_frame(np.array([-axis[1], axis[0]]), tips[0],
                         (origin[0], origin[1], origin[0] + w, origin[1] + h))[0].astype(np.float32)
    kept = np.ones(shape, np.float32)
    for beyond, drawn_out in ((float(corners[0]) - along, out[0]),
                              (along - float(corners[1]), out[1])):
        if drawn_out > 0.5:
            kept *= 1.0 - smoothstep(beyond / float(drawn_out))
    return kept
