"""Eyelids on the mesh: a blink closes the whole lash line onto the lower lid, both eyes alike,
without folding the field or moving the brows."""
import cv2
import numpy as np
import pytest

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.demo import demo_face_path
from atw_ofx.face import face_matte
from atw_ofx.imageio import read_image
from atw_ofx.models.eyelids import EYES, LOWER_RISE, blink_field, lash_tilt, lid_make_up
from atw_ofx.models.rig import REGION_GRID, MIN_JACOBIAN, LandmarkRig

N = 128


def aus(*items):
    return au_vector(parse_au_assignments(list(items)))


@pytest.fixture(scope="module")
def mesh_128(demo_mesh):
    """The demo portrait's 478-point mesh on the rig's 128 px grid."""
    return demo_mesh[1]


def sample(field, point):
    """The field's value at a continuous grid point (bilinear, as the warp samples it)."""
    x, y = point[0] - 0.5, point[1] - 0.5
    j, i = int(np.floor(x)), int(np.floor(y))
    fx, fy = x - j, y - i
    f = field[:, i:i + 2, j:j + 2]
    return ((1 - fy) * ((1 - fx) * f[:, 0, 0] + fx * f[:, 0, 1])
            + fy * ((1 - fx) * f[:, 1, 0] + fx * f[:, 1, 1]))


def shows_lid_skin(field, p, upper, lower):
    """Whether output point ``p`` samples skin outside the eye's opening as shot: above its
    upper lid, or below its lower lid (``upper``/``lower``: the lids' middles)."""
    t = np.dot(p + sample(field, p) - upper, lower - upper) / np.dot(lower - upper, lower - upper)
    return t <= 1e-6 or t >= 1 - 1e-6


