"""The Resolve/Fusion plugin against a strict fake object graph (the .setting read by a real
Lua, tools that refuse inputs they lack, Comp:Render as documented): the first run (controls
added), the render run end to end (real EXRs, a real ``atw render``) keeping the artist's comp,
re-renders, colour from the project, work folders, the entry script."""
from __future__ import annotations

import json
import re
import sys
import types

import pytest

from fake_resolve import FakeBmd, FakeComp, FakeResolve, FakeTimelineItem, FakeUIManager
from hostkit import core_python_fixture, face_frames_fixture  # noqa: F401 (fixtures)
from hostkit import ROOT, exr_facts

from atw_ofx.facs import (AU_FACS_NAMES, AU_NAMES, EXPRESSIONS, SIDED_AU_NAMES,
                          expression_recipe)
from host_adapters import AdapterError
from host_adapters.render_job import RenderCancelled


@pytest.fixture(autouse=True)
def lua():
    """The .setting is parsed by a real Lua (lupa), as Fusion's readstring does."""
    return pytest.importorskip("lupa", reason="lupa parses the .setting as Fusion's Lua does")


def test_the_committed_setting_is_the_generated_one_and_real_lua_reads_it():
    from atw_ofx.filters import FILTERS
    from atw_resolve.setting import MENUS, TOOL, setting_text

    text = (ROOT / "resolve" / "ATW_Controls.setting").read_text()
    assert text == setting_text()
    labels = re.findall(r'LINKS_Name = "([^"]+)"', text)
    weights = len(EXPRESSIONS)  # first, a weight slider (0-1) per named expression
    assert labels[:weights + 18] == [f"{name.capitalize()} ({expression_recipe(name)})"
                                     for name in EXPRESSIONS] + \
        [f"{au} {AU_FACS_NAMES[au]}" for au in AU_NAMES] + ["Intensity"]
    assert labels[0] == "Happy (AU06 + AU12 at 4)"
    assert text.count("INP_MaxAllowed = 5,") == 17 + len(SIDED_AU_NAMES)
    assert text.count("INP_MaxAllowed = 1,") == weights
    tool = FakeBmd.readstring(text)["Tools"][TOOL]
    assert tool["__ctor"] == "Transform"
    menu = tool["UserControls"]["Filter"]
    assert menu["INPID_InputControl"] == "ComboControl"
    assert [menu[k]["CCS_AddString"] for k in sorted(k for k in menu if isinstance(k, int))] \
        == list(FILTERS)  # the entries: the array part of the control's table
    assert {k: tool["Inputs"][k]["Value"] for k in ("Model", "AUMode", "Glasses", "FaceIndex")
            } == {"Model": "rig", "AUMode": 0, "Glasses": 0, "FaceIndex": 0}
    assert set(MENUS) <= set(tool["UserControls"])
    one_side = tool["UserControls"]["AU45L"]  # a page of their own
    assert (one_side["ICS_ControlPage"], one_side["LINKS_Name"]) == ("One side",
                                                                     "AU45 Blink (left)")
    assert all(tool["Inputs"][name]["Value"] == 0 for name in SIDED_AU_NAMES)
    with pytest.raises(Exception):  # text Fusion's Lua would reject, rejected here too
        FakeBmd.readstring(text.replace("Value = 0, },", "Value = 0 },,", 1))


def clip(comps=None, render_source=None, unique_id="0a1b2c"):
    return FakeTimelineItem("A001_C002", comps, unique_id=unique_id,
                            new_comp=lambda: FakeComp(render_source=render_source))


def test_the_first_run_adds_the_controls_to_a_new_comp():
    from atw_resolve.actions import animate_current_clip
    from atw_resolve.setting import TOOL, setting_text

    item = clip()
    resolve = FakeResolve(item)
    assert animate_current_clip(resolve, FakeBmd.readstring) == 0
    comp = item.comps[0]
    assert comp.pasted[0] == FakeBmd.readstring(setting_text()) and comp.locked == 0
    tool = comp.FindTool(TOOL)
    assert tool.GetInput("AU12") == 0.0 and tool.GetInput("Intensity") == 1.0
    assert tool.GetInput("Filter") == 2  # lanczos, the default: an index into the menu
    assert comp.renders == []  # nothing rendered before the artist has keyed anything


