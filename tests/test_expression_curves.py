"""Expression curves: a curves file (and so a host's sliders) keys a named expression's weight,
its AUs added on top of the AU curves; the command line's constants still take their place."""
import json
import subprocess
import sys

import numpy as np
import pytest

from atw_ofx.aus import au_vector, load_curves, save_curves
from atw_ofx.conventions import AU_NAMES
from atw_ofx.errors import CurveError
from atw_ofx.expressions import PEAK, expression_aus

AU06, AU12, AU14, AU45 = (AU_NAMES.index(a) for a in ("AU06", "AU12", "AU14", "AU45"))


def write_json(tmp_path, curves, name="shot_aus.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"atw_au_curves": 1, "curves": curves}))
    return path


def test_an_expression_curve_asks_what_the_preset_asks(tmp_path):
    """A ``happy`` weight of 0.8 is ``--expression happy=0.8``, to the bit (17 floats, both sides
    alike); before its first key it holds it, as an AU curve does."""
    curves = load_curves(write_json(tmp_path, {"Happy": [[1001, 0.8]]}))
    at = curves.at(1001)
    assert at.shape == (17,) and at.dtype == np.float32
    assert np.array_equal(at, au_vector(expression_aus(["happy=0.8"])))
    assert at[AU12] == pytest.approx(0.8 * PEAK)


def test_expressions_add_to_the_au_curves_and_each_sum_is_held_to_5(tmp_path):
    curves = load_curves(write_json(tmp_path, {
        "happy": {"keys": [[1, 0.0], [11, 1.0]], "interpolation": "linear"},
        "AU12": [[1, 1.5]], "AU45": [[1, 2.0]], "contempt": [[1, 0.5]]}))
    half = curves.at(6)  # happy at 0.5: AU06 and AU12 at 2, contempt's on the face's left
    assert half.shape == (2, 17)  # contempt asks one side (rows: right, left)
    assert half[:, AU06].tolist() == [2.0, 2.0]
    assert half[:, AU12].tolist() == [3.5, 3.5 + 0.5 * 0.75 * PEAK]
    assert half[:, AU14].tolist() == [0.0, 0.5 * PEAK]
    assert half[:, AU45].tolist() == [2.0, 2.0]  # an AU no expression asks: its curve's
    full = curves.at(11)
    assert full[:, AU12].tolist() == [5.0, 5.0]  # 1.5 + 4 (+ 1.5): held to 5


def test_the_command_lines_constants_take_the_place_of_curves_and_expressions(tmp_path):
    curves = load_curves(write_json(tmp_path, {"happy": [[1, 1.0]], "contempt": [[1, 1.0]]}))
    held = curves.with_constants({AU12: 1.0, (AU14, 1): 0.5}).at(1)
    assert held[:, AU12].tolist() == [1.0, 1.0]  # --au AU12=1: no expression adds to it
    assert held[:, AU14].tolist() == [0.0, 0.5]  # --au AU14L=0.5: that side alone
    assert held[:, AU06].tolist() == [PEAK, PEAK]  # happy's other AU still added


def test_expression_curves_round_trip_and_smooth_within_their_weights(tmp_path):
    curves = load_curves(write_json(tmp_path, {
        "AU12": [[1, 0.0], [5, 3.0]],
        "sad": {"keys": [[1, 0.0], [3, 1.0], [6, 0.0]], "interpolation": "linear"}}))
    save_curves(tmp_path / "again.json", curves)
    written = json.loads((tmp_path / "again.json").read_text())["curves"]
    assert sorted(written) == ["AU12", "sad"]
    back = load_curves(tmp_path / "again.json")
    for frame in (1, 2.5, 3, 4.2, 9):
        assert np.array_equal(back.at(frame), curves.at(frame))
    smooth = curves.smoothed(1.5)
    weights = smooth.expressions["sad"].values
    assert 0.0 <= weights.min() and weights.max() < 1.0  # low-passed, still a weight
    assert smooth.at(3)[AU_NAMES.index("AU15")] < curves.at(3)[AU_NAMES.index("AU15")]


@pytest.mark.parametrize("curves,message", [
    ({"happy": [[1, 1.5]]}, "happy at frame 1: 1.5 is outside 0–1"),
    ({"glee": [[1, 0.5]]}, "unknown AU 'glee'; expected one of AU01"),
])
def test_a_bad_expression_curve_names_the_file(tmp_path, curves, message):
    with pytest.raises(CurveError, match="shot_aus.json") as info:
        load_curves(write_json(tmp_path, curves))
    assert message in str(info.value)
    if "unknown" in message:
        assert "happy, sad, surprise, fear, anger, disgust, contempt" in str(info.value)


def test_a_keyed_expression_renders_as_the_preset_does(tmp_path, portrait_path):
    """Through the command line: ``--aus`` with a ``happy`` curve at 0.8 writes the same bytes
    as ``--expression happy=0.8``, and not the plate's."""
    curves = write_json(tmp_path, {"happy": [[1, 0.8]]})
    outputs = []
    for name, edit in (("keyed", ["--aus", str(curves)]),
                       ("preset", ["--expression", "happy=0.8"])):
        out = tmp_path / f"{name}.exr"
        proc = subprocess.run([sys.executable, "-m", "atw_ofx.cli", "render", str(portrait_path),
                               "-o", str(out), "--pixel-type", "float", *edit],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        outputs.append(out)
    from atw_ofx.imageio import read_image

    keyed, preset, plate = (read_image(p).rgb() for p in (*outputs, portrait_path))
    assert np.array_equal(keyed, preset)
    assert np.abs(keyed - plate).max() > 0.05


def test_an_expression_may_be_named_as_data_sets_and_compositors_name_it(tmp_path):
    """``smile`` is happy, ``angry`` anger — on the command line and in a curves file; a name
    that is neither says which names there are."""
    assert expression_aus(["smile=0.5"]) == expression_aus(["happy=0.5"])
    assert expression_aus([" Angry=1"]) == expression_aus(["anger=1"])
    curves = load_curves(write_json(tmp_path, {"smile": [[1, 0.5]]}))
    assert np.array_equal(curves.at(1), au_vector(expression_aus(["happy=0.5"])))
    with pytest.raises(CurveError, match=r"--expression 'grin': expected one of happy, .* "
                                         r"\(or happiness, smile"):
        expression_aus(["grin=0.5"])
    with pytest.raises(CurveError, match="--expression smile=2: the weight is 0–1"):
        expression_aus(["smile=2"])
