"""The mouth on the mesh: lips part along the inner-lip contour, the jaw drops, and the opening is
a generated dark cavity (never stretched lips), with its own AOV."""
import cv2
import numpy as np
import pytest

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.face import face_matte
from atw_ofx.models.mouth import JAW_AU26, fill_region, region_mask, mouth_field
from atw_ofx.models.rig import REGION_GRID, LandmarkRig
from atw_ofx.render import RenderOptions, render_frame
from conftest import clip_frame

N = 128


def aus(*items):
    return au_vector(parse_au_assignments(list(items)))


@pytest.fixture(scope="module")
def demo(demo_mesh):
    """The demo portrait and its mesh on the rig's 128 px grid."""
    return demo_mesh


def shared_mesh(shared_data, name):
    """The mesh the product finds on a shared face, on the rig's 128 px crop grid."""
    from atw_ofx.face import CropBox
    from atw_ofx.imageio import read_image

    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    return CropBox.from_landmarks(face.landmarks).to_crop(face.landmarks, N)


def iod(mesh):
    return float(np.linalg.norm(mesh[473] - mesh[468]))


class TestMouthField:
    def test_closed_aus_move_nothing(self, demo):
        field, interior = mouth_field(demo[1], 0.0, 0.0, N)
        assert not field.any() and interior is None

    def test_full_open_mouth_reaches_a_real_opening(self, demo):
        """AU25 + AU26 at 5: the opening is ≥ 0.35 IOD at the centre; the chin comes down by the
        jaw's travel; the nose does not move."""
        mesh = demo[1]
        field, interior = mouth_field(mesh, 5.0, 5.0, N)
        poly = interior.polygon
        height = poly[:, 1].max() - poly[:, 1].min()
        assert height / iod(mesh) >= 0.35
        at = lambda i: field[:, int(mesh[i, 1]), int(mesh[i, 0])]  # noqa: E731
        # The chin's output position samples JAW_AU26 IOD above it (it came from there).
        assert -at(152)[1] / iod(mesh) == pytest.approx(JAW_AU26, rel=0.15)
        for still in (1, 4, 168):  # nose tip, nose, between the eyes
            assert np.abs(at(still)).max() < 0.01 * iod(mesh), still

    def test_a_raised_lip_over_side_teeth_about_the_seam_opens_without_walls(self, demo):
        """AU10 at 5 raising the upper lip of a mouth whose side teeth, read as shot, reach
        about its seam by a hair — below it here, above it a little further, as a talking
        mouth's flicker: the opening's top runs on without upright steps. Held down by any
        reach past the seam, it fell the whole rise from one point to the next (cut off
        square, liveportrait_d19 frame 25 under disgust)."""
        from atw_ofx.models.mouth import LOWER_INNER, UPPER_INNER, iris_axes

        mesh = demo[1]
        _, down, unit = iris_axes(mesh)
        upper, lower = mesh[list(UPPER_INNER)], mesh[list(LOWER_INNER)]
        seam = (upper + lower) / 2
        xs = np.linspace(seam[0, 0], seam[-1, 0], 49)
        ends = np.stack((xs, np.interp(xs, seam[:, 0], seam[:, 1])), 1)
        hair = 0.004 * unit * np.sin(np.linspace(0.0, 6.0 * np.pi, len(xs)))
        ends = ends + hair[:, None] * down
        _, opening = mouth_field(mesh, 0.0, 0.0, N, seam, hidden=1.0, au10=5.0,
                                 side_teeth=ends)
        top = opening.polygon[:len(opening.polygon) // 2]
        steps = np.abs(np.diff(top @ down)) / np.maximum(np.abs(np.diff(top[:, 0])), 1e-6)
        rise = float(np.ptp(opening.polygon @ down))
        assert rise > 0.05 * unit  # the lip did rise
        assert steps.max() < 3.0, steps.max()

    def test_an_open_smiles_corners_stay(self, shared_data):
        """A mouth that shows its teeth opens from its corners' place: a smile holds them and the
        side teeth stay with the skull, so only the jaw comes down."""
        from atw_ofx.models.mouth import teeth_shown

        mesh = shared_mesh(shared_data, "2.png")  # an open smile
        assert teeth_shown(mesh)[2].max() == 1.0
        field, _ = mouth_field(mesh, 5.0, 5.0, N)
        at = lambda i: field[:, int(mesh[i, 1]), int(mesh[i, 0])]  # noqa: E731
        for corner in (78, 308):
            assert np.abs(at(corner)).max() < 0.02 * iod(mesh), corner
        assert -at(152)[1] / iod(mesh) > 0.85 * JAW_AU26  # the chin did

    def test_closed_lips_corners_come_down_with_the_jaw(self, shared_data):
        """Lips that meet (no teeth between them) open into an oval: the inner corners come
        down CORNER_FOLLOW of the jaw's drop (the shared performances opening without a smile:
        0.32–0.73, median 0.4), straight down; the middle of the upper lip stays."""
        from atw_ofx.models.mouth import CORNER_FOLLOW, teeth_shown

        mesh = shared_mesh(shared_data, "13.png")  # closed lips
        assert teeth_shown(mesh)[2].max() == 0.0
        field, _ = mouth_field(mesh, 5.0, 5.0, N)
        at = lambda i: field[:, int(mesh[i, 1]), int(mesh[i, 0])]  # noqa: E731
        eyes = (mesh[473] - mesh[468]) / iod(mesh)
        down = np.array([-eyes[1], eyes[0]])
        for corner in (78, 308):
            # Backward: the corner's output position samples from above it.
            assert -at(corner) @ down / iod(mesh) == pytest.approx(CORNER_FOLLOW * JAW_AU26,
                                                                   rel=0.25), corner
            assert abs(at(corner) @ eyes) < 0.02 * iod(mesh), corner
        assert abs(at(0) @ down) < 0.02 * iod(mesh)  # the upper lip's middle

    def test_no_fold_outside_the_opening(self, demo):
        mesh = demo[1]
        field, interior = LandmarkRig().field_and_interior(
            mesh, aus("AU25=5", "AU26=5"), face_matte(mesh, N))
        fine = N * REGION_GRID
        assert field.shape == (2, fine, fine) and interior is not None
        # Not scaled down by the fold guard: the chin still travels the full distance.
        chin = (mesh[152] * REGION_GRID).astype(int)
        assert -field[1, chin[1], chin[0]] / (iod(mesh) * REGION_GRID) > 0.8 * JAW_AU26

    def test_mask_is_the_opening(self, demo):
        _, interior = mouth_field(demo[1], 5.0, 0.0, N)
        mask = region_mask(interior, 512)
        assert mask.max() == 1.0 and 0 < mask.mean() < 0.05
        ys, xs = np.nonzero(mask > 0.5)
        # The opening is widest half-way between the inner lips' corners, on the lips' seam.
        middle = (demo[1][78] + demo[1][308]) / 2 * 4
        seam = (demo[1][13] + demo[1][14]) / 2 * 4
        assert abs(xs.mean() - middle[0]) < 4 and abs(ys.mean() - seam[1]) < 12


@pytest.fixture(scope="module")
def opened(demo):
    """The demo portrait rendered with AU25 = AU26 = 5 (generated and matte AOVs)."""
    plate = demo[0]
    result = render_frame(plate, aus("AU25=5", "AU26=5"), LandmarkRig(),
                          options=RenderOptions(aovs=("generated", "matte")))
    return plate, result


class TestRender:
    def test_opening_is_a_dark_cavity_not_stretched_lips(self, opened):
        """The generated region is dark against the cheek (a real open mouth is a cavity; the
        old rig's gap was 0.53–0.87 of the cheek's luminance) and holds grain, not a flat fill."""
        plate, result = opened
        out = result.plate.rgb()
        generated = dict(zip(result.plate.channels,
                             np.moveaxis(result.plate.pixels, -1, 0)))["generated.A"]
        inside = generated > 0.95
        assert inside.sum() > 200
        lm = result.face.landmarks
        cheek = np.round(lm[[50, 280]]).astype(int)  # cheek points either side of the nose
        cheek_luma = np.mean([plate.rgb()[y - 3:y + 4, x - 3:x + 4].mean() for x, y in cheek])
        assert out[inside].mean() / cheek_luma < 0.35
        assert out[inside].std(0).min() > 0  # grain, not a flat colour

    def test_generated_aov_is_zero_outside_the_mouth(self, opened):
        plate, result = opened
        layers = dict(zip(result.plate.channels, np.moveaxis(result.plate.pixels, -1, 0)))
        generated = layers["generated.A"]
        ys, xs = np.nonzero(generated > 0)
        lm = result.face.landmarks
        assert ys.min() > lm[2, 1] and ys.max() < lm[152, 1]  # below the nose, above the chin
        assert xs.min() > lm[61, 0] - 5 and xs.max() < lm[291, 0] + 5

    def test_outside_the_matte_is_bit_exact_and_renders_repeat(self, demo, opened):
        plate, result = opened
        layers = dict(zip(result.plate.channels, np.moveaxis(result.plate.pixels, -1, 0)))
        outside = layers["matte.A"] == 0
        assert np.array_equal(result.plate.rgb()[outside], plate.rgb()[outside])
        again = render_frame(plate, aus("AU25=5", "AU26=5"), LandmarkRig(),
                             options=RenderOptions(aovs=("generated", "matte")))
        assert np.array_equal(again.plate.pixels, result.plate.pixels)

    def test_dlib_points_keep_the_spline_mouth(self, demo):
        """Without the mesh there is no mouth model: no generated region, a field on the model
        grid (the 68-point rig as before)."""
        plate = demo[0]
        result = render_frame(plate, aus("AU25=3"), LandmarkRig(),
                              options=RenderOptions(face_backend="dlib", aovs=("generated",)))
        layers = dict(zip(result.plate.channels, np.moveaxis(result.plate.pixels, -1, 0)))
        assert not layers["generated.A"].any()
        assert result.flow.size == (N, N)


def test_the_cavity_is_shaded_against_the_skin_around_the_mouth(demo):
    """The cavity and tongue take the cheeks' light and balance, tinted as real open mouths are:
    a redder skin, a redder mouth, yet pinker than the skin (the tongue follows it only
    partly); lipstick (redder lips alone) does not dye it; a black-and-white plate stays black
    and white; all darker than the skin."""
    from atw_ofx.models.mouth import CAVITY_TINT, OUTER_LIPS

    _, interior = mouth_field(demo[1], 5.0, 5.0, N)
    size = 256
    grey = np.full((size, size, 3), 0.3, np.float32)
    skin = grey * np.array([1.0, 0.6, 0.45], np.float32)
    tanned = grey * np.array([1.0, 0.45, 0.2], np.float32)
    lipstick = skin.copy()
    lips = np.zeros((size, size), np.uint8)
    cv2.fillPoly(lips, [np.round(demo[1][list(OUTER_LIPS)] * size / N).astype(np.int32)], 1)
    lipstick[lips > 0] = (0.5, 0.02, 0.05)
    outputs = {}
    for name, plate in (("grey", grey), ("skin", skin), ("tanned", tanned),
                        ("lipstick", lipstick)):
        out, generated = fill_region(plate.copy(), plate, interior, (0, 1, 2))
        outputs[name] = out
    mask = generated.full(size)
    assert np.array_equal(mask > 0, region_mask(interior, size) > 0)
    inside = mask > 0.99
    mean = {name: out[inside].mean(0) for name, out in outputs.items()}
    red_over_blue = {name: m[0] / m[2] for name, m in mean.items()}
    assert abs(mean["grey"][0] - mean["grey"][2]) < 1e-3 * mean["grey"].mean()  # stays grey
    assert red_over_blue["tanned"] > red_over_blue["skin"] > 1.2
    assert np.allclose(mean["lipstick"], mean["skin"], rtol=0.02)
    # The dark of the cavity (its top rows) in the skin's balance times the cavity's tint.
    rows = np.nonzero(inside.any(1))[0]
    top = inside & (np.arange(size)[:, None] < rows[0] + 0.2 * (rows[-1] - rows[0]))
    dark = outputs["skin"][top].mean(0)
    expected = np.array([1.0, 0.6, 0.45]) * np.array(CAVITY_TINT)
    assert np.allclose(dark / dark.mean(), expected / expected.mean(), rtol=0.03)
    for name, plate in (("grey", grey), ("skin", skin)):
        assert mean[name].mean() < 0.5 * plate.mean()


def test_the_cavity_is_in_the_shade_under_its_top_and_by_its_corners(demo):
    """What overhangs the mouth shades it: under the upper lip (or teeth) the cavity is darker
    than a little further down, and by the corners darker than in the middle at the same
    height (UNDER_SHADE, SIDE_SHADE): without, it was as light there, a flat band across an open
    smile under a jaw drop."""
    _, interior = mouth_field(demo[1], 5.0, 5.0, N)
    size = 256
    plate = np.full((size, size, 3), 0.3, np.float32) * np.array([1.0, 0.6, 0.45], np.float32)
    out, generated = fill_region(plate.copy(), plate, interior, (0, 1, 2))
    inside = generated.full(size) > 0.99
    rows, cols = np.nonzero(inside.any(1))[0], np.nonzero(inside.any(0))[0]
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    y = (np.arange(size)[:, None] - rows[0]) / height + np.zeros((1, size))
    x = np.abs(np.arange(size)[None, :] - (cols[0] + cols[-1]) / 2) / (width / 2) \
        + np.zeros((size, 1))
    light = out.mean(-1)
    middle = inside & (x < 0.2)
    under_top = light[middle & (y < 0.06)].mean()
    lower = light[middle & (y > 0.17) & (y < 0.23)].mean()
    assert under_top < 0.85 * lower, (under_top, lower)
    band = inside & (y > 0.1) & (y < 0.2)
    assert light[band & (x > 0.75)].mean() < 0.9 * light[band & (x < 0.2)].mean()


def test_a_mouth_showing_its_teeth_shades_its_cavity_in_the_hue_of_its_own_dark(demo):
    """A mouth that shows its teeth as shot has its own dark between its lips: the cavity drawn
    under them takes OWN_HUE of its balance from that dark (geometrically), the rest from the
    skin's tint — a talking mouth went from its own maroon dark to a brown cavity the next frame.
    A black-and-white plate stays black and white."""
    import dataclasses

    from atw_ofx.models.mouth import (CAVITY_TINT, LOWER_INNER, OWN_HUE, UPPER_INNER)

    mesh = demo[1]
    _, interior = mouth_field(mesh, 5.0, 5.0, N)
    between = np.concatenate((mesh[list(UPPER_INNER)], mesh[list(LOWER_INNER)][-2:0:-1]))
    shows = dataclasses.replace(interior, teeth_as_shot=between * (interior.grid / N))
    size = 256
    skin_balance = np.array([1.0, 0.6, 0.45], np.float32)
    own_balance = np.array([1.0, 0.08, 0.1], np.float32)
    opening = np.zeros((size, size), np.uint8)
    cv2.fillPoly(opening, [np.round(between * size / N - 0.5).astype(np.int32)], 1)
    tops = {}
    for name, (skin, own) in {"colour": (skin_balance, own_balance),
                              "grey": (np.ones(3, np.float32),) * 2}.items():
        plate = np.full((size, size, 3), 0.3, np.float32) * skin
        plate[opening > 0] = 0.02 * own
        for region in (interior, shows):
            out, generated = fill_region(plate.copy(), plate, region, (0, 1, 2))
            inside = generated.full(size) > 0.99
            rows = np.nonzero(inside.any(1))[0]
            top = inside & (np.arange(size)[:, None] < rows[0] + 0.2 * (rows[-1] - rows[0]))
            tops[name, region is shows] = out[top].mean(0)
    tinted = skin_balance * np.array(CAVITY_TINT)
    tinted, own = tinted / tinted.mean(), own_balance / own_balance.mean()
    expected = tinted ** (1 - OWN_HUE) * own ** OWN_HUE
    dark = tops["colour", True]
    assert np.allclose(dark / dark.mean(), expected / expected.mean(), rtol=0.03)
    plain = tops["colour", False]
    assert np.allclose(plain / plain.mean(), tinted, rtol=0.03)  # without: the tint alone
    grey = tops["grey", True]
    assert abs(grey[0] - grey[2]) < 1e-3 * grey.mean()


def test_a_slit_between_dark_lips_is_darker_than_their_shadow(demo):
    """Shaded against the skin alone, a slit between lips darker than the skin came out lighter
    than the lips — a brown stroke drawn across them: the cavity stays under CAVITY_CAP of the
    lips' own shadow, on the whole — its shading kept (darker under the upper lip than by the
    lower): capped pixel by pixel, it was one flat level."""
    from atw_ofx.models.mouth import CAVITY_CAP, OUTER_LIPS

    _, interior = mouth_field(demo[1], 1.5, 0.0, N)
    size = 256
    plate = np.full((size, size, 3), 0.3, np.float32) * np.array([1.0, 0.6, 0.45], np.float32)
    lips = np.zeros((size, size), np.uint8)
    cv2.fillPoly(lips, [np.round(demo[1][list(OUTER_LIPS)] * size / N).astype(np.int32)], 1)
    plate[lips > 0] = (0.012, 0.008, 0.008)  # a tenth of the cheeks' light
    out, generated = fill_region(plate.copy(), plate, interior, (0, 1, 2))
    inside = generated.full(size) > 0.99
    assert inside.sum() > 20, inside.sum()
    assert out[inside].mean() < CAVITY_CAP * plate[lips > 0].mean() * 1.05
    rows = np.nonzero(inside.any(1))[0]
    third = (rows[-1] - rows[0] + 1) / 3
    row_of = np.arange(size)[:, None] + np.zeros(size, int)[None]
    top = out[inside & (row_of < rows[0] + third)].mean()
    bottom = out[inside & (row_of > rows[-1] - third)].mean()
    assert top < 0.9 * bottom, (top, bottom)


def test_corners_drawn_out_past_where_they_were_fade_to_the_warp(demo):
    """AU20 draws a talking mouth's corners out: the opening's tips, carried with them, were thin
    dark needles along the lips' line. Past its corners as shot the fill eases out to nothing at
    the drawn-out tips (the warp's crease there); between them it is as without the corners
    given, and nothing changes where the corners stayed."""
    import dataclasses

    from atw_ofx.models.mouth import opening_tips

    _, interior = mouth_field(demo[1], 3.0, 2.0, N)
    size = 512
    plate = np.full((size, size, 3), 0.3, np.float32) * np.array([1.0, 0.6, 0.45], np.float32)
    tips = opening_tips(interior.polygon)
    centre = tips.mean(0)
    stretched = dataclasses.replace(
        interior, polygon=centre + (interior.polygon - centre) * np.array([1.4, 1.0]))
    masks = {}
    for name, corners in (("none", None), ("drawn out", tips), ("stayed", None)):
        region = stretched if name != "stayed" else dataclasses.replace(
            interior, corners_as_shot=tips)
        if corners is not None:
            region = dataclasses.replace(region, corners_as_shot=corners)
        out, generated = fill_region(plate.copy(), plate, region, (0, 1, 2))
        masks[name] = (out, generated.full(size))
    k = size / N
    tip = np.round(stretched.polygon[0] * k + (2.0, 0.0)).astype(int)  # 2 px in from the tip
    corner = np.round(tips[0] * k).astype(int)
    middle = np.round(centre * k).astype(int)
    assert masks["none"][1][tip[1] - 2:tip[1] + 3, tip[0]].max() > 0.3
    assert masks["drawn out"][1][tip[1] - 2:tip[1] + 3, tip[0]].max() < 0.1
    assert masks["drawn out"][1][corner[1], corner[0] + 3] > 0.9 * masks["none"][1][
        corner[1], corner[0] + 3]
    column = (slice(None), middle[0])
    np.testing.assert_array_equal(masks["drawn out"][0][column], masks["none"][0][column])
    unmoved, _ = fill_region(plate.copy(), plate, interior, (0, 1, 2))
    np.testing.assert_array_equal(masks["stayed"][0], unmoved)


def test_the_opening_is_drawn_where_the_other_aus_take_the_lips(demo):
    """A smile with an open mouth: the spline lifts the lip corners 0.2 IOD while the mouth model
    opens the lips (and the jaw brings them down a little). The generated opening ends where the
    whole field takes the inner lip corners
    (a point there samples the corner as shot), not where the corners were — else the cavity
    is drawn over the lips and teeth the smile moved."""
    import cv2

    from atw_ofx.models.mouth import UPPER_INNER

    mesh = demo[1]
    field, interior = LandmarkRig().field_and_interior(
        mesh, aus("AU12=5", "AU25=4", "AU26=2"), face_matte(mesh, N))
    opening = next(region for region in interior if region.cavity)
    corners = mesh[[UPPER_INNER[0], UPPER_INNER[-1]]] * REGION_GRID
    ends = opening.polygon[[0, len(opening.polygon) // 2 - 1]]
    at = [cv2.remap(np.ascontiguousarray(plane), (ends[:, :1] - 0.5).astype(np.float32),
                    (ends[:, 1:] - 0.5).astype(np.float32), cv2.INTER_LINEAR)[:, 0]
          for plane in field]
    sampled = ends + np.stack(at, 1)  # the backward field: where each end's pixel comes from
    size = iod(mesh) * REGION_GRID
    assert np.linalg.norm(ends - corners, axis=1).min() > 0.1 * size  # the smile moved them
    assert np.linalg.norm(sampled - corners, axis=1).max() < 0.03 * size


def test_a_wide_opening_shows_a_tongue_and_a_slit_does_not(demo):
    """A flat dark slab read as a hole cut in the face: a mouth open wide has a tongue on its
    floor, lighter than the cavity above it, lit at its front, shaded by the lower lip; a slit
    (AU25 alone, a little) is dark all through."""
    from atw_ofx.models.mouth import CAVITY_EDGE, TONGUE_LEVEL

    size = 256
    plate = np.full((size, size, 3), 0.3, np.float32)

    def columns_middle(au25, au26):
        _, interior = mouth_field(demo[1], au25, au26, N)
        out, generated = fill_region(plate.copy(), plate, interior, (0, 1, 2))
        mask = generated.full(size) > 0.99
        x = int(np.median(np.nonzero(mask)[1]))
        rows = np.nonzero(mask[:, x])[0]
        luma = out[rows, x].mean(-1)
        return luma, len(rows)

    wide, tall = columns_middle(5.0, 5.0)
    quarter = len(wide) // 4
    assert wide[-quarter:].mean() > 1.8 * wide.min()  # the tongue, under the dark
    # Lit at its front at most TONGUE_LEVEL of the skin's light (a real open mouth's floor is
    # 0.7 of the cheeks'), the opening as a whole darker than the skin (the performers' open
    # mouths: 0.4 / 0.6 / 0.7 of their cheeks' light from top to bottom, teeth included).
    assert wide.max() < TONGUE_LEVEL * 0.3 * 1.05 and wide.mean() < 0.65 * 0.3
    assert wide[-1] < 0.7 * wide.max()  # the lower lip's shade on it
    slit, short = columns_middle(1.0, 0.0)
    assert short < tall / 4
    assert slit.max() < 0.3 * CAVITY_EDGE * 1.1  # no tongue: the cavity's own shade only


def _tongue_surface_read(interior, size):
    """A flat grey crop (no grain) opened by ``interior``: the tongue's fine detail relative to
    its light over its front middle, and its light on the midline against beside it half way
    down the opening."""
    flat = np.full((size, size, 3), 0.3, np.float32)
    out, generated = fill_region(flat.copy(), flat, interior, (0, 1, 2))
    mask = generated.full(size) > 0.99
    cols = np.nonzero(mask)[1]
    x, half = int(np.median(cols)), (cols.max() - cols.min()) / 2
    top, bottom = np.nonzero(mask[:, x])[0][[0, -1]]
    light = out.mean(-1)
    fine = light - cv2.GaussianBlur(light, (0, 0), 2.0)
    front = np.zeros_like(mask)
    front[int(top + 0.6 * (bottom - top)):int(bottom - 0.1 * (bottom - top)),
          int(x - 0.3 * half):int(x + 0.3 * half)] = True
    y = int(top + 0.5 * (bottom - top))
    beside = [x - int(0.15 * half), x + int(0.15 * half)]
    groove = light[y - 2:y + 3, x - 1:x + 2].mean() / light[y - 2:y + 3, beside].mean()
    return float((fine[front & mask] / light[front & mask]).std()), float(groove)


def test_the_tongue_has_papillae_and_a_groove(demo, monkeypatch):
    """Smooth, lit by its dome alone, the tongue read as a flat slab of bubblegum: it has a
    stipple of papillae (fine detail beyond the plate's grain — none here) and a median groove
    down its back, darker than beside it; on a mouth too small for the stipple's pits to be
    pixels apart it fades out rather than turn into noise."""
    from atw_ofx.models import mouth

    _, interior = mouth_field(demo[1], 5.0, 5.0, N)
    stipple, groove = _tongue_surface_read(interior, 1024)
    assert stipple > 0.02 and groove < 0.97
    small, _ = _tongue_surface_read(interior, 256)
    monkeypatch.setattr(mouth, "PAPILLAE", 0.0)
    monkeypatch.setattr(mouth, "GROOVE", 0.0)
    smooth, flat_groove = _tongue_surface_read(interior, 1024)
    assert smooth < 0.4 * stipple and flat_groove > 1.0  # (lit at its middle without it)
    assert small < 1.1 * _tongue_surface_read(interior, 256)[0]


def test_the_mouth_opens_after_the_other_aus_move_the_lips(demo):
    """The mouth model is applied where the spline took the lips (its field composed after the
    spline's): the middle of the opening samples the same seam between the lips whether or not a
    chin raiser (AU17) has pushed the lower lip up first — added instead, the two fields disagreed
    there by 0.07 IOD."""
    import cv2

    mesh = demo[1]

    def middle_samples(*asked):
        field, interior = LandmarkRig().field_and_interior(mesh, aus(*asked), face_matte(mesh, N))
        polygon = next(region for region in interior if region.cavity).polygon
        half = len(polygon) // 2
        middle = (polygon[half // 2] + polygon[half + half // 2])[None] / 2
        at = [cv2.remap(np.ascontiguousarray(plane), (middle[:, :1] - 0.5).astype(np.float32),
                        (middle[:, 1:] - 0.5).astype(np.float32), cv2.INTER_LINEAR)[0, 0]
              for plane in field]
        return middle[0] + np.array(at)

    alone = middle_samples("AU25=4", "AU26=4")
    after_chin = middle_samples("AU17=5", "AU25=4", "AU26=4")
    assert np.linalg.norm(after_chin - alone) < 0.02 * iod(mesh) * REGION_GRID


def test_a_raised_upper_lip_moves_whole_off_parted_teeth_and_corners_still_fall(demo):
    """Under AU10 at 5 the upper lip of a parted mouth rises whole, its inner edge as far as its
    outer one: the renderer holds the teeth as shot and draws the gums the lip uncovers
    (tests/test_gums.py) — with the teeth held in the field right up to it, the lip's inner edge
    stayed and the lip stretched to twice its height. The lower teeth stay. AU15 still takes
    both corners all the way down."""
    from atw_ofx.points import carried

    mesh = demo[1]
    size = iod(mesh)
    # The jaw dropped: the lips part as a real mouth's do, most in the middle and not at the
    # corners, where the lips still meet (a lower lip dropped whole left each corner above a
    # lip that had left it, and AU15's corner then folded through it).
    parted = mesh.copy()
    below_seam = mesh[:, 1] > (mesh[13, 1] + mesh[14, 1]) / 2
    middle, half = (mesh[61, 0] + mesh[291, 0]) / 2, (mesh[291, 0] - mesh[61, 0]) / 2
    across = np.clip(np.abs(mesh[below_seam, 0] - middle) / half, 0.0, 1.0)
    parted[below_seam, 1] += 0.12 * size * (1.0 - across ** 2)
    matte = face_matte(parted, N)

    def travel(field, point):  # the field's down component at a grid point, IOD
        x, y = np.floor(point - 0.5).astype(int)
        return float(field[1, y, x]) / size

    raised = LandmarkRig().field(parted, aus("AU10=5"), matte)
    outer, inner = (float(carried(parted[[i]], raised)[0, 1] - parted[i, 1]) / -size
                    for i in (0, 13))
    assert outer > 0.08 and inner > 0.85 * outer, (outer, inner)
    lower_teeth = parted[14] + 0.2 * (parted[13] - parted[14])
    assert abs(travel(raised, lower_teeth)) < 0.01
    lowered = LandmarkRig().field(parted, aus("AU15=5"), matte)
    for corner in (61, 291):  # each corner as far as asked: where it went samples from it
        assert travel(lowered, parted[corner] + [0.0, 0.22 * size]) < -0.9 * 0.22


def test_teeth_are_held_only_where_an_open_mouth_can_show_them(demo):
    """Closed lips sit ~0.06 IOD apart on the mesh's inner contours: no tooth is held there (a
    point held a fraction of a pixel from a moving lip notched a closed mouth under AU15); over
    :data:`~atw_ofx.models.mouth.TEETH_GAP` the hold eases in, and a parted mouth's is whole."""
    from atw_ofx.models.mouth import LOWER_INNER, TEETH_GAP, UPPER_INNER, held_teeth

    mesh = demo[1]
    size = iod(mesh)
    lower = np.array(LOWER_INNER)

    def parted_by(gap):  # the lower inner contour ``gap`` IOD below the upper one
        parted = mesh.copy()
        parted[lower[1:-1]] = mesh[list(np.array(UPPER_INNER)[1:-1])] + [0.0, gap * size]
        return parted

    points, hold = held_teeth(parted_by(0.06))
    assert len(points) == 0 and len(hold) == 0
    points, hold = held_teeth(parted_by(0.2))
    assert len(points) == 10 and np.all(hold == 1.0)
    points, hold = held_teeth(parted_by(sum(TEETH_GAP) / 2), lower=False)
    assert len(points) == 5 and np.all((hold > 0.2) & (hold < 0.8))


def test_au15_lowers_the_lips_along_an_arch_on_a_turned_face(shared_data):
    """A frown's lips bend as one arch: each lip point of the 68-point view drops by how far it
    is from the lips' middle towards its contour's corner, not by its index — on a turned face
    the mesh's lip points crowd to one side, and per-index depths bent the lip line near the
    corners (the drop never grows faster than the arch's steepest, at the corners)."""
    import cv2

    from atw_ofx.face.detect import backend
    from atw_ofx.face.layout import ibug68
    from atw_ofx.models.rig import AU15_CORNER_DROP, FaceFrame, with_cheeks

    rgb = cv2.cvtColor(cv2.imread(str(shared_data / "plates" / "ffhq_atw" / "13.png")),
                       cv2.COLOR_BGR2RGB)  # turned to its left: the lips' middle off centre
    points = ibug68(backend("mesh").faces(rgb, detect_scale=1.0)[0].landmarks)
    frame = FaceFrame(with_cheeks(points))
    drop = LandmarkRig().displacements(points, aus("AU15=5"))[48:68] @ frame.y / frame.iod
    along = points[48:68] @ frame.x
    middle = along[[3, 9, 14, 18]].mean()  # 51, 57, 62, 66
    np.testing.assert_allclose(drop[[0, 6, 12, 16]], AU15_CORNER_DROP, rtol=1e-6)  # corners
    assert np.all(drop[[3, 9, 14, 18]] <= 0.1 * AU15_CORNER_DROP)
    for contour, (left, right) in ((np.arange(12), (0, 6)), (np.arange(12, 20), (12, 16))):
        for side, corner in ((along[contour] < middle, left), (along[contour] >= middle, right)):
            place = np.abs(along[contour][side] - middle) / abs(along[corner] - middle)
            order = np.argsort(place)
            steps = np.diff(drop[contour][side][order]) / np.maximum(np.diff(place[order]), 1e-9)
            assert np.all(steps >= -1e-9)  # deeper towards the corner
            assert np.all(steps <= 2 * AU15_CORNER_DROP + 1e-6)  # no steeper than the arch's end


def opened_smile(shared_data, name):
    """A shared face opened by AU25 + AU26 at 5: its plate, its mesh (the plate's px) and the
    generated AOV (``H×W``)."""
    from atw_ofx.imageio import read_image

    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    as_shot = render_frame(plate, np.zeros(17, np.float32), LandmarkRig())
    result = render_frame(plate, aus("AU25=5", "AU26=5"), LandmarkRig(), face=as_shot.face,
                          options=RenderOptions(aovs=("generated",)))
    return (plate, as_shot.face.landmarks,
            result.plate.pixels[..., result.plate.channels.index("generated.A")])


@pytest.mark.parametrize("name", ["2.png", "11.png", "12.png"])
def test_an_open_smile_opens_below_its_upper_teeth(shared_data, name):
    """A smile that shows its upper teeth, opened by AU25 + AU26 at 5: the mouth parts where its
    teeth end (the darkest place between the lips; where rows of teeth touch, as on face 11, the
    darkest is the upper lip's shadow on them, and the mouth parts at the lower lip — face 12's
    moustache shades its teeth as dark against the search's brightest as a talking mouth's own
    dark, but not against the cheeks), so the
    upper teeth stay whole above the generated cavity — parted at the lips' midline, or at that
    shadow, the cavity was drawn across them — and the side teeth by the corners too. A mouth
    parted less than teeth show keeps the midline (no seam is looked for)."""
    from atw_ofx.face import CropBox
    from atw_ofx.imageio import read_image
    from atw_ofx.models.mouth import LOWER_INNER, TEETH_SPAN, UPPER_INNER, teeth_seam

    plate, lm, generated = opened_smile(shared_data, name)
    upper, lower = lm[list(UPPER_INNER)][TEETH_SPAN], lm[list(LOWER_INNER)][TEETH_SPAN]
    for share in (0.25, 0.45):  # the upper teeth, down to below the lips' midline
        points = np.round(upper + share * (lower - upper) - 0.5).astype(int)
        assert generated[points[:, 1], points[:, 0]].max() < 0.05, share
    # Below them the mouth did open into a generated cavity.
    below = np.round(lower - 0.5).astype(int)
    assert generated[below[:, 1], below[:, 0]].min() > 0.9
    if name != "2.png":
        return
    # Towards the corners the side teeth fill the gap (face 2's reach them): the lower lip parts
    # from them, and the cavity no longer cuts across them (at 0.8 of the gap of the two pairs
    # next to each corner it drew 0.56 on average while parting at the middle's share all along;
    # 0.34 with the middle's seam read at full size, 0.92 of the gap against the grid's 0.95).
    ends = [1, 2, -3, -2]
    near = lm[list(UPPER_INNER)][ends] + 0.8 * (lm[list(LOWER_INNER)] - lm[list(UPPER_INNER)])[ends]
    near = np.round(near - 0.5).astype(int)
    assert generated[near[:, 1], near[:, 0]].mean() < 0.4
    # A closed mouth: no seam is looked for.
    closed = read_image(shared_data / "plates" / "ffhq_atw" / "13.png")
    face = render_frame(closed, np.zeros(17, np.float32), LandmarkRig()).face
    mesh = CropBox.from_landmarks(face.landmarks).to_crop(face.landmarks, N)
    assert teeth_seam(mesh, np.zeros((N, N), np.float32)) is None


@pytest.mark.parametrize("name", ["0.png", "12.png"])
def test_an_open_smiles_side_teeth_stay_whole_above_its_cavity(shared_data, name):
    """An open smile opened by AU25 + AU26 at 5: by its corners its upper side teeth stay as
    shot, whole, above the generated cavity. Its seam there is one point per pair of inner-lip
    points, eased onto the lower lip, and the straight line from a corner to the next pair ran
    across the side teeth: the cavity covered 0.165 (face 0) and 0.279 (face 12) of the pixels
    that read as a tooth as shot (lit as half the front teeth or more, no redder than them) in
    the mouth's outer fifths, inside its lips."""
    from atw_ofx.models.mouth import OUTER_LIPS, UPPER_INNER, LOWER_INNER, iris_axes

    plate, lm, generated = opened_smile(shared_data, name)
    rgb = plate.pixels[..., :3]
    light = rgb.mean(-1)
    red = (rgb[..., 0] - rgb[..., 1]) / np.maximum(rgb.sum(-1), 1e-9)
    upper, lower = lm[list(UPPER_INNER)], lm[list(LOWER_INNER)]

    def inside(polygon):
        mask = np.zeros(light.shape, np.uint8)
        cv2.fillPoly(mask, [np.round(polygon - 0.5).astype(np.int32)], 1)
        return mask.astype(bool)

    between = inside(np.concatenate((upper, lower[::-1])))
    front = np.percentile(light[between], 90)
    front_red = np.median(red[between & (light >= front)])
    tooth = (light >= 0.5 * front) & (red <= front_red + 0.05)
    along, _, _ = iris_axes(lm)
    centre, half = (upper[0] + upper[-1]) / 2, np.linalg.norm(upper[-1] - upper[0]) / 2
    ys, xs = np.mgrid[:light.shape[0], :light.shape[1]]
    u = np.abs((np.stack((xs, ys), -1) - centre) @ along) / half
    side = tooth & inside(lm[list(OUTER_LIPS)]) & (u >= 0.6) & (u <= 1.0)
    assert side.sum() > 100  # the smile shows side teeth
    assert float(generated[side].mean()) < 0.1


@pytest.mark.parametrize("name", ["17.png", "0.png", "12.png"])
def test_no_side_tooth_hangs_into_the_cavity_as_a_fang(shared_data, name):
    """Surprise at 0.8 on open smiles: the cavity's top edge runs along the teeth's tips with no
    tooth hanging far below its neighbours. On a closed bite (face 17: the upper teeth on the
    lower, lit all the way down) the side teeth kept as shot below the seam went down to the
    search's reach beside the middle's cut, two fangs 0.055 IOD below the edge around them; the
    sides there are not kept (:data:`.mouth.SIDE_TOUCHING`)."""
    from atw_ofx.expressions import expression_aus
    from atw_ofx.imageio import read_image

    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    as_shot = render_frame(plate, np.zeros(17, np.float32), LandmarkRig())
    lm = as_shot.face.landmarks
    result = render_frame(plate, au_vector(expression_aus(["surprise=0.8"])), LandmarkRig(),
                          face=as_shot.face, options=RenderOptions(aovs=("generated",)))
    generated = result.plate.pixels[..., result.plate.channels.index("generated.A")] > 0.5
    columns = [x for x in range(int(lm[78, 0]), int(lm[308, 0])) if generated[:, x].any()]
    top = np.array([np.argmax(generated[:, x]) for x in columns], np.float64)
    reach = max(int(0.08 * iod(lm)), 3)  # the edge round each column: about a tooth either side
    around = np.array([np.median(top[max(i - reach, 0):i + reach + 1]) for i in range(len(top))])
    assert float((top - around).max()) < 0.04 * iod(lm)


def test_an_open_smile_whose_teeths_tops_are_in_the_lips_shadow_parts_where_they_end(
        shared_data):
    """Face 17's upper teeth fill its smile down to the lower lip, their tops in the upper lip's
    shadow as dark as the line where they end: parted at the first dark from the top — the
    shadow, held no higher than the mouth's floor (0.48 of the lips' gap) — the cavity cut the
    teeth in half and their lower halves went down with the jaw as a second row. Past the
    teeth's light they end at 0.92 of the gap: the middle pairs' upper teeth at 0.6 of it stay
    whole under AU25 + AU26."""
    from atw_ofx.models.mouth import LOWER_INNER, TEETH_SPAN, UPPER_INNER

    _, lm, generated = opened_smile(shared_data, "17.png")
    upper, lower = lm[list(UPPER_INNER)][TEETH_SPAN], lm[list(LOWER_INNER)][TEETH_SPAN]
    points = np.round(upper + 0.6 * (lower - upper) - 0.5).astype(int)
    assert generated[points[:, 1], points[:, 0]].max() < 0.05


def test_a_tooth_between_barely_parted_lips_is_found_by_its_light(demo):
    """Teeth shine between lips parted less than the gap at which the mesh's contours show them
    (a tooth's edge on a nearly closed mouth): found by their light, the renderer holds them as
    shot while the lips move (AU10 stretched one into a tall white streak). A closed mouth whose
    lower lip is lit brighter than the upper shows no teeth."""
    import cv2

    from atw_ofx.models.mouth import LOWER_INNER, OUTER_LIPS, UPPER_INNER, teeth_lit, teeth_shown

    _, mesh = demo
    # The demo's smile, its lips brought to 0.05 IOD apart: too little for the contours' gap.
    mesh = mesh.copy()
    upper = mesh[list(UPPER_INNER)]
    down = np.array([0.0, 1.0])
    mesh[list(LOWER_INNER)] = upper + 0.05 * iod(mesh) * down
    lower = mesh[list(LOWER_INNER)]
    assert teeth_shown(mesh)[2].max() == 0.0
    # Lips at a display level of 0.3 (the model's encoding: 2·0.3 − 1), the skin around lighter.
    luma = np.full((N, N), 2 * 0.5 - 1, np.float32)
    cv2.fillPoly(luma, [np.round(mesh[list(OUTER_LIPS)] - 0.5).astype(np.int32)], 2 * 0.3 - 1)
    closed = luma.copy()
    # A tooth's edge in one pair's gap.
    pair = len(UPPER_INNER) // 2 - 1
    middle = np.round((upper[pair] + lower[pair]) / 2 - 0.5).astype(int)
    luma[middle[1], middle[0] - 1:middle[0] + 2] = 2 * 0.6 - 1
    lit = teeth_lit(mesh, luma)
    assert lit[pair] > 0.9 and lit[pair + 3] < 0.1
    # No tooth, the lower lip lit to 1.5× the upper's light: nothing shines between the lips.
    bottom = np.concatenate((lower, mesh[list(OUTER_LIPS[19:10:-1])][::-1]))
    cv2.fillPoly(closed, [np.round(bottom - 0.5).astype(np.int32)], 2 * 0.45 - 1)
    assert teeth_lit(mesh, closed).max() < 0.1


def test_the_lips_edges_round_the_opening_are_resampled_past_the_fields_step():
    """Inside the opening every pixel samples the seam; up-sampled from the grid, that step in
    the field is a ramp a few crop pixels wide through which the lips' edge sampled everything
    between the seam and itself — teeth squeezed into light slivers along the opening (open
    smiles' corners). With the field, the lips just outside the opening take the field from
    beyond the ramp: here, where the lips stay still, the plate itself."""
    import torch

    from atw_ofx.conventions import MotionField
    from atw_ofx.models.base import RAMP
    from atw_ofx.models.mouth import GeneratedRegion

    grid, size = 64, 512
    k = size / grid
    # An opening on the grid (columns 20–44, rows 30–36) whose pixels all sample the seam's row
    # (33); the lips around it still.
    field = np.zeros((2, grid, grid))
    rows = np.arange(grid) + 0.5
    field[1, 30:36, 20:44] = (33.0 - rows[30:36])[:, None]
    rectangle = lambda x0, y0, x1, y1: np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)  # noqa: E731
    opening = GeneratedRegion(rectangle(20, 30, 44, 36), rectangle(14, 24, 50, 42), grid)
    # A plate whose rows differ (a vertical ramp of light): a row sampled from elsewhere shows.
    plate = np.repeat(np.linspace(0.1, 0.9, size, dtype=np.float32)[:, None, None], size, 1)
    plate = np.ascontiguousarray(np.repeat(plate, 3, 2))
    flow = MotionField(torch.from_numpy(field)[None].float()).resized(size, size)
    warped = flow.warp(torch.from_numpy(plate).permute(2, 0, 1)[None])[0].permute(1, 2, 0)
    warped = np.ascontiguousarray(warped.numpy())
    inside = region_mask(opening, size)
    distance = cv2.distanceTransform((inside == 0).astype(np.uint8), cv2.DIST_L2, 5)
    lips_edge = (distance > 0) & (distance <= RAMP * k)
    plain, _ = fill_region(warped.copy(), plate, opening, (0, 1, 2))
    assert np.abs(plain[lips_edge] - plate[lips_edge]).max() > 0.01  # squeezed rows
    out, generated = fill_region(warped.copy(), plate, opening, (0, 1, 2), field)
    assert np.abs(out[lips_edge] - plate[lips_edge]).max() < 1e-4
    # The lips are the plate's, re-sampled: the generated mask is the opening's alone.
    assert np.array_equal(generated.full(size), inside)
    far = distance > RAMP * k + 2
    assert np.array_equal(out[far], warped[far])


def test_held_teeth_by_the_cavity_are_resampled_by_their_own_field():
    """The lower teeth under an open smile's cavity go down with the jaw (the held teeth's own
    field), the lips' field past their opening elsewhere (a smile's corners going up): the
    cavity's edge re-samples them from beyond the field's step, and there, past their thin
    opening, lay the lips' field — the teeth broke into shards along the cavity. By their own
    field they come out whole: a vertical ramp of light moved rigidly. Teeth held still (their
    own field zero) are left to the field beyond, as before (by the cavity's tips, the teeth's
    opening carried out with the lips holds lip)."""
    from atw_ofx.models.mouth import GeneratedRegion, _beyond_the_step, coverage
    from atw_ofx.models.teeth import HeldField

    grid, size = 64, 512
    k = size / grid
    rectangle = lambda x0, y0, x1, y1: np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)  # noqa: E731
    opening = GeneratedRegion(rectangle(20, 26, 44, 34), rectangle(14, 20, 50, 42), grid)
    teeth = rectangle(20, 34, 44, 35)  # a band of lower teeth under the cavity, a grid px tall
    covered = coverage(teeth, (0, 0, grid, grid))
    jaw = np.zeros((2, grid, grid), np.float32)
    jaw[1] = -3.0  # backward: the teeth came down 3 grid px
    lips = np.where(covered[None] > 0.5, jaw, np.float32(2.0) * (np.arange(2) == 1)[:, None, None])
    plate = np.repeat(np.linspace(0.1, 0.9, size, dtype=np.float32)[:, None, None], size, 1)
    plate = np.ascontiguousarray(np.repeat(plate, 3, 2))
    inside = region_mask(opening, size) >= 1.0
    distance = cv2.distanceTransform((~inside).astype(np.uint8), cv2.DIST_L2, 5)
    band = coverage(teeth * k, (0, 0, size, size)) > 0.5
    near = band & (distance > 0) & (distance <= 8.0)
    ys = np.nonzero(near)[0] + 0.5
    as_moved = np.interp(ys - 3.0 * k - 0.5, np.arange(size), plate[:, 0, 0])

    def resampled(held):
        out = plate.copy()
        _beyond_the_step(out, plate, inside, (0, 0), lips, [0, 1, 2], k, 12.5, None, held)
        return out[near][:, 0]

    assert np.abs(resampled(None) - as_moved).max() > 0.05  # the lips' field: not the teeth's
    assert np.abs(resampled(HeldField(jaw, covered, teeth)) - as_moved).max() < 1e-4
    still = HeldField(np.zeros_like(jaw), covered, teeth)
    assert np.array_equal(resampled(still), resampled(None))


def seam_share(mesh, luma, light=None):
    """The share of the lips' gap at which :func:`teeth_seam` parts the middle pairs."""
    from atw_ofx.models.mouth import TEETH_SPAN, teeth_seam, teeth_shown

    upper, lower, _ = teeth_shown(mesh)
    seam = teeth_seam(mesh, luma, light)
    gap = (lower - upper)[TEETH_SPAN]
    return float(np.median(np.sum((seam - upper)[TEETH_SPAN] * gap, 1) / np.sum(gap * gap, 1)))


def test_a_mouths_own_dark_under_its_upper_teeth_is_where_it_parts(shared_data):
    """On a shared open smile's mesh, over the lips' gap, the cheeks at 0.4 (the model's
    encoding): teeth that fill it with the upper lip's shadow darkest at its top (0.25: rows of
    teeth that touch) part at the lower lip; a talking mouth's own dark under its upper teeth
    (−0.6, a full SEAM_DARK_GAP below the cheeks) is where it parts — at the lower lip, a black
    crescent opened under the tongue, which stayed up with the skull."""
    from atw_ofx.face import CropBox
    from atw_ofx.imageio import read_image
    from atw_ofx.models.mouth import SEAM_SEARCH, teeth_shown

    plate = read_image(shared_data / "plates" / "ffhq_atw" / "2.png")
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    mesh = CropBox.from_landmarks(face.landmarks).to_crop(face.landmarks, N)
    upper, lower, _ = teeth_shown(mesh)
    ys = np.arange(N)[:, None] + 0.5
    top, bottom = np.median(upper[:, 1]), np.median(lower[:, 1])
    t = (ys - top) / (bottom - top)  # 0 at the upper lip's middle, 1 at the lower's
    skin = np.where((t < 0) | (t > 1), 0.4, np.nan)  # the cheeks beside the nose lie above
    teeth = np.where(t < SEAM_SEARCH[0] + 0.05, 0.25, 0.75)
    assert seam_share(mesh, np.fmax(skin, teeth) * np.ones((1, N), np.float32)) > 0.9
    talking = np.clip(-0.6 + 0.8 * (t - SEAM_SEARCH[0]) / 0.6, -0.6, 0.2)
    assert seam_share(mesh, np.fmax(skin, talking) * np.ones((1, N), np.float32)) \
        < SEAM_SEARCH[0] + 0.1


def test_an_open_smile_parts_where_its_upper_teeth_end_read_at_full_size(shared_data):
    """Face 9's open smile shows the tips of its lower teeth under the upper teeth, and under them
    the lower lip's shadow, as dark as the line where the rows meet; the model's grid blurs that
    line, and parted at the shadow, the tips and a band of lip stayed under the upper teeth while
    the jaw dropped. Read at full size, the mouth parts where the upper teeth end: under AU26 the
    upper teeth stay whole and the tips go down with the jaw (the cavity where they were)."""
    from atw_ofx.imageio import read_image
    from atw_ofx.models.mouth import LOWER_INNER, TEETH_SPAN, UPPER_INNER

    plate = read_image(shared_data / "plates" / "ffhq_atw" / "9.png")
    as_shot = render_frame(plate, np.zeros(17, np.float32), LandmarkRig())
    lm = as_shot.face.landmarks
    result = render_frame(plate, aus("AU26=5"), LandmarkRig(), face=as_shot.face,
                          options=RenderOptions(aovs=("generated",)))
    generated = result.plate.pixels[..., result.plate.channels.index("generated.A")]
    upper, lower = lm[list(UPPER_INNER)][TEETH_SPAN], lm[list(LOWER_INNER)][TEETH_SPAN]
    at = lambda share: np.round(upper + share * (lower - upper) - 0.5).astype(int)  # noqa: E731
    # The upper teeth (between two of their tips, the lip as shot takes the cavity's dark).
    teeth = at(0.65)
    light = plate.pixels[teeth[:, 1], teeth[:, 0], :3].mean(-1)
    lit = light >= 0.6 * light.max()
    assert lit.sum() >= 3
    assert generated[teeth[lit, 1], teeth[lit, 0]].max() < 0.05
    assert generated[at(0.85)[:, 1], at(0.85)[:, 0]].min() > 0.9  # the lower teeth's tips


def test_where_the_upper_teeth_end_is_the_first_dark_at_full_size(shared_data):
    """On a shared open smile's mesh (face 2), a light at full size along its pairs of inner-lip
    points — teeth, a dark line at 0.7 of the lips' gap, the lower teeth's tips, the lower
    lip's shadow as dark at 0.9 — over a model grid that shows only the shadow (darkening down
    to the lower lip): the seam takes the line, the first place as dark as the darkest. Rows of
    teeth that touch (the grid darkest at the search's top) still part at the lower lip; a line
    above the mouth's floor is not taken (the floor's seam, below it, is)."""
    from atw_ofx.models.base import smoothstep
    from atw_ofx.models.mouth import FLOOR_EASE, OVER_THE_FLOOR, SEAM_SEARCH, teeth_shown

    mesh = shared_mesh(shared_data, "2.png")
    upper, lower, shown = teeth_shown(mesh)
    assert shown.max() > 0.9

    def share_of(points):
        """Where points lie between the lips (0 the upper, 1 the lower) at their column."""
        x, y = points[..., 0], points[..., 1]
        top = np.interp(x, upper[:, 0], upper[:, 1])
        return (y - top) / np.maximum(np.interp(x, lower[:, 0], lower[:, 1]) - top, 1e-6)

    def with_lines(*lines):
        def light(points):
            t = share_of(points)
            out = np.full(t.shape, 0.8, np.float32)  # teeth
            for centre in lines:
                out[np.abs(t - centre) < 0.04] = 0.1
            return out
        return light

    ys, xs = np.mgrid[0:N, 0:N] + 0.5
    t = share_of(np.stack((xs, ys), -1))
    between = (xs > upper[0, 0]) & (xs < upper[-1, 0]) & (t > -0.5) & (t < 1.5)
    skin = np.where(between, np.nan, 0.4)  # the cheeks beside the nose lie outside the mouth
    grid = np.fmax(skin, 0.6 - 1.2 * smoothstep((t - 0.5) / 0.5)).astype(np.float32)
    assert seam_share(mesh, grid) > 0.85
    line = seam_share(mesh, grid, with_lines(0.7, 0.9))
    assert line == pytest.approx(0.7, abs=0.04)
    # A line above the floor: the floor's seam.
    assert seam_share(mesh, grid, with_lines(0.35, 0.9)) == pytest.approx(
        OVER_THE_FLOOR + FLOOR_EASE, abs=0.02)
    # Rows that touch: the grid darkest at the search's top, not far darker than the cheeks.
    touching = np.fmax(skin, np.where(t < SEAM_SEARCH[0] + 0.05, 0.25, 0.75)).astype(np.float32)
    assert seam_share(mesh, touching, with_lines(0.7)) > 0.9
    # The grid darkest just below the floor: the line eased in (from one frame to the next, a
    # talking mouth's seam does not jump between the two).
    weights = []
    for darkest in (0.45, 0.5, 0.53, 0.6):
        dip = np.fmax(skin, 0.6 - 1.2 * np.exp(-((t - darkest) / 0.05) ** 2)).astype(np.float32)
        coarse = seam_share(mesh, dip)
        weights.append(float(smoothstep(np.array((coarse - OVER_THE_FLOOR - FLOOR_EASE)
                                                 / FLOOR_EASE))))
        assert seam_share(mesh, dip, with_lines(0.7)) == pytest.approx(
            coarse + weights[-1] * (line - coarse), abs=0.01)
    assert weights[0] == 0.0 and weights[-1] == 1.0 and 0.1 < max(weights[1:3]) < 0.9


def test_the_middle_teeth_ending_lower_than_their_neighbours_are_not_cut(shared_data):
    """The upper teeth's ends read pair by pair at full size (face 2's mesh, a dark line between
    the rows at 0.85 of the lips' gap under the two middle pairs' teeth — the central incisors,
    longer — and at 0.7 under the rest): each pair parts at its own teeth's end, as much as its
    neighbours agree (the median of three, no lower than the mouth's median) — parted at the
    mouth's median alone, the cavity cut the central incisors' tips off flat (faces 14 and 0
    under AU26 and an open smile's AU25, looked at)."""
    from atw_ofx.models.mouth import TEETH_SPAN, teeth_seam, teeth_shown

    mesh = shared_mesh(shared_data, "2.png")
    upper, lower, _ = teeth_shown(mesh)
    middle = (upper + lower) / 2
    longer = np.arange(len(upper))[TEETH_SPAN][1:3]

    def light(points):
        pair = np.abs(points[..., :1] - middle[None, None, :, 0]).argmin(-1)
        top = np.interp(points[..., 0], upper[:, 0], upper[:, 1])
        t = (points[..., 1] - top) / np.maximum(
            np.interp(points[..., 0], lower[:, 0], lower[:, 1]) - top, 1e-6)
        line = np.where(np.isin(pair, longer), 0.85, 0.7)
        return np.where(np.abs(t - line) < 0.04, 0.1, 0.8).astype(np.float32)

    grid = np.full((N, N), 0.3, np.float32)  # (rows of teeth apart: darkest low in the gap)
    grid[int(upper[:, 1].min()):int(lower[:, 1].max()) + 1] = 0.6
    grid[int(middle[:, 1].mean()) + 2:int(lower[:, 1].max()) + 1] = 0.1
    seam = teeth_seam(mesh, grid, light)
    gap = lower - upper
    share = np.sum((seam - upper) * gap, 1) / np.maximum(np.sum(gap * gap, 1), 1e-9)
    assert np.all(np.abs(share[longer] - 0.85) < 0.04), share
    assert abs(share[longer[-1] + 1] - 0.7) < 0.04, share


def test_a_jaw_dropped_under_an_open_smile_keeps_its_central_incisors_whole(shared_data):
    """Face 14's central incisors end lower than its other teeth: under AU26 their last rows as
    shot (three pixels above where each ends, down the middle pairs' gap) stay the plate's
    teeth (kept 0.06 and 0.19 of their light before: the cavity drawn across them)."""
    from atw_ofx.imageio import read_image
    from atw_ofx.models.mouth import LOWER_INNER, UPPER_INNER

    plate = read_image(shared_data / "plates" / "ffhq_atw" / "14.png")
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    out = render_frame(plate, aus("AU26=5"), LandmarkRig(), face=face).plate.pixels
    for pair in (4, 5):
        top, bottom = face.landmarks[UPPER_INNER[pair]], face.landmarks[LOWER_INNER[pair]]
        points = top + np.linspace(0, 1, int(np.linalg.norm(bottom - top)))[:, None] * (
            bottom - top)
        xs, ys = np.round(points - 0.5).astype(int).T
        light = plate.pixels[ys, xs, :3].mean(-1)
        peak = int(np.argmax(light))
        end = peak + int(np.argmax(light[peak:] < 0.5 * light[peak]))  # the tooth's edge
        last = slice(end - 4, end - 1)
        assert last.start > peak
        kept = out[ys[last], xs[last], :3].mean() / plate.pixels[ys[last], xs[last], :3].mean()
        assert kept > 0.9, (pair, kept)


def test_the_renderers_light_is_the_crops_at_points_on_the_grid():
    """:func:`atw_ofx.render._light_at` reads the crop (linear) at points given on the model's
    grid: a crop whose columns ramp in light reads, at a grid point, the display-like light
    (^ 1/2.2) of the crop's column under it — pooled by 2 on a 1100 px crop."""
    import torch

    from atw_ofx.render import _light_at

    size, grid = 1100, 128
    ramp = np.linspace(0.0, 1.0, size, dtype=np.float32)
    crop = torch.from_numpy(np.broadcast_to(ramp, (3, size, size)).copy())[None]
    points = np.array([[[10.25, 40.0], [64.0, 90.5]], [[100.0, 3.0], [127.0, 120.0]]])
    light = _light_at(crop, [0, 1, 2], grid)(points)
    assert light.shape == (2, 2)
    x = points[..., 0] * size / grid  # crop px, continuous
    expected = np.interp(x - 0.5, np.arange(size), ramp) ** (1 / 2.2)
    assert np.allclose(light, expected, atol=2e-3)


@pytest.mark.parametrize("clip, index", [("liveportrait_d10.mp4", 103),
                                         ("liveportrait_d12.mp4", 125)])
def test_a_talking_mouth_opens_above_its_tongue(shared_data, clip, index):
    """A shared clip's open mouth (liveportrait_d10, frame 104: upper teeth, the mouth's dark, a
    tongue on its floor; liveportrait_d12, frame 126: open 0.45 IOD, its tongue raised, darkest
    under it — parted there, the tongue was cut by a dark band, `mouth.WIDE_OPEN`) opened
    further by AU25 + AU26 at 5: the generated cavity lies under the upper teeth, and the tongue
    goes down with the jaw — not a cavity opened under it."""
    from atw_ofx.models.mouth import LOWER_INNER, LOWER_LIP_AU25, TEETH_SPAN, UPPER_INNER

    plate = clip_frame(shared_data, clip, index)
    as_shot = render_frame(plate, np.zeros(17, np.float32), LandmarkRig())
    lm = as_shot.face.landmarks
    result = render_frame(plate, aus("AU25=5", "AU26=5"), LandmarkRig(), face=as_shot.face,
                          options=RenderOptions(aovs=("generated",)))
    generated = result.plate.pixels[..., result.plate.channels.index("generated.A")]
    upper, lower = lm[list(UPPER_INNER)][TEETH_SPAN], lm[list(LOWER_INNER)][TEETH_SPAN]
    under_teeth = np.round(upper + 0.45 * (lower - upper) - 0.5).astype(int)
    assert generated[under_teeth[:, 1], under_teeth[:, 0]].min() > 0.9
    # The tongue as shot, a quarter of the gap above the lower lip, went down with the lips'
    # parting (the lower lip's travel): there is the tongue, not the cavity.
    eyes = lm[473] - lm[468]
    iod = float(np.linalg.norm(eyes))
    down = np.array([-eyes[1], eyes[0]]) / iod
    travel = (LOWER_LIP_AU25 + JAW_AU26) * iod * down
    tongue = np.round(upper + 0.75 * (lower - upper) + travel - 0.5).astype(int)
    assert generated[tongue[:, 1], tongue[:, 0]].max() < 0.1
    # The cavity is the mouth's own dark as shot — no second tongue drawn on its floor, not the
    # brown of a cavity shaded against the skin: no lighter than that dark under the teeth.
    dark = np.round(upper + 0.35 * (lower - upper) - 0.5).astype(int)
    own = plate.pixels[dark[:, 1], dark[:, 0], :3].mean()
    assert result.plate.pixels[..., :3][generated > 0.99].mean() < own


def test_a_talking_mouth_opens_under_what_it_shows_without_a_hard_line(shared_data):
    """liveportrait_d10 frame 104 (a talking mouth: upper teeth, the mouth's dark, the back of
    its tongue lit on one side) opened further by AU25 + AU26 at 5: where the opening's top
    meets the inside as shot kept over it, column by column no step in light — the opening
    starts from it (`mouth.CEILING_REACH`). Starting at the mouth's darkest, it was a hard line
    2.5× darker than the tongue's back over it (90th percentile over the middle columns)."""
    plate = clip_frame(shared_data, "liveportrait_d10.mp4", 103)
    as_shot = render_frame(plate, np.zeros(17, np.float32), LandmarkRig())
    result = render_frame(plate, aus("AU25=5", "AU26=5"), LandmarkRig(), face=as_shot.face,
                          options=RenderOptions(aovs=("generated",)))
    generated = result.plate.pixels[..., result.plate.channels.index("generated.A")]
    light = result.plate.pixels[..., :3].mean(-1)
    steps = []
    for column in np.flatnonzero((generated >= 0.99).any(0)):
        top = int(np.argmax(generated[:, column] >= 0.99))
        steps.append(light[top - 2:top, column].mean() / light[top:top + 2, column].mean())
    middle = np.array(steps)[len(steps) // 5:-(len(steps) // 5)]
    assert len(middle) > 30
    assert np.percentile(middle, 90) < 1.6


def test_an_open_o_whose_gap_is_not_lit_like_teeth_opens_above_its_tongue(shared_data,
                                                                           monkeypatch):
    """liveportrait_d18 frame 88: an open O (0.29 IOD, just short of `mouth.WIDE_OPEN`) showing
    its tongue and the mouth's back, no teeth, darkest half way down its tongue. Under AU26 its
    gap, not lit like teeth (`mouth.gap_lit`), parts at the top as a wide-open mouth does — its
    own dark continued, its tongue going down with the jaw: parted where it was darkest, a second
    mouth with a drawn tongue opened inside it (looked at)."""
    from atw_ofx.models.mouth import GeneratedRegion

    plate = clip_frame(shared_data, "liveportrait_d18.mp4", 87)
    regions = []
    field_and_interior = LandmarkRig.field_and_interior

    def spy(self, *args, **kwargs):
        field, interior = field_and_interior(self, *args, **kwargs)
        regions.extend(r for r in interior or () if isinstance(r, GeneratedRegion) and r.cavity)
        return field, interior

    monkeypatch.setattr(LandmarkRig, "field_and_interior", spy)
    render_frame(plate, aus("AU26=5"), LandmarkRig())
    assert len(regions) == 1
    assert regions[0].above_the_floor == 1.0 and regions[0].open_as_shot is not None


def test_the_opening_under_light_teeth_starts_dark():
    """`mouth._onto_the_floor`: a column starts from the colour over it when that is not far
    lighter than the mouth's dark (the inside as shot), and at the dark under what is (teeth and
    lips keep their edge over the opening: `mouth.CEILING_BLEND`)."""
    from atw_ofx.models.mouth import CEILING_BLEND, _onto_the_floor

    inside = np.ones((20, 3), bool)
    dark = np.full(3, 0.02, np.float32)
    floor = np.full((3, 3), 0.02, np.float32)
    ceiling = np.array([[0.04] * 3, [0.02 * CEILING_BLEND[1] * 1.5] * 3, [0.01] * 3], np.float32)
    column = _onto_the_floor(dark, floor, inside, ceiling)
    assert np.allclose(column[0], ceiling[[0, 1, 2]] * [[1], [0], [1]] + dark * [[0], [1], [0]])
    assert np.allclose(column[12:], dark)  # the dark below the ceiling's reach
    assert np.allclose(_onto_the_floor(dark, floor, inside), dark)


def test_the_inner_lips_by_the_corners_move_with_their_lips(demo, monkeypatch):
    """:func:`lip_controls` on the demo mesh (a closed mouth): a corner pulled up (AU12) or out
    (AU20) pulls the inner lips beside it — wholly — and closes the gap beside it, a rising
    corner by raising the lower lip; a still, falling or inward corner (AU17, AU15, AU23) pulls
    nothing (the rig leaves those lips to the spline); a lower lip raised past its upper one
    pushes the upper up — the pairs stay in order."""
    from atw_ofx.face.layout import ibug68
    from atw_ofx.models import mouth
    from atw_ofx.models.mouth import UPPER_INNER, lip_controls
    from atw_ofx.models.rig import FaceFrame, with_cheeks

    mesh = demo[1]
    frame = FaceFrame(with_cheeks(ibug68(mesh)))
    scale = iod(mesh)
    points, nothing, none = lip_controls(mesh, np.zeros((70, 2)))
    upper, lower = np.split(points, 2)
    assert len(upper) == 6 and all(any(np.allclose(p, mesh[i]) for i in UPPER_INNER) for p in upper)
    shot = (lower - upper) @ frame.y
    assert not nothing.any() and not none.any() and (shot > 0).all()
    rig = LandmarkRig()
    moved = {edit: rig.displacements(mesh, aus(edit), lower_lids=False)
             for edit in ("AU12=5", "AU20=5", "AU15=5", "AU17=5", "AU23=5")}
    for edit in ("AU12=5", "AU20=5"):
        assert (lip_controls(mesh, moved[edit])[2] > 0.99).all(), edit
    for edit in ("AU15=5", "AU17=5", "AU23=5"):
        assert not lip_controls(mesh, moved[edit])[2].any(), edit

    # AU12's corners pulled up: the pairs nearest them close from where the lips alone take them
    # (no tension), the lower lip rising to meet the upper.
    _, shifts, _ = lip_controls(mesh, moved["AU12=5"])
    monkeypatch.setattr(mouth, "LIP_TENSION", 0.0)
    _, plain, _ = lip_controls(mesh, moved["AU12=5"])
    monkeypatch.undo()
    gap, plain_gap = ((np.split(s, 2)[1] - np.split(s, 2)[0]) @ frame.y for s in (shifts, plain))
    nearest = [0, -1]
    assert ((shot + gap)[nearest] < 0.7 * (shot + plain_gap)[nearest]).all()
    assert np.allclose(np.split(shifts, 2)[0][nearest], np.split(plain, 2)[0][nearest], atol=0.1)

    # The lower lip raised far past the upper: the upper pushed up with it.
    raised = np.zeros((70, 2))
    raised[[48, 54, 55, 56, 57, 58, 59]] = -0.3 * scale * frame.y
    _, shifts, _ = lip_controls(mesh, raised)
    up, low = np.split(shifts, 2)
    after = (lower + low - upper - up) @ frame.y
    assert (after >= np.minimum(shot, 0.0) - 1e-2).all()
    assert (-(up @ frame.y) > 0.0).any()


def test_where_the_spline_takes_a_point_is_found_where_its_field_squeezes(shared_data):
    """The rig's spline motion of the inner lips by the corners (:meth:`LandmarkRig.
    _spline_motion`), on a shared closed mouth under AU23 — the lips squeezed towards their line,
    the field's gradient past 1 (a fixed-point iteration wandered off by ~1.5 px): a control
    placed there changes the spline's field by nothing, so a corner pulled by none leaves the
    field as it was."""
    from atw_ofx.face.layout import ibug68
    from atw_ofx.models import eyelids, spline
    from atw_ofx.models.mouth import lip_controls

    mesh = shared_mesh(shared_data, "13.png")
    rig, landmarks = LandmarkRig(), ibug68(mesh)
    moved = rig.displacements(landmarks, aus("AU23=5"), lower_lids=False)
    extra = eyelids.lid_controls(mesh, moved)
    lips = lip_controls(mesh, moved)[0]
    free = rig._spline_motion(landmarks, moved, extra, lips)
    grid = np.stack(np.meshgrid(np.arange(N) + 0.5, np.arange(N) + 0.5), -1).reshape(-1, 2)
    with_lips = (np.concatenate((extra[0], lips)), np.concatenate((extra[1], free)))
    change = spline.evaluate(rig._spline(landmarks, moved, with_lips), grid) \
        - spline.evaluate(rig._spline(landmarks, moved, extra), grid)
    assert np.abs(change).max() < 1e-4


def test_a_talking_mouth_opened_wide_darkens_from_its_floor_up(shared_data):
    """The shared clip's open mouth (liveportrait_d10, frame 104) opened by AU25 + AU26 at 5:
    the mouth's own dark generated above its floor is not flat (a maroon shield laid across the
    mouth, its floor's edge cut hard) — each column goes from the dark at its top to the tongue
    under it: its lowest generated rows are lit like the floor below them, its upper part (past
    where it starts from what lies over it: `mouth.CEILING_REACH`) as dark as the mouth's own
    dark."""
    from atw_ofx.models.mouth import CEILING_REACH

    plate = clip_frame(shared_data, "liveportrait_d10.mp4", 103)
    as_shot = render_frame(plate, np.zeros(17, np.float32), LandmarkRig())
    result = render_frame(plate, aus("AU25=5", "AU26=5"), LandmarkRig(), face=as_shot.face,
                          options=RenderOptions(aovs=("generated",)))
    out = result.plate.pixels[..., :3].mean(-1)
    whole = result.plate.pixels[..., result.plate.channels.index("generated.A")] > 0.99
    cols = np.flatnonzero(whole.sum(0) >= 12)
    assert len(cols) > 20
    top, bottom, floor = [], [], []
    for c in cols:
        rows = np.flatnonzero(whole[:, c])
        below_ceiling = int(np.ceil(CEILING_REACH * len(rows)))
        top.append(out[rows[below_ceiling:below_ceiling + 3], c].mean())
        bottom.append(out[rows[-3:], c].mean())
        floor.append(out[rows[-1] + 3:rows[-1] + 6, c].mean())
    top, bottom, floor = (np.median(v) for v in (top, bottom, floor))
    assert bottom > 1.6 * top
    assert abs(np.log(bottom / floor)) < 0.25


def test_a_mouth_parting_near_its_floor_goes_between_its_own_dark_and_the_shaded_cavity(demo):
    """A talking mouth whose seam crossed OVER_THE_FLOOR from one frame to the next went from
    its own dark to the shaded cavity, 2–3× as light (a shared clip's frames in sequence): over
    FLOOR_EASE either side the two mix — half way, half of each."""
    import dataclasses

    from atw_ofx.models.mouth import (FLOOR_EASE, LOWER_INNER, OVER_THE_FLOOR, UPPER_INNER,
                                      above_the_floor)

    assert above_the_floor(OVER_THE_FLOOR - FLOOR_EASE) == 1.0
    assert above_the_floor(OVER_THE_FLOOR + FLOOR_EASE) == 0.0
    assert above_the_floor(OVER_THE_FLOOR) == pytest.approx(0.5)
    mesh = demo[1]
    _, interior = mouth_field(mesh, 5.0, 5.0, N)
    size = 256
    plate = np.full((size, size, 3), 0.3, np.float32)
    shot = np.concatenate((mesh[list(UPPER_INNER)], mesh[list(LOWER_INNER)][-2:0:-1]))
    gap = np.zeros((size, size), np.uint8)
    cv2.fillPoly(gap, [np.round(shot * size / N - 0.5).astype(np.int32)], 1)
    plate[cv2.dilate(gap, np.ones((5, 5), np.uint8)) > 0] = 0.01  # its own dark as shot
    means = []
    for above in (0.0, 0.5, 1.0):
        region = dataclasses.replace(interior, open_as_shot=shot, above_the_floor=above)
        out, generated = fill_region(plate.copy(), plate, region, (0, 1, 2))
        means.append(out[generated.full(size) > 0.99].mean())
    assert means[0] > 1.3 * means[2]
    assert means[1] == pytest.approx((means[0] + means[2]) / 2, rel=0.1)


def test_an_opening_under_teeth_shown_stays_under_them():
    """A smile's corners carry the opening of a mouth that shows its teeth up at its ends: its
    upper edge is kept no higher than as shot (the teeth stay), its lower edge no higher than its
    upper, and the ends where the two meet are cut a point past where it is open — as shot
    where nothing moved it up."""
    from atw_ofx.models.mouth import under_the_teeth

    xs = np.linspace(0.0, 32.0, 17)
    top, bottom = np.full_like(xs, 10.0), 10.0 + 4.0 * np.sin(np.pi * xs / 32.0)
    shot = np.concatenate((np.stack((xs, top), 1), np.stack((xs, bottom), 1)[::-1]))
    lift = 6.0 * (np.abs(xs - 16.0) / 16.0) ** 2  # the corners up by 6, the middle still
    now = shot - np.concatenate((lift, lift[::-1]))[:, None] * (0.0, 1.0)
    down = np.array([0.0, 1.0])
    out = under_the_teeth(now, shot, down)
    half = len(out) // 2
    upper, lower = out[:half], out[half:][::-1]
    assert len(out) % 2 == 0 and np.array_equal(upper[:, 0], lower[:, 0])
    assert np.all(upper[:, 1] >= 10.0 - 1e-9)  # never above the teeth's edge as shot
    assert np.all(lower[:, 1] >= upper[:, 1] - 1e-9)
    # Open where the lower edge stays below the teeth: the ends where it rose past them are cut.
    still_open = bottom - lift > 10.0
    assert upper[0, 0] == xs[np.flatnonzero(still_open)[0] - 1]
    assert upper[-1, 0] == xs[np.flatnonzero(still_open)[-1] + 1]
    np.testing.assert_array_equal(under_the_teeth(shot + (0.0, 2.0), shot, down), shot + (0, 2))
    flat = np.concatenate((np.stack((xs, top), 1), np.stack((xs, top), 1)[::-1]))
    assert under_the_teeth(flat - (0.0, 3.0), flat, down) is None  # open nowhere: none


def test_the_renderers_pixels_are_the_crops_at_full_size():
    """:func:`atw_ofx.render._pixels_at` reads the crop's colour channels at points in its own
    px, as :func:`~atw_ofx.points.sample_window` reads the whole crop, from the window they fall
    in: bilinear between pixels, the crop's edges held — a crop with a fourth (non-colour)
    channel and its colour channels out of order reads only those, in that order."""
    import torch

    from atw_ofx.points import sample_window
    from atw_ofx.render import _pixels_at

    size = 300
    rng = np.random.default_rng(3)
    crop = rng.random((4, size, size), dtype=np.float32)
    points = np.array([[[10.25, 40.0], [150.5, 90.75]], [[-3.0, 2.0], [299.0, 310.0]]])
    got = _pixels_at(torch.from_numpy(crop)[None], [2, 0, 1])(points)
    assert got.shape == (2, 2, 3)
    expected = sample_window(np.ascontiguousarray(crop.transpose(1, 2, 0)), points[..., 0],
                             points[..., 1], cv2.INTER_LINEAR, [2, 0, 1])
    assert np.allclose(got, expected, atol=1e-6)


@pytest.mark.parametrize("name", ["5.png", "9.png"])
def test_between_an_open_smiles_tips_the_jaw_drop_shows_the_mouths_dark(shared_data, name):
    """Under AU25 + AU26 at 5 an open smile's upper teeth part from the lower lip: just above the
    generated cavity (0.03 IOD, over the mouth's middle half) what showed between the teeth's
    tips as shot — the lower lip, pink and orange — takes the cavity's dark (`mouth.
    _dark_between_the_tips`). Few pixels there stay darker and redder than the teeth: 0.16 and
    0.25 of them before."""
    from atw_ofx.imageio import read_image

    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    result = render_frame(plate, aus("AU25=5", "AU26=5"), LandmarkRig(), face=face,
                          options=RenderOptions(aovs=("generated",)))
    pixels = result.plate.pixels
    generated = pixels[..., result.plate.channels.index("generated.A")]
    lm = face.landmarks
    reach = int(round(0.03 * iod(lm)))
    middle, half = (lm[61, 0] + lm[291, 0]) / 2, (lm[291, 0] - lm[61, 0]) / 2
    below_lip = int(lm[13, 1])  # the upper inner lip's middle
    band = []
    for x in range(int(middle - half / 2), int(middle + half / 2)):
        top = below_lip + int(np.argmax(generated[below_lip:, x] >= 0.5))
        band += [(y, x) for y in range(top - reach, top)]
    ys, xs = np.array(band).T
    rgb = pixels[ys, xs, :3]
    light, redness = rgb.mean(-1), (rgb[:, 0] - rgb[:, 1]) / rgb.sum(-1)
    lit = np.quantile(light, 0.9)
    teeth_redness = np.median(redness[light >= 0.75 * lit])
    lip_like = (light < 0.6 * lit) & (redness > teeth_redness + 0.05)
    assert lip_like.mean() < 0.08


def test_only_what_is_redder_and_darker_than_the_teeth_takes_the_cavitys_colour():
    """`mouth._dark_between_the_tips` on a drawn smile: white teeth with lip-pink notches between
    them and grey teeth in shade, over a cavity; the notches take the cavity's colour, the teeth
    (lit or shaded) and the columns by the corners stay, and a black-and-white copy is left as
    it was. What it lays is added to the generated mask."""
    from atw_ofx.models.mouth import Generated, _dark_between_the_tips

    size, top = 120, 60
    cavity = np.array([0.02, 0.005, 0.004], np.float32)
    warped = np.full((size, size, 3), 0.8, np.float32)  # teeth above the cavity
    warped[:, 40:44] = 0.35  # a tooth in shade: darker, not redder
    notches = (slice(top - 3, top), slice(60, 63))
    warped[notches] = (0.5, 0.2, 0.18)  # the lower lip between two tips
    warped[top - 3:top, 8:11] = (0.5, 0.2, 0.18)  # by a corner
    warped[top:] = cavity
    inside = np.zeros((size - top, size), bool)
    inside[:, 5:115] = True
    polygon = np.array([[5.0, 60.0], [115.0, 60.0], [115.0, 120.0], [5.0, 120.0]])
    generated = Generated(0, 0, np.zeros((size, size), np.float32))
    before = warped.copy()
    _dark_between_the_tips(warped, inside, (slice(top, size), slice(0, size)), [0, 1, 2],
                           polygon, 1.0, generated)
    changed = np.abs(warped - before).max(-1) > 1e-6
    edge = (top - 1, slice(60, 63))  # the row on the cavity's edge: most of the way to its dark
    assert (np.abs(warped[edge] - cavity) < 0.25 * np.abs(before[edge] - cavity)).all()
    assert warped[notches].mean() < 0.6 * before[notches].mean()  # eased out over the reach
    assert changed[notches].all() and changed.sum() == changed[notches].sum()
    assert (generated.mask[notches] > 0).all() and generated.mask.sum() == \
        generated.mask[notches].sum()
    grey = np.repeat(before.mean(-1, keepdims=True), 3, -1)
    still = grey.copy()
    _dark_between_the_tips(still, inside, (slice(top, size), slice(0, size)), [0, 1, 2],
                           polygon, 1.0, Generated(0, 0, np.zeros((size, size), np.float32)))
    assert np.array_equal(still, grey)


@pytest.mark.parametrize("name", ["19.png", "0.png", "5.png"])
def test_the_opening_follows_its_seam_without_corners(shared_data, name):
    """The opening's upper edge runs along its seam (one point per pair of inner-lip points) as
    a smooth curve: no corner at any of the seam's points. Laid straight from point to point,
    the cavity was cut in a polygon across an open smile's teeth (face 19 under surprise,
    looked at 2×): the slope's change at a seam point stood 0.08–0.16 above its neighbours'."""
    from atw_ofx.models.mouth import LOWER_INNER, UPPER_INNER

    mesh = shared_mesh(shared_data, name)
    seam = (mesh[list(UPPER_INNER)] + mesh[list(LOWER_INNER)]) / 2
    _, region = mouth_field(mesh, 0.05, 0.0, N, seam=seam)
    top = region.polygon[:len(region.polygon) // 2]
    bends = np.abs(np.diff(np.diff(top[:, 1]) / np.diff(top[:, 0])))
    corner = bends[1:-1] - np.maximum(bends[:-2], bends[2:])  # a bend its neighbours lack
    assert corner.max() < 0.05, corner.max()


@pytest.mark.parametrize("name", ["14.png", "5.png"])
def test_the_held_teeths_dark_is_no_lighter_than_the_cavity(shared_data, name, monkeypatch):
    """Fear at 0.8 on an open smile: the dark the held teeth draw by the corners (past them, and
    beside the side teeth) is as dark as the cavity the mouth opens into beside it. Drawn from
    the opening's shadow as shot it stood 1.26× (face 5) and 1.52× (face 14) lighter than the
    cavity's darkest tenth — a lighter wedge against it (looked at 3×)."""
    from atw_ofx import render
    from atw_ofx.expressions import expression_aus
    from atw_ofx.imageio import read_image

    made = {}
    for step in ("hold_teeth", "fill_region"):
        def kept(out, original, region, *args, _step=getattr(render, step), _name=step, **kw):
            result = _step(out, original, region, *args, **kw)
            made[_name] = (result[0].copy(), result[1])
            return result
        monkeypatch.setattr(render, step, kept)
    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    render_frame(plate, au_vector(expression_aus(["fear=0.8"])), LandmarkRig())
    final, cavity = made["fill_region"]
    held = made["hold_teeth"][1]

    def light_where(generated, where):
        ys, xs = np.nonzero(where)
        return final[ys + generated.y0, xs + generated.x0, :3].mean(-1)

    opened = light_where(cavity, cavity.mask >= 1.0)
    darkest = float(np.mean(np.sort(opened)[:max(len(opened) // 10, 1)]))
    # The held dark: its whole pixels outside the cavity, no lighter than gums would be.
    size = final.shape[0]
    in_cavity = np.zeros((size, size), bool)
    h, w = cavity.mask.shape
    in_cavity[cavity.y0:cavity.y0 + h, cavity.x0:cavity.x0 + w] = cavity.mask > 0.0
    ys, xs = np.nonzero(held.mask >= 1.0)
    outside = ~in_cavity[ys + held.y0, xs + held.x0]
    dark = final[ys[outside] + held.y0, xs[outside] + held.x0, :3].mean(-1)
    dark = dark[dark < 3.0 * darkest]
    assert len(dark) > 50
    assert float(np.median(dark)) <= 1.1 * darkest, (np.median(dark), darkest)
