"""Paste-back on the CPU: the animated crop blended into the plate, or into a copy of it.

Composed from numpy, a paste copies the whole plate, then gathers the crop's region and channels
(a copy), blends it through ``np.where`` (two temporaries) and scatters it back — at 4K more time
than the ResWarp it follows. Here the plate is copied once into an output on huge pages
(:func:`kernels.buffers.empty`; one thread: first-touch page faults from two threads contend and
cost more than they save) — or not at all, when the caller gives the plate up (a batch's loaded
frame) — then the crop's pixels are blended in place, rows in parallel.

The arithmetic is the reference's, in float32 without contraction, so the result is the same
bit for bit: ``a + m·(b − a)`` where ``0 < m < 1``, ``b`` where ``m ≥ 1``, ``a`` where ``m ≤ 0``.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from .buffers import empty


@njit(parallel=True, cache=True)
def _blend(out, result, matte, y0, x0, cy0, cx0, rows, cols, channels):
    for k in prange(rows):
        # Row views: the loops then index from 0 with unsigned-safe range variables.
        dst = out[y0 + k, x0:x0 + cols]
        new = result[cy0 + k, cx0:cx0 + cols]
        weight = matte[cy0 + k, cx0:cx0 + cols]
        for c in range(channels.shape[0]):
            ch = channels[c]
            for i in range(cols):
                m = weight[i]
                a, b = dst[i, ch], new[i, c]
                dst[i, ch] = a if m <= 0 else (b if m >= 1 else a + m * (b - a))


def blend(plate: np.ndarray, result: np.ndarray, matte: np.ndarray,
          plate_origin: tuple[int, int], crop_origin: tuple[int, int], extent: tuple[int, int],
          channels: list[int], *, in_place: bool = False) -> np.ndarray:
    """``plate`` with ``result`` blended in through ``matte``: a copy, or ``plate`` itself
    (written over) when ``in_place``.

    Args:
        plate: ``H×W×C`` float32.
        result: ``S×S×len(channels)`` float32 (any strides), the crop's new values.
        matte: ``S×S`` float32 in [0, 1].
        plate_origin, crop_origin: ``(row, col)`` of the blended region's corner on the plate
            and in the crop; extent: its ``(rows, cols)``.
        channels: the plate channels ``result``'s channels go to.

    Returns:
        ``H×W×C`` float32: a new array, or ``plate`` when ``in_place``.
    """
    if in_place:
        out = plate
    else:
        out = empty(plate.shape)
        np.copyto(out, plate)
    _blend(out, result, matte.astype(np.float32, copy=False), *plate_origin, *crop_origin,
           *extent, np.asarray(channels, np.int64))
    return out
