"""The AVX-512 delta-formulation rows (``kernels/avx512.c``), called through ctypes in bands.

The library is built at install time as the extension ``kernels._avx512`` (``setup.py``, an
optional build: without a C compiler the install goes on). It is used only where it loaded and
the CPU has AVX-512; :data:`UNAVAILABLE` says why not otherwise, and ``kernels.cpu`` then runs
its Numba kernel, which computes the same bits.

ctypes releases the GIL for each call, so bands of rows on a thread pool run in parallel.
"""
from __future__ import annotations

import ctypes
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: Bands per thread: the face (where the field bends rows, and groups multiply) fills only some
#: rows, so a few bands per thread keep the threads evenly busy.
BANDS_PER_THREAD = 4

#: The kernel keeps flat plane indices in int32 lanes.
MAX_PLANE_PIXELS = 2**31 - 1


def _load():
    """``(atw_delta_rows, None)``, or ``(None, why not)``."""
    try:
        from kernels import _avx512
    except ImportError:
        return None, "not built (no C compiler at install time)"
    library = ctypes.CDLL(_avx512.__file__)
    if not library.atw_avx512_supported():
        return None, "this CPU has no AVX-512"
    rows = library.atw_delta_rows
    pointer, i64, f32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_float
    rows.argtypes = [pointer, i64, i64, i64,  # plate, planes, h, w
                     pointer, i64, pointer, pointer, pointer, f32, f32,  # field, its row taps
                     pointer, i64, pointer, pointer, pointer,  # refinement change, its row taps
                     pointer, i64, i64]  # out, first and stop row
    rows.restype = None
    return rows, None


_rows, UNAVAILABLE = _load()
_pools: dict[int, ThreadPoolExecutor] = {}


def delta_rows(plate: np.ndarray, flow_h: np.ndarray, field_taps, sx: float, sy: float,
               delta_h: np.ndarray | None, delta_taps, out: np.ndarray, threads: int) -> None:
    """``out = Warp(plate, Up(flow)) + Up(delta)``: ``kernels.cpu._delta_kernel``'s contract.

    Args:
        plate: ``C×H×W`` float32, C-contiguous; ``H·W`` ≤ :data:`MAX_PLANE_PIXELS`.
        flow_h: ``2×h×W`` float32, the field's rows up-sampled along x (``_widen``), in pixels
            of its grid; ``sx``, ``sy`` scale them to plate pixels.
        field_taps, delta_taps: ``(row0, row1, weight1)`` per output row (:func:`up_taps`).
        delta_h: ``C×h'×W`` float32 x-widened refinement change, or None.
        out: ``C×H×W`` float32, C-contiguous, written whole.
        threads: threads to run the bands on.
    """
    if _rows is None:
        raise RuntimeError(f"the AVX-512 kernel is unavailable: {UNAVAILABLE}")
    for array in (plate, flow_h, out) + (() if delta_h is None else (delta_h,)):
        if array.dtype != np.float32 or not array.flags.c_contiguous:
            raise ValueError("the AVX-512 kernel takes C-contiguous float32 arrays")
    c, h, w = plate.shape
    if h * w > MAX_PLANE_PIXELS:
        raise ValueError(f"a {w}x{h} plane is beyond the AVX-512 kernel's int32 indices")
    fy0, fy1, fwy = (np.ascontiguousarray(t) for t in field_taps)
    if delta_h is None:
        delta_args = (None, 0, None, None, None)
    else:
        dy0, dy1, dwy = (np.ascontiguousarray(t) for t in delta_taps)
        delta_args = (delta_h.ctypes.data, delta_h.shape[1], dy0.ctypes.data, dy1.ctypes.data,
                      dwy.ctypes.data)
    bands = min(h, threads * BANDS_PER_THREAD)

    def band(k: int) -> None:
        _rows(plate.ctypes.data, c, h, w, flow_h.ctypes.data, flow_h.shape[1], fy0.ctypes.data,
              fy1.ctypes.data, fwy.ctypes.data, sx, sy, *delta_args, out.ctypes.data,
              k * h // bands, (k + 1) * h // bands)

    if threads <= 1:
        for k in range(bands):
            band(k)
        return
    pool = _pools.get(threads) or _pools.setdefault(threads, ThreadPoolExecutor(threads))
    for done in [pool.submit(band, k) for k in range(bands)]:
        done.result()  # re-raises a band's exception
