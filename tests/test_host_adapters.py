"""The host contract, its registry, the curves and render job hosts share; import boundaries."""
import json
import os
import subprocess
import sys
import textwrap
from importlib import metadata

import pytest

import host_adapters
from host_adapters import AdapterError, UnsupportedHostCall, registry, validate
from host_adapters.curves import write_curves
from host_adapters.render_job import (RenderCancelled, RenderFailed, RenderJob, core_environment,
                                      run)

from conftest import ROOT

HOST_MODULES = ("nuke", "DaVinciResolveScript", "BlackmagicFusion", "host_adapters",
                "atw_nuke", "atw_resolve")


def test_the_core_never_imports_a_host_module():
    code = textwrap.dedent(f"""
        import importlib, pkgutil, sys
        import atw_ofx
        for info in pkgutil.walk_packages(atw_ofx.__path__, "atw_ofx."):
            importlib.import_module(info.name)
        imported = sorted(m for m in {HOST_MODULES!r} if m in sys.modules)
        print(imported)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_host_side_imports_without_torch_or_numpy():
    """Nuke's and Resolve's Pythons have neither; the plugins must load anyway."""
    code = textwrap.dedent("""
        import sys
        sys.modules["torch"] = None; sys.modules["numpy"] = None  # any import of them fails
        sys.path[:0] = ["nuke", "resolve"]
        import host_adapters.curves, host_adapters.render_job
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


def test_the_registry_loads_registered_and_builtin_adapters(fake_plugin, host_plugins):
    assert {"nuke", "resolve", "fakehost"} <= set(host_adapters.available())
    adapter = host_adapters.load("fakehost", "node-object")
    assert adapter.args == ("node-object",)
    from host_fakes import FakeComp

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
    entry = metadata.EntryPoint("studio", "studio_host:StudioAdapter",
                                host_adapters.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "_entry_points", lambda: {"studio": entry})
    assert "studio" in host_adapters.available()
    assert host_adapters.load("studio").capabilities == {"farm"}
    broken = metadata.EntryPoint("broken", "no_such_module:X", host_adapters.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "_entry_points", lambda: {"broken": broken})
    with pytest.raises(AdapterError, match="cannot be imported"):
        host_adapters.load("broken")


def test_an_unsupported_call_is_a_named_error(host_plugins):
    from atw_resolve.adapter import ResolveAdapter
    from host_fakes import FakeComp

    with pytest.raises(UnsupportedHostCall) as err:
        ResolveAdapter(FakeComp()).import_to_media_pool("x.####.exr", 1, 2)
    assert err.value.call == "Media Pool import without a project"
    assert str(err.value) == "the resolve adapter does not support Media Pool import without a project"


def test_baked_samples_read_back_through_the_core(tmp_path):
    from atw_ofx.aus import load_curves
    from atw_ofx.conventions import AU_NAMES

    samples = {1001: {"AU12": 0.0, "AU26": 1.0}, 1002: {"AU12": 2.5, "AU26": 7.0},
               1004: {"AU12": -1.0, "AU26": 0.5}}
    curves = load_curves(write_curves(tmp_path / "aus.json", samples))
    i12, i26 = AU_NAMES.index("AU12"), AU_NAMES.index("AU26")
    assert curves.at(1002)[i12] == 2.5
    assert curves.at(1002)[i26] == 5.0  # clamped to the AU range
    assert curves.at(1004)[i12] == 0.0
    assert curves.at(1003)[i12] == pytest.approx(1.25)  # linear between the baked frames
    with pytest.raises(AdapterError, match="unknown AU control 'AU99'"):
        write_curves(tmp_path / "bad.json", {1: {"AU99": 1.0}})


def test_the_render_job_is_an_argument_list_and_the_host_python_stays_out(monkeypatch):
    job = RenderJob("/shots/my shot/src.####.exr", "/out/it's here/atw.####.exr", "/c/a u.json",
                    1001, 1010, face_box=(10, 20, 300), aovs=("motion", "matte"),
                    command=["/venv/bin/python", "-m", "atw_ofx.cli"])
    assert job.argv() == [
        "/venv/bin/python", "-m", "atw_ofx.cli", "render", "/shots/my shot/src.####.exr", "-o",
        "/out/it's here/atw.####.exr", "--aus", "/c/a u.json", "--frames", "1001-1010",
        "--model", "rig", "--reswarp", "vanilla", "--formulation", "delta",
        "--filter", "lanczos", "--au-mode", "relative", "--face-box", "10,20,300",
        "--aov", "motion,matte"]
    argv = RenderJob("s", "o", "c", 1, 2, filter="cubic").argv()
    assert argv[argv.index("--filter") + 1] == "cubic"
    monkeypatch.setenv("PYTHONHOME", "/nuke/python")
    monkeypatch.setenv("PYTHONPATH", "/nuke/plugins")
    env = core_environment({"OCIO": "/show/config.ocio"})
    assert "PYTHONHOME" not in env and "PYTHONPATH" not in env
    assert env["OCIO"] == "/show/config.ocio" and env["PYTHONUNBUFFERED"] == "1"


def test_a_failed_render_reports_the_cores_error_line(tmp_path):
    curves = write_curves(tmp_path / "aus.json", {1: {"AU12": 1.0}})
    job = RenderJob(str(tmp_path / "missing.####.exr"), str(tmp_path / "out.####.exr"), curves,
                    1, 2, command=[sys.executable, "-m", "atw_ofx.cli"])
    with pytest.raises(RenderFailed) as err:
        run(job)
    assert "atw render failed: atw: error:" in str(err.value)
    assert "missing" in str(err.value)


def test_progress_follows_frames_and_cancel_stops_the_core(tmp_path, face_frames):
    face_frames(str(tmp_path / "src" / "src.####.exr"), 1, 3)
    curves = write_curves(tmp_path / "aus.json", {f: {"AU12": 3.0} for f in (1, 2, 3)})
    job = RenderJob(str(tmp_path / "src" / "src.####.exr"), str(tmp_path / "out" / "o.####.exr"),
                    curves, 1, 3, command=[sys.executable, "-m", "atw_ofx.cli"])
    seen = []
    with pytest.raises(RenderCancelled, match="after 1 of 3 frames"):
        run(job, progress=lambda done, total, frame: seen.append((done, total, frame)),
            cancelled=lambda: len(seen) >= 1)
    assert seen == [(1, 3, 1)]
    assert sorted(os.listdir(tmp_path / "out"))[:1] == ["o.0001.exr"]
    assert json.loads((tmp_path / "aus.json").read_text())["atw_au_curves"] == 1
