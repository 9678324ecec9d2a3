"""The dense face mesh: MediaPipe's face detector, 468-point face mesh and iris models.

Three Apache-2.0 models from MediaPipe 0.10.21, converted once to safetensors graphs
(``tools/convert_mediapipe.py``) and run by :class:`~atw_ofx.face.graph_opencv.OpenCvGraph` on
the CPU (OpenCV's DNN: 3× faster on these tiny convolutions) or by the torch reference
:class:`~atw_ofx.face.graphnet.GraphNet` (CUDA, or ``ATW_FACE_RUNTIME=torch``):

- **BlazeFace short-range** (128² input, values in [-1, 1]): boxes and six keypoints (eyes, nose,
  mouth, ears). Plates are searched over a pyramid of square windows so that faces from a few
  percent of the frame to all of it are found.
- **Face mesh** (192² input, [0, 1]): 468 points on a crop rotated so the eyes are level, its side
  1.5× the face's extent (MediaPipe's own region rules).
- **Iris** (64² input, [0, 1]; the second eye mirrored, as the model knows one eye): 71 refined
  eye-contour points (they replace the mesh's eye region, MediaPipe's ``UpdateFaceLandmarks``
  mapping) and five iris points per eye, appended as points 468–477.

The result is MediaPipe's 478-point refined topology (468 = the iris centre of the eye on the
image's left for an upright face, around mesh points 33/133; 473 the other). Coordinates: plate
pixels, continuous, top-left origin, y down (the :mod:`.detect` convention); a crop's pixel
``(i, j)`` has its centre at ``(j + 0.5, i + 0.5)``.
"""
from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from .graph_opencv import OpenCvGraph
from .graphnet import GraphNet
from .layout import N_MESH

MODELS = Path(__file__).resolve().parents[1] / "data" / "face_mesh"
#: Mesh points whose line levels the face crop (eye outer corners), as MediaPipe tracks it.
ROLL_POINTS = (33, 263)
#: Eye-corner pairs of the two eyes (the iris model's crops), first the image-left eye.
EYE_CORNERS = ((33, 133), (362, 263))
#: The 71 mesh points the iris model refines around each eye, in its output order (MediaPipe's
#: ``UpdateFaceLandmarksCalculator``): contour, four halos, brow line.
EYE_REFINED = (
    (33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173, 130, 25, 110,
     24, 23, 22, 26, 112, 243, 247, 30, 29, 27, 28, 56, 190, 226, 31, 228, 229, 230, 231, 232,
     233, 244, 113, 225, 224, 223, 222, 221, 189, 35, 124, 46, 53, 52, 65, 143, 111, 117, 118,
     119, 120, 121, 128, 245, 156, 70, 63, 105, 66, 107, 55, 193),
    (263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398, 359, 255,
     339, 254, 253, 252, 256, 341, 463, 467, 260, 259, 257, 258, 286, 414, 446, 261, 448, 449,
     450, 451, 452, 453, 464, 342, 445, 444, 443, 442, 441, 413, 265, 353, 276, 283, 282, 295,
     372, 340, 346, 347, 348, 349, 350, 357, 465, 383, 300, 293, 334, 296, 336, 285, 417),
)
FACE_SCALE = 1.5  # the face crop's side over the face's extent (MediaPipe's face ROI)
EYE_SCALE = 2.3  # the eye crop's side over the eye's corner-to-corner width (MediaPipe's)
DETECT_SCORE = 0.5  # BlazeFace's own threshold
PRESENCE_SCORE = 0.5  # below this the mesh says there is no face in its crop
#: Pyramid of the detector's square windows: the largest is the plate's long side; each level
#: halves it, windows overlap by half, down to this fraction of the plate's short side.
SMALLEST_WINDOW = 0.3
RUNTIMES = ("opencv", "torch")


