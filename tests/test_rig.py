"""The landmark AU rig: documented directions, linear in intensity, never folds or crosses."""
import numpy as np
import pytest

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.conventions import AU_NAMES
from atw_ofx.face import face_matte
from atw_ofx.face.layout import ibug68
from atw_ofx.models.rig import MIN_JACOBIAN, FaceFrame, LandmarkRig, with_cheeks


@pytest.fixture(scope="module")
def landmarks_128(demo_mesh):
    """Real landmarks (the shipped demo portrait) on the rig's 128 px crop grid, 68-point view."""
    return ibug68(demo_mesh[1])


def aus(*items):
    return au_vector(parse_au_assignments(list(items)))


def face_coords(landmarks, moved):
    frame = FaceFrame(with_cheeks(landmarks))
    return moved @ frame.x / frame.iod, moved @ frame.y / frame.iod, frame


def test_smile_moves_corners_up_and_out(landmarks_128):
    moved = LandmarkRig().displacements(landmarks_128, aus("AU12=5"))
    x, y, _ = face_coords(landmarks_128, moved)
    # Outward on both sides by the table's 0.1 IOD (to rounding), up by more (FACS: up and out).
    assert x[48] < -0.1 + 1e-9 and x[54] > 0.1 - 1e-9
    assert y[48] < -0.1 and y[54] < -0.1 and min(-y[48], -y[54]) > max(-x[48], x[54])
    assert np.abs(moved[27:31]).max() == 0  # nose bridge pinned


@pytest.mark.parametrize("au,index,axis,sign", [
    ("AU01", 21, "y", -1), ("AU02", 17, "y", -1), ("AU04", 19, "y", +1), ("AU05", 37, "y", -1),
    ("AU09", 33, "y", -1), ("AU10", 51, "y", -1), ("AU15", 48, "y", +1), ("AU17", 8, "y", -1),
    ("AU20", 54, "x", +1), ("AU25", 57, "y", +1), ("AU26", 8, "y", +1), ("AU45", 37, "y", +1),
    ("AU06", 41, "y", -1), ("AU07", 46, "y", -1), ("AU23", 51, "y", +1), ("AU14", 54, "x", +1),
])
def test_each_au_moves_its_landmark(landmarks_128, au, index, axis, sign):
    x, y, _ = face_coords(landmarks_128, LandmarkRig().displacements(landmarks_128, aus(f"{au}=5")))
    value = {"x": x, "y": y}[axis][index]
    assert sign * value > 0.01, (au, value)


def test_a_frown_narrows_each_eye_by_a_share_of_its_opening(landmarks_128):
    """AU04 pushes each upper lid down by AU04_LID_SHARE of the eye's opening under it (FACS:
    the lowered brow narrows the eye), linear in intensity; the lower lids stay."""
    from atw_ofx.models.rig import AU04_LID_SHARE

    rig = LandmarkRig()
    _, y, frame = face_coords(landmarks_128, rig.displacements(landmarks_128, aus("AU04=5")))
    points = with_cheeks(landmarks_128)
    for upper, lower in ((37, 41), (38, 40), (43, 47), (44, 46)):
        opening = frame.down(points[lower] - points[upper]) / frame.iod
        assert y[upper] == pytest.approx(AU04_LID_SHARE * opening, rel=1e-6)
        assert y[lower] == 0.0
    _, half, _ = face_coords(landmarks_128, rig.displacements(landmarks_128, aus("AU04=2.5")))
    np.testing.assert_allclose(half[[37, 38, 43, 44]], y[[37, 38, 43, 44]] / 2, rtol=1e-9)


def test_linear_in_intensity(landmarks_128):
    rig = LandmarkRig()
    full = rig.displacements(landmarks_128, aus("AU12=5"))
    half = rig.displacements(landmarks_128, aus("AU12=2.5"))
    np.testing.assert_allclose(half, full / 2, atol=1e-9)


def test_blink_closes_without_crossing(landmarks_128):
    moved = LandmarkRig().displacements(landmarks_128, aus("AU45=5", "AU05=5", "AU07=5"))
    _, _, frame = face_coords(landmarks_128, moved)
    points = with_cheeks(landmarks_128) + moved
    for upper, lower in ((37, 41), (38, 40), (43, 47), (44, 46)):
        gap = frame.down(points[lower] - points[upper]) / frame.iod
        assert 0.0 < gap < 0.05, (upper, lower, gap)


