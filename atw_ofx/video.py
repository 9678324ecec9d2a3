"""Video through PyAV: clips as plate sources, H.264 / ProRes previews. EXR stays the master.

Frames are display-referred sRGB (colour space :data:`~atw_ofx.colour.DEFAULT_DISPLAY_FILE_SPACE`):
decoded as ``H×W×3`` uint8 code values (:func:`atw_ofx.imageio.decoded` makes plates of them),
encoded from float 0..1 or uint8.
"""
from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from .errors import InputError
from .atomic import discard, remove_stale_temporaries, temporary_name

VIDEO_EXTENSIONS = {".mp4", ".mov", ".m4v", ".mkv", ".avi"}


def is_video(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def read_codes(path: str | os.PathLike) -> Iterator[np.ndarray]:
    """Decode every frame of a clip as ``H×W×3`` uint8 sRGB code values, in order."""
    import av  # PyAV (FFmpeg) loads only where a clip is read or written

    path = str(path)
    if not os.path.exists(path):
        raise InputError("file not found", path=path)
    try:
        with av.open(path) as container:
            for frame in container.decode(video=0):
                yield frame.to_ndarray(format="rgb24")
    except av.FFmpegError as exc:
        raise InputError(f"cannot decode video: {exc}", path=path) from None


def frame_rate(path: str | os.PathLike) -> Fraction:
    import av

    with av.open(str(path)) as container:
        return Fraction(container.streams.video[0].average_rate or 24)


def write_preview(path: str | os.PathLike, frames: Iterable[np.ndarray], *, fps: float = 24,
                  codec: str = "h264") -> None:
    """Encode ``H×W×3`` sRGB frames (float 0..1 or uint8) to a clip, atomically.

    ``codec``: ``"h264"`` (yuv420p, sizes rounded down to even) or ``"prores"`` (ProRes 422 HQ).
    """
    import av

    path = Path(path)
    remove_stale_temporaries(path)
    tmp = temporary_name(path)
    name, pix_fmt = {"h264": ("libx264", "yuv420p"), "prores": ("prores_ks", "yuv422p10le")}[codec]
    try:
        with av.open(str(tmp), mode="w") as container:
            stream = None
            for rgb in frames:
                if rgb.dtype != np.uint8:
                    rgb = (np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
                if stream is None:
                    stream = container.add_stream(name, rate=Fraction(fps).limit_denominator(1001))
                    stream.width, stream.height = rgb.shape[1] // 2 * 2, rgb.shape[0] // 2 * 2
                    stream.pix_fmt = pix_fmt
                    if codec == "h264":
                        stream.options = {"crf": "18", "preset": "medium"}
                rgb = np.ascontiguousarray(rgb[: stream.height, : stream.width])
                for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                    container.mux(packet)
            if stream is not None:
                for packet in stream.encode():
                    container.mux(packet)
    except BaseException:
        discard(tmp)
        raise
    os.replace(tmp, path)
