"""The AU estimator: its measures, its anatomy, its neutral, its calibration on real performances
and the labelled frames it never saw."""
import json

import numpy as np
import pytest

from atw_ofx.conventions import AU_NAMES
from atw_ofx.face.au_estimate import (AU_MOTIONS, AUEstimator, clip_neutral, image_landmarks,
                                      movements, unrelaxed)
from atw_ofx.face.au_measures import MEASURES, face_frame_points, measure
from atw_ofx.face.layout import ibug68

from conftest import run_atw


@pytest.fixture(scope="module")
def labelled(shared_data):
    """Mesh landmarks and OpenFace labels of the 81 real labelled frames."""
    import cv2

    from atw_ofx.train.data import read_labels

    root = shared_data / "au_labeled" / "atw_sequence"
    labels = read_labels(root / "aus.txt")
    names = sorted(labels, key=lambda n: int(n.split(".")[0]))
    rgb = [cv2.cvtColor(cv2.imread(str(root / "imgs" / n)), cv2.COLOR_BGR2RGB) for n in names]
    landmarks = [image_landmarks(img) for img in rgb]
    assert all(lm is not None for lm in landmarks)
    return np.stack(landmarks), np.stack([labels[n] for n in names]), root


def test_measures_ignore_where_the_face_is_and_how_big(labelled):
    landmarks = labelled[0][10]
    angle = np.deg2rad(17)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = (landmarks @ rot.T) * 3.7 + np.array([900.0, -40.0])
    assert np.allclose(measure(moved), measure(landmarks), atol=1e-9)
    # One frame or many: the same numbers.
    assert np.allclose(measure(labelled[0][:3])[1], measure(labelled[0][1]))


def test_the_mesh_and_its_68_point_view_measure_the_same_movements(labelled):
    """The 68-point rows of POINTS (dlib, OpenFace CSVs) follow the mesh's: each measure that
    moves in this talking, smiling, blinking clip rises and falls together in both layouts."""
    mesh = measure(labelled[0])
    sparse = measure(np.stack([ibug68(lm) for lm in labelled[0]]))
    for m, name in enumerate(MEASURES):
        if name in ("lower_lid", "cheek", "nose_wing", "brow_gap"):
            continue  # the 68 points have no cheek, and no lid or nose point between corners
        r = np.corrcoef(mesh[:, m], sparse[:, m])[0, 1]
        assert r > 0.8, (name, r)


def test_a_face_measured_against_itself_has_no_aus(labelled):
    estimator = AUEstimator.default()
    landmarks = labelled[0][5]
    assert np.array_equal(estimator.estimate(landmarks, measure(landmarks)), np.zeros(17))


def _moved(landmarks, names, up=0.0, out=0.0):
    """``landmarks`` with the POINTS ``names``' vertices moved ``up``/``out`` IOD (face frame)."""
    from atw_ofx.face.au_measures import POINTS

    eye_r = (landmarks[33] + landmarks[133]) / 2
    eye_l = (landmarks[263] + landmarks[362]) / 2
    iod = np.linalg.norm(eye_l - eye_r)
    x = (eye_l - eye_r) / iod
    y_up = np.array([x[1], -x[0]])
    moved = landmarks.copy()
    for name in names:
        side = -1.0 if name.endswith("_r") else 1.0
        for v in POINTS[name][0]:
            moved[v] += iod * (up * y_up + side * out * x)
    return moved