def test_everything_at_five_never_folds(landmarks_128):
    rig = LandmarkRig()
    matte = face_matte(landmarks_128, 128)
    field = rig.field(landmarks_128, np.full(len(AU_NAMES), 5.0, np.float32), matte)
    det = ((1 + np.gradient(field[0], axis=1)) * (1 + np.gradient(field[1], axis=0))
           - np.gradient(field[0], axis=0) * np.gradient(field[1], axis=1))
    assert det.min() >= MIN_JACOBIAN - 1e-6
    assert np.abs(field).max() > 1.0
    moved = rig.displacements(landmarks_128, np.full(len(AU_NAMES), 5.0, np.float32))
    points = with_cheeks(landmarks_128) + moved
    frame = FaceFrame(with_cheeks(landmarks_128))
    for upper, lower in ((61, 67), (62, 66), (63, 65), (37, 41), (43, 47)):
        assert frame.down(points[lower] - points[upper]) >= -1e-9


def test_no_aus_no_motion(landmarks_128):
    matte = face_matte(landmarks_128, 128)
    assert not LandmarkRig().field(landmarks_128, au_vector(), matte).any()


def test_field_is_cut_to_the_matte(landmarks_128):
    matte = face_matte(landmarks_128, 128)
    field = LandmarkRig().field(landmarks_128, aus("AU26=5", "AU12=5"), matte)
    assert not field[:, matte == 0].any()


def test_fold_guard_scale_is_the_largest_that_keeps_the_bound():
    """The closed-form scale equals a bisection on the scale to 1e-5, the bound holds at it and
    fails just above it; a field that never folds keeps scale 1."""
    import cv2

    from atw_ofx.models.rig import _fold_free_scale

    rng = np.random.default_rng(7)
    for strength in (6.0, 12.0, 24.0):
        field = np.stack([cv2.GaussianBlur(c, (0, 0), 3) for c in rng.normal(0, 1, (2, 48, 40))])
        field *= strength / np.abs(field).max()
        grads = [np.gradient(field[0], axis=1), np.gradient(field[0], axis=0),
                 np.gradient(field[1], axis=1), np.gradient(field[1], axis=0)]

        def min_det(s):
            return ((1 + s * grads[0]) * (1 + s * grads[3]) - s * s * grads[1] * grads[2]).min()

        scale = _fold_free_scale(field)
        assert min_det(scale) >= MIN_JACOBIAN
        if scale < 1.0:
            assert min_det(scale + 1e-4) < MIN_JACOBIAN
    assert _fold_free_scale(np.zeros((2, 16, 16))) == 1.0
    assert _fold_free_scale(np.full((2, 16, 16), 3.0)) == 1.0  # a pure shift never folds


def _det(field):
    gx, gy = np.gradient(field[0], axis=(1, 0)), np.gradient(field[1], axis=(1, 0))
    return (1 + gx[0]) * (1 + gy[1]) - gx[1] * gy[0]


def test_a_fold_is_taken_out_where_it_is():
    """A field that folds in one corner and moves smoothly elsewhere: after the guard the bound
    holds everywhere, the fold's neighbourhood is faded, and the far side of the crop moves as
    asked (a global scale would have weakened it too)."""
    import cv2

    from atw_ofx.models.rig import UNFOLD_REACH, UNFOLD_SCALE_OUT, _fold_free_scale, _unfold

    n = 128
    ys, xs = np.mgrid[0:n, 0:n] + 0.5
    smooth = np.stack((3.0 * np.exp(-((xs - 96) ** 2 + (ys - 64) ** 2) / 400.0), 0 * xs))
    pinch = np.zeros((2, n, n))
    pinch[1, 20:30, 20:30] = np.linspace(0, 12, 10)[:, None]  # rows overtaking each other
    pinch[1] = cv2.GaussianBlur(pinch[1], (0, 0), 1.0)
    field = smooth + pinch
    assert _det(field).min() < MIN_JACOBIAN and _fold_free_scale(field) < 0.5
    out = _unfold(field)
    assert _det(out).min() >= MIN_JACOBIAN - 1e-6
    far = (np.hypot(xs - 25, ys - 25) > 6 * UNFOLD_REACH)
    # As asked, but for the last hair of a fold, scaled out with the whole field.
    np.testing.assert_allclose(out[:, far], field[:, far], rtol=UNFOLD_SCALE_OUT, atol=1e-6)
    assert np.abs(out[1, 20:30, 20:30]).max() < np.abs(field[1, 20:30, 20:30]).max()


