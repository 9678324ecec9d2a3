"""Fused ResWarp on the CPU: one pass over the output, compiled with Numba, rows in parallel.

Why Numba: the work per output pixel is a handful of bilinear taps — the up-sampled field (from
the 128 px grid), the plate at the displaced position, and the up-sampled low-resolution terms.
Composed from library calls (``grid_sample``, ``cv2.remap``) each step writes a full-resolution
intermediate (field, map, residual, up-sampled image) and reads it back; at 4K that traffic costs
more than the arithmetic. A compiled loop that computes every term in registers reads the plate
once and writes the output once, so it is bound by the gather, not by memory copies
(``atw bench reswarp`` measures it against both compositions).

Conventions are the reference's (:mod:`atw_ofx.reswarp`): ``Up`` is bilinear with half-pixel
centres and edge clamp; warps sample in index space with border clamping; a pixel whose
up-sampled offset is exactly zero (and that gets no refinement change) is the plate's own value.
Results match the reference to float32 rounding (the tests' tolerance), not bit for bit: the
reference's interpolation is torch's, whose arithmetic order differs.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange


def up_taps(out_size: int, in_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """1-D taps of bilinear up-sampling ``in_size`` → ``out_size`` (half-pixel centres, clamp).

    Returns ``(i0, i1, w1)``: output ``k`` = ``(1 − w1[k])·in[i0[k]] + w1[k]·in[i1[k]]``.
    """
    scale = np.float32(in_size / out_size)
    src = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    src = np.maximum(src, np.float32(0.0))
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    return i0, i1, (src - i0).astype(np.float32)


@njit(inline="always", fastmath=False)
def _lerp(a, b, w):
    return a + w * (b - a)


@njit(inline="always")
def _up_at(lo, c, yi0, yi1, wy, xi0, xi1, wx):
    """Bilinear value of ``lo[c]`` at output pixel taps (row taps y, column taps x)."""
    top = _lerp(lo[c, yi0, xi0], lo[c, yi0, xi1], wx)
    bottom = _lerp(lo[c, yi1, xi0], lo[c, yi1, xi1], wx)
    return _lerp(top, bottom, wy)


@njit(inline="always")
def _source_taps(flow, i, j, h, w, y0t, y1t, wyt, x0t, x1t, wxt, sx, sy):
    """Where output pixel ``(i, j)`` samples the plate: the up-sampled offset added, clamped.

    Returns the two columns and rows around the source, their weights, and whether it moved.
    """
    u = _up_at(flow, 0, y0t, y1t, wyt, x0t, x1t, wxt) * sx
    v = _up_at(flow, 1, y0t, y1t, wyt, x0t, x1t, wxt) * sy
    # Positions in float32, as the reference computes them (its rounding, not better).
    x = min(max(np.float32(j) + u, np.float32(0.0)), np.float32(w - 1))
    y = min(max(np.float32(i) + v, np.float32(0.0)), np.float32(h - 1))
    xf, yf = np.floor(x), np.floor(y)
    xa, ya = int(xf), int(yf)
    return (xa, min(xa + 1, w - 1), np.float32(x - xf), ya, min(ya + 1, h - 1),
            np.float32(y - yf), u != 0.0 or v != 0.0)


@njit(parallel=True, cache=True)
def _delta_vanilla(plate, flow, delta, has_delta, ty0, ty1, twy, tx0, tx1, twx, sx, sy, out):
    """``out = Warp(plate, Up(flow)) + Up(delta)`` for one ``C×H×W`` image."""
    c_n, h, w = plate.shape
    for i in prange(h):
        y0t, y1t, wyt = ty0[i], ty1[i], twy[i]
        for j in range(w):
            x0t, x1t, wxt = tx0[j], tx1[j], twx[j]
            xa, xb, ax, ya, yb, ay, moving = _source_taps(flow, i, j, h, w, y0t, y1t, wyt,
                                                          x0t, x1t, wxt, sx, sy)
            for c in range(c_n):
                value = plate[c, i, j]
                if moving:
                    top = _lerp(plate[c, ya, xa], plate[c, ya, xb], ax)
                    bottom = _lerp(plate[c, yb, xa], plate[c, yb, xb], ax)
                    value = _lerp(top, bottom, ay)
                if has_delta:
                    d = _up_at(delta, c, y0t, y1t, wyt, x0t, x1t, wxt)
                    if d != 0.0:
                        value = (value if moving else plate[c, i, j]) + d
                out[c, i, j] = value


@njit(parallel=True, cache=True)
def _paper_vanilla(plate, flow, low, base, ty0, ty1, twy, tx0, tx1, twx, sx, sy, out):
    """``out = Up(low) + Warp(plate − Up(base), Up(flow))`` for one ``C×H×W`` image.

    ``base`` = Down(plate) and ``low`` = the low-resolution result, both on the model grid; the
    residual is never stored: each tap subtracts ``Up(base)`` at that tap's own pixel.
    """
    c_n, h, w = plate.shape
    for i in prange(h):
        y0t, y1t, wyt = ty0[i], ty1[i], twy[i]
        for j in range(w):
            x0t, x1t, wxt = tx0[j], tx1[j], twx[j]
            xa, xb, ax, ya, yb, ay, moving = _source_taps(flow, i, j, h, w, y0t, y1t, wyt,
                                                          x0t, x1t, wxt, sx, sy)
            for c in range(c_n):
                r_aa = plate[c, ya, xa] - _up_at(base, c, ty0[ya], ty1[ya], twy[ya], tx0[xa], tx1[xa], twx[xa])
                r_ab = plate[c, ya, xb] - _up_at(base, c, ty0[ya], ty1[ya], twy[ya], tx0[xb], tx1[xb], twx[xb])
                r_ba = plate[c, yb, xa] - _up_at(base, c, ty0[yb], ty1[yb], twy[yb], tx0[xa], tx1[xa], twx[xa])
                r_bb = plate[c, yb, xb] - _up_at(base, c, ty0[yb], ty1[yb], twy[yb], tx0[xb], tx1[xb], twx[xb])
                residual = _lerp(_lerp(r_aa, r_ab, ax), _lerp(r_ba, r_bb, ax), ay)
                out[c, i, j] = _up_at(low, c, y0t, y1t, wyt, x0t, x1t, wxt) + residual


def reswarp_vanilla(plate: np.ndarray, flow_lo: np.ndarray, *, formulation: str,
                    delta_lo: np.ndarray | None = None, low: np.ndarray | None = None,
                    base: np.ndarray | None = None) -> np.ndarray:
    """Vanilla ResWarp of one image, fused.

    Args:
        plate: ``C×H×W`` float32, C-contiguous (the full-resolution crop, linear light).
        flow_lo: ``2×h×w`` float32 backward field in pixels of the ``h×w`` grid.
        formulation: ``"delta"`` (uses ``delta_lo``, ``C×h×w`` or None) or ``"paper"`` (uses
            ``low`` = the low-resolution result and ``base`` = Down(plate), both ``C×h×w``).

    Returns:
        ``C×H×W`` float32.
    """
    c, h, w = plate.shape
    lo_h, lo_w = flow_lo.shape[1:]
    ty0, ty1, twy = up_taps(h, lo_h)
    tx0, tx1, twx = up_taps(w, lo_w)
    sx, sy = np.float32(w / lo_w), np.float32(h / lo_h)
    out = np.empty_like(plate)
    if formulation == "delta":
        has_delta = delta_lo is not None
        delta = delta_lo if has_delta else np.zeros((c, 1, 1), np.float32)
        _delta_vanilla(plate, flow_lo, delta, has_delta, ty0, ty1, twy, tx0, tx1, twx, sx, sy, out)
    else:
        _paper_vanilla(plate, flow_lo, low, base, ty0, ty1, twy, tx0, tx1, twx, sx, sy, out)
    return out
