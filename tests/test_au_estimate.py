"""The landmark AU estimator: its geometry, its calibration against real labels, `atw aus`."""
import json

import numpy as np
import pytest

from atw_ofx.aus import load_curves
from atw_ofx.conventions import AU_NAMES
from atw_ofx.face.au_estimate import AUEstimator, calibrate, image_landmarks, measures

from conftest import run_atw


@pytest.fixture(scope="module")
def labelled(shared_data):
    """Landmarks and OpenFace labels of the 81 real labelled frames."""
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
    assert np.allclose(measures(moved), measures(landmarks), atol=1e-9)


def test_a_face_measured_against_itself_has_no_aus(labelled):
    estimator = AUEstimator.default()
    landmarks = labelled[0][5]
    assert np.array_equal(estimator.estimate(landmarks, measures(landmarks)), np.zeros(17))


def test_the_shipped_calibration_follows_openface_on_real_frames(labelled):
    landmarks, aus, _ = labelled
    shipped = AUEstimator.default()
    # Changes from the calibration's neutral face, on top of the AUs OpenFace gave that face
    # (this performer's "neutral" already smiles a little: AU12 ≈ 2).
    neutral_aus = np.array([shipped.report["neutral_aus"][au] for au in AU_NAMES])
    estimator = AUEstimator(shipped.weights, neutral_aus, shipped.neutral, shipped.report)
    predicted = estimator.estimate(landmarks)
    r = {au: np.corrcoef(predicted[:, a], aus[:, a])[0, 1] for a, au in enumerate(AU_NAMES)
         if aus[:, a].std() > 0 and predicted[:, a].std() > 0}
    # mouth opening, lip corners, blinks: the AUs the geometry sees best (measured 0.7-0.95)
    for au in ("AU12", "AU25", "AU45", "AU10"):
        assert r[au] > 0.5, (au, r[au])


def test_the_shipped_calibration_is_what_atw_aus_calibrate_writes(labelled):
    fitted = calibrate(str(labelled[2])).to_json()
    shipped = AUEstimator.default().to_json()
    assert fitted["weights"] == shipped["weights"] and fitted["neutral"] == shipped["neutral"]
    assert fitted["report"]["splits"]["test"]["pearson_r"]["AU25"] > 0.5


def test_atw_aus_extract_writes_curves_a_render_reads(shared_data, tmp_path):
    clip = shared_data / "video" / "liveportrait_d6.mp4"
    out = tmp_path / "curves.json"
    proc = run_atw("aus", "extract", str(clip), "--frames", "1-12", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert sorted(doc["curves"]) == sorted(AU_NAMES)
    assert [k[0] for k in doc["curves"]["AU25"]["keys"]] == list(range(1, 13))
    curves = load_curves(out)
    assert all(0 <= v <= 5 for f in range(1, 13) for v in curves.at(f))
    proc = run_atw("aus", "extract", str(clip), "--frames", "1-12", "-o", str(out),
                   "--neutral-frame", "99")
    assert proc.returncode == 2 and "--neutral-frame 99 is not among the frames" in proc.stderr


def test_blinks_of_another_performer_follow_openface(shared_data):
    """OpenFace 2.x output for a calm face (its own 68 landmarks and AU45_r): our estimate from
    those landmarks, against the clip's own neutral, rises and falls with OpenFace's blinks."""
    import csv

    from atw_ofx.face.au_estimate import clip_neutral

    path = shared_data / "video" / "pyfeat_OpenFace_Test.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh, skipinitialspace=True))
    landmarks = np.array([[[float(r[f"x_{i}"]), float(r[f"y_{i}"])] for i in range(68)]
                          for r in rows])
    estimator = AUEstimator.default()
    ours = estimator.estimate(landmarks, clip_neutral(np.array([measures(m) for m in landmarks])))
    blink = np.array([float(r["AU45_r"]) for r in rows])
    assert np.corrcoef(ours[:, AU_NAMES.index("AU45")], blink)[0, 1] > 0.85
