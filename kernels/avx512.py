"""The AVX-512 ResWarp rows (``kernels/avx512.c``), called through ctypes.

The library is built at install time as the extension ``kernels._avx512`` (``setup.py``, an
optional build: without a C compiler with OpenMP the install goes on). It is used only where it
loaded and the CPU has AVX-512; :data:`UNAVAILABLE` says why not otherwise, and ``kernels.cpu``
then runs its Numba kernels, which compute the same bits.

Each call runs its bands of rows on OpenMP threads inside the library (ctypes releases the GIL).
torch is loaded first so that the library binds to torch's OpenMP runtime — the one Numba's
kernels use too — and the frame's stages share one pool of threads.
"""
from __future__ import annotations

import ctypes

import numpy as np

from kernels.buffers import empty

#: Bands per thread: the face (where the field bends rows, and groups multiply) fills only some
#: rows, so a few bands per thread keep the threads evenly busy.
BANDS_PER_THREAD = 4

#: The kernel keeps flat plane indices in int32 lanes.
MAX_PLANE_PIXELS = 2**31 - 1


_FUNCTIONS = ("atw_delta_bands", "atw_paper_bands", "atw_widen_bands", "atw_avx512_filters")


def _load():
    """``(library, None)`` with its functions' signatures, or ``(None, why not)``."""
    import torch  # noqa: F401  (its OpenMP runtime first: see the module docstring)

    try:
        from kernels import _avx512
    except ImportError:
        return None, "not built (no C compiler with OpenMP at install time)"
    library = ctypes.CDLL(_avx512.__file__)
    if not library.atw_avx512_supported():
        return None, "this CPU has no AVX-512"
    if not all(hasattr(library, name) for name in _FUNCTIONS):
        return None, "built from an older kernels/avx512.c (reinstall: pip install -e .)"
    pointer, i64, f32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_float
    bands = [pointer, i64, i64]  # row bounds (int64, bands + 1), bands, threads
    library.atw_delta_bands.argtypes = [
        pointer, i64, i64, i64,  # plate, planes, h, w
        pointer, i64, pointer, pointer, pointer, f32, f32,  # x-widened field, its row taps, scale
        pointer, i64, pointer, pointer, pointer,  # x-widened refinement change, its row taps
        i64, pointer, *bands]  # the filter (kernels.filters.KINDS), out
    library.atw_paper_bands.argtypes = [
        pointer, i64, i64, i64,  # plate, planes, h, w
        pointer, i64, pointer, pointer, pointer, f32, f32,  # x-widened field, its row taps, scale
        pointer, pointer, i64, pointer, pointer, pointer,  # x-widened base and low, row taps
        i64, i64,  # the rows a tap can reach above and below
        i64, pointer, *bands]  # the filter (kernels.filters.KINDS), out
    library.atw_widen_bands.argtypes = [pointer, i64, i64, i64, pointer, pointer, pointer, i64,
                                        pointer, *bands]
    library.atw_delta_bands.restype = library.atw_widen_bands.restype = None
    library.atw_paper_bands.restype = ctypes.c_int
    return library, None


_library, UNAVAILABLE = _load()

Taps = tuple[np.ndarray, np.ndarray, np.ndarray]


def warp_delta(plate: np.ndarray, flow_lo: np.ndarray, flow_taps: tuple[Taps, Taps],
               sx: float, sy: float, delta_lo: np.ndarray | None,
               delta_taps: tuple[Taps, Taps] | None, out: np.ndarray, threads: int,
               kind: int = 0) -> None:
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
        kind: the warp's filter (:data:`kernels.filters.KINDS`: 0 bilinear, 1 cubic, 2 lanczos).
    """
    call = _Call(plate, flow_lo, flow_taps, sx, sy, out, threads,
                 grids=() if delta_lo is None else ((delta_lo, delta_taps[0]),))
    delta_args = (None, 0, None, None, None)
    if delta_lo is not None:
        delta_args = (call.widened[1], delta_lo.shape[1], *map(call.address, delta_taps[1]))
    c, h, w = plate.shape
    _library.atw_delta_bands(call.plate, c, h, w, *call.field, *delta_args, kind, call.out,
                             *call.bands(h, threads * BANDS_PER_THREAD))


def warp_paper(plate: np.ndarray, flow_lo: np.ndarray, flow_taps: tuple[Taps, Taps],
               sx: float, sy: float, base: np.ndarray, low: np.ndarray,
               grid_taps: tuple[Taps, Taps], reach: tuple[int, int], out: np.ndarray,
               threads: int, kind: int = 0) -> None:
    """``out = Up(low) + Warp(plate − Up(base), Up(flow))``: ``kernels.cpu._paper_kernel``'s.

    Args as :func:`warp_delta`, and: ``base`` = Down(plate) and ``low`` (the result one level
    down), ``C×h'×w'`` float32 on one grid whose ``Up`` taps are ``grid_taps``; ``reach`` =
    the plate rows a tap can reach above and below its output row (``kernels.cpu._reach``).
    """
    call = _Call(plate, flow_lo, flow_taps, sx, sy, out, threads,
                 grids=((base, grid_taps[0]), (low, grid_taps[0])))
    grid_args = (*call.widened[1:], base.shape[1], *map(call.address, grid_taps[1]), *reach)
    c, h, w = plate.shape
    # One band per thread: each band fills its ring once plus a halo of the reach.
    if _library.atw_paper_bands(call.plate, c, h, w, *call.field, *grid_args, kind, call.out,
                                *call.bands(h, threads)):
        raise MemoryError(f"no memory for the residual ring of {sum(reach) + 2} rows")


class _Call:
    """One kernel call's checked arrays, as addresses kept alive until the call returns, and
    the low-resolution grids (field first) up-sampled along x to the plate's width, in bands.
    """

    def __init__(self, plate, flow_lo, flow_taps, sx, sy, out, threads, grids):
        if _library is None:
            raise RuntimeError(f"the AVX-512 kernel is unavailable: {UNAVAILABLE}")
        self.threads = threads
        arrays = (plate, flow_lo, out) + tuple(grid for grid, _ in grids)
        if any(a.dtype != np.float32 or not a.flags.c_contiguous for a in arrays):
            raise ValueError("the AVX-512 kernel takes C-contiguous float32 arrays")
        _, h, w = plate.shape
        if h * w > MAX_PLANE_PIXELS:
            raise ValueError(f"a {w}x{h} plane is beyond the AVX-512 kernel's int32 indices")
        self._keep: list[np.ndarray] = []
        self.plate, self.out = self.address(plate), self.address(out)
        self.widened = []
        for grid, x_taps in ((flow_lo, flow_taps[0]),) + tuple(grids):
            planes, lo_h, lo_w = grid.shape
            widened = empty((planes, lo_h, w))  # half the plate for multiscale's refinement
            self.widened.append(self.address(widened))
            _library.atw_widen_bands(self.address(grid), planes, lo_h, lo_w,
                                     *map(self.address, x_taps), w, self.widened[-1],
                                     *self.bands(lo_h, threads))
        self.field = (self.widened[0], flow_lo.shape[1], *map(self.address, flow_taps[1]), sx, sy)

    def address(self, array: np.ndarray) -> int:
        self._keep.append(np.ascontiguousarray(array))
        return self._keep[-1].ctypes.data

    def bands(self, n: int, parts: int) -> tuple[int, int, int]:
        """``(bounds, bands, threads)`` for ``n`` rows cut into ``parts`` (at most ``n``) bands."""
        parts = max(1, min(n, parts))
        bounds = np.array([k * n // parts for k in range(parts + 1)], np.int64)
        return self.address(bounds), parts, self.threads
