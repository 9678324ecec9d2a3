"""AU vectors and curves: JSON schema, interpolation, OpenFace CSV, clear errors."""
import json

import numpy as np
import pytest

from atw_ofx.aus import AUCurves, Curve, load_curves, parse_au_assignments, ramp, save_curves
from atw_ofx.conventions import AU_NAMES
from atw_ofx.errors import CurveError


def write_json(tmp_path, doc, name="curves.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_interpolation_modes(tmp_path):
    path = write_json(tmp_path, {"atw_au_curves": 1, "interpolation": "linear", "curves": {
        "AU12": [[1001, 0.0], [1011, 4.0]],
        "AU06": {"keys": [[1001, 0.0], [1011, 2.0]], "interpolation": "smooth"},
        "AU01": {"keys": [[1001, 1.0], [1011, 3.0]], "interpolation": "step"},
    }})
    curves = load_curves(path)
    at = lambda frame, au: curves.at(frame)[AU_NAMES.index(au)]  # noqa: E731
    assert at(1006, "AU12") == pytest.approx(2.0)
    assert at(1003.5, "AU12") == pytest.approx(1.0)
    assert at(1006, "AU06") == pytest.approx(1.0)  # ease: symmetric midpoint
    assert at(1003.5, "AU06") == pytest.approx(2.0 * (0.25**2 * (3 - 0.5)))
    assert at(1010, "AU01") == 1.0 and at(1011, "AU01") == 3.0
    assert at(900, "AU12") == 0.0 and at(2000, "AU12") == 4.0  # held outside the keys
    assert at(1006, "AU26") == 0.0  # no curve: 0


def test_round_trip(tmp_path):
    curves = ramp({"AU12": 4.0, "AU25": 2.0}, first=1, last=24)
    save_curves(tmp_path / "c.json", curves)
    back = load_curves(tmp_path / "c.json")
    for frame in (1, 7.5, 24):
        assert np.array_equal(back.at(frame), curves.at(frame))


@pytest.mark.parametrize("doc,message", [
    ({"curves": {"AU99": [[1, 0]]}}, "unknown AU 'AU99'"),
    ({"curves": {"AU12": [[1, 7.0]]}}, "outside 0–5"),
    ({"curves": {"AU12": [[2, 1.0], [1, 2.0]]}}, "strictly increasing"),
    ({"curves": {"AU12": [[1, "x"]]}}, "not a number"),
    ({"curves": {"AU12": {"keys": [[1, 1]], "interpolation": "cubic"}}}, "interpolation"),
    ({"frames": {}}, '"curves" object'),
    ({"atw_au_curves": 9, "curves": {}}, "schema version"),
])
def test_bad_curve_files_name_the_file(tmp_path, doc, message):
    path = write_json(tmp_path, doc, "shot_aus.json")
    with pytest.raises(CurveError, match="shot_aus.json") as info:
        load_curves(path)
    assert message in str(info.value)


def test_not_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{nope")
    with pytest.raises(CurveError, match="not valid JSON"):
        load_curves(path)


def test_au_assignments():
    assert parse_au_assignments(["AU12=3.5", "au01=1"]) == {8: 3.5, 0: 1.0}
    with pytest.raises(CurveError, match="unknown AU"):
        parse_au_assignments(["AU13=1"])
    with pytest.raises(CurveError, match="NAME=VALUE"):
        parse_au_assignments(["AU12"])
    with pytest.raises(CurveError, match="outside"):
        parse_au_assignments(["AU12=nan"])


def test_constants_override_curves():
    curves = ramp({"AU12": 4.0}, 1, 10).with_constants({8: 1.5})
    assert curves.at(10)[8] == 1.5


def test_openface_csv_hand_made(tmp_path):
    path = tmp_path / "of.csv"
    path.write_text("frame, face_id, confidence, AU01_r, AU12_r, AU12_c\n"
                    "1, 0, 0.98, 0.5, 1.0, 1\n3, 0, 0.97, 1.5, 6.0, 1\n")
    curves = load_curves(path)
    assert curves.at(2)[0] == pytest.approx(1.0)
    assert curves.at(3)[8] == 5.0  # clamped to the interface range
    assert isinstance(curves, AUCurves) and len(curves.curves) == 2


def test_openface_csv_real(shared_data):
    curves = load_curves(shared_data / "video" / "pyfeat_OpenFace_Test.csv")
    assert len(curves.curves) == 17
    values = np.stack([curves.at(f) for f in range(1, 101)])
    assert values.max() > 0.5 and values.min() >= 0.0


def test_the_documented_curves_example_loads(tmp_path):
    """The JSON example in the command-line reference is a valid curves file."""
    from conftest import ROOT

    text = (ROOT / "docs" / "cli.md").read_text()
    block = text.split("```json\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "readme.json"
    path.write_text(block)
    curves = load_curves(path)
    assert curves.at(1012)[:, AU_NAMES.index("AU06")].tolist() == [2.5, 2.5]
    assert curves.at(1006)[:, AU_NAMES.index("AU45")].tolist() == [0.0, 5.0]  # the left alone
    # happy, 0 until 1012, at 0.25 by 1024: its AUs at 1 added to AU12's 4 and AU06's 2
    assert curves.at(1024)[:, AU_NAMES.index("AU12")].tolist() == [5.0, 5.0]  # both sides
    assert curves.at(1024)[:, AU_NAMES.index("AU06")].tolist() == [3.0, 3.0]


def test_au_filter_smooths_noise_and_keeps_constants(rng):
    frames = np.arange(1001, 1101, dtype=np.float64)
    clean = 2.0 + np.sin((frames - 1001) / 15.0)
    noisy = np.clip(clean + rng.normal(0, 0.3, frames.shape), 0, 5).astype(np.float32)
    curves = AUCurves({8: Curve(frames, noisy, "linear"),
                       0: Curve(np.array([0.0]), np.array([1.5], np.float32), "step")})
    smoothed = curves.smoothed(3.0)
    inner = frames[10:-10]
    error_before = np.abs([curves.at(f)[8] - c for f, c in zip(inner, clean[10:-10])]).mean()
    error_after = np.abs([smoothed.at(f)[8] - c for f, c in zip(inner, clean[10:-10])]).mean()
    assert error_after < 0.4 * error_before
    assert smoothed.at(1050)[0] == 1.5  # a constant stays exactly itself
    assert curves.smoothed(0) is curves


def test_au_filter_of_a_step_is_centred_on_it():
    step = AUCurves({8: Curve(np.array([0.0, 10.0, 11.0, 20.0]),
                              np.array([0, 0, 4, 4], np.float32), "linear")})
    smoothed = step.smoothed(2.0)
    values = [smoothed.at(f)[8] for f in range(0, 21)]
    assert np.all(np.diff(values) >= 0)  # still monotone
    assert smoothed.at(10.5)[8] == pytest.approx(2.0, abs=1e-5)  # symmetric about the step
    assert values[0] == pytest.approx(0, abs=1e-3) and values[-1] == pytest.approx(4, abs=1e-3)


def test_expression_presets_mix_and_yield_to_explicit_aus(tmp_path, portrait_path):
    from atw_ofx.conventions import AU_NAMES
    from atw_ofx.errors import CurveError
    from atw_ofx.expressions import PEAK, expression_aus

    from conftest import run_atw

    mixed = expression_aus(["happy=0.5", "surprise=1"])
    named = {AU_NAMES[i]: v for i, v in mixed.items()}
    assert named == {"AU01": PEAK, "AU02": PEAK, "AU05": PEAK, "AU06": 0.5 * PEAK,
                     "AU12": 0.5 * PEAK, "AU26": PEAK}
    assert expression_aus(["fear=1", "surprise=1"])[AU_NAMES.index("AU01")] == 5.0  # clamped
    with pytest.raises(CurveError, match="expected one of happy, sad"):
        expression_aus(["joy=1"])
    with pytest.raises(CurveError, match="the weight is 0–1"):
        expression_aus(["happy=2"])
    # The preset is the AUs it names: the same frame, byte for byte.
    a, b = tmp_path / "a.exr", tmp_path / "b.exr"
    for out, args in ((a, ["--expression", "happy=1", "--au", "AU06=1"]),
                      (b, ["--au", "AU12=4", "--au", "AU06=1"])):
        proc = run_atw("render", str(portrait_path), "-o", str(out), *args)
        assert proc.returncode == 0, proc.stderr
    assert a.read_bytes() == b.read_bytes()
    proc = run_atw("render", str(portrait_path), "-o", str(a), "--expression", "joy=1")
    assert proc.returncode == 2 and "--expression 'joy'" in proc.stderr
