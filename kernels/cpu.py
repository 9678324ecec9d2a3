"""Fused ResWarp on the CPU: one pass over the output, compiled with Numba, rows in parallel.

Why Numba: the work per output pixel is a handful of bilinear taps — the up-sampled field (from
the 128 px grid), the plate at the displaced position, and the up-sampled low-resolution terms.
Composed from library calls (``grid_sample``, ``cv2.remap``) each step writes a full-resolution
intermediate (field, map, residual, up-sampled image) and reads it back; at 4K that traffic costs
more than the arithmetic. A compiled loop that computes every term in registers reads the plate
once and writes the output once, so it is bound by the gather, not by memory copies
(``atw bench reswarp`` measures it against both compositions).

Where this install built it and the CPU has AVX-512, both formulations run in C instead
(:mod:`kernels.avx512`, bit-identical to :func:`_delta_kernel` and :func:`_paper_kernel`):
Numba emits the gather as scalar loads, the C kernel loads a smooth field's taps 16 contiguous
pixels at a time and prefetches the rows the field bends towards — at 4K on 2 cores 2–2.5×
faster than Numba for the delta formulation (``atw bench reswarp``, docs/benchmarks.md), its bands on the
OpenMP threads Numba and torch share. The Numba kernels stay for CPUs without AVX-512, installs
without a C compiler with OpenMP, and ``ATW_CPU_KERNEL=numba``.

Bilinear up-sampling is separable, so each output row first interpolates the two low-resolution
rows it needs (a few hundred values, not a full-resolution image) and every pixel of the row then
needs one lerp per term. Pixels that neither move nor get a refinement change are copied.

Conventions are the reference's (:mod:`atw_ofx.reswarp`): ``Up`` is bilinear with half-pixel
centres and edge clamp; warps sample in index space with border clamping, with the chosen filter
(:mod:`atw_ofx.filters`: bilinear, Keys cubic or Lanczos-3 held near the 2×2 footprint's range —
:func:`_gather_filtered`, whose taps a row at a time are 4–6 times bilinear's); a pixel whose
up-sampled offset is exactly zero (and that gets no refinement change) is the plate's own value.
Results match the reference to float32 rounding (the tests' tolerance), not bit for bit: the
reference's interpolation is torch's, whose arithmetic order differs. The AVX-512 kernel computes
the bilinear warp's exact bits; its cubic and Lanczos agree with these to float32 rounding (its
Lanczos weights are fitted polynomials).
"""
from __future__ import annotations

import os

import numba
import numpy as np
from numba import njit, prange

from kernels import avx512
from kernels.buffers import empty
from kernels.filters import BILINEAR, CUBIC, KINDS, OVERSHOOT, TAPS

#: Fused multiply-add may replace a multiply and an add (one rounding fewer); no other
#: fast-math licence — scene-linear plates may hold Inf, and NaN must stay NaN.
_FMA = {"contract"}


