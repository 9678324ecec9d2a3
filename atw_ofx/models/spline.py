"""Thin-plate splines in 2-D: the rig's dense field from its moved and pinned points.

``f(p) = Σ_i w_i · φ(|p − c_i|) + a₀ + a₁·x + a₂·y`` with ``φ(r) = r² log r``, the weights and
the affine part solved with a smoothing term on the kernel's diagonal — the function SciPy's
``RBFInterpolator(kernel="thin_plate_spline", smoothing=s)`` fits (tested against it). SciPy
evaluates through a general kernel matrix, ~30 ns a point and control: for a 128 px face grid
and ~120 controls that was the rig's largest per-frame cost (~17 ms). Here the evaluation is one
compiled loop over the points, in float64 like SciPy's.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange


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
    r2 = ((controls[:, None, :] - controls[None, :, :]) ** 2).sum(-1)
    system[:n, :n] = _phi(r2) + smoothing * np.eye(n)
    poly = np.concatenate((np.ones((n, 1)), (controls - shift) / scale), axis=1)
    system[:n, n:], system[n:, :n] = poly, poly.T
    solution = np.linalg.solve(system, np.concatenate((values, np.zeros((3, values.shape[1])))))
    weights, scaled = solution[:n], solution[n:]
    # Back to plain coordinates: a₀ + Σ_k b_k (x_k − shift_k)/scale_k.
    slopes = scaled[1:] / scale[:, None]
    affine = np.concatenate((scaled[:1] - shift @ slopes, slopes))
    return Spline(controls, weights, affine)


def evaluate(spline: Spline, points: np.ndarray) -> np.ndarray:
    """The spline at ``points`` (``M×2``, float): ``M×D`` float64."""
    points = np.ascontiguousarray(points, np.float64)
    out = np.empty((len(points), spline.weights.shape[1]))
    _evaluate(points, np.ascontiguousarray(spline.controls), np.ascontiguousarray(spline.weights),
              np.ascontiguousarray(spline.affine), out)
    return out


def _phi(r2: np.ndarray) -> np.ndarray:
    """``r² log r`` from ``r²`` (``½ r² log r²``), 0 at ``r = 0``."""
    return 0.5 * r2 * np.log(np.where(r2 > 0, r2, 1.0))


@njit(parallel=True, cache=True)
def _evaluate(points, controls, weights, affine, out):
    n, d = weights.shape
    for k in prange(points.shape[0]):
        x, y = points[k, 0], points[k, 1]
        for j in range(d):
            out[k, j] = affine[0, j] + affine[1, j] * x + affine[2, j] * y
        for i in range(n):
            dx, dy = x - controls[i, 0], y - controls[i, 1]
            r2 = dx * dx + dy * dy
            if r2 > 0.0:
                phi = 0.5 * r2 * np.log(r2)
                for j in range(d):
                    out[k, j] += weights[i, j] * phi
