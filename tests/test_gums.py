"""The gums an upper lip uncovers when it rises off the teeth (atw_ofx.models.gums)."""
import dataclasses

import numpy as np
import pytest

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.face import CropBox, face_matte
from atw_ofx.imageio import read_image
from atw_ofx.models.gums import ARCH, GUM_HUE, GUM_LIGHT, GUM_PALEST, gum_colour, tooth_middles
from atw_ofx.models.mouth import LOWER_INNER, UPPER_INNER
from atw_ofx.models.rig import LandmarkRig
from atw_ofx.models.teeth import HeldTeeth, contours, hold_teeth, on_the_lip
from atw_ofx.render import RenderOptions, render_frame
from test_teeth import opening_of

N = LandmarkRig.resolution
K = 4  # crop px per grid px in the synthetic case
LIP = np.array([0.5, 0.2, 0.2], np.float32)
TOOTH, LINE, PITCH = 0.8, 0.02, 24  # the teeth's light, the lines between them, every 24 px


def aus(*items):
    return au_vector(parse_au_assignments(list(items)))


def lifted_case(lifted: float):
    """A 64 px grid seen on a 256 px crop: a lip (one colour) above y 24, teeth below it (light,
    a dark line between two every 24 crop px), an opening from x 10 to 54 down to y 36 whose
    upper lip the edit raised 6 grid px (its corners a little less), and how much that lip's
    middle rose off the teeth (``lifted``)."""
    xs = np.linspace(10, 54, len(UPPER_INNER))
    u = np.abs(xs - 32) / 22
    shot = opening_of(xs, np.full_like(xs, 24.0), np.full_like(xs, 36.0))
    now = opening_of(xs, 24.0 - 6.0 * (1 - 0.5 * u ** 2), np.full_like(xs, 36.0))
    columns = np.where(np.arange(256) % PITCH < 2, LINE, TOOTH).astype(np.float32)
    plate = np.broadcast_to(columns[None, :, None], (256, 256, 3)).copy()
    plate[:24 * K] = LIP
    upper_body = np.stack((np.linspace(16, 48, 9), np.full(9, 20.0)), 1)
    lip_body = np.concatenate((upper_body, upper_body))  # (the lower lip's: the same lip)
    teeth = HeldTeeth(shot, now, np.array([0.0, 1.0]), 64, 1.0, 40.0, lip=lip_body,
                      lifted=lifted)
    return plate, teeth


