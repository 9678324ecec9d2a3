"""AUs asked of one side of the face: AU12L, AU45R — the names, the curves files, the presets,
the rig moving that side alone, and the models that move both sides alike."""
import json

import numpy as np
import pytest

from atw_ofx.aus import (SIDES, AUCurves, au_key, au_vector, both_sides, key_name, load_curves,
                         parse_au_assignments, save_curves)
from atw_ofx.conventions import AU_NAMES
from atw_ofx.errors import CurveError
from atw_ofx.face import face_matte
from atw_ofx.face.layout import ibug68
from atw_ofx.models.eyelids import EYES
from atw_ofx.models.rig import FaceFrame, LandmarkRig, with_cheeks
from conftest import run_atw

N = 128
AU12, AU45 = AU_NAMES.index("AU12"), AU_NAMES.index("AU45")
RIGHT, LEFT = SIDES.index("R"), SIDES.index("L")


def aus(*items):
    return au_vector(parse_au_assignments(list(items)))


def test_a_side_is_named_after_the_au_and_openface_columns_stay_both_sides():
    assert au_key("AU45L") == (AU45, LEFT) and au_key(" au12r ") == (AU12, RIGHT)
    assert au_key("12L") == (AU12, LEFT)
    assert au_key("AU12_r") == AU12  # OpenFace's intensity column, not a side
    assert [key_name(k) for k in (AU12, (AU45, LEFT), (AU12, RIGHT))] == ["AU12", "AU45L",
                                                                          "AU12R"]
    with pytest.raises(CurveError, match="unknown AU 'AU99L'"):
        au_key("AU99L")


def test_a_sides_own_value_takes_the_place_of_both_sides_on_that_side():
    plain = aus("AU12=2")
    assert plain.shape == (17,)
    sided = aus("AU12R=4", "AU12=2", "AU45L=5")  # (the order given does not matter)
    assert sided.shape == (2, 17) and sided.dtype == np.float32
    assert sided[RIGHT, AU12] == 4 and sided[LEFT, AU12] == 2
    assert sided[LEFT, AU45] == 5 and sided[RIGHT, AU45] == 0
    assert both_sides(sided)[AU12] == 3 and both_sides(plain) is plain


def test_sided_curves_round_trip_through_the_json_file(tmp_path):
    path = tmp_path / "wink.json"
    path.write_text(json.dumps({"atw_au_curves": 1, "curves": {
        "AU45L": {"keys": [[1, 0.0], [5, 5.0]], "interpolation": "linear"},
        "AU12": [[1, 1.0], [5, 3.0]]}}))
    curves = load_curves(path)
    at3 = curves.at(3)
    assert at3.shape == (2, 17)
    assert at3[LEFT, AU45] == pytest.approx(2.5) and at3[RIGHT, AU45] == 0
    assert at3[:, AU12].tolist() == pytest.approx([2.0, 2.0])
    save_curves(tmp_path / "again.json", curves)
    saved = json.loads((tmp_path / "again.json").read_text())
    assert list(saved["curves"]) == ["AU12", "AU45L"]
    again = load_curves(tmp_path / "again.json")
    for frame in (0, 2, 4.5, 9):
        np.testing.assert_array_equal(again.at(frame), curves.at(frame))
    # --au over a curves file: a both-sides constant leaves the side's own curve its side.
    over = curves.with_constants(parse_au_assignments(["AU45=1"])).at(3)
    assert over[LEFT, AU45] == pytest.approx(2.5) and over[RIGHT, AU45] == 1
    assert AUCurves().at(1).shape == (17,)


def test_contempt_is_one_sided_and_adds_to_a_both_sides_smile():
    from atw_ofx.expressions import expression_aus, expression_weights

    contempt = au_vector(expression_aus(["contempt=0.8"]))
    assert contempt[LEFT, AU12] > 0 and contempt[RIGHT].sum() == 0
    both = au_vector(expression_aus(["happy=0.5", "contempt=0.5"]))
    happy = au_vector(expression_aus(["happy=0.5"]))
    assert both[RIGHT, AU12] == happy[AU12] < both[LEFT, AU12]
    # A model driven by classes reads the preset back from the sided vector.
    weights = expression_weights(contempt, ("happy", "contempt"))
    assert weights.tolist() == pytest.approx([0.0, 0.8], abs=1e-6)


