"""The fault suite: bad input a farm meets, each answered by one line naming what is wrong,
exit 2, and nothing written (issue 17's table; more rows live beside the features they guard:
test_render, test_batch, test_farm, test_imageio)."""
import json

import numpy as np
import pytest

from atw_ofx.imageio import ImagePlate, write_image

from conftest import CLIP_FRAMES, run_atw


@pytest.fixture(scope="module")
def shot(tmp_path_factory):
    """A two-frame sequence, a still, and the bad files the cases point at."""
    root = tmp_path_factory.mktemp("shot")
    plate = ImagePlate.from_array(np.full((64, 64, 3), 0.2, np.float32))
    for f in (1, 2):
        write_image(root / f"s.{f:04d}.exr", plate)
    write_image(root / "still.exr", plate)
    (root / "list.json").write_text("[1, 2]")
    (root / "folder").mkdir()
    (root / "latin1.csv").write_bytes(b"frame,AU12_r\n1,\xff\xfe\n")
    (root / "nan_keys.json").write_text('{"curves": {"AU12": [[1, NaN]]}}')
    (root / "nan_value.csv").write_text("frame,AU12_r\n1,nan\n2,1.5\n")
    (root / "inf_key.json").write_text('{"curves": {"AU12": [[1, Infinity]]}}')
    return root