def keyed_comp(face_frames, last=1003):
    """A comp (frames 1001–``last``) with the artist's grade before MediaOut, the controls pasted
    and keyed."""
    from atw_resolve.actions import add_controls
    from atw_resolve.setting import TOOL

    comp = FakeComp(first=1001, last=last, render_source=face_frames)
    grade = comp.AddTool("ColorCorrector")
    grade.ConnectInput("Input", comp.FindTool("MediaIn1"))
    comp.FindTool("MediaOut1").ConnectInput("Input", grade)
    add_controls(comp, FakeBmd.readstring)
    tool = comp.FindTool(TOOL)
    tool.SetInput("AU12", 0.0, 1001)
    tool.SetInput("AU12", 4.0, 1003)  # a keyed ramp: 2.0 at 1002
    tool.SetInput("AU25", 1.5)
    tool.SetInput("Intensity", 0.5, 1001)
    tool.SetInput("Intensity", 1.0, 1003)
    tool.SetInput("Filter", 1)  # cubic
    tool.SetInput("Glasses", 1)  # off
    return comp, grade, tool


def test_the_render_run_keeps_the_artists_comp_and_loads_the_result(
        face_frames, core_python, tmp_path, monkeypatch):
    from atw_resolve.actions import animate_current_clip
    from atw_resolve.progress import window_runner

    monkeypatch.setenv("ATW_WORK_DIR", str(tmp_path / "renders"))
    comp, grade, tool = keyed_comp(face_frames)
    resolve = FakeResolve(clip([comp]))
    progress = []
    frames = animate_current_clip(resolve, FakeBmd.readstring, python=core_python,
                                  to_media_pool=True, progress=lambda *p: progress.append(p))
    assert frames == 3 and progress[-1] == (3, 3, 1003)

    folder = tmp_path / "renders" / "Show" / "Edit_v1" / "A001_C002_0a1b2c" / "Composition_1"
    curves = json.loads((folder / "aus.json").read_text())["curves"]
    assert curves["AU12"]["keys"] == [[1001, 0.0], [1002, 1.5], [1003, 4.0]]  # × intensity
    assert curves["AU25"]["keys"] == [[1001, 0.75], [1002, 1.125], [1003, 1.5]]

    saver = comp.FindTool("ATW_Source")
    assert saver.connections["Input"] is grade  # the artist's last node, not MediaIn
    assert saver.GetInput("Clip") == str(folder / "source" / "source.0000.exr")
    assert comp.renders == [{"Start": 1001, "End": 1003, "Tool": saver, "Wait": True}]
    loader = comp.FindTool("ATW_Result")
    assert loader.GetInput("Clip") == str(folder / "result" / "atw.1001.exr")
    assert (loader.GetInput("GlobalIn"), loader.GetInput("GlobalOut")) == (1001, 1003)
    assert comp.FindTool("MediaOut1").connections["Input"] is loader
    assert grade.connections["Input"] is comp.FindTool("MediaIn1")  # their graph, untouched
    assert resolve.project.media_pool.imported == [
        [str(folder / "result" / f"atw.{f}.exr") for f in (1001, 1002, 1003)]]

    source, result = exr_facts(core_python, folder / "source" / "source.1003.exr",
                               folder / "result" / "atw.1003.exr")
    assert result["params"]["filter"] == "cubic"  # the menu's
    assert result["params"]["glasses"] == "off"
    assert result["max_difference"] > 0.01

    # Again, with another filter: the same plate (the artist's node, not our Loader now feeding
    # MediaOut), and the Loader reloaded. This time as from the script's menu inside Resolve: in
    # the progress window, its event loop running until the core is done.
    tool.SetInput("Filter", 0)
    ui = FakeUIManager()
    resolve.ui = ui
    assert animate_current_clip(resolve, FakeBmd.readstring, python=core_python,
                                runner=window_runner(resolve, FakeBmd)) == 3
    window = ui.dispatchers[0].windows[0]
    assert window.items["ATWStatus"].texts[0] == "Starting the render of 3 frames…"
    assert window.items["ATWStatus"].texts[-1] == "Frame 1003 (3 of 3)"
    assert not window.shown and not ui.timers[0].GetIsActive()
    assert saver.connections["Input"] is grade and len(comp.renders) == 2
    assert loader.history["Clip"] == [str(folder / "result" / "atw.1001.exr"), "",
                                      str(folder / "result" / "atw.1001.exr")]
    assert exr_facts(core_python, folder / "result" / "atw.1003.exr")[0]["params"][
        "filter"] == "bilinear"