@dataclass(frozen=True)
class Roi:
    """A rotated square crop: centre ``(cx, cy)`` and ``side`` in plate px, ``angle`` in radians
    (the crop's x axis points along ``(cos, sin)`` of the plate, y down)."""

    cx: float
    cy: float
    side: float
    angle: float

    def to_plate(self, size: int) -> np.ndarray:
        """2×3 affine taking crop pixels (``size``² grid) to plate pixels."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        k = self.side / size
        return np.array([[c * k, -s * k, self.cx - k * size / 2 * (c - s)],
                         [s * k, c * k, self.cy - k * size / 2 * (s + c)]])

    def cut(self, image: np.ndarray, size: int) -> np.ndarray:
        """The crop as ``size×size×C``, the image's dtype (bilinear, edges repeated).

        Sampled as MediaPipe's image-to-tensor step does: crop pixel *index* ``(u, v)`` reads the
        plate at :meth:`to_plate` of ``(u, v)`` in pixel-index units — half a crop pixel from a
        centre-to-centre mapping. The models were trained on such crops; sampling them
        centre-to-centre shifts every landmark by about half a crop pixel (measured).
        """
        index_map = np.vstack((self.to_plate(size), (0.0, 0.0, 1.0)))
        return cv2.warpAffine(image, index_map[:2], (size, size),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)

    @classmethod
    def around(cls, points: np.ndarray, start: np.ndarray, end: np.ndarray, scale: float) -> "Roi":
        """MediaPipe's region rule: the square on the centre of ``points``' plate-axis extent,
        ``scale``× its longer side, turned so that ``start → end`` is level in the crop."""
        lo, hi = points.min(0), points.max(0)
        angle = math.atan2(end[1] - start[1], end[0] - start[0])
        return cls(float(lo[0] + hi[0]) / 2, float(lo[1] + hi[1]) / 2,
                   float((hi - lo).max() * scale), angle)


def _project(roi: Roi, size: int, points: np.ndarray) -> np.ndarray:
    """Points in crop pixels (``size``² grid, continuous) → plate pixels."""
    m = roi.to_plate(size)
    return points @ m[:, :2].T + m[:, 2]


class FaceMesh:
    """The three converted models, on one device, with the pre- and post-processing of each."""

    def __init__(self, device: str | torch.device = "cpu", runtime: str | None = None):
        """``runtime``: ``"opencv"`` (the CPU default, :mod:`.graph_opencv`) or ``"torch"`` (the
        reference, and what runs on CUDA); ``$ATW_FACE_RUNTIME`` overrides the CPU default."""
        self.device = torch.device(device)
        runtime = runtime or default_runtime(self.device)
        if runtime not in RUNTIMES or (runtime == "opencv" and self.device.type != "cpu"):
            raise ValueError(f"face-mesh runtime {runtime!r} on {self.device}: use one of "
                             f"{RUNTIMES} (opencv on the CPU only)")
        self.runtime = runtime
        load = lambda name: self._runner(GraphNet(MODELS / f"{name}.safetensors"))  # noqa: E731
        self.detector = load("face_detection_short_range")
        self.mesh = load("face_landmark")
        self.iris = load("iris_landmark")
        self.anchors = _blazeface_anchors()

    def _runner(self, net: GraphNet):
        """``batch (N×H×W×C float32) -> {output: array}`` on this mesh's runtime."""
        if self.runtime == "opencv":
            return OpenCvGraph(net)
        net = net.to(self.device)

        def run(batch: np.ndarray) -> dict[str, np.ndarray]:
            x = torch.from_numpy(np.ascontiguousarray(batch, np.float32)).to(self.device)
            return {k: v.float().cpu().numpy() for k, v in net(x).items()}
        return run

    # --- detection ----------------------------------------------------------------------------
    def detect(self, rgb8: np.ndarray, *,
               whole: bool = True) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """Face finds in an ``H×W×3`` uint8 image: ``(box x0,y0,x1,y1, 6×2 keypoints, score)``:
        those of the whole image letterboxed (:meth:`detect_letterboxed`, as MediaPipe finds
        them), then the window pyramid's (:func:`with_more`; one face can be found by both).
        ``whole=False``: the pyramid's alone (a caller that letterboxes a finer image itself)."""
        h, w = rgb8.shape[:2]
        found = self.detect_letterboxed(letterbox(rgb8), w, h) if whole else []
        windows, crops = _windows(rgb8)
        if not windows:
            return found
        out = self.detector(crops.astype(np.float32) / 127.5 - 1.0)
        more = []
        for (x0, y0, side), raw, logit in zip(windows, out["regressors"],
                                              out["classificators"][..., 0]):
            more += self._finds(raw, logit, (x0, y0), side)
        return with_more(found, _merge(more))

    def detect_letterboxed(self, crop: np.ndarray, w: int, h: int):
        """Faces in a ``w×h`` image from its :func:`letterbox` (128² uint8), in its pixels, merged
        among themselves only — MediaPipe's detection of a still, so that its landmarks follow."""
        out = self.detector(crop[None].astype(np.float32) / 127.5 - 1.0)
        side = float(max(w, h))
        return _merge(self._finds(out["regressors"][0], out["classificators"][0, :, 0],
                                  ((w - side) / 2, (h - side) / 2), side))

    def _finds(self, raw: np.ndarray, logit: np.ndarray, origin, side: float) -> list:
        """One window's detections above :data:`DETECT_SCORE` as ``(8×2 plate points, score)``:
        the window's square of ``side`` plate px at ``origin`` (x0, y0)."""
        score = 1.0 / (1.0 + np.exp(-np.clip(logit, -80, 80)))
        keep = score >= DETECT_SCORE
        return [(pts * side + np.asarray(origin, np.float64), float(sc))
                for pts, sc in zip(_decode(raw[keep], self.anchors[keep]), score[keep])]

    # --- landmarks ----------------------------------------------------------------------------
    def landmarks(self, image, roi: Roi) -> tuple[np.ndarray, float]:
        """478×2 plate points and the mesh's face presence (0–1) for the face in ``roi``.

        ``image`` is an ``H×W×3`` uint8 RGB array or a :class:`PlateSampler` (crops cut from a
        float plate, only they converted to display)."""
        cut = image if callable(image) else lambda r, size: r.cut(image, size)  # noqa: E731
        crop = cut(roi, 192).astype(np.float32) / 255.0
        out = self.mesh(crop[None])
        mesh = out["conv2d_21"].reshape(468, 3)[:, :2]
        presence = float(1.0 / (1.0 + np.exp(-out["conv2d_31"].reshape(()))))
        points = np.zeros((N_MESH, 2))
        points[:468] = _project(roi, 192, mesh)
        eyes = [Roi.around(points[[a, b]], points[a], points[b], EYE_SCALE) for a, b in EYE_CORNERS]
        crops = np.stack([cut(eyes[0], 64), cut(eyes[1], 64)[:, ::-1]])
        out = self.iris(crops.astype(np.float32) / 255.0)
        contour = out["output_eyes_contours_and_brows"].reshape(2, 71, 3)[..., :2]
        iris = out["output_iris"].reshape(2, 5, 3)[..., :2]
        for k, roi_eye in enumerate(eyes):
            eye_pts, iris_pts = contour[k].copy(), iris[k].copy()
            if k == 1:  # the mirrored crop: x back to the unmirrored eye, and the iris ring's
                # side points (1, 3) swap, so each keeps its side of the image as in MediaPipe's 478
                eye_pts[:, 0], iris_pts[:, 0] = 64 - eye_pts[:, 0], 64 - iris_pts[:, 0]
                iris_pts = iris_pts[[0, 3, 2, 1, 4]]
            points[list(EYE_REFINED[k])] = _project(roi_eye, 64, eye_pts)
            points[468 + 5 * k:473 + 5 * k] = _project(roi_eye, 64, iris_pts)
        return points, presence

    def refine(self, image, points: np.ndarray) -> tuple[np.ndarray, float]:
        """Landmarks again from a crop placed by earlier ones (the tracking step); ``image`` as
        in :meth:`landmarks`."""
        return self.landmarks(image, tracking_roi(points))

    def from_detection(self, image, box: np.ndarray,
                       keypoints: np.ndarray) -> tuple[np.ndarray, float]:
        """Landmarks for a detected face: the crop on its box, levelled by its eye keypoints
        (MediaPipe's still-image rule); ``image`` as in :meth:`landmarks`."""
        roi = Roi.around(np.reshape(box, (2, 2)), keypoints[0], keypoints[1], FACE_SCALE)
        return self.landmarks(image, roi)


