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

from kernels.buffers import empty

#: Bands per thread: the face (where the field bends rows, and groups multiply) fills only some
#: rows, so a few bands per thread keep the threads evenly busy.
BANDS_PER_THREAD = 4

#: The kernel keeps flat plane indices in int32 lanes.
MAX_PLANE_PIXELS = 2**31 - 1


def _load():
    """``(library, None)`` with its functions' signatures, or ``(None, why not)``."""
    try:
        from kernels import _avx512
    except ImportError:
        return None, "not built (no C compiler at install time)"
    library = ctypes.CDLL(_avx512.__file__)
    if not library.atw_avx512_supported():
        return None, "this CPU has no AVX-512"
    pointer, i64, f32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_float
    library.atw_delta_rows.argtypes = [
        pointer, i64, i64, i64,  # plate, planes, h, w
        pointer, i64, pointer, pointer, pointer, f32, f32,  # x-widened field, its row taps, scale
        pointer, i64, pointer, pointer, pointer,  # x-widened refinement change, its row taps
        pointer, i64, i64]  # out, first and stop row
    library.atw_widen_rows.argtypes = [pointer, i64, i64, i64, pointer, pointer, pointer, i64,
                                       pointer, i64, i64]
    for function in (library.atw_delta_rows, library.atw_widen_rows):
        function.restype = None
    return library, None


_library, UNAVAILABLE = _load()
_pools: dict[int, ThreadPoolExecutor] = {}

Taps = tuple[np.ndarray, np.ndarray, np.ndarray]


def warp_delta(plate: np.ndarray, flow_lo: np.ndarray, flow_taps: tuple[Taps, Taps],
               sx: float, sy: float, delta_lo: np.ndarray | None,
               delta_taps: tuple[Taps, Taps] | None, out: np.ndarray, threads: int) -> None:
    """``out = Warp(plate, Up(flow)) + Up(delta)``: ``kernels.cpu._delta_kernel``'s result.

    Args:
        plate: ``C×H×W`` float32, C-contiguous; ``H·W`` ≤ :data:`MAX_PLANE_PIXELS`.
        flow_lo: ``2×h×w`` float32 backward field in pixels of its grid; ``sx``, ``sy`` scale
            it to plate pixels.
        delta_lo: ``C×h'×w'`` float32 refinement change, or None.
        flow_taps, delta_taps: ``(x taps, y taps)`` of their ``Up`` to ``H×W``, each
            ``(i0, i1, w1)`` as :func:`kernels.cpu.up_taps` makes them.
        out: ``C×H×W`` float32, C-contiguous, written whole.
        threads: threads to run the bands on.
    """
    if _library is None:
        raise RuntimeError(f"the AVX-512 kernel is unavailable: {UNAVAILABLE}")
    arrays = (plate, flow_lo, out) + (() if delta_lo is None else (delta_lo,))
    if any(a.dtype != np.float32 or not a.flags.c_contiguous for a in arrays):
        raise ValueError("the AVX-512 kernel takes C-contiguous float32 arrays")
    c, h, w = plate.shape
    if h * w > MAX_PLANE_PIXELS:
        raise ValueError(f"a {w}x{h} plane is beyond the AVX-512 kernel's int32 indices")
    keep = []  # every array whose address a band holds, alive until the bands are done

    def address(array: np.ndarray) -> int:
        keep.append(np.ascontiguousarray(array))
        return keep[-1].ctypes.data

    # First the low-resolution grids up-sampled along x, then the rows: both in bands.
    flow_h = empty((2, flow_lo.shape[1], w))
    widen = [_widen_band(flow_lo, flow_taps[0], flow_h, address)]
    delta_args = (None, 0, None, None, None)
    if delta_lo is not None:
        delta_h = empty((c, delta_lo.shape[1], w))  # half the plate for multiscale
        widen.append(_widen_band(delta_lo, delta_taps[0], delta_h, address))
        delta_args = (address(delta_h), delta_lo.shape[1], *map(address, delta_taps[1]))
    _in_bands([(band, first, stop) for band, rows in widen
               for first, stop in _split(rows, threads)], threads)
    field_args = (address(flow_h), flow_lo.shape[1], *map(address, flow_taps[1]), sx, sy)
    plate_at, out_at = address(plate), address(out)

    def rows(first: int, stop: int) -> None:
        _library.atw_delta_rows(plate_at, c, h, w, *field_args, *delta_args, out_at, first, stop)

    _in_bands([(rows, first, stop)
               for first, stop in _split(h, min(h, threads * BANDS_PER_THREAD))], threads)


def _widen_band(lo: np.ndarray, x_taps: Taps, out: np.ndarray, address):
    """``(call(first, stop), rows)``: up-sample rows of ``lo`` (``C×h×w``) along x into ``out``."""
    planes, lo_h, lo_w = lo.shape
    args = (address(lo), planes, lo_h, lo_w, *map(address, x_taps), out.shape[2], address(out))
    return (lambda first, stop: _library.atw_widen_rows(*args, first, stop)), lo_h


def _split(n: int, parts: int) -> list[tuple[int, int]]:
    return [(k * n // parts, (k + 1) * n // parts) for k in range(parts)]


def _in_bands(bands, threads: int) -> None:
    """Run ``call(first, stop)`` for each band, on ``threads`` threads."""
    if threads <= 1:
        for call, first, stop in bands:
            call(first, stop)
        return
    pool = _pools.get(threads) or _pools.setdefault(threads, ThreadPoolExecutor(threads))
    for done in [pool.submit(*band) for band in bands]:
        done.result()  # re-raises a band's exception
