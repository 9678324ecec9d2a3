"""Sequence rendering as a farm runs it: deterministic reruns, resume after SIGKILL, log lines,
parallel workers, shared tracks, faults (corrupt frames, full disk), previews."""
import contextlib
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import torch

from atw_ofx import colour
from atw_ofx.imageio import read_image

from conftest import FRAMES, outputs, render_cmd, run_atw


def torch_cuda_available() -> bool:
    return torch.cuda.is_available()

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


def _signal_after_the_first_frame(command: list[str], signum) -> tuple[int, str]:
    """Run a render, send ``signum`` once its first frame is written; its exit code, stderr."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if json.loads(line)["frame"] == 1001:
            break
    os.kill(proc.pid, signum)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def test_sigkill_then_skip_existing_resumes_exactly(sequence, reference, tmp_path):
    ref_dir, _ = reference
    # Killed as soon as the first frame is done: mid-sequence, with later frames in flight.
    _signal_after_the_first_frame(render_cmd(sequence, tmp_path), signal.SIGKILL)
    done = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert 1 <= len(done) < len(FRAMES)
    for name in done:  # whatever has its real name is complete
        assert (tmp_path / name).read_bytes() == (ref_dir / name).read_bytes()
    result = subprocess.run(render_cmd(sequence, tmp_path, "--skip-existing"),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"skipped {len(done)} existing" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == \
        f"atw: delivered frames 1001-1006 of {tmp_path / 'atw.####.exr'}"  # old and new alike
    assert outputs(tmp_path) == outputs(ref_dir)  # no leftovers, identical bytes


@pytest.mark.parametrize("signum, code, said", [(signal.SIGTERM, 143, "atw: terminated"),
                                                (signal.SIGINT, 130, "atw: interrupted")])
def test_a_stopped_render_finishes_or_removes_every_write_in_flight(sequence, reference,
                                                                    tmp_path, signum, code, said):
    """A farm cancelling a task (or a host its render) sends SIGTERM, an artist presses Ctrl-C:
    the core stops with its exit code and one line, leaving only whole frames under their names
    — no temporary behind."""
    ref_dir, _ = reference
    returncode, err = _signal_after_the_first_frame(render_cmd(sequence, tmp_path), signum)
    assert returncode == code and err.strip().splitlines()[-1] == said
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left and not [name for name in left if name.startswith(".")]
    for name in left:
        assert (tmp_path / name).read_bytes() == (ref_dir / name).read_bytes()


def test_parallel_workers_and_a_shared_track_give_the_same_bytes(sequence, reference, tmp_path):
    """--workers 2, and a track computed once by `atw track` (as farm chunks use it)."""
    ref_dir, _ = reference
    result = subprocess.run(render_cmd(sequence, tmp_path / "par", "--workers", "2"),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert outputs(tmp_path / "par") == outputs(ref_dir)

    track = tmp_path / "track.json"
    result = run_atw("track", str(sequence / "plate.####.exr"), "-o", str(track))
    assert result.returncode == 0, result.stderr
    for chunk in ("1001-1003", "1004-1006"):  # two farm chunks sharing the track
        result = subprocess.run(render_cmd(sequence, tmp_path / "chunks", "--frames", chunk,
                                           "--track", str(track)), capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    assert outputs(tmp_path / "chunks") == outputs(ref_dir)


def test_frames_in_narrows_a_chunk_to_the_jobs_frames(sequence, reference, tmp_path):
    ref_dir, _ = reference
    track = tmp_path / "track.json"
    assert run_atw("track", str(sequence / "plate.####.exr"), "-o", str(track)).returncode == 0
    result = subprocess.run(render_cmd(sequence, tmp_path / "out", "--frames", "1001-1004",
                                       "--frames-in", "1002,1004-1010", "--track", str(track)),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert outputs(tmp_path / "out") == {n: outputs(ref_dir)[n]
                                         for n in ("atw.1002.exr", "atw.1004.exr")}


@pytest.fixture
def corrupt_sequence(sequence, tmp_path):
    """The sequence with frame 1003 truncated to half its bytes."""
    folder = tmp_path / "plates"
    folder.mkdir()
    for frame in FRAMES:
        data = (sequence / f"plate.{frame}.exr").read_bytes()
        (folder / f"plate.{frame}.exr").write_bytes(data[: len(data) // 2] if frame == 1003 else data)
    (folder / "aus.json").write_bytes((sequence / "aus.json").read_bytes())
    return folder


def test_corrupt_frame_stops_the_render_and_names_the_frame(corrupt_sequence, tmp_path):
    out = tmp_path / "out"
    result = subprocess.run(render_cmd(corrupt_sequence, out), capture_output=True, text=True)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("atw: error:")]
    assert len(errors) == 1 and "plate.1003.exr (frame 1003)" in errors[0], result.stderr
    assert not out.exists() or list(out.iterdir()) == []  # nothing half-done


def test_on_error_skip_reports_the_bad_frame_and_renders_the_rest(corrupt_sequence, tmp_path):
    out = tmp_path / "out"
    result = subprocess.run(render_cmd(corrupt_sequence, out, "--on-error", "skip"),
                            capture_output=True, text=True)
    assert result.returncode == 3, result.stderr  # partial: the farm should flag it
    assert "plate.1003.exr (frame 1003): unreadable or truncated" in result.stderr
    assert "1 failed (1003)" in result.stderr
    # The last line says what the output now holds and what it lacks.
    assert result.stderr.strip().splitlines()[-1] == (
        f"atw: delivered frames 1001-1002,1004-1006 of {out / 'atw.####.exr'}; "
        "NOT delivered: 1003")
    assert sorted(outputs(out)) == [f"atw.{f}.exr" for f in FRAMES if f != 1003]
    for name in outputs(out):
        assert read_image(out / name).pixels.shape == (512, 512, 3)


def _limit_file_size():
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))


def test_full_disk_gives_an_error_and_no_partial_file(sequence, tmp_path):
    """A file-size limit makes writes fail past 200 kB, as a full disk does."""
    result = subprocess.run(render_cmd(sequence, tmp_path, "--frames", "1001-1002"),
                            capture_output=True, text=True, preexec_fn=_limit_file_size)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("atw: error:")]
    assert len(errors) == 1, result.stderr
    assert "atw.1001.exr (frame 1001): write failed" in errors[0]
    assert list(tmp_path.iterdir()) == []  # neither the frame nor its temporary


@contextlib.contextmanager
def _tmpfs(folder, options: str):
    """A tmpfs mounted at ``folder`` (made here) for the block; the test is skipped where this
    machine does not let a test mount one."""
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)]
    if subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_a_really_full_disk_gives_an_error_and_no_partial_file(sequence, tmp_path):
    """The same on a real full filesystem: a 300 kB tmpfs."""
    with _tmpfs(tmp_path / "small", "size=300k") as disk:
        result = subprocess.run(render_cmd(sequence, disk, "--frames", "1001-1003"),
                                capture_output=True, text=True)
        assert result.returncode == 2, result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("atw: error:")]
        assert len(errors) == 1 and "write failed" in errors[0], result.stderr
        left = sorted(p.name for p in disk.iterdir())
        assert not [name for name in left if name.startswith(".")]  # no temporary behind
        for name in left:  # whatever has its name is whole
            assert read_image(disk / name).pixels.shape == (512, 512, 3)


def test_a_read_only_output_filesystem_is_one_line(sequence, tmp_path):
    """A read-only output filesystem (its stale-temporary cleanup and its write both fail with
    EROFS): one line naming the file, exit 2, for a render and a track."""
    with _tmpfs(tmp_path / "readonly", "ro,size=1m") as disk:
        track = [sys.executable, "-m", "atw_ofx.cli", "track", str(sequence / "plate.####.exr"),
                 "--frames", "1001", "-o", str(disk / "t.json")]
        for command in (render_cmd(sequence, disk, "--frames", "1001"), track):
            result = subprocess.run(command, capture_output=True, text=True)
            lines = result.stderr.strip().splitlines()
            assert result.returncode == 2 and len(lines) == 1, result.stderr
            assert "Read-only file system" in lines[0] and str(disk) in lines[0]
            assert ".tmp" not in lines[0]  # the output's name, never the temporary's


@pytest.mark.skipif(torch_cuda_available(), reason="this machine has CUDA")
def test_missing_cuda_device_is_a_clear_error(sequence, tmp_path):
    result = subprocess.run(render_cmd(sequence, tmp_path, "--device", "cuda:0"),
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == ("atw: error: --device cuda:0: no such CUDA device on this "
                                     "machine (0 found)")


@pytest.mark.parametrize("clip, codec", [("preview.mp4", "h264"), ("preview.mov", "prores")])
def test_preview_clip_of_the_rendered_frames(sequence, reference, tmp_path, clip, codec):
    import av

    ref_dir, _ = reference
    out = tmp_path / "out"
    out.mkdir()
    for name, data in outputs(ref_dir).items():  # rendered already: the preview reads them back
        (out / name).write_bytes(data)
    result = subprocess.run(render_cmd(sequence, out, "--skip-existing", "--preview",
                                       str(tmp_path / clip), "--preview-codec", codec),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with av.open(str(tmp_path / clip)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == {"h264": "h264", "prores": "prores"}[codec]
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(decoded) == len(FRAMES) and decoded[0].shape == (512, 512, 3)
    expected = colour.convert(read_image(out / "atw.1006.exr").rgb(), colour.DEFAULT_PLATE_SPACE,
                              colour.DEFAULT_DISPLAY_FILE_SPACE)
    assert np.abs(decoded[-1] / 255.0 - np.clip(expected, 0, 1)).mean() < 0.02  # lossy codec


def test_progress_bar_on_a_terminal(sequence, tmp_path):
    """With stderr on a terminal: a tqdm bar with frames/s, and no JSON lines on stdout."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # 120 columns
    result = subprocess.run(render_cmd(sequence, tmp_path, "--frames", "1001-1002"),
                            stdout=subprocess.PIPE, stderr=follower, text=True)
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        screen += chunk
    os.close(leader)
    assert result.returncode == 0
    text = screen.decode(errors="replace")
    assert "atw render" in text and "2/2" in text and "frame/s" in text, text
    assert result.stdout == ""
