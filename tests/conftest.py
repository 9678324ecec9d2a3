"""Shared fixtures: the real-face data beside the checkout, small synthetic plates, the CLI."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import json

import cv2
import numpy as np
import pytest

from atw_ofx import colour
from atw_ofx.imageio import ImagePlate, read_image, write_image

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real faces and clips); tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real-face data not found at {SHARED_DATA}")
    return SHARED_DATA


def clip_frame(shared_data: Path, name: str, index: int) -> ImagePlate:
    """Frame ``index`` (from 0) of the shared clip ``name``, as a plate (display-referred)."""
    import av

    from atw_ofx.imageio import decoded

    with av.open(str(shared_data / "video" / name)) as clip:
        rgb = next(f.to_ndarray(format="rgb24") for i, f in enumerate(clip.decode(video=0))
                   if i == index)
    return decoded(rgb, colour.DEFAULT_DISPLAY_FILE_SPACE)


def clip_frames(shared_data: Path, name: str, numbers) -> list[tuple[int, ImagePlate]]:
    """``(number, plate)`` of the shared clip ``name``'s frames ``numbers`` (from 1), read in
    one pass."""
    import itertools

    from atw_ofx.imageio import decoded
    from atw_ofx.video import read_codes

    path = shared_data / "video" / name
    frames = itertools.islice(read_codes(path), max(numbers))
    return [(n, decoded(codes, colour.DEFAULT_DISPLAY_FILE_SPACE, str(path)))
            for n, codes in enumerate(frames, 1) if n in numbers]


@pytest.fixture(scope="session")
def portrait_path(tmp_path_factory) -> Path:
    """A 1024 px sRGB PNG of a real face, made from the shipped demo portrait (its top square:
    the head), so the tests that need one run on a bare checkout."""
    from atw_ofx.demo import demo_face_path

    bgr = cv2.imread(str(demo_face_path()))
    side = min(bgr.shape[:2])
    path = tmp_path_factory.mktemp("portrait") / "portrait.png"
    cv2.imwrite(str(path), cv2.resize(bgr[:side, :side], (1024, 1024),
                                      interpolation=cv2.INTER_AREA))
    return path


#: ``(top, left, side)`` of a square around the shipped portrait's face (found at x 645–891,
#: y 360–606 of its 1434×2333).
PORTRAIT_FACE_SQUARE = (213, 498, 540)
#: Frames in :func:`portrait_clip`.
CLIP_FRAMES = 12


@pytest.fixture(scope="session")
def portrait_clip(tmp_path_factory) -> Path:
    """A 640×360 H.264 clip of :data:`CLIP_FRAMES` frames of a real face (the shipped demo
    portrait's head, its face ~150 px across, drifting two pixels a frame), for the tests that
    read a video."""
    import av

    from atw_ofx.demo import demo_face_path

    top, left, side = PORTRAIT_FACE_SQUARE
    bgr = cv2.imread(str(demo_face_path()))
    head = cv2.resize(bgr[top:top + side, left:left + side], (320, 320),
                      interpolation=cv2.INTER_AREA)
    path = tmp_path_factory.mktemp("clip") / "portrait.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        for k in range(CLIP_FRAMES):
            frame = np.full((360, 640, 3), 40, np.uint8)
            frame[20:340, 150 + 2 * k:470 + 2 * k] = head
            video = av.VideoFrame.from_ndarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB),
                                               format="rgb24")
            container.mux(stream.encode(video))
        container.mux(stream.encode())
    return path


@pytest.fixture(scope="session")
def demo_mesh():
    """The shipped demo portrait and its 478-point mesh on the rig's 128 px crop grid."""
    from atw_ofx.demo import demo_face_path
    from atw_ofx.face import CropBox
    from atw_ofx.face.detect import detect_face

    plate = read_image(demo_face_path())
    face = detect_face(plate.rgb(), plate.colourspace, backend_name="mesh")
    return plate, CropBox.from_landmarks(face.landmarks).to_crop(face.landmarks, 128)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(2020)


def run_atw(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real ``atw`` command line in a subprocess (same interpreter)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "atw_ofx.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=600)


# A small real sequence, rendered once: the batch and farm tests compare against it.
FRAMES = range(1001, 1007)


@pytest.fixture(scope="session")
def sequence(tmp_path_factory):
    """Six 512 px scene-linear EXR frames of a real face (the shipped demo portrait's head and
    shoulders, so these tests need nothing beside the checkout), drifting one pixel a frame."""
    from atw_ofx.demo import demo_face_path

    folder = tmp_path_factory.mktemp("seq")
    src = read_image(demo_face_path())
    linear = colour.convert(src.rgb(), src.colourspace, colour.DEFAULT_PLATE_SPACE)
    side = min(linear.shape[:2])  # the top square of the portrait: the face
    small = cv2.resize(linear[:side, :side], (512, 512), interpolation=cv2.INTER_AREA)
    for k, frame in enumerate(FRAMES):
        shifted = np.roll(small, k, axis=1)
        write_image(folder / f"plate.{frame}.exr", ImagePlate.from_array(shifted, ("R", "G", "B")))
    curves = folder / "aus.json"
    curves.write_text(json.dumps({"curves": {"AU12": [[1001, 0], [1006, 4]],
                                             "AU26": [[1001, 0], [1006, 2]]}}))
    return folder


def render_cmd(sequence, out_dir, *extra):
    return [sys.executable, "-m", "atw_ofx.cli", "render", str(sequence / "plate.####.exr"),
            "--aus", str(sequence / "aus.json"), "-o", str(out_dir / "atw.####.exr"), *extra]


def outputs(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="session")
def reference(sequence, tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    result = subprocess.run(render_cmd(sequence, out), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return out, result
