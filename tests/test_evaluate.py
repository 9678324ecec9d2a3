"""`atw eval`: its temporal warping error, identity embedding and the whole run."""
import json

import cv2
import numpy as np

from atw_ofx.evaluate import face_embedding, warping_error
from atw_ofx.face.detect import detect_face, to_rgb8
from atw_ofx.imageio import read_image

from conftest import run_atw


def test_warping_error_is_zero_for_still_or_moving_content_and_grows_with_flicker(
        portrait_path):
    rgb = read_image(portrait_path).rgb()  # a PNG: sRGB-encoded [0, 1], as eval scores
    frame = cv2.resize(rgb, (256, 256), interpolation=cv2.INTER_AREA)
    assert warping_error([frame, frame, frame]) == 0.0
    shifted = np.roll(frame, 3, axis=1)  # motion the flow follows: almost no error
    flicker = np.clip(frame + np.random.default_rng(0).normal(0, 0.05, frame.shape), 0, 1)
    assert warping_error([frame, shifted]) < 0.2 * warping_error([frame, flicker])
    assert warping_error([frame, flicker]) > 1e-3


def test_identity_embedding_tells_people_apart(shared_data):
    faces = []
    for name in ("0.png", "1.png"):
        plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
        rgb8 = to_rgb8(plate.rgb(), plate.colourspace)
        faces.append((rgb8, detect_face(plate.rgb(), plate.colourspace).box))
    same = face_embedding(*faces[0]) @ face_embedding(*faces[0])
    other = face_embedding(*faces[0]) @ face_embedding(*faces[1])
    assert same > 0.999 and other < 0.9


def test_atw_eval_scores_the_rig_on_unseen_faces(portrait_path, tmp_path):
    out, sheet = tmp_path / "eval.json", tmp_path / "sheet.png"
    proc = run_atw("eval", "--faces", str(portrait_path.parent), "--count", "1",
                   "--frames", "3", "--side", "384", "--json", str(out), "--sheet", str(sheet))
    assert proc.returncode == 0, proc.stderr
    (record,) = json.loads(out.read_text())
    assert record["model"] == "rig" and record["faces"] == 1
    assert 0.9 < record["identity_cosine"] <= 1.0  # a warp keeps the person
    assert record["au_error"] is not None and record["fwe_x1e3"] >= 0
    assert read_image(sheet).pixels.shape[:2] == (256, 768)


def test_atw_eval_edits_measures_what_was_asked_on_the_output(shared_data, tmp_path):
    """Each AU at 5 and each preset at 0.8, measured by optical flow on the rendered output:
    the rig delivers most of what its table asks (corners, inner brows, lower lip), the mouth
    opens by a real amount into a dark cavity, a blink closes the eyes; the sheet has a labelled
    header and one row per face (the face as shot + 7 presets)."""
    out, sheet = tmp_path / "edits.json", tmp_path / "edits.png"
    proc = run_atw("eval", "--edits", "--faces", str(shared_data / "plates" / "ffhq_atw" / "5.png"),
                   "--side", "512", "--json", str(out), "--sheet", str(sheet))
    assert proc.returncode == 0, proc.stderr
    (record,) = json.loads(out.read_text())
    summary = record["summary"]
    for case, part in (("AU12", "corners"), ("AU01", "inner_brows"), ("AU15", "corners"),
                       ("AU10", "upper_lip"), ("AU25+AU26", "lower_lip"), ("AU04", "brows")):
        asked, measured = summary[case]["asked"][part]["up"], summary[case]["measured"][part]["up"]
        assert abs(asked) > 0.05 and 0.6 < measured / asked < 1.3, (case, asked, measured)
    assert summary["AU12"]["measured"]["corners"]["up"] > summary["AU12"]["measured"]["corners"]["out"] > 0
    assert summary["AU25+AU26"]["mouth_opening"] > 0.19
    # The opening as the output shows it: the generated interior's height, near what was asked
    asked = (summary["AU25+AU26"]["asked"]["upper_lip"]["up"]
             - summary["AU25+AU26"]["asked"]["lower_lip"]["up"])
    assert 0.8 < summary["AU25+AU26"]["interior_height"] / asked < 1.2
    assert "interior_height" not in summary["AU45"] or summary["AU45"]["interior_height"] < 0.05
    assert len(record["per_face"]["5.png"]["AU45"]["lid_travel"]) == 2  # each eye
    # Darker than the cheeks as real open mouths are (0.45 of them at the median, teeth and
    # tongue included: benchmarks/mouth_vs_real.py); stretched lips read 0.53–0.87.
    assert summary["AU25+AU26"]["interior_luminance_vs_cheek"] < 0.4
    assert summary["AU45"]["eye_aspect_ratio"] < 0.7
    # An open smile's corners rising leave the dark a broad smile shows beside its side teeth
    # (models.teeth): generated, and dark — not stretched teeth.
    assert summary["AU12"]["interior_luminance_vs_cheek"] < 0.2
    assert read_image(sheet).pixels.shape[:2] == (28 + 256, 8 * 256)
    assert "AU12" in proc.stdout and "happy" in proc.stdout