def test_a_one_sided_smile_moves_that_sides_corner_alone(demo_mesh):
    mesh = demo_mesh[1]
    rig = LandmarkRig()
    points = with_cheeks(ibug68(mesh))
    frame = FaceFrame(points)
    left_corner, right_corner = 54, 48  # the 68-point view: the face's left corner is 54
    assert (points[left_corner] - frame.midline) @ frame.x > 0
    moved = rig.displacements(mesh, aus("AU12L=5"), lower_lids=False)
    both = rig.displacements(mesh, aus("AU12=5"), lower_lids=False)
    np.testing.assert_allclose(moved[left_corner], both[left_corner], atol=1e-9)
    assert np.abs(moved[right_corner]).max() < 1e-9
    # Equal sides are both sides, to the bit: the field as well as the points.
    matte = face_matte(mesh, N)
    np.testing.assert_array_equal(rig.field(mesh, aus("AU12L=3", "AU12R=3", "AU45L=4",
                                                      "AU45R=4"), matte),
                                  rig.field(mesh, aus("AU12=3", "AU45=4"), matte))


def test_a_wink_closes_one_eye_and_leaves_the_other_as_shot(demo_mesh):
    mesh = demo_mesh[1]
    matte = face_matte(mesh, N)
    field, interior = LandmarkRig().field_and_interior(mesh, aus("AU45L=5"), matte)
    scale = field.shape[-1] / N
    motion = []
    for eye in EYES:  # the right eye first
        x0, y0 = (mesh[list(eye["upper"] + eye["lower"])].min(0) * scale).astype(int)
        x1, y1 = (mesh[list(eye["upper"] + eye["lower"])].max(0) * scale).astype(int) + 1
        motion.append(float(np.abs(field[:, y0:y1, x0:x1]).max()))
    assert motion[RIGHT] == 0.0 and motion[LEFT] > 2.0
    lids = [region for region in interior if type(region).__name__ == "ClosingLid"]
    assert len(lids) == 1 and lids[0].closure == 1.0


def test_a_one_sided_sneer_lifts_one_side_of_a_closed_mouths_upper_lip(demo_mesh):
    """AU10 on a mouth that hides its teeth (the demo portrait's) is the mouth model's: AU10L
    lifts the upper lip over the mouth's left half (the opening drawn under it) and leaves its
    right as shot; both sides at one value are AU10, to the bit."""
    from atw_ofx.models import mouth

    mesh = demo_mesh[1]
    matte = face_matte(mesh, N)
    rig = LandmarkRig()
    along, down, _ = mouth.iris_axes(mesh)
    middle = (mesh[13] + mesh[14]) / 2

    def opening_heights(*asked):
        """The generated opening's height over the mouth's left and right halves (grid px)."""
        field, interior = rig.field_and_interior(mesh, aus(*asked), matte)
        opening = next(r for r in interior if isinstance(r, mouth.GeneratedRegion)).polygon \
            * (N / field.shape[-1])
        across = (opening - middle) @ along
        return [np.ptp((opening[pick] - middle) @ down)
                for pick in (across > 0.1 * np.ptp(across), across < -0.1 * np.ptp(across))]

    (left, right), (both_left, both_right) = opening_heights("AU10L=5"), opening_heights("AU10=5")
    assert left == pytest.approx(both_left, rel=0.1)
    assert right < 0.7 * both_right
    np.testing.assert_array_equal(rig.field(mesh, aus("AU10L=4", "AU10R=4"), matte),
                                  rig.field(mesh, aus("AU10=4"), matte))


def test_a_model_that_moves_both_sides_alike_gets_the_mean():
    from atw_ofx.render import model_aus

    class BothSides:  # e.g. a learned bundle: 17 AUs in, no sides
        au_semantics = "relative"

    sided = aus("AU12L=4", "AU06=2")
    given = model_aus(BothSides(), sided, None, "relative")
    assert given.shape == (17,) and given[AU12] == 2 and given[AU_NAMES.index("AU06")] == 2
    assert model_aus(LandmarkRig(), sided, None, "relative") is sided


def test_the_command_line_winks_one_eye(tmp_path, portrait_path):
    """``--au AU45L=5`` renders, its provenance keeps both rows, and only the face's left eye
    (the image's right) changes."""
    from atw_ofx.imageio import read_image

    out = tmp_path / "wink.exr"
    proc = run_atw("render", str(portrait_path), "-o", str(out), "--au", "AU45L=5",
                   "--pixel-type", "float")
    assert proc.returncode == 0, proc.stderr
    before, after = read_image(portrait_path), read_image(out)
    changed = np.abs(after.rgb() - before.rgb()).max(-1) > 0.02
    ys, xs = np.nonzero(changed)
    assert len(xs) > 200
    from atw_ofx.face.detect import detect_face

    mesh = detect_face(before.rgb(), before.colourspace, backend_name="mesh").landmarks
    right_iris, left_iris = mesh[468], mesh[473]
    middle = (right_iris[0] + left_iris[0]) / 2
    assert left_iris[0] > middle and (xs > middle).mean() > 0.97
    import OpenImageIO as oiio

    params = json.loads(oiio.ImageInput.open(str(out)).spec().getattribute("atw:params"))
    assert np.array(params["aus"])[:, AU45].tolist() == [0.0, 5.0]