def test_the_fold_check_inside_a_window_is_the_whole_grids_there():
    """:func:`_unfold` re-checks only the window its last cut changed: inside it, the check
    gives what the whole grid's would (central differences reach past the window's edge),
    outside it nothing; and several folds apart are all taken out."""
    import cv2

    from atw_ofx.models.rig import _crossings, _free_of, _unfold

    rng = np.random.default_rng(11)
    n = 96
    field = np.stack([cv2.GaussianBlur(c, (0, 0), 2.0) for c in rng.normal(0, 1, (2, n, n))])
    field *= 14.0 / np.abs(field).max()
    ignore = np.zeros((n, n), np.float32)
    ignore[60:64, 10:30] = 1.0
    free = _free_of(ignore)
    whole = _crossings(field, free)
    assert whole is not None and np.isfinite(whole).sum() > 20  # folds in several places
    compared = 0
    for within in ((20, 30, 50, 70), (0, 0, 40, 96), (57, 5, 96, 40)):
        y0, x0, y1, x1 = within
        part = _crossings(field, free, within=within)
        inside = np.zeros((n, n), bool)
        inside[y0:y1, x0:x1] = True
        expected = np.where(inside, whole, np.inf)
        if not (expected < np.inf).any() or not (expected[inside] < 1.0).any():
            continue
        np.testing.assert_array_equal(part, expected)
        compared += 1
    assert compared >= 2
    out = _unfold(field, ignore)
    det = _det(out)
    assert det[free].min() >= MIN_JACOBIAN - 1e-5


@pytest.mark.parametrize("case", ["small first, broad field", "broad first, small field"])
def test_a_composed_field_samples_the_field_where_the_first_takes_each_pixel(case):
    """As sampling the whole grid (bilinear, edges held): a blink's small field after the
    spline's broad one, and the mouth's small one composed after the spline's. Either field
    reaches the grid's edge somewhere, and the first moves pixels by up to 9 px."""
    import cv2

    from atw_ofx.models.rig import composed

    n = 96
    ys, xs = np.mgrid[0:n, 0:n].astype(np.float64)
    broad = np.stack((4.0 * np.sin(xs / 15.0) + 5.0 * (xs > 90), 3.0 * np.cos(ys / 11.0)))
    small = np.zeros((2, n, n))
    small[:, 40:52, 30:60] = np.stack((np.full((12, 30), 9.0), np.linspace(-6, 6, 30)[None]
                                       .repeat(12, 0)))
    field, first = (broad, small) if case.startswith("small") else (small, broad)
    whole = np.stack([cv2.remap(np.float32(plane), np.float32(xs + first[0]),
                                np.float32(ys + first[1]), cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE) for plane in field])
    out = composed(field, first)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, whole, atol=1e-5)
    # Not a field left as it was: the first moves pixels onto other values of it.
    assert np.abs(out - field).max() > 1.0


@pytest.mark.parametrize("face, asked, far", [
    # (The shipped portrait's sad = 1.0 folded at a mouth corner, where teeth held still between
    # barely parted lips met AU15's corners; it no longer folds: see the test after this one.)
    # (AU17 alone folded here at the lips: its lower lip pushed the upper's inner edge onto it;
    # it no longer folds: see test_the_chin_raiser_pushes_closed_lips_up_as_an_arch...)
    ("biden_official_970x2204.jpg", "AU12=5,AU17=5,AU23=5", (152, 148, 377)),  # the lips; chin
])
def test_a_local_fold_no_longer_weakens_the_whole_expression(request, face, asked, far):
    """Shared faces where one spot of the edit folds and the old global guard scaled the whole
    field to a third to a half: parts of the face away from that spot now move as the unguarded
    field asks (within 5 %), the spot itself is faded, and the bound holds everywhere."""
    import cv2

    from atw_ofx.edits import preset_vector
    from atw_ofx.face import CropBox
    from atw_ofx.face.detect import backend
    from atw_ofx.models import rig

    from atw_ofx.demo import demo_face_path

    path = (demo_face_path() if face == "demo"
            else request.getfixturevalue("shared_data") / "plates" / face)
    rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    mesh = backend("mesh").faces(rgb, detect_scale=1.0)[0].landmarks
    mesh_n = CropBox.from_landmarks(mesh).to_crop(mesh, 128)
    if asked.startswith("AU"):
        vector = aus(*asked.split(","))
    else:
        name, weight = asked.split("=")
        vector = preset_vector(name, float(weight))
    matte = face_matte(mesh_n, 128)
    guarded = LandmarkRig().field(mesh_n, vector, matte)
    unguarded = {}

    def keep(field, *_):
        unguarded["field"] = field
        return field

    original = rig._unfold
    try:
        rig._unfold = keep
        LandmarkRig().field(mesh_n, vector, matte)
    finally:
        rig._unfold = original
    raw = unguarded["field"]
    assert _det(raw).min() < MIN_JACOBIAN and rig._fold_free_scale(raw) < 0.5
    assert _det(guarded).min() >= MIN_JACOBIAN - 1e-6
    worst = np.unravel_index(np.argmin(_det(raw)), raw.shape[1:])
    assert np.abs(guarded[:, worst[0], worst[1]]).sum() < np.abs(raw[:, worst[0], worst[1]]).sum()
    k = raw.shape[-1] / 128
    for point in far:
        x, y = np.floor(mesh_n[point] * k).astype(int)
        want, got = raw[:, y, x], guarded[:, y, x]
        assert np.linalg.norm(want) > 0.5  # it moves (grid px)
        assert np.linalg.norm(got - want) <= 0.05 * np.linalg.norm(want)


