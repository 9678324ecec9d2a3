"""The Resolve/Fusion plugin against a typed fake object graph: the .setting text, the first run
(controls added), the render run end to end (real EXRs, a real ``atw render``), the entry script."""
import json
import re
import sys
import types

import numpy as np
import OpenImageIO as oiio
import pytest

from atw_ofx.conventions import AU_FACS_NAMES, AU_NAMES
from atw_ofx.imageio import read_image
from host_adapters import AdapterError
from host_fakes import FakeBmd, FakeComp, FakeResolve, FakeTimelineItem

from conftest import ROOT


def test_the_committed_setting_is_the_generated_one(host_plugins):
    from atw_resolve.setting import setting_text

    text = (ROOT / "resolve" / "ATW_Controls.setting").read_text()
    assert text == setting_text()
    labels = re.findall(r'LINKS_Name = "([^"]+)"', text)
    assert labels == [f"{au} {AU_FACS_NAMES[au]}" for au in AU_NAMES] + ["Intensity", "Filter"]
    assert text.count('INPID_InputControl = "SliderControl"') == 18
    assert text.count('INPID_InputControl = "ComboControl"') == 1
    assert text.count("INP_MaxAllowed = 5,") == 17


def clip(comps=None, render_source=None):
    return FakeTimelineItem("A001_C002", comps,
                            new_comp=lambda: FakeComp(render_source=render_source))


def test_the_first_run_adds_the_controls_to_a_new_comp(host_plugins, tmp_path, monkeypatch):
    from atw_resolve.actions import animate_current_clip
    from atw_resolve.setting import TOOL, setting_text

    item = clip()
    resolve = FakeResolve(item)
    assert animate_current_clip(resolve, FakeBmd.readstring) == 0
    comp = item.comps[0]
    assert comp.pasted[0]["text"] == setting_text() and comp.locked == 0
    tool = comp.FindTool(TOOL)
    assert tool.GetInput("AU12") == 0.0 and tool.GetInput("Intensity") == 1.0
    assert tool.GetInput("Filter") == 2.0  # lanczos, the default: an index into the menu
    assert '{ CCS_AddString = "bilinear", }' in setting_text()
    assert comp.renders == []  # nothing rendered before the artist has keyed anything


def test_the_render_run_bakes_sliders_renders_the_clip_runs_atw_and_loads_the_result(
        host_plugins, face_frames, tmp_path, monkeypatch):
    from atw_resolve.actions import animate_current_clip, add_controls
    from atw_resolve.setting import TOOL

    monkeypatch.setenv("ATW_WORK_DIR", str(tmp_path / "renders"))
    comp = FakeComp(first=1001, last=1003, render_source=face_frames)
    add_controls(comp, FakeBmd.readstring)
    tool = comp.FindTool(TOOL)
    tool.SetInput("AU12", 0.0, 1001)
    tool.SetInput("AU12", 4.0, 1003)  # a keyed ramp: 2.0 at 1002
    tool.SetInput("AU25", 1.5)
    tool.SetInput("Intensity", 0.5, 1001)
    tool.SetInput("Intensity", 1.0, 1003)
    tool.SetInput("Filter", 1.0)  # cubic
    resolve = FakeResolve(clip([comp]))
    progress = []
    frames = animate_current_clip(resolve, FakeBmd.readstring, python=sys.executable,
                                  to_media_pool=True,
                                  progress=lambda *p: progress.append(p))
    assert frames == 3 and progress[-1] == (3, 3, 1003)

    folder = tmp_path / "renders" / "Show" / "A001_C002"
    curves = json.loads((folder / "aus.json").read_text())["curves"]
    assert curves["AU12"]["keys"] == [[1001, 0.0], [1002, 1.5], [1003, 4.0]]  # × intensity
    assert curves["AU25"]["keys"] == [[1001, 0.75], [1002, 1.125], [1003, 1.5]]

    saver = comp.FindTool("ATW_Source")
    assert saver.connections["Input"] is comp.FindTool("MediaIn1")
    assert saver.GetInput("Clip") == str(folder / "source" / "source.0000.exr")
    assert comp.renders == [{"Start": 1001, "End": 1003, "Tool": saver, "Wait": True}]
    loader = comp.FindTool("ATW_Result")
    assert loader.GetInput("Clip") == str(folder / "result" / "atw.1001.exr")
    assert (loader.GetInput("GlobalIn"), loader.GetInput("GlobalOut")) == (1001, 1003)
    assert comp.FindTool("MediaOut1").connections["Input"] is loader
    assert resolve.project.media_pool.imported == [
        [str(folder / "result" / f"atw.{f}.exr") for f in (1001, 1002, 1003)]]

    source = read_image(folder / "source" / "source.1003.exr").pixels
    result = read_image(folder / "result" / "atw.1003.exr").pixels
    spec = oiio.ImageInput.open(str(folder / "result" / "atw.1003.exr")).spec()
    assert json.loads(spec.getattribute("atw:params"))["filter"] == "cubic"  # the menu's
    assert np.abs(result - source).max() > 0.01


def test_no_current_clip_is_a_clear_error(host_plugins):
    from atw_resolve.actions import animate_current_clip

    with pytest.raises(AdapterError, match="no current clip: put the playhead over a clip"):
        animate_current_clip(FakeResolve(None), FakeBmd.readstring)


def test_the_entry_script_passes_the_hosts_objects_in_and_reports_failures(
        host_plugins, monkeypatch, capsys):
    script = (ROOT / "resolve" / "ATW Animate Face.py")
    item = clip()
    resolve = FakeResolve(item)
    # Inside Resolve: `resolve` and `bmd` are the script's globals.
    exec(script.read_text(), {"resolve": resolve, "bmd": FakeBmd, "__file__": str(script)})
    assert item.comps[0].FindTool("ATW_Controls") is not None
    # From an outside console: found through the scripting modules.
    app = types.ModuleType("DaVinciResolveScript")
    app.scriptapp = lambda name: FakeResolve(None)
    monkeypatch.setitem(sys.modules, "DaVinciResolveScript", app)
    monkeypatch.setitem(sys.modules, "BlackmagicFusion", FakeBmd)
    exec(script.read_text(), {"__file__": str(script)})
    assert capsys.readouterr().out.splitlines()[-1] == (
        "ATW: no current clip: put the playhead over a clip on the timeline")
