"""An image sampled at a list of points, however many; points carried by a backward field."""
from __future__ import annotations

import cv2
import numpy as np
from numba import njit


def sample_points(image: np.ndarray, x: np.ndarray, y: np.ndarray, how: int,
                  origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """``image`` (``H×W`` or ``H×W×C``, whose pixel 0 is at ``origin``) at points ``(x, y)``
    (any shape; pixel centres at +0.5), edges held, by OpenCV's interpolation ``how``.
    OpenCV's maps are 2-D with sides below 32767: a list of points goes in rows. A 2-channel
    image (a field's offsets) is sampled a channel at a time: OpenCV's bilinear remap of two
    float channels takes its weights on a 1/32 px lattice (off by up to 1/32 of a pixel's step;
    one channel and three are exact)."""
    if image.ndim == 3 and image.shape[2] == 2:
        return np.stack([sample_points(image[..., c], x, y, how, origin) for c in range(2)], -1)
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
    only ``channels`` (default all); edges held as there. Float32 out.

    A planar float32 image (the crop's planes seen channels last: each row's pixels adjacent)
    is sampled plane by plane on views of the window, copying nothing — the same values, ~20×
    faster for a few hundred points over a wide window (copied, its channels were gathered
    pixel by pixel)."""
    h, w = image.shape[:2]
    if x.size == 0:
        return np.zeros(x.shape + (len(channels or range(image.shape[2])),), np.float32)
    x0 = int(np.clip(np.floor(x.min()) - READ_REACH, 0, w - 1))
    y0 = int(np.clip(np.floor(y.min()) - READ_REACH, 0, h - 1))
    x1 = int(np.clip(np.ceil(x.max()) + READ_REACH, x0 + 1, w))
    y1 = int(np.clip(np.ceil(y.max()) + READ_REACH, y0 + 1, h))
    window = image[y0:y1, x0:x1]
    if image.dtype == np.float32 and image.strides[1] == image.itemsize:
        return np.stack([sample_points(window[..., c], x, y, how, (x0, y0))
                         for c in (range(image.shape[2]) if channels is None else channels)], -1)
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
    field's offsets change slowly), the field read bilinear with its edges held, until no point
    moves :data:`CARRIED_TOLERANCE` or for ``steps``. Float64 ``K×2``."""
    q = np.array(points, np.float64).reshape(-1, 2)
    if len(q):
        _carry(q, np.ascontiguousarray(field), steps, CARRIED_TOLERANCE)
    return q


@njit(cache=True)
def _carry(q, field, steps, tolerance):
    """:func:`carried` in place on ``q`` (``K×2``, float64), compiled: a frame carries its
    openings ~11 times, ~14 steps each, and as OpenCV remaps of a few dozen points a step cost
    ~5 ms a 4K frame in calls alone."""
    h, w = field.shape[1], field.shape[2]
    points = q.copy()
    for _ in range(steps):
        moved = 0.0
        for k in range(q.shape[0]):
            u, v = q[k, 0] - 0.5, q[k, 1] - 0.5
            x0, y0 = np.floor(u), np.floor(v)
            fx, fy = u - x0, v - y0
            c0 = min(max(int(x0), 0), w - 1)
            c1 = min(max(int(x0) + 1, 0), w - 1)
            r0 = min(max(int(y0), 0), h - 1)
            r1 = min(max(int(y0) + 1, 0), h - 1)
            for axis in range(2):
                plane = field[axis]
                top = plane[r0, c0] + fx * (plane[r0, c1] - plane[r0, c0])
                bottom = plane[r1, c0] + fx * (plane[r1, c1] - plane[r1, c0])
                now = points[k, axis] - (top + fy * (bottom - top))
                moved = max(moved, abs(now - q[k, axis]))
                q[k, axis] = now
        if moved < tolerance:
            break
