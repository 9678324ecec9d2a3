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

from .base import smoothstep

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


def texture_noise(detail: np.ndarray, shape: tuple[int, int], seed: int,
                  origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """A stationary texture (``H×W`` float32 for ``shape`` ``(H, W)``) of the same spectrum as
    ``detail`` (``h×w`` float32: a patch's detail, e.g. relative to its light): Gaussian noise
    shaped by the magnitude of ``detail``'s spectrum (mean-free, edge-tapered, over its root
    energy; after Galerne, Gousseau & Morel 2011's spot noise). It keeps what the patch is made of
    at every scale — pores, fine lines, the grain: white noise keeps only the grain — and none of
    where it lay; its spread is ``detail``'s (under the taper).

    Over frames it behaves as skin does: its coarser part (above the grain's σ = 1 px blur) is
    the same noise on every call — made on a periodic :data:`TEXTURE_TILE` square laid from the
    crop's corner, so that ``origin`` (the ``shape``'s top-left corner on the crop, ``(y, x)``)
    keeps it in its place on a face the crop follows, and the magnitude alone read off
    ``detail``, so that a patch read a pixel aside gives the same — while its finest part, the
    grain, is drawn anew from ``seed`` (deterministic) as a plate's grain changes every frame.
    Moving with the face it stays on the skin, where a texture drawn anew each frame boils."""
    h, w = detail.shape
    taper = np.outer(np.hanning(h + 2)[1:-1], np.hanning(w + 2)[1:-1])
    spot = ((detail - detail.mean()) * taper / np.sqrt(np.sum(taper * taper))).astype(np.float32)
    size = max(TEXTURE_TILE, next_fast_len(max(h, w)))
    # (In single precision throughout: a texture of float32 pixels needs no more, and the
    # transforms and the fresh noise took ~1.9 ms a frame in double.)
    magnitude = np.abs(rfft2(spot, (size, size)))
    still, kept = _still_noise(size)
    fresh = np.random.default_rng(seed).standard_normal((2, size, size // 2 + 1), np.float32)
    spectrum = still + (fresh[0] + np.complex64(1j) * fresh[1]) * kept
    tile = irfft2(magnitude * spectrum, (size, size))
    rows = (origin[0] + np.arange(shape[0])) % size
    cols = (origin[1] + np.arange(shape[1])) % size
    return tile[np.ix_(rows, cols)]


#: The side of the periodic tile :func:`texture_noise` lays (px): its period, at a 4K close-up
#: (~0.6 IOD across) wider than an eye's band.
TEXTURE_TILE = 256


@functools.cache
def _still_noise(size: int) -> tuple[np.ndarray, np.ndarray]:
    """The spectrum of the noise :func:`texture_noise` keeps from call to call (complex, the
    ``size`` square's real transform) where a σ = 1 px blur passes it (its weight ``g``), and the
    weight ``√(1 − g²)`` of the noise drawn anew: together of white noise's energy, E|Z|² =
    size² (as its transform would give)."""
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    passed = np.exp(-2.0 * np.pi ** 2 * (fy * fy + fx * fx))  # σ = 1 px
    scale = np.sqrt(size * size / 2.0)
    noise = np.random.default_rng(0).standard_normal((2, size, size // 2 + 1))
    return (((noise[0] + 1j * noise[1]) * passed * scale).astype(np.complex64),
            (np.sqrt(1.0 - passed * passed) * scale).astype(np.float32))


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


def stipple_at(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A fixed stipple (:func:`_stipple`) at pattern coordinates ``(x, y)`` (float32 arrays of one
    shape, 2-D; pattern px, repeating every 128): 0 the lightest, 1 the darkest, bilinear. Laid on
    in a surface's own coordinates (a tongue's, a gum's), it moves with the surface from frame
    to frame rather than boil (seeded per frame, it changed every frame)."""
    return cv2.remap(_stipple(), np.ascontiguousarray(x, np.float32),
                     np.ascontiguousarray(y, np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_WRAP)


#: A stipple is laid on whole where one of its px is at least this many of the image's, none at
#: half that (:func:`stipple_depth`): finer, it is noise at the pixels' scale, stronger than the
#: plate's grain.
STIPPLE_WHOLE_PX = 1.2


def stipple_depth(image_px: float) -> float:
    """How much of a stipple (0–1) to lay on where one of its px is ``image_px`` of the image's
    (:data:`STIPPLE_WHOLE_PX`)."""
    half = 0.5 * STIPPLE_WHOLE_PX
    return float(smoothstep(np.array((image_px - half) / half)))


@functools.cache
def _stipple() -> np.ndarray:
    """A tileable stipple (``128×128`` float32, 0–1, 0 the lightest), fixed: Gaussian noise
    smoothed over about a pit, eased into 0–1 (its upper half alone, the pits joined into dark
    blotches, a stained tongue; looked at 2×)."""
    size, sigma = 128, 0.8
    noise = np.random.default_rng(14).standard_normal((size, size)).astype(np.float32)
    pad = 4 * int(np.ceil(sigma))
    smooth = cv2.GaussianBlur(np.pad(noise, pad, mode="wrap"), (0, 0), sigma)[pad:-pad, pad:-pad]
    return smoothstep(0.5 + smooth / (4.0 * smooth.std())).astype(np.float32)
