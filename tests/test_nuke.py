"""The Nuke plugin against a typed fake ``nuke``: gizmo text, start-up shims, the Render action
end to end (real EXRs, a real ``atw render`` subprocess), recorded curves, the farm path."""
import json
import re
import sys

import numpy as np
import OpenImageIO as oiio
import pytest

from atw_ofx.conventions import AU_FACS_NAMES, AU_NAMES
from atw_ofx.imageio import read_image
from host_fakes import FakeNode, FakeNuke, atw_node

from conftest import ROOT, run_atw

RECORDED = ROOT / "tests" / "data" / "nuke_recorded_aus.json"


@pytest.fixture
def nuke(monkeypatch, host_plugins, face_frames, tmp_path):
    fake = FakeNuke(render_source=face_frames, script=str(tmp_path / "shot.nk"))
    monkeypatch.setitem(sys.modules, "nuke", fake)
    return fake


def test_the_committed_gizmo_is_the_generated_one(host_plugins):
    from atw_nuke.node import GIZMO, gizmo_text

    assert (ROOT / "nuke" / f"{GIZMO}.gizmo").read_text() == gizmo_text()


def test_the_gizmo_has_an_animatable_slider_per_au_with_its_facs_name(host_plugins):
    from atw_nuke.node import gizmo_text

    text = gizmo_text()
    sliders = re.findall(r'addUserKnob \{7 (AU\d\d) l "(AU\d\d [^"]+)" .* R 0 5\}', text)
    assert [name for name, _ in sliders] == list(AU_NAMES)
    assert all(label == f"{n} {AU_FACS_NAMES[n]}" for n, label in sliders)
    assert "addUserKnob {4 reswarp l ResWarp M {vanilla multiscale}}" in text
    assert "addUserKnob {22 render l Render T " in text
    # the internal Write is disabled so a script's "Render all" never runs it
    write = re.search(r" Write \{(.*?)\n \}", text, re.S).group(1)
    assert "disable true" in write and "name ATW_Source" in write


def test_init_and_menu_shims_never_stop_nuke(monkeypatch, host_plugins, capsys):
    fake = FakeNuke()
    monkeypatch.setitem(sys.modules, "nuke", fake)
    exec((ROOT / "nuke" / "menu.py").read_text(), {})
    command = fake.menu("Nuke").menus["ATW"].commands["Animate Face"]
    assert command == "nuke.createNode('ATW_AnimateFace')"
    exec(command, {"nuke": fake})
    assert fake.created == ["ATW_AnimateFace"]
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


def test_render_bakes_knobs_writes_the_input_runs_atw_and_reads_the_result(nuke, tmp_path):
    from atw_nuke.actions import render

    node = atw_node()
    recorded = animate_from_recording(node)
    node["work_dir"].setValue(str(tmp_path / "work"))
    node["atw_python"].setValue(sys.executable)
    assert node["filter"].value() == "lanczos"  # the default, as on the command line
    node["filter"].setValue("cubic")
    assert render(node, nuke=nuke) == 3

    assert nuke.executed == [("ATW_Source", 1001, 1003)]
    assert node.node("ATW_Source")["disable"].value() is True
    curves = json.loads((tmp_path / "work" / "aus.json").read_text())["curves"]
    knobs = recorded["knobs"]
    for au in ("AU06", "AU12", "AU25"):
        expected = [[f, knobs[au][str(f)] * knobs["intensity"][str(f)]] for f in (1001, 1002, 1003)]
        assert curves[au]["keys"] == expected
    assert curves["AU01"]["keys"] == [[1001, 0.0], [1002, 0.0], [1003, 0.0]]

    read = node.node("ATW_Result")
    pattern = str(tmp_path / "work" / "result" / "atw.####.exr")
    assert read["file"].value() == pattern
    assert (read["first"].value(), read["last"].value()) == (1001, 1003)
    assert read["reload"].executed == 1
    switch = node.node("ATW_Switch")
    assert switch["which"].value() == 1 and switch.input(1) is read
    assert nuke.tasks[0].progress == 100 and "frame 1003 (3/3)" in nuke.tasks[0].messages

    source = read_image(tmp_path / "work" / "source" / "source.1001.exr").pixels
    first = read_image(tmp_path / "work" / "result" / "atw.1001.exr").pixels
    last = read_image(tmp_path / "work" / "result" / "atw.1003.exr").pixels
    spec = oiio.ImageInput.open(str(tmp_path / "work" / "result" / "atw.1003.exr")).spec()
    assert json.loads(spec.getattribute("atw:params"))["filter"] == "cubic"  # the knob's
    assert np.array_equal(first[..., :3], source[..., :3])  # all AUs 0: the plate, bit-exact
    assert np.abs(last[..., :3] - source[..., :3]).max() > 0.01  # a smile


