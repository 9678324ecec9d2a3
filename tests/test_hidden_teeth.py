"""The upper teeth a closed mouth hides, generated under its upper lip when AU25/AU26 open it:
where they are (on the skull, their edge under the lips' seam as shot), how they are drawn
(tooth by tooth, darker back from the middle ones) and coloured (the cheeks' balance, partly),
and only for a mouth that hid them."""
import numpy as np
import pytest

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.models import hidden_teeth, mouth
from atw_ofx.models.hidden_teeth import BOUNDS, EDGE_BELOW_SEAM
from atw_ofx.models.mouth import fill_region, mouth_field
from atw_ofx.models.rig import LandmarkRig
from atw_ofx.render import RenderOptions, render_frame

N = 128


def aus(*items):
    return au_vector(parse_au_assignments(list(items)))


def shared_face(shared_data, name):
    from atw_ofx.face import CropBox
    from atw_ofx.imageio import read_image

    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    return plate, face, CropBox.from_landmarks(face.landmarks).to_crop(face.landmarks, N)


def test_teeth_are_drawn_tooth_by_tooth_down_to_their_edge():
    """On a 200×60 opening with a straight edge at row 30, the midline at x = 100 and an IOD of
    250 px: teeth down to the edge (anti-aliased over a pixel), none below; mirrored about the
    midline; a dark line at the midline and between the teeth (:data:`BOUNDS`, IOD); the middle
    teeth lighter than the ones behind them; none by the corners; the upper lip's shade on
    their tops. With crowns shorter than the opening (an IOD of 120 px), gum above them."""
    inside = np.ones((60, 201), bool)
    xs = np.concatenate((np.linspace(0.5, 100.5, 17), np.linspace(100.5, 200.5, 17)[1:]))
    edge = np.stack((xs, np.full_like(xs, 30.0)), 1)
    iod = 250.0
    light, weight, gum = hidden_teeth.draw(inside, edge, iod)
    assert not gum.any()  # crowns (0.16 IOD = 40 px) taller than the opening
    middle_tooth = 100 + int(0.5 * BOUNDS[1] * iod)
    assert weight[:29, middle_tooth].min() == 1.0 and weight[31:].max() == 0.0
    assert 0.0 < weight[29, middle_tooth] <= 1.0 and weight[30, middle_tooth] == 0.0
    assert np.allclose(light, light[:, ::-1], atol=1e-6)
    row = light[20]
    for bound in BOUNDS[:3]:
        at = 100 + int(round(bound * iod))
        assert row[at] < 0.75 * row[at + 5]
        assert bound == 0.0 or row[at] < 0.75 * row[at - 5]
    assert row[middle_tooth] > 2.0 * row[100 + 90]
    assert weight[20, 100 + 99] < 0.05 * weight[20, middle_tooth]
    assert light[0, middle_tooth] < 0.6 * light[20, middle_tooth]
    # Crowns of 0.16 × 120 px: gum above them, its line highest over a tooth's middle.
    iod = 120.0
    crown = hidden_teeth.CROWN * iod
    _, weight, gum = hidden_teeth.draw(inside, edge, iod)
    middle_tooth = 100 + int(0.5 * BOUNDS[1] * iod)
    assert gum[:int(30 - crown) - 1, middle_tooth].min() == 1.0
    assert gum[int(30 - crown) + 1:, middle_tooth].max() == 0.0
    assert weight[:29, middle_tooth].min() == 1.0  # (gum or tooth, drawn)
    between_two = 100 + int(round(BOUNDS[1] * iod))
    assert gum[int(30 - crown) + 1, between_two] > 0.0  # the papilla comes down


