"""Farm jobs: the files each backend gets, and their commands run as the farm would run them."""
import os
import shlex
import subprocess
import xml.etree.ElementTree as ET

import pytest

from atw_ofx.farm import chunk_frames

from conftest import outputs, render_cmd, run_atw


def emit(sequence, out_dir, backend, *options, render_extra=()):
    result = run_atw("farm", "emit", "--backend", backend, "--out-dir", str(out_dir / "job"),
                     "--name", "shot", *options, "--", str(sequence / "plate.####.exr"),
                     "--aus", str(sequence / "aus.json"), "-o", str(out_dir / "atw.####.exr"),
                     *render_extra)
    assert result.returncode == 0, result.stderr
    return result


def run_shell(command: str) -> None:
    """Run a job's command line through a shell, as a render node does."""
    result = subprocess.run(["sh", "-c", command], capture_output=True, text=True)
    assert result.returncode == 0, (command, result.stderr)


def rendered(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.glob("atw.*"))}


def test_chunks_start_and_end_on_the_jobs_frames():
    assert chunk_frames(list(range(1001, 1101)), 30)[-1] == list(range(1091, 1101))
    assert chunk_frames([1001, 1003, 1005], 2) == [[1001, 1003], [1005]]


def test_cmdlist_job_renders_the_same_bytes_as_one_render(sequence, reference, tmp_path):
    ref_dir, _ = reference
    emit(sequence, tmp_path, "cmdlist", "--frames", "1001-1006", "--chunk", "4")
    lines = (tmp_path / "job" / "shot.commands.txt").read_text().splitlines()
    assert len(lines) == 3 and " track " in lines[0]
    assert "--frames 1001-1004 --frames-in 1001-1006" in lines[1]
    assert "--frames 1005-1006 --frames-in 1001-1006" in lines[2]
    for line in lines:
        run_shell(line)
    assert rendered(tmp_path) == outputs(ref_dir)


def test_opencue_spec_runs_as_cuebot_would(sequence, reference, tmp_path):
    ref_dir, _ = reference
    emit(sequence, tmp_path, "opencue", "--frames", "1001-1006", "--chunk", "3")
    spec = ET.parse(tmp_path / "job" / "shot.cue.xml").getroot()
    layers = {layer.get("name"): layer for layer in spec.iter("layer")}
    assert list(layers) == ["track", "render"]
    assert layers["render"].findtext("range") == "1001-1006"
    assert layers["render"].findtext("chunk") == "3"
    depend = spec.find("depends/depend")
    assert (depend.findtext("deplayer"), depend.findtext("onlayer")) == ("render", "track")
    run_shell(layers["track"].findtext("cmd"))
    for first, last in ((1001, 1003), (1004, 1006)):  # Cuebot's token substitution per chunk
        cmd = layers["render"].findtext("cmd")
        run_shell(cmd.replace("#FRAME_START#", str(first)).replace("#FRAME_END#", str(last)))
    assert rendered(tmp_path) == outputs(ref_dir)


def test_deadline_files_describe_two_dependent_jobs(sequence, tmp_path):
    emit(sequence, tmp_path, "deadline", "--frames", "1001-1006x2", "--chunk", "2")
    job = tmp_path / "job"
    info = {name: dict(line.split("=", 1) for line in (job / name).read_text().splitlines())
            for name in ("shot.track.job", "shot.track.plugin", "shot.render.job",
                         "shot.render.plugin")}
    assert info["shot.render.job"]["Frames"] == "1001-1005x2"
    assert info["shot.render.job"]["ChunkSize"] == "2"
    assert info["shot.render.job"]["Plugin"] == "CommandLine"
    submit = (job / "shot.submit.sh").read_text()
    assert "-SubmitMultipleJobs -dependent -job shot.track.job shot.track.plugin " \
           "-job shot.render.job shot.render.plugin" in submit
    track = info["shot.track.plugin"]
    run_shell(shlex.join([track["Executable"], *shlex.split(track["Arguments"])]))
    render = info["shot.render.plugin"]
    # Deadline hands the chunk 1001-1003 (frames 1001, 1003); --frames-in keeps 1002 out.
    args = render["Arguments"].replace("<STARTFRAME>", "1001").replace("<ENDFRAME>", "1003")
    run_shell(shlex.join([render["Executable"], *shlex.split(args)]))
    single = tmp_path / "single"  # the same stepped job in one process
    result = subprocess.run(render_cmd(sequence, single, "--frames", "1001-1006x2"),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert rendered(tmp_path) == {n: outputs(single)[n] for n in ("atw.1001.exr", "atw.1003.exr")}


def test_job_frames_are_clamped_to_the_input(sequence, tmp_path):
    result = emit(sequence, tmp_path, "cmdlist", "--frames", "990-1020", "--chunk", "10")
    assert "outside the input's 1001-1006" in result.stderr
    lines = (tmp_path / "job" / "shot.commands.txt").read_text().splitlines()
    assert "--frames 1001-1006 --frames-in 1001-1006" in lines[1] and len(lines) == 2


def test_missing_frame_inside_the_job_is_an_error(sequence, tmp_path):
    holed = tmp_path / "holed"
    holed.mkdir()
    for frame in (1001, 1002, 1004):
        (holed / f"plate.{frame}.exr").write_bytes((sequence / f"plate.{frame}.exr").read_bytes())
    result = run_atw("farm", "emit", "--backend", "cmdlist", "--out-dir", str(tmp_path / "job"),
                     "--", str(holed / "plate.####.exr"), "-o", str(tmp_path / "o.####.exr"))
    assert result.returncode == 2
    assert "plate.####.exr (frame 1003): missing input frames 1003 (1 of 4)" in result.stderr
    assert not (tmp_path / "job").exists()


@pytest.mark.parametrize("bad", [["--frames", "1001-1002"], ["--track", "t.json"]])
def test_render_arguments_that_the_job_owns_are_refused(sequence, tmp_path, bad):
    result = run_atw("farm", "emit", "--backend", "cmdlist", "--out-dir", str(tmp_path),
                     "--", str(sequence / "plate.####.exr"), "-o", str(tmp_path / "o.####.exr"),
                     *bad)
    assert result.returncode == 2 and "give --frames to `farm emit`" in result.stderr


@pytest.mark.parametrize("backend", ["cmdlist", "deadline", "opencue"])
@pytest.mark.parametrize("where", ["output", "option", "name"])
def test_control_characters_cannot_reach_a_job_file(sequence, tmp_path, backend, where):
    """A newline in a path or an option would split the one-command-per-line cmdlist and add key
    lines to a Deadline .plugin (command injection on the farm): refused in one line, exit 2,
    no job file written."""
    output, extra, name = str(tmp_path / "o.####.exr"), [], "shot"
    if where == "output":
        output = str(tmp_path / "x\ntouch PWN\n" / "a.####.exr")
    elif where == "option":
        extra = ["--au", "AU12=3\rExecutable=/bin/sh"]
    else:
        name = "shot\n/bin/sh"
    result = run_atw("farm", "emit", "--backend", backend, "--out-dir", str(tmp_path / "job"),
                     "--name", name, "--", str(sequence / "plate.####.exr"), "-o", output, *extra)
    assert result.returncode == 2, result.stderr
    assert "may not hold control characters" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "job").exists()