def test_recorded_curves_replay_through_the_core_to_the_same_frames(nuke, tmp_path):
    """The adapter's render equals `atw render` fed the recorded values directly."""
    from atw_nuke.actions import render

    node = atw_node()
    recorded = animate_from_recording(node)
    node["work_dir"].setValue(str(tmp_path / "work"))
    node["atw_python"].setValue(sys.executable)
    render(node, nuke=nuke)

    knobs = recorded["knobs"]
    curves = {"curves": {au: {"keys": [[int(f), v * knobs["intensity"][f]]
                                       for f, v in keys.items()], "interpolation": "linear"}
                         for au, keys in knobs.items() if au != "intensity"}}
    (tmp_path / "replay.json").write_text(json.dumps(curves))
    proc = run_atw("render", str(tmp_path / "work" / "source" / "source.####.exr"), "--aus",
                   str(tmp_path / "replay.json"), "-o", str(tmp_path / "replay" / "r.####.exr"),
                   "--frames", "1001-1003", "-q")
    assert proc.returncode == 0, proc.stderr
    for frame in (1001, 1002, 1003):
        adapter_out = (tmp_path / "work" / "result" / f"atw.{frame}.exr").read_bytes()
        assert (tmp_path / "replay" / f"r.{frame}.exr").read_bytes() == adapter_out


def test_a_face_box_knob_becomes_atws_top_left_box(nuke):
    from atw_nuke.adapter import NukeAdapter

    node = atw_node(size=(300, 200))
    node["use_face_box"].setValue(True)
    node["face_box"].setValue((10.0, 20.0, 110.0, 140.0))  # x, y, r, t; Nuke's y up
    settings = NukeAdapter(node, nuke).settings()
    assert settings["face_box"] == (10, 60, 120)  # y = 200 - 140, side = max(100, 120)
    node["aov_matte"].setValue(True)
    node["model"].setValue("")
    node["au_mode"].setValue("absolute")
    settings = NukeAdapter(node, nuke).settings()
    assert settings["aovs"] == ("matte",) and settings["model"] == "rig"
    assert settings["au_mode"] == "absolute"


def test_farm_render_all_renders_every_atw_node_without_a_gui(monkeypatch, host_plugins,
                                                             face_frames, tmp_path, capsys):
    from atw_nuke.actions import render_all

    fake = FakeNuke(gui=False, render_source=face_frames, first=1001, last=1001,
                    script=str(tmp_path / "shot.nk"))
    monkeypatch.setitem(sys.modules, "nuke", fake)
    monkeypatch.setenv("ATW_PYTHON", sys.executable)
    node = atw_node()
    node["AU12"].setValue(3.0)
    fake.nodes_in_script = [node, FakeNode("Blur", "Blur1")]  # only ATW nodes render
    assert render_all(nuke=fake) == 1
    assert fake.saved == 1 and fake.tasks == []
    assert "ATW ATW_AnimateFace1: frame 1001 (1/1)" in capsys.readouterr().out
    # the default work folder sits beside the script
    assert (tmp_path / "atw" / "ATW_AnimateFace1" / "result" / "atw.1001.exr").exists()


def test_the_render_button_shows_an_actionable_error(nuke, monkeypatch, tmp_path):
    from atw_nuke.actions import render_button

    nuke.render_source = lambda pattern, first, last: None  # the upstream wrote nothing
    node = atw_node()
    node["work_dir"].setValue(str(tmp_path / "work"))
    node["atw_python"].setValue(sys.executable)
    render_button(node)
    assert len(nuke.messages) == 1
    assert nuke.messages[0].startswith("ATW: atw render failed: atw: error:")
    assert "source.####.exr (frame 1001): missing input frames 1001-1003" in nuke.messages[0]


def test_an_animated_face_box_is_baked_per_frame_for_face_boxes(nuke, tmp_path):
    from atw_nuke.adapter import NukeAdapter
    from host_adapters.render_job import RenderJob

    node = atw_node(size=(256, 256))
    node["use_face_box"].setValue(True)
    node["face_box"].setValueAt((10.0, 20.0, 210.0, 220.0), 1001)  # linked to a Tracker, say
    node["face_box"].setValueAt((14.0, 20.0, 214.0, 220.0), 1003)
    adapter = NukeAdapter(node, nuke)
    path = adapter.face_boxes(1001, 1003, str(tmp_path))
    assert json.loads(open(path).read()) == {"1001": [10, 36, 200], "1002": [12, 36, 200],
                                             "1003": [14, 36, 200]}
    job = RenderJob("s.####.exr", "o.####.exr", "c.json", 1001, 1003, face_boxes=path,
                    **adapter.settings())
    assert job.argv()[-2:] == ["--face-boxes", path] and "--face-box" not in job.argv()
    node["face_box"].keys.clear()  # a still box: one --face-box, no file
    assert adapter.face_boxes(1001, 1003, str(tmp_path)) is None
