"""``atw serve``: the warm worker hosts keep for previews — its pipe protocol, errors as answers,
and models kept between renders."""
import json
import os
import subprocess
import sys

import pytest

from atw_ofx import models
from atw_ofx.demo import demo_face_path
from atw_ofx.imageio import read_image


@pytest.fixture
def worker():
    proc = subprocess.Popen([sys.executable, "-m", "atw_ofx.cli", "serve"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield proc
    proc.stdin.close()
    proc.wait(timeout=60)


def ask(proc, request) -> dict:
    proc.stdin.write((request if isinstance(request, str) else json.dumps(request)) + "\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


def test_the_worker_renders_request_after_request_and_answers_errors(worker, tmp_path):
    still = str(demo_face_path())
    first = ask(worker, {"id": 1, "argv": ["render", still, "-o", str(tmp_path / "a.png"),
                                           "--au", "AU12=3", "-q"]})
    assert first["id"] == 1 and first["status"] == 0, first["output"]
    second = ask(worker, {"id": 2, "argv": ["render", still, "-o", str(tmp_path / "b.png"),
                                            "--au", "AU26=3", "-q"]})
    assert second["status"] == 0, second["output"]
    a, b = (read_image(tmp_path / n).pixels for n in ("a.png", "b.png"))
    assert a.shape == b.shape and (a != b).any()  # two different edits from one warm process

    missing = ask(worker, {"id": 3, "argv": ["render", str(tmp_path / "none.####.exr"), "-o",
                                             str(tmp_path / "o.####.exr"), "--au", "AU12=1",
                                             "--frames", "1-2"]})
    assert missing["status"] == 2
    assert any(line.startswith("atw: error:") and "none.####.exr" in line
               for line in missing["output"])
    # A warning is part of its request's answer, never loose on the protocol channel.
    plain = ask(worker, {"id": 4, "argv": ["render", still, "-o", str(tmp_path / "c.png"), "-q"]})
    assert plain["status"] == 0 and any("nothing to do" in line for line in plain["output"])
    assert ask(worker, {"id": 5, "argv": ["render", "--no-such-flag"]})["status"] == 2
    assert ask(worker, "not json")["output"][0].startswith("atw: error: not JSON")
    assert ask(worker, {"id": 6, "argv": "render"})["status"] == 2
    assert ask(worker, {"id": 7, "argv": ["info"]})["status"] == 0  # still serving


def test_a_warm_worker_keeps_the_models_it_loaded(monkeypatch):
    monkeypatch.setattr(models, "_kept", None)
    assert models.load_model("rig") is not models.load_model("rig")
    models.keep_models_loaded()
    assert models.load_model("rig") is models.load_model("rig")
    assert models.load_model("rig") is not models.load_model("rig", device="meta")
    with pytest.raises(Exception, match="unknown model"):
        models.load_model(os.path.join("no", "such", "bundle"))
