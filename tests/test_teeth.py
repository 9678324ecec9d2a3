"""Teeth an open smile shows stay as shot while the lips move round them (atw_ofx.models.teeth)."""
import dataclasses

import cv2
import numpy as np
import pytest

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.face import CropBox, face_matte
from atw_ofx.face.crop import crop_planes
from atw_ofx.imageio import read_image
from atw_ofx.models import teeth as teeth_module
from atw_ofx.models.base import FullSize
from atw_ofx.models.mouth import LOWER_INNER, UPPER_INNER, coverage
from atw_ofx.models.rig import LandmarkRig
from atw_ofx.models.teeth import (BAND_SEARCH, FELL_SHADE, HIDDEN_TIPS, LIP_SEARCH, LOWERED,
                                  MOST_STRETCH, SUBDIVIDE, TOOTH_RISE, HeldTeeth, contours,
                                  hold_teeth, lower_lip_fitted, on_the_lip, opening)
from atw_ofx.points import sample_points, sample_window
from atw_ofx.render import RenderOptions, render_frame
from conftest import clip_frame

N = LandmarkRig.resolution


def aus(*items):
    return au_vector(parse_au_assignments(list(items)))


def as_shot(shared_data, name):
    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    return plate, render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face


@pytest.mark.parametrize("name", ["2.png", "5.png"])
@pytest.mark.parametrize("edit", ["AU12=5", "AU15=5"])
def test_an_open_smiles_teeth_stay_as_shot_while_its_corners_move(shared_data, name, edit):
    """Corners rising (AU12) or falling (AU15) on a shared open smile: the middle teeth are the
    plate's own pixels, bit for bit (the warp moved them with the lips: none was), and where
    rising lips left the teeth the mouth's dark is generated, far darker than the teeth. (The
    middle: inside LOWERED, where the teeth stay unless both lips fell 0.02 IOD or more.)"""
    plate, face = as_shot(shared_data, name)
    result = render_frame(plate, aus(edit), LandmarkRig(), face=face,
                          options=RenderOptions(aovs=("generated",)))
    out = result.plate.pixels
    lm = face.landmarks
    upper, lower = lm[list(UPPER_INNER)], lm[list(LOWER_INNER)]
    centre, half = (upper[0] + upper[-1]) / 2, np.linalg.norm(upper[-1] - upper[0]) / 2
    middle = [p for p in range(len(upper))
              if np.linalg.norm(upper[p] - centre) < (LOWERED[0] - 0.05) * half]
    assert len(middle) >= 2
    teeth_light = []
    for pair in middle:
        x, y = np.round(upper[pair] + 0.55 * (lower[pair] - upper[pair]) - 0.5).astype(int)
        window = (slice(y - 2, y + 3), slice(x - 2, x + 3), slice(0, 3))
        assert np.array_equal(out[window], plate.pixels[window]), pair
        teeth_light.append(plate.pixels[window].mean())
    if edit == "AU12=5":  # (falling, the corners take the side teeth down with them)
        generated = out[..., result.plate.channels.index("generated.A")]
        dark = generated > 0.5
        assert dark.sum() > 200
        assert out[dark][:, :3].mean() < np.mean(teeth_light) / 3


@pytest.mark.parametrize("name", ["0.png", "4.png", "14.png"])
def test_a_corner_pulled_down_takes_the_side_teeth_down_with_its_lips(shared_data, name):
    """AU15 on a shared open smile pulls its corners down, both lips alike: the side teeth go
    down with them, whole, and no wedge of the mouth's dark opens under them — the generated
    dark under a twelfth of the opening as shot (held as shot, the side teeth left a near-black
    wedge as tall as the corners' drop, 0.23–0.32 of it on the shared open smiles; looked at)."""
    plate, face = as_shot(shared_data, name)
    result = render_frame(plate, aus("AU15=5"), LandmarkRig(), face=face,
                          options=RenderOptions(aovs=("generated",)))
    lm = face.landmarks
    polygon = np.concatenate((lm[list(UPPER_INNER)], lm[list(LOWER_INNER)][::-1]))
    inside = np.zeros(plate.pixels.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round(polygon - 0.5).astype(np.int32)], 1)
    generated = result.plate.pixels[..., result.plate.channels.index("generated.A")] > 0.5
    assert generated.sum() < inside.sum() / 12


