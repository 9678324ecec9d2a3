"""The Nuke plugin against a strict fake ``nuke`` that builds the gizmo from its .gizmo text with
Nuke's stack semantics, evaluates its expressions, and saves only a gizmo's own knobs: the
gizmo's wiring, the Render / Preview / Submit buttons end to end (real EXRs, a real ``atw
render``), the result surviving save and reopen, stale marking, cancel, colour, work folders."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

from fake_nuke import FakeNode, FakeNuke, shown
from hostkit import core_python_fixture, face_frames_fixture  # noqa: F401 (fixtures)
from hostkit import ROOT, exr_facts, run_atw

from atw_ofx.facs import AU_FACS_NAMES, AU_NAMES, EXPRESSIONS, SIDED_AU_NAMES

RECORDED = ROOT / "host_tests" / "nuke_recorded_aus.json"
GIZMO_FILE = ROOT / "nuke" / "ATW_AnimateFace.gizmo"


@pytest.fixture
def nuke(monkeypatch, face_frames, tmp_path):
    fake = FakeNuke(render_source=face_frames, script=str(tmp_path / "shot_v001.nk"),
                    gizmo_path=str(ROOT / "nuke"))
    monkeypatch.setitem(sys.modules, "nuke", fake)
    return fake


def plate(nuke, first=1001, last=1003) -> FakeNode:
    """A Read of the plate: its frame range is the input's."""
    read = nuke.createNode("Read")
    read["first"].setValue(first)
    read["last"].setValue(last)
    return read


def animate_face(nuke, core_python, *, work=None) -> FakeNode:
    """An Animate Face node on a plate, its ATW Python set (and its work folder, if given)."""
    node = nuke.createNode("ATW_AnimateFace")
    node.setInput(0, plate(nuke))
    node["atw_python"].setValue(core_python)
    if work is not None:
        node["work_dir"].setValue(str(work))
    return node


def finish(nuke, node, timeout=300):
    """Wait for the node's background render, then run what it queued for the main thread."""
    from atw_nuke.actions import running

    thread = running(node)
    if thread is not None:
        thread.join(timeout)
        assert not thread.is_alive(), "the render did not finish"
    nuke.run_main_thread()


def test_the_committed_gizmo_is_the_generated_one():
    from atw_nuke.node import gizmo_text

    assert GIZMO_FILE.read_text() == gizmo_text()


def test_the_gizmo_has_an_animatable_slider_per_au_with_its_facs_name():
    from atw_nuke.node import gizmo_text

    text = gizmo_text()
    sliders = re.findall(r'addUserKnob \{7 (AU\d\d) l "(AU\d\d [^"]+)" .* R 0 5\}', text)
    assert [name for name, _ in sliders] == list(AU_NAMES)
    assert all(label == f"{n} {AU_FACS_NAMES[n]}" for n, label in sliders)
    assert "addUserKnob {4 reswarp l ResWarp M {vanilla multiscale}}" in text
    # Above the AUs, a weight slider per named expression (0-1), its AUs in its tooltip.
    weights = re.findall(r"addUserKnob \{7 ([a-z]+) l [a-z]+ t \"([^\"]+)\" R 0 1\}", text)
    assert [name for name, _ in weights] == list(EXPRESSIONS)
    assert "(at 1: AU06 + AU12 at 4)" in dict(weights)["happy"]
    assert text.index("addUserKnob {7 contempt") < text.index("addUserKnob {7 AU01")
    # The One side tab: a left and a right slider per AU a side can be asked alone.
    one_side = text.split('addUserKnob {20 atw_one_side l "One side"}', 1)[1]
    assert re.findall(r"addUserKnob \{7 (AU\d\d[LR]) ", one_side) == list(SIDED_AU_NAMES)
    for button in ("render l Render", 'preview l "Preview frame"', 'farm l "Submit to farm"'):
        assert f"addUserKnob {{22 {button} T " in text