def test_cancel_in_the_progress_window_stops_the_core_in_any_phase(face_frames, core_python,
                                                                   tmp_path, monkeypatch):
    """Cancel once the first frame shows, and closing the window while the core still loads:
    the core stops, nothing is loaded into the comp, no frame is left half written."""
    from atw_resolve.actions import animate_current_clip
    from atw_resolve.progress import window_runner

    monkeypatch.setenv("ATW_WORK_DIR", str(tmp_path / "renders"))
    comp, grade, tool = keyed_comp(face_frames, last=1048)
    shown = []

    def after_first_frame(dispatcher):
        text = dispatcher.windows[-1].items["ATWStatus"].texts[-1]
        if text.startswith("Frame"):
            shown.append(int(re.match(r"Frame \d+ \((\d+) of 48\)", text).group(1)))
            dispatcher.click("ATWCancel")

    result = tmp_path / "renders" / "Show" / "Edit_v1" / "A001_C002_0a1b2c" / "Composition_1" \
        / "result"
    for user in (after_first_frame, lambda dispatcher: dispatcher.close()):
        resolve = FakeResolve(clip([comp]), ui=FakeUIManager(user))
        with pytest.raises(RenderCancelled, match=r"render cancelled after (\d+) of 48 frames"
                           ) as cancelled:
            animate_current_clip(resolve, FakeBmd.readstring, python=core_python,
                                 runner=window_runner(resolve, FakeBmd))
        assert not resolve.ui.dispatchers[0].windows[0].shown
        assert comp.FindTool("ATW_Result") is None  # nothing imported
        done = int(re.search(r"after (\d+)", str(cancelled.value)).group(1))
        written = sorted(p.name for p in result.iterdir()) if result.exists() else []
        # Every file a whole frame (written under a temporary name, then renamed).
        assert all(re.fullmatch(r"atw\.1\d{3}\.exr", name) for name in written)
        if user is after_first_frame:  # stopped while rendering: what it showed, not the rest
            assert done == shown[0] and 1 <= done and len(written) < 48
        else:  # closed at once: stopped while the core was still loading
            assert done == 0
        for name in written:  # a rerun starts clean
            (result / name).unlink()


def test_without_a_uimanager_the_render_prints_its_progress():
    from atw_resolve.progress import window_runner

    assert window_runner(FakeResolve(None), FakeBmd) is None  # an outside console: no window
    assert window_runner(FakeResolve(None, ui=FakeUIManager()), object()) is None  # no dispatcher


def test_preview_frame_renders_the_comps_current_frame(face_frames, core_python, tmp_path,
                                                      monkeypatch):
    from host_adapters import render_job

    monkeypatch.setenv("ATW_WORK_DIR", str(tmp_path / "renders"))
    monkeypatch.setenv("ATW_PYTHON", core_python)
    comp, grade, tool = keyed_comp(face_frames)
    comp.CurrentTime = 1002.0
    resolve = FakeResolve(clip([comp]))
    script = ROOT / "resolve" / "ATW Preview Frame.py"
    try:
        exec(script.read_text(), {"resolve": resolve, "bmd": FakeBmd, "__file__": str(script)})
    finally:
        render_job.close_workers()
    assert [(r["Start"], r["End"]) for r in comp.renders] == [(1002, 1002)]
    loader = comp.FindTool("ATW_Result")
    assert loader.GetInput("Clip").endswith("atw.1002.exr")
    assert (loader.GetInput("GlobalIn"), loader.GetInput("GlobalOut")) == (1002, 1002)


