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
faster than Numba for the delta formulation (``atw bench reswarp``, docs/benchmarks.md), its
bands on the OpenMP threads Numba and torch share. The Numba kernels stay for CPUs without
AVX-512, installs without a C compiler with OpenMP, and ``ATW_CPU_KERNEL=numba``.

Bilinear up-sampling is separable, so each output row first interpolates the two low-resolution
rows it needs (a few hundred values, not a full-resolution image) and every pixel of the row then
needs one lerp per term. Pixels that neither move nor get a refinement change are copied.

Conventions are the reference's (:mod:`atw_ofx.reswarp`): ``Up`` is bilinear with half-pixel
centres and edge clamp; warps sample in index space with border clamping, with the chosen filter
(:mod:`atw_ofx.filters`: bilinear, Keys cubic or Lanczos-3 held near the 2×2 footprint's range);
a pixel whose up-sampled offset is exactly zero (and that gets no refinement change) is the
plate's own value. Cubic and Lanczos read 16 and 36 taps a pixel: :func:`_filtered_row` finds
the spans of a row whose taps lie at one offset from their pixels (a smooth field's do, for tens
of pixels) and reads each tap of a span as contiguous vectors, three planes a pass, a chunk of
pixels at a time; gathered a tap at a time they took 9× and 19× bilinear's time on a CPU without
AVX-512 (``atw bench reswarp`` at 4K; now about 2.1× and 2.8×, docs/benchmarks.md).
Results match the reference to float32 rounding (the tests' tolerance), not bit for bit: the
reference's interpolation is torch's, whose arithmetic order differs. The AVX-512 kernel computes
the bilinear warp's exact bits; its cubic and Lanczos agree with these to float32 rounding (both
take Lanczos' weights from the same polynomials, :data:`kernels.filters.LANCZOS_EVEN_ODD`).
"""
from __future__ import annotations

import logging
import os

import numba
import numpy as np
from numba import njit, prange

from kernels import avx512
from kernels.buffers import empty
from kernels.filters import BILINEAR, CUBIC, KINDS, LANCZOS_EVEN_ODD, OVERSHOOT, TAPS

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
        cols, rows, starts, kinds, weights_x, weights_y, sums = _filter_buffers(w)
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
            n_runs = _filter_runs(cols, rows, ax, ay, TAPS[kind], w, h, starts, kinds)
            for c in range(0, c_n, 3):  # three planes a pass (the last one again if short)
                p0, p1, p2 = c, min(c + 1, c_n - 1), min(c + 2, c_n - 1)
                _filtered_row(plate[p0].ravel(), plate[p1].ravel(), plate[p2].ravel(),
                              out[p0, i], out[p1, i], out[p2, i], cols, rows, ax, ay, kind,
                              plate_rows, 0, w, h, False, starts, kinds, n_runs, weights_x,
                              weights_y, sums)
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
#: Pixels of a span filtered together (:func:`_filtered_span`).
CHUNK = 256
#: Lanczos-3's weights as polynomials (``kernels.filters.LANCZOS_EVEN_ODD``, ``3×2×5``).
_LANCZOS_POLY = np.array(LANCZOS_EVEN_ODD, np.float32)


@njit(inline="always")
def _filter_buffers(w):
    """A row's taps' columns and rows (int64), its runs (:func:`_filter_runs`: starts, int64
    ``w + 1``; kinds, int8) and a chunk's weights (``MAX_TAPS×CHUNK`` float32, each axis) and
    sums (``3×CHUNK``: :func:`_filtered_row`)."""
    return (np.empty(w, np.int64), np.empty(w, np.int64), np.empty(w + 1, np.int64),
            np.empty(w, np.int8), np.empty((MAX_TAPS, CHUNK), np.float32),
            np.empty((MAX_TAPS, CHUNK), np.float32), np.empty((3, CHUNK), np.float32))


@njit(inline="always")
def _keys_near(d):
    """Keys' cubic kernel (a = −0.5) at a distance ``d`` in [0, 1]."""
    a = _KEYS_A
    return ((a + np.float32(2.0)) * d - (a + np.float32(3.0))) * d * d + np.float32(1.0)


@njit(inline="always")
def _keys_far(d):
    """Keys' cubic kernel (a = −0.5) at a distance ``d`` in [1, 2]."""
    a = _KEYS_A
    return ((a * d - np.float32(5.0) * a) * d + np.float32(8.0) * a) * d - np.float32(4.0) * a


@njit(fastmath=_FMA)
def _tap_weights(kind, frac, weights):
    """Weights of the taps ``k = 1 − r … r`` at each fraction ``frac[j]`` into
    ``weights[k + r − 1, j]``, summing to one (:mod:`atw_ofx.filters`): Keys' by construction,
    Lanczos-3's as the polynomials :data:`kernels.filters.LANCZOS_EVEN_ODD` (as the AVX-512
    kernel's: no sine, cosine or reciprocal a sample).
    A zero fraction's weights are unused (the kernels take the tap itself). One loop per tap
    (pair) with no branch: the compiler turns it into vectors."""
    n = frac.shape[0]
    if kind == CUBIC:
        # The taps lie 1 + f, f, 1 − f and 2 − f away: for f in [0, 1) on Keys' far, near, near
        # and far pieces (at 1 both pieces are 0).
        first, second, third, fourth = weights[0], weights[1], weights[2], weights[3]
        for j in range(n):
            f = frac[j]
            first[j] = _keys_far(np.float32(1.0) + f)
            second[j] = _keys_near(f)
            third[j] = _keys_near(np.float32(1.0) - f)
            fourth[j] = _keys_far(np.float32(2.0) - f)
        return
    for pair in range(3):
        # The coefficients as scalars: read from the table in the loop, they were reloaded
        # for every sample (its stores might have been to the table) and the loop kept scalar.
        e0, e1, e2, e3, e4 = _LANCZOS_POLY[pair, 0]
        o0, o1, o2, o3, o4 = _LANCZOS_POLY[pair, 1]
        low, high = weights[pair], weights[MAX_TAPS - 1 - pair]
        for j in range(n):
            t = frac[j] - np.float32(0.5)
            u = t * t
            even = (((e4 * u + e3) * u + e2) * u + e1) * u + e0
            odd = ((((o4 * u + o3) * u + o2) * u + o1) * u + o0) * t
            low[j] = even + odd
            high[j] = even - odd


#: How :func:`_filter_runs` sorts a row's pixels: a tap at a time (by the border), a span of
#: pixels read as vectors, or the pixel itself (no fraction).
EACH, SPAN, OWN = 0, 1, 2


@njit(inline="always")
def _filter_runs(cols, rows, fx, fy, taps, w, h, starts, kinds):
    """Split a row's pixels into runs for :func:`_filtered_row`; returns their number ``n``.

    Run ``k`` is pixels ``starts[k] … starts[k + 1] − 1``, of kind ``kinds[k]``. A :data:`SPAN`'s
    pixels have every tap inside the plate, a fraction on one axis at least, and their tap at one
    offset from their own column and row — so each tap of the span is a contiguous stretch of a
    plate row (a smooth field's offsets stay put for tens of pixels). An :data:`OWN` run's
    pixels have no fraction; any other pixel (by the border) is an :data:`EACH` run of its own.
    """
    centre, right = taps // 2 - 1, taps // 2
    n, j = 0, 0
    while j < w:
        starts[n] = j
        x, y = cols[j], rows[j]
        if (fx[j] == 0.0) & (fy[j] == 0.0):
            kinds[n] = OWN
            j += 1
            while j < w and fx[j] == 0.0 and fy[j] == 0.0:
                j += 1
        elif (x >= centre) & (x <= w - 1 - right) & (y >= centre) & (y <= h - 1 - right):
            kinds[n] = SPAN
            j += 1
            while (j < w and cols[j] - j == x - starts[n] and cols[j] <= w - 1 - right
                   and rows[j] == y and (fx[j] != 0.0 or fy[j] != 0.0)):
                j += 1
        else:
            kinds[n] = EACH
            j += 1
        n += 1
    starts[n] = w
    return n


@njit(inline="always")
def _held(value, a, b, c, d, ax, ay, residual):
    """A filtered ``value`` held near its 2×2 footprint ``a b / c d``'s range
    (:data:`atw_ofx.filters.OVERSHOOT`; not floored at zero for a ``residual``), and the
    bilinear sample at fractions ``ax``, ``ay`` where it is NaN."""
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
    return value


@njit(inline="always")
def _filtered_row(s0, s1, s2, d0, d1, d2, cols, rows, fx, fy, kind, row_at, row_first, w, h,
                  residual, starts, kinds, n_runs, wx, wy, total):
    """``d*[j]`` = the filtered samples of three flat planes ``s*`` (:mod:`atw_ofx.filters`)
    for every pixel of a row split into runs by :func:`_filter_runs` (one plane thrice where
    fewer are left: the same sums, written three times).

    Pixel ``j``'s tap ``k = 0`` is column ``cols[j]`` of plate row ``rows[j]``, at fractions
    ``fx[j]``, ``fy[j]``, filter ``kind``; plate row ``y`` starts at ``s*[row_at[y −
    row_first]]`` (the plate's rows, or the paper kernel's ring). A span's taps are read as
    vectors (:func:`_filtered_span`), other pixels a tap at a time (:func:`_filtered_pixel`);
    ``wx``, ``wy`` (``MAX_TAPS×CHUNK``) and ``total`` (``3×CHUNK``) hold their weights and sums.
    """
    taps = TAPS[kind]
    for k in range(n_runs):
        j0, j1 = starts[k], starts[k + 1]
        if kinds[k] == OWN:  # the tap itself (what the filter's sum and its hold come to)
            for j in range(j0, j1):
                at = np.int64(row_at[rows[j] - row_first]) + cols[j]
                d0[j], d1[j], d2[j] = s0[at], s1[at], s2[at]
        elif kinds[k] == EACH:
            for j in range(j0, j1):
                _tap_weights(kind, fx[j:j + 1], wx)
                _tap_weights(kind, fy[j:j + 1], wy)
                x, y, ax, ay, across, down = cols[j], rows[j], fx[j], fy[j], wx[:, 0], wy[:, 0]
                d0[j] = _filtered_pixel(s0, x, y, ax, ay, across, down, taps, row_at, row_first,
                                        w, h, residual)
                d1[j] = _filtered_pixel(s1, x, y, ax, ay, across, down, taps, row_at, row_first,
                                        w, h, residual)
                d2[j] = _filtered_pixel(s2, x, y, ax, ay, across, down, taps, row_at, row_first,
                                        w, h, residual)
        else:
            for c0 in range(j0, j1, CHUNK):
                _filtered_span(s0, s1, s2, d0[c0:], d1[c0:], d2[c0:], min(j1 - c0, CHUNK),
                               rows[j0], cols[c0], kind, row_at, row_first, fx[c0:], fy[c0:],
                               residual, wx, wy, total)


@njit(inline="always")
def _across4(src, at, wx, i):
    """One row's 4 taps of pixel ``i`` summed across, ``Σ_k wx[k, i]·src[at + k]``, in
    :func:`_filtered_pixel`'s order."""
    total = np.float32(0.0) + wx[0, i] * src[at]
    total += wx[1, i] * src[at + np.uint64(1)]
    total += wx[2, i] * src[at + np.uint64(2)]
    return total + wx[3, i] * src[at + np.uint64(3)]


@njit(inline="always")
def _across6(src, at, wx, i):
    """:func:`_across4` for 6 taps."""
    total = _across4(src, at, wx, i) + wx[4, i] * src[at + np.uint64(4)]
    return total + wx[5, i] * src[at + np.uint64(5)]


@njit(inline="always")
def _span_taps(s0, s1, s2, total, first, centre, n, weight, wx, fx, across):
    """Adds one row of taps of a span's ``n`` pixels (``across``: :func:`_across4` or
    :func:`_across6`; pixel ``i``'s first tap at ``first + i``), times its ``weight``, to
    ``total`` (``3×n``): a loop with no branch, which the compiler turns into vectors. An axis
    without a fraction takes the tap itself."""
    t0, t1, t2 = total[0], total[1], total[2]
    for i in range(n):
        at = first + np.uint64(i)
        own = at + np.uint64(centre)
        whole = fx[i] == 0.0
        # Both loaded, then chosen: a load on one side of a branch kept the loop scalar.
        a0, o0 = across(s0, at, wx, i), s0[own]
        a1, o1 = across(s1, at, wx, i), s1[own]
        a2, o2 = across(s2, at, wx, i), s2[own]
        t0[i] += weight[i] * (o0 if whole else a0)
        t1[i] += weight[i] * (o1 if whole else a1)
        t2[i] += weight[i] * (o2 if whole else a2)


@njit(inline="always")
def _filtered_span(s0, s1, s2, d0, d1, d2, n, y, x, kind, row_at, row_first, fx, fy, residual,
                   wx, wy, total):
    """The filtered samples ``d*[i]`` of ``n`` ≤ :data:`CHUNK` pixels of a :data:`SPAN` (the
    first one's tap at column ``x`` of row ``y``; fractions ``fx``, ``fy``) of three planes at
    once, :func:`_filtered_row`'s others as there.

    One pass over them per row of taps (:func:`_span_taps`), each tap read contiguously — the
    compiler turns the pass into vectors — and added in :func:`_filtered_pixel`'s order. A loop
    per tap and plane spent its time starting loops (spans are short: 15 px median on ``atw
    bench reswarp``'s field), and a pixel at a time gathers each tap alone (6-10× bilinear's
    time). A chunk at a time, so that its weights and sums stay in the core's first cache (a
    4K row's weights alone are 0.2 MB, and with them its taps' rows missed the second: twice the
    time). A pixel without a vertical fraction takes its middle row alone, as there.
    """
    taps = TAPS[kind]
    centre = taps // 2 - 1
    _tap_weights(kind, fx[:n], wx)
    _tap_weights(kind, fy[:n], wy)
    whole_y = False
    for i in range(n):
        total[0, i] = total[1, i] = total[2, i] = np.float32(0.0)
        whole_y |= fy[i] == 0.0
    for ky in range(taps):
        first = np.uint64(row_at[y + ky - centre - row_first]) + np.uint64(x - centre)
        if taps == 6:
            _span_taps(s0, s1, s2, total, first, centre, n, wy[ky], wx, fx, _across6)
        else:
            _span_taps(s0, s1, s2, total, first, centre, n, wy[ky], wx, fx, _across4)
    if whole_y:
        middle = np.uint64(row_at[y - row_first]) + np.uint64(x - centre)
        for i in range(n):
            if fy[i] == 0.0:
                at = middle + np.uint64(i)
                own = at + np.uint64(centre)
                if fx[i] == 0.0:
                    total[0, i], total[1, i], total[2, i] = s0[own], s1[own], s2[own]
                elif taps == 6:
                    total[0, i], total[1, i] = _across6(s0, at, wx, i), _across6(s1, at, wx, i)
                    total[2, i] = _across6(s2, at, wx, i)
                else:
                    total[0, i], total[1, i] = _across4(s0, at, wx, i), _across4(s1, at, wx, i)
                    total[2, i] = _across4(s2, at, wx, i)
    top = np.uint64(row_at[y - row_first]) + np.uint64(x)
    bottom = np.uint64(row_at[y + 1 - row_first]) + np.uint64(x)
    _held_span(s0, d0, total[0], top, bottom, n, fx, fy, residual)
    _held_span(s1, d1, total[1], top, bottom, n, fx, fy, residual)
    _held_span(s2, d2, total[2], top, bottom, n, fx, fy, residual)


@njit(inline="always")
def _held_span(src, dst, total, top, bottom, n, fx, fy, residual):
    """``dst[i]`` = ``total[i]`` held by :func:`_held` for ``n`` pixels whose 2×2 footprints
    start at ``src[top + i]`` and ``src[bottom + i]``."""
    upper, lower = src[top:top + np.uint64(n + 1)], src[bottom:bottom + np.uint64(n + 1)]
    for i in range(n):
        dst[i] = _held(total[i], upper[i], upper[i + 1], lower[i], lower[i + 1], fx[i], fy[i],
                       residual)


@njit(inline="always")
def _filtered_pixel(src, x0, y0, ax, ay, wx, wy, taps, row_at, row_first, w, h, residual):
    """A pixel's filtered sample, a tap at a time: its tap ``k = 0`` at column ``x0`` of row
    ``y0``, fractions ``ax``, ``ay``, weights ``wx``, ``wy`` (``taps`` each), the rest as
    :func:`_filtered_row`'s. Taps beyond the border repeat the edge; an axis with a zero
    fraction takes the tap itself."""
    centre = taps // 2 - 1
    last_x, last_y = w - 1, h - 1
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
                across += wx[kx] * src[row + min(max(x0 + kx - centre, 0), last_x)]
        value = across if ay == 0.0 else value + wy[ky] * across
    x1 = min(x0 + 1, last_x)  # the footprint, also where a fraction is zero (continuous)
    top = np.int64(row_at[y0 - row_first])
    bottom = np.int64(row_at[min(y0 + 1, last_y) - row_first])
    return _held(value, src[top + x0], src[top + x1], src[bottom + x0], src[bottom + x1],
                 ax, ay, residual)


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
        cols, rows, starts, kinds, wx, wy, total = _filter_buffers(w)
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
                n_runs = _filter_runs(cols, rows, ax, ay, TAPS[kind], w, h, starts, kinds)
                for c in range(0, c_n, 3):
                    p0, p1, p2 = c, min(c + 1, c_n - 1), min(c + 2, c_n - 1)
                    _filtered_row(ring[p0].ravel(), ring[p1].ravel(), ring[p2].ravel(),
                                  gathered[p0], gathered[p1], gathered[p2], cols, rows, ax, ay,
                                  kind, row_at, i - reach_up, w, h, True, starts, kinds, n_runs,
                                  wx, wy, total)
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


def compiles_now(kernel) -> bool:
    """Whether calling the Numba ``kernel`` (a dispatcher with ``cache=True``) compiles it: no
    version in this process and none in its on-disk cache. False where Numba's cache cannot be
    read (its layout is Numba's own)."""
    if kernel.overloads:
        return False
    try:
        return not kernel._cache._cache_file._load_index()
    except Exception:  # another Numba's cache layout: say nothing
        return False


def _say_if_compiling(kernel) -> None:
    """One line before a kernel's first compile on this machine: about a minute with the
    filtered paths (then read from the cache in well under a second), which a render's first
    frame would otherwise spend in silence."""
    if compiles_now(kernel):
        logging.getLogger(__name__).warning(
            "ResWarp: compiling the CPU kernel for this machine (once, about a minute; cached "
            "in %s)", kernel._cache._cache_path)


def reswarp_level(plate: np.ndarray, flow_lo: np.ndarray, *, formulation: str,
                  filter: str = "bilinear", delta: np.ndarray | None = None,
                  low: np.ndarray | None = None, base: np.ndarray | None = None,
                  out: np.ndarray | None = None) -> np.ndarray:
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
        _say_if_compiling(_delta_kernel)
        _delta_kernel(plate, _widen(flow_lo, w), *field_y, sx, sy,
                      _widen(delta, w), has_delta, *up_taps(h, delta.shape[1]), kind,
                      np.arange(h, dtype=np.int64) * w, out)
    elif native(h, w):
        avx512.warp_paper(plate, flow_lo, (up_taps(w, lo_w), field_y), sx, sy, base, low,
                          (up_taps(w, low.shape[2]), up_taps(h, low.shape[1])),
                          _reach(flow_lo, sy, h, TAPS[kind]), out, threads, kind)
    else:
        reach_up, reach_down = _reach(flow_lo, sy, h, TAPS[kind])
        _say_if_compiling(_paper_kernel)
        _paper_kernel(plate, _widen(flow_lo, w), *field_y, sx, sy, _widen(base, w),
                      _widen(low, w), *up_taps(h, low.shape[1]), reach_up, reach_down,
                      min(h, threads), kind, out)
    return out
