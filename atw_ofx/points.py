"""An image sampled at a list of points, however many; points carried by a backward field."""
from __future__ import annotations

import cv2
import numpy as np


def sample_points(image: np.ndarray, x: np.ndarray, y: np.ndarray, how: int,
                  origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """``image`` (``H×W`` or ``H×W×C``, whose pixel 0 is at ``origin``) at points ``(x, y)``
    (any shape; pixel centres at +0.5), edges held, by OpenCV's interpolation ``how``.
    OpenCV's maps are 2-D with sides below 32767: a list of points goes in rows."""
    count = x.size
    side = max(1, int(np.ceil(np.sqrt(count))))
    maps = [np.zeros(side * side, np.float32) for _ in range(2)]
    maps[0][:count] = x.ravel() - 0.5 - origin[0]
    maps[1][:count] = y.ravel() - 0.5 - origin[1]
    out = cv2.remap(image, maps[0].reshape(side, side), maps[1].reshape(side, side), how,
                    borderMode=cv2.BORDER_REPLICATE)
    return out.reshape((side * side,) + image.shape[2:])[:count].reshape(x.shape + image.shape[2:])


#: How far past a point OpenCV's widest interpolation (cubic) reads, px, with a pixel to spare.
READ_REACH = 3


def sample_window(image: np.ndarray, x: np.ndarray, y: np.ndarray, how: int,
                  channels: list[int] | None = None) -> np.ndarray:
    """:func:`sample_points` of ``image`` (``H×W×C``, any strides: a planar crop seen channels
    last) that copies only the window the points and the interpolation's reach fall in, and
    only ``channels`` (default all); edges held as there. Float32 out."""
    h, w = image.shape[:2]
    if x.size == 0:
        return np.zeros(x.shape + (len(channels or range(image.shape[2])),), np.float32)
    x0 = int(np.clip(np.floor(x.min()) - READ_REACH, 0, w - 1))
    y0 = int(np.clip(np.floor(y.min()) - READ_REACH, 0, h - 1))
    x1 = int(np.clip(np.ceil(x.max()) + READ_REACH, x0 + 1, w))
    y1 = int(np.clip(np.ceil(y.max()) + READ_REACH, y0 + 1, h))
    window = image[y0:y1, x0:x1]
    return sample_points(np.ascontiguousarray(window, np.float32) if channels is None
                         else channels_of(window, channels), x, y, how, (x0, y0))


def channels_of(image: np.ndarray, channels: list[int]) -> np.ndarray:
    """``image[..., channels]`` (``H×W×C`` any strides) as a contiguous float32 copy — by a slice
    when the channels run in order (the usual RGB first), which copies ~2× faster than a
    gather."""
    first = channels[0] if len(channels) else 0
    if list(channels) == list(range(first, first + len(channels))):
        return np.ascontiguousarray(image[..., first:first + len(channels)], np.float32)
    return np.ascontiguousarray(image[..., channels], np.float32)


#: How close (grid px) a carried point's last two steps must come: by a smile's corners the
#: field stretches and four steps still left points up to 0.46 grid px (~4 crop px) off, and a
#: carried opening kinked there (faces 0, 2, 5 under AU12 and happy, looked at).
CARRIED_TOLERANCE = 1e-3


def carried(points: np.ndarray, field: np.ndarray, steps: int = 32) -> np.ndarray:
    """Where the backward ``field`` (``2×n×n``, grid px) carries ``points`` (``K×2`` grid px,
    centres at +0.5): the ``q`` with ``q + field(q) = point`` — a fixed-point iteration (a smooth
    field's offsets change slowly), until no point moves :data:`CARRIED_TOLERANCE` or for
    ``steps``."""
    planes = [np.ascontiguousarray(plane, np.float32) for plane in field]
    q = points.astype(np.float64).copy()
    for _ in range(steps):
        x, y = (q[:, 0] - 0.5).astype(np.float32)[None], (q[:, 1] - 0.5).astype(np.float32)[None]
        offset = np.stack([cv2.remap(plane, x, y, cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_REPLICATE)[0] for plane in planes], 1)
        q, last = points - offset, q
        if len(q) == 0 or np.abs(q - last).max() < CARRIED_TOLERANCE:
            break
    return q