def test_teeth_by_a_corner_pulled_down_go_down_whole():
    """Both lips pulled down by the left corner (its lower lip 8 grid px at the corner, the
    upper beside it by as much as the corner took it): the side teeth's columns go down with
    them — each column its own stripe, lit down to the lower lip as shot and further by the
    lips' fall — not held as shot with the mouth's dark under them."""
    plate, teeth = stripes_case(rise_right=0.0, drop_left=8.0)
    k = 4
    out, _ = hold_teeth(np.full_like(plate, 0.5), plate, teeth, (0, 1, 2))
    upper = [contours(c)[0] for c in (teeth.shot, teeth.polygon)]
    x = 12.0  # grid px, by the left corner
    fall = np.interp(x, *upper[1].T) - np.interp(x, *upper[0].T)
    assert fall > 1.0
    column = out[:, int(x * k) + 1, 0]  # a tooth's stripe (not a gap's)
    # Lit (0.8) from where the upper lip is now down past the lower lip as shot, by the fall.
    lit_rows = np.nonzero(column > 0.7)[0]
    assert lit_rows.max() > 36 * k + 0.5 * fall * k  # (held as shot: 36 k + HIDDEN_TIPS)
    # Moved along the vertical only: the gap beside the stripe stays dark down to the lip.
    low = lit_rows[lit_rows >= 35 * k]
    assert len(low) > 2 * k and out[low, int(x * k) // 8 * 8, 0].max() < 0.1


def stripes_case(rise_right: float, drop_left: float = 0.0, corner_stays: bool = False):
    """A 64 px grid seen on a 256 px crop: an opening from x 10 to 54 between y 24 and 36 on a
    plate of vertical stripes (teeth and the gaps between them: light, with every eighth column
    dark), and the opening as an edit leaves it — its upper lip risen by up to ``rise_right``
    grid px at the right corner, its lower lip dropped by up to ``drop_left`` at the left (with
    the corner, which takes the upper lip beside it down too; or, ``corner_stays``, not)."""
    xs = np.linspace(10, 54, len(UPPER_INNER))
    u = (xs - 10) / 44
    shot = opening_of(xs, np.full_like(xs, 24.0), np.full_like(xs, 36.0))
    bottom = 36.0 + drop_left * (1 - u) ** 2
    if corner_stays:
        bottom[0] = 36.0
    now = opening_of(xs, 24.0 - rise_right * u ** 2, bottom)
    columns = np.where(np.arange(256) % 8 == 0, 0.02, 0.8).astype(np.float32)
    plate = np.broadcast_to(columns[None, :, None], (256, 256, 3)).copy()
    teeth = HeldTeeth(shot, now, np.array([0.0, 1.0]), 64, 1.0, 40.0)
    return plate, teeth


def opening_of(xs, top, bottom):
    """An :func:`opening`-shaped polygon from its upper and lower contours (K each)."""
    mesh = np.zeros((478, 2))
    mesh[list(UPPER_INNER)] = np.stack((xs, np.broadcast_to(top, xs.shape)), 1)
    mesh[list(LOWER_INNER)] = np.stack((xs, np.broadcast_to(bottom, xs.shape)), 1)
    mesh[LOWER_INNER[0]], mesh[LOWER_INNER[-1]] = mesh[UPPER_INNER[0]], mesh[UPPER_INNER[-1]]
    return opening(mesh)


def test_a_lip_moving_off_its_teeth_shows_more_of_them_without_bending_them():
    """The upper lip risen towards the right corner: there the teeth's half of each column is
    stretched along the vertical to meet it — every column keeps its own stripe, so the edges
    between teeth stay vertical (a warp bent them along the corner) — and where the lip is
    past MOST_STRETCH the mouth's dark shows. Nothing outside the opening changes."""
    plate, teeth = stripes_case(rise_right=16.0)
    warped = np.full_like(plate, 0.5)  # what the warp left: any value, told apart
    out, generated = hold_teeth(warped.copy(), plate, teeth, (0, 1, 2))
    k, middle, half = 4, 30 * 4, 6 * 4  # crop px: the opening's middle row, its half height
    mask = generated.full(256)
    rows, cols = np.nonzero(out[..., 0] != 0.5)
    assert rows.min() < 24 * k - 8 * k  # the opening reaches well above the lip as shot
    # (Pixels the opening covers whole: its anti-aliased edge blends in the warp's.)
    light = (mask[rows, cols] == 0.0) & (coverage(teeth.polygon * k, (0, 0, 256, 256))[rows, cols]
                                         == 1.0)
    # Every teeth pixel is its own column's stripe — or, towards the middle where the lip rose
    # past what the teeth may stretch, blended with the warp there: nothing moved sideways (a
    # light column never takes a dark stripe's value, nor a dark one a light one's).
    got, own = out[rows[light], cols[light]] - 0.5, plate[rows[light], cols[light]] - 0.5
    assert np.all(got * own >= 0) and np.all(np.abs(got) <= np.abs(own) + 1e-5)
    # Above the lip as shot by the right corner, the teeth stretched up: their own stripes.
    stretched = (rows < 24 * k - 4) & (cols > 44 * k) & light
    assert stretched.sum() > 100
    assert np.abs(out[rows[stretched], cols[stretched]]
                  - plate[rows[stretched], cols[stretched]]).max() < 1e-5
    # By the right corner the lip rose past what MOST_STRETCH reaches: the dark, above that
    # reach and in the right part only.
    dark = mask > 0.9
    assert dark.sum() > 50 and out[dark].max() < 0.2
    # (Besides by the corners as shot, where its lower lip rises to meet the upper: there the
    # opening's half narrows, and the stretch reaches less.)
    dark_rows, dark_cols = np.nonzero(dark)
    between = (dark_cols > 15 * k) & (dark_cols < 49 * k)
    assert between.sum() > 50 and dark_cols[between].min() > 32 * k
    assert dark_rows[between].max() < middle - MOST_STRETCH * half + 8
    # Outside the opening as the edit leaves it, the warp's own pixels.
    y = np.arange(256)[:, None]
    outside = np.broadcast_to((y < (24 - 16) * k - 2) | (y > 36 * k + 2), (256, 256))
    assert np.all(out[outside] == 0.5)


def _lip_falling_by_the_left_corner(drop: float):
    """A 64 px grid on a 256 px crop: striped teeth in an opening from y 24 to 36 (grid px),
    the mouth's own dark left of x 16 (no teeth: the corridor), and a lower lip that falls by
    up to ``drop`` grid px by the left corner (the corners stay), the warp stretching the
    opening's lower half (from y 30) down to it. Returns ``(plate, warped, teeth, field)``."""
    k, grid = 4, 64
    xs = np.linspace(10, 54, len(UPPER_INNER))
    bottom = 36.0 + drop * (1 - (xs - 10) / 44) ** 2
    bottom[0] = 36.0
    shot = opening_of(xs, np.full_like(xs, 24.0), np.full_like(xs, 36.0))
    teeth = HeldTeeth(shot, opening_of(xs, np.full_like(xs, 24.0), bottom),
                      np.array([0.0, 1.0]), grid, 1.0, 40.0)
    stripes = np.where(np.arange(256) % 8 == 0, 0.02, 0.8)
    plate = np.broadcast_to(stripes[None, :, None], (256, 256, 3)).astype(np.float32).copy()
    plate[:, :16 * k] = 0.03  # the corridor: no teeth left of x 16 (grid px)
    # The warp (backward): below the opening's middle each column stretched down to the lip,
    # held past it.
    fell = np.interp(np.arange(grid) + 0.5, xs, bottom - 36.0)[None]
    y = np.arange(grid)[:, None] + 0.5
    field = np.zeros((2, grid, grid), np.float32)
    field[1] = np.where(y <= 30.0, 0.0, -fell * np.minimum((y - 30.0) / (6.0 + fell), 1.0))
    up = cv2.resize(np.moveaxis(field, 0, -1) * k, (256, 256), interpolation=cv2.INTER_LINEAR)
    cols, rows = np.meshgrid(np.arange(256, dtype=np.float32), np.arange(256, dtype=np.float32))
    warped = cv2.remap(plate, cols + up[..., 0], rows + up[..., 1], cv2.INTER_LINEAR)
    return plate, warped, teeth, field


def test_the_mouths_own_dark_a_falling_lip_brings_down_stays():
    """The lower lip falls by the left corner, stretching the opening's lower half up to
    2.6-fold; there no tooth stood as shot, only the mouth's own dark (the corridor beside the
    side teeth). The warp brings that dark down with the lip and it stays — nothing is generated
    over it (drawn, the mouth's dark stood as a second, lighter patch beside the plate's own);
    under the teeth beside it, whose ends the warp drew out two-fold (fangs), the dark is
    generated."""
    k = 4
    plate, warped, teeth, field = _lip_falling_by_the_left_corner(drop=12.0)
    out, generated = hold_teeth(warped.copy(), plate, teeth, (0, 1, 2), field)
    mask = generated.full(256)
    under = slice(37 * k, 40 * k)  # under the lip as shot, above where it fell to
    assert mask[under, 12 * k:15 * k].max() < 0.05  # the corridor: the warp's own dark
    assert np.array_equal(out[under, 12 * k:15 * k], warped[under, 12 * k:15 * k])
    assert mask[under, 20 * k:23 * k].mean() > 0.5  # the teeth's ends drawn out: the dark


def test_teeth_a_falling_lip_draws_out_by_little_stay_the_warps():
    """The same lip falling by less (the lower half stretched 1.3-fold at most: a disgusted
    mouth's corners): the warp's side teeth, drawn out by little, stay (the dark drawn there
    stood as a grey blob, lower teeth ghosting in it, beside a corner the warp carried down as
    a mouth's; faces 5, 14, 18 under disgust, looked at 3×)."""
    k = 4
    plate, warped, teeth, field = _lip_falling_by_the_left_corner(drop=1.8)
    out, generated = hold_teeth(warped.copy(), plate, teeth, (0, 1, 2), field)
    mask = generated.full(256)
    under = slice(36 * k + 1, 37 * k + 2)
    assert mask[under, 17 * k:23 * k].max() < 0.05
    assert np.array_equal(out[under, 17 * k:23 * k], warped[under, 17 * k:23 * k])
    # With a band of lip inside the opening as shot (its top 1.5 grid px above the contour),
    # the warp goes on down to the lip there: the band, held under it where the warp's own lip
    # lies lower, cut across the teeth drawn out to it as a line of lip (faces 5, 18 under
    # disgust, looked at 3×).
    banded = dataclasses.replace(teeth, band=np.full(len(teeth.shot), 1.5))
    out, _ = hold_teeth(warped.copy(), plate, banded, (0, 1, 2), field)
    band = slice(35 * k, 37 * k + 2)
    assert np.array_equal(out[band, 17 * k:23 * k], warped[band, 17 * k:23 * k])


def test_a_corner_whose_lips_both_fall_and_draw_the_teeth_out_by_little_is_the_warps():
    """Both lips fall by the left corner (the upper by up to 2 grid px, the lower by 3.5): the
    teeth go down with them, and the warp draws them out by little (1.1-fold) there. Those
    columns are the warp's, upper half too: the held teeth lowered above the warp's below broke
    into blocks and dark notches (face 0 under disgust, looked at 3×)."""
    k, grid = 4, 64
    xs = np.linspace(10, 54, len(UPPER_INNER))
    ease = (1 - (xs - 10) / 44) ** 2
    top, bottom = 24.0 + 2.0 * ease, 36.0 + 3.5 * ease
    top[0], bottom[0] = 24.0, 36.0
    shot = opening_of(xs, np.full_like(xs, 24.0), np.full_like(xs, 36.0))
    teeth = HeldTeeth(shot, opening_of(xs, top, bottom), np.array([0.0, 1.0]), grid, 1.0, 40.0)
    stripes = np.where(np.arange(256) % 8 == 0, 0.02, 0.8)
    plate = np.broadcast_to(stripes[None, :, None], (256, 256, 3)).astype(np.float32).copy()
    plate *= (0.7 + 0.3 * np.cos(np.arange(256) / 3.0))[:, None, None]  # (shading down them)
    plate[:24 * k] = 0.3  # the upper lip
    # The warp (backward): each column's opening carried to the lips, linearly between them.
    at = np.arange(grid) + 0.5
    up_fall, down_fall = (np.interp(at, xs, f - base)[None] for f, base in ((top, 24.0),
                                                                           (bottom, 36.0)))
    y = at[:, None]
    share = np.clip((y - 24.0) / 12.0, 0.0, 1.0)
    field = np.zeros((2, grid, grid), np.float32)
    field[1] = -np.where(y < 24.0, up_fall * np.clip(y / 24.0, 0.0, 1.0),
                         np.where(y > 36.0, down_fall * np.clip((60.0 - y) / 24.0, 0.0, 1.0),
                                  up_fall + share * (down_fall - up_fall)))
    up = cv2.resize(np.moveaxis(field, 0, -1) * k, (256, 256), interpolation=cv2.INTER_LINEAR)
    cols, rows = np.meshgrid(np.arange(256, dtype=np.float32), np.arange(256, dtype=np.float32))
    warped = cv2.remap(plate, cols + up[..., 0], rows + up[..., 1], cv2.INTER_LINEAR)
    out, _ = hold_teeth(warped.copy(), plate, teeth, (0, 1, 2), field)
    column = slice(12 * k, 16 * k)  # by the left corner
    opening = slice(26 * k, 38 * k)  # the teeth's column, upper half and lower
    assert np.allclose(out[opening, column], warped[opening, column], atol=1e-6)


def test_teeth_stretched_to_a_rising_lip_ease_in_from_their_middle():
    """By the right corner the upper lip rose (AU10, disgust): the teeth's upper half stretches to
    meet it, unstretched at the column's middle and most by the lip — stretched evenly, the rate
    stepped at the middle into a hard horizontal seam across the crowns. Read on a plate whose
    light is its row: the source rows go up near 1:1 just above the middle and never fold."""
    plate, teeth = stripes_case(rise_right=16.0)
    k, middle = 4, 30 * 4
    plate = np.broadcast_to((np.arange(256, dtype=np.float32) / 256)[:, None, None],
                            (256, 256, 3)).copy()
    out, generated = hold_teeth(np.full_like(plate, 0.5), plate, teeth, (0, 1, 2))
    column = 50 * k + 2  # by the right corner, where the lip rose 13 grid px
    source = out[:, column, 0] * 256 - 0.5  # the row each pixel took (its centre at + 0.5)
    # (Evenly, 1 / 2.5 all the way up here: MOST_STRETCH.)
    assert (source[middle - 2] - source[middle - 6]) / 4 > 0.6
    # The teeth: whole pixels of the opening, not its dark past the stretch's reach.
    teeth_rows = (generated.full(256)[:, column] == 0.0) & (
        coverage(teeth.polygon * k, (0, 0, 256, 256))[:, column] == 1.0)
    teeth_rows[middle:] = False
    above = source[teeth_rows]
    assert teeth_rows.sum() > 6 * k
    assert np.all(np.diff(above) >= -1e-3)  # no fold


def test_a_lower_lip_falling_from_the_teeth_shows_the_lower_teeth_in_shade_not_longer_teeth():
    """Below each column's middle a column often holds the upper teeth's edges: a lower lip
    falling away shows the lower teeth there, in the shade (at most FELL_SHADE of the teeth's
    light), fading into the mouth's dark by the corner — not the teeth stretched down into
    points (their stripes drawn down), nor a flat black triangle."""
    plate, teeth = stripes_case(rise_right=0.0, drop_left=8.0)
    warped = np.full_like(plate, 0.5)
    out, generated = hold_teeth(warped.copy(), plate, teeth, (0, 1, 2))
    k = 4
    # Under the lower lip as shot, on the left: what the opening covers whole is generated.
    window = (slice(36 * k + 2, 44 * k), slice(10 * k + 2, 20 * k))
    whole = generated.full(256)[window] > 0.99
    light = out[window][..., 0]
    assert whole.sum() > 100 and light[whole].max() < FELL_SHADE * 0.8
    columns = np.broadcast_to(np.arange(10 * k + 2, 20 * k) % 8 == 0, light.shape)
    stripes, between = light[whole & columns].mean(), light[whole & ~columns].mean()
    assert 0.8 < stripes / between < 1.25  # no stripe drawn down (0.02 against 0.8)
    # Teeth, not the dark (the stripes' 0.02), and darker towards the corner (x 40 crop px).
    near, far = np.array_split(np.where(whole, light, np.nan), 2, axis=1)
    assert np.nanmean(far) > 3 * 0.02 and np.nanmean(near) < 0.75 * np.nanmean(far)
    # Above it the teeth as they were, column for column.
    teeth_rows = (slice(26 * k, 34 * k), slice(16 * k, 50 * k))
    assert np.array_equal(out[teeth_rows], plate[teeth_rows])


def test_side_teeth_the_lip_cut_as_shot_go_on_down_as_it_falls():
    """By a corner, where the lower lip as shot cut across the teeth, a lip falling away shows
    the rest of them — the teeth's columns go on past the lip as shot (a slant straight across
    them above the dark, as the lip cut them, read as teeth sliced off; the shared open smiles
    under AU15 and sad, looked at) — only as far as teeth go (HIDDEN_TIPS: ~2 mm), then the
    lower teeth in the shade; and only teeth: a lip's pink inner side there is not drawn down.
    (The corner stays: a corner pulled down takes the teeth by it down with its lips.)"""
    plate, teeth = stripes_case(rise_right=0.0, drop_left=16.0, corner_stays=True)
    k = 4
    out, _ = hold_teeth(np.full_like(plate, 0.5), plate, teeth, (0, 1, 2))
    columns = np.arange(13 * k, 16 * k)  # by the left corner
    light = out[36 * k - 1:36 * k + 2][:, columns, 0]  # just under the lip as shot
    gaps = columns % 8 == 0
    assert light[:, ~gaps].min() > 0.6 and light[:, gaps].max() < 0.05  # the teeth, and gaps
    tips = 36 * k + HIDDEN_TIPS * teeth.iod * k + 2
    assert out[int(tips):int(tips) + 8][:, columns, 0].max() < FELL_SHADE * 0.8
    # A pink band of lip along the contour as shot: not drawn down into the opening.
    lipped = plate.copy()
    lipped[36 * k - 4:36 * k + 4] = (0.5, 0.1, 0.1)
    out, _ = hold_teeth(np.full_like(lipped, 0.5), lipped, teeth, (0, 1, 2))
    below = out[36 * k + 1:36 * k + 4][:, columns]
    assert below[..., 0].mean() < 1.5 * below[..., 1].mean()  # (drawn down: 5×)


def test_teeth_are_held_for_an_open_smile_whose_lips_move_and_only_then(shared_data):
    """The rig hands the renderer held teeth for an open smile whose corners move; not for the
    same smile with only the brows raised (its lips stay), nor for a closed mouth."""
    def regions(name, edit):
        _, face = as_shot(shared_data, name)
        mesh = CropBox.from_landmarks(face.landmarks).to_crop(face.landmarks, N)
        _, interior = LandmarkRig().field_and_interior(mesh, aus(edit), face_matte(mesh, N))
        return [r for r in interior or () if isinstance(r, HeldTeeth)]

    held = regions("2.png", "AU12=5")
    assert len(held) == 1 and held[0].share == 1.0
    # The opening now reaches above where it was at the corners.
    assert held[0].polygon[:, 1].min() < held[0].shot[:, 1].min() - 1.0
    assert regions("2.png", "AU01=5") == []
    assert regions("13.png", "AU12=5") == []


def lip_case(contour_y: float, speckled: bool = False, fleck: bool = False):
    """A 64 px grid seen on a 256 px crop: teeth (light grey) down to row 140, the dark line where
    they meet the lower lip (rows 140–142), the lip (red) below; an opening from x 10 to 54 on
    the grid whose lower inner lip lies at ``contour_y`` (crop px). ``speckled``: a glossy lip's
    highlights in two bands (rows 146–147, 150–151) with its own red between them; ``fleck``: the
    teeth go on down to row 170 and only a dark fleck (rows 140–142, columns 120–123) marks them."""
    plate = np.empty((256, 256, 3), np.float32)
    plate[:140] = 0.7
    plate[140:143] = 0.04
    plate[143:] = (0.30, 0.14, 0.12)
    if speckled:
        plate[146:148] = plate[150:152] = 2.0
    if fleck:
        plate[140:170] = 0.7
        plate[140:143, 120:124] = 0.04
    xs = np.linspace(10, 54, len(UPPER_INNER))
    shot = opening_of(xs, np.full_like(xs, 20.0), np.full_like(xs, contour_y / 4))
    teeth = HeldTeeth(shot, shot, np.array([0.0, 1.0]), 64, 1.0, 60.0)
    return plate, teeth


def fitted_lower(plate, teeth):
    fitted = on_the_lip(teeth, plate, (0, 1, 2), np.zeros((2, 64, 64), np.float32))
    return fitted, contours(fitted.shot)[1] * 4


def test_a_lower_lip_drawn_across_the_teeth_is_moved_out_to_the_lips_edge():
    """The mesh's lower inner lip can cut across the side teeth's tips: moved out along its
    normal to the dark line where the teeth meet the lip (where the carried opening then takes the
    tips in, not the warp), and the opening the edit leaves carried from there; the corners stay."""
    plate, teeth = lip_case(134.0)
    fitted, lower = fitted_lower(plate, teeth)
    middle = lower[10:-10]
    assert np.all((middle[:, 1] >= 139.5) & (middle[:, 1] <= 143.0))
    np.testing.assert_allclose(middle[:, 0], contours(teeth.shot)[1][10:-10, 0] * 4, atol=0.5)
    assert np.array_equal(lower[[0, -1]], contours(teeth.shot)[1][[0, -1]] * 4)
    np.testing.assert_allclose(fitted.polygon, fitted.shot, atol=1e-4)  # a still field


@pytest.mark.parametrize("case", [dict(contour_y=145.0), dict(contour_y=144.0, speckled=True),
                                  dict(contour_y=134.0, fleck=True)],
                         ids=["on_the_lip", "glossy_lip", "lone_fleck"])
def test_a_lower_lip_on_its_edge_or_over_a_glossy_lip_or_a_fleck_stays(case):
    """The contour does not move where it lies on the lip already, where a glossy lip's
    highlights and its own red between them look like a tooth's tips and a line (the line is no
    darker than the lip), or where one dark fleck under a point or two marks teeth that go on past
    the search (a move must be shared by most of its neighbours)."""
    plate, teeth = lip_case(**case)
    fitted, _ = fitted_lower(plate, teeth)
    assert np.array_equal(fitted.shot, teeth.shot)
    assert np.array_equal(fitted.polygon, teeth.polygon)


def test_the_band_of_lip_inside_the_contour_is_measured_to_a_pixel_short_of_the_teeth():
    """A contour 10 px down the lip (the teeth end at row 140; the line where they meet it is
    rows 140–142): the lip reaches 9 px in from it over the middle — to a pixel short of the
    teeth, the dark line in the band — tapering to nothing at the corners; a contour on the teeth
    (the fleck case: teeth down past the search) finds no band."""
    plate, teeth = lip_case(150.0)
    fitted, _ = fitted_lower(plate, teeth)
    band = fitted.band * 4
    np.testing.assert_allclose(band[8:-8], 9.0, atol=0.5)
    assert band[0] == band[-1] == 0.0
    plate, teeth = lip_case(134.0, fleck=True)
    assert fitted_lower(plate, teeth)[0].band is None


def falling_lip_case(band: bool):
    """:func:`lip_case`'s plate and a contour 10 px down the lip (crop px), the lower lip falling
    12 px over the middle of the opening (straight across: its corners stay); with the band
    fitted or without it (None)."""
    plate, teeth = lip_case(150.0)
    fitted, _ = fitted_lower(plate, teeth)
    xs = np.linspace(10, 54, len(UPPER_INNER))
    fall = 3.0 * np.clip(np.minimum(xs - 10, 54 - xs) / 8, 0, 1)
    now = opening_of(xs, np.full_like(xs, 20.0), 150.0 / 4 + fall)
    return plate, dataclasses.replace(fitted, polygon=now, band=fitted.band if band else None)


def test_a_falling_lower_lip_takes_its_band_inside_the_opening_with_it():
    """The lower lip falls 12 px: in the middle column the teeth stay as shot down to a pixel
    short of their end, the lower teeth in the shade fill what the lip uncovered, and the band of
    lip the mesh's contour had inside the opening comes down with the lip — its rows are the
    plate's rows 12 above, to the last value. Without the band, the lip's own red stays under the
    teeth (a second lip edge above the lip's own: how the shared open smiles looked under AU15)."""
    plate, teeth = falling_lip_case(band=True)
    warped = np.full_like(plate, 5.0)  # what the warp left: never what the teeth keep
    out, generated = hold_teeth(warped.copy(), plate, teeth, (0, 1, 2))
    column = out[:, 128]
    assert np.array_equal(column[100:139], plate[100:139, 128])  # the teeth as shot
    shaded = column[143:150]  # the lower teeth in the shade: no lip's red
    assert shaded.max() < FELL_SHADE * 0.7 and np.all(shaded[:, 0] < 2.0 * shaded[:, 2] + 0.02)
    np.testing.assert_allclose(column[154:162], plate[142:150, 128], atol=1e-6)  # the band, moved
    assert generated.mask[143 - generated.y0:150 - generated.y0, 128 - generated.x0].min() > 0.9
    plate, teeth = falling_lip_case(band=False)
    still = hold_teeth(np.full_like(plate, 5.0), plate, teeth, (0, 1, 2))[0][:, 128]
    assert np.array_equal(still[143:145], plate[143:145, 128])  # the lip's red, left as shot


def test_under_a_falling_lip_a_floor_without_teeth_goes_with_the_warp():
    """A talking mouth: its upper teeth end at row 100 and a tongue fills the opening's floor
    down to the lip — no tooth along the lower lip (``toothed`` 0), where an open smile's teeth
    reach it (1). The lower lip falls 12 px: beside the tongue the warp is kept (the dark there
    was a black triangle beside a lit tongue, AU15 on a clip), under the open smile's teeth the
    mouth's dark (the test above). By the corners as shot, the dark only where teeth line the
    lip: a talking mouth's corners drawn out or up (AU20, AU12) stood as dark ticks and
    arrowheads beside them, where the warp carries its own corners."""
    plate, teeth = falling_lip_case(band=True)
    assert np.all(teeth.toothed == 1.0)
    plate[100:143] = (0.20, 0.09, 0.09)  # a tongue under the upper teeth, down to the lip
    fitted = on_the_lip(dataclasses.replace(teeth, polygon=teeth.shot, band=None), plate,
                        (0, 1, 2), np.zeros((2, 64, 64), np.float32))
    assert np.all(fitted.toothed == 0.0)
    teeth = dataclasses.replace(teeth, band=fitted.band, toothed=fitted.toothed)
    out, generated = hold_teeth(np.full_like(plate, 5.0), plate, teeth, (0, 1, 2))
    assert np.array_equal(out[150:160, 128], np.full((10, 3), 5.0, np.float32))
    assert generated.mask[150 - generated.y0:160 - generated.y0, 128 - generated.x0].max() == 0
    assert generated.mask.max() == 0.0  # nothing generated, by the corners neither
    toothed = dataclasses.replace(teeth, toothed=np.ones_like(teeth.toothed))
    smile = hold_teeth(np.full_like(plate, 5.0), plate, toothed, (0, 1, 2))[1]
    for x in (42, 214):  # by each corner as shot (crop px 40 and 216)
        assert smile.mask[:, x - smile.x0].max() == 1.0


def test_side_teeth_reaching_a_talking_mouths_lip_by_its_corners_keep_the_dark():
    """The talking mouth above, but its side teeth reach down to the lip by the corners (the
    outer 30 px each side): as the lip falls the dark opens under them there (with the warp
    they were pulled down into fangs, a shared clip's smile under AU15, looked at), the warp
    still takes the tongue's floor in the middle."""
    plate, teeth = falling_lip_case(band=True)
    plate[100:140, 70:186] = (0.20, 0.09, 0.09)  # the tongue between the side teeth
    plate[140:143, 70:186] = (0.20, 0.09, 0.09)
    fitted = on_the_lip(dataclasses.replace(teeth, polygon=teeth.shot, band=None), plate,
                        (0, 1, 2), np.zeros((2, 64, 64), np.float32))
    lower = contours(fitted.shot)[1] * 4
    side = (lower[:, 0] < 60) | (lower[:, 0] > 196)
    assert fitted.toothed[side & (lower[:, 0] > 44) & (lower[:, 0] < 212)].min() > 0.9
    assert fitted.toothed[np.abs(lower[:, 0] - 128) < 30].max() == 0.0
    teeth = dataclasses.replace(teeth, band=fitted.band, toothed=fitted.toothed)
    out, generated = hold_teeth(np.full_like(plate, 5.0), plate, teeth, (0, 1, 2))
    at = lambda y, x: generated.mask[y - generated.y0, x - generated.x0]  # noqa: E731
    assert min(at(151, 56), at(151, 200)) > 0.5  # the dark under the side teeth
    assert at(150, 128) == 0.0 and np.array_equal(out[150, 128], np.full(3, 5.0, np.float32))


def held_and_crop(shared_data, name, edit="AU12=5"):
    plate, face = as_shot(shared_data, name)
    box = CropBox.from_landmarks(face.landmarks)
    mesh = box.to_crop(face.landmarks, N)
    field, interior = LandmarkRig().field_and_interior(mesh, aus(edit), face_matte(mesh, N))
    held = [r for r in interior or () if isinstance(r, HeldTeeth)][0]
    crop = np.ascontiguousarray(crop_planes(plate.pixels, box, [0, 1, 2]).transpose(1, 2, 0))
    return held, crop, field


@pytest.mark.parametrize("name", ["18.png", "9.png"])
def test_rising_corners_draw_no_streaks_over_the_side_teeth(shared_data, name):
    """AU12 at 5 on two shared open smiles whose mesh's upper contour lies on the lip (0.02–0.09
    IOD above the teeth): above the lip as shot by the corners (0.5–0.8 of the way out) what the
    opening shows has as much detail down the face as across it — the lip's band goes up with
    the lip and the teeth stretch from its edge. Stretched from the contour, the band and the
    teeth's tops were drawn out into vertical streaks (a second lip under the lip: detail down
    the face 0.38 and 0.58 of that across it)."""
    held, crop, field = held_and_crop(shared_data, name)
    fitted = on_the_lip(held, crop, (0, 1, 2), field)
    assert fitted.upper_band is not None
    out, _ = hold_teeth(crop.copy(), crop, fitted, (0, 1, 2))
    k = crop.shape[0] / fitted.grid
    size = crop.shape[0]
    whole = coverage(fitted.polygon * k, (0, 0, size, size)) >= 1.0
    upper_shot = contours(fitted.shot * k)[0]
    ends = np.sort(upper_shot[[0, -1], 0])
    ys, xs = np.nonzero(whole)
    across = np.abs(xs + 0.5 - ends.mean()) / ((ends[1] - ends[0]) / 2)
    order = np.argsort(upper_shot[:, 0])
    lip_as_shot = np.interp(xs + 0.5, upper_shot[order, 0], upper_shot[order, 1])
    by_corners = (across > 0.5) & (across < 0.8) & (ys + 0.5 < lip_as_shot)
    at = np.zeros((size, size), bool)
    at[ys[by_corners], xs[by_corners]] = True
    at = at[:-1, :-1]
    light = out[..., :3].mean(-1)
    down = np.abs(np.diff(light, axis=0))[:, :-1][at].mean()
    along = np.abs(np.diff(light, axis=1))[:-1][at].mean()
    assert at.sum() > 500 and down > 0.7 * along, down / along


@pytest.mark.parametrize("name", ["14.png", "9.png", "0.png"])
def test_the_dark_by_an_open_smiles_rising_corners_has_no_straight_edge(shared_data, name):
    """AU12 on shared open smiles: above the teeth by the corners the mouth's dark came in within
    a pixel or two at the corners as shot and where the teeth's stretch ran out — near-black
    blocks cut straight down (a step of the dark's weight down 16–21 rows of one column on these
    faces). Eased in over CORNER_FADE and SOFT_EASE, no such step runs down more than 3 rows, and
    the corners keep their dark."""
    held, crop, field = held_and_crop(shared_data, name, edit="AU12=4")
    fitted = on_the_lip(held, crop, (0, 1, 2), field)
    out, generated = hold_teeth(crop.copy(), crop, fitted, (0, 1, 2))
    size = crop.shape[0]
    weight = generated.full(size)
    k = size / fitted.grid
    whole = coverage(fitted.polygon * k, (0, 0, size, size)) >= 1.0  # (not its own edge)
    steps = (np.abs(np.diff(weight, axis=1)) > 0.4) & whole[:, 1:] & whole[:, :-1]
    longest = 0
    for column in np.nonzero(steps.any(0))[0]:
        run = 0
        for hit in steps[:, max(column - 1, 0):column + 2].any(1):
            run = run + 1 if hit else 0
            longest = max(longest, run)
    assert longest <= 3, longest
    dark = weight > 0.5
    assert dark.sum() > 500 and out[dark].mean() < 0.1


@pytest.mark.parametrize("name", ["0.png", "5.png"])
def test_the_shared_smiles_whose_mesh_cuts_the_side_teeth_are_fitted_to_their_lip(shared_data,
                                                                                   name):
    """On two shared open smiles the mesh's lower inner lip lies across the side teeth's tips
    on one side (their warp with the lips was a slanted sliver of tooth beside the corner's dark,
    looked at): there it is moved out, within the search, onto a darker line; a glossy red lip
    (face 9) keeps the mesh's contour."""
    held, crop, field = held_and_crop(shared_data, name)
    fitted = on_the_lip(held, crop, (0, 1, 2), field)
    k = crop.shape[0] / N
    was, now = contours(held.shot * k)[1], contours(fitted.shot * k)[1]
    moved = np.linalg.norm(now - was, axis=1)
    assert (moved >= 3.0).sum() >= 6
    assert moved.max() <= LIP_SEARCH * held.iod * k
    light = lambda p: np.log(sample_points(crop, p[:, 0], p[:, 1], cv2.INTER_LINEAR).sum(-1))  # noqa: E731
    assert light(now[moved > 0]).mean() < light(was[moved > 0]).mean() - 0.15
    held, crop, field = held_and_crop(shared_data, "9.png")
    fitted = on_the_lip(held, crop, (0, 1, 2), field)
    assert np.array_equal(fitted.shot, held.shot) and np.array_equal(fitted.polygon, held.polygon)


@pytest.mark.parametrize("name", ["1.png", "9.png"])
def test_the_band_of_lip_under_a_shared_smiles_teeth_is_found(shared_data, name):
    """Two shared open smiles whose mesh's lower inner lip lies well down the lip over the
    middle (face 1 under its upper teeth, face 9 under its lower ones; a band of that lip stayed
    under the teeth as the lip fell, looked at): over the middle third the band reaches in at
    least 0.02 IOD, and two pixels in from its top lies a tooth — brighter than the band's own
    middle by half of TOOTH_RISE (the light's log; TOOTH_RISE is over the band's darkest)."""
    held, crop, field = held_and_crop(shared_data, name, "AU15=5")
    fitted = on_the_lip(held, crop, (0, 1, 2), field)
    k = crop.shape[0] / N
    lower, band = contours(fitted.shot * k)[1], fitted.band * k
    third = slice(len(band) // 3, len(band) - len(band) // 3)
    assert np.median(band[third]) >= 0.02 * held.iod * k
    assert band.max() <= BAND_SEARCH * held.iod * k
    light = lambda p: np.log(sample_points(crop, p[:, 0], p[:, 1], cv2.INTER_LINEAR).sum(-1))  # noqa: E731
    down = np.asarray(held.down)
    tooth = light(lower[third] - (band[third, None] + 2.0) * down)
    in_band = light(lower[third] - band[third, None] / 2 * down)
    assert np.median(tooth - in_band) > TOOTH_RISE / 2
    assert np.all(fitted.toothed == 1.0)  # teeth along the lip: the dark as it falls


@pytest.mark.parametrize("face", ["2.png", "5.png", "liveportrait_d10.mp4"])
def test_an_open_mouth_narrows_into_the_corners_its_edit_pulls(shared_data, face):
    """A smile (AU12) and a stretch (AU20) at 5 on shared open mouths — two open smiles and a
    talking mouth (liveportrait_d10, frame 20): the lips beside each corner come together as it
    is pulled — the gap one mesh segment in from a corner no wider than as shot under the smile
    (the rising upper lip left behind the lower one opened tall dark wedges above the corners:
    1.2–1.5× as shot), and narrower under the stretch (arrowheads beside the corners: 0.9–1.0×)
    — while the corners themselves still travel the whole way."""
    plate = (clip_frame(shared_data, face, 19) if face.endswith(".mp4")
             else read_image(shared_data / "plates" / "ffhq_atw" / face))
    landmarks = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face.landmarks
    mesh = CropBox.from_landmarks(landmarks).to_crop(landmarks, N)
    for edit, widest in (("AU12=5", 1.1), ("AU20=5", 0.8)):
        _, interior = LandmarkRig().field_and_interior(mesh, aus(edit), face_matte(mesh, N))
        held = [r for r in interior if isinstance(r, HeldTeeth)][0]
        down = np.asarray(held.down)
        (upper_shot, lower_shot), (upper_now, lower_now) = (contours(p) for p in
                                                            (held.shot, held.polygon))
        one_in = [SUBDIVIDE, len(upper_shot) - 1 - SUBDIVIDE]
        gaps = [((lower - upper) @ down)[one_in] for upper, lower in
                ((upper_shot, lower_shot), (upper_now, lower_now))]
        assert (gaps[1] <= widest * gaps[0]).all(), (edit, gaps)
        travel = (upper_now - upper_shot)[[0, -1]] / held.iod
        if edit == "AU12=5":
            assert (-(travel @ down) > 0.2).all(), travel
        else:
            assert (np.abs(travel @ np.array([down[1], -down[0]])) > 0.09).all(), travel


@pytest.mark.parametrize("name", ["12.png", "16.png"])
def test_the_dark_beside_a_smiles_corners_is_a_shadow_not_the_lips_shade(shared_data, name):
    """Two shared open smiles whose opening's darkest is its lips' or gums' shade (0.2 of the
    cheeks' light; it was drawn as a flat mauve patch beside the rising corners under AU12): the
    mouth's dark generated there is held to DARK_OF_SKIN of the cheeks beside the nose, and keeps
    its own colour's balance (its red still the strongest)."""
    from atw_ofx.models.mouth import SKIN_POINTS
    from atw_ofx.models.teeth import DARK_OF_SKIN

    plate, face = as_shot(shared_data, name)
    result = render_frame(plate, aus("AU12=5"), LandmarkRig(), face=face,
                          options=RenderOptions(aovs=("generated",)))
    out = result.plate.pixels
    dark = out[..., result.plate.channels.index("generated.A")] > 0.99
    assert dark.sum() > 100
    lm = face.landmarks
    half = int(0.06 * np.ptp(lm[[61, 291], 0]))
    cheeks = np.concatenate([plate.pixels[int(y) - half:int(y) + half, int(x) - half:int(x) + half,
                                          :3].reshape(-1, 3) for x, y in lm[list(SKIN_POINTS)]])
    colour = out[dark][:, :3].mean(0)
    assert colour.mean() < 1.25 * DARK_OF_SKIN * np.median(cheeks, 0).mean()
    assert colour.argmax() == 0


@pytest.mark.parametrize("face, talking", [("liveportrait_d3.mp4@311", True),
                                           ("liveportrait_d10.mp4@19", True),
                                           ("2.png", False), ("5.png", False)])
def test_past_stretched_corners_the_dark_only_where_teeth_line_the_lip(shared_data, face, talking):
    """AU20 at 5 stretches the corners out past where they were. Beside an open smile's side teeth
    (teeth down to the lower lip) the mouth's dark comes in there — the buccal corridor; past a
    talking mouth's corners (a tongue on its floor) it stood as two near-black barbs beside the
    mouth's own lighter dark (0.19–0.36 of a window 0.15 × 0.12 IOD outside each corner as shot;
    the smiles' 0.13–0.23): there the lips' corners are the warp's, held no lighter than the
    lips."""
    if "@" in face:
        name, index = face.split("@")
        plate = clip_frame(shared_data, name, int(index))
    else:
        plate = read_image(shared_data / "plates" / "ffhq_atw" / face)
    lm = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face.landmarks
    result = render_frame(plate, aus("AU20=5"), LandmarkRig(),
                          options=RenderOptions(aovs=("generated",)))
    generated = result.plate.pixels[..., result.plate.channels.index("generated.A")]
    iod = float(np.linalg.norm(lm[473] - lm[468]))
    for corner, side in ((lm[78], -1), (lm[308], 1)):
        x0, x1 = sorted((int(corner[0]), int(corner[0] + side * 0.15 * iod)))
        y0, y1 = int(corner[1] - 0.06 * iod), int(corner[1] + 0.06 * iod)
        dark = (generated[y0:y1, x0:x1] > 0.5).mean()
        assert (dark < 0.1) if talking else (dark > 0.08), (corner, dark)


def test_no_lighter_than_the_lips_keeps_darker_pixels_and_their_colour():
    """:func:`~atw_ofx.models.teeth._no_lighter`: pixels lighter than the lips round an opening
    (the median of a band outside it) come down to the lips' light, their balance kept; darker
    ones stay."""
    from atw_ofx.models.teeth import _no_lighter

    size = 128
    original = np.full((size, size, 3), 0.2, np.float32) * np.array([1.0, 0.5, 0.5], np.float32)
    shot = np.array([[40.0, 60.0], [88.0, 60.0], [88.0, 70.0], [40.0, 70.0]])
    original[60:70, 40:88] = 0.9  # teeth inside the opening: not the lips
    pixels = np.array([[0.9, 0.9, 0.9], [0.6, 0.3, 0.3], [0.05, 0.02, 0.02]], np.float32)
    out = _no_lighter(pixels, original, shot, 100.0, [0, 1, 2])
    lips = float(original[0, 0].mean())
    assert np.isclose(out[0].mean(), lips) and np.allclose(out[0] / out[0].mean(), 1.0)
    assert np.isclose(out[1].mean(), lips) and np.allclose(out[1] / out[1].mean(),
                                                          pixels[1] / pixels[1].mean())
    assert np.array_equal(out[2], pixels[2])


def test_the_mouths_dark_is_no_grainier_than_the_cheeks():
    """`teeth._mouth_dark` read from a small opening whose pixels are all edges (rows of light
    teeth between dark gaps, as on a soft video frame's talking mouth) lays the cheeks' grain
    on the dark when theirs is finer: the edges are not grain (measured on them, the corners'
    dark under AU15 was speckled grey beside smooth skin: liveportrait_d11, looked at)."""
    from atw_ofx.models.teeth import _mouth_dark

    size = 64
    original = np.full((size, size, 3), 0.2, np.float32)
    original[20:30, 10:54] = 0.02
    original[20:30, 10:54:3] = 0.6  # the teeth's edges, a column in three
    shot = np.array([[10.0, 20.0], [54.0, 20.0], [54.0, 30.0], [10.0, 30.0]])
    ys, xs = np.mgrid[22:28, 12:52]
    ys, xs = ys.ravel(), xs.ravel()
    skin = np.full(3, 0.2, np.float32)
    own = _mouth_dark(original, shot, ys, xs, [0, 1, 2], (skin, None))
    smooth = _mouth_dark(original, shot, ys, xs, [0, 1, 2], (skin, np.full(3, 0.002)))
    assert np.allclose(smooth.mean(0), own.mean(0), rtol=0.05)  # the same dark
    relative = lambda dark: float(np.std(dark.mean(-1)) / dark.mean())  # noqa: E731
    assert relative(own) > 0.04  # the opening's edges read as grain...
    assert relative(smooth) < 0.2 * relative(own)  # ... held to the cheeks'


@pytest.mark.parametrize("face, shot_shows_teeth, held", [
    (("liveportrait_d18.mp4", 87), False, False), (("liveportrait_d3.mp4", 311), False, False),
    (("liveportrait_d18.mp4", 87), True, True), ("5.png", False, True), ("14.png", False, True)])
def test_an_open_mouth_is_held_as_teeth_only_where_its_gap_is_lit_like_teeth(
        shared_data, monkeypatch, face, shot_shows_teeth, held):
    """An open mouth whose gap is dark (a shared clip's open O, its tongue and cavity; a talking
    mouth) is not held as teeth under a smile: held, the lips' inner edges inside the mesh's
    contour stayed with it and were drawn out into light fangs by the rising corners (looked
    at). An open smile is, its teeth lit like them against the cheeks (`mouth.gap_lit`) —
    face 5's as well, whose white teeth read no lighter than its pale lips
    (`mouth.teeth_lit`). A shot whose own mouth shows its teeth (its track's `MouthLook`) holds
    them on every frame, lit or not: frame by frame they came and went in a talking clip."""
    from atw_ofx.models import mouth

    plate = (clip_frame(shared_data, *face) if isinstance(face, tuple)
             else read_image(shared_data / "plates" / "ffhq_atw" / face))
    seen = {}
    field_and_interior = LandmarkRig.field_and_interior

    def spy(self, landmarks, aus, matte, retarget=None, occluder=None, luma=None, *rest):
        seen["gap_lit"] = mouth.gap_lit(landmarks, luma)
        field, interior = field_and_interior(self, landmarks, aus, matte, retarget, occluder,
                                             luma, *rest)
        seen["held"] = any(isinstance(r, HeldTeeth) for r in interior or ())
        return field, interior

    monkeypatch.setattr(LandmarkRig, "field_and_interior", spy)
    placement = None
    if shot_shows_teeth:
        from atw_ofx.models.mouth_look import MouthLook

        placement = dataclasses.replace(render_frame(plate, aus(), LandmarkRig()).face,
                                        mouth=MouthLook(np.full(3, 0.1), np.full(3, 1.2), 10))
    render_frame(plate, aus("AU12=5"), LandmarkRig(), face=placement)
    assert seen["held"] == held
    assert seen["gap_lit"] == (1.0 if held and not shot_shows_teeth else 0.0)


@pytest.mark.parametrize("name", ["5.png", "9.png"])
@pytest.mark.parametrize("edit", [("AU25=5",), ("AU12=4.5", "AU25=2")])
def test_lips_parting_an_open_smile_leave_its_upper_teeth_whole(shared_data, name, edit):
    """AU25 (alone, and with the demo's smile) on shared open smiles: the lips part under the
    upper teeth, which stay with the skull — down every middle pair's gap to where the teeth end
    as shot the output is the plate's own pixels, bit for bit, and nothing there is generated.
    Risen with the upper lip, the teeth were squashed up into the opening and their tips cut
    flat by the cavity (a tenth of their length on face 5)."""
    plate, face = as_shot(shared_data, name)
    result = render_frame(plate, aus(*edit), LandmarkRig(), face=face,
                          options=RenderOptions(aovs=("generated",)))
    out = result.plate.pixels
    generated = out[..., result.plate.channels.index("generated.A")]
    lm = face.landmarks
    upper, lower = lm[list(UPPER_INNER)], lm[list(LOWER_INNER)]
    luma = plate.pixels[..., :3].mean(-1)
    for pair in (4, 5, 6):
        steps = np.linspace(0.0, 1.0, 64)
        points = upper[pair] + steps[:, None] * (lower[pair] - upper[pair])
        light = sample_points(np.ascontiguousarray(luma), points[:, 0], points[:, 1],
                              cv2.INTER_LINEAR)
        lit = np.flatnonzero(light >= 0.5 * light.max())
        end = lit[np.searchsorted(lit, 16):][0]  # the run of teeth from a quarter down
        while end + 1 < len(light) and light[end + 1] >= 0.5 * light.max():
            end += 1
        teeth = np.round(points[16:end - 1] - 0.5).astype(int)  # a pixel short of their end
        assert len(teeth) > 20, pair  # the teeth fill most of the gap
        rows, cols = teeth[:, 1], teeth[:, 0]
        assert np.array_equal(out[rows, cols, :3], plate.pixels[rows, cols, :3]), pair
        assert generated[rows, cols].max() == 0.0, pair


@pytest.mark.parametrize("name", ["0.png", "14.png", "18.png"])
def test_an_open_smile_parts_at_its_lower_lips_own_edge_under_the_side_teeth(shared_data, name,
                                                                             monkeypatch):
    """Shared open smiles whose mesh's lower inner lip runs across the side teeth on one side
    (:func:`lower_lip_fitted` moves it out to the lip's edge there, 4–5 px): under a jaw drop
    the mouth parts at that edge. Down the gap from the upper lip to the lip's edge at the pair
    moved most, the cavity covers at most 0.12 of it and half what it covered parted at the
    mesh's contour (0.20–0.28: it cut the side teeth in a slant, looked at)."""
    plate, face = as_shot(shared_data, name)
    lm = face.landmarks
    size = max(plate.pixels.shape[:2])
    full = FullSize(size, lambda q: sample_window(plate.pixels, q[..., 0], q[..., 1],
                                                  cv2.INTER_LINEAR, [0, 1, 2]))
    fitted = lower_lip_fitted(lm, size, full)
    pair = int(np.argmax(np.linalg.norm(fitted - lm[list(LOWER_INNER)], axis=1)))
    gap = lm[UPPER_INNER[pair]] + np.linspace(0, 1, 40)[:, None] * (fitted[pair]
                                                                   - lm[UPPER_INNER[pair]])

    def cavity_share():
        result = render_frame(plate, aus("AU26=5"), LandmarkRig(), face=face,
                              options=RenderOptions(aovs=("generated",)))
        generated = result.plate.pixels[..., result.plate.channels.index("generated.A")]
        return float((sample_points(np.ascontiguousarray(generated), gap[:, 0], gap[:, 1],
                                    cv2.INTER_LINEAR) > 0.5).mean())

    at_the_edge = cavity_share()
    monkeypatch.setattr(teeth_module, "lower_lip_fitted", lambda *args: None)
    at_the_contour = cavity_share()
    assert at_the_edge <= min(0.12, at_the_contour / 2), (at_the_edge, at_the_contour)


def lip_and_teeth(pink_ends: bool, coloured: bool = True):
    """A 200 px crop: a lower inner lip along y = 120 from x = 20 to 180 (21 points), lip below
    it; above it teeth from x = 50 to 150 and, past them, the lip's pink inner side
    (``pink_ends``) or teeth as well. Grey (R = G = B) unless ``coloured``."""
    image = np.zeros((200, 200, 3), np.float32)
    lip, inner, tooth = (0.5, 0.2, 0.25), (0.35, 0.15, 0.18), (0.8, 0.78, 0.72)
    image[120:] = lip
    image[:120] = tooth
    if pink_ends:
        image[:120, :50] = image[:120, 150:] = inner
    if not coloured:
        image[:] = image.mean(-1, keepdims=True)
    lower = np.stack((np.linspace(20, 180, 21), np.full(21, 120.0)), 1)
    return image, lower


def test_no_tooth_lies_where_the_lips_pink_inner_side_fills_the_opening():
    """How deep in from the lower lip no tooth lies (:func:`_no_tooth`): none where teeth reach
    the lip, past the whole search where the lip's pink inner side fills the opening (by an open
    smile's corners: left as shot, it stayed behind as a ghost of the lip when the lip fell) —
    by colour, not light: the inner side is darker than the teeth but still lit. A contour that
    lies on the teeth (its lip sample is teeth) still reads the teeth; a grey plate decides by
    light alone (the inner side here is lit past :data:`TOOTH_LIGHT`: teeth)."""
    from atw_ofx.models.teeth import TOOTH_LIGHT, _in_from, _no_tooth, _sampler

    iod, down = 200.0, np.array([0.0, 1.0])
    search = BAND_SEARCH * iod
    image, lower = lip_and_teeth(pink_ends=True)

    def no_tooth(image, lower, band=None):
        sample = _sampler(image, [0, 1, 2])
        return _no_tooth(_in_from(lower, sample, iod, down), lower, sample, iod, down, band)

    depth = no_tooth(image, lower)
    middle = (lower[:, 0] > 60) & (lower[:, 0] < 140)
    ends = (lower[:, 0] < 45) | (lower[:, 0] > 155)
    assert np.all(depth[middle] <= 1.0)
    assert np.all(depth[ends] >= search)
    # A band of lip found in from the contour is kept as the least depth.
    band = np.full(21, 4.0)
    assert np.all(no_tooth(image, lower, band)[middle] == 4.0)
    # The contour on the teeth: 10 px above their end (its lip sample, 6 px out, on the teeth).
    on_teeth = no_tooth(image, lower - (0.0, 10.0))
    assert np.all(on_teeth[middle] <= 1.0)
    # Grey: the inner side (0.23 of the light against the teeth's 0.77) is lit like teeth at a
    # TOOTH_LIGHT of 0.3 or less, none at more.
    grey, _ = lip_and_teeth(pink_ends=True, coloured=False)
    grey_depth = no_tooth(grey, lower)
    inner_share = grey[100, 10, 0] / grey[100, 100, 0]
    assert (inner_share >= TOOTH_LIGHT) == bool(np.all(grey_depth[ends] <= 1.0))


def test_a_lower_lip_falling_off_a_smile_leaves_no_ghost_of_itself_by_the_corners(shared_data):
    """AU15 on shared face 14's open smile, whose lower lip's pink inner side reaches into the
    opening by the right corner: the lip falls and takes it — no lit, lip-red pixels are held as
    shot in the opening by the corners (the code before held 120 there: a pink ribbon across the
    dark, looked at), while the teeth there still show (lit, not red: they go down with the
    corners, re-sampled, so not bit for bit)."""
    plate, face = as_shot(shared_data, "14.png")
    out = render_frame(plate, aus("AU15=5"), LandmarkRig(), face=face).plate.pixels[..., :3]
    lm = face.landmarks
    polygon = np.concatenate((lm[list(UPPER_INNER)], lm[list(LOWER_INNER)][::-1]))
    inside = np.zeros(out.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round(polygon - 0.5).astype(np.int32)], 1)
    ys, xs = np.nonzero(inside)
    left, right = lm[61], lm[291]
    half = np.linalg.norm(right - left) / 2
    across = (np.stack((xs, ys), 1) + 0.5 - (left + right) / 2) @ (right - left) / (2 * half)
    by_corners = np.abs(across) / half > 0.6
    pixels, shot = out[ys, xs], plate.pixels[ys, xs, :3]
    held = np.all(pixels == shot, 1) & by_corners
    redness = (pixels[:, 0] - pixels[:, 1]) / np.maximum(pixels.sum(1), 1e-9)
    lit = pixels.mean(1) > 0.25 * np.percentile(shot.mean(1), 97)
    lip_like = (redness > 0.25) & lit
    assert (by_corners & lit & (redness < 0.15)).sum() > 50
    assert (held & lip_like).sum() < 20


@pytest.mark.parametrize("clip, index, teeth", [
    ("liveportrait_d20.mp4", 29, False), ("liveportrait_d20.mp4", 149, False),
    ("liveportrait_d0.mp4", 29, True), ("liveportrait_d6.mp4", 360, True),
    ("liveportrait_d12.mp4", 35, True)])
def test_a_lit_tongue_is_not_held_as_teeth(shared_data, clip, index, teeth):
    """A talking mouth on a dark-skinned face (liveportrait_d20) shows a lit tongue and the
    lips' wet inner side, lit as teeth against its dark cheeks: held as teeth (the shot's look
    said it showed them) while AU15 moved the lips, they stood by the corners as pale shards
    over black wedges. What shines is redder than the cheeks, as no tooth is
    (:func:`.mouth.teeth_coloured`): nothing is held, and the shot's look finds no teeth. Mouths
    that show their teeth on other clips (4:2:0 video too) hold them as before."""
    from atw_ofx.face.track import track_faces
    from atw_ofx.models.mouth import teeth_coloured

    plate = clip_frame(shared_data, clip, index)
    face = track_faces([(1, lambda: plate)], source=clip).placement(1)
    result = render_frame(plate, aus("AU15=5"), LandmarkRig(), face=face,
                          options=RenderOptions(aovs=("generated",)))
    generated = result.plate.pixels[..., result.plate.channels.index("generated.A")]
    assert (face.mouth is not None and face.mouth.teeth is not None) == teeth
    # The teeth held while the lips move round them: the opening's pixels as shot, bit for bit
    # (0.3–0.6 of them on these clips; the warp keeps 0.003–0.015 where nothing is held).
    lm = face.landmarks
    polygon = np.concatenate((lm[list(UPPER_INNER)], lm[list(LOWER_INNER)][::-1]))
    inside = np.zeros(plate.pixels.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round(polygon - 0.5).astype(np.int32)], 1)
    ys, xs = np.nonzero(inside)
    held = np.all(result.plate.pixels[ys, xs, :3] == plate.pixels[ys, xs, :3], 1).mean()
    if teeth:
        assert held > 0.2
    else:
        assert held < 0.05 and generated.max() == 0.0
    # Colour cannot tell on a black-and-white plate: it leaves the light to decide.
    grey = np.repeat(plate.pixels[..., :3].mean(-1, keepdims=True), 3, -1)
    assert teeth_coloured(grey.reshape(-1, 3), np.array([0.2, 0.2, 0.2])) == 1.0
    assert teeth_coloured(plate.pixels[..., :1].reshape(-1, 1), np.array([0.2])) == 1.0