def test_the_gizmo_is_wired_as_nuke_builds_it_and_passes_the_plate_through(nuke):
    """Nuke's stack order: the Switch's input 0 is the plate (through the disabled Write),
    input 1 the result Read; with nothing rendered, the node shows its input."""
    node = nuke.createNode("ATW_AnimateFace")
    source = plate(nuke)
    node.setInput(0, source)
    switch, write, read = (node.node(n) for n in ("ATW_Switch", "ATW_Source", "ATW_Result"))
    assert switch.input(0) is write and write.input(0) is node.node("Input1")
    assert switch.input(1) is read and read.input(0) is None
    assert node.node("Output1").input(0) is switch
    assert write["disable"].value() is True and write["raw"].value() is True
    assert [shown(node, f) for f in (1001, 1003)] == [("input", source)] * 2
    assert node["status"].value() == "not rendered" and node["label"].evaluate() == "not rendered"


def test_the_fake_refuses_what_nuke_would(nuke):
    node = nuke.createNode("ATW_AnimateFace")
    with pytest.raises(NameError, match="knob use_script_range does not exist"):
        node["use_script_range"]
    with pytest.raises(RuntimeError, match="NoSuchNode: unknown command"):
        nuke.nodes.NoSuchNode()
    with pytest.raises(AssertionError, match="never save"):
        nuke.scriptSave()


