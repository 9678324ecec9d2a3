"""The square face crop, the soft face matte, and paste-back.

Coordinates: plate pixels of the data window, top-left origin, y down. A :class:`CropBox` is
integer-aligned, so cropping and pasting move whole pixels and never resample the plate; a box may
reach past the plate's edges (the crop repeats edge pixels there; paste-back writes only inside).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..errors import ATWError, InputError
from .layout import ibug68

if TYPE_CHECKING:
    from ..models.lid_look import LidLook
    from ..models.mouth_look import MouthLook

#: How far below the jaw line the matte reaches (IOD): the chin's travel when the jaw drops and
#: the fade of its motion below the chin (atw_ofx.models.mouth), so no crease forms at its edge.
JAW_TRAVEL = 0.4
#: The matte is cut to exactly 0 below this, so pixels outside it stay bit-identical.
MATTE_FLOOR = 1.0 / 1024.0


@dataclass(frozen=True)
class CropBox:
    """A square crop: top-left ``(x, y)`` and side ``size``, in plate pixels."""

    x: int
    y: int
    size: int

    @classmethod
    def parse(cls, text: str) -> "CropBox":
        """``"X,Y,SIZE"`` → box.

        >>> CropBox.parse("100,40,512")
        CropBox(x=100, y=40, size=512)
        """
        try:
            x, y, size = (int(round(float(v))) for v in text.split(","))
        except (ValueError, OverflowError):  # not three numbers; nan; ±inf
            raise ATWError(f"--face-box {text!r}: expected X,Y,SIZE in plate pixels") from None
        if size < 1:
            raise ATWError(f"--face-box {text!r}: SIZE must be at least 1")
        return cls(x, y, size)

    def check_fits(self, height: int, width: int, *, path=None, frame=None) -> None:
        """InputError (naming ``path`` and ``frame``) unless the box overlaps a ``height×width``
        plate and is at most twice its longer side: a crop is allocated at the box's size (a
        box of 100000 px asked for 112 GiB)."""
        longest = max(height, width)
        outside = (self.x >= width or self.y >= height or self.x + self.size <= 0
                   or self.y + self.size <= 0)
        if outside or self.size > 2 * longest:
            raise InputError(f"face box {self.as_text()} does not fit a {width}×{height} plate "
                             f"(it must overlap it, SIZE at most {2 * longest})",
                             path=path, frame=frame)

    @classmethod
    def from_landmarks(cls, landmarks: np.ndarray) -> "CropBox":
        """The loose head-shot crop the paper trains on, from 68 or 478 landmarks.

        FFHQ's alignment rule: centre = eye midpoint + 0.1 · (eye midpoint → mouth midpoint);
        side = 2 · max(2.0 · eye-to-eye, 1.8 · eye-to-mouth).
        """
        landmarks = ibug68(landmarks)
        eye_r = landmarks[36:42].mean(0)
        eye_l = landmarks[42:48].mean(0)
        mouth = (landmarks[48] + landmarks[54]) / 2
        eyes = (eye_r + eye_l) / 2
        eye_to_mouth = mouth - eyes
        centre = eyes + 0.1 * eye_to_mouth
        side = 2.0 * max(2.0 * np.linalg.norm(eye_l - eye_r), 1.8 * np.linalg.norm(eye_to_mouth))
        size = max(8, int(round(side)))
        return cls(int(round(centre[0] - size / 2)), int(round(centre[1] - size / 2)), size)

    def to_crop(self, points: np.ndarray, resolution: int) -> np.ndarray:
        """Plate positions → positions on a ``resolution``² grid covering this box."""
        return (points - np.array([self.x, self.y])) * (resolution / self.size)

    def overlap(self, h: int, w: int):
        """Where this box meets an ``h×w`` plate: ``(plate_slices, crop_slices)`` as (rows, cols),
        or None when they do not meet."""
        x0, y0 = max(self.x, 0), max(self.y, 0)
        x1, y1 = min(self.x + self.size, w), min(self.y + self.size, h)
        if x0 >= x1 or y0 >= y1:
            return None
        return ((slice(y0, y1), slice(x0, x1)),
                (slice(y0 - self.y, y1 - self.y), slice(x0 - self.x, x1 - self.x)))

    def as_text(self) -> str:
        return f"{self.x},{self.y},{self.size}"


@dataclass(frozen=True)
class FacePlacement:
    """Where the face is on the plate: its crop box, (if known) its 68 or 478 landmarks in plate
    pixels, and (if its shot was tracked) the shot's own mouth
    (:class:`~atw_ofx.models.mouth_look.MouthLook`) and lids
    (:class:`~atw_ofx.models.lid_look.LidLook`)."""

    box: CropBox
    landmarks: np.ndarray | None = None
    mouth: MouthLook | None = None
    lids: LidLook | None = None


def _window(pixels: np.ndarray, box: CropBox) -> np.ndarray:
    """``size×size×C`` pixels under ``box``: a view when the box is inside the plate, else a copy
    with the plate's edges repeated."""
    h, w = pixels.shape[:2]
    if 0 <= box.x and 0 <= box.y and box.x + box.size <= w and box.y + box.size <= h:
        return pixels[box.y:box.y + box.size, box.x:box.x + box.size]
    rows = np.clip(np.arange(box.y, box.y + box.size), 0, h - 1)
    cols = np.clip(np.arange(box.x, box.x + box.size), 0, w - 1)
    return pixels[rows[:, None], cols[None, :]]