def test_the_documented_rig_table_is_rig_table():
    """docs/frame.md's table is written by hand for people; its amplitudes must be RIG_TABLE's
    (for rows that describe both rigs, the 68-point part after "68:")."""
    import re

    from atw_ofx.models.rig import AU15_CORNER_DROP, RIG_TABLE

    from conftest import ROOT

    rows = re.findall(r"^\| (AU\d\d) [^|]+\|[^|]+\| ([^|]+) \|$",
                      (ROOT / "docs" / "frame.md").read_text(), re.M)
    assert [au for au, _ in rows] == list(RIG_TABLE)
    for au, amplitudes in rows:
        table = {round(abs(v), 2) for _, out, down in RIG_TABLE[au] for v in (out, down)} - {0.0}
        if au == "AU15":  # an arch computed from the lips' places, to its corners' depth
            table = {AU15_CORNER_DROP}
        if not table:
            continue  # AU45: computed from each eye's opening
        documented = {float(v) for v in re.findall(r"\d\.\d\d", amplitudes.split("68:")[-1])}
        assert documented <= table, (au, documented - table)
        assert max(table) in documented, (au, max(table))


def test_a_sad_face_folds_nowhere_on_the_shipped_portrait(demo_mesh):
    """sad = 1.0 on the shipped portrait: before AU15 lowered the lips along an arch and teeth
    were held only in a mouth open enough to show them, its field folded at a mouth corner
    (the fold guard had to fade it: a fold-free scale of 0.45); now nowhere."""
    from atw_ofx.edits import preset_vector
    from atw_ofx.models import rig

    mesh = demo_mesh[1]
    unguarded = {}
    original = rig._unfold
    try:
        rig._unfold = lambda field, *_: unguarded.setdefault("field", field)
        LandmarkRig().field(mesh, preset_vector("sad", 1.0), face_matte(mesh, 128))
    finally:
        rig._unfold = original
    assert _det(unguarded["field"]).min() >= MIN_JACOBIAN


@pytest.mark.parametrize("name", ["6.png", "13.png"])
def test_the_chin_raiser_pushes_closed_lips_up_as_an_arch_without_folding(shared_data, name):
    """AU17 at 5 on shared closed mouths: the lower lip rises along an arch and pushes the upper
    one up with it — nowhere does the field fold (the lower lip raised whole over its middle,
    the lips' gap closed to nothing and the upper lip squeezed thin folded, and the fold
    guard's cut left a notch in the middle of the lips), and the closed lips' line rises most at
    its middle, less towards each corner."""
    from atw_ofx.face import CropBox
    from atw_ofx.imageio import read_image
    from atw_ofx.models import rig
    from atw_ofx.models.mouth import UPPER_INNER
    from atw_ofx.points import carried
    from atw_ofx.render import render_frame

    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    lm = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face.landmarks
    mesh = CropBox.from_landmarks(lm).to_crop(lm, 128)
    matte = face_matte(mesh, 128)
    unguarded = {}
    original = rig._unfold
    try:
        rig._unfold = lambda field, *_: unguarded.setdefault("field", field)
        field = LandmarkRig().field(mesh, aus("AU17=5"), matte)
    finally:
        rig._unfold = original
    assert _det(unguarded["field"]).min() >= MIN_JACOBIAN
    line = mesh[list(UPPER_INNER)]
    frame = FaceFrame(with_cheeks(ibug68(mesh)))
    rise = -((carried(line, field) - line) @ frame.y) / frame.iod
    middle = len(line) // 2
    assert rise[middle] > 0.06, rise
    for half in (rise[:middle + 1], rise[middle:][::-1]):  # corner to middle
        assert (np.diff(half) > -0.004).all(), rise


def test_the_fold_checks_gradient_terms_are_numpys_to_the_bit():
    """The fold check's divergence and determinant of a field's gradient, compiled in one pass,
    are those of :func:`numpy.gradient`'s derivatives to the last bit (central differences,
    one-sided at the edges, float32 throughout) — the fold bound is tested against them."""
    from atw_ofx.models.jacobian import jacobian_terms

    rng = np.random.default_rng(7)
    for shape in ((2, 2), (3, 7), (61, 44)):
        fx, fy = (rng.standard_normal((2,) + shape) * 3).astype(np.float32)
        gx_x, gx_y = np.gradient(fx, axis=1), np.gradient(fx, axis=0)
        gy_x, gy_y = np.gradient(fy, axis=1), np.gradient(fy, axis=0)
        a, b = jacobian_terms(fx, fy)
        np.testing.assert_array_equal(a, gx_x + gy_y)
        np.testing.assert_array_equal(b, gx_x * gy_y - gx_y * gy_x)
