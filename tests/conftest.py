"""Shared fixtures: the real-face data beside the checkout, small synthetic plates, the CLI."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real faces and clips); tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real-face data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def ffhq_plate_path(shared_data) -> Path:
    path = shared_data / "plates" / "ffhq_atw" / "0.png"
    if not path.exists():
        pytest.skip(f"{path} missing")
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(2020)


def run_atw(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real ``atw`` command line in a subprocess (same interpreter)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "atw_ofx.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=600)
