"""The Jacobian of a backward field: what the rig's fold guard bounds, and how much it magnifies.

A backward field ``F`` (``2×h×w``, channel 0 = x, in pixels of its own grid) maps each output
pixel ``p`` to the source point ``p + F(p)``; its Jacobian is ``I + ∇F``, with derivatives as
:func:`numpy.gradient` takes them (central differences, one-sided at the edges). Its determinant
is ``1 + a + b`` — ``a`` the divergence of ``∇F``, ``b`` its determinant: below 0 the warp folds,
and its inverse is how many times the warp magnifies the source there.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def jacobian_terms(fx: np.ndarray, fy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The divergence and the determinant of the field ``(fx, fy)``'s gradient (``h×w`` float32
    each, ``h, w ≥ 2``), float32: its derivatives as :func:`numpy.gradient` takes them (central
    differences, one-sided at the edges) and every step rounded as the array operations round
    it, in one pass — four gradients and their products cost ~0.7 ms a frame as those."""
    h, w = fx.shape
    a, b = np.empty_like(fx), np.empty_like(fx)
    for i in range(h):
        i0, i1 = max(i - 1, 0), min(i + 1, h - 1)
        down = np.float32(1.0 / (i1 - i0))  # a half between two neighbours, exactly
        for j in range(w):
            j0, j1 = max(j - 1, 0), min(j + 1, w - 1)
            across = np.float32(1.0 / (j1 - j0))
            gx_x = np.float32(fx[i, j1] - fx[i, j0]) * across
            gx_y = np.float32(fx[i1, j] - fx[i0, j]) * down
            gy_x = np.float32(fy[i, j1] - fy[i, j0]) * across
            gy_y = np.float32(fy[i1, j] - fy[i0, j]) * down
            a[i, j] = gx_x + gy_y
            b[i, j] = np.float32(gx_x * gy_y) - np.float32(gx_y * gy_x)
    return a, b


def magnification(field: np.ndarray) -> np.ndarray:
    """How many times the backward ``field`` (``2×h×w``) magnifies the source at each pixel
    (``h×w`` float32: output area over the source area it samples, the inverse of its
    Jacobian's determinant; large where it folds)."""
    a, b = jacobian_terms(np.ascontiguousarray(field[0], np.float32),
                          np.ascontiguousarray(field[1], np.float32))
    return (1.0 / np.maximum(1.0 + a + b, np.float32(1e-3))).astype(np.float32)
