"""Full-resolution output buffers: on huge pages, aligned, and recycled once their user lets go.

A fresh 4K float32 RGB output is 100 MB the operating system hands over page by page, zeroed, on
first write: ~10 ms on 2 cores, as long as the whole ResWarp. Huge pages (2 MB) cut the number of
faults 512-fold but not the zeroing, so a buffer whose arrays and tensors have all been dropped
(the previous frame's output, once pasted) is handed out again instead — the same idea as
torch's caching allocators. A buffer is reused only when nothing but this module refers to it.
"""
from __future__ import annotations

import ctypes
import sys
import threading

import numpy as np

_HUGE_PAGE, _MADV_HUGEPAGE = 2 * 1024 * 1024, 14

#: Released buffers kept for reuse (the largest are dropped first beyond this).
KEEP = 2
#: Buffers from this size (bytes) on are on huge pages and recycled; smaller ones are cheap.
LARGE = 4 * _HUGE_PAGE
_lock = threading.Lock()
_buffers: list[np.ndarray] = []  # raw uint8 owners of every array handed out, newest last


def empty(shape: tuple[int, ...]) -> np.ndarray:
    """An uninitialised C-contiguous float32 array of ``shape``.

    Aligned to 64 bytes (the AVX-512 kernel's streaming stores need it). From :data:`LARGE`
    bytes on: aligned to a huge page and advised onto huge pages (Linux with THP; nothing
    elsewhere), and possibly a released buffer of at least its size and at most twice it.
    """
    nbytes = int(np.prod(shape)) * 4
    large = nbytes >= LARGE
    align = _HUGE_PAGE if large else 64
    raw = _reuse(nbytes + align) if large else None
    if raw is None:
        raw = np.empty(nbytes + align, np.uint8)
        if large:
            if _madvise is not None:
                _madvise(raw.ctypes.data + (-raw.ctypes.data % align),
                         nbytes // _HUGE_PAGE * _HUGE_PAGE, _MADV_HUGEPAGE)
            with _lock:
                _buffers.append(raw)
    start = -raw.ctypes.data % align
    return raw[start:start + nbytes].view(np.float32).reshape(shape)


def _reuse(size: int) -> np.ndarray | None:
    """A kept buffer nobody else refers to, of ``size`` to ``2·size`` bytes, or None; drops
    released buffers beyond :data:`KEEP`, largest first."""
    with _lock:
        # Unreferenced: only the list's reference and getrefcount's argument remain.
        free = [k for k in range(len(_buffers)) if sys.getrefcount(_buffers[k]) == 2]
        fits = [k for k in free if size <= _buffers[k].nbytes <= 2 * size]
        chosen = min(fits, key=lambda k: _buffers[k].nbytes) if fits else None
        kept = sorted((k for k in free if k != chosen), key=lambda k: _buffers[k].nbytes)
        raw = None if chosen is None else _buffers[chosen]
        for k in sorted(kept[KEEP:], reverse=True):
            del _buffers[k]
        return raw


def _libc_madvise():
    if not sys.platform.startswith("linux"):
        return None
    try:
        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    return madvise


_madvise = _libc_madvise()