def test_the_mouths_dark_by_the_corners_is_in_the_cavitys_hue():
    """The dark the held teeth's opening takes where the lips leave it (a sad or disgusted open
    smile's corners): the opening's darkest as shot in its light, in the hue of the cavity a
    mouth opens into (the cheeks' tinted, as the generated cavity is). Taken as shot it was the
    grey of the teeth's shade, grey card beside warm lips (faces 4, 7, 9 under sad and disgust;
    face 16's mauve; looked at)."""
    from atw_ofx.models.mouth import cavity_colour

    rng = np.random.default_rng(7)
    original = np.full((64, 64, 3), 0.6, np.float32) * np.array([1.0, 0.6, 0.45], np.float32)
    original[16:48, 8:56] = 0.05 + 0.002 * rng.standard_normal((32, 48, 3))  # a grey dark
    shot = np.array([[8.0, 16.0], [56.0, 16.0], [56.0, 48.0], [8.0, 48.0]])
    ys, xs = np.nonzero(np.ones((20, 20), bool))
    cheeks = np.array([0.6, 0.36, 0.27])
    dark = teeth_module._mouth_dark(original, shot, ys + 20, xs + 20, [0, 1, 2],
                                    (cheeks, np.zeros(3)))
    cavity = cavity_colour(cheeks)
    assert dark.mean(0) / dark.mean() == pytest.approx(cavity / cavity.mean(), rel=0.02)
    assert dark.mean() == pytest.approx(min(0.05, teeth_module.DARK_OF_SKIN * cheeks.mean()),
                                        rel=0.05)


