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
    """True when ``path``'s file name holds a frame placeholder (a folder may hold any
    character: ``take#2/face.exr`` is a still).

    >>> is_sequence("plate.####.exr"), is_sequence("plate.%04d.exr"), is_sequence("face.png")
    (True, True, False)
    >>> is_sequence("take#2/face.exr")
    False
    """
    return bool(_PATTERN.search(os.path.basename(str(path))))


def frame_path(pattern: str, frame: int) -> str:
    """The file name of ``frame`` in ``pattern`` (only the file name's placeholder expands; the
    folder is kept as written).

    >>> frame_path("out/atw.####.exr", 7), frame_path("out/atw.%06d.exr", 1001)
    ('out/atw.0007.exr', 'out/atw.001001.exr')
    >>> frame_path("ver<1>/take#2/atw.####.exr", 7)
    'ver<1>/take#2/atw.0007.exr'
    """
    folder, name = os.path.split(str(pattern))
    file = fileseq.FileSequence(name, pad_style=fileseq.PAD_STYLE_HASH1).frame(frame)
    return os.path.join(folder, file) if folder else file


def frame_spec(frames) -> str:
    """Frame numbers as the spec a compositor reads and ``--frames`` takes (the one formatter
    every message uses).

    >>> frame_spec([1003, 1001, 1002, 1005])
    '1001-1003,1005'
    """
    return str(fileseq.FrameSet(sorted(frames)))


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
    """The frames of ``pattern`` that exist, ascending; InputError if there are none. A padded
    placeholder (``####``, ``@@@@``, ``%04d``) matches numbers written to its width (or wider,
    past it); an unpadded one (``#``, ``%d``) any number."""
    folder, name = os.path.split(str(pattern))
    match = _PATTERN.search(name)
    token = match.group()
    width = (int(token[1:-1] or 0) if token.startswith("%") else len(token))
    number = r"-?\d+" if width <= 1 else rf"-?\d{{{width},}}"
    exact = re.compile(re.escape(name[:match.start()]) + f"({number})"
                       + re.escape(name[match.end():]))
    try:
        names = os.listdir(folder or ".")
    except OSError:
        names = []
    frames = sorted(int(m.group(1)) for n in names if (m := exact.fullmatch(n))
                    and (width <= 1 or len(m.group(1).lstrip("-")) == width
                         or not m.group(1).lstrip("-").startswith("0")))
    if not frames:
        raise InputError("no frames found for this pattern", path=pattern)
    return frames


def whole_range(on_disk: list[int]) -> list[int]:
    """What a sequence asks for when no frames are given, from its frames on disk
    (:func:`frames_on_disk`): its first to its last, in the step its frames keep (a sequence
    rendered on twos is whole) — so a hole in it is reported by :func:`check_frames_exist`
    before any work, not delivered short.

    >>> whole_range([1, 2, 3, 6]), whole_range([1, 3, 7])
    ([1, 2, 3, 4, 5, 6], [1, 3, 5, 7])
    """
    step = math.gcd(*(b - a for a, b in zip(on_disk, on_disk[1:]))) or 1
    return list(range(on_disk[0], on_disk[-1] + 1, step))


def check_frames_exist(pattern: str, frames: list[int]) -> None:
    """Report every missing frame before any work starts."""
    missing = [f for f in frames if not os.path.exists(frame_path(pattern, f))]
    if missing:
        raise InputError(f"missing input frames {frame_spec(missing)} "
                         f"({len(missing)} of {len(frames)})",
                         path=pattern, frame=missing[0])


def check_input(path: str, frames: list[int] | None) -> None:
    """The input a render will read is there: a sequence's frames (all of its range when
    ``frames`` is None), or the file itself — checked before the heavy modules load, so a
    mistyped path answers at once."""
    if is_sequence(path):
        check_frames_exist(path, frames if frames is not None else whole_range(
            frames_on_disk(path)))
    elif not os.path.exists(path):
        raise InputError("file not found", path=path)
