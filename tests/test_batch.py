"""Sequence rendering as a farm runs it: deterministic reruns, resume after SIGKILL, log lines."""
import json
import os
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from atw_ofx import colour
from atw_ofx.imageio import ImagePlate, read_image, write_image

FRAMES = range(1001, 1007)


@pytest.fixture(scope="module")
def sequence(tmp_path_factory, ffhq_plate_path):
    """Six 512 px scene-linear EXR frames of a real face, drifting one pixel a frame."""
    folder = tmp_path_factory.mktemp("seq")
    src = read_image(ffhq_plate_path)
    linear = colour.convert(src.rgb(), src.colourspace, colour.DEFAULT_PLATE_SPACE)
    small = cv2.resize(linear, (512, 512), interpolation=cv2.INTER_AREA)
    for k, frame in enumerate(FRAMES):
        shifted = np.roll(small, k, axis=1)
        write_image(folder / f"plate.{frame}.exr", ImagePlate.from_array(shifted, ("R", "G", "B")))
    curves = folder / "aus.json"
    curves.write_text(json.dumps({"curves": {"AU12": [[1001, 0], [1006, 4]],
                                             "AU26": [[1001, 0], [1006, 2]]}}))
    return folder


def render_cmd(sequence, out_dir, *extra):
    return [sys.executable, "-m", "atw_ofx.cli", "render", str(sequence / "plate.####.exr"),
            "--aus", str(sequence / "aus.json"), "-o", str(out_dir / "atw.####.exr"), *extra]


def outputs(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def reference(sequence, tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    result = subprocess.run(render_cmd(sequence, out), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return out, result


def test_rerun_is_byte_identical(sequence, reference, tmp_path):
    ref_dir, _ = reference
    result = subprocess.run(render_cmd(sequence, tmp_path), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert outputs(tmp_path) == outputs(ref_dir)
    assert len(outputs(ref_dir)) == len(FRAMES)


def test_farm_log_lines(reference):
    """Without a terminal: one JSON line per frame on stdout, a summary on stderr."""
    _, result = reference
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["frame"] for line in lines] == list(FRAMES)
    per_frame = [line["seconds"] for line in lines]  # a field of the log line, not a speed check
    assert all(isinstance(t, float) and t > 0 for t in per_frame)
    assert all(line["output"].endswith(f"{line['frame']}.exr") for line in lines)
    assert "rendered 6 frame(s)" in result.stderr


def test_sigkill_then_skip_existing_resumes_exactly(sequence, reference, tmp_path):
    ref_dir, _ = reference
    proc = subprocess.Popen(render_cmd(sequence, tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    # Kill it once two frames are done: mid-sequence, likely mid-write of the third.
    for line in proc.stdout:
        if json.loads(line)["frame"] == 1002:
            break
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert 2 <= len(done) < len(FRAMES)
    for name in done:  # whatever has its real name is complete
        assert (tmp_path / name).read_bytes() == (ref_dir / name).read_bytes()
    result = subprocess.run(render_cmd(sequence, tmp_path, "--skip-existing"),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"skipped {len(done)} existing" in result.stderr
    assert outputs(tmp_path) == outputs(ref_dir)  # no leftovers, identical bytes