class PlateSampler:
    """Crops for the mesh cut straight from a float plate, each converted to display alone.

    At 4K the face's region is millions of pixels; the mesh reads one 192² and two 64² crops.
    Cutting first (bilinear, in the plate's own light, as the region path samples) and converting
    only the crops keeps a tracking step from paying for the region's colour conversion.
    """

    def __init__(self, rgb: np.ndarray, to_display):
        self.rgb = np.ascontiguousarray(rgb, np.float32)
        self.to_display = to_display  # H×W×3 float crop → uint8 display RGB

    def __call__(self, roi: Roi, size: int) -> np.ndarray:
        return self.to_display(roi.cut(self.rgb, size))


def tracking_roi(points: np.ndarray) -> Roi:
    """MediaPipe's face crop from landmarks: the mesh's extent, levelled by the eye corners."""
    return Roi.around(points[:468], points[ROLL_POINTS[0]], points[ROLL_POINTS[1]], FACE_SCALE)


def default_runtime(device: str | torch.device = "cpu") -> str:
    """OpenCV's DNN on the CPU (``$ATW_FACE_RUNTIME`` may say ``torch``), torch elsewhere."""
    if torch.device(device).type == "cpu":
        return os.environ.get("ATW_FACE_RUNTIME", "opencv")
    return "torch"


def face_mesh(device: str = "cpu", runtime: str | None = None) -> FaceMesh:
    """The models, loaded once per device and runtime (default: :func:`default_runtime`)."""
    return _loaded(device, runtime or default_runtime(device))


@functools.lru_cache(maxsize=4)
def _loaded(device: str, runtime: str) -> FaceMesh:
    return FaceMesh(device, runtime)