def test_the_teeth_stay_with_the_skull_under_the_lips_seam(shared_data):
    """A closed mouth (shared face 13): the teeth's edge lies :data:`EDGE_BELOW_SEAM` IOD under
    the lips' seam as shot at the middle, whatever the jaw does; a mouth that shows its own has
    none, nor one opened with ``hidden`` 0."""
    _, _, mesh = shared_face(shared_data, "13.png")
    assert mouth.teeth_hidden(mesh) == 1.0
    iod = float(np.linalg.norm(mesh[473] - mesh[468]))
    edges = [mouth_field(mesh, 5.0, au26, N, hidden=1.0)[1].teeth.edge for au26 in (0.0, 2.0, 5.0)]
    assert np.allclose(edges[0], edges[1]) and np.allclose(edges[0], edges[2])
    middle = edges[0][len(edges[0]) // 2]
    seam = (mesh[13] + mesh[14]) / 2
    down = np.array([-(mesh[473] - mesh[468])[1], (mesh[473] - mesh[468])[0]]) / iod
    assert abs((middle - seam) @ down / iod - EDGE_BELOW_SEAM) < 0.005
    assert abs(middle[0] - mesh[13][0]) < 0.05 * iod  # on the midline
    assert mouth_field(mesh, 5.0, 5.0, N)[1].teeth is None
    _, _, smile = shared_face(shared_data, "11.png")
    assert mouth.teeth_hidden(smile) == 0.0
    # The lower ones come down with the jaw: at the middle by its whole drop.
    lowers = [mouth_field(mesh, 5.0, au26, N, hidden=1.0)[1].teeth.lower for au26 in (0.0, 5.0)]
    middle = len(lowers[0]) // 2
    drop = (lowers[1][middle] - lowers[0][middle]) @ down / iod
    assert abs(drop - mouth.JAW_AU26) < 0.015  # (the jaw's profile: the midline is off-centre)
    assert abs((lowers[0][middle] - seam) @ down / iod
               - hidden_teeth.LOWER_EDGE_BELOW_SEAM) < 0.005


def test_lower_teeth_show_where_the_lower_lip_comes_down_past_them(shared_data):
    """The lower teeth show as far as the lower lip comes down further than the jaw takes them:
    under AU25 (the lip's depressor) at their middle; under AU26 alone (the lip on the jaw) not
    at all; the upper ones show under both."""
    from atw_ofx.models.mouth import region_mask

    _, _, mesh = shared_face(shared_data, "13.png")
    size = 1024
    shown = {}
    for au25, au26 in ((5.0, 0.0), (0.0, 5.0), (5.0, 2.0)):
        _, interior = mouth_field(mesh, au25, au26, N, hidden=1.0)
        inside = region_mask(interior, size) > 0.5
        k = size / interior.grid
        shown[au25, au26] = [float(hidden_teeth.draw(inside, edge * k, interior.teeth.iod * k,
                                                      lower)[1].sum())
                             for edge, lower in ((interior.teeth.edge, False),
                                                 (interior.teeth.lower, True))]
    assert all(upper > 200 for upper, _ in shown.values())
    assert shown[5.0, 0.0][1] > 200 and shown[5.0, 2.0][1] > 200
    assert shown[0.0, 5.0][1] == 0.0


def test_the_teeth_take_the_cheeks_balance_in_part(shared_data):
    """Filled on flat plates: on a grey one the teeth are grey; on a skin-coloured one their
    balance is the skin's raised to :data:`~.hidden_teeth.FOLLOW` times
    :data:`~.hidden_teeth.TINT`; lighter than the cavity under them."""
    _, _, mesh = shared_face(shared_data, "13.png")
    _, interior = mouth_field(mesh, 5.0, 5.0, N, hidden=1.0)
    size = 1024
    k = size / interior.grid
    x = int(round(interior.teeth.edge[len(interior.teeth.edge) // 2 + 4, 0] * k))
    skin = np.array([1.0, 0.6, 0.45], np.float32)
    for balance in (np.ones(3, np.float32), skin):
        plate = np.full((size, size, 3), 0.3, np.float32) * balance
        out, generated = fill_region(plate.copy(), plate, interior, (0, 1, 2))
        rows = np.flatnonzero(generated.full(size)[:, x] > 0.99)
        edge = interior.teeth.edge[len(interior.teeth.edge) // 2 + 4, 1] * k
        teeth = out[rows[(rows > rows[0] + 0.5 * (edge - rows[0])) & (rows < edge - 1)], x]
        below = out[rows[(rows > edge + 3) & (rows < edge + 8)], x]
        assert len(teeth) >= 3 and len(below) >= 3
        assert teeth.mean() > 2.0 * below.mean()
        expected = balance / balance.mean()
        expected = expected ** hidden_teeth.FOLLOW * np.asarray(hidden_teeth.TINT) \
            if balance is skin else expected
        mean = teeth.mean(0)
        assert np.allclose(mean / mean.mean(), expected / expected.mean(), rtol=0.05)


def _teeth_on_a_flat_plate(mesh, plate, lit=0.0):
    """The mean colour (``3``) down a middle tooth's lit front, drawn by :func:`fill_region` on
    ``plate`` (``1024²×3``) under AU25 + AU26 at 5, teeth shining ``lit`` between the lips."""
    _, interior = mouth_field(mesh, 5.0, 5.0, N, hidden=1.0, lit=lit)
    k = plate.shape[0] / interior.grid
    middle = interior.teeth.edge[len(interior.teeth.edge) // 2 + 4]
    x, edge = int(round(middle[0] * k)), middle[1] * k
    out, generated = fill_region(plate.copy(), plate, interior, (0, 1, 2))
    rows = np.flatnonzero(generated.full(plate.shape[0])[:, x] > 0.99)
    return out[rows[(rows > rows[0] + 0.5 * (edge - rows[0])) & (rows < edge - 1)], x].mean(0)


def _teeth_between_the_lips(mesh, skin, teeth, size=1024):
    """A flat ``size``² plate of ``skin`` (linear RGB) with teeth of colour ``teeth`` in a band
    round the lips' seam of ``mesh`` (on the ``N`` grid): their gap on the face is a few
    pixels."""
    import cv2

    plate = np.broadcast_to(np.asarray(skin, np.float32), (size, size, 3)).copy()
    between = np.concatenate((mesh[list(mouth.UPPER_INNER)],
                              mesh[list(mouth.LOWER_INNER)][-2:0:-1])) * size / N
    centre = between.mean(0)
    cv2.rectangle(plate, tuple(np.round(centre - (60, 3)).astype(int)),
                  tuple(np.round(centre + (60, 3)).astype(int)),
                  np.asarray(teeth, np.float64).tolist(), -1)
    return plate


def test_teeth_stand_lighter_against_darker_cheeks(shared_data):
    """Teeth are about as light whatever the skin: against the cheeks' light they are drawn
    :func:`~.hidden_teeth.darker_skin_lift` lighter as the cheeks darken below
    :data:`~.hidden_teeth.SKIN_MEDIAN` (as the shared open smiles' real teeth are), by at most
    :data:`~.hidden_teeth.DARKER_MOST` (a plate exposed down); lighter cheeks keep the level."""
    _, _, mesh = shared_face(shared_data, "13.png")
    skin = np.array([1.0, 0.6, 0.45], np.float32)
    skin /= skin.mean()
    ratio = {}
    for light in (0.7, hidden_teeth.SKIN_MEDIAN, 0.2, 0.02):
        plate = np.full((1024, 1024, 3), light, np.float32) * skin
        ratio[light] = float(_teeth_on_a_flat_plate(mesh, plate).mean()) / light
    median = ratio[hidden_teeth.SKIN_MEDIAN]
    assert ratio[0.7] == pytest.approx(median, rel=0.01)
    assert ratio[0.2] / median == pytest.approx(
        (0.2 / hidden_teeth.SKIN_MEDIAN) ** -hidden_teeth.DARKER_SLOPE, rel=0.02)
    assert ratio[0.2] / median > 1.35
    assert ratio[0.02] / median == pytest.approx(hidden_teeth.DARKER_MOST, rel=0.02)


def test_teeth_glimpsed_in_the_lips_shade_keep_their_colour_at_the_drawn_light(shared_data):
    """Teeth a closed mouth shows only between its lips, darker there than the drawn teeth's
    light (in the lips' shade): uncovered they take their colour at that light, not their
    shade (the official portrait's teeth were drawn grey under AU10)."""
    _, _, mesh = shared_face(shared_data, "13.png")
    # Skin as red as lips (teeth are the least red between the lips: mouth.TEETH_REDNESS).
    own = np.array([0.16, 0.17, 0.19], np.float32)  # a bluish white, in shade
    plate = _teeth_between_the_lips(mesh, (0.3, 0.15, 0.12), own)
    tinted, glimpsed = (_teeth_on_a_flat_plate(mesh, plate, lit) for lit in (0.0, 1.0))
    assert glimpsed.mean() == pytest.approx(tinted.mean(), rel=0.03)
    assert np.allclose(glimpsed / glimpsed.mean(), own / own.mean(), rtol=0.03)


@pytest.mark.parametrize("name", ["13.png", "6.png"])
def test_a_closed_mouth_opened_shows_its_upper_teeth(shared_data, name, monkeypatch):
    """Shared closed mouths under AU25 + AU26 at 5: under the upper lip's middle the opening is
    light (the teeth, at least half the cheeks' light), the cavity under them dark; without the
    teeth it was dark right up to the lip."""
    plate, face, _ = shared_face(shared_data, name)
    lm = face.landmarks
    skin = np.mean([plate.pixels[int(y) - 4:int(y) + 5, int(x) - 4:int(x) + 5, :3].mean()
                    for x, y in lm[list(mouth.SKIN_POINTS)]])

    def under_the_lip():
        result = render_frame(plate, aus("AU25=5", "AU26=5"), LandmarkRig(), face=face,
                              options=RenderOptions(aovs=("generated",)))
        generated = result.plate.pixels[..., result.plate.channels.index("generated.A")]
        x = int(round(lm[13][0] + 0.06 * (lm[308][0] - lm[78][0])))  # a central incisor
        rows = np.flatnonzero(generated[:, x] > 0.99)
        column = result.plate.pixels[rows, x, :3].mean(-1)
        iod = float(np.linalg.norm(lm[473] - lm[468]))
        band = column[int(0.02 * iod):int(0.035 * iod)]
        return band.mean() / skin, column[int(0.08 * iod):int(0.12 * iod)].mean() / skin

    teeth, cavity = under_the_lip()
    assert teeth > 0.5 and cavity < 0.3, (teeth, cavity)
    monkeypatch.setattr(mouth, "teeth_hidden", lambda mesh: 0.0)
    assert under_the_lip()[0] < 0.3


def test_teeth_that_shine_between_the_lips_as_shot_lend_their_colour(shared_data):
    """Teeth lit between barely parted lips (``lit`` 1) are drawn in their own colour — the
    brightest between the lips as shot, at the drawn teeth's light — not the cheeks' tint (a
    talking mouth's teeth went grey-green in the frames they were drawn over its white ones)."""
    _, _, mesh = shared_face(shared_data, "13.png")
    own = np.array([0.5, 0.55, 0.6])
    plate = _teeth_between_the_lips(mesh, (0.3, 0.18, 0.135), own)
    columns = {lit: _teeth_on_a_flat_plate(mesh, plate, lit) for lit in (0.0, 1.0)}
    assert np.allclose(columns[1.0] / columns[1.0].mean(), own / own.mean(), rtol=0.03)
    assert columns[0.0][0] > columns[0.0][2]  # the cheeks' warm tint without
    # At the drawn teeth's light: the middle ones' lit front at the plate's brightest.
    assert 0.6 * own.mean() < columns[1.0].mean() < 1.05 * own.mean()


@pytest.mark.parametrize("name, hides_lower", [("5.png", True), ("11.png", True),
                                               ("0.png", False), ("7.png", False)])
def test_a_lower_lip_dropping_off_an_open_smile_shows_the_lower_teeth_it_hid(shared_data, name,
                                                                              hides_lower):
    """AU25 at 5 on a shared open smile that parts where its upper teeth end: where its lower
    lip hid the lower teeth as shot (faces 5 and 11: the lip right under the upper teeth), they
    show as it drops — the generated pixels over the middle third of the mouth lit like teeth,
    on average at least 0.4 of the upper teeth's light (a flat brown cavity before: 0.11–0.12);
    where the shot shows its lower teeth (face 0, the rows of a child's open smile apart, face
    7) none are drawn over them: the cavity stays dark (they go down with the lip as before)."""
    from atw_ofx.imageio import read_image

    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    result = render_frame(plate, aus("AU25=5"), LandmarkRig(), face=face,
                          options=RenderOptions(aovs=("generated",)))
    out = result.plate.pixels
    generated = out[..., result.plate.channels.index("generated.A")] > 0.5
    lm = face.landmarks
    left, right = lm[61], lm[291]
    ys, xs = np.nonzero(generated)
    across = (np.stack((xs, ys), 1) + 0.5 - (left + right) / 2) @ (right - left) \
        / (np.linalg.norm(right - left) ** 2 / 2)
    middle = np.abs(across) < 1 / 3
    upper = lm[list(mouth.UPPER_INNER)][mouth.TEETH_SPAN]
    lower = lm[list(mouth.LOWER_INNER)][mouth.TEETH_SPAN]
    points = np.round(upper + 0.4 * (lower - upper) - 0.5).astype(int)
    teeth = np.median(plate.pixels[points[:, 1], points[:, 0], :3].mean(1))
    light = out[ys, xs, :3].mean(1)[middle] / teeth
    assert middle.sum() > 1000
    if hides_lower:
        assert light.mean() > 0.4
    else:
        assert light.mean() < 0.35


def test_the_lower_teeth_in_the_shade_are_no_grille():
    """The lower teeth a falling lower lip uncovers under an open smile (the row
    :data:`SHADED_LOWER`) are in diffuse shade: across their middle teeth their light varies by
    under a quarter of its mean (0.35 with the lit rows' rounded fronts: at 1:1 a grey grille of
    stripes by the corners, faces 0, 12, 14 under AU15 and sad, looked at), while a lit row keeps
    its rounded fronts (more than a third)."""
    inside = np.ones((60, 400), bool)
    edge = np.stack((np.linspace(0.0, 400.0, 33), np.full(33, 5.0)), 1)

    def modulation(row):
        light = hidden_teeth.draw(inside, edge, 300.0, lower=True, row=row)[0][30, 140:260]
        return (light.max() - light.min()) / light.mean()

    assert modulation(hidden_teeth.SHADED_LOWER) < 0.25
    assert modulation(hidden_teeth.FRONT_LOWER) > 1 / 3


@pytest.mark.parametrize("name", ["5.png", "2.png", "14.png"])
def test_the_lower_teeth_drawn_over_the_lip_are_shaded_without_streaks(shared_data, name):
    """AU25 + AU26 at 5 on open smiles: the lower teeth drawn as the lip drops are darker just
    over the lip in a smooth band. Shaded from the opening's bottom row by row, each column
    from its own first pixel of the opening (a staircase along the curved lip), the band stood
    as vertical grey streaks under every tooth, a comb (face 5, looked at 5×): across the mouth's
    middle third within 8 px over the lip the light's second difference from column to column
    (90th percentile) was 0.12–0.14 of its mean; the band's own texture (the smile's upper
    teeth's detail, :func:`~.hidden_teeth.shot_texture`) reads 0.07–0.093."""
    from atw_ofx.imageio import read_image
    from atw_ofx.models.mouth import LOWER_INNER, UPPER_INNER

    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    result = render_frame(plate, aus("AU25=5", "AU26=5"), LandmarkRig(), face=face,
                          options=RenderOptions(aovs=("generated",)))
    generated = result.plate.pixels[..., result.plate.channels.index("generated.A")] > 0.5
    light = result.plate.rgb().mean(-1)
    x0, x1 = int(face.landmarks[UPPER_INNER[0], 0]), int(face.landmarks[LOWER_INNER[-1], 0])
    third = (x1 - x0) // 3
    band = np.zeros_like(generated)
    for x in range(x0 + third, x1 - third):
        rows = np.flatnonzero(generated[:, x])
        band[rows.max() - 8:rows.max() - 1, x] = True
    inner = band[:, 1:-1] & band[:, :-2] & band[:, 2:]
    second = np.abs(light[:, 2:] - 2 * light[:, 1:-1] + light[:, :-2])[inner]
    assert np.percentile(second, 90) < 0.1 * light[:, 1:-1][inner].mean()


def _open_smile(shared_data, name, *edit):
    """Face ``name`` as shot and under ``edit``: the output's light (``H×W``, linear), where it
    is generated (bool), its upper teeth's light as shot (the mean of the brightest tenth
    between the inner lips, across the mouth's middle) and the mesh."""
    from atw_ofx.imageio import read_image

    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    result = render_frame(plate, aus(*edit), LandmarkRig(), face=face,
                          options=RenderOptions(aovs=("generated",)))
    lm = face.landmarks
    iod = float(np.linalg.norm(lm[468] - lm[473]))
    cx, (top, bottom) = lm[[13, 14], 0].mean(), sorted(lm[[13, 14], 1])
    between = plate.rgb().mean(-1)[int(top):int(bottom) + 1,
                                   int(cx - 0.4 * iod):int(cx + 0.4 * iod)]
    upper = np.sort(between.ravel())[-max(between.size // 10, 1):].mean()
    generated = result.plate.pixels[..., result.plate.channels.index("generated.A")] > 0.5
    return result.plate.rgb().mean(-1), generated, float(upper), lm, iod


@pytest.mark.parametrize("name", ["11.png", "2.png"])
def test_an_open_smiles_lower_teeth_meet_its_upper_ones(shared_data, name):
    """AU25 at 5 (no jaw drop) on an open smile whose lower lip hid its lower teeth: they show
    right under the upper ones (the overbite hides their tips), not below a gap — drawn 0.01
    IOD down, the cavity showed between the rows as an even dark-brown line with a drip at every
    tooth, a denture's outline (faces 2, 11, 14, 18 at 1:1). Down the mouth's middle the darkest
    light within 0.03 IOD under the opening's top is at least 0.3 of the upper teeth's (0.035
    and 0.06 before; 0.47–0.55 now)."""
    light, generated, upper, lm, iod = _open_smile(shared_data, name, "AU25=5")
    cx = lm[[13, 14], 0].mean()
    dips = []
    for x in range(int(cx - 0.1 * iod), int(cx + 0.1 * iod)):
        rows = np.flatnonzero(generated[:, x])
        if len(rows):
            dips.append(light[rows[0]:rows[0] + int(0.03 * iod), x].min())
    assert len(dips) > 20 and np.median(dips) > 0.3 * upper, np.median(dips) / upper


@pytest.mark.parametrize("name", ["17.png", "5.png"])
def test_a_dropped_jaws_lower_teeth_are_no_lighter_than_the_smiles_own(shared_data, name):
    """AU25 + AU26 at 5 on an open smile: lit as the upper ones with the full light a wide
    opening lets in, the drawn lower row stood brighter than the smile's own teeth — a white
    denture under them (faces 2, 5, 11, 14, 17: their 90th percentile 1.02–1.03× the upper
    teeth's brightest). The generated lower half's 90th percentile (the lower teeth) is at most
    0.85 of the upper teeth's brightest as shot (0.76–0.84 now)."""
    light, generated, upper, _, _ = _open_smile(shared_data, name, "AU25=5", "AU26=5")
    ys, xs = np.nonzero(generated)
    lower_half = ys > np.median(ys)
    assert np.percentile(light[ys[lower_half], xs[lower_half]], 90) < 0.85 * upper


@pytest.mark.parametrize("name", ["17.png", "5.png", "2.png"])
def test_an_open_smiles_lower_teeth_are_lit_as_teeth(shared_data, name):
    """AU25 at 3 on an open smile: the drawn lower row reads as teeth, not a grey band — its
    90th percentile at least 0.75 of the upper teeth's brightest as shot (0.66–0.70 before:
    lit a notch under the upper row, in the brightest tenth's pale balance shifted to the
    cavity's, a silver mouthguard under cream teeth on every shared open smile, looked at 2×),
    and still under them (no white denture)."""
    light, generated, upper, _, _ = _open_smile(shared_data, name, "AU25=3")
    ys, xs = np.nonzero(generated)
    lower_half = ys > np.median(ys)
    lower = np.percentile(light[ys[lower_half], xs[lower_half]], 90)
    assert 0.75 * upper <= lower < 0.95 * upper, lower / upper


def test_the_lower_row_takes_the_upper_teeths_detail_mirrored():
    """:func:`~atw_ofx.models.hidden_teeth.shot_texture`: a glint on an upper central incisor
    shows in the lower central incisor below it, mirrored under the edge — as far below the
    lower edge as it lay above the upper one, scaled by the crowns' heights, and as far into the
    tooth across as it was into the upper one (LOWER_BOUNDS onto BOUNDS) — and nothing else of
    a flat upper row does; no detail where the row is not drawn."""
    iod = 100.0
    original = np.full((120, 300, 3), 0.5, np.float32)
    origin = (50, 20)  # the box's pixel 0 on the crop
    glint = np.array([100.0 + 0.05 * iod, 30.0 - 10.0])  # in the box: 0.05 IOD off the midline
    original[int(glint[1]) + origin[1], int(glint[0]) + origin[0]] = 2.0
    edge = np.stack((np.linspace(0.0, 200.0, 33), np.full(33, 30.0)), 1)
    weight = np.zeros((60, 200), np.float32)
    weight[30:55, 20:180] = 1.0
    texture = hidden_teeth.shot_texture(original, [0, 1, 2], origin, edge, edge, iod, weight)
    assert texture.shape == weight.shape and (texture[weight == 0] == 1.0).all()
    y, x = np.unravel_index(np.argmax(texture), texture.shape)
    into = 0.05 / hidden_teeth.BOUNDS[1] * hidden_teeth.LOWER_BOUNDS[1] * iod
    below = 10.0 * hidden_teeth.LOWER_CROWN / hidden_teeth.CROWN
    assert abs(x + 0.5 - (100.0 + into)) <= 1.0 and abs(y + 0.5 - (30.0 + below)) <= 1.0
    assert texture[y, x] > 1.2
    away = np.abs(np.arange(200)[None] + 0.5 - (100.0 + into)) > 4
    assert np.allclose(texture[30:55][:, 20:180][away[:, 20:180].repeat(25, 0)], 1.0, atol=0.02)


def test_teeth_shining_between_barely_parted_lips_are_read_without_the_lips():
    """The drawn teeth's colour where teeth shine between the lips as shot is theirs
    (:func:`~atw_ofx.models.mouth._teeth_colour`): between barely parted lips a tooth's glint is
    a few pixels, and the brightest tenth there was mostly lip — the official portrait's teeth
    drawn grey-brown at 0.6 of the cheeks' light under AU10. Of the teeth-coloured pixels (no
    redder than TEETH_REDNESS), 12 glints among 600 lip pixels give the glints' colour."""
    from atw_ofx.models.mouth import _teeth_colour

    lip, tooth = np.array([0.40, 0.15, 0.10]), np.array([0.60, 0.55, 0.50])
    original = np.broadcast_to(lip.astype(np.float32), (80, 80, 3)).copy()
    original[40, 20:32] = tooth
    between = np.array([[10.0, 35.0], [70.0, 35.0], [70.0, 45.0], [10.0, 45.0]])
    edge = np.stack((np.linspace(10.0, 70.0, 33), np.full(33, 40.0)), 1)
    teeth = hidden_teeth.HiddenTeeth(edge, edge + (0.0, 5.0), 60.0, 1.0, between, lit=1.0)
    colour = _teeth_colour(original, np.full(3, 0.3, np.float32), teeth, 1.0, [0, 1, 2])
    assert np.allclose(colour * hidden_teeth.LEVEL, tooth, rtol=0.02)