def test_the_dark_is_drawn_as_soft_as_the_plate():
    """What hold_teeth draws lacks the blur of a soft plate's edges
    (:func:`~atw_ofx.models.teeth.lacking_softness`: edges of σ 2.5 px lack ~2.5; of σ 0.5 px,
    read as 0.9, less than SOFT_FROM: none), and the dark drawn sharp into the soft one is
    blurred by it over its outline (:func:`~atw_ofx.models.teeth._dark_as_soft_as_the_plate`):
    its edge spreads over several pixels, its middle and what lies far from it as they were."""
    rng = np.random.default_rng(3)
    checks = np.kron(rng.random((9, 9)) > 0.5, np.ones((12, 12)))[:100, :100].astype(np.float32)

    def plate(blur):
        return np.repeat((0.2 + 0.6 * cv2.GaussianBlur(checks, (0, 0), blur))[..., None], 3, 2)

    assert teeth_module.lacking_softness(plate(0.5), [0, 1, 2]) == 0.0
    blur = teeth_module.lacking_softness(plate(2.5), [0, 1, 2])
    assert 2.0 < blur < 3.0
    warped = np.full((100, 100, 3), 0.6, np.float32)
    warped[30:50, 30:50] = 0.05  # the dark as hold_teeth drew it
    before = warped.copy()
    rows, cols = np.nonzero(np.ones((20, 20), bool))
    teeth_module._dark_as_soft_as_the_plate(warped, (30, 30), rows, cols,
                                            np.ones(len(rows), np.float32), [0, 1, 2], blur)
    edge = warped[40, 24:36, 0]  # across the dark's left edge
    assert np.count_nonzero((edge > 0.1) & (edge < 0.55)) >= 4  # 1 px before
    assert np.allclose(warped[:15], before[:15]) and np.allclose(warped[40, 40], 0.05, atol=0.02)


