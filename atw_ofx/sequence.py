"""Frame sequences: patterns (``plate.####.exr`` Nuke-style, one ``#`` per digit; ``plate.%04d.exr``;
``plate.@@@@.exr``) and frame specs (``1001-1100``, ``1001-1100x2``, ``1,5,9-12``), via fileseq.
"""
from __future__ import annotations

import math
import os
import re

import fileseq

from .errors import InputError

_PATTERN = re.compile(r"#+|@+|%0?\d*d")


def is_sequence(path: str) -> bool:
    """True when ``path`` holds a frame placeholder.

    >>> is_sequence("plate.####.exr"), is_sequence("plate.%04d.exr"), is_sequence("face.png")
    (True, True, False)
    """
    return bool(_PATTERN.search(str(path)))


def _sequence(pattern: str) -> fileseq.FileSequence:
    return fileseq.FileSequence(str(pattern), pad_style=fileseq.PAD_STYLE_HASH1)


def frame_path(pattern: str, frame: int) -> str:
    """The file name of ``frame`` in ``pattern``.

    >>> frame_path("out/atw.####.exr", 7), frame_path("out/atw.%06d.exr", 1001)
    ('out/atw.0007.exr', 'out/atw.001001.exr')
    """
    return _sequence(pattern).frame(frame)


def parse_frames(spec: str) -> list[int]:
    """``"1001-1010x2"`` → ``[1001, 1003, …]``; also lists like ``"1,5,9-12"``.

    >>> parse_frames("1,5,9-12")
    [1, 5, 9, 10, 11, 12]
    """
    try:
        return [int(f) for f in fileseq.FrameSet(spec)]
    except fileseq.ParseException:
        raise InputError(f"bad frame spec {spec!r} (e.g. 1001-1100, 1001-1100x2, 1,5,9-12)") from None
    except fileseq.MaxSizeException:
        limit = fileseq.constants.MAX_FRAME_SIZE
        raise InputError(f"frame spec {spec!r} asks for more than {limit} frames") from None


def frames_on_disk(pattern: str) -> list[int]:
    """The frames of ``pattern`` that exist, ascending; InputError if there are none."""
    try:
        found = fileseq.findSequenceOnDisk(str(pattern), pad_style=fileseq.PAD_STYLE_HASH1,
                                           strictPadding=True)
    except fileseq.FileSeqException:
        raise InputError("no frames found for this pattern", path=pattern) from None
    return sorted(int(f) for f in found.frameSet())


def whole_range(pattern: str) -> list[int]:
    """What a sequence asks for when no frames are given: its first to its last frame on disk,
    in the step its frames keep (a sequence rendered on twos is whole) — so a hole in it is
    reported by :func:`check_frames_exist` before any work, not delivered short (frames 1, 2,
    3, 6 on disk ask for 1–6; 1, 3, 7 ask for 1, 3, 5, 7)."""
    on_disk = frames_on_disk(pattern)
    step = math.gcd(*(b - a for a, b in zip(on_disk, on_disk[1:]))) or 1
    return list(range(on_disk[0], on_disk[-1] + 1, step))


def check_frames_exist(pattern: str, frames: list[int]) -> None:
    """Report every missing frame before any work starts."""
    missing = [f for f in frames if not os.path.exists(frame_path(pattern, f))]
    if missing:
        spec = str(fileseq.FrameSet(missing))
        raise InputError(f"missing input frames {spec} ({len(missing)} of {len(frames)})",
                         path=pattern, frame=missing[0])