@pytest.mark.parametrize("au, names, up, out", [
    ("AU01", ["inner_brow_r", "inner_brow_l"], 0.1, 0.0),
    ("AU02", ["outer_brow_r", "outer_brow_l"], 0.1, 0.0),
    ("AU04", ["inner_brow_r", "inner_brow_l"], -0.06, -0.03),
    ("AU12", ["mouth_corner_r", "mouth_corner_l"], 0.12, 0.05),
    ("AU15", ["mouth_corner_r", "mouth_corner_l"], -0.08, 0.0),
    ("AU25", ["lower_lip_inner", "lower_lip_bottom"], -0.2, 0.0),
    ("AU26", ["chin", "lower_lip_bottom", "lower_lip_inner"], -0.3, 0.0),
    ("AU45", ["upper_lid_r", "upper_lid_l"], -0.12, 0.0),
])
def test_each_movement_reads_as_its_au_and_not_its_opposite(labelled, au, names, up, out):
    """Anatomy, not data: a brow raised reads AU01, never AU04; corners up and out read AU12,
    down AU15; a lowered lid reads AU45 — on a real face's mesh, moved by hand."""
    estimator = AUEstimator.default()
    face = labelled[0][5]
    aus = dict(zip(AU_NAMES, estimator.estimate(_moved(face, names, up, out), measure(face))))
    assert aus[au] >= 2.0, aus
    opposite = {"AU01": "AU04", "AU02": "AU04", "AU04": "AU01", "AU12": "AU15", "AU15": "AU12",
                "AU25": "AU23", "AU26": "AU17", "AU45": "AU05"}[au]
    assert aus[opposite] == 0.0, aus
    # Intensity is linear in the movement (until it clips at 5).
    half = estimator.estimate(_moved(face, names, up / 2, out / 2), measure(face))
    assert half[AU_NAMES.index(au)] == pytest.approx(min(aus[au], 5) / 2, rel=0.02) \
        if aus[au] < 5 else half[AU_NAMES.index(au)] > 0


def test_the_neutral_is_where_the_clip_relaxes_not_its_median():
    """A performer who smiles through 80 % of the clip: the median is a smile, the neutral is
    the relaxed 20 % (corner height at its low quantile), so the smile reads as AU12."""
    rng = np.random.default_rng(3)
    features = np.tile(AUEstimator.default().neutral, (100, 1))
    features += rng.normal(0, 0.002, features.shape)
    corner = list(MEASURES).index("corner_height")
    features[20:, corner] += 0.15  # smiling from frame 20 on
    neutral = clip_neutral(features)
    assert abs(neutral[corner] - features[:20, corner].mean()) < 0.01
    aus = AUEstimator.default().intensities(features, neutral)
    smile = aus[:, AU_NAMES.index("AU12")]
    assert smile[50:].min() > 2 and smile[:20].max() < 0.5


def test_a_clip_that_never_relaxes_is_named_by_measure():
    estimator = AUEstimator.default()
    names = list(MEASURES)
    held = estimator.neutral.copy()
    held[names.index("corner_height")] += 4 * estimator.spread[names.index("corner_height")]
    # no AU closes the jaw past its relaxed value
    held[names.index("jaw_drop")] -= 4 * estimator.spread[names.index("jaw_drop")]
    offsets = unrelaxed(held, estimator.neutral, estimator.spread)
    assert list(offsets) == ["corner_height"]
    assert unrelaxed(estimator.neutral, estimator.neutral, estimator.spread) == {}


def test_eyes_read_as_a_fraction_of_their_own_aperture():
    """AU45 is 'how shut', whatever the eye's size: the same fraction closed reads the same."""
    names = list(MEASURES)
    eyes = [names.index("eye_aperture_r"), names.index("eye_aperture_l")]
    for size in (0.1, 0.2):
        neutral = AUEstimator.default().neutral.copy()
        neutral[eyes] = size
        closed = neutral.copy()
        closed[eyes] = size * 0.2
        assert movements(closed, neutral)[AU_NAMES.index("AU45")] == pytest.approx(0.8)