def up_taps(out_size: int, in_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """1-D taps of bilinear up-sampling ``in_size`` → ``out_size`` (half-pixel centres, clamp).

    Returns ``(i0, i1, w1)``: output ``k`` = ``(1 − w1[k])·in[i0[k]] + w1[k]·in[i1[k]]``.
    """
    scale = np.float32(in_size / out_size)
    src = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    src = np.maximum(src, np.float32(0.0))
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    # Unsigned: Numba then indexes without a negative-index (wraparound) test.
    return i0.astype(np.uint64), i1.astype(np.uint64), (src - i0).astype(np.float32)


@njit(inline="always")
def _lerp(a, b, w):
    return a + w * (b - a)


@njit(parallel=True, cache=True, fastmath=_FMA)
def _delta_kernel(plate, flow_h, fy0, fy1, fwy, sx, sy, delta_h, has_delta, dy0, dy1, dwy,
                  kind, plate_rows, out):
    """``out = Warp(plate, Up(flow)) + Up(delta)`` for one ``C×H×W`` image.

    ``kind`` is the warp's filter (:data:`KINDS`); ``plate_rows`` the flat offset of each plate
    row (the filtered gather addresses rows through it, as the paper kernel's ring).

    ``flow_h`` (``2×h×W``) and ``delta_h`` (``C×h'×W``) are the low-resolution grids already
    up-sampled along x (:func:`_widen`), so each output row's terms are one contiguous lerp of two
    of their rows. Per row: where each pixel samples the plate, then one tight gather loop per
    channel plane — loops the compiler vectorises, unlike one that strides across planes.
    """
    c_n, h, w = plate.shape
    for i in prange(h):
        # Where each pixel samples the plate: positions in float32 (the reference's rounding),
        # clamped to the border; the flat offset of the top-left tap and its right/down steps
        # are unsigned, so indexing needs no wraparound test.
        y0, y1, wy = fy0[i], fy1[i], fwy[i]
        last_x, last_y, row_y = np.float32(w - 1), np.float32(h - 1), np.float32(i)
        u, v, ax, ay, tap, right, down = _row_buffers(w)
        cols, rows, wx, wy_ = _filter_buffers(w)
        _field_row(flow_h, y0, y1, wy, sx, sy, u, v)
        for j in range(w):
            xf, yf = _source(j, u[j], v[j], row_y, last_x, last_y, w, ax, ay, right, down)
            tap[j] = np.uint64(yf) * np.uint64(w) + np.uint64(xf)
            cols[j], rows[j] = np.int64(xf), np.int64(yf)
        still = np.empty(w, np.bool_)
        for j in range(w):
            still[j] = (u[j] == 0.0) & (v[j] == 0.0)
        n_still = still.sum()
        if n_still == w:
            for c in range(c_n):
                out[c, i] = plate[c, i]
        elif kind != BILINEAR:
            _tap_weights(kind, ax, wx)
            _tap_weights(kind, ay, wy_)
            for c in range(c_n):
                _gather_filtered(plate[c].ravel(), out[c, i], cols, rows, ax, ay, wx, wy_,
                                 TAPS[kind], plate_rows, 0, w, h, False)
        else:
            c = 0
            while c + 3 <= c_n:  # three planes per pass share the taps' loads
                _gather3(plate[c].ravel(), plate[c + 1].ravel(), plate[c + 2].ravel(),
                         out[c, i], out[c + 1, i], out[c + 2, i], tap, right, down, ax, ay)
                c += 3
            for c in range(c, c_n):
                _gather1(plate[c].ravel(), out[c, i], tap, right, down, ax, ay)
            if n_still:
                # A still pixel is the plate's own value, bit-exactly (a zero-weight lerp
                # turns -0.0 into +0.0 and an Inf neighbour into NaN).
                for c in range(c_n):  # a blend per plane: contiguous, vectorised
                    own, dst = plate[c, i], out[c, i]
                    for j in range(w):
                        dst[j] = own[j] if still[j] else dst[j]
        if has_delta:
            d0, d1, dw = dy0[i], dy1[i], dwy[i]
            for c in range(c_n):
                dst = out[c, i]
                for j in range(w):
                    d = _lerp(delta_h[c, d0, j], delta_h[c, d1, j], dw)
                    # Adding a zero change would turn -0.0 into +0.0.
                    dst[j] = dst[j] + d if d != 0.0 else dst[j]


@njit(inline="always")
def _bilinear(src, t, r, b, wx, wy):
    """Bilinear tap of a flat plane: ``t`` top-left, ``r`` right step, ``b`` bottom-left."""
    return _lerp(_lerp(src[t], src[t + r], wx), _lerp(src[b], src[b + r], wx), wy)


@njit(inline="always")
def _gather3(s0, s1, s2, d0, d1, d2, tap, right, down, ax, ay):
    for j in range(d0.shape[0]):
        t, r, wx, wy = tap[j], right[j], ax[j], ay[j]
        b = t + down[j]
        d0[j] = _bilinear(s0, t, r, b, wx, wy)
        d1[j] = _bilinear(s1, t, r, b, wx, wy)
        d2[j] = _bilinear(s2, t, r, b, wx, wy)


@njit(inline="always")
def _gather1(src, dst, tap, right, down, ax, ay):
    for j in range(dst.shape[0]):
        dst[j] = _bilinear(src, tap[j], right[j], tap[j] + down[j], ax[j], ay[j])



#: Taps per axis of the widest filter (Lanczos-3).
MAX_TAPS = max(TAPS)
_KEYS_A = np.float32(-0.5)
_OVERSHOOT = np.float32(OVERSHOOT)
#: Lanczos-3 weights from one sine and cosine per sample (see :func:`_tap_weights`): for the tap
#: ``k = −2 … 3``, ``(−1)^k·cos(πk/3)`` and ``(−1)^k·sin(πk/3)``.
_LANCZOS_COS = np.array([-0.5, -0.5, 1.0, -0.5, -0.5, 1.0], np.float32)
_LANCZOS_SIN = np.array([-0.8660254, 0.8660254, 0.0, -0.8660254, 0.8660254, 0.0], np.float32)


@njit(inline="always")
def _filter_buffers(w):
    """A row's taps' columns and rows (int64) and the filter's weights (``MAX_TAPS×w``)."""
    return (np.empty(w, np.int64), np.empty(w, np.int64),
            np.empty((MAX_TAPS, w), np.float32), np.empty((MAX_TAPS, w), np.float32))


@njit(inline="always")
def _keys(d):
    """Keys' cubic kernel (a = −0.5) at a distance ``d`` in [0, 2]."""
    a = _KEYS_A
    if d < 1.0:
        return ((a + np.float32(2.0)) * d - (a + np.float32(3.0))) * d * d + np.float32(1.0)
    return ((a * d - np.float32(5.0) * a) * d + np.float32(8.0) * a) * d - np.float32(4.0) * a


@njit(fastmath=_FMA)
def _tap_weights(kind, frac, weights):
    """Weights of the taps ``k = 1 − r … r`` at each fraction ``frac[j]`` into
    ``weights[k + r − 1, j]``, summing to one (:mod:`atw_ofx.filters`; Lanczos normalised).

    Lanczos-3 as ``sinc(d)·sinc(d/3)`` with ``d = f − k`` shares ``sin(πf)`` across its taps
    (``sin(π(f − k)) = (−1)^k sin(πf)``, which normalising cancels) and ``sin(π(f − k)/3)``
    expands in ``sin(πf/3)`` and ``cos(πf/3)``: two trigonometric calls per sample, not twelve.
    A zero fraction's weights are unused (the kernels take the tap itself).
    """
    for j in range(frac.shape[0]):
        f = frac[j]
        if f == 0.0:
            continue
        total = np.float32(0.0)
        if kind == CUBIC:  # Keys' weights sum to one by construction
            for k in range(4):
                weights[k, j] = _keys(abs(f - np.float32(k - 1)))
            continue
        if f * f == 0.0:
            # A fraction whose square underflows (under ~1e-23: a field's fading tail) would
            # divide by zero: its weights are, to float32, the tap itself.
            for k in range(6):
                weights[k, j] = np.float32(k == 2)
            continue
        angle = np.float64(f) * (np.pi / 3.0)
        sin_a, cos_a = np.float32(np.sin(angle)), np.float32(np.cos(angle))
        for k in range(6):
            d = f - np.float32(k - 2)
            weights[k, j] = (sin_a * _LANCZOS_COS[k] - cos_a * _LANCZOS_SIN[k]) / (d * d)
            total += weights[k, j]
        for k in range(6):
            weights[k, j] = weights[k, j] / total


@njit(inline="always")
def _gather_filtered(src, dst, cols, rows, fx, fy, wx, wy, taps, row_at, row_first, w, h,
                     residual):
    """``dst[j]`` = the filtered sample of the flat plane ``src`` (:mod:`atw_ofx.filters`).

    Pixel ``j``'s tap ``k = 0`` is column ``cols[j]`` of plate row ``rows[j]``, at fractions
    ``fx[j]``, ``fy[j]``, with ``taps`` weights per axis in ``wx``, ``wy``; plate row ``y``
    starts at ``src[row_at[y − row_first]]`` (the plate's rows, or the paper kernel's ring).
    Taps beyond the border repeat the edge; an axis with a zero fraction takes the tap itself;
    the result is held near the 2×2 footprint's range (:data:`atw_ofx.filters.OVERSHOOT`; not
    floored at zero when ``src`` is a ``residual``), and a NaN sum is the bilinear sample instead.
    """
    centre = taps // 2 - 1
    last_x, last_y = w - 1, h - 1
    for j in range(dst.shape[0]):
        x0, y0, ax, ay = cols[j], rows[j], fx[j], fy[j]
        value = np.float32(0.0)
        for ky in range(taps):
            if ay == 0.0 and ky != centre:
                continue
            row = np.int64(row_at[min(max(y0 + ky - centre, 0), last_y) - row_first])
            if ax == 0.0:
                across = src[row + x0]
            else:
                across = np.float32(0.0)
                for kx in range(taps):
                    across += wx[kx, j] * src[row + min(max(x0 + kx - centre, 0), last_x)]
            value = across if ay == 0.0 else value + wy[ky, j] * across
        x1 = min(x0 + 1, last_x)  # the footprint, also where a fraction is zero (continuous)
        top = np.int64(row_at[y0 - row_first])
        bottom = np.int64(row_at[min(y0 + 1, last_y) - row_first])
        a, b, c, d = src[top + x0], src[top + x1], src[bottom + x0], src[bottom + x1]
        low, high = min(min(a, b), min(c, d)), max(max(a, b), max(c, d))
        slack = _OVERSHOOT * (high - low)
        floor = low - slack
        # A positive footprint's sample stays positive; a residual is signed (filters.py).
        if not residual and low >= 0.0 and floor < 0.0:
            floor = np.float32(0.0)
        # Comparisons, not min/max: a NaN sum stays NaN here, and becomes the bilinear sample.
        if value < floor:
            value = floor
        elif value > high + slack:
            value = high + slack
        if value != value:
            value = _lerp(_lerp(a, b, ax), _lerp(c, d, ax), ay)
        dst[j] = value


def _widen(lo: np.ndarray, width: int) -> np.ndarray:
    """``C×h×w`` → ``C×h×width``: the grid's rows up-sampled along x (first half of ``Up``)."""
    out = np.empty((lo.shape[0], lo.shape[1], width), np.float32)
    _widen_rows(lo, *up_taps(width, lo.shape[2]), out)
    return out


@njit(parallel=True, cache=True, fastmath=_FMA)
def _widen_rows(lo, x0, x1, wx, out):
    for y in prange(lo.shape[1]):
        for c in range(lo.shape[0]):
            for j in range(out.shape[2]):
                out[c, y, j] = _lerp(lo[c, y, x0[j]], lo[c, y, x1[j]], wx[j])


@njit(parallel=True, cache=True, fastmath=_FMA)
def _paper_kernel(plate, flow_h, fy0, fy1, fwy, sx, sy, base_h, low_h, ty0, ty1, twy,
                  reach_up, reach_down, n_bands, kind, out):
    """``out = Up(low) + Warp(plate − Up(base), Up(flow))`` for one ``C×H×W`` image.

    ``base`` = Down(plate) and ``low`` = the result one level down, on one grid (row taps
    ``t*``), x-widened like the field (:func:`_widen`): a row of their ``Up`` is then one
    contiguous lerp of two widened rows. (Lerping along x per output row instead gathers twice
    as often even at multiscale's finest level, where the grid is half the plate.)

    The residual ``plate − Up(base)`` is computed a row at a time into a ring of the rows the
    warp can reach — ``reach_up`` above to ``reach_down`` below an output row,
    from the field's extremes — so it is never stored whole: each band of output rows (one per
    thread) fills its ring once, plus one halo of ``reach_up + reach_down`` rows. The ring has
    one spare row that repeats its first, so a bottom tap never wraps (the gather stays unsigned).
    """
    c_n, h, w = plate.shape
    ring_n = reach_up + reach_down + 2
    for band in prange(n_bands):
        first, stop = band * h // n_bands, (band + 1) * h // n_bands
        ring = np.empty((c_n, ring_n + 1, w), np.float32)
        r0, r1, r2 = ring[0].ravel(), ring[1 % c_n].ravel(), ring[2 % c_n].ravel()
        filled = max(first - reach_up, 0)  # the next plate row whose residual is missing
        u, v, ax, ay, tap, right, down = _row_buffers(w)
        cols, rows, wx, wy = _filter_buffers(w)
        gathered = np.empty((c_n, w), np.float32)
        row_at = np.empty(ring_n, np.uint64)
        for i in range(first, stop):
            while filled <= min(i + reach_down, h - 1):
                slot = filled % ring_n
                b0, b1, bw = ty0[filled], ty1[filled], twy[filled]
                for c in range(c_n):
                    own, dst = plate[c, filled], ring[c, slot]
                    for j in range(w):
                        dst[j] = own[j] - _lerp(base_h[c, b0, j], base_h[c, b1, j], bw)
                    if slot == 0:
                        ring[c, ring_n] = dst
                filled += 1
            _field_row(flow_h, fy0[i], fy1[i], fwy[i], sx, sy, u, v)
            # Taps as in the delta kernel, rows mapped to ring slots: the flat offset of the
            # plate row ``i − reach_up + k`` in the ring is ``row_at[k]``.
            # yf + shift = yf − (i − reach_up) ≥ 0: unsigned arithmetic wraps to the right value.
            shift = np.uint64(reach_up - i)
            for k in range(ring_n):
                row_at[k] = np.uint64((i - reach_up + k + ring_n) % ring_n * w)
            last_x, last_y, row_y = np.float32(w - 1), np.float32(h - 1), np.float32(i)
            for j in range(w):
                xf, yf = _source(j, u[j], v[j], row_y, last_x, last_y, w, ax, ay, right, down)
                tap[j] = row_at[np.uint64(yf) + shift] + np.uint64(xf)
                cols[j], rows[j] = np.int64(xf), np.int64(yf)
            if kind != BILINEAR:
                _tap_weights(kind, ax, wx)
                _tap_weights(kind, ay, wy)
                for c in range(c_n):
                    _gather_filtered(ring[c].ravel(), gathered[c], cols, rows, ax, ay, wx, wy,
                                     TAPS[kind], row_at, i - reach_up, w, h, True)
            elif c_n == 3:
                _gather3(r0, r1, r2, gathered[0], gathered[1], gathered[2],
                         tap, right, down, ax, ay)
            else:
                for c in range(c_n):
                    _gather1(ring[c].ravel(), gathered[c], tap, right, down, ax, ay)
            own_slot = i % ring_n
            l0, l1, lw = ty0[i], ty1[i], twy[i]
            for c in range(c_n):
                own, got, dst = ring[c, own_slot], gathered[c], out[c, i]
                for j in range(w):
                    # A still pixel's residual is its own (a zero-weight lerp would turn an Inf
                    # neighbour into NaN).
                    r = own[j] if (u[j] == 0.0) & (v[j] == 0.0) else got[j]
                    dst[j] = _lerp(low_h[c, l0, j], low_h[c, l1, j], lw) + r


@njit(inline="always")
def _row_buffers(w):
    """A row's offsets ``u, v``, tap weights ``ax, ay`` and taps ``tap, right, down``."""
    return (np.empty(w, np.float32), np.empty(w, np.float32), np.empty(w, np.float32),
            np.empty(w, np.float32), np.empty(w, np.uint64), np.empty(w, np.uint64),
            np.empty(w, np.uint64))


@njit(inline="always")
def _source(j, u, v, row_y, last_x, last_y, w, ax, ay, right, down):
    """Where pixel ``j`` of a row samples: its position plus the offset, in float32 (the
    reference's rounding), clamped to the border. Writes the tap weights and the right/down
    steps (0 on the last column/row) at ``j``; returns the top-left tap's column and row."""
    x = min(max(np.float32(j) + u, np.float32(0.0)), last_x)
    y = min(max(row_y + v, np.float32(0.0)), last_y)
    xf, yf = np.floor(x), np.floor(y)
    ax[j], ay[j] = x - xf, y - yf
    right[j] = np.uint64(xf < last_x)
    down[j] = np.uint64(w) * np.uint64(yf < last_y)
    return xf, yf


@njit(inline="always")
def _field_row(flow_h, y0, y1, wy, sx, sy, u, v):
    """Output row's offsets in plate pixels from the x-widened field's rows ``y0``, ``y1``."""
    for j in range(u.shape[0]):
        u[j] = _lerp(flow_h[0, y0, j], flow_h[0, y1, j], wy) * sx
        v[j] = _lerp(flow_h[1, y0, j], flow_h[1, y1, j], wy) * sy


def _reach(flow_lo: np.ndarray, sy: float, h: int, taps: int = 2) -> tuple[int, int]:
    """Rows above and below an output row that its taps can reach: the field's extremes (with a
    row of margin for float32 rounding of ``i + v``) and the filter's ``taps // 2 − 1`` rows
    above and ``taps // 2`` below its sample; at least those, since a sample clamped to the top
    or bottom row still reads its filter's rows below or above it. The up-sampled field never
    leaves the grid's range."""
    v = flow_lo[1].astype(np.float64) * sy
    above, below = taps // 2 - 1, taps // 2
    return (min(max(above, -int(np.floor(v.min())) + 1 + above), h - 1),
            min(max(below, int(np.floor(v.max())) + 1 + below), h - 1))


#: ``"auto"``: the AVX-512 kernel where it loaded (:mod:`kernels.avx512`), else Numba;
#: ``"numba"``: always Numba (the tests compare the two; a pipeline can pin it with
#: ``ATW_CPU_KERNEL=numba`` should a build misbehave).
ENGINE = os.environ.get("ATW_CPU_KERNEL", "auto")


def native(h: int, w: int) -> bool:
    """Whether an ``h×w`` level runs in the AVX-512 kernel (this CPU, this build, ENGINE)."""
    return ENGINE != "numba" and avx512.UNAVAILABLE is None and h * w <= avx512.MAX_PLANE_PIXELS


def reswarp_level(plate: np.ndarray, flow_lo: np.ndarray, *, formulation: str,
                  filter: str = "bilinear", delta: np.ndarray | None = None, low: np.ndarray | None = None,
                  base: np.ndarray | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """One fused ResWarp level (vanilla ResWarp, or the finest step of multiscale).

    Args:
        plate: ``C×H×W`` float32, C-contiguous (the full-resolution crop, linear light).
        flow_lo: ``2×h×w`` float32 backward field in pixels of its own ``h×w`` grid.
        formulation: ``"delta"``: ``Warp(plate, Up(flow)) + Up(delta)``, ``delta`` = ``C×h'×w'``
            on any grid, or None; ``"paper"``: ``Up(low) + Warp(plate − Up(base), Up(flow))``,
            ``low`` and ``base`` = ``C×h'×w'`` on one grid (``base`` = Down(plate)).
        filter: what the warp samples with (``"bilinear"``, ``"cubic"``, ``"lanczos"``).
        out: optional ``C×H×W`` float32 buffer to write into.

    Returns:
        ``C×H×W`` float32 (``out`` when given).
    """
    c, h, w = plate.shape
    lo_h, lo_w = flow_lo.shape[1:]
    field_y = up_taps(h, lo_h)
    sx, sy = np.float32(w / lo_w), np.float32(h / lo_h)
    out = empty(plate.shape) if out is None else out
    threads = numba.get_num_threads()
    kind = KINDS[filter]
    if formulation == "delta" and native(h, w):
        avx512.warp_delta(plate, flow_lo, (up_taps(w, lo_w), field_y), sx, sy, delta,
                          None if delta is None else (up_taps(w, delta.shape[2]),
                                                      up_taps(h, delta.shape[1])),
                          out, threads, kind)
    elif formulation == "delta":
        has_delta = delta is not None
        delta = delta if has_delta else np.zeros((c, 1, 1), np.float32)
        _delta_kernel(plate, _widen(flow_lo, w), *field_y, sx, sy,
                      _widen(delta, w), has_delta, *up_taps(h, delta.shape[1]), kind,
                      np.arange(h, dtype=np.int64) * w, out)
    elif native(h, w):
        avx512.warp_paper(plate, flow_lo, (up_taps(w, lo_w), field_y), sx, sy, base, low,
                          (up_taps(w, low.shape[2]), up_taps(h, low.shape[1])),
                          _reach(flow_lo, sy, h, TAPS[kind]), out, threads, kind)
    else:
        reach_up, reach_down = _reach(flow_lo, sy, h, TAPS[kind])
        _paper_kernel(plate, _widen(flow_lo, w), *field_y, sx, sy, _widen(base, w),
                      _widen(low, w), *up_taps(h, low.shape[1]), reach_up, reach_down,
                      min(h, threads), kind, out)
    return out
