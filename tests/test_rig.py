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
