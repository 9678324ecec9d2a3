"""The package a studio installs: this checkout built as a wheel and installed — not editable — into
a fresh environment, where every command answers ``--help`` and a render runs."""
import argparse
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from atw_ofx.cli import build_parser

ROOT = Path(__file__).parents[1]
SOURCES = ("pyproject.toml", "setup.py", "README.md", "atw_ofx", "kernels", "host_adapters")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh environment holding the wheel; its dependencies are this environment's, put on
    its path as a plain folder (so this checkout's editable install is not seen there)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a copy: building writes build/ and egg-info beside the sources
    source.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.so", "*.egg-info"))
        else:
            shutil.copy(path, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", str(source), "-w", str(work / "dist")], check=True)
    wheel = next((work / "dist").glob("atw_ofx-*.whl"))
    env = work / "env"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True)
    Path(site.stdout.strip(), "dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    return env


def _commands(parser: argparse.ArgumentParser, prefix=()):
    """Every command path of the CLI: ``("render",)``, ``("aus", "extract")``, …"""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*prefix, name))
                if not any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
                    yield (*prefix, name)


def _run(env: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(env / "bin" / "atw"), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_the_wheel_holds_every_package_and_its_data(installed, tmp_path):
    probe = subprocess.run(
        [str(installed / "bin" / "python"), "-c",
         "import atw_ofx, atw_ofx.train.loop, kernels, host_adapters, importlib.resources as r;"
         "print(atw_ofx.__file__);"
         "print((r.files('atw_ofx') / 'data' / 'au_estimator.json').is_file())"],
        capture_output=True, text=True, cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    where, data = probe.stdout.split()
    assert Path(where).is_relative_to(installed) and data == "True"


def test_every_command_answers_help_from_the_wheel(installed, tmp_path):
    commands = list(_commands(build_parser()))
    assert ("train",) in commands and ("aus", "calibrate") in commands
    for command in commands:
        proc = _run(installed, *command, "--help", cwd=tmp_path)
        assert proc.returncode == 0 and "usage:" in proc.stdout, (command, proc.stderr)


def test_a_render_runs_from_the_wheel(installed, tmp_path):
    face = ROOT / "atw_ofx" / "data" / "demo_face.jpg"
    proc = _run(installed, "render", str(face), "--au", "AU12=3", "-o", str(tmp_path / "out.exr"),
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.exr").stat().st_size > 0