def test_atw_aus_calibrate_writes_the_shipped_calibration_and_scores_it_held_out(shared_data,
                                                                                  tmp_path):
    """Gains come from the shared performances alone; the labelled frames only score them."""
    out = tmp_path / "calibration.json"
    clips = sorted(str(p) for p in (shared_data / "video").glob("*.mp4"))
    proc = run_atw("aus", "calibrate", *clips,
                   "--labelled", str(shared_data / "au_labeled" / "atw_sequence"),
                   "--labelled", str(shared_data / "video" / "pyfeat_OpenFace_Test.csv"),
                   "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    fitted, shipped = json.loads(out.read_text()), AUEstimator.default().to_json()
    assert fitted["gains"] == shipped["gains"] and fitted["neutral"] == shipped["neutral"]
    assert fitted["report"] == shipped["report"]
    # Held out: the labelled performer's smile, mouth and blinks follow OpenFace (r; docs/aus.md)
    # and a smile reads on OpenFace's scale.
    scores = fitted["report"]["labelled"]["atw_sequence"]["per_au"]
    for au in ("AU06", "AU12", "AU25", "AU45"):
        assert scores[au]["visible"] and scores[au]["r"] >= 0.6, (au, scores[au])
    assert 0.5 <= scores["AU12"]["slope"] <= 2 and 0.5 <= scores["AU25"]["slope"] <= 2
    # Each clip's strong frame, with gains from the other clips: the smiles and mouths of the
    # most expressive performers reach 4-5.
    strong = fitted["report"]["held_out_clips_strong_frame"]
    assert max(row["AU12"] for row in strong.values()) >= 4
    assert max(row["AU25"] for row in strong.values()) >= 4
    assert sum(row["AU45"] >= 4 for row in strong.values()) >= 3


def test_atw_aus_calibrate_names_a_clip_it_cannot_read_from_its_worker(portrait_clip, tmp_path):
    """Clips are tracked in worker processes; one that cannot be read stops the calibration with
    its own one-line error, and nothing is written. A bad --jobs is refused."""
    out = tmp_path / "calibration.json"
    missing = tmp_path / "missing.mp4"
    proc = run_atw("aus", "calibrate", str(portrait_clip), str(missing), "--jobs", "2",
                   "-o", str(out))
    assert proc.returncode != 0 and not out.exists()
    assert proc.stderr.strip().splitlines()[-1] == f"atw: error: {missing}: file not found"
    refused = run_atw("aus", "calibrate", str(portrait_clip), "--jobs", "0", "-o", str(out))
    assert refused.returncode != 0
    assert refused.stderr.strip() == "atw: error: --jobs 0: expected 1 or more"


def test_blinks_of_another_performer_follow_openface(shared_data):
    """OpenFace 2.x output for a calm face (its own 68 landmarks and AU45_r): our estimate from
    those landmarks, against the clip's own neutral, rises and falls with OpenFace's blinks."""
    from atw_ofx.au_calibration import labelled_frames

    features, labels = labelled_frames(str(shared_data / "video" / "pyfeat_OpenFace_Test.csv"))
    ours = AUEstimator.default().intensities(features, clip_neutral(features))
    blink = AU_NAMES.index("AU45")
    assert np.corrcoef(ours[:, blink], labels[:, blink])[0, 1] > 0.85


def test_every_au_names_measures_that_exist():
    for au, motion in AU_MOTIONS.items():
        assert au in AU_NAMES and set(motion) <= set(MEASURES), au


def test_face_frame_points_put_the_eyes_on_the_x_axis(labelled):
    points = face_frame_points(labelled[0][0])
    for name in ("eye_outer_r", "eye_inner_r", "eye_inner_l", "eye_outer_l"):
        assert abs(points[name][1]) < 0.05  # eye corners lie near the eye line
    eye_r = (points["eye_outer_r"] + points["eye_inner_r"]) / 2
    eye_l = (points["eye_outer_l"] + points["eye_inner_l"]) / 2
    assert np.allclose(eye_l - eye_r, [1.0, 0.0]) and np.allclose(eye_l + eye_r, 0.0)


def test_docs_show_the_shipped_calibrations_table():
    from pathlib import Path

    from atw_ofx.au_calibration import markdown_table

    docs = (Path(__file__).parents[1] / "docs" / "aus.md").read_text()
    assert markdown_table(AUEstimator.default()) in docs