CASES = {
    # --face-box with an infinite or NaN coordinate
    "face box inf": (["still.exr", "--face-box", "inf,0,400"], "expected X,Y,SIZE"),
    "face box nan": (["still.exr", "--face-box", "nan,0,400"], "expected X,Y,SIZE"),
    # a face box far larger than the plate (asked for 112 GiB) or off it
    "face box huge": (["still.exr", "--face-box", "0,0,100000"],
                      "still.exr: face box 0,0,100000 does not fit a 64×64 plate"),
    "face box off the plate": (["still.exr", "--face-box", "500,500,32"], "does not fit"),
    "au filter nan": (["still.exr", "--au-filter", "nan"], "--au-filter: expected a finite"),
    "au filter negative": (["still.exr", "--au-filter", "-2"], "--au-filter: expected a finite"),
    "face index negative": (["still.exr", "--face-index", "-1"], "--face-index: expected"),
    "frames beyond reason": (["s.####.exr", "--frames", "1-999999999"],
                             "asks for more than 10000000 frames"),
    "curves are a folder": (["still.exr", "--aus", "folder"], "expected a file, got a folder"),
    "csv not utf-8": (["still.exr", "--aus", "latin1.csv"],
                      "latin1.csv: OpenFace CSV is not UTF-8"),
    "nan key frame": (["still.exr", "--aus", "nan_keys.json"], "nan is outside 0–5"),
    "infinite key frame": (["still.exr", "--aus", "inf_key.json"], "inf is outside 0–5"),
    "nan csv value": (["still.exr", "--aus", "nan_value.csv"],
                      "nan_value.csv: row 2 holds nan, not a number"),
    "unknown colour space": (["still.exr", "--colorspace", "Nope"],
                             "unknown colour space 'Nope'"),
    "track is a list": (["s.####.exr", "--track", "list.json"],
                        "list.json: bad face track: expected a JSON object, got a list"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_and_exit_2(shot, case):
    args, needle = CASES[case]
    source, rest = args[0], args[1:]
    output = "out/o.####.exr" if "#" in source else "out/o.exr"
    if "--aus" not in rest:
        rest = [*rest, "--au", "AU12=3"]
    result = run_atw("render", source, "-o", output, *rest, cwd=shot)
    assert result.returncode == 2, (case, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], (case, lines)
    assert not (shot / "out").exists()


def test_a_frame_of_another_resolution_is_refused_before_any_output(tmp_path):
    """One 96×64 frame among 64×64 ones: the face would be placed by the others' pixels. The
    track pass refuses it, naming the frame, before any output is written; a render given a
    track made on the right-sized frames refuses the odd one too."""
    small = ImagePlate.from_array(np.full((64, 64, 3), 0.2, np.float32))
    wide = ImagePlate.from_array(np.full((64, 96, 3), 0.2, np.float32))
    for f, plate in ((1, small), (2, small), (3, wide)):
        write_image(tmp_path / f"s.{f:04d}.exr", plate)
    args = ["s.####.exr", "--face-box", "0,0,64", "--au", "AU12=3"]
    result = run_atw("render", *args, "-o", "out/o.####.exr", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == ("atw: error: s.####.exr (frame 3): frame is 96×64, the "
                                     "shot's first 64×64: one resolution per shot")
    assert not (tmp_path / "out").exists()
    track = run_atw("track", "s.####.exr", "--frames", "1-2", "--face-box", "0,0,64",
                    "-o", "t.json", cwd=tmp_path)
    assert track.returncode == 0, track.stderr
    # A track that does not cover a frame asked for is refused before any work …
    result = run_atw("render", *args, "--frames", "1-3", "--track", "t.json",
                     "-o", "out/o.####.exr", cwd=tmp_path)
    assert result.returncode == 2 and "the face track lacks frames 3 (it has 1-2)" in result.stderr
    assert not (tmp_path / "out").exists()
    # … and one that claims frame 3 for a shot of 64×64 frames refuses the 96×64 frame.
    doc = json.loads((tmp_path / "t.json").read_text())
    doc["frames"].append({**doc["frames"][-1], "frame": 3})
    (tmp_path / "t.json").write_text(json.dumps(doc))
    result = run_atw("render", *args, "--frames", "3", "--track", "t.json",
                     "-o", "out/o.####.exr", cwd=tmp_path)
    assert result.returncode == 2 and "frame 3): frame is 96×64, the shot (its face track) " \
        "64×64" in result.stderr


def test_folders_may_hold_any_character(tmp_path):
    """Sequence placeholders expand in the file name only: a folder named take#2, 50%d, a@b [x]
    or ver<1> is kept as written (`<…>` was dropped, so ver<1> and ver<2> collided; a # in a folder
    made a still look like a sequence)."""
    plate = ImagePlate.from_array(np.full((32, 32, 3), 0.2, np.float32))
    for folder in ("take#2", "50%d", "a@b [x]", "ver<1>", "ver<2>", "c@d [y]"):
        (tmp_path / folder).mkdir()
    write_image(tmp_path / "take#2" / "still.exr", plate)
    for f in (1, 2):
        for folder in ("take#2", "50%d", "a@b [x]"):
            write_image(tmp_path / folder / f"s.{f:04d}.exr", plate)
    for source, output in (("take#2/still.exr", "take#2/out.exr"),
                           ("take#2/s.####.exr", "ver<1>/o.####.exr"),
                           ("50%d/s.####.exr", "ver<2>/o.####.exr"),
                           ("a@b [x]/s.####.exr", "c@d [y]/o.####.exr")):
        result = run_atw("render", source, "-o", output, "--face-box", "0,0,32", "-q",
                         cwd=tmp_path)
        assert result.returncode == 0, (source, result.stderr)
    assert (tmp_path / "take#2" / "out.exr").is_file()
    for folder in ("ver<1>", "ver<2>", "c@d [y]"):
        assert sorted(p.name for p in (tmp_path / folder).iterdir()) == ["o.0001.exr",
                                                                         "o.0002.exr"]


def test_job_files_and_tracks_that_cannot_be_written_are_one_line(shot):
    """`atw farm emit` and `atw track` where nothing can be written (here: a folder that is a
    file — the same path as a read-only or full disk): one line naming the file, exit 2, no
    temporary left."""
    (shot / "blocker").write_text("a file, not a folder")
    emit = run_atw("farm", "emit", "--backend", "cmdlist", "--out-dir", "blocker/job",
                   "--", "s.####.exr", "-o", "out/o.####.exr", cwd=shot)
    track = run_atw("track", "s.####.exr", "--face-box", "0,0,64", "-o", "blocker/t.json",
                    cwd=shot)
    for result, where in ((emit, "blocker/job/"), (track, "blocker/t.json")):
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1, result.stderr
        assert "write failed" in lines[0] and where in lines[0]
    assert not [p for p in shot.rglob(".*tmp*")]


@pytest.mark.parametrize("kind", ["zero bytes", "cut short", "text named .exr"])
def test_a_frame_that_is_not_an_exr_is_named(tmp_path, kind):
    """A frame that is empty, cut short, or text under an .exr name: one line naming the frame,
    exit 2, nothing written — the other frames are not delivered half way."""
    plate = ImagePlate.from_array(np.full((32, 32, 3), 0.2, np.float32))
    for f in (1, 2, 3):
        write_image(tmp_path / f"s.{f:04d}.exr", plate)
    bad = tmp_path / "s.0002.exr"
    if kind == "zero bytes":
        bad.write_bytes(b"")
    elif kind == "cut short":
        bad.write_bytes(bad.read_bytes()[:200])
    else:
        bad.write_text("not an image")
    result = run_atw("render", "s.####.exr", "-o", "out/o.####.exr", "--face-box", "0,0,32",
                     "--au", "AU12=3", cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("atw: error: ") and "s.0002.exr (frame 2)" in lines[0]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_messages_speak_in_the_users_terms(portrait_clip, tmp_path):
    """Frames beyond a clip name the clip's range; a render with nothing asked says so (a
    warning: the output is a copy)."""
    result = run_atw("track", str(portrait_clip), "--frames", "100-110", "-o",
                     str(tmp_path / "t.json"))
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        f"frames 100-110 are not in the clip (it has 1-{CLIP_FRAMES})")
    plate = ImagePlate.from_array(np.full((32, 32, 3), 0.2, np.float32))
    write_image(tmp_path / "still.exr", plate)
    result = run_atw("render", "still.exr", "-o", "copy.exr", "--face-box", "0,0,32", "-q",
                     cwd=tmp_path)
    assert result.returncode == 0
    assert "atw: warning: nothing to do: no --au, --expression or --aus given" in result.stderr
