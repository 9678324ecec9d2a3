"""The plate's grain on what the rig generates (a mouth's inside, a white covered by a shut lid),
and the texture of its skin (:func:`texture_noise`) where a warp stretched the skin's own away.

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
from scipy.fft import irfft2, next_fast_len, rfft2

#: A normal distribution's standard deviation over its median absolute deviation.
MAD_TO_SIGMA = 1.4826


def fine_detail(image: np.ndarray) -> np.ndarray:
    """``image`` (``H×W`` or ``H×W×C`` float32) minus its σ = 1 px Gaussian blur."""
    return image - cv2.GaussianBlur(image, (0, 0), 1.0)


def relative_grain(image: np.ndarray, where: np.ndarray | None = None,
                   level: np.ndarray | None = None) -> np.ndarray:
    """The grain of ``image`` (``H×W×C`` float32, linear) at ``where`` (``H×W`` bool; None: every
    pixel): its fine detail's robust spread (the median absolute deviation, so that edges and
    whiskers among the pixels do not count as grain) over its mean light there (``level``,
    ``C``, when the caller has it), per channel (``C``)."""
    channels = image.shape[-1]
    detail = fine_detail(image)
    # Channel by channel contiguous: the medians partition rows, not strided columns.
    fine = np.ascontiguousarray((detail.reshape(-1, channels) if where is None
                                 else detail[where]).T)
    spread = MAD_TO_SIGMA * median_rows(np.abs(fine - median_rows(fine)[:, None]))
    if level is None:
        level = (image.reshape(-1, channels) if where is None else image[where]).mean(0)
    return spread / np.maximum(level, 1e-6)


def darkest_mean(pixels: np.ndarray, percent: int) -> np.ndarray:
    """The mean colour (``C``) of the darkest ``percent`` of ``pixels`` (``K×C``, by their mean
    over channels): a region's shadow, the colour a generated dark is made of."""
    luma = pixels.mean(-1)
    few = len(luma) * percent // 100
    return pixels[luma <= np.partition(luma, few)[few]].mean(0)


def brightest_mean(pixels: np.ndarray, percent: int) -> np.ndarray:
    """The mean colour (``C``) of the brightest ``percent`` of ``pixels`` (``K×C``, by their mean
    over channels): the teeth's light, what a mouth's own inside shows brightest."""
    return -darkest_mean(-pixels, percent)


def laid_on(grain: np.ndarray, fill: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The spread of ``grain`` (``C``, relative to the light ``level`` it was measured at) laid
    on a fill of light ``fill`` (``C`` or ``K×C``): as strong against the source's as the square
    root of their light's ratio (a sensor's noise: dimmer, yet relatively more)."""
    return grain * np.sqrt(np.maximum(fill, 0.0) * level)


def median_rows(values: np.ndarray) -> np.ndarray:
    """Each row's median of ``values`` (``R×N``, N ≥ 1), as ``np.median(values, 1)`` gives it
    (the mean of the middle two for an even N) — by one partition, without its checks and
    copies (a quarter of the time on the few thousand values of a patch)."""
    n = values.shape[1]
    middle = np.partition(values, [(n - 1) // 2, n // 2], axis=1)
    return (middle[:, (n - 1) // 2] + middle[:, n // 2]) / 2


def texture_noise(detail: np.ndarray, shape: tuple[int, int], seed: int) -> np.ndarray:
    """A stationary texture (``H×W`` float32 for ``shape`` ``(H, W)``, deterministic from
    ``seed``) of the same spectrum as ``detail`` (``h×w`` float32: a patch's detail, e.g. relative
    to its light): white noise convolved with ``detail``'s mean-free, edge-tapered copy over its
    root energy — asymptotic discrete spot noise (Galerne, Gousseau & Morel 2011). It keeps what
    the patch is made of at every scale — pores, fine lines, the grain: white noise keeps only
    the grain — and none of where it lay. Its spread is ``detail``'s (under the taper).

    Made on a periodic tile of at most :data:`TEXTURE_TILE` px a side (the noise drawn as its
    spectrum: one transform less) and repeated over a larger ``shape``: ~1 ms a tile."""
    h, w = detail.shape
    taper = np.outer(np.hanning(h + 2)[1:-1], np.hanning(w + 2)[1:-1])
    spot = (detail - detail.mean()) * taper / np.sqrt(np.sum(taper * taper))
    rows, cols = (max(min(next_fast_len(n), TEXTURE_TILE), next_fast_len(m))
                  for n, m in zip(shape, (h, w)))
    # White noise's spectrum: complex normal, E|Z|² = rows · cols, as its transform would give.
    rng = np.random.default_rng(seed)
    half = (rows, cols // 2 + 1)
    spectrum = (rng.standard_normal(half) + 1j * rng.standard_normal(half)) \
        * np.sqrt(rows * cols / 2.0)
    tile = irfft2(spectrum * rfft2(spot, (rows, cols)), (rows, cols)).astype(np.float32)
    return np.tile(tile, (-(-shape[0] // rows), -(-shape[1] // cols)))[:shape[0], :shape[1]]


#: The largest side of the tile :func:`texture_noise` repeats: its period, at a 4K close-up
#: (~0.6 IOD across) wider than an eye's band.
TEXTURE_TILE = 256


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
