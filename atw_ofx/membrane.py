"""A smooth fill of an image's unknown pixels from the known ones around them."""
from __future__ import annotations

import cv2
import numpy as np


def membrane(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """A smooth fill of ``values`` (``H×W×C`` float32) from where ``weights`` (``H×W``, 0–1) is
    high into where it is low: a push-pull pyramid (Gaussian pyramids of the weighted values and
    of the weights, divided, and filled level by level from the coarser one)."""
    values = np.ascontiguousarray(values, np.float32)
    weights = np.ascontiguousarray(weights, np.float32)
    pyramid = [(values * weights[..., None], weights)]
    while min(pyramid[-1][1].shape) > 2:
        v, w = pyramid[-1]
        pyramid.append((cv2.pyrDown(v).reshape(-1, (w.shape[1] + 1) // 2, v.shape[-1]),
                        cv2.pyrDown(w)))
    v, w = pyramid[-1]
    mean = v.sum((0, 1)) / max(float(w.sum()), 1e-6)
    filled = np.where(w[..., None] > 1e-6, v / np.maximum(w, 1e-6)[..., None], mean)
    for v, w in reversed(pyramid[:-1]):
        coarse = cv2.pyrUp(filled, dstsize=(w.shape[1], w.shape[0])).reshape(v.shape)
        known = np.clip(w, 0.0, 1.0)[..., None]
        filled = known * v / np.maximum(w, 1e-6)[..., None] + (1 - known) * coarse
    return filled
