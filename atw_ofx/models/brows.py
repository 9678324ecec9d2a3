"""The lid skin a raised brow stretches (AU01, AU02: surprise, fear, sad).

A brow raised 0.2 IOD over lid skin a third as high stretches that skin 4–5× — real skin unfolds
from the crease there; a warp can only stretch it. Two things follow:

- the rig's fold guard, bound to a Jacobian of 0.2 (:data:`.rig.MIN_JACOBIAN`), faded the field
  round the brow's lower edge, which then rose 0.05–0.1 IOD less than its top: the brow came out
  thickened (looked at: AU01 + AU02 on shared faces 3 and 6). Under a rising brow the bound is
  :data:`LID_FLOOR` instead (:func:`under_brows`), and the brow travels whole;
- stretched that much, the plate's fine detail there — its grain, pores, the brow's lowest
  hairs — is drawn out into vertical streaks. Where the warp magnifies more than
  :data:`STREAKS_FROM`, the renderer keeps the warp's light, smoothed across the streaks, and
  lays the skin's own grain on it (:func:`smooth_stretched`): generated pixels.

Coordinates: the field's square grid (``G`` px a side, centres at +0.5); the crop is ``S`` px,
``S / G`` of them a grid pixel. Fields are backward maps, ``2×G×G``, channel 0 = x.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import cv2
import numpy as np

from ..points import channels_of
from .base import smoothstep
from .eyelids import BROWS_68, EYES, eye_frame, face_down
from .grain import grain_noise, laid_on, relative_grain
from .mouth import Generated

#: The least Jacobian the rig's fold guard keeps in the lid skin under a rising brow (10×
#: magnified at most; elsewhere 5×).
LID_FLOOR = 0.1
#: The warp's magnification (output area over source area) over which its fine detail is
#: replaced, from nothing to whole: stretched 2× the grain still reads as grain, 3.5× as streaks.
STREAKS_FROM, STREAKS_FULL = 2.0, 3.5
#: How far (crop px, a Gaussian's σ) the stretched light is smoothed: a streak is a pixel or two
#: across.
SMOOTH = 1.5


@dataclass(frozen=True)
class StretchedSkin:
    """The lid skin under the rising brows, on the field's ``grid`` (``mask``: ``G×G`` float32,
    0–1, where it lies once the brows have risen), finished by the renderer at full size
    (:func:`smooth_stretched`)."""

    mask: np.ndarray
    grid: int


def under_brows(mesh: np.ndarray, moved68: np.ndarray, n: int) -> np.ndarray | None:
    """Where the lid skin under each rising brow lies once it has risen (``n×n`` float32, 0–1;
    ``mesh`` and ``moved68`` — the 68 (+2) displacements — on that grid): between the band of
    lashes and the brow's lower edge carried up with the brow, feathered by a pixel; None where
    no brow rises."""
    from ..face.layout import MESH_TO_IBUG68

    down = face_down(mesh)
    mask = np.zeros((n, n), np.uint8)
    for eye, brow68 in zip(EYES, BROWS_68):
        brow = np.array(brow68)
        if (moved68[brow] @ down).min() >= 0.0:
            continue
        _, local, _, _ = eye_frame(mesh, eye)
        along_brow = local(mesh[MESH_TO_IBUG68[brow]])[:, 0]
        order = np.argsort(along_brow)
        edge = mesh[list(eye["brow_edge"])]
        shift = np.stack([np.interp(local(edge)[:, 0], along_brow[order], moved68[brow[order], k])
                          for k in range(2)], axis=1)
        polygon = np.concatenate((mesh[list(eye["lashes"])], (edge + shift)[::-1]))
        # (A quarter-pixel raster: shift 2; centres at +0.5.)
        cv2.fillPoly(mask, [np.round((polygon - 0.5) * 4).astype(np.int32)], 1, shift=2)
    if not mask.any():
        return None
    return cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 1.0)


def magnification(field: np.ndarray) -> np.ndarray:
    """How many times the backward ``field`` (``2×G×G``) magnifies the source at each pixel
    (``G×G`` float32: output area over the source area it samples, the inverse of its
    Jacobian's determinant; large where it folds)."""
    dxx, dxy = np.gradient(field[0], axis=1), np.gradient(field[0], axis=0)
    dyx, dyy = np.gradient(field[1], axis=1), np.gradient(field[1], axis=0)
    det = (1.0 + dxx) * (1.0 + dyy) - dxy * dyx
    return (1.0 / np.maximum(det, 1e-3)).astype(np.float32)


def smooth_stretched(warped: np.ndarray, original: np.ndarray, skin: StretchedSkin,
                     colour: tuple[int, ...], field: np.ndarray) -> tuple[np.ndarray, Generated]:
    """``warped`` (``S×S×C`` linear, the ResWarp result; changed in place) with the lid skin the
    warp (``field``, backward, ``2×G×G`` on the skin's grid) stretches past
    :data:`STREAKS_FROM` made of its smoothed light and the plate's own grain (``original``, the
    crop as shot); returns ``(warped, generated)``. Only the ``colour`` channels change."""
    size, grid = warped.shape[0], skin.grid
    weight = skin.mask * smoothstep((magnification(field) - STREAKS_FROM)
                                    / (STREAKS_FULL - STREAKS_FROM))
    rows, cols = np.nonzero(weight > 0.0)
    if not len(rows):
        return warped, Generated(0, 0, np.zeros((0, 0), np.float32))
    k = size / grid
    y0, x0 = max(int(rows.min() * k) - 2, 0), max(int(cols.min() * k) - 2, 0)
    y1, x1 = min(int((rows.max() + 1) * k) + 2, size), min(int((cols.max() + 1) * k) + 2, size)
    # The weight on the crop's pixels (bilinear, half-pixel centres as the field's up-sampling).
    ys, xs = (np.arange(y0, y1) + 0.5) / k - 0.5, (np.arange(x0, x1) + 0.5) / k - 0.5
    map_x, map_y = np.meshgrid(xs.astype(np.float32), ys.astype(np.float32))
    alpha = cv2.remap(weight.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_CONSTANT)
    channels = list(colour)
    box = (slice(y0, y1), slice(x0, x1))
    region = channels_of(warped[box], channels)
    smooth = cv2.GaussianBlur(region, (0, 0), SMOOTH)
    # The skin's grain: the plate's fine detail there as shot (its median spread: the hairs of a
    # brow among it are not grain), relative to its light.
    plate = channels_of(original[box], channels)
    level = np.median(plate.reshape(-1, len(channels)), axis=0)
    grain = relative_grain(plate, level=level)
    noise = grain_noise(alpha.shape, zlib.crc32(plate.tobytes()))[..., None]
    made = smooth + noise * laid_on(grain, smooth, level).astype(np.float32)
    region += alpha[..., None] * (made - region)
    target = warped[box]
    target[..., channels] = region
    return warped, Generated(y0, x0, alpha)