def test_the_settings_and_colour_come_from_the_controls_and_the_project(tmp_path, capsys):
    from atw_resolve.actions import add_controls
    from atw_resolve.adapter import ResolveAdapter
    from atw_resolve.setting import TOOL

    comp = FakeComp()
    add_controls(comp, FakeBmd.readstring)
    tool = comp.FindTool(TOOL)
    resolve = FakeResolve(clip([comp]))
    adapter = ResolveAdapter(comp, project=resolve.project)
    settings = adapter.render_settings(1001, 1003, str(tmp_path))
    assert {k: settings[k] for k in ("model", "reswarp", "formulation", "filter", "au_mode",
                                     "glasses", "face_index", "colorspace")} == {
        "model": "rig", "reswarp": "vanilla", "formulation": "delta", "filter": "lanczos",
        "au_mode": "relative", "glasses": "auto", "face_index": 0,
        "colorspace": "Linear Rec.709 (sRGB)"}
    assert settings["output_colorspace"] == settings["colorspace"]  # back as MediaIn gave it
    tool.SetInput("AUMode", 1)
    tool.SetInput("FaceIndex", 2)
    tool.SetInput("Model", "/models/atw_bundle")
    settings = adapter.render_settings(1001, 1003, str(tmp_path))
    assert (settings["au_mode"], settings["face_index"], settings["model"]) == (
        "absolute", 2, "/models/atw_bundle")

    cases = {("acescct", "ACEScct"): "ACEScg",
             ("davinciYRGBColorManagedv2", "Rec.2020 Intermediate"): "Linear Rec.2020",
             ("davinciYRGB", "Rec.709 Gamma 2.4"): "Gamma 2.4 Encoded Rec.709",
             ("davinciYRGB", "sRGB"): "sRGB Encoded Rec.709 (sRGB)"}
    for (mode, timeline), expected in cases.items():
        resolve.project.settings.update(colorScienceMode=mode, colorSpaceTimeline=timeline)
        assert adapter.colourspace() == expected, (mode, timeline)
    resolve.project.settings.update(colorScienceMode="davinciYRGBColorManagedv2",
                                    colorSpaceTimeline="DaVinci WG/Intermediate")
    with pytest.raises(AdapterError, match="'DaVinci WG/Intermediate' .* has no match .* "
                                           "Colour space field"):
        adapter.colourspace()
    tool.SetInput("ColorSpace", "ACEScg")  # the artist names it
    assert adapter.colourspace() == "ACEScg"
    tool.SetInput("ColorSpace", "")
    resolve.project.settings.clear()  # a Resolve whose settings have other names
    assert adapter.colourspace() == "Linear Rec.709 (sRGB)"
    assert "names no colour science" in capsys.readouterr().out  # said, not silently assumed


def test_two_uses_of_a_clip_and_two_comp_versions_never_share_a_folder(tmp_path, monkeypatch):
    from atw_resolve.adapter import ResolveAdapter

    monkeypatch.setenv("ATW_WORK_DIR", str(tmp_path))
    first, second = FakeComp(), FakeComp(name="Composition 2")
    one, two = clip([first, second], unique_id="aaa"), clip([first], unique_id="bbb")
    resolve = FakeResolve(one)
    folders = {ResolveAdapter(comp, project=resolve.project, item=item).work_directory()
               for comp, item in ((first, one), (second, one), (first, two))}
    assert len(folders) == 3


def test_a_comp_with_nothing_into_mediaout_is_a_clear_error(tmp_path):
    from atw_resolve.actions import add_controls
    from atw_resolve.adapter import ResolveAdapter

    comp = FakeComp()
    add_controls(comp, FakeBmd.readstring)
    comp.FindTool("MediaOut1").ConnectInput("Input", None)
    with pytest.raises(AdapterError, match="nothing to animate: connect the clip"):
        ResolveAdapter(comp).export_source(1001, 1003, str(tmp_path))


def test_no_current_clip_is_a_clear_error():
    from atw_resolve.actions import animate_current_clip

    with pytest.raises(AdapterError, match="no current clip: put the playhead over a clip"):
        animate_current_clip(FakeResolve(None), FakeBmd.readstring)


def test_the_entry_script_passes_the_hosts_objects_in_and_reports_failures(monkeypatch, capsys):
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