def test_a_lip_raised_off_the_teeth_uncovers_gums_arched_over_each_tooth():
    """Between the risen lip and the teeth as shot: gum in the lip's colour made redder, at most
    GUM_LIGHT of its light (in the lip's shade under it), generated; the gum line arches over
    each tooth (higher over its middle than over the line between two, by ARCH of the
    inter-ocular distance) with the crown continued under it; the teeth below their top as shot
    are the plate's, bit for bit."""
    plate, teeth = lifted_case(lifted=1.0)
    out, generated = hold_teeth(np.full_like(plate, 0.5), plate, teeth, (0, 1, 2))
    mask = generated.full(256)
    band = (slice(19 * K, 22 * K), slice(20 * K, 44 * K))
    gum = out[band].reshape(-1, 3)
    assert np.all(mask[band] > 0.9)
    assert np.allclose(gum[:, 0] / gum[:, 1], (LIP[0] / LIP[1]) ** GUM_HUE, rtol=0.15)
    assert 0.3 * LIP.mean() < gum.mean() < GUM_LIGHT * LIP.mean()
    # The gum line: the lowest row of each column where the gum's red shows.
    is_gum = out[..., 0] > 1.8 * out[..., 1]
    rows = np.arange(256)[:, None]

    def gum_line(col):
        return int(np.max(np.where(is_gum[:, col] & (rows[:, 0] > 18 * K), rows[:, 0], 0)))

    middles = [c for c in range(22 * K, 42 * K) if c % PITCH == PITCH // 2 + 1]
    lines = [c for c in range(22 * K, 42 * K) if c % PITCH == 0]
    arch = ARCH * 40.0 * K
    assert np.mean([gum_line(c) for c in lines]) - np.mean([gum_line(c) for c in middles]) \
        > 0.6 * arch
    # Under the gum over a tooth's middle, the crown: light, its own column's.
    crown_row = 24 * K - int(0.4 * arch)
    assert np.all(out[crown_row, middles, 0] > 0.5 * TOOTH)
    # The teeth as shot below their top (past the margin the contour may lie on the lip).
    teeth_rows = (slice(25 * K, 34 * K), slice(24 * K, 40 * K))
    assert np.array_equal(out[teeth_rows], plate[teeth_rows])


def test_a_shadowed_mouths_gums_are_no_lighter_than_its_teeth_allow():
    """The same lip over teeth in shade: at 0.44 of their light (still lighter than the lip) the
    gums, in the lip's light brighter than GUM_OF_TEETH of the teeth's, are held to it, their
    hue kept; at a twentieth (a talking mouth's dark, darker than the lip: no teeth show) none
    are drawn — the crowns' shade goes on up to the lip (in the lip's light an orange arc stood
    in the dark, dimmed a brown stripe). Lit teeth: as before (at most GUM_LIGHT of the lip's)."""
    from atw_ofx.models.gums import GUM_OF_TEETH

    plate, teeth = lifted_case(lifted=1.0)
    band = (slice(19 * K, 22 * K), slice(20 * K, 44 * K))

    def gum_in(shade):
        shadowed = plate.copy()
        shadowed[24 * K:] *= shade
        out, _ = hold_teeth(np.full_like(plate, 0.5), shadowed, teeth, (0, 1, 2))
        return out[band].reshape(-1, 3)

    lit, dim, dark = gum_in(1.0), gum_in(0.44), gum_in(0.05)
    assert GUM_OF_TEETH * 0.44 * TOOTH < lit.mean() < GUM_LIGHT * LIP.mean()
    assert dim.mean() <= GUM_OF_TEETH * 0.44 * TOOTH * 1.05
    assert np.allclose(dim.mean(0) / dim.mean(), lit.mean(0) / lit.mean(), rtol=0.05)
    assert dark.mean() <= 0.05 * TOOTH * 1.05  # the crowns' shade, no lighter
    assert dark[:, 0].mean() / dark[:, 1].mean() < 1.2  # no gum's red


def test_no_gums_where_the_lips_middle_does_not_rise_off_the_teeth():
    """The same opening with the lip's middle not lifted (a smile's corners slide up along the
    teeth): no gum is drawn — the band is what the teeth's stretch and the warp make of it."""
    plate, teeth = lifted_case(lifted=0.0)
    out, _ = hold_teeth(np.full_like(plate, 0.5), plate, teeth, (0, 1, 2))
    band = out[19 * K:22 * K, 20 * K:44 * K].reshape(-1, 3)
    assert not np.any(band[:, 0] > 1.8 * band[:, 1])


def test_tooth_middles_are_found_between_the_lines_and_flat_without_teeth():
    """Along a row of teeth: 0 on the lines between two, 1 half way, rounded like an arch; 0.5
    all along where nothing tells teeth apart (a soft plate)."""
    columns = np.where(np.arange(200) % PITCH < 2, LINE, TOOTH).astype(np.float32)
    plate = np.broadcast_to(columns[None, :, None], (40, 200, 3)).copy()
    xs = np.arange(30.0, 170.0)
    along, down = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    middles = tooth_middles(plate, [0, 1, 2], xs, np.full_like(xs, 20.0), along, down, 160.0)
    at = lambda x: middles[int(x - xs[0])]  # noqa: E731
    for line in (48, 72, 96, 120, 144):  # (2 px wide: its middle at +1, a pixel's edge)
        assert at(line + 1) < 0.2, line
        assert at(line + 1 + PITCH / 2) > 0.95
    assert at(49 + PITCH / 4) > 0.75  # a quarter of a tooth in: an arch, not a tent (0.84)
    flat = tooth_middles(np.full((40, 200, 3), 0.5, np.float32), [0, 1, 2], xs,
                         np.full_like(xs, 20.0), along, down, 160.0)
    assert np.all(flat == 0.5)
    # Pale teeth close together: the lines between them only ~0.25 darker (natural log; face
    # 14's part by 0.23–0.29) are still lines — missed, the arches spanned several teeth over
    # one flat pale band.
    faint = np.where(np.arange(200) % PITCH < 4, TOOTH * np.exp(-0.3), TOOTH).astype(np.float32)
    plate = np.broadcast_to(faint[None, :, None], (40, 200, 3)).copy()
    middles = tooth_middles(plate, [0, 1, 2], xs, np.full_like(xs, 20.0), along, down, 160.0)
    for line in (48, 72, 96, 120, 144):  # (4 px wide: its middle at +2)
        assert at(line + 2) < 0.3, line
        assert at(line + 2 + PITCH / 2) > 0.9


@pytest.mark.parametrize("name", ["14.png", "16.png"])
def test_a_shared_smiles_lip_raised_shows_gums_and_its_teeth_as_shot(shared_data, name):
    """AU10 at 5 on a shared open smile: the rig says the lip's middle rose off the teeth (a
    smile's AU12 does not); the middle teeth are the plate's own pixels, bit for bit; right
    above them, where the lip was, generated gum — redder than the teeth and darker (the warp
    there was the teeth moved up with the lip, or, held, the lip stretched over them)."""
    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    mesh = CropBox.from_landmarks(face.landmarks).to_crop(face.landmarks, N)

    def lifted(edit):
        _, interior = LandmarkRig().field_and_interior(mesh, aus(edit), face_matte(mesh, N))
        return [r.lifted for r in interior or () if isinstance(r, HeldTeeth)]

    assert lifted("AU10=5") == [pytest.approx(1.0)]
    assert lifted("AU12=5") == [0.0]
    result = render_frame(plate, aus("AU10=5"), LandmarkRig(), face=face,
                          options=RenderOptions(aovs=("generated",)))
    out = result.plate.pixels
    lm = face.landmarks
    upper, lower = lm[list(UPPER_INNER)], lm[list(LOWER_INNER)]
    iod = float(np.linalg.norm(lm[473] - lm[468]))
    generated = out[..., result.plate.channels.index("generated.A")]
    teeth_light, gum = [], []
    for pair in (4, 5, 6):
        x, y = np.round(upper[pair] + 0.55 * (lower[pair] - upper[pair]) - 0.5).astype(int)
        window = (slice(y - 2, y + 3), slice(x - 2, x + 3), slice(0, 3))
        if pair < 6:  # (by face 16's right corner the teeth's upper half may stretch a little)
            assert np.array_equal(out[window], plate.pixels[window]), pair
        teeth_light.append(plate.pixels[window].mean())
        gx, gy = np.round(upper[pair] - [0.0, 0.06 * iod] - 0.5).astype(int)
        assert generated[gy, gx] > 0.9, pair
        gum.append(out[gy, gx, :3])
    gum = np.array(gum)
    assert np.all(gum[:, 0] > 1.3 * gum[:, 1]) and gum.mean() < 0.7 * np.mean(teeth_light)


def test_a_held_teeth_region_without_the_lip_draws_no_gums():
    """A region made without the lip's body (``lip`` None: older callers) leaves the band to
    the teeth's stretch and the warp, as before gums were drawn."""
    plate, teeth = lifted_case(lifted=1.0)
    out, _ = hold_teeth(np.full_like(plate, 0.5), plate,
                        dataclasses.replace(teeth, lip=None), (0, 1, 2))
    band = out[19 * K:22 * K, 20 * K:44 * K].reshape(-1, 3)
    assert not np.any(band[:, 0] > 1.8 * band[:, 1])


@pytest.mark.parametrize("contour, sheen", [(25.5, False), (22.0, False), (22.0, True)])
def test_a_rising_lip_is_fitted_to_its_own_edge_over_the_teeth(contour, sheen):
    """The lip's edge over the teeth lies at y 24 (grid px): the mesh's upper contour lies 1.5 px
    on the teeth (25.5) or 2 on the lip (22). Fitted (:func:`on_the_lip`), the opening's upper lip
    goes out to the edge where it lay on the teeth (what it left of them went up with the lip as
    a pale strip over the gums; faces 14, 16), and the lip's band carried up is the lip alone,
    a crop px short of the teeth, where it lay on the lip — also past a pale sheen on the lip
    (a light band with the lip's red past it is no tooth's edge)."""
    plate, teeth = lifted_case(lifted=1.0)
    if sheen:  # a pale light band across the lip, 3 grid px above its edge
        plate[18 * K:20 * K] = 0.75
    xs = np.linspace(10, 54, len(UPPER_INNER))
    teeth = dataclasses.replace(teeth, shot=opening_of(xs, np.full_like(xs, contour),
                                                       np.full_like(xs, 36.0)))
    teeth = dataclasses.replace(teeth, polygon=teeth.shot - np.array([0.0, 6.0]))
    fitted = on_the_lip(teeth, plate, (0, 1, 2), np.zeros((2, 64, 64), np.float32))
    upper = contours(fitted.shot)[0]
    middle = np.abs(upper[:, 0] - 32) < 8
    if contour > 24:
        assert np.allclose(upper[middle, 1], 24.0, atol=0.3)
        assert np.allclose(contours(fitted.polygon)[0][middle, 1], 24.0, atol=0.3)
        assert fitted.upper_band is None or fitted.upper_band[middle].max() < 0.3
    else:
        assert np.allclose(upper[middle, 1], contour)  # on the lip: it stays
        assert fitted.upper_band is not None
        assert np.allclose(fitted.upper_band[middle], 2.0 - 1.0 / K, atol=0.3)


def test_the_crowns_are_continued_over_their_tops_in_the_lips_shade():
    """The teeth's tops as shot lay in the lip's shade (their first 4 crop px, half as light):
    raised off them, the crowns are continued down to where they are read, below that shade —
    left as shot, it was a dark seam across the teeth under the continued crowns (faces 0, 14
    under AU10, looked at 4×). Down a tooth's middle, from the gum into the tooth, the light
    only rises."""
    plate, teeth = lifted_case(lifted=1.0)
    plate[24 * K:24 * K + 4] *= 0.5  # the lip's shade on the teeth's tops
    out, _ = hold_teeth(np.full_like(plate, 0.5), plate, teeth, (0, 1, 2))
    light = out[:, 32 * K + PITCH // 2 - 4].mean(-1)  # down a tooth's middle
    down_it = light[23 * K:26 * K]  # from the gum into the tooth
    assert down_it[-1] > 0.9 * TOOTH
    assert np.all(np.diff(down_it) > -0.02)


def test_a_mouth_whose_lip_edge_is_ambiguous_is_not_fitted():
    """A blurred talking mouth: under the lip (above y 24, grid px) a faint upper row shows over
    the middle only, then a dark line, then a bright lower row from corner to corner. The edge
    followed from the corners is the lower row's top; over the middle it passes the upper row
    by — the lip is not fitted there (its band taken up with it, the upper teeth went up with
    the lip and gum was drawn across the mouth: liveportrait_d11 under AU10)."""
    plate, teeth = lifted_case(lifted=1.0)
    teeth = dataclasses.replace(teeth, iod=30.0)
    plate[24 * K:36 * K] = LIP * 0.6  # the mouth's dark, lip-coloured
    plate[24 * K:int(26.5 * K), 27 * K:37 * K] = 0.5  # the faint upper row, over the middle
    plate[27 * K:36 * K] = TOOTH  # the bright lower row
    fitted = on_the_lip(teeth, plate, (0, 1, 2), np.zeros((2, 64, 64), np.float32))
    upper = contours(fitted.shot)[0]
    middle = np.abs(upper[:, 0] - 32) < 5
    assert np.allclose(upper[middle, 1], 24.0)
    assert fitted.upper_band is None or fitted.upper_band[middle].max() < 1.0 / K


def test_gums_are_the_lips_colour_redder_but_never_a_lipsticks():
    """Natural lips' gums: the lip's balance raised to GUM_HUE at GUM_LIGHT of its light, pink
    (no less blue than green: a salmon lip's orange drew orange gums, looked at); a lipstick's
    red against the skin is held to GUM_PALEST in its weakest channel (scarlet gums, looked at),
    the gum's light kept."""
    skin = np.array([0.45, 0.3, 0.25])
    mauve = np.array([0.4, 0.2, 0.22])  # a natural lip, a little redder than the skin
    gum = gum_colour(mauve, skin)
    balance = (mauve / mauve.mean()) ** GUM_HUE
    assert np.allclose(gum, GUM_LIGHT * mauve.mean() * balance / balance.mean(), rtol=1e-5)
    lip = np.array([0.4, 0.22, 0.2])  # salmon: less blue than green
    gum = gum_colour(lip, skin)
    assert gum[2] == pytest.approx(gum[1], rel=1e-5)
    balance = (lip / lip.mean()) ** GUM_HUE
    balance[2] = balance[1]
    assert np.allclose(gum, GUM_LIGHT * lip.mean() * balance / balance.mean(), rtol=1e-5)
    assert np.allclose(gum_colour(lip), gum, rtol=1e-5)  # (no skin: the same)
    lipstick = np.array([0.3, 0.03, 0.03])
    red = gum_colour(lipstick, skin)
    over_skin = (red / red.mean()) / (skin / skin.mean())
    assert over_skin.min() == pytest.approx(GUM_PALEST, rel=0.05)
    assert red.mean() == pytest.approx(GUM_LIGHT * lipstick.mean(), rel=1e-5)


@pytest.mark.parametrize("name", ["12.png", "2.png", "5.png"])
def test_gums_are_drawn_from_the_lips_own_colour_not_a_moustache_or_their_shade(
        shared_data, name, monkeypatch):
    """AU10 at 5 on shared open smiles: the gums are drawn in a colour redder than the cheeks and
    at least half their light. Read in the upper lip's body alone, under face 12's moustache
    they took its hair (a flat grey-mauve hole, 0.08 redder and 0.31 of the cheeks' light), and
    on face 2, whose upper lip faces down into its own shade, 0.35 of the light (a dark
    brown-red band); face 5's glossy lower lip alone reads its sheen (lavender): the hue of the
    redder lip, the light of the lighter (:func:`.gums.lips_for_gums`)."""
    from atw_ofx.models import gums
    from atw_ofx.models.base import redness

    drawn = []
    colour_of = gums.gum_colour

    def recorded(lip, skin=None):
        drawn.append((colour_of(lip, skin), skin))
        return drawn[-1][0]

    monkeypatch.setattr(gums, "gum_colour", recorded)
    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    render_frame(plate, aus("AU10=5"), LandmarkRig(), face=face)
    assert drawn  # the lip rose off the teeth and uncovered gums
    for gum, cheeks in drawn:
        assert redness(gum) > redness(cheeks) + 0.15
        assert gum.mean() > 0.5 * cheeks.mean()


def test_the_gums_have_a_stipple_fixed_to_the_face(monkeypatch):
    """Flat, the gum band read as a coral strip painted on: it has the attached gum's stipple,
    about its light — on a plate with no fine detail (the lip one colour, no grain) the gum
    varies pixel by pixel against the same band made with STIPPLE at 0, its mean kept — and the
    same stipple on the same pixels however often the band is made (a fixed pattern in the
    face's frame, not seeded per frame). (A face whose inter-ocular distance is 240 crop px:
    the pattern's px 1.2 of the image's, whole.)"""
    from atw_ofx.models import gums

    plate, teeth = lifted_case(lifted=1.0)
    teeth = dataclasses.replace(teeth, iod=60.0)
    band = (slice(19 * K + 2, 21 * K), slice(20 * K, 44 * K))  # gum only, above the arches

    def gum():
        return hold_teeth(np.full_like(plate, 0.5), plate, teeth, (0, 1, 2))[0][band]

    stippled = gum()
    assert np.array_equal(stippled, gum())
    monkeypatch.setattr(gums, "STIPPLE", 0.0)
    ratio = (stippled / gum()).mean(-1)
    assert ratio.std() > 0.02 and abs(ratio.mean() - 1.0) < 0.02


def test_the_gum_line_is_as_soft_as_the_plate():
    """On a soft plate (the synthetic smile blurred by σ 3 crop px) the gum line is drawn as
    soft: down a tooth's middle the gum gives way to the crown over a dozen rows (1–2 on the
    sharp one, as before; drawn sharp into soft footage the gums stood as a coral sticker laid
    over the teeth, liveportrait_d6 frame 60 under disgust, looked at 6×)."""
    import cv2

    def ramp_rows(plate):
        out, _ = hold_teeth(np.full_like(plate, 0.5), plate, teeth, (0, 1, 2))
        ratio = out[..., 0] / np.maximum(out[..., 1], 1e-6)
        col = ratio[18 * K:25 * K, 22 * K + PITCH // 2 + 1]  # a tooth's middle
        gum, crown = col.max(), col[-1]
        return np.count_nonzero((col > crown + 0.1 * (gum - crown))
                                & (col < gum - 0.1 * (gum - crown)))

    plate, teeth = lifted_case(lifted=1.0)
    assert ramp_rows(plate) <= 2
    assert ramp_rows(cv2.GaussianBlur(plate, (0, 0), 3.0)) >= 6


def test_by_rising_corners_the_lips_own_band_goes_up_with_it_not_stretched_over_the_teeth():
    """The mesh's upper contour lies 2 grid px on the lip (at y 22; the lip's edge over the
    teeth at 24) and a smile's corners rise (up to 8 grid px; the lip's middle not off the
    teeth). By the corners the lip's band goes up with the lip, whole, and the teeth are
    stretched from the lip's own edge — stretched from the contour, the band was drawn down over
    the teeth into streaks of lip (a moustache over it: face 12 under happy; a second lip under
    the lip: face 18; looked at 2×)."""
    plate, teeth = lifted_case(lifted=0.0)
    xs = np.linspace(10, 54, len(UPPER_INNER))
    u = np.abs(xs - 32) / 22
    shot = opening_of(xs, np.full_like(xs, 22.0), np.full_like(xs, 36.0))
    now = opening_of(xs, 22.0 - 8.0 * u ** 2, np.full_like(xs, 36.0))
    teeth = dataclasses.replace(teeth, shot=shot, polygon=now, lip=None)
    fitted = on_the_lip(teeth, plate, (0, 1, 2), np.zeros((2, 64, 64), np.float32))
    assert fitted.upper_band is not None
    out, _ = hold_teeth(np.full_like(plate, 0.5), plate, fitted, (0, 1, 2))
    for column in (195, 15 * K):  # by the right corner and the left, where the lip lies flat
        top = int(np.ceil((22.0 - 8.0 * ((column / K - 32) / 22) ** 2) * K))  # the lip now
        colour = out[:, column]
        lip_coloured = colour[:, 0] > 1.8 * colour[:, 1]
        assert lip_coloured[top + 1:top + 2 * K - 4].all(), column  # its band, moved up whole
        assert not lip_coloured[top + 2 * K + 1:30 * K].any(), column  # none drawn down
        assert (colour[top:30 * K, 0] > 0.9 * TOOTH).sum() > 4 * K  # the teeth, stretched up