def crop(pixels: np.ndarray, box: CropBox) -> np.ndarray:
    """``size×size×C`` copy of ``H×W×C`` pixels under ``box`` (edges repeated outside the plate)."""
    window = _window(pixels, box)
    return window.copy() if np.may_share_memory(window, pixels) else window


def crop_planes(pixels: np.ndarray, box: CropBox, channels: list[int]) -> np.ndarray:
    """``len(channels)×size×size`` C-contiguous float32 copy of those channels under ``box`` (edges
    repeated), the layout ResWarp takes — each plate row read once (:mod:`kernels.crop`)."""
    from kernels.crop import crop_planes as planes

    return planes(np.asarray(pixels, np.float32), box.y, box.x, box.size, channels)


def paste(plate: np.ndarray, result: np.ndarray, matte: np.ndarray, box: CropBox,
          channels: list[int], *, in_place: bool = False) -> np.ndarray:
    """Blend ``result`` (``S×S×len(channels)``) into a copy of ``plate`` through ``matte`` (S×S),
    or into ``plate`` itself when ``in_place`` (no plate-sized copy: for a caller that drops it).

    Only ``channels`` of the plate are written, only where ``matte > 0``: every other pixel and
    channel is bit-identical to the input. Where the matte is 1 the result is taken exactly;
    elsewhere ``a + m·(b − a)`` in float32 (one fused pass: :mod:`kernels.paste`).
    """
    from kernels.paste import blend

    overlap = box.overlap(*plate.shape[:2])
    if overlap is None:
        return plate if in_place else plate.copy()
    (py, px), (cy, cx) = overlap
    return blend(plate, result, matte, (py.start, px.start), (cy.start, cx.start),
                 (py.stop - py.start, px.stop - px.start), channels, in_place=in_place)


def face_matte(landmarks: np.ndarray, resolution: int) -> np.ndarray:
    """Soft matte of the face on a ``resolution``² grid, from 68 or 478 landmarks on that grid.

    The hull of the jaw line, the jaw line lowered by :data:`JAW_TRAVEL` and the brows raised by
    half an inter-ocular distance (so forehead skin above moving brows is inside), grown by a
    quarter of that distance and feathered by a Gaussian; values below :data:`MATTE_FLOOR` are
    cut to exactly 0. Returns float32 in [0, 1].
    """
    landmarks = ibug68(landmarks)
    iod = float(np.linalg.norm(landmarks[36:42].mean(0) - landmarks[42:48].mean(0)))
    eyes_dir = (landmarks[42:48].mean(0) - landmarks[36:42].mean(0)) / max(iod, 1e-6)
    up = np.array([eyes_dir[1], -eyes_dir[0]])  # perpendicular to the eye line, towards the scalp
    brows = landmarks[17:27] + 0.5 * iod * up
    # The jaw's travel: a dropped jaw (AU26) brings the chin and its motion's fade below it.
    chin = landmarks[4:13] - JAW_TRAVEL * iod * up
    hull = cv2.convexHull(np.concatenate((landmarks[:17], brows, chin)).astype(np.float32))
    return _feathered(hull, resolution, grow=0.25 * iod, feather=0.18 * iod)


def ellipse_matte(resolution: int) -> np.ndarray:
    """Soft ellipse over the centre of a crop: the matte when no landmarks are known."""
    n = resolution
    c = (n / 2, n / 2 + 0.04 * n)
    pts = cv2.ellipse2Poly((int(c[0] * 16), int(c[1] * 16)),
                           (int(0.27 * n * 16), int(0.34 * n * 16)), 0, 0, 360, 5)
    return _feathered(pts.astype(np.float32) / 16, n, grow=0.0, feather=0.05 * n)


def _feathered(polygon: np.ndarray, n: int, *, grow: float, feather: float) -> np.ndarray:
    """The ``polygon`` (convex when ``grow`` > 0) on an ``n``² grid, grown by ``grow`` and
    feathered by a Gaussian of ``feather`` (both in grid pixels), float32 in [0, 1]."""
    polygon = polygon.reshape(-1, 2).astype(np.float64)
    if grow > 0:
        # A convex shape grown by a disc is the hull of its corners each grown by the disc (a
        # 64-gon here: within 0.12 % of the radius) — exact and far cheaper than a distance
        # transform or a dilation of the raster.
        angles = np.linspace(0.0, 2 * np.pi, 64, endpoint=False)
        disc = grow * np.stack((np.cos(angles), np.sin(angles)), axis=1)
        polygon = cv2.convexHull((polygon[:, None] + disc[None]).reshape(-1, 2).astype(np.float32))
    # Rasterise at 4× for a smooth edge, then area-average back down.
    ss = 4
    mask = np.zeros((n * ss, n * ss), np.uint8)
    pts = np.round((polygon.reshape(-1, 2) * ss - 0.5) * 16).astype(np.int32)
    cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_8, shift=4)
    m = cv2.resize(mask.astype(np.float32) / 255.0, (n, n), interpolation=cv2.INTER_AREA)
    if feather > 0:
        m = cv2.GaussianBlur(m, (0, 0), sigmaX=feather, borderType=cv2.BORDER_CONSTANT)
    m = np.clip(m * 1.0, 0.0, 1.0)
    m[m < MATTE_FLOOR] = 0.0
    return m.astype(np.float32)
