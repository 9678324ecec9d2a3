"""The host contract, its registry, the curves, render job and pipeline hosts share; import
boundaries. Runs under the host Pythons too (``.ci/host-pythons``)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import types

import pytest

from hostkit import core_python_fixture, face_frames_fixture  # noqa: F401 (fixtures)
from hostkit import ROOT, core_json

import host_adapters
from host_adapters import AdapterError, UnsupportedHostCall, registry, validate
from host_adapters.curves import write_curves
from host_adapters.pipeline import render as pipeline_render
from host_adapters.render_job import (PreviewWorker, RenderCancelled, RenderFailed, RenderJob,
                                      core_environment, run)

HOST_MODULES = ("nuke", "DaVinciResolveScript", "BlackmagicFusion", "host_adapters",
                "atw_nuke", "atw_resolve")


def test_the_core_never_imports_a_host_module(core_python):
    code = textwrap.dedent(f"""
        import importlib, pkgutil, sys
        import atw_ofx
        for info in pkgutil.walk_packages(atw_ofx.__path__, "atw_ofx."):
            importlib.import_module(info.name)
        imported = sorted(m for m in {HOST_MODULES!r} if m in sys.modules)
        print(imported)
    """)
    out = subprocess.run([core_python, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_host_side_imports_without_torch_or_numpy():
    """Nuke's and Resolve's Pythons have neither; the plugins must load anyway (here, under
    whichever Python runs the tests: the host Pythons in ``.ci/host-pythons``)."""
    code = textwrap.dedent("""
        import sys
        sys.modules["torch"] = None; sys.modules["numpy"] = None  # any import of them fails
        sys.path[:0] = ["nuke", "resolve"]
        import host_adapters.curves, host_adapters.render_job, host_adapters.pipeline
        import atw_nuke.node, atw_nuke.adapter, atw_nuke.actions, atw_nuke.install
        import atw_resolve.setting, atw_resolve.adapter, atw_resolve.actions
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


class Partial:
    name = "partial"
    capabilities = frozenset()

    def frame_range(self):
        return 1, 2


class Complete(Partial):
    name = "complete"

    def __init__(self, *args, **kwargs):
        self.args = args

    def bake_aus(self, first, last):
        return {f: {"AU12": 1.0} for f in range(first, last + 1)}

    def export_source(self, first, last, directory):
        return os.path.join(directory, "source.####.exr")

    def import_result(self, pattern, first, last):
        self.imported = pattern


def test_the_validator_names_every_missing_method():
    with pytest.raises(AdapterError) as err:
        validate(Partial())
    assert str(err.value) == ("host adapter 'partial' is missing bake_aus, export_source, "
                              "import_result")
    assert validate(Complete()) is not None
    assert isinstance(Complete(), host_adapters.HostAdapter)
    odd = Complete()
    odd.capabilities = frozenset({"telepathy"})
    with pytest.raises(AdapterError, match="unknown capabilities"):
        validate(odd)


@pytest.fixture
def fake_plugin():
    registry.register("fakehost", Complete)
    yield
    registry.unregister("fakehost")


def test_the_registry_loads_registered_and_builtin_adapters(fake_plugin):
    assert {"nuke", "resolve", "fakehost"} <= set(host_adapters.available())
    adapter = host_adapters.load("fakehost", "node-object")
    assert adapter.args == ("node-object",)
    from fake_resolve import FakeComp

    resolve_adapter = host_adapters.load("resolve", FakeComp())
    assert resolve_adapter.name == "resolve"
    with pytest.raises(AdapterError, match="no host adapter named 'maya'; available: "):
        host_adapters.load("maya")


