"""Thin-plate splines in 2-D: the rig's dense field from its moved and pinned points.

``f(p) = Σ_i w_i · φ(|p − c_i|) + a₀ + a₁·x + a₂·y`` with ``φ(r) = r² log r``, the weights and
the affine part solved with a smoothing term on the kernel's diagonal — the function SciPy's
``RBFInterpolator(kernel="thin_plate_spline", smoothing=s)`` fits (tested against it). SciPy
evaluates through a general kernel matrix, ~30 ns a point and control: for a 128 px face grid
and ~120 controls that was the rig's largest per-frame cost (~17 ms). Here the evaluation is one
compiled loop over the points, in float64 like SciPy's.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic
from scipy.spatial.distance import cdist
from threadpoolctl import ThreadpoolController


class Spline(NamedTuple):
    """A fitted spline: ``controls`` ``N×2``, ``weights`` ``N×D``, ``affine`` ``3×D`` (float64)."""

    controls: np.ndarray
    weights: np.ndarray
    affine: np.ndarray


def fit(controls: np.ndarray, values: np.ndarray, smoothing: float = 0.0) -> Spline:
    """The thin-plate spline through ``values`` (``N×D``) at ``controls`` (``N×2``), with
    ``smoothing`` added to the kernel's diagonal (0 interpolates exactly).

    The affine part is solved on coordinates centred and scaled to the controls' extent (as
    SciPy does), which keeps the system well conditioned on pixel coordinates.
    """
    controls = np.asarray(controls, np.float64)
    values = np.asarray(values, np.float64).reshape(len(controls), -1)
    n = len(controls)
    shift = (controls.max(0) + controls.min(0)) / 2
    scale = np.maximum((controls.max(0) - controls.min(0)) / 2, 1e-12)
    system = np.zeros((n + 3, n + 3))
    r2 = cdist(controls, controls, "sqeuclidean")  # as (c_i − c_j)² summed; 15× numpy's
    system[:n, :n] = _phi(r2) + smoothing * np.eye(n)
    poly = np.concatenate((np.ones((n, 1)), (controls - shift) / scale), axis=1)
    system[:n, n:], system[n:, :n] = poly, poly.T
    with one_blas_thread():
        solution = np.linalg.solve(system, np.concatenate((values, np.zeros((3, values.shape[1])))))
    weights, scaled = solution[:n], solution[n:]
    # Back to plain coordinates: a₀ + Σ_k b_k (x_k − shift_k)/scale_k.
    slopes = scaled[1:] / scale[:, None]
    affine = np.concatenate((scaled[:1] - shift @ slopes, slopes))
    return Spline(controls, weights, affine)


def one_blas_thread():
    """A context in which BLAS/LAPACK (numpy's OpenBLAS) runs on the calling thread alone.

    A ~130² solve gains nothing from more threads, and OpenBLAS's woken workers then busy-wait
    for ~0.1 s — through the rest of the frame, taking cores from its parallel kernels (on 2 cores
    the rig's field took 15 ms instead of 5). The previous limits come back on exit.
    """
    return _blas_controller().limit(limits=1, user_api="blas")


@functools.cache
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()  # finds the BLAS libraries loaded now (numpy's, at least)


def evaluate(spline: Spline, points: np.ndarray) -> np.ndarray:
    """The spline at ``points`` (``M×2``, float): ``M×D`` float64."""
    points = np.asarray(points, np.float64)
    out = np.empty((spline.weights.shape[1], len(points)))
    _evaluate(np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1]),
              np.ascontiguousarray(spline.controls), np.ascontiguousarray(spline.weights),
              np.ascontiguousarray(spline.affine), out)
    return out.T


def _phi(r2: np.ndarray) -> np.ndarray:
    """``r² log r`` from ``r²`` (``½ r² log r²``), 0 at ``r = 0``."""
    return 0.5 * r2 * np.log(np.where(r2 > 0, r2, 1.0))


#: Points per parallel block: their ``φ`` row stays in L1 while every control adds to it.
BLOCK = 512


@njit(parallel=True, cache=True, fastmath={"contract"})
def _evaluate(xs, ys, controls, weights, affine, out):
    """``out`` (``D×M``) = the spline at the points ``(xs, ys)``, controls outermost so that the
    loop over points — distance, ``φ``, accumulation — vectorises (no library call inside);
    each point still sums its controls in order. Multiply-adds fused (15 % faster; the values
    move by ~1e-10 px). Each block works on its own contiguous slices, indexed from 0: indexed
    from the block's start into the whole arrays, the ``φ`` loop stayed scalar (2.4× slower)."""
    n, d = weights.shape
    m = xs.shape[0]
    for block in prange((m + BLOCK - 1) // BLOCK):
        first, stop = block * BLOCK, min((block + 1) * BLOCK, m)
        size = stop - first
        bx, by = xs[first:stop], ys[first:stop]
        phi = np.empty(size)
        sums = np.empty((d, size))
        for j in range(d):
            for k in range(size):
                sums[j, k] = affine[0, j] + affine[1, j] * bx[k] + affine[2, j] * by[k]
        for i in range(n):
            cx, cy = controls[i, 0], controls[i, 1]
            for k in range(size):
                dx, dy = bx[k] - cx, by[k] - cy
                r2 = dx * dx + dy * dy
                phi[k] = 0.5 * r2 * _log(r2)  # r2 = 0: 0 · (a finite value) = 0
            for j in range(d):
                w = weights[i, j]
                for k in range(size):
                    sums[j, k] += w * phi[k]
        out[:, first:stop] = sums


_LN2 = np.log(2.0)
_SQRT2 = np.sqrt(2.0)
_MANTISSA, _ONE = np.int64(0x000FFFFFFFFFFFFF), np.int64(0x3FF0000000000000)


@njit(inline="always")
def _log(x):
    """Natural log of a positive normal float64, to ~1e-15 relative, in plain arithmetic (the
    compiler vectorises it, unlike a call to libm): ``x = m·2^e`` with ``m`` in [√½, √2), then
    ``log m = 2 atanh(s)``, ``s = (m − 1)/(m + 1)``, ``|s| ≤ 0.172``, summed to ``s¹⁵``. At 0 it
    returns a finite value."""
    bits = _float_bits(x)
    e = np.float64((bits >> 52) - 1023)
    m = _bits_float((bits & _MANTISSA) | _ONE)  # in [1, 2)
    # Halved above √2 by arithmetic, not a branch: a branch kept the loop round it scalar.
    high = np.float64(m > _SQRT2)
    m = m * (1.0 - 0.5 * high)
    e = e + high
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    series = 2.0 / 15.0
    for c in (2.0 / 13.0, 2.0 / 11.0, 2.0 / 9.0, 2.0 / 7.0, 2.0 / 5.0, 2.0 / 3.0, 2.0):
        series = c + s2 * series
    return e * _LN2 + s * series


@intrinsic
def _float_bits(typingctx, x):
    """A float64's bit pattern as an int64 (a register reinterpretation, no conversion)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


@intrinsic
def _bits_float(typingctx, bits):
    """The float64 whose bit pattern is the int64 ``bits``."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen
