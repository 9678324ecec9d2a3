"""What the host tests share: the plugin folders on ``sys.path`` as the hosts put them, the
core's Python, real EXR frames of a face, and questions asked of the core about its files.

Standard library and pytest only, so these tests run under the Pythons Nuke and Resolve embed
(``.ci/host-pythons`` runs them under each one installed). The core runs as it does for a host:
a subprocess of ``ATW_PYTHON`` (default: this Python, when ATW is installed in it). Test modules
import the fixtures they use from here (``core_python_fixture`` provides ``core_python``).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# As nuke/init.py and the Resolve entry script do: the checkout, then the plugin folders.
for _folder in (ROOT, ROOT / "nuke", ROOT / "resolve"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))


def frame_file(pattern: str, frame: int) -> str:
    """``pattern`` (``####`` or ``%04d``) at ``frame``."""
    if "%" in pattern:
        return pattern % frame
    return re.sub(r"#+", lambda m: f"{frame:0{len(m.group())}d}", pattern)


@pytest.fixture(scope="session", name="core_python")
def core_python_fixture() -> str:
    """The Python ATW is installed in (``$ATW_PYTHON``, else this one); skips when it has no
    ATW, naming what to set."""
    python = os.environ.get("ATW_PYTHON") or sys.executable
    probe = subprocess.run([python, "-c", "import atw_ofx.render"], capture_output=True,
                           text=True)
    if probe.returncode != 0:
        pytest.skip(f"no ATW core in {python}: set ATW_PYTHON to the Python ATW is installed in")
    return python


def core_json(python: str, code: str, *args: str):
    """Run ``code`` in the core's Python (``args`` as ``sys.argv[1:]``); its JSON answer."""
    proc = subprocess.run([python, "-c", textwrap.dedent(code), *args], capture_output=True,
                          text=True, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def exr_facts(python: str, *paths) -> list:
    """Per EXR: its ATW render parameters (or None) and the largest RGB difference from the
    first file — read by the core's OpenImageIO, which the host Pythons lack."""
    return core_json(python, """
        import json, sys
        import numpy as np
        import OpenImageIO as oiio
        facts, first = [], None
        for path in sys.argv[1:]:
            image = oiio.ImageInput.open(path)
            params = image.spec().getattribute("atw:params")
            rgb = image.read_image("float")[..., :3]
            first = rgb if first is None else first
            facts.append({"params": json.loads(params) if params else None,
                          "max_difference": float(np.abs(rgb - first).max())})
        print(json.dumps(facts))
    """, *map(str, paths))


@pytest.fixture(scope="session", name="face_frames")
def face_frames_fixture(core_python, tmp_path_factory):
    """``write(pattern, first, last)``: real scene-linear EXR frames (256 px wide) of the shipped
    demo portrait — what a host's Write or Saver renders from its input."""
    still = tmp_path_factory.mktemp("face") / "face.exr"
    core_json(core_python, """
        import json, sys
        import cv2
        from atw_ofx import colour
        from atw_ofx.demo import demo_face_path
        from atw_ofx.imageio import ImagePlate, read_image, write_image
        src = read_image(demo_face_path())
        linear = colour.convert(src.rgb(), src.colourspace, colour.DEFAULT_PLATE_SPACE)
        height, width = linear.shape[:2]
        small = cv2.resize(linear, (256, round(256 * height / width)),
                           interpolation=cv2.INTER_AREA)
        write_image(sys.argv[1], ImagePlate.from_array(small, ("R", "G", "B")))
        print(json.dumps(True))
    """, str(still))

    def write(pattern: str, first: int, last: int) -> None:
        for frame in range(first, last + 1):
            target = Path(frame_file(pattern, frame))
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(still, target)
    return write


def run_atw(python: str, *args: str) -> subprocess.CompletedProcess:
    """The real ``atw`` command line, in the core's Python."""
    return subprocess.run([python, "-m", "atw_ofx.cli", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=600)
