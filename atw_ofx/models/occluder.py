"""A field that keeps each pixel on its own side of a rigid occluder held still (a glasses frame).

The renderer lays the frame's own pixels back over the warped face, but the face around it moves:
a brow raise makes the skin just above a frame's top bar sample from below it — from behind the
bar, a fill — and on thick bars that showed as a torn sheet between bar and brow (looked at on
the four shared faces with glasses). Skin does not come out from behind a frame: the skin between
the brow and the bar stretches. So each pixel outside the occluder takes its source on its own
side: along the direction away from the occluder (the gradient of its distance transform), the
source's distance from it — the pixel's own plus the field's component along that direction —
is eased so that it stays clear of it: unchanged from :data:`HOLD_MARGIN` on (or from the
pixel's own distance, if nearer: a pixel that does not move stays), below that an exponential
that only approaches :data:`HOLD_CLEAR` (a pixel nearer than that moves no nearer). The ease is
increasing, so a field that did not fold does not fold along that direction either. The
occluder's own pixels move as the nearest pixel outside it.

Coordinates: pixels of the field's square grid, centres at ``(j + 0.5, i + 0.5)``; the field is
a backward map (``atw_ofx.conventions``), ``2×n×n``, channel 0 = x.
"""
from __future__ import annotations

import cv2
import numpy as np

#: Where the ease starts: a source this near the occluder's edge (grid px) or nearer is eased
#: (:data:`HOLD_MARGIN`), and the least distance it eases to (:data:`HOLD_CLEAR`) — a pixel
#: clear of the grid's occluder, which the renderer's frame at full size may overhang.
HOLD_MARGIN, HOLD_CLEAR = 2.5, 1.0
#: An occluder on the grid (its share of each grid pixel) counts from this much cover.
COVERS = 0.05


def held_apart(field: np.ndarray, occluder: np.ndarray) -> np.ndarray:
    """``field`` (``2×n×n`` float, grid px) with every pixel outside ``occluder`` (``n×n``
    bool) sampling on its own side of it, and every pixel inside moving as the nearest outside
    does. A copy, float32."""
    out = np.array(field, np.float32)
    if not occluder.any() or occluder.all():
        return out
    # Distance from each pixel's centre to the occluder's edge (half a pixel nearer than to its
    # nearest pixel's centre), and the direction away from it.
    distance = cv2.distanceTransform((~occluder).astype(np.uint8), cv2.DIST_L2, 5) - 0.5
    smooth = cv2.GaussianBlur(distance, (0, 0), 1.0)
    gy, gx = np.gradient(smooth)
    length = np.hypot(gx, gy)
    # Eased: only pixels the field could carry to the occluder (and where the direction is
    # defined).
    near = (~occluder) & (distance < np.abs(out).max() + HOLD_MARGIN) & (length > 1e-3)
    nx, ny = gx[near] / length[near], gy[near] / length[near]
    d = distance[near]
    source = d + out[0][near] * nx + out[1][near] * ny
    # Below the margin m (HOLD_MARGIN, or the pixel's own distance if nearer: a pixel that does
    # not move stays where it is): c + (m − c)·e^((s − m)/(m − c)), which meets s with its slope
    # at m and never reaches the clearance c (HOLD_CLEAR; a pixel nearer than that moves no
    # nearer).
    margin = np.minimum(d, HOLD_MARGIN)
    clear = np.minimum(d, HOLD_CLEAR)
    span = margin - clear
    eased = np.where(source >= margin, source, clear + span * np.exp(
        (np.minimum(source, margin) - margin) / np.maximum(span, 1e-6)))
    out[0][near] += (eased - source) * nx
    out[1][near] += (eased - source) * ny
    # The occluder's own pixels move as the nearest pixel outside it does: on the grid the
    # occluder is grown over every cell the frame touches, and the renderer shows the warped
    # face wherever its frame at full size does not cover a pixel — with their own field those
    # pixels showed what lay behind the frame, a band round it as wide as a cell. (Eased as
    # well, from inside, they took the skin beside them even where the field is zero.)
    _, labels = cv2.distanceTransformWithLabels(occluder.astype(np.uint8), cv2.DIST_L2, 5,
                                                labelType=cv2.DIST_LABEL_PIXEL)
    free_y, free_x = np.nonzero(~occluder)  # label k is the k-th such pixel in raster order
    ys, xs = np.nonzero(occluder)
    nearest = labels[ys, xs] - 1
    out[:, ys, xs] = out[:, free_y[nearest], free_x[nearest]]
    return out