def test_the_registry_finds_adapters_through_the_entry_point_group(tmp_path, monkeypatch):
    (tmp_path / "studio_host.py").write_text(textwrap.dedent("""
        class StudioAdapter:
            name = "studio"
            capabilities = frozenset({"farm"})
            def frame_range(self): return 1, 1
            def bake_aus(self, first, last): return {}
            def export_source(self, first, last, directory): return directory
            def import_result(self, pattern, first, last): pass
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    entry = types.SimpleNamespace(name="studio", value="studio_host:StudioAdapter")
    monkeypatch.setattr(registry, "_entry_points", lambda: {"studio": entry})
    assert "studio" in host_adapters.available()
    assert host_adapters.load("studio").capabilities == {"farm"}
    broken = types.SimpleNamespace(name="broken", value="no_such_module:X")
    monkeypatch.setattr(registry, "_entry_points", lambda: {"broken": broken})
    with pytest.raises(AdapterError, match="cannot be imported"):
        host_adapters.load("broken")


def test_entry_points_are_read_as_each_python_gives_them(monkeypatch):
    """3.10+ select by group; 3.8/3.9 (Nuke 14) return a dict of groups; 3.7 (Nuke 13) has no
    importlib.metadata at all."""
    studio = types.SimpleNamespace(name="studio", value="studio_host:StudioAdapter")
    try:
        from importlib import metadata
    except ImportError:
        assert registry._entry_points() == {}
        return

    class Selectable(list):
        def select(self, group):
            return [studio] if group == host_adapters.ENTRY_POINT_GROUP else []
    for found in (Selectable(), {host_adapters.ENTRY_POINT_GROUP: [studio]}):
        monkeypatch.setattr(metadata, "entry_points", lambda found=found: found)
        assert registry._entry_points() == {"studio": studio}


def test_an_unsupported_call_is_a_named_error():
    from atw_resolve.adapter import ResolveAdapter
    from fake_resolve import FakeComp

    with pytest.raises(UnsupportedHostCall) as err:
        ResolveAdapter(FakeComp()).import_to_media_pool("x.####.exr", 1, 2)
    assert err.value.call == "Media Pool import without a project"
    assert str(err.value) == ("the resolve adapter does not support Media Pool import without "
                              "a project")


def test_baked_samples_read_back_through_the_core(tmp_path, core_python):
    samples = {1001: {"AU12": 0.0, "AU26": 1.0}, 1002: {"AU12": 2.5, "AU26": 7.0},
               1004: {"AU12": -1.0, "AU26": 0.5}}
    path = write_curves(tmp_path / "aus.json", samples)
    read = core_json(core_python, """
        import json, sys
        from atw_ofx.aus import load_curves
        from atw_ofx.facs import AU_NAMES
        curves = load_curves(sys.argv[1])
        i12, i26 = AU_NAMES.index("AU12"), AU_NAMES.index("AU26")
        print(json.dumps({f: [float(curves.at(f)[i12]), float(curves.at(f)[i26])]
                          for f in (1002, 1003, 1004)}))
    """, path)
    assert read["1002"] == [2.5, 5.0]  # AU26 clamped to the AU range
    assert read["1004"][0] == 0.0
    assert read["1003"][0] == pytest.approx(1.25)  # linear between the baked frames
    with pytest.raises(AdapterError, match="unknown AU control 'AU99'"):
        write_curves(tmp_path / "bad.json", {1: {"AU99": 1.0}})


def test_one_side_controls_are_written_only_where_they_ask_something(tmp_path, core_python):
    """A one-side control keyed above 0 takes its AU's place on that side; one left at 0 on
    every frame is left out (written, it would hold that side at 0)."""
    samples = {1001: {"AU45": 1.0, "AU45L": 0.0, "AU45R": 0.0, "AU12L": 0.0},
               1002: {"AU45": 1.0, "AU45L": 5.0, "AU45R": 0.0, "AU12L": 0.0}}
    path = write_curves(tmp_path / "aus.json", samples)
    with open(path) as fh:
        assert sorted(json.load(fh)["curves"]) == ["AU45", "AU45L"]
    read = core_json(core_python, """
        import json, sys
        from atw_ofx.aus import load_curves
        from atw_ofx.facs import AU_NAMES
        at = load_curves(sys.argv[1]).at(1002)
        print(json.dumps(at[:, AU_NAMES.index("AU45")].tolist()))
    """, path)
    assert read == [1.0, 5.0]  # the right eye by AU45, the left by AU45L
    with pytest.raises(AdapterError, match="unknown AU control 'AU25L'"):
        write_curves(tmp_path / "bad.json", {1: {"AU25L": 1.0}})  # no host control for it


def test_expression_controls_add_to_the_aus_and_are_written_where_they_ask_something(
        tmp_path, core_python):
    """An expression's weight is held to 0-1 (a host's intensity can push it past) and read by
    the core as its AUs on top of the AU controls'; one left at 0 on every frame is left out."""
    samples = {1001: {"AU12": 1.0, "happy": 0.5, "sad": 0.0},
               1002: {"AU12": 1.0, "happy": 1.6, "sad": 0.0}}
    path = write_curves(tmp_path / "aus.json", samples)
    with open(path) as fh:
        curves = json.load(fh)["curves"]
    assert sorted(curves) == ["AU12", "happy"]
    assert curves["happy"]["keys"] == [[1001, 0.5], [1002, 1.0]]
    read = core_json(core_python, """
        import json, sys
        from atw_ofx.aus import load_curves
        from atw_ofx.facs import AU_NAMES
        curves = load_curves(sys.argv[1])
        print(json.dumps([[float(curves.at(f)[AU_NAMES.index(au)]) for au in ("AU06", "AU12")]
                          for f in (1001, 1002)]))
    """, path)
    assert read == [[2.0, 3.0], [4.0, 5.0]]  # AU12: 1 + 0.5 x 4, then 1 + 4 held to 5
    with pytest.raises(AdapterError, match="unknown AU control 'glee'"):
        write_curves(tmp_path / "bad.json", {1: {"glee": 1.0}})


def test_the_render_job_is_an_argument_list_and_the_host_python_stays_out(monkeypatch):
    job = RenderJob("/shots/my shot/src.####.exr", "/out/it's here/atw.####.exr", "/c/a u.json",
                    1001, 1010, face_box=(10, 20, 300), aovs=("motion", "matte"),
                    command=["/venv/bin/python", "-m", "atw_ofx.cli"])
    assert job.argv() == [
        "/venv/bin/python", "-m", "atw_ofx.cli", "render", "/shots/my shot/src.####.exr", "-o",
        "/out/it's here/atw.####.exr", "--frames", "1001-1010", "--aus", "/c/a u.json",
        "--model", "rig", "--reswarp", "vanilla", "--formulation", "delta",
        "--filter", "lanczos", "--au-mode", "relative", "--glasses", "auto",
        "--face-box", "10,20,300",
        "--aov", "motion,matte"]
    argv = RenderJob("s", "o", "c", 1, 2, filter="cubic", face_index=2, glasses="off",
                     colorspace="ACES - ACEScg").argv()
    assert argv[argv.index("--filter") + 1] == "cubic"
    assert argv[argv.index("--glasses") + 1] == "off"
    assert argv[argv.index("--face-index") + 1] == "2"
    assert argv[argv.index("--colorspace") + 1] == "ACES - ACEScg"
    farm = job.farm_argv("deadline", "/jobs", name="shot_v001", chunk=5)
    assert farm[3:farm.index("--")] == [
        "farm", "emit", "--backend", "deadline", "--frames", "1001-1010", "--chunk", "5",
        "--name", "shot_v001", "--out-dir", "/jobs", "--atw-command",
        "/venv/bin/python -m atw_ofx.cli"]
    assert farm[farm.index("--") + 1:] == [job.source, "-o", job.output, *job.options()]
    monkeypatch.setenv("PYTHONHOME", "/nuke/python")
    monkeypatch.setenv("PYTHONPATH", "/nuke/plugins")
    env = core_environment({"OCIO": "/show/config.ocio"})
    assert "PYTHONHOME" not in env and "PYTHONPATH" not in env
    assert env["OCIO"] == "/show/config.ocio" and env["PYTHONUNBUFFERED"] == "1"


def test_a_failed_render_reports_the_cores_error_line(tmp_path, core_python):
    curves = write_curves(tmp_path / "aus.json", {1: {"AU12": 1.0}})
    job = RenderJob(str(tmp_path / "missing.####.exr"), str(tmp_path / "out.####.exr"), curves,
                    1, 2, command=[core_python, "-m", "atw_ofx.cli"])
    with pytest.raises(RenderFailed) as err:
        run(job)
    assert "atw render failed: atw: error:" in str(err.value)
    assert "missing" in str(err.value)


def test_progress_follows_frames_and_cancel_stops_the_core(tmp_path, face_frames, core_python):
    face_frames(str(tmp_path / "src" / "src.####.exr"), 1, 3)
    curves = write_curves(tmp_path / "aus.json", {f: {"AU12": 3.0} for f in (1, 2, 3)})
    job = RenderJob(str(tmp_path / "src" / "src.####.exr"), str(tmp_path / "out" / "o.####.exr"),
                    curves, 1, 3, command=[core_python, "-m", "atw_ofx.cli"])
    seen = []
    # (Cancelled once the first frame is reported; a core that wrote the second before the
    # host read the first — a loaded machine — is stopped after it, and says so.)
    with pytest.raises(RenderCancelled, match="after [12] of 3 frames"):
        run(job, progress=lambda done, total, frame: seen.append((done, total, frame)),
            cancelled=lambda: len(seen) >= 1)
    assert seen[0] == (1, 3, 1) and seen == [(i + 1, 3, i + 1) for i in range(len(seen))]
    assert len(seen) < 3
    assert sorted(os.listdir(tmp_path / "out"))[:1] == ["o.0001.exr"]
    assert json.loads((tmp_path / "aus.json").read_text())["atw_au_curves"] == 1


class FramesAdapter(Complete):
    """A minimal host: its "source" is real frames of a face, its result recorded."""

    name = "frames"

    def __init__(self, write_frames, python):
        self.write_frames, self.python = write_frames, python

    def bake_aus(self, first, last):
        return {f: {"AU12": 4.0 * (f - first) / max(1, last - first)}
                for f in range(first, last + 1)}

    def export_source(self, first, last, directory):
        pattern = os.path.join(directory, "source", "src.####.exr")
        self.write_frames(pattern, first, last)
        return pattern

    def render_settings(self, first, last, folder):
        return {"filter": "bilinear", "command": [self.python, "-m", "atw_ofx.cli"]}

    def import_result(self, pattern, first, last):
        self.imported = (pattern, first, last)


def test_the_pipeline_runs_one_host_render_through_the_registry(tmp_path, face_frames,
                                                                core_python):
    registry.register("frames", FramesAdapter)
    try:
        adapter = host_adapters.load("frames", face_frames, core_python)
    finally:
        registry.unregister("frames")
    seen = []
    frames = pipeline_render(adapter, str(tmp_path / "work"), first=7, last=8,
                             progress=lambda *p: seen.append(p))
    assert frames == 2 and seen[-1] == (2, 2, 8)
    result = str(tmp_path / "work" / "result" / "atw.####.exr")
    assert adapter.imported == (result, 7, 8)
    curves = json.loads((tmp_path / "work" / "aus.json").read_text())["curves"]
    assert curves["AU12"]["keys"] == [[7, 0.0], [8, 4.0]]
    params = core_json(core_python, """
        import json, sys
        import OpenImageIO as oiio
        print(oiio.ImageInput.open(sys.argv[1]).spec().getattribute("atw:params"))
    """, result.replace("####", "0008"))
    assert params["filter"] == "bilinear"  # the adapter's settings reached the core


def test_a_preview_worker_stays_warm_reports_failures_and_restarts(tmp_path, face_frames,
                                                                  core_python):
    face_frames(str(tmp_path / "src" / "src.####.exr"), 5, 5)
    curves = write_curves(tmp_path / "aus.json", {5: {"AU12": 3.0}})
    command = [core_python, "-m", "atw_ofx.cli"]
    worker = PreviewWorker(command)
    try:
        pids = []
        for name in ("a", "b"):
            job = RenderJob(str(tmp_path / "src" / "src.####.exr"),
                            str(tmp_path / name / "o.####.exr"), curves, 5, 5, command=command)
            answer = worker.render(job)
            assert answer["status"] == 0 and (tmp_path / name / "o.0005.exr").exists()
            pids.append(worker._proc.pid)
        assert pids[0] == pids[1]  # one process served both
        pid = pids[0]
        bad = RenderJob(str(tmp_path / "none.####.exr"), str(tmp_path / "c" / "o.####.exr"),
                        curves, 5, 5, command=command)
        with pytest.raises(RenderFailed, match="atw render failed: atw: error: .*none"):
            worker.render(bad)
        worker._proc.kill()
        worker._proc.wait()
        assert worker.render(job)["status"] == 0  # a dead worker is started again
        assert worker._proc.pid != pid
    finally:
        worker.close()
    assert worker._proc is None