def test_init_and_menu_shims_never_stop_nuke(monkeypatch, capsys):
    fake = FakeNuke(gizmo_path=str(ROOT / "nuke"))
    monkeypatch.setitem(sys.modules, "nuke", fake)
    exec((ROOT / "nuke" / "menu.py").read_text(), {})
    command = fake.menu("Nuke").menus["ATW"].commands["Animate Face"]
    assert command == "nuke.createNode('ATW_AnimateFace')"
    exec(command, {"nuke": fake})
    assert [n.Class() for n in fake.created] == ["ATW_AnimateFace"]
    monkeypatch.setitem(sys.modules, "atw_nuke.install", None)  # a broken install
    exec((ROOT / "nuke" / "init.py").read_text(), {})
    exec((ROOT / "nuke" / "menu.py").read_text(), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ATW: not loaded (ModuleNotFoundError")
    assert out[1].startswith("ATW: menu not added (ModuleNotFoundError")


def animate_from_recording(node):
    """Key the node's knobs with the recorded values (as an artist's keyframes)."""
    recorded = json.loads(RECORDED.read_text())
    for knob, keys in recorded["knobs"].items():
        for frame, value in keys.items():
            node[knob].setValueAt(value, int(frame))
    return recorded


def test_render_runs_in_the_background_and_the_node_shows_the_result(nuke, core_python,
                                                                     tmp_path):
    node = animate_face(nuke, core_python, work=tmp_path / "work")
    recorded = animate_from_recording(node)
    assert node["filter"].value() == "lanczos"  # the default, as on the command line
    node["filter"].setValue("cubic")
    assert node["glasses"].value() == "auto"
    node["glasses"].setValue("off")
    nuke.press(node, "render")
    assert node["status"].value() == "rendering 1001-1003"  # the main thread is free
    finish(nuke, node)

    assert nuke.executed == [("ATW_Source", 1001, 1003)]  # the input's range
    assert node.node("ATW_Source")["disable"].value() is True
    curves = json.loads((tmp_path / "work" / "aus.json").read_text())["curves"]
    knobs = recorded["knobs"]
    for au in ("AU06", "AU12", "AU25"):
        expected = [[f, knobs[au][str(f)] * knobs["intensity"][str(f)]] for f in (1001, 1002, 1003)]
        assert curves[au]["keys"] == expected
    assert curves["AU01"]["keys"] == [[1001, 0.0], [1002, 0.0], [1003, 0.0]]

    pattern = str(tmp_path / "work" / "result" / "atw.%04d.exr")
    assert node["result_file"].value() == pattern
    assert (node["result_first"].value(), node["result_last"].value()) == (1001, 1003)
    assert node["status"].value() == "rendered 1001-1003"
    assert node.node("ATW_Result")["reload"].executed == 1
    assert all(shown(node, f) == ("file", pattern % f) for f in (1001, 1002, 1003))
    task = nuke.tasks[0]
    assert task.progress == 100 and "frame 1003 (3/3)" in task.messages

    source = tmp_path / "work" / "source" / "source.%04d.exr"
    first, last = exr_facts(core_python, str(source) % 1001, pattern % 1001, pattern % 1003)[1:]
    assert first["params"]["filter"] == "cubic"  # the knob's
    assert first["params"]["glasses"] == "off"
    assert first["max_difference"] == 0.0  # all AUs 0 at 1001: the plate, bit-exact
    assert last["max_difference"] > 0.01  # a smile


def test_a_one_side_knob_winks_one_eye(nuke, core_python, tmp_path):
    """The One side tab: AU45L keyed to 5 on one frame reaches the core as the left eye's alone;
    the one-side knobs left at 0 are not written."""
    node = animate_face(nuke, core_python, work=tmp_path / "work")
    for frame, value in ((1001, 0.0), (1002, 5.0), (1003, 0.0)):
        node["AU45L"].setValueAt(value, frame)
    nuke.press(node, "render")
    finish(nuke, node)
    assert node["status"].value() == "rendered 1001-1003"
    curves = json.loads((tmp_path / "work" / "aus.json").read_text())["curves"]
    assert curves["AU45L"]["keys"] == [[1001, 0.0], [1002, 5.0], [1003, 0.0]]
    assert [name for name in curves if name not in AU_NAMES] == ["AU45L"]
    source = tmp_path / "work" / "source" / "source.%04d.exr"
    result = tmp_path / "work" / "result" / "atw.%04d.exr"
    wink = exr_facts(core_python, str(source) % 1002, str(result) % 1002)[1]
    blink = AU_NAMES.index("AU45")
    assert [side[blink] for side in wink["params"]["aus"]] == [0.0, 5.0]  # (right, left)
    assert wink["max_difference"] > 0.05


def test_an_expression_knob_reaches_the_core_on_top_of_the_au_knobs(nuke, core_python, tmp_path):
    """happy keyed from 0 to 0.8 with AU12 at 1: the curves carry happy's weight (the other
    expressions, at 0, are not written) and the core renders AU12 at 1 + 0.8 x 4 on the keyed
    frame, AU06 at 0.8 x 4."""
    node = animate_face(nuke, core_python, work=tmp_path / "work")
    node["AU12"].setValue(1.0)
    for frame, value in ((1001, 0.0), (1003, 0.8)):
        node["happy"].setValueAt(value, frame)
    nuke.press(node, "render")
    finish(nuke, node)
    assert node["status"].value() == "rendered 1001-1003"
    curves = json.loads((tmp_path / "work" / "aus.json").read_text())["curves"]
    assert [name for name in curves if name not in AU_NAMES] == ["happy"]
    assert curves["happy"]["keys"][0] == [1001, 0.0] and curves["happy"]["keys"][2][1] == \
        pytest.approx(0.8)
    source = tmp_path / "work" / "source" / "source.%04d.exr"
    result = tmp_path / "work" / "result" / "atw.%04d.exr"
    smile = exr_facts(core_python, str(source) % 1003, str(result) % 1003)[1]
    aus = smile["params"]["aus"]
    assert aus[AU_NAMES.index("AU12")] == pytest.approx(4.2, abs=1e-5)
    assert aus[AU_NAMES.index("AU06")] == pytest.approx(3.2, abs=1e-5)
    assert smile["max_difference"] > 0.05


def test_the_result_survives_save_and_reopen(nuke, core_python, tmp_path):
    """Only the gizmo's own knobs are saved; the inside is rebuilt from the .gizmo and follows
    them by expression, so the reopened script (and `nuke -x`) shows the result."""
    node = animate_face(nuke, core_python, work=tmp_path / "work")
    node["AU12"].setValue(3.0)
    nuke.press(node, "render")
    finish(nuke, node)
    node.node("ATW_Result")["file"].setValue("/lost/on/save.exr")  # inside: not saved
    text = nuke.save_script()
    assert "ATW_Result" not in text and "/lost/on/save.exr" not in text

    nuke.open_script(text)
    reopened = nuke.toNode(node.name())
    assert reopened is not node and reopened.Class() == "ATW_AnimateFace"
    assert reopened["AU12"].value() == 3.0 and reopened["status"].value() == "rendered 1001-1003"
    pattern = str(tmp_path / "work" / "result" / "atw.%04d.exr")
    assert reopened.node("ATW_Result")["file"].evaluate() == pattern
    assert shown(reopened, 1002) == ("file", pattern % 1002)
    assert shown(reopened, 1004) == ("input", nuke.toNode("Read1"))  # outside the range


def test_recorded_curves_replay_through_the_core_to_the_same_frames(nuke, core_python,
                                                                   tmp_path):
    """The node's render equals `atw render` fed the recorded values directly."""
    node = animate_face(nuke, core_python, work=tmp_path / "work")
    recorded = animate_from_recording(node)
    from atw_nuke.actions import render

    assert render(node, nuke=nuke, background=False) == 3
    knobs = recorded["knobs"]
    curves = {"curves": {au: {"keys": [[int(f), v * knobs["intensity"][f]]
                                       for f, v in keys.items()], "interpolation": "linear"}
                         for au, keys in knobs.items() if au != "intensity"}}
    (tmp_path / "replay.json").write_text(json.dumps(curves))
    proc = run_atw(core_python, "render", str(tmp_path / "work" / "source" / "source.####.exr"),
                   "--aus", str(tmp_path / "replay.json"), "-o",
                   str(tmp_path / "replay" / "r.####.exr"), "--frames", "1001-1003", "-q",
                   "--colorspace", "Linear Rec.709 (sRGB)")  # Nuke's linear, named
    assert proc.returncode == 0, proc.stderr
    for frame in (1001, 1002, 1003):
        adapter_out = (tmp_path / "work" / "result" / f"atw.{frame}.exr").read_bytes()
        assert (tmp_path / "replay" / f"r.{frame}.exr").read_bytes() == adapter_out


def test_preview_renders_only_the_current_frame_in_one_warm_worker(nuke, core_python, tmp_path):
    from host_adapters import render_job

    node = animate_face(nuke, core_python, work=tmp_path / "work")
    node["AU12"].setValue(4.0)
    nuke.current_frame = 1002
    nuke.press(node, "preview")
    finish(nuke, node)
    (worker,) = render_job._workers.values()
    pid = worker._proc.pid
    assert nuke.executed == [("ATW_Source", 1002, 1002)]
    assert (node["result_first"].value(), node["result_last"].value()) == (1002, 1002)
    pattern = node["result_file"].value()
    assert shown(node, 1002) == ("file", pattern % 1002)
    assert shown(node, 1001)[0] == "input" and not os.path.exists(pattern % 1001)
    nuke.current_frame = 1003  # a second preview next to the first widens the range
    nuke.press(node, "preview")
    finish(nuke, node)
    assert (node["result_first"].value(), node["result_last"].value()) == (1002, 1003)
    assert render_job._workers[next(iter(render_job._workers))]._proc.pid == pid  # still warm
    render_job.close_workers()


def test_a_knob_that_changes_the_render_marks_the_result_stale(nuke, core_python, tmp_path):
    node = animate_face(nuke, core_python)
    nuke.user_sets(node, "AU12", 2.0)  # nothing rendered yet: nothing to mark
    assert node["status"].value() == "not rendered"
    node["result_file"].setValue(str(tmp_path / "r.%04d.exr"))
    node["result_first"].setValue(1001)
    node["result_last"].setValue(1003)
    node["status"].setValue("rendered 1001-1003")
    nuke.user_sets(node, "work_dir", str(tmp_path))  # where files go: not the render
    assert node["status"].value() == "rendered 1001-1003"
    nuke.user_sets(node, "AU12", 3.0, frame=1002)  # a key
    assert node["status"].value() == "stale (AU12 changed): rendered 1001-1003"
    assert node["label"].evaluate() == node["status"].value()  # visible on the node
    nuke.user_sets(node, "filter", "bilinear")
    assert node["status"].value().count("stale") == 1


def test_cancel_stops_the_core_before_its_first_frame(nuke, core_python, tmp_path):
    node = animate_face(nuke, core_python, work=tmp_path / "work")
    node["AU12"].setValue(3.0)
    nuke.press(node, "render")
    deadline = time.monotonic() + 30
    while not nuke.tasks and time.monotonic() < deadline:
        time.sleep(0.01)
    nuke.tasks[0].cancelled = True  # while the core is still starting (loading torch, tracking)
    finish(nuke, node)
    assert node["status"].value() == "cancelled: render cancelled after 0 of 3 frames"
    assert node["result_last"].value() < node["result_first"].value()  # no result recorded
    result = tmp_path / "work" / "result"
    assert not (result.exists() and any(f.endswith(".exr") for f in os.listdir(result)))


def test_a_failed_render_is_one_message_and_a_status(nuke, core_python, tmp_path):
    nuke.render_source = lambda pattern, first, last: None  # the upstream wrote nothing
    node = animate_face(nuke, core_python, work=tmp_path / "work")
    nuke.press(node, "render")
    finish(nuke, node)
    assert len(nuke.messages) == 1
    assert nuke.messages[0].startswith("ATW: atw render failed: atw: error:")
    assert "source.####.exr (frame 1001): missing input frames 1001-1003" in nuke.messages[0]
    assert node["status"].value().startswith("failed: atw render failed")


def test_the_frame_range_is_the_inputs_unless_asked(nuke):
    from atw_nuke.adapter import NukeAdapter
    from host_adapters import AdapterError

    node = nuke.createNode("ATW_AnimateFace")
    with pytest.raises(AdapterError, match="ATW_AnimateFace1 has no input: connect the plate"):
        NukeAdapter(node, nuke).frame_range()
    node.setInput(0, plate(nuke, 1010, 1050))
    assert NukeAdapter(node, nuke).frame_range() == (1010, 1050)
    node["frame_range"].setValue("script")
    assert NukeAdapter(node, nuke).frame_range() == (1001, 1003)
    node["frame_range"].setValue("custom")
    assert NukeAdapter(node, nuke).frame_range() == (1001, 1100)


def test_the_working_space_is_passed_to_the_core(nuke, core_python, tmp_path):
    from atw_nuke.adapter import NUKE_LINEAR, NukeAdapter

    node = animate_face(nuke, core_python)
    assert NukeAdapter(node, nuke).colourspace() == (NUKE_LINEAR, {})
    default = json.loads(subprocess.run(
        [core_python, "-c", "import json; from atw_ofx import colour; "
                            "print(json.dumps(colour.DEFAULT_PLATE_SPACE))"],
        capture_output=True, text=True).stdout)
    assert NUKE_LINEAR == default  # Nuke's linear is the core's default plate space
    root = nuke.root()
    root["colorManagement"].setValue("OCIO")
    root["OCIO_config"].setValue("custom")
    root["customOCIOConfigPath"].setValue("/show/config.ocio")
    root["workingSpaceLUT"].setValue("ACES - ACEScg")
    settings = NukeAdapter(node, nuke).render_settings(1001, 1003, str(tmp_path))
    assert settings["colorspace"] == "ACES - ACEScg"
    assert settings["environment"] == {"OCIO": "/show/config.ocio"}
    from host_adapters.render_job import RenderJob

    argv = RenderJob("s.####.exr", "o.####.exr", "c.json", 1001, 1003, **settings).argv()
    assert argv[argv.index("--colorspace") + 1] == "ACES - ACEScg"


def test_work_folders_are_unique_per_script_version_and_node(nuke, tmp_path):
    from atw_nuke.adapter import NukeAdapter

    first, second = nuke.createNode("ATW_AnimateFace"), nuke.createNode("ATW_AnimateFace")
    folders = {NukeAdapter(first, nuke).work_directory(),
               NukeAdapter(second, nuke).work_directory()}
    nuke._script = str(tmp_path / "shot_v002.nk")
    folders.add(NukeAdapter(first, nuke).work_directory())
    assert folders == {str(tmp_path / "atw" / "shot_v001" / "ATW_AnimateFace1"),
                       str(tmp_path / "atw" / "shot_v001" / "ATW_AnimateFace2"),
                       str(tmp_path / "atw" / "shot_v002" / "ATW_AnimateFace1")}


def test_a_face_box_knob_becomes_atws_top_left_box(nuke, tmp_path):
    from atw_nuke.adapter import NukeAdapter

    node = nuke.createNode("ATW_AnimateFace")
    node._height = 200
    node["use_face_box"].setValue(True)
    node["face_box"].setValue((10.0, 20.0, 110.0, 140.0))  # x, y, r, t; Nuke's y up
    settings = NukeAdapter(node, nuke).render_settings(1001, 1003, str(tmp_path))
    assert settings["face_box"] == (10, 60, 120)  # y = 200 - 140, side = max(100, 120)
    node["aov_matte"].setValue(True)
    node["model"].setValue("")
    node["au_mode"].setValue("absolute")
    node["face_index"].setValue(1)
    settings = NukeAdapter(node, nuke).render_settings(1001, 1003, str(tmp_path))
    assert settings["aovs"] == ("matte",) and settings["model"] == "rig"
    assert settings["au_mode"] == "absolute" and settings["face_index"] == 1


def test_an_animated_face_box_is_baked_per_frame_for_face_boxes(nuke, tmp_path):
    from atw_nuke.adapter import NukeAdapter
    from host_adapters.render_job import RenderJob

    node = nuke.createNode("ATW_AnimateFace")
    node["use_face_box"].setValue(True)
    node["face_box"].setValueAt((10.0, 20.0, 210.0, 220.0), 1001)  # linked to a Tracker, say
    node["face_box"].setValueAt((14.0, 20.0, 214.0, 220.0), 1003)
    adapter = NukeAdapter(node, nuke)
    path = adapter.face_boxes(1001, 1003, str(tmp_path))
    assert json.loads(open(path).read()) == {"1001": [10, 36, 200], "1002": [12, 36, 200],
                                             "1003": [14, 36, 200]}
    job = RenderJob("s.####.exr", "o.####.exr", "c.json", 1001, 1003,
                    **adapter.render_settings(1001, 1003, str(tmp_path)))
    assert job.argv()[job.argv().index("--face-boxes") + 1] == path
    assert "--face-box" not in job.argv()
    node["face_box"].keys.clear()  # a still box: one --face-box, no file
    assert adapter.face_boxes(1001, 1003, str(tmp_path)) is None


def test_submit_to_farm_writes_the_job_and_the_node_shows_what_the_farm_renders(
        nuke, core_python, tmp_path):
    node = animate_face(nuke, core_python, work=tmp_path / "work")
    node["AU12"].setValue(3.0)
    node["farm_chunk"].setValue(2)
    nuke.press(node, "farm")  # the fake refuses scriptSave: the artist's script is left alone
    assert nuke.messages[0].startswith("ATW: farm job written:")
    job_file = tmp_path / "work" / "farm" / "shot_v001_ATW_AnimateFace1.commands.txt"
    assert str(job_file) in nuke.messages[0]
    commands = job_file.read_text().splitlines()
    assert len(commands) == 3 and " track " in commands[0]  # the track, then 2 chunks
    assert node["status"].value() == "on the farm: 1001-1003 (shot_v001_ATW_AnimateFace1)"
    pattern = node["result_file"].value()
    assert shown(node, 1001)[0] == "input"  # nothing rendered yet: the plate

    for command in commands[:2]:  # the farm runs the track and the first chunk
        proc = subprocess.run(command, shell=True, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    assert [shown(node, f)[0] for f in (1001, 1002, 1003)] == ["file", "file", "input"]
    assert shown(node, 1002) == ("file", pattern % 1002)


def test_the_native_graph_is_wired_explicitly(nuke):
    from atw_nuke.native import build_from_selection

    crop = nuke.nodes.Crop(name="FaceCrop")
    nuke.selected, nuke.picked_file = crop, "/models/atw.cat"
    build_from_selection()
    nodes = {n.name(): n for n in nuke.nodes.created}
    model, motion = nodes["ATW_Inference"], nodes["ATW_Motion"]
    warp, add = nodes["ATW_IDistort"], nodes["ATW_AddChange"]
    assert model["modelFile"].value() == "/models/atw.cat" and model.input(0) is crop
    assert (motion.input(0), motion.input(1)) == (crop, model)
    assert warp["uv"].value() == "forward" and warp.input(0) is motion
    assert add["operation"].value() == "plus" and (add.input(0), add.input(1)) == (warp, model)
    nuke.picked_file = ""  # cancelled file dialog: nothing built
    build_from_selection()
    assert len(nuke.nodes.created) == 5