def lid_midpoints(mesh, eye):
    upper, lower = mesh[list(eye["upper"])], mesh[list(eye["lower"])]
    return upper[len(upper) // 2], lower[len(lower) // 2]


class TestBlinkField:
    def test_open_is_zero(self, mesh_128):
        assert not blink_field(mesh_128, 0.0, N)[0].any()

    def test_half_closed_lid_covers_the_top_of_the_eye_only(self, mesh_128):
        """At closure 0.5 the lash line is about half-way down: the upper quarter of the old eye
        opening shows lid (samples above the old lash line); the part above the lower lid's
        risen rim still shows the eye where it was; both eyes alike."""
        fine = N * 4
        field, _ = blink_field(mesh_128 * 4, 0.5, fine)
        for eye in EYES:
            upper, lower = lid_midpoints(mesh_128 * 4, eye)
            high, low = upper + 0.25 * (lower - upper), upper + 0.7 * (lower - upper)
            assert np.dot(high + sample(field, high) - upper, lower - upper) < 0
            assert np.abs(sample(field, low)).max() < 1e-9

    def test_closed_lid_covers_the_eye(self, mesh_128):
        """At full closure every output point between the old lash line and the lower lid (the
        eye) samples lid skin — above the old lash line, or below the lower lid where it rose
        — never the eye; the lids meet LOWER_RISE of the opening above the lower lid."""
        fine = N * 4
        field, _ = blink_field(mesh_128 * 4, 1.0, fine)
        for eye in EYES:
            upper, lower = lid_midpoints(mesh_128 * 4, eye)
            for t in (0.05, 0.2, 0.35, 0.5, 0.65, 0.9, 0.95):  # not on the meeting line itself
                assert shows_lid_skin(field, upper + t * (lower - upper), upper, lower), t
            # Above the meeting line the upper lid, below it the lower.
            above = upper + (1 - LOWER_RISE - 0.1) * (lower - upper)
            assert np.dot(above + sample(field, above) - upper, lower - upper) <= 1e-6

    def test_lashes_stand_as_shot_half_closed_and_end_on_when_shut(self, mesh_128):
        """Half-closed, the lashes ride down above the lash line at their own height; shut, a
        lid's middle shows no lashes standing up from its line (they turn end-on, into the seam)
        while its corners keep theirs."""
        assert lash_tilt(0.5) == 1.0 and lash_tilt(1.0) == 0.0
        assert all(np.diff([lash_tilt(c) for c in np.linspace(0, 1, 21)]) <= 0)
        fine = N * 4
        mesh = mesh_128 * 4
        for eye in EYES:
            upper, lower = lid_midpoints(mesh, eye)
            down = (lower - upper) / np.linalg.norm(lower - upper)
            opening = float(np.linalg.norm(lower - upper))
            band = 0.3 * opening  # the lowest part of the band: lashes, under any crease limit
            heights = {}
            for closure in (0.5, 1.0):
                field, _ = blink_field(mesh, closure, fine)
                ts = np.linspace(-2.0 * opening, 1.2 * opening, 641)
                points = upper + ts[:, None] * down
                sources = np.array([p + sample(field, p) for p in points])
                depth = (sources - upper) @ down  # below the old lash line: > 0
                in_band = (depth > -band) & (depth < 0)
                heights[closure] = in_band.sum() * (ts[1] - ts[0])
            assert heights[0.5] > 0.8 * band
            assert heights[1.0] < 0.15 * band

    def test_lashes_past_the_outer_corner_turn_with_the_lid(self, mesh_128):
        """Shut, the lash line a little past the mesh's outer corner comes down with the lid
        (left standing, it met the shut line in a tent); the turn fades out, and nothing moves
        OUTER_REACH of the eye's width past the corner."""
        from atw_ofx.models.eyelids import OUTER_REACH

        fine = N * 4
        mesh = mesh_128 * 4
        shut, _ = blink_field(mesh, 1.0, fine)
        half, _ = blink_field(mesh, 0.5, fine)
        for eye in EYES:
            outer, inner = mesh[eye["corners"][0]], mesh[eye["corners"][1]]
            width = float(np.linalg.norm(outer - inner))
            out = (outer - inner) / width
            down = np.array([-out[1], out[0]])
            down = down if down[1] > 0 else -down  # image y grows down
            upper, lower = lid_midpoints(mesh, eye)
            opening = float(np.linalg.norm(lower - upper))

            def source_depth(field, past):
                """Where the output point 0.1 of the opening above the corner's height, ``past``
                × the eye's width beyond it, samples: its source's height over that line."""
                base = outer + past * width * out
                point = base - 0.1 * opening * down
                return float((point + sample(field, point) - base) @ down) / opening

            assert source_depth(half, 0.05) == pytest.approx(-0.1)  # as shot, half closed
            assert source_depth(shut, 0.05) < -0.2  # the lashes above come down to it
            assert source_depth(shut, 0.05) > source_depth(shut, 0.0)  # fading out
            far = outer + (OUTER_REACH + 0.02) * width * out
            assert np.abs(sample(shut, far - 0.2 * opening * down)).max() < 1e-9

    def test_brows_and_outside_the_eyes_stay(self, mesh_128):
        field, _ = blink_field(mesh_128, 1.0, N)
        for brow in (70, 63, 105, 66, 107, 336, 296, 334, 293, 300, 9, 168):
            assert np.abs(sample(field, mesh_128[brow])).max() < 1e-9, brow
        assert np.abs(field[:, :, :].sum(0)[mesh_128[:, 1].astype(int).max():]).max() == 0


class TestRigBlink:
    def test_full_blink_has_no_fold_and_keeps_the_brows(self, mesh_128):
        rig = LandmarkRig()
        matte = face_matte(mesh_128, N)
        field = rig.field(mesh_128, au_vector(parse_au_assignments(["AU45=5"])), matte)
        assert field.shape == (2, N * REGION_GRID, N * REGION_GRID)
        gx, gy = np.gradient(field[0], axis=(1, 0)), np.gradient(field[1], axis=(1, 0))
        det = (1 + gx[0]) * (1 + gy[1]) - gx[1] * gy[0]
        assert det.min() >= MIN_JACOBIAN - 1e-6
        # Not scaled down by the fold guard: the lids still meet.
        upper, lower = lid_midpoints(mesh_128 * REGION_GRID, EYES[0])
        for t in (0.1, 0.5, 0.6, 1.0):  # a grid pixel or more from the meeting line
            assert shows_lid_skin(field, upper + t * (lower - upper), upper, lower), t
        for brow in (105, 334):
            assert np.abs(sample(field, mesh_128[brow] * REGION_GRID)).max() < 0.02 * REGION_GRID

    def test_68_points_keep_the_old_blink(self, mesh_128):
        """Without the mesh (dlib's 68 points) the rig's field stays on the model grid."""
        from atw_ofx.face.layout import ibug68

        lm68 = ibug68(mesh_128)
        field = LandmarkRig().field(lm68, au_vector(parse_au_assignments(["AU45=5"])),
                                    face_matte(lm68, N))
        assert field.shape == (2, N, N) and field.any()

    def test_blink_with_other_aus_is_additive_and_deterministic(self, mesh_128):
        rig = LandmarkRig()
        matte = face_matte(mesh_128, N)
        both = au_vector(parse_au_assignments(["AU45=5", "AU12=3"]))
        a, b = rig.field(mesh_128, both, matte), rig.field(mesh_128, both, matte)
        assert np.array_equal(a, b)
        smile = rig.field(mesh_128, au_vector(parse_au_assignments(["AU12=3"])), matte)
        mouth = (slice(None), slice(int(mesh_128[13, 1]) * REGION_GRID,
                                    int(mesh_128[14, 1]) * REGION_GRID + 1))
        # The mouth moves as in the smile alone (the lids add nothing there).
        up = np.kron(smile, np.ones((1, REGION_GRID, REGION_GRID)))  # nearest, for a coarse check
        assert np.abs(a[mouth] - up[mouth] * REGION_GRID).max() < 0.5 * REGION_GRID


def test_a_blink_slides_the_lid_from_below_a_glasses_frame(mesh_128):
    """A glasses frame held still across the lid: the lid skin slides from below it — the
    skin between the crease and the frame stays (behind a frame's bar there is only a fill,
    which pulled into view showed as a torn sheet) — and still closes the eye."""
    fine, mesh = N * 4, mesh_128 * 4
    occluder = np.zeros((fine, fine), bool)
    probes = []
    for eye in EYES:
        upper, lower = lid_midpoints(mesh, eye)
        bar = int(round(upper[1] - 0.8 * (lower[1] - upper[1])))  # a bar across the lid skin
        x0, x1 = (int(v) for v in np.sort(mesh[list(eye["corners"])][:, 0]))
        occluder[bar - 2:bar + 2, x0:x1] = True
        probes.append((np.array([upper[0], bar - 4.5]), upper, lower))
    free, _ = blink_field(mesh, 1.0, fine)
    held, _ = blink_field(mesh, 1.0, fine, occluder=occluder)
    for above_bar, upper, lower in probes:
        assert np.abs(sample(free, above_bar)).max() > 1.0  # without it, that skin moves
        assert np.abs(sample(held, above_bar)).max() < 1e-6
        for t in (0.2, 0.5, 0.9):  # the eye is still covered
            assert shows_lid_skin(held, upper + t * (lower - upper), upper, lower), t


def test_a_frame_low_over_the_lid_still_has_the_lid_slide_from_below_it(mesh_128):
    """A frame's mask reaching down to 0.4 of the opening above the lash line (a thick top bar,
    or the shaded band under it taken in): the lid skin still slides from below it, none of
    the mask moves — at 0.5 of the opening kept, the lid slid from inside the mask and carried
    its fill down, a light tab with the grid's stepped edge on a half-shut lid (shared face 8,
    liveportrait_d13 frame 50 under AU45 at 3) — and the eye still closes."""
    fine, mesh = N * 4, mesh_128 * 4
    occluder = np.zeros((fine, fine), bool)
    eyes = []
    for eye in EYES:
        upper, lower = lid_midpoints(mesh, eye)
        bottom = int(round(upper[1] - 0.4 * (lower[1] - upper[1])))
        x0, x1 = (int(v) for v in np.sort(mesh[list(eye["corners"])][:, 0]))
        occluder[bottom - 8:bottom + 1, x0:x1] = True
        eyes.append((x0, x1, upper, lower))
    field, _ = blink_field(mesh, 0.6, fine, occluder=occluder)
    moved = np.abs(field).max(0) > 1e-6
    for x0, x1, upper, lower in eyes:
        middle = slice(x0 + (x1 - x0) // 4, x1 - (x1 - x0) // 4)
        assert not (moved & occluder)[:, middle].any()
    closed, _ = blink_field(mesh, 1.0, fine, occluder=occluder)
    for _, _, upper, lower in eyes:
        for t in (0.2, 0.5, 0.9):
            assert shows_lid_skin(closed, upper + t * (lower - upper), upper, lower), t


def test_the_lid_under_a_frame_crossing_part_of_it_has_no_step(mesh_128):
    """A bar across the middle third of each eye only: the top of the lid skin free to slide
    dips under it and rises again beside it at most OCCLUDER_SLOPE — a step there slid
    neighbouring columns from different heights (a vertical edge in the shut lid)."""
    from atw_ofx.models.eyelids import OCCLUDER_SLOPE, _below_occluder

    fine, mesh = N * 4, mesh_128 * 4
    occluder = np.zeros((fine, fine), bool)
    for eye in EYES:
        upper, lower = lid_midpoints(mesh, eye)
        bar = int(round(upper[1] - 0.8 * (lower[1] - upper[1])))
        x0, x1 = np.sort(mesh[list(eye["corners"])][:, 0])
        third = (x1 - x0) / 3
        occluder[bar - 2:bar + 2, int(x0 + third):int(x1 - third)] = True
    for eye in EYES:
        xs = np.linspace(-30.0, 30.0, 241)  # along the eye, its middle at 0 (fine grid px)
        floor = _below_occluder(mesh, eye, occluder, xs)
        assert floor.max() > -1e3  # the bar is found under the middle...
        assert floor.min() < floor.max() - 2  # ...and the lid beside it is free higher up
        slope = np.abs(np.diff(floor)) / np.diff(xs)
        assert slope.max() <= OCCLUDER_SLOPE + 1e-6


def _closed_eyes_crop(mesh_128, size, eye_level, lid_level, skin_level, seed=5):
    """A synthetic linear crop on the demo mesh's geometry: each eye's opening (between its lid
    contours) at ``eye_level``, the lid above it (from the crease) at ``lid_level``, all else
    skin at ``skin_level``; a fine texture everywhere. Returns ``(image S×S×3, eye masks, lid
    masks)``."""
    k = size / N
    rng = np.random.default_rng(seed)
    image = np.full((size, size, 3), skin_level, np.float32)
    image *= 1 + 0.1 * rng.standard_normal((size, size, 1)).astype(np.float32)
    eyes, lids = [], []
    for eye in EYES:
        opening = np.concatenate((mesh_128[list(eye["upper"])], mesh_128[list(eye["lower"])][::-1]))
        lid = np.concatenate((mesh_128[list(eye["crease"])], mesh_128[list(eye["upper"])][::-1]))
        masks = []
        for polygon in (lid, opening):
            mask = np.zeros((size, size), np.uint8)
            cv2.fillPoly(mask, [np.round(polygon * k - 0.5).astype(np.int32)], 1)
            masks.append(mask.astype(bool))
        image[masks[0]] *= lid_level / skin_level
        image[masks[1]] *= eye_level / skin_level
        # The lids' margins (a few pixels of lid over the eye's edge, as in a face): what a
        # lid's edge samples there is lid, not a cubic mix of the eye's hard edge.
        margins = np.zeros((size, size), np.uint8)
        for contour in ("upper", "lower"):
            cv2.polylines(margins, [np.round(mesh_128[list(eye[contour])] * k - 0.5)
                                    .astype(np.int32)], False, 1, thickness=int(k))
        image[margins.astype(bool)] = skin_level
        eyes.append(masks[1] & ~margins.astype(bool))
        lids.append(masks[0] & ~margins.astype(bool))
    return image, eyes, lids


def _blink(mesh_128, image, closure):
    """``image`` warped by the rig's blink at ``closure`` (0–1), before and after the lids are
    finished: ``(warped, finished, masks of what was drawn, lids)``."""
    import torch

    from atw_ofx.conventions import MotionField
    from atw_ofx.models.eyelids import ClosingLid, close_lid

    rig = LandmarkRig()
    field, interior = rig.field_and_interior(mesh_128, aus(f"AU45={5 * closure}"),
                                             face_matte(mesh_128, N))
    size = image.shape[0]
    flow = MotionField(torch.from_numpy(field)[None])
    warped = flow.resized(size, size).warp(torch.from_numpy(image).permute(2, 0, 1)[None],
                                           filter="cubic")[0].permute(1, 2, 0).numpy()
    lids = [region for region in interior if isinstance(region, ClosingLid)]
    finished, drawn = warped.copy(), []
    for lid in lids:
        finished, generated = close_lid(finished, image, lid, (0, 1, 2), field)
        drawn.append(generated.full(size))
    return warped, finished, drawn, lids


def test_a_closed_lid_shows_none_of_the_eye_under_its_line(mesh_128):
    """Up-sampled, the field's step at the new lash line is a ramp into which the whole covered
    eye is squeezed (a sliver of sclera: the pink seam). Finished, nothing of the eye shows
    where it was, shut — with the ramp left as warped it does (so this can fail)."""
    size = 1024
    image, eyes, _ = _closed_eyes_crop(mesh_128, size, eye_level=0.9, lid_level=0.15,
                                       skin_level=0.2)
    warped, finished, drawn, lids = _blink(mesh_128, image, 1.0)
    assert len(lids) == 2
    for eye in eyes:
        core = eye
        assert warped[core].mean(-1).max() > 0.5  # the squeezed eye, as the warp leaves it
        assert finished[core].mean(-1).max() < 0.3
    # What was drawn lies along the eyes only (their box from crease to below the lower lid).
    k = size / N
    for eye, mask in zip(EYES, drawn):
        ys, xs = np.nonzero(mask > 0.05)
        points = mesh_128[list(eye["corners"] + eye["crease"] + eye["lower"])] * k
        assert xs.min() >= points[:, 0].min() - 3 and xs.max() <= points[:, 0].max() + 3
        opening = np.ptp(mesh_128[list(eye["upper"] + eye["lower"])][:, 1]) * k
        # The lid is drawn from the crease down (its fade starts there): within the crease's
        # anti-aliased pixel of the points' top, the eye's frame tilted.
        assert ys.min() >= points[:, 1].min() - 4
        assert ys.max() <= points[:, 1].max() + opening


@pytest.mark.parametrize("closure", [0.3, 0.4])
def test_a_partly_closed_eye_shows_out_to_its_corners(mesh_128, closure):
    """Closed part-way, the eye still shows as far towards its corners as the warp leaves it:
    where its lids came within two ramp reaches of each other (towards the corners) they were
    finished as one seam split at their middle, and the eye between them was cut away — the
    lash line stepped down there and the white ended in a square notch (face 8 behind its
    frame and face 7 under AU45 at 2-3, looked at 5×). The finished eye's bright columns are
    at least 0.9 of the warped eye's (0.78-0.85 before)."""
    size = 1024
    image, eyes, _ = _closed_eyes_crop(mesh_128, size, eye_level=0.9, lid_level=0.15,
                                       skin_level=0.2)
    warped, finished, _, _ = _blink(mesh_128, image, closure)
    for eye in eyes:
        shown = [((pixels.mean(-1) > 0.6) & eye).any(0).sum() for pixels in (warped, finished)]
        assert shown[0] > 60 and shown[1] >= 0.9 * shown[0], shown


@pytest.mark.parametrize("value", [2.0, 2.5])
def test_a_lid_closing_behind_a_low_frame_is_not_streaked(shared_data, value):
    """Behind a thick frame low over the lids (shared face 8) the lid skin free to slide is a
    thin strip, and a blink part-way stretched it 5-10× down over the eye: vertical streaks,
    its lashes drawn out into stripes (AU45 at 1.5-3, looked at 5×). There the lid drawn from
    the skin below the eye comes in as much as the skin would be magnified. Over each eye's
    middle, from a sixth of its opening above its upper lid to a quarter below it, the light's
    gradient across is no stronger than down (as in the plate's own lid: 0.44-0.7; 1.56-2.09
    before)."""
    from atw_ofx.render import render_frame

    plate = read_image(shared_data / "plates" / "ffhq_atw" / "8.png")
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    out = render_frame(plate, aus(f"AU45={value}"), LandmarkRig(), face=face).plate.rgb()
    light = np.sqrt(np.maximum(out.mean(-1), 0.0))
    mesh = face.landmarks
    for eye in EYES:
        upper, lower = mesh[list(eye["upper"])], mesh[list(eye["lower"])]
        x0, x1 = np.sort(mesh[list(eye["corners"])][:, 0])
        top, opening = int(upper[:, 1].min()), float(lower[:, 1].max() - upper[:, 1].min())
        band = light[top - int(opening / 6):top + int(opening / 4),
                     int(x0 + 0.3 * (x1 - x0)):int(x1 - 0.3 * (x1 - x0))]
        across, down = np.diff(band, axis=1)[:-1], np.diff(band, axis=0)[:, :-1]
        assert (across ** 2).mean() < (down ** 2).mean()


def test_a_shut_lid_is_skin_in_the_light_below_the_eye(mesh_128):
    """The lid a blink unfolds from under a deep-set brow is a stretched shadow; shut, the lid is
    drawn from the skin below the eye instead — lit like it, with its texture (not a flat
    patch) — and half closed it is still the lid's own skin."""
    image, eyes, lid_masks = _closed_eyes_crop(mesh_128, 512, eye_level=0.9, lid_level=0.03,
                                               skin_level=0.2)
    warped, finished, _, lids = _blink(mesh_128, image, 1.0)
    for lid, eye in zip(lids, eyes):
        # The lid's middle: over the old opening, between its top and the new line.
        middle = np.zeros_like(eye)
        ys, xs = np.nonzero(eye)
        cx, cy = int(np.median(xs)), int(np.percentile(ys, 35))
        middle[cy - 2:cy + 3, cx - 8:cx + 9] = True
        assert warped[middle].mean() < 0.1  # the shadow, stretched
        level = finished[middle].mean()
        assert level > 0.12  # in the skin's light, within LID_MATCH of it
        texture = finished[middle].mean(-1).std() / level
        assert texture > 0.04  # the skin's own grain (10 %), not a flat fill
    # A third closed, the lid is still its own skin as the field moves it: nothing is redrawn
    # above its edge (the old lid, but its lowest rows, lies above the new line there).
    warped_third, third, _, _ = _blink(mesh_128, image, 0.3)
    near_eye = cv2.dilate(np.any(eyes, axis=0).astype(np.uint8), np.ones((17, 17), np.uint8))
    for lid in lid_masks:
        above_edge = lid & ~near_eye.astype(bool)  # more than 8 px from the old opening
        # (a redrawn lid would be the skin's light, 0.2, not the shadow's 0.03)
        np.testing.assert_allclose(third[above_edge], warped_third[above_edge], atol=0.01)
    assert not np.array_equal(finished[lid_masks[0]], warped[lid_masks[0]])  # shut: redrawn


def test_a_shut_eye_leaves_no_white_past_the_meshs_corner(mesh_128):
    """On a turned face the mesh's eye corner can sit inside the white, and the lids, closing on
    the contour, left a wedge of it open at the corner. Shut, what is still white near the
    corner takes the skin around it; half closed the white there is still the eye's (it shows
    in a real half-closed eye too)."""
    size = 512
    image, _, _ = _closed_eyes_crop(mesh_128, size, eye_level=0.9, lid_level=0.2,
                                    skin_level=0.2)
    k = size / N
    wedges = []
    for eye in EYES:
        a, b = mesh_128[eye["corners"][0]] * k, mesh_128[eye["corners"][1]] * k
        out = (a - b) / np.linalg.norm(a - b)  # the outer corner, away from the inner
        width = np.linalg.norm(a - b)
        tip = a + 0.1 * width * out
        across = np.array([-out[1], out[0]]) * 0.06 * width
        wedge = np.zeros((size, size), np.uint8)
        cv2.fillPoly(wedge, [np.round(np.array([a - across, tip, a + across])
                                      - 0.5).astype(np.int32)], 1)
        wedge = wedge.astype(bool)
        image[wedge] = 0.9
        wedges.append(wedge)
    _, shut, _, _ = _blink(mesh_128, image, 1.0)
    _, half, _, _ = _blink(mesh_128, image, 0.5)
    detail = lambda im: (im - cv2.GaussianBlur(im, (0, 0), 1.0)).mean(-1)  # noqa: E731
    skin_grain = detail(image)[:40, :40].std()  # the crop's corner: skin alone
    for wedge in wedges:
        assert half[wedge].mean() > 0.6
        assert shut[wedge].mean() < 0.3
        # Covered with the skin's grain, not a flat patch.
        assert detail(shut)[wedge].std() > 0.5 * skin_grain


def _shut_line_at_middle(lid, size):
    """The crop pixel (x, y) where a shut lid's lines meet in the eye's middle."""
    from atw_ofx.models.eyelids import lid_lines

    lash, rim = lid_lines(lid.upper, lid.lower, lid.closure, lid.lift)
    i = len(lid.xs) // 2
    along = np.array([lid.down[1], -lid.down[0]])
    point = (lid.origin + lid.xs[i] * along + (lash[i] + rim[i]) / 2 * lid.down) * size / lid.grid
    return np.floor(point).astype(int)


def test_a_shut_eye_shows_a_dark_line_where_its_lids_meet(mesh_128):
    """Pressed together and seen end-on, lashes make a dark line on every shut eye — light
    lashes too (here the lash line is the skin's colour): the skin's shadow, redder than the
    skin (as shot the line was the skin itself, and a mesh read the eye as open). A line that
    is darker already (liner, black lashes) keeps its own colour."""
    from atw_ofx.models.eyelids import SHUT_DARK

    size = 512
    tint = np.array([1.0, 0.7, 0.55], np.float32)
    image, _, _ = _closed_eyes_crop(mesh_128, size, eye_level=0.9, lid_level=0.2,
                                    skin_level=0.2)
    image = image * tint
    skin = 0.2 * tint
    _, finished, _, lids = _blink(mesh_128, image, 1.0)
    assert len(lids) == 2
    for lid in lids:
        x, y = _shut_line_at_middle(lid, size)
        line = finished[y - 1:y + 2, x - 2:x + 3].reshape(-1, 3).mean(0)
        assert line.mean() < 1.3 * SHUT_DARK * skin.mean()
        assert line[0] / line[2] > 1.2 * tint[0] / tint[2]
    # A neutral black liner along each upper lid, just above its contour.
    lined = image.copy()
    k = size / N
    for eye in EYES:
        upper = mesh_128[list(eye["upper"])] * k - 0.5 - [0, 1.5 * k]
        cv2.polylines(lined, [np.round(upper).astype(np.int32)], False, (0.004,) * 3,
                      thickness=int(2 * k))
    _, finished, _, lids = _blink(mesh_128, lined, 1.0)
    for lid in lids:
        x, y = _shut_line_at_middle(lid, size)
        line = finished[y - 1:y + 2, x - 2:x + 3].reshape(-1, 3).mean(0)
        assert line.mean() < 0.5 * SHUT_DARK * skin.mean()
        assert line[0] / line[2] < 0.5 * (1 + tint[0] / tint[2])  # nearer neutral than the skin


def test_a_shut_line_is_thin_by_the_nose_and_whole_towards_the_outer_corner(mesh_128):
    """Real shut lines are thin at the inner corner and thickest in the outer third; as wide
    all along, ours read as a stroke drawn on."""
    from atw_ofx.models.eyelids import MARGIN_INNER, lid_lines

    size = 512
    image, _, _ = _closed_eyes_crop(mesh_128, size, eye_level=0.9, lid_level=0.2,
                                    skin_level=0.2)
    _, finished, _, lids = _blink(mesh_128, image, 1.0)
    for lid, eye in zip(lids, EYES):
        k = size / lid.grid
        lash, rim = lid_lines(lid.upper, lid.lower, lid.closure, lid.lift)
        along = np.array([lid.down[1], -lid.down[0]])
        # The side called outer is the mesh's outer corner's.
        outer = mesh_128[eye["corners"][0]] * size / N
        assert np.dot(outer - lid.origin * k, along) * lid.outer > 0
        darkness = {}  # across the line: how much darker than the skin, summed (px × level)
        for name, share in (("inner", 0.2), ("outer", 0.7)):  # of the way inner → outer
            i = int(round((len(lid.xs) - 1) * (share if lid.outer > 0 else 1 - share)))
            centre = (lid.origin + lid.xs[i] * along + (lash[i] + rim[i]) / 2 * lid.down) * k
            px = centre + np.arange(-15, 16)[:, None] * lid.down
            column = finished[np.floor(px[:, 1]).astype(int), np.floor(px[:, 0]).astype(int)]
            darkness[name] = float(np.clip(0.2 - column.mean(-1), 0, None).sum())
        assert 0.2 * darkness["outer"] < darkness["inner"] < 0.85 * darkness["outer"]
    assert MARGIN_INNER < 1.0


def test_a_shut_line_is_as_soft_as_the_plate(mesh_128):
    """On a soft plate (a video frame, out of focus) the shut line widens and fades over its
    whole width — a crisp line read as drawn on — yet stays as dark in its middle."""
    from atw_ofx.models.eyelids import SHUT_DARK

    size = 512
    image, _, _ = _closed_eyes_crop(mesh_128, size, eye_level=0.9, lid_level=0.2,
                                    skin_level=0.2)
    soft = cv2.GaussianBlur(image, (0, 0), 2.5)
    extents = []
    for plate in (image, soft):
        _, finished, _, lids = _blink(mesh_128, plate, 1.0)
        x, y = _shut_line_at_middle(lids[0], size)
        column = finished[y - 12:y + 13, x - 1:x + 2].mean((1, 2))
        assert column.min() < 1.5 * SHUT_DARK * 0.2
        extents.append(int((column < 0.5 * 0.2).sum()))  # rows darker than half the skin
    assert extents[1] > extents[0]


def test_a_blink_renders_with_its_drawn_lids_in_the_generated_aov():
    """A blink on the shipped portrait: the drawn lids are in the ``generated`` AOV, along the
    eyes only (the shut line runs on past each outer corner, over the lashes turned there, no
    further than OUTER_REACH of the eye's width), and the plate outside them is the warp's."""
    from atw_ofx.models.eyelids import OUTER_REACH
    from atw_ofx.render import RenderOptions, render_frame

    plate = read_image(demo_face_path())
    result = render_frame(plate, aus("AU45=5"), LandmarkRig(),
                          options=RenderOptions(aovs=("generated",)))
    layers = dict(zip(result.plate.channels, np.moveaxis(result.plate.pixels, -1, 0)))
    drawn = layers["generated.A"] > 0.5
    assert 10 < drawn.sum() < 0.01 * drawn.size
    lm = result.face.landmarks
    ys, xs = np.nonzero(drawn)
    iod = float(np.linalg.norm(lm[468] - lm[473]))
    past = OUTER_REACH * float(np.linalg.norm(lm[33] - lm[133])) + 2
    assert xs.min() >= lm[[33, 133, 362, 263], 0].min() - past
    assert xs.max() <= lm[[33, 133, 362, 263], 0].max() + past
    assert ys.min() > lm[[105, 334], 1].min()  # below the brows
    assert ys.max() < lm[[145, 374], 1].max() + 0.1 * iod
    # The shut line is as dark up to each outer corner as along the eye's middle (it faded out
    # with the lid's travel there, and left a light notch where the lashes beyond had turned
    # down: its darkest pixel 1.8× the middle's).
    luma = result.plate.pixels[..., :3].mean(-1)
    for outer, inner in ((33, 133), (263, 362)):
        width = float(np.linalg.norm(lm[inner] - lm[outer]))
        step = (lm[inner] - lm[outer]) / width

        def darkest(share):
            x, y = np.round(lm[outer] + share * width * step).astype(int)
            reach = int(0.06 * iod)
            return float(luma[y - reach:y + reach + 1, x].min())

        middle = np.median([darkest(share) for share in np.linspace(0.3, 0.7, 9)])
        for share in np.linspace(0.0, 0.2, 9):
            assert darkest(share) < 1.4 * middle, (outer, share)
    # The shut line is whole up to each outer corner (it faded out with the lid's travel there,
    # and left a light notch where the lashes beyond had turned down).
    for outer, inner in ((33, 133), (263, 362)):
        step = (lm[inner] - lm[outer]) / np.linalg.norm(lm[inner] - lm[outer])
        width = float(np.linalg.norm(lm[inner] - lm[outer]))
        for along in np.linspace(0.0, 0.2 * width, 9):
            x = int(round(lm[outer][0] + along * step[0]))
            assert drawn[:, x - 1:x + 2].any(), (outer, along)


def test_a_wide_open_eye_under_a_narrow_lid_closes_fully(shared_data):
    """A child looking aside (liveportrait_d11, frame 120): little lid skin above a wide-open eye,
    which a blink unfolds over the eye by several times its height — by design, not a fold. The
    fold guard follows that stretch instead of scaling the whole edit down: both eyes' lids
    meet."""
    import av

    from atw_ofx.face import CropBox
    from atw_ofx.face.detect import backend

    with av.open(str(shared_data / "video" / "liveportrait_d11.mp4")) as clip:
        rgb = next(f.to_ndarray(format="rgb24") for i, f in enumerate(clip.decode(video=0))
                   if i == 120)
    mesh = backend("mesh").faces(rgb, detect_scale=1.0)[0].landmarks
    crop = CropBox.from_landmarks(mesh)
    mesh_n = crop.to_crop(mesh, N)
    _, stretch = blink_field(mesh_n * REGION_GRID, 1.0, N * REGION_GRID)
    assert stretch.min() < MIN_JACOBIAN  # the unfolding skin would trip a fixed bound
    field = LandmarkRig().field(mesh_n, aus("AU45=5"), face_matte(mesh_n, N))
    for eye in EYES:
        upper, lower = lid_midpoints(mesh_n * REGION_GRID, eye)
        for t in (0.1, 0.5, 0.6, 1.0):  # a grid pixel or more from the meeting line
            assert shows_lid_skin(field, upper + t * (lower - upper), upper, lower), t


def test_a_lid_moves_most_in_its_middle_and_not_at_its_corners(mesh_128):
    """The mesh's extra lid controls follow the lid's two 68-point controls between them and fade
    to no motion at the eye's corners (moving them all alike pushed a lid through the other near
    the corners: the fold that weakened AU07 on 46 of 50 shared faces)."""
    from atw_ofx.face.layout import ibug68
    from atw_ofx.models.eyelids import lid_controls

    rig = LandmarkRig()
    moved = rig.displacements(ibug68(mesh_128), aus("AU05=5"))
    points, shifts = lid_controls(mesh_128, moved)
    lift = np.linalg.norm(shifts, axis=1)
    for eye in EYES:
        a, b = mesh_128[eye["corners"][0]], mesh_128[eye["corners"][1]]
        upper = [i for i in eye["upper"]]
        rows = [int(np.argmin(np.linalg.norm(points - mesh_128[i], axis=1))) for i in upper]
        t = np.array([abs(np.dot(mesh_128[i] - (a + b) / 2, b - a)) / np.dot(b - a, b - a) * 2
                      for i in upper])  # 0 at the middle, 1 at a corner
        raised = float(np.linalg.norm(moved[[37, 38]].mean(0)))
        assert raised > 0
        near_corner, middle = lift[rows][t > 0.75], lift[rows][t < 0.3]
        assert near_corner.max() < 0.5 * raised and middle.min() > 0.8 * raised


def test_a_raised_lid_leaves_the_brow_less_room(mesh_128):
    """Lowered brows over raised lids share the lid skin: a brow asked down further than the skin
    allows comes down less over a raised lid than over a still one, by about the room the lid
    took (both closing on the skin crumpled it into waves)."""
    from atw_ofx.models.eyelids import BROW_ROOM, limit_brows

    iod = float(np.linalg.norm(mesh_128[468] - mesh_128[473]))
    asked = np.zeros((70, 2))
    asked[17:27, 1] = 0.5 * iod  # far more than any lid has room for
    raised = asked.copy()
    raised[[37, 38, 43, 44], 1] = -0.05 * iod
    still, over_raised = limit_brows(mesh_128, asked), limit_brows(mesh_128, raised)
    assert (still[17:27, 1] < 0.5 * iod).all()  # held by the room
    less = still[17:27, 1] - over_raised[17:27, 1]
    assert (less > 0).all() and (less <= BROW_ROOM * 0.05 * iod * 1.01).all()
    # About that much: where the raised lid leaves a point no room at all, the brow's smoothed
    # hold spreads that to its neighbours.
    assert np.median(less) == pytest.approx(BROW_ROOM * 0.05 * iod, rel=0.1)


def test_a_lowered_lid_leaves_the_brow_more_room(mesh_128):
    """A lid pushed down (AU04's push, AU07) leaves its brow more lid skin to cover: a brow asked
    down further than the skin allows comes down further, by about the room the lid gave."""
    from atw_ofx.models.eyelids import BROW_ROOM, limit_brows

    iod = float(np.linalg.norm(mesh_128[468] - mesh_128[473]))
    asked = np.zeros((70, 2))
    asked[17:27, 1] = 0.5 * iod
    lowered = asked.copy()
    lowered[[37, 38, 43, 44], 1] = 0.05 * iod
    more = limit_brows(mesh_128, lowered)[17:27, 1] - limit_brows(mesh_128, asked)[17:27, 1]
    assert (more > 0).all() and (more <= BROW_ROOM * 0.05 * iod * 1.01).all()
    assert np.median(more) == pytest.approx(BROW_ROOM * 0.05 * iod, rel=0.1)


def test_a_brow_held_by_the_lid_skin_is_held_smoothly_along_it():
    """The scales that hold a lowered brow above its lid skin are smoothed along the brow, never
    above each point's own: held point by point, a point stopped short between two that went
    on, and the brow came out wavy (AU04 and anger on deep-set eyes, looked at)."""
    from atw_ofx.models.eyelids import _smooth_scales

    alternating = np.array([1.0, 0.4, 1.0, 0.5, 1.0])
    held = _smooth_scales(alternating)
    assert (held <= alternating + 1e-12).all()
    steps = np.diff(held)
    assert np.abs(np.diff(np.sign(steps[np.abs(steps) > 1e-9]))).max(initial=0) == 0  # monotone
    assert np.array_equal(_smooth_scales(np.full(5, 0.7)), np.full(5, 0.7))
    one_tight = _smooth_scales(np.array([1.0, 1.0, 0.2, 1.0, 1.0]))
    assert one_tight[2] <= 0.2 and (one_tight[[1, 3]] < 0.7).all()  # a wide, gentle dip


def test_a_lowered_brow_over_the_demo_portraits_lids_comes_down_smoothly(mesh_128):
    """Asked far lower than its lid skin allows, each brow of the shipped portrait comes down by
    a profile with no dip between higher points (point by point, its second brow had one)."""
    from atw_ofx.models.eyelids import BROWS_68, limit_brows

    iod = float(np.linalg.norm(mesh_128[468] - mesh_128[473]))
    asked = np.zeros((70, 2))
    asked[17:27, 1] = 0.5 * iod
    travel = limit_brows(mesh_128, asked)[:, 1]
    for brow in BROWS_68:
        t = travel[list(brow)]
        assert (t > 0).all() and (t < 0.5 * iod).all()
        dips = (t[1:-1] < t[:-2] - 1e-9) & (t[1:-1] < t[2:] - 1e-9)
        assert not dips.any(), np.round(t / iod, 3)


def test_the_brows_lower_edge_follows_the_brow_between_its_points(mesh_128):
    """The brow's lower edge moves as the brow's points do at its place along the eye —
    interpolated between them, not as whichever is nearest (a thin brow waved where its lower
    edge's motion stepped)."""
    from atw_ofx.face.layout import MESH_TO_IBUG68
    from atw_ofx.models.eyelids import BROWS_68, lid_controls

    moved = np.zeros((70, 2))
    moved[17:27, 1] = np.tile(np.arange(5.0), 2)  # each brow's points down by 0, 1, 2, 3, 4
    points, shifts = lid_controls(mesh_128, moved)
    for eye, brow in zip(EYES, BROWS_68):
        along = mesh_128[eye["corners"][1]] - mesh_128[eye["corners"][0]]
        along = along / np.linalg.norm(along)
        brow_x = mesh_128[MESH_TO_IBUG68[list(brow)]] @ along
        for i in eye["brow_edge"]:
            row = int(np.argmin(np.linalg.norm(points - mesh_128[i], axis=1)))
            x = mesh_128[i] @ along
            order = np.argsort(brow_x)
            expected = np.interp(x, brow_x[order], moved[list(brow), 1][order])
            assert shifts[row, 1] == pytest.approx(expected, abs=1e-6)


def test_a_rising_brow_carries_the_skin_under_it(mesh_128):
    """A raised brow takes the skin BROW_UNDER of the way down to the mesh's ring above the
    lashes with it (the mesh's lower brow edge lies in the hair, and the hair below it
    stretched: a thickened brow), and the band of lashes held to the lid comes down towards it
    (:data:`LID_SKIN_LEFT` of the way left to stretch); a lowered brow adds no such control (it
    bunches the lid skin instead), only its upper hairs' above it
    (test_brows.test_a_lowered_brow_travels_whole)."""
    from atw_ofx.face.layout import MESH_TO_IBUG68
    from atw_ofx.models.eyelids import BROW_UNDER, lid_controls

    def controls(brow_shift):
        moved = np.zeros((70, 2))
        moved[17:27, 1] = brow_shift
        return lid_controls(mesh_128, moved)

    still, _ = controls(0.0)
    lowered, lowered_shifts = controls(2.0)
    raised, shifts = controls(-2.0)
    from_still = np.isclose(lowered[:, None], still[None]).all(-1).any(1)
    assert from_still.sum() == len(still)
    above = lowered[~from_still]  # the hair above each brow's top: nothing under the brow
    assert np.allclose(lowered_shifts[~from_still], [0.0, 2.0])
    nose = mesh_128[168, 0]
    for brow in (list(range(17, 22)), list(range(22, 27))):
        tops = mesh_128[MESH_TO_IBUG68[brow]]
        tops = tops[np.argsort(tops[:, 0])]
        mine = above[(above[:, 0] < nose) == (tops[0, 0] < nose)]
        assert len(mine) == 2 * len(brow) - 1
        assert (mine[:, 1] < np.interp(mine[:, 0], tops[:, 0], tops[:, 1])).all()
    new = ~np.isclose(raised[:, None], still[None]).all(-1).any(1)
    carried = new & np.isclose(shifts[:, 1], -2.0)
    extra, band = raised[carried], raised[new & ~carried]
    # One under each point of the brow's lower edge and each midpoint between them.
    assert len(raised) == len(still) + sum(2 * len(eye["brow_edge"]) - 1 for eye in EYES)
    assert np.allclose(shifts[carried], [0.0, -2.0]) and np.allclose(shifts[new & ~carried], 0.0)

    def distance(points, curve):  # to the polyline through ``curve``, sampled densely
        t = np.linspace(0, 1, 50)[:, None, None]
        dense = (curve[:-1] + t * (curve[1:] - curve[:-1])).reshape(-1, 2)
        return np.linalg.norm(points[:, None] - dense[None], axis=2).min(1)

    for eye in EYES:  # under its brow, BROW_UNDER of the way down to the lashes
        edge, lashes = mesh_128[list(eye["brow_edge"])], mesh_128[list(eye["lashes"])]
        upper = mesh_128[list(eye["upper"])]
        side = lambda p: (p[:, 0] < mesh_128[168, 0]) == (edge[0, 0] < mesh_128[168, 0])  # noqa
        mine = extra[side(extra)]
        assert len(mine) == 2 * len(edge) - 1
        to_edge, to_lashes = distance(mine, edge), distance(mine, lashes)
        assert np.allclose(to_edge / (to_edge + to_lashes), BROW_UNDER, atol=0.1)
        # The band of lashes: between the lid and the mesh's ring, nearer the ring.
        to_lid, to_ring = distance(band[side(band)], upper), distance(band[side(band)], lashes)
        assert len(to_lid) and (to_ring < to_lid).all() and (to_ring > 0.0).all()


def test_a_raised_lid_never_lifts_its_lashes_past_what_is_asked(mesh_128):
    """AU05 at 5 asks the upper lids up 0.07 IOD. The shipped portrait's lids have little skin
    between the lashes and the brow's lower edge: raised through it, the spline overshot there
    (the lashes up 0.083 IOD, a peak in the lash line over the iris, looked at on shared faces).
    Held to LID_RISE_ROOM of that skin, no point along the lashes rises further than asked."""
    from atw_ofx.models.rig import RIG_TABLE

    asked = -RIG_TABLE["AU05"][0][2]
    size = float(np.linalg.norm(mesh_128[468] - mesh_128[473]))
    field = LandmarkRig().field(mesh_128, aus("AU05=5"), face_matte(mesh_128, N))
    for eye in EYES:
        lashes = mesh_128[list(eye["lashes"])]
        lashes = lashes[np.argsort(lashes[:, 0])]
        xs = np.linspace(lashes[0, 0], lashes[-1, 0], 40)
        points = np.stack((xs, np.interp(xs, lashes[:, 0], lashes[:, 1])), axis=1)
        rise = np.array([sample(field, p)[1] for p in points]) / size
        assert rise.max() > 0.01 and rise.max() <= asked


def _brow_roughness(pixels: np.ndarray, landmarks: np.ndarray, brow: range) -> float:
    """How far a brow's line — each column's darkest row near the brow's 68-point curve —
    strays from a quadratic along it (RMS, IOD)."""
    from atw_ofx.face.layout import MESH_TO_IBUG68

    iod = float(np.linalg.norm(landmarks[468] - landmarks[473]))
    points = landmarks[MESH_TO_IBUG68[list(brow)]]
    points = points[np.argsort(points[:, 0])]
    grey = pixels[..., :3].mean(-1)
    xs = np.arange(int(points[0, 0]), int(points[-1, 0]))
    rows = []
    for x in xs:
        y = np.interp(x, points[:, 0], points[:, 1])
        top = int(y - 0.12 * iod)
        rows.append(top + int(np.argmin(grey[top:int(y + 0.2 * iod), x - 1:x + 2].mean(1))))
    rows = np.array(rows, np.float64)
    fit = np.polyval(np.polyfit(xs, rows, 2), xs)
    return float(np.sqrt(np.mean((rows - fit) ** 2))) / iod


def test_a_frown_keeps_a_thin_brow_as_smooth_as_it_was(shared_data):
    """Anger (AU04, AU05, AU07, AU23 at 4) draws thin plucked brows down without waving them:
    each brow's line strays from a smooth curve no more than the plate's did. The lid skin a
    lowered brow squeezes is a few grid pixels tall, and between the spline's controls along the
    lashes and the brow's lower edge its field rippled (the line strayed 1.5× as far)."""
    from atw_ofx.imageio import ImagePlate
    from atw_ofx.render import RenderOptions, locate_face, render_frame

    source = read_image(shared_data / "plates" / "ffhq_atw" / "16.png")
    plate = ImagePlate.from_array(np.ascontiguousarray(source.pixels[..., :3], np.float32),
                                  ("R", "G", "B"), source.colourspace)
    options = RenderOptions()
    face = locate_face(plate, options=options)
    edited = render_frame(plate, aus("AU04=4", "AU05=4", "AU07=4", "AU23=4"), LandmarkRig(),
                          face=face, options=options, frame=1).plate.pixels
    for brow in (range(17, 22), range(22, 27)):
        before = _brow_roughness(plate.pixels, face.landmarks, brow)
        assert _brow_roughness(edited, face.landmarks, brow) <= 1.05 * before


def test_a_closing_lid_under_a_cheek_raise_still_shows_lid(mesh_128):
    """A laughing squint (AU06 with a blink more than half way): the lids close on the face as
    the cheek raise leaves it — the spline's field is taken where the blink takes each pixel —
    so the rows just above the new lash line show the lid, not the eye the cheek's upward pull
    reached into."""
    field = LandmarkRig().field(mesh_128, aus("AU06=5", "AU45=3"), face_matte(mesh_128, N))
    for eye in EYES:
        upper, lower = lid_midpoints(mesh_128 * REGION_GRID, eye)
        down = (lower - upper) / np.linalg.norm(lower - upper)
        lash = upper + 0.6 * (1 - LOWER_RISE) * (lower - upper)  # the lash line at 0.6 closed
        p = lash - down  # a grid pixel above it: lid (added, the fields sampled the eye there)
        assert np.dot(p + sample(field, p) - upper, lower - upper) <= 0


def test_a_lid_tightener_raises_the_lower_lid_over_the_eye(mesh_128):
    """AU07 (and AU06's share) narrow the eye with the lid model: the lower lid rises over the
    bottom of the eye — the rows it now covers show lid skin from below the lower lid as shot —
    instead of the spline squeezing the eye between the lids (an oval iris); the brows stay."""
    from atw_ofx.models.rig import lower_lid_lift

    assert lower_lid_lift(aus("AU07=5")) == pytest.approx(0.05)
    assert lower_lid_lift(aus("AU06=5", "AU07=5")) == pytest.approx(0.10)
    field = LandmarkRig().field(mesh_128, aus("AU07=5"), face_matte(mesh_128, N))
    for eye in EYES:
        upper, lower = lid_midpoints(mesh_128 * REGION_GRID, eye)
        for t in (0.85, 0.95):  # below the risen rim (0.05 IOD: over a third of this opening)
            assert shows_lid_skin(field, upper + t * (lower - upper), upper, lower), t
        assert np.abs(sample(field, mesh_128[[105, 334][EYES.index(eye)]] * REGION_GRID)).max() \
            < 0.02 * REGION_GRID


def _shut_field(mesh_128):
    """The rig's field for AU45 at 5 on the demo mesh (``2×G×G``) and its closing lids."""
    return LandmarkRig().field_and_interior(mesh_128, aus("AU45=5"), face_matte(mesh_128, N))


def test_lit_lid_skin_is_not_taken_for_the_white(mesh_128):
    """Only what the warp brought from the open eye can be a white left open: a light patch on
    the lid's skin stretched over the shut eye (a highlight on a lid) keeps its light, while one
    at the corner, where the eye was, is covered. Taken for the white, the lid's highlight was
    covered with a flat fill of the skin (a patch on the lid, looked at on a shared face with
    glasses)."""
    from atw_ofx.models.eyelids import WHITE_REACH, _cover_white, _EyeCanvas

    field, interior = _shut_field(mesh_128)
    size = 512
    image = np.full((size, size, 3), 0.2, np.float32)
    skin = np.full(3, 0.2, np.float32)
    for lid in interior:
        eye = _EyeCanvas(lid, size, image, [0, 1, 2])
        rng = np.random.default_rng(3)
        region = (0.2 * (1 + 0.1 * rng.standard_normal(eye.shape + (1,)))).repeat(3, -1)
        region = region.astype(np.float32)
        blob = lambda lx, ly: np.hypot(eye.lx - lx, eye.ly - ly) < 0.08 * eye.width  # noqa: E731
        on_lid = blob(0.0, float(np.median(eye.line[eye.inside])) - 0.4 * eye.opening)
        past_corner = blob(eye.outer * (0.5 + WHITE_REACH / 2) * eye.width,
                           float(np.median((eye.U + eye.L)[~eye.inside] / 2)))
        assert on_lid.sum() > 10 and past_corner.sum() > 10
        region[on_lid | past_corner] = 0.6
        _cover_white(eye, region, skin, field)
        assert region[on_lid].mean() > 0.55  # the lid's own light
        assert region[past_corner].mean() < 0.3  # the white, covered with the skin


def test_a_white_is_paler_than_the_skin_on_a_colour_plate(mesh_128):
    """On a colour plate, light skin past the eye's corner (as light as a white, as red as the
    skin) is not covered; a grey white there is."""
    from atw_ofx.models.eyelids import WHITE_REACH, _cover_white, _EyeCanvas

    field, interior = _shut_field(mesh_128)
    size = 512
    skin = np.array([0.3, 0.2, 0.15], np.float32)
    image = np.broadcast_to(skin, (size, size, 3)).astype(np.float32)
    for lid in interior:
        eye = _EyeCanvas(lid, size, image, [0, 1, 2])
        rng = np.random.default_rng(4)
        region = (skin * (1 + 0.1 * rng.standard_normal(eye.shape + (1,)))).astype(np.float32)
        corner = float(np.median((eye.U + eye.L)[~eye.inside] / 2))
        blob = lambda lx: np.hypot(eye.lx - lx, eye.ly - corner) < 0.06 * eye.width  # noqa: E731
        pale_skin = blob(eye.outer * (0.5 + WHITE_REACH / 2) * eye.width)
        white = blob(-eye.outer * (0.5 + WHITE_REACH / 2) * eye.width)
        assert pale_skin.sum() > 10 and white.sum() > 10
        region[pale_skin] = 2.0 * skin
        region[white] = 0.6
        _cover_white(eye, region, skin, field)
        assert region[pale_skin].mean() > 1.8 * skin.mean()  # left as it is
        assert region[white].mean() < 1.3 * skin.mean()  # covered with the skin


def test_from_the_eye_follows_the_field(mesh_128):
    """:meth:`_EyeCanvas.from_the_eye`: with no motion, the pixels between the lids as shot
    (grown as asked); with the blink's field, not the lid skin it spread over the eye."""
    from atw_ofx.models.eyelids import _EyeCanvas

    field, interior = _shut_field(mesh_128)
    size = 512
    image = np.full((size, size, 3), 0.2, np.float32)
    for lid in interior:
        eye = _EyeCanvas(lid, size, image, [0, 1, 2])
        middle = (np.abs(eye.lx) < 0.25 * eye.width) & eye.inside
        still = eye.from_the_eye(np.zeros_like(field), 0.0, 0.0, 0.0)
        between = (eye.ly > eye.U) & (eye.ly < eye.L)
        np.testing.assert_array_equal(still[middle], between[middle])
        grown = eye.from_the_eye(np.zeros_like(field), 3.0, 1.0, 0.0)
        assert grown[middle & (eye.ly > eye.U - 2.5) & (eye.ly < eye.U)].all()
        assert not grown[middle & (eye.ly < eye.U - 3.5)].any()
        assert not grown[middle & (eye.ly > eye.L + 1.5)].any()
        moved = eye.from_the_eye(field, 0.0, 0.0, 0.0)
        # Above the shut line the lid's skin, stretched down from above the eye, is not the eye.
        lid_skin = middle & (eye.ly < eye.line - 0.5 * eye.opening) & (eye.ly > eye.U)
        assert lid_skin.sum() > 20
        assert not moved[lid_skin].any()


def test_the_eye_under_a_lowered_lid_takes_the_lids_shade():
    """The eye a partly closed lid leaves open is shaded under the lash line as a lid shades
    it (LID_SHADE at the distance from the line now, over the shade each pixel had at its
    distance from the lid as shot): darkest right under the line, easing to its own light
    further down; nothing above the line, below the lower lid, where the lid did not move or
    where it did not travel (a flat band under a cut edge, looked at: a clip's narrow eyes)."""
    from types import SimpleNamespace

    from atw_ofx.models.eyelids import LID_SHADE, LID_SHADE_REACH, _shade_under_lid

    h, w = 40, 3
    ly = np.broadcast_to(np.arange(h, dtype=np.float64)[:, None] + 0.5, (h, w))
    eye = SimpleNamespace(ly=ly, U=np.full((h, w), 10.0), line=np.full((h, w), 14.0),
                          edge=np.full((h, w), 30.0), opening=20.0,
                          inside=np.ones((h, w), bool), columns=np.tile([1.0, 0.5, 0.0], (h, 1)))
    eye.line[:, 2] = 10.0  # a column whose lid did not move
    region = np.ones((h, w, 3), np.float32)
    _shade_under_lid(eye, region)
    light = region[..., 0]

    def expected(distance_now, distance_shot):
        lit = lambda d: 1.0 - LID_SHADE * np.exp(-max(d / 20.0, 0.05) / LID_SHADE_REACH)  # noqa
        return lit(distance_now) / lit(distance_shot)

    assert light[15, 0] == pytest.approx(expected(1.5, 5.5), rel=1e-5)
    assert light[15, 0] < 0.7
    assert light[15, 1] == pytest.approx(1.0 + 0.5 * (expected(1.5, 5.5) - 1.0), rel=1e-5)
    assert np.all(np.diff(light[14:30, 0]) > 0)  # easing towards its own light
    assert np.array_equal(light[:14], np.ones((14, w))) and np.all(light[30:] == 1.0)
    assert np.all(light[:, 2] == 1.0)


def test_a_closing_lid_keeps_the_liner_on_its_lash_band(mesh_128):
    """At 70 % closed the lid is drawn from the skin below the eye, but not over the band of
    lashes it carries (as high as they still stand): a liner along the lid stays on it. Drawn
    over, it was wiped off but where the lid barely travels — a blob by the outer corner."""
    from atw_ofx.models.eyelids import lid_lines

    size = 512
    k = size / N
    image, _, _ = _closed_eyes_crop(mesh_128, size, eye_level=0.9, lid_level=0.2,
                                    skin_level=0.2)
    for eye in EYES:  # a liner: a band of 0.02 along each upper lid, over its margin
        liner = np.zeros((size, size), np.uint8)
        cv2.polylines(liner, [np.round(mesh_128[list(eye["upper"])] * k - 0.5 - [0, 2])
                              .astype(np.int32)], False, 1, thickness=5)
        image[liner > 0] = 0.02
    _, finished, _, lids = _blink(mesh_128, image, 0.7)
    for lid in lids:
        lash, _ = lid_lines(lid.upper, lid.lower, lid.closure, lid.lift)
        along = np.array([lid.down[1], -lid.down[0]])
        for i in (len(lid.xs) // 3, len(lid.xs) // 2, 2 * len(lid.xs) // 3):
            x, y = np.floor((lid.origin + lid.xs[i] * along + lash[i] * lid.down)
                            * size / lid.grid).astype(int)
            above = finished[y - 5:y - 1, x - 1:x + 2].mean(-1)
            assert above.min() < 0.06, (i, above.min())  # the liner, not the drawn lid


def _blink_a_shared_face(shared_data, name, monkeypatch):
    """Face ``name`` of the shared plates shut (AU45 5): ``(plate, rendered, landmarks,
    strengths)`` — the make-up strength each closing lid was drawn with."""
    from atw_ofx.models import eyelids
    from atw_ofx.render import RenderOptions, locate_face, render_frame

    strengths = []

    def recording(lid, original, colour):
        make_up = lid_make_up(lid, original, colour)
        strengths.append(eyelids.make_up_strength(make_up))
        return make_up

    monkeypatch.setattr(eyelids, "lid_make_up", recording)
    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    options = RenderOptions()
    face = locate_face(plate, options=options)
    edited = render_frame(plate, aus("AU45=5"), LandmarkRig(), face=face, options=options,
                          frame=1).plate.pixels
    return plate.pixels, edited, face.landmarks, strengths


def _blue_over_red(pixels, centre, half):
    x, y = int(round(centre[0])), int(round(centre[1]))
    box = pixels[y - half:y + half + 1, x - 2 * half:x + 2 * half + 1, :3].reshape(-1, 3)
    return float(np.log(np.median(box[:, 2]) / np.median(box[:, 0])))


@pytest.mark.parametrize("name", ["9.png", "10.png"])
def test_a_made_up_lid_shuts_in_its_make_up(shared_data, monkeypatch, name):
    """Blue eyeshadow (shared faces 9, 10): the shut lid is drawn from the skin below the eye
    and was matched to the skin under the brow — it closed skin-coloured. Now it takes the
    make-up both open lids show: in the lid's middle, its blue over red (log) over a third of
    the way from the skin's below the eye to the eyeshadow's as shot (0.43–0.79; before, −0.13
    to 0.14)."""
    plate, edited, landmarks, strengths = _blink_a_shared_face(shared_data, name, monkeypatch)
    assert strengths and min(strengths) == 1.0
    for eye in EYES:
        upper, lower = lid_midpoints(landmarks, eye)
        opening = float(np.linalg.norm(lower - upper))
        half = max(int(0.1 * opening), 2)
        skin = _blue_over_red(plate, lower + 0.8 * (lower - upper), half)
        make_up = _blue_over_red(plate, upper - 0.35 * (lower - upper), half)
        shut = _blue_over_red(edited, upper + 0.25 * (lower - upper), half)
        assert make_up > skin + 0.3  # the eyeshadow as shot: bluer than the skin
        assert shut - skin >= 0.35 * (make_up - skin), (eye["corners"], skin, make_up, shut)


@pytest.mark.parametrize("name", ["1.png", "2.png", "8.png", "12.png"])
def test_a_bare_lid_takes_no_make_up(shared_data, monkeypatch, name):
    """Bare lids read warmer than the skin below the eye in their own shade (faces 1, 2), or,
    behind glasses, one of them bluer or greyer in a lens's reflection or the frame's bar (8,
    12): none of it is taken for make-up (a closed lid blue-grey or mauve)."""
    *_, strengths = _blink_a_shared_face(shared_data, name, monkeypatch)
    assert len(strengths) == 2 and max(strengths) == 0.0
