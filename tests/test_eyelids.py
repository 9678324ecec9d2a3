"""Eyelids on the mesh: a blink closes the whole lash line onto the lower lid, both eyes alike,
without folding the field or moving the brows."""
import numpy as np
import pytest

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.demo import demo_face_path
from atw_ofx.face import face_matte
from atw_ofx.imageio import read_image
from atw_ofx.models.eyelids import EYES, blink_field, lash_tilt
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


def lid_midpoints(mesh, eye):
    upper, lower = mesh[list(eye["upper"])], mesh[list(eye["lower"])]
    return upper[len(upper) // 2], lower[len(lower) // 2]


class TestBlinkField:
    def test_open_is_zero(self, mesh_128):
        assert not blink_field(mesh_128, 0.0, N)[0].any()

    def test_half_closed_lid_covers_the_top_of_the_eye_only(self, mesh_128):
        """At closure 0.5 the lash line is about half-way down: the upper quarter of the old eye
        opening shows lid (samples above the old lash line); the lowest part still shows the eye
        where it was; both eyes alike."""
        fine = N * 4
        field, _ = blink_field(mesh_128 * 4, 0.5, fine)
        for eye in EYES:
            upper, lower = lid_midpoints(mesh_128 * 4, eye)
            high, low = upper + 0.25 * (lower - upper), upper + 0.85 * (lower - upper)
            assert np.dot(high + sample(field, high) - upper, lower - upper) < 0
            assert np.abs(sample(field, low)).max() < 1e-9

    def test_closed_lid_covers_the_eye(self, mesh_128):
        """At full closure every output point between the old lash line and the lower lid (the
        eye) samples lid skin above the old lash line, never the eye."""
        fine = N * 4
        field, _ = blink_field(mesh_128 * 4, 1.0, fine)
        for eye in EYES:
            upper, lower = lid_midpoints(mesh_128 * 4, eye)
            for t in np.linspace(0.05, 0.95, 7):
                p = upper + t * (lower - upper)
                source = p + sample(field, p)
                assert np.dot(source - upper, lower - upper) <= 1e-6, t

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
        # Not scaled down by the fold guard: the lid still reaches the lower lid.
        upper, lower = lid_midpoints(mesh_128 * REGION_GRID, EYES[0])
        p = upper + 0.9 * (lower - upper)
        assert np.dot(p + sample(field, p) - upper, lower - upper) <= 1e-6
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


def test_a_closed_lid_seam_is_a_generated_lash_line(mesh_128):
    """The step at the closed lash line is not left to squeeze the eye into a sliver: a thin
    band there is generated in the colour of the eye's own lashes — dark, only along the eyes,
    and in the ``generated`` AOV."""
    from atw_ofx.models.eyelids import lash_seams
    from atw_ofx.render import RenderOptions, render_frame

    assert lash_seams(mesh_128, 0.0, N) == []
    seams = lash_seams(mesh_128 * REGION_GRID, 1.0, N * REGION_GRID)
    assert len(seams) == 2 and not seams[0].cavity
    plate = read_image(demo_face_path())
    result = render_frame(plate, aus("AU45=5"), LandmarkRig(),
                          options=RenderOptions(aovs=("generated",)))
    layers = dict(zip(result.plate.channels, np.moveaxis(result.plate.pixels, -1, 0)))
    seam = layers["generated.A"] > 0.5
    assert 10 < seam.sum() < 0.001 * seam.size
    lm = result.face.landmarks
    ys, xs = np.nonzero(seam)
    assert xs.min() >= lm[[33, 133, 362, 263], 0].min() - 2
    assert xs.max() <= lm[[33, 133, 362, 263], 0].max() + 2
    assert lm[[159, 386], 1].min() - 2 < ys.min() and ys.max() < lm[[145, 374], 1].max() + 8
    lid_skin = plate.rgb()[np.round(lm[[27, 257], 1]).astype(int),
                           np.round(lm[[27, 257], 0]).astype(int)].mean()
    assert result.plate.rgb()[seam].mean() < 0.6 * lid_skin


def test_a_wide_open_eye_under_a_narrow_lid_closes_fully(shared_data):
    """A child looking aside (liveportrait_d11, frame 120): little lid skin above a wide-open eye,
    which a blink unfolds over the eye by several times its height — by design, not a fold. The
    fold guard follows that stretch instead of scaling the whole edit down: both lash lines reach
    the lower lids."""
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
        p = upper + 0.9 * (lower - upper)
        assert np.dot(p + sample(field, p) - upper, lower - upper) <= 1e-6


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
    assert np.median(less) == pytest.approx(BROW_ROOM * 0.05 * iod, rel=0.05)


def test_a_shut_lid_in_shadow_is_brought_into_the_skins_light():
    """A lid sampled from a shadow under the brow is lifted towards the skin below the eye
    (LID_LEVEL of it, by a gain of at most LID_LIFT_MAX), its texture kept (a gain); outside the
    lid nothing changes; a lid as bright as that skin, or a lid half closed, is left alone."""
    from atw_ofx.models.eyelids import LID_LEVEL, LID_LIFT_MAX, LidLight, relight_lid

    size = 64
    rng = np.random.default_rng(3)
    texture = 1.0 + 0.1 * rng.standard_normal((size, size, 3)).astype(np.float32)
    image = np.full((size, size, 3), 0.2, np.float32) * texture
    image[10:30, 8:56] *= 0.25  # the lid: in shadow
    square = lambda x0, y0, x1, y1: np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)  # noqa: E731
    light = LidLight(square(8, 10, 56, 30), square(8, 34, 56, 46), size, 1.0)
    out = relight_lid(image.copy(), light, (0, 1, 2))
    middle = (slice(18, 22), slice(28, 36))
    gain = out[middle].mean() / image[middle].mean()
    assert gain == pytest.approx(min(LID_LEVEL * 0.2 / 0.05, LID_LIFT_MAX), rel=0.1)
    np.testing.assert_allclose(out[middle] / out[middle].mean(), image[middle] / image[middle].mean(),
                               rtol=1e-5)  # the texture, scaled
    outside = np.ones((size, size), bool)
    outside[9:32, 7:58] = False  # the polygon, its edge pixels included
    assert np.array_equal(out[outside], image[outside])
    bright = np.full((size, size, 3), 0.2, np.float32)
    assert np.array_equal(relight_lid(bright.copy(), light, (0, 1, 2)), bright)
    half = LidLight(light.polygon, light.reference, size, 0.5)
    assert np.array_equal(relight_lid(image.copy(), half, (0, 1, 2)), image)