def _blazeface_anchors() -> np.ndarray:
    """896×2 anchor centres (normalised) of BlazeFace short-range: 2 anchors per cell of the
    16² grid (stride 8), 6 per cell of the 8² grid (strides 16, 16, 16 share one grid)."""
    centres = []
    for grid, per_cell in ((16, 2), (8, 6)):
        ys, xs = np.mgrid[0:grid, 0:grid]
        cell = np.stack(((xs + 0.5) / grid, (ys + 0.5) / grid), -1).reshape(-1, 1, 2)
        centres.append(np.repeat(cell, per_cell, axis=1).reshape(-1, 2))
    return np.concatenate(centres)


def _decode(raw: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Regressor rows → ``K×8×2`` normalised points: box corners (x0,y0), (x1,y1), then the six
    keypoints, all relative to the 128² window (the model's scale: 128 px per unit)."""
    centre = raw[:, 0:2] / 128.0 + anchors
    half = raw[:, 2:4] / 256.0
    keypoints = raw[:, 4:16].reshape(-1, 6, 2) / 128.0 + anchors[:, None]
    return np.concatenate(((centre - half)[:, None], (centre + half)[:, None], keypoints), 1)


def letterbox(image: np.ndarray) -> np.ndarray:
    """The whole image as the detector's 128² input, as MediaPipe's image-to-tensor step makes it:
    centred, black bars, sampled bilinearly (its pixel-index convention, :meth:`Roi.cut`); the
    image's dtype (a float plate's crop is converted to display after)."""
    h, w = image.shape[:2]
    to_plate = Roi(w / 2, h / 2, float(max(w, h)), 0.0).to_plate(128)
    return cv2.warpAffine(np.ascontiguousarray(image), to_plate, (128, 128),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT)


def with_more(whole: list, more: list) -> list:
    """The finds in the order they are to be measured: ``whole``'s (largest first), then all of
    ``more``'s (largest first). A find of ``more`` on one of ``whole``'s is kept: the whole
    image's box can be poor (a face 90 px across in a 640×360 frame, its box half its size off)
    and the mesh then turns it away, the pyramid's standing for the face; where the first was
    a face, the measuring drops the second as on it."""
    largest = lambda f: -(f[0][2] - f[0][0]) * (f[0][3] - f[0][1])  # noqa: E731
    return sorted(whole, key=largest) + sorted(more, key=largest)


def _windows(rgb8: np.ndarray) -> tuple[list[tuple[float, float, float]], np.ndarray | None]:
    """The detector's inputs over a pyramid of square windows ``(x0, y0, side)`` in plate px
    below the whole image (see :data:`SMALLEST_WINDOW`; :func:`letterbox` is the top), each as
    a 128² uint8 crop: the plate shrunk once per level (area-averaged), windows overlapping by
    half, outside the plate black.
    """
    h, w = rgb8.shape[:2]
    windows, crops = [], []
    side = float(max(w, h)) / 2
    while side >= SMALLEST_WINDOW * min(w, h):
        k = 128.0 / side
        level = cv2.resize(rgb8, (max(1, round(w * k)), max(1, round(h * k))),
                           interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
        starts = lambda n: ([(n - side) / 2] if side >= n else  # noqa: E731
                            np.linspace(0, n - side, math.ceil((n - side) / (side / 2)) + 1))
        for y0 in starts(h):
            for x0 in starts(w):
                shift = np.array([[1.0, 0.0, -x0 * k], [0.0, 1.0, -y0 * k]])
                crops.append(cv2.warpAffine(level, shift, (128, 128), flags=cv2.INTER_LINEAR,
                                            borderMode=cv2.BORDER_CONSTANT))
                windows.append((float(x0), float(y0), side))
        side /= 2
    return windows, (np.stack(crops) if crops else None)


def _merge(found: list[tuple[np.ndarray, float]], overlap: float = 0.3):
    """Weighted suppression over all windows: finds overlapping the best by more than
    ``overlap`` (IoU) are averaged into it, weighted by score."""
    found = sorted(found, key=lambda f: -f[1])
    faces = []
    while found:
        best = found[0]
        ious = np.array([_iou(best[0][:2].ravel(), f[0][:2].ravel()) for f in found])
        group = [f for f, iou in zip(found, ious) if iou > overlap]
        found = [f for f, iou in zip(found, ious) if iou <= overlap]
        weights = np.array([f[1] for f in group])
        pts = np.tensordot(weights / weights.sum(), np.stack([f[0] for f in group]), 1)
        box = np.concatenate((pts[0], pts[1]))
        faces.append((box, pts[2:], float(best[1])))
    return sorted(faces, key=lambda f: -(f[0][2] - f[0][0]) * (f[0][3] - f[0][1]))


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
