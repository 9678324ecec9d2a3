"""The interface every motion model implements (landmark rig, learned ATW generator, imported flow).

A model sees the face crop at its own resolution ``R`` (128 for the paper's generator) in its
display encoding, [-1, 1], and returns the paper's three outputs: the motion field ``F``, the coarse
warped face ``O^w`` and the refined face ``O^r``. ResWarp takes it from there at full resolution.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, NamedTuple, Protocol

import numpy as np
import torch

from ..conventions import MotionField

if TYPE_CHECKING:
    from .lid_look import LidLook
    from .mouth_look import MouthLook


#: The face's light at points on the model's grid (``…×2``, continuous px, centres at +0.5),
#: read from the crop at full size (pooled to a few times the grid at most): a float32 array of
#: the points' shape without its last axis, the colour channels' mean in a display-like encoding
#: (linear ^ 1/2.2, 0 black).
LightAt = Callable[[np.ndarray], np.ndarray]


#: The crop's colour channels at full size at points in its own px (``…×2``, as
#: :func:`~atw_ofx.points.sample_window` reads them): float32 ``…×C``, linear; bilinear, edges held.
PixelsAt = Callable[[np.ndarray], np.ndarray]


class FullSize(NamedTuple):
    """The crop at full size, for what the model's grid is too coarse to see (where a lip's edge
    meets the teeth, to a pixel): its side ``size`` (px) and its pixels ``at`` points
    (:data:`PixelsAt`)."""

    size: int
    at: PixelsAt


@dataclass
class FaceContext:
    """What the renderer knows about the face, on the model's ``R×R`` grid.

    Attributes:
        landmarks: 68×2 float64 (x, y) positions (continuous pixels, y down), or None.
        matte: ``R×R`` float32 soft face matte in [0, 1]; motion outside it is cut off.
        retarget: a performer's motion for this frame (``70×2`` face coordinates, IOD) and
            their region sizes (:mod:`atw_ofx.retarget`), or None.
        occluder: ``R×R`` float32, where something rigid in front of the face covers it (a
            glasses frame, :mod:`atw_ofx.face.glasses`; the renderer holds it still), or None.
        mouth: the shot's own mouth (:class:`~atw_ofx.models.mouth_look.MouthLook`, from the face
            track), whose colours what the model generates inside the mouth takes, or None.
        lids: the shot's own lids (:class:`~atw_ofx.models.lid_look.LidLook`, from the face
            track), whose make-up a shut lid takes, or None (read on the frame).
        light: the face's light at full size (:data:`LightAt`), for what the model's grid is too
            coarse to see (where the rows of an open smile's teeth meet), or None.
        full: the crop's own pixels at full size (:class:`FullSize`), or None.
    """

    landmarks: np.ndarray | None
    matte: np.ndarray
    retarget: tuple[np.ndarray, dict] | None = None
    occluder: np.ndarray | None = None
    mouth: MouthLook | None = None
    light: LightAt | None = None
    full: FullSize | None = None
    lids: LidLook | None = None


@dataclass
class MotionResult:
    """A model's outputs on its ``R×R`` grid.

    Attributes:
        flow: backward field ``1×2×R×R`` in pixels of that grid.
        warped: ``O^w``, ``1×3×R×R`` in the model's encoding, [-1, 1].
        refined: ``O^r``, same shape; equal to ``warped`` for a model without refinement.
        interior: regions the renderer generates at full resolution — where the edit opened the
            mouth, where a closing lid's seam is (a tuple of
            :class:`~atw_ofx.models.mouth.GeneratedRegion`) — or None.
    """

    flow: MotionField
    warped: torch.Tensor
    refined: torch.Tensor
    interior: object | None = None


#: How far either side of a step in a regional model's field (a lid's line, the mouth's opening)
#: the field up-sampled to the crop may spread it, grid px: bilinear up-sampling spreads a step
#: over the grid pixels either side of the one it falls in.
RAMP = 1.5


#: Half the width of the band along the face's midline (IOD) across which a sided AU vector's
#: two rows mix (:func:`left_share`): the lips' and the chin's middles take both sides' half,
#: the inner brows (~0.12 IOD out) and the lips' next points their own side's alone.
MIDLINE_MIX = 0.08


def left_share(along: np.ndarray) -> np.ndarray:
    """At places ``along`` the eye line from the face's midline (IOD, towards the face's left:
    from the right iris to the left), the share that is the face's left
    (:data:`~atw_ofx.aus.SIDES` row 1): 0 on its right, 1 on its left, rising linearly across
    :data:`MIDLINE_MIX` either side of the midline (float64)."""
    return np.clip(0.5 + np.asarray(along, np.float64) / (2.0 * MIDLINE_MIX), 0.0, 1.0)


def redness(rgb: np.ndarray) -> np.ndarray:
    """How red colours are (``…×C``, C ≥ 3, R first): ``(R − G) / (R + G + B)``, 0 for black
    (teeth read 0–0.2 against 0.2–0.9 for lips)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num((rgb[..., 0] - rgb[..., 1]) / rgb[..., :3].sum(-1))


def smoothstep(t: np.ndarray) -> np.ndarray:
    """``3t² − 2t³`` of ``t`` clipped to 0–1: an ease from 0 to 1 with flat ends (any shape)."""
    t = np.clip(t, 0.0, 1.0)
    if np.ndim(t) == 0:
        return t * t * (3 - 2 * t)
    # (In place on the clipped copy: two arrays made instead of five, the same bits.)
    square = t * t
    t *= -2
    t += 3
    t *= square
    return t


def box_in_frame(down: np.ndarray, origin: np.ndarray, box: tuple[int, int, int, int]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The pixel centres of ``box`` (``(x0, y0, x1, y1)``, grid px, centres at +0.5) in a
    region's own frame — its unit ``down`` axis (``along`` is ``down`` turned a quarter back),
    centred on ``origin``: ``(along, down)`` coordinates, each ``h×w`` float64, in grid px. An
    affine map, summed from its row and column parts (no grid of points built)."""
    x0, y0, x1, y1 = box
    dx, dy = np.arange(x0, x1) + 0.5 - origin[0], (np.arange(y0, y1) + 0.5 - origin[1])[:, None]
    return dx * down[1] - dy * down[0], dx * down[0] + dy * down[1]


def grid_box(points: np.ndarray, size: int, margin: int) -> tuple[int, int, int, int]:
    """Integer bounds ``(x0, y0, x1, y1)`` of ``points`` (``K×2``, grid px) grown by ``margin``
    pixels, clipped to a ``size`` grid (empty when ``x1 <= x0`` or ``y1 <= y0``)."""
    lo = np.floor(points.min(0)).astype(int) - margin
    hi = np.ceil(points.max(0)).astype(int) + margin + 1
    return (max(0, int(lo[0])), max(0, int(lo[1])), min(size, int(hi[0])), min(size, int(hi[1])))


class MotionModel(Protocol):
    """Anything that animates a face crop from an AU vector."""

    #: Short name recorded in output provenance (e.g. ``"rig"`` or the bundle's name).
    name: str
    #: Side of the square grid the model works on (128 for ATW).
    resolution: int
    #: OCIO colour space of the model's [-1, 1] encoding.
    colourspace: str
    #: How it reads AUs: "relative" (edits; zeros = no change, the rig) or "absolute" (a target
    #: expression; zeros = neutral, the learned generator). See render.model_aus.
    au_semantics: str

    def animate(self, face: torch.Tensor, aus: np.ndarray, context: FaceContext) -> MotionResult:
        """``face``: ``1×3×R×R`` in [-1, 1]; ``aus``: 17 float32 intensities 0–5."""
        ...
