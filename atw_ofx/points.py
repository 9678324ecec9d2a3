"""An image sampled at a list of points, however many."""
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