def test_a_smiles_dark_by_the_corners_is_as_soft_as_soft_footage(shared_data):
    """Happy at 1 on a talking clip's open mouth (liveportrait_d6 frame 60, soft video): the
    dark hold_teeth opens by each corner stood as flat wedges cut out of the lips (looked at 6×).
    Blurred as soft as the plate's own edges there, each corner's window reads at least as soft
    as the plate's (:func:`~atw_ofx.models.softness.edge_blur`: 0.85–0.88 of it before)."""
    from atw_ofx.models import softness

    from atw_ofx.edits import preset_vector

    plate = clip_frame(shared_data, "liveportrait_d6.mp4", 59)
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    out = render_frame(plate, preset_vector("happy", 1.0), LandmarkRig(), face=face,
                       options=RenderOptions(aovs=("generated",)))
    generated = out.plate.pixels[..., out.plate.channels.index("generated.A")]
    lm = face.landmarks
    reach = int(0.15 * np.linalg.norm(lm[468] - lm[473]))
    for corner in (61, 291):
        x, y = np.round(lm[corner]).astype(int)
        window = (slice(y - reach, y + reach), slice(x - reach, x + reach))
        assert generated[window].max() > 0.5  # the dark is drawn there
        blur = [softness.edge_blur(softness.display_luma(np.ascontiguousarray(p.rgb()[window])))
                for p in (plate, out.plate)]
        assert blur[1] >= blur[0], blur
