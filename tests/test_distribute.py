"""Scale-out on Ray: a local cluster started by the test renders the same bytes as one process."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import outputs, render_cmd

ray = pytest.importorskip("ray")
RAY_CLI = Path(sys.executable).with_name("ray")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_cluster():
    """A one-node Ray cluster (``ray start --head``), stopped afterwards."""
    port = free_port()
    # Ray's unix sockets need a short path.
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    started = subprocess.run([str(RAY_CLI), "start", "--head", f"--port={port}", "--num-cpus=2",
                              "--include-dashboard=false", "--disable-usage-stats",
                              f"--temp-dir={temp}"], capture_output=True, text=True, env=env)
    if started.returncode != 0:
        pytest.fail(f"ray start failed: {started.stderr[-2000:]}")
    yield f"127.0.0.1:{port}"
    subprocess.run([str(RAY_CLI), "stop", "--force"], capture_output=True, env=env)
    shutil.rmtree(temp, ignore_errors=True)


def test_ray_chunks_render_the_same_bytes_as_one_process(sequence, reference, ray_cluster,
                                                         tmp_path):
    ref_dir, _ = reference
    result = subprocess.run(render_cmd(sequence, tmp_path, "--ray", ray_cluster, "--chunk", "2"),
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "rendered 6 frame(s) on Ray" in result.stderr
    assert outputs(tmp_path) == outputs(ref_dir)


def test_ray_refuses_a_clip(ray_cluster, tmp_path):
    (tmp_path / "shot.mov").write_bytes(b"")  # there (a missing input is answered first)
    result = subprocess.run([sys.executable, "-m", "atw_ofx.cli", "render", "shot.mov",
                             "--au", "AU12=2", "-o", str(tmp_path / "o.####.exr"),
                             "--ray", ray_cluster], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2 and "--ray renders image sequences" in result.stderr
