"""The plate's grain on what the rig generates (a mouth's inside, a white covered by a shut lid).

A generated region is a smooth fill; left smooth it reads as a flat patch in the grain around it.
It takes the plate's own grain instead: measured as the spread of the plate's fine detail (the
image minus a σ = 1 px blur) relative to its light, per channel, and laid on as one noise for all
channels scaled by each one's spread — a skin's or a lip's grain is mostly in its light, and
independent noise per channel showed as colour speckle (looked at).
"""
from __future__ import annotations

import functools

import cv2
import numpy as np

#: A normal distribution's standard deviation over its median absolute deviation.
MAD_TO_SIGMA = 1.4826


def fine_detail(image: np.ndarray) -> np.ndarray:
    """``image`` (``H×W`` or ``H×W×C`` float32) minus its σ = 1 px Gaussian blur."""
    return image - cv2.GaussianBlur(image, (0, 0), 1.0)


def relative_grain(image: np.ndarray, where: np.ndarray,
                   level: np.ndarray | None = None) -> np.ndarray:
    """The grain of ``image`` (``H×W×C`` float32, linear) at ``where`` (``H×W`` bool): its fine
    detail's robust spread (the median absolute deviation, so that edges and whiskers among the
    pixels do not count as grain) over its mean light there (``level``, ``C``, when the caller
    has it), per channel (``C``)."""
    # Channel by channel contiguous: the medians partition rows, not strided columns.
    fine = np.ascontiguousarray(fine_detail(image)[where].T)
    spread = MAD_TO_SIGMA * np.median(np.abs(fine - np.median(fine, 1, keepdims=True)), 1)
    level = image[where].mean(0) if level is None else level
    return spread / np.maximum(level, 1e-6)


def grain_noise(shape: tuple[int, int], seed: int) -> np.ndarray:
    """Gaussian noise (``H×W`` float32, deterministic from ``seed``) scaled so that its fine
    detail spreads by 1: a measured :func:`relative_grain` times it gives that grain."""
    noise = np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)
    return noise / _fine_spread_of_white_noise()


@functools.cache
def _fine_spread_of_white_noise() -> float:
    """How much of unit white noise :func:`fine_detail` keeps (its spread, ~0.8): a constant of
    the blur, measured once on a large field rather than on every region's noise."""
    noise = np.random.default_rng(0).standard_normal((512, 512), dtype=np.float32)
    return float(fine_detail(noise).std())