def test_relative_paths_become_absolute_and_only_patterns_are_rewritten(sequence, tmp_path):
    """A job is run from a render node's own working folder: relative inputs, outputs and file
    options (--aus) are made absolute at emit time, and run from elsewhere the job works. The
    OpenCue spec rewrites a sequence pattern's #### (to %04d) and leaves every other # alone."""
    import shutil

    shot = tmp_path / "shot"
    shutil.copytree(sequence, shot)
    shutil.copy(shot / "aus.json", shot / "take#2.json")
    result = run_atw("farm", "emit", "--backend", "cmdlist", "--out-dir", "job", "--frames",
                     "1001-1002", "--", "plate.####.exr", "--aus", "take#2.json",
                     "-o", "out/atw.####.exr", cwd=shot)
    assert result.returncode == 0, result.stderr
    lines = (shot / "job" / "atw.commands.txt").read_text().splitlines()
    assert f"--aus '{shot}/take#2.json'" in lines[1] or f"--aus {shot}/take#2.json" in lines[1]
    elsewhere = tmp_path / "node"
    elsewhere.mkdir()
    for line in lines:
        run = subprocess.run(["sh", "-c", line], cwd=elsewhere, capture_output=True, text=True)
        assert run.returncode == 0, (line, run.stderr)
    assert sorted(p.name for p in (shot / "out").glob("atw.*.exr")) == ["atw.1001.exr",
                                                                    "atw.1002.exr"]
    result = run_atw("farm", "emit", "--backend", "opencue", "--out-dir", "cue", "--frames",
                     "1001-1002", "--", "plate.####.exr", "--aus", "take#2.json",
                     "-o", "out/atw.####.exr", cwd=shot)
    assert result.returncode == 0, result.stderr
    cmd = ET.parse(shot / "cue" / "atw.cue.xml").getroot().find(".//layer[@name='render']") \
        .findtext("cmd")
    assert "take#2.json" in cmd and "plate.%04d.exr" in cmd and "atw.%04d.exr" in cmd


def test_the_render_options_reach_every_chunk_and_the_track(sequence, tmp_path):
    """Options after ``--`` (the warp's filter here) are the render's: every chunk's command
    carries them, so a farm renders what one ``atw render`` with them would."""
    emit(sequence, tmp_path, "cmdlist", "--frames", "1001-1006", "--chunk", "3",
         render_extra=("--filter", "cubic"))
    lines = (tmp_path / "job" / "shot.commands.txt").read_text().splitlines()
    renders = [shlex.split(line) for line in lines if " render " in line]
    assert len(renders) == 2
    assert all(args[args.index("--filter") + 1] == "cubic" for args in renders)


def test_the_farms_rewrites_read_a_command_line_one_way():
    """``--opt value`` and ``--opt=value`` alike, a flag's neighbour never taken for a value:
    the chunk's arguments lose the input and the output, keep the rest in order; the track sees
    the face options; paths become absolute."""
    from atw_ofx.farm import _absolute_paths, _face_args, valued_options, without_output

    args = ["in.####.exr", "-q", "-o", "out.####.exr", "--aus", "c.json", "--face-box=1,2,30",
            "--output=x.exr", "--face-index", "1", "in.####.exr"]
    assert valued_options(args, ("--aus", "--face-box")) == [
        (4, 5, "--aus", "c.json"), (6, 6, "--face-box", "1,2,30")]
    assert without_output(args, "in.####.exr") == [
        "-q", "--aus", "c.json", "--face-box=1,2,30", "--face-index", "1", "in.####.exr"]
    assert _face_args(args) == ["--face-box=1,2,30", "--face-index", "1"]
    absolute = _absolute_paths(["--aus", "c.json", "--model=rig", "--face-boxes=b.json"])
    assert absolute[1] == os.path.abspath("c.json") and absolute[2] == "--model=rig"
    assert absolute[3] == "--face-boxes=" + os.path.abspath("b.json")
