"""Face detection and landmarks on the full plate, through a pluggable offline backend.

Backends turn an 8-bit display-referred RGB image into faces (a box and landmarks in one of the
layouts of :mod:`.layout`). The default, ``"mesh"``, is MediaPipe's face detector, 478-point face
mesh and iris models (:mod:`.mesh`; Apache-2.0, usable commercially). ``"dlib"``
uses dlib's HOG detector and the 68-point predictor shipped in the ``face_recognition_models``
package — offline, but the 68-point predictor was trained on iBUG 300-W, whose owners exclude
commercial use (docs/face.md).

Coordinates: plate pixels of the data window, continuous, top-left origin, y down; a landmark on
pixel ``(i, j)`` is at ``(j + 0.5, i + 0.5)``.
"""
from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import cv2
import numpy as np

from .. import colour
from ..errors import NoFaceError
from ..options import DEFAULT_FACE_BACKEND

#: The longest side detection runs at; larger plates are shrunk first (HOG cost grows with area).
DETECT_MAX_SIDE = 1280


@dataclass(frozen=True)
class Face:
    """One detected face. ``box`` = (x0, y0, x1, y1); ``landmarks`` = N×2 float64 (x, y), N = 68
    or 478 (:mod:`.layout`)."""

    box: tuple[float, float, float, float]
    landmarks: np.ndarray

    @property
    def area(self) -> float:
        return (self.box[2] - self.box[0]) * (self.box[3] - self.box[1])


class LandmarkBackend(Protocol):
    """Finds faces with landmarks in an ``H×W×3`` uint8 RGB image (largest first).

    ``faces`` searches at ``detect_scale`` and measures landmarks at full resolution;
    ``landmarks`` measures them for a face box already found (``Face.box`` convention).
    """

    name: str

    def faces(self, rgb8: np.ndarray, *, detect_scale: float) -> list[Face]: ...

    def landmarks(self, rgb8: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray: ...


class DlibBackend:
    """dlib HOG detection + the 68-point shape predictor (models from ``face_recognition_models``)."""

    name = "dlib"

    def __init__(self) -> None:
        import dlib  # imported lazily: only face work needs it

        spec = importlib.util.find_spec("face_recognition_models")
        if spec is None or not spec.submodule_search_locations:
            raise NoFaceError("the dlib backend needs the face_recognition_models package")
        # Located without importing it: its __init__ needs pkg_resources, gone from new setuptools.
        models = Path(spec.submodule_search_locations[0]) / "models"
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(str(models / "shape_predictor_68_face_landmarks.dat"))
        self._dlib = dlib

    def faces(self, rgb8: np.ndarray, *, detect_scale: float) -> list[Face]:
        small = rgb8
        if detect_scale != 1.0:
            size = (max(1, round(rgb8.shape[1] * detect_scale)),
                    max(1, round(rgb8.shape[0] * detect_scale)))
            small = cv2.resize(rgb8, size, interpolation=cv2.INTER_AREA)
        # Up-sample once for small images so faces down to ~40 px are found.
        upsample = 1 if max(small.shape[:2]) < 800 else 0
        found = []
        for rect in self._detector(np.ascontiguousarray(small), upsample):
            box = (int(rect.left() / detect_scale), int(rect.top() / detect_scale),
                   int(rect.right() / detect_scale) + 1, int(rect.bottom() / detect_scale) + 1)
            found.append(Face(tuple(map(float, box)), self.landmarks(rgb8, box)))
        return sorted(found, key=lambda f: -f.area)

    def landmarks(self, rgb8: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        rect = self._dlib.rectangle(box[0], box[1], box[2] - 1, box[3] - 1)  # inclusive corners
        shape = self._predictor(rgb8, rect)
        return np.array([[p.x + 0.5, p.y + 0.5] for p in shape.parts()], np.float64)


class MeshBackend:
    """MediaPipe's detector + the 478-point mesh with irises (:mod:`.mesh`; OpenCV's DNN on the
    CPU, torch on CUDA).

    A detection counts as a face only where the mesh also finds one in its crop (its presence
    score), which turns away the detector's false finds in hair, prints and backgrounds.
    """

    name = "mesh"

    @property
    def _mesh(self):
        """The loaded models on the runtime asked for now (``$ATW_FACE_RUNTIME``), CPU."""
        from .mesh import face_mesh

        return face_mesh()

    def faces(self, rgb8: np.ndarray, *, detect_scale: float) -> list[Face]:
        return self._measure(rgb8, self._mesh.detect(rgb8))

    def search(self, rgb: np.ndarray, colourspace: str) -> list[Face]:
        """All faces in a float plate: the detector runs on the plate shrunk to
        :data:`DETECT_MAX_SIDE` (its own pyramid tops out at 128 px), the mesh on crops cut from
        the full-resolution plate, only they converted to display."""
        from .mesh import PlateSampler, letterbox, with_more

        scale = min(1.0, DETECT_MAX_SIDE / max(rgb.shape[:2]))
        small = rgb if scale == 1.0 else cv2.resize(
            np.ascontiguousarray(rgb, np.float32),
            (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale))),
            interpolation=cv2.INTER_AREA)
        k = np.array([rgb.shape[1] / small.shape[1], rgb.shape[0] / small.shape[0]])
        # The whole-image window from the full plate (as a still's: MediaPipe's crop), the
        # pyramid below it from the shrunk plate.
        crop = to_rgb8(letterbox(np.asarray(rgb, np.float32)), colourspace)
        whole = self._mesh.detect_letterboxed(crop, rgb.shape[1], rgb.shape[0])
        more = [(box * np.tile(k, 2), keypoints * k, score) for box, keypoints, score
                in self._mesh.detect(to_rgb8(small, colourspace), whole=False)]
        return self._measure(PlateSampler(rgb, lambda crop: to_rgb8(crop, colourspace)),
                             with_more(whole, more))

    def _measure(self, image, detections) -> list[Face]:
        """Mesh landmarks for each detection in turn (the order :func:`.mesh.with_more` gives);
        dropped where the mesh finds no face, where its eyes are not the detector's, or where
        its eyes — or the detector's — lie on a face already found (a second find of one face,
        or a window that saw part of a face, an eye behind glasses). Largest first."""
        from .mesh import PRESENCE_SCORE

        found: list[Face] = []
        for box, keypoints, _ in detections:
            if any(_inside(keypoints[:2], f) for f in found):
                continue
            points, presence = self._mesh.from_detection(image, box, keypoints)
            irises = points[[468, 473]]
            iod = np.linalg.norm(irises[1] - irises[0])
            # The mesh's eyes where the detector saw eyes: a window that caught part of a face
            # (an eye and a brow) fires, and the mesh then fits a face the detector did not see.
            agrees = np.linalg.norm(irises - keypoints[:2], axis=1).max() < 0.5 * iod
            if presence < PRESENCE_SCORE or not agrees or any(_inside(irises, f) for f in found):
                continue
            found.append(Face(tuple(float(v) for v in box), points))
        return sorted(found, key=lambda f: -f.area)

    def follow(self, rgb: np.ndarray, colourspace: str, landmarks: np.ndarray) -> np.ndarray | None:
        """The face again in a float plate from its landmarks on the previous frame (MediaPipe's
        tracking crop); None when the mesh no longer finds a face there. Only the model's crops
        are converted to display."""
        from .mesh import PRESENCE_SCORE, PlateSampler

        sampler = PlateSampler(rgb, lambda crop: to_rgb8(crop, colourspace))
        points, presence = self._mesh.refine(sampler, landmarks)
        return points if presence >= PRESENCE_SCORE else None

    def landmarks(self, rgb8: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        from .mesh import FACE_SCALE, Roi

        # A box has no roll: the first crop is level, the second levelled by the first's eyes.
        corners = np.reshape(np.asarray(box, np.float64), (2, 2))
        first, _ = self._mesh.landmarks(rgb8, Roi.around(corners, corners[0],
                                                         corners[0] + (1.0, 0.0), FACE_SCALE))
        return self._mesh.refine(rgb8, first)[0]


def _inside(points: np.ndarray, face: Face) -> bool:
    """Whether any of ``points`` lies within ``face``'s outline (the hull of its landmarks)."""
    hull = cv2.convexHull(face.landmarks.astype(np.float32))
    return any(cv2.pointPolygonTest(hull, (float(x), float(y)), False) >= 0 for x, y in points)


BACKENDS: dict[str, Callable[[], LandmarkBackend]] = {"mesh": MeshBackend, "dlib": DlibBackend}
DEFAULT_BACKEND = DEFAULT_FACE_BACKEND  # the names are atw_ofx.options' (tested)


@functools.lru_cache(maxsize=4)
def backend(name: str = DEFAULT_BACKEND) -> LandmarkBackend:
    """The landmark backend registered under ``name`` (constructed once)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown face backend {name!r}; registered: {', '.join(BACKENDS)}")
    return BACKENDS[name]()


def to_rgb8(rgb: np.ndarray, colourspace: str) -> np.ndarray:
    """``H×W×3`` float in ``colourspace`` → display-referred sRGB uint8 for detectors."""
    display = colour.convert(rgb, colourspace, colour.DEFAULT_DISPLAY_FILE_SPACE)
    return np.clip(display * 255.0 + 0.5, 0, 255).astype(np.uint8)


def detect_faces(rgb: np.ndarray, colourspace: str, *,
                 backend_name: str = DEFAULT_BACKEND) -> list[Face]:
    """All faces in a float ``H×W×3`` image, largest first.

    A plate larger than :data:`DETECT_MAX_SIDE` is searched shrunk — area-averaged in its own
    (linear) light *before* the conversion to display, which at 4K is otherwise the costliest
    step — and each face's landmarks are measured on its full-resolution region (the box grown
    by half its size each side), converted alone: the plate's precision, a fraction of the work.
    """
    detector = backend(backend_name)
    if hasattr(detector, "search"):  # a backend that handles float plates itself (the mesh)
        return detector.search(rgb, colourspace)
    scale = min(1.0, DETECT_MAX_SIDE / max(rgb.shape[:2]))
    if scale == 1.0:
        return detector.faces(to_rgb8(rgb, colourspace), detect_scale=1.0)
    h, w = rgb.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(np.ascontiguousarray(rgb, np.float32), size, interpolation=cv2.INTER_AREA)
    faces = []
    for coarse in detector.faces(to_rgb8(small, colourspace), detect_scale=1.0):
        # The box at full size, as a search at this scale on the full plate would give it.
        left, top, right, bottom = (int(v / scale) for v in (coarse.box[0], coarse.box[1],
                                                             coarse.box[2] - 1, coarse.box[3] - 1))
        box = (left, top, right + 1, bottom + 1)
        grow = (box[2] - box[0]) // 2
        x0, y0 = max(0, box[0] - grow), max(0, box[1] - grow)
        x1, y1 = min(w, box[2] + grow), min(h, box[3] + grow)
        region = to_rgb8(rgb[y0:y1, x0:x1], colourspace)
        pts = detector.landmarks(region, (box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0))
        faces.append(Face(tuple(map(float, box)), pts + np.array([x0, y0], np.float64)))
    return sorted(faces, key=lambda f: -f.area)


def follow_faces(rgb: np.ndarray, colourspace: str, previous: list[Face], *,
                 backend_name: str = DEFAULT_BACKEND) -> list[Face]:
    """The faces of the previous frame, found again from where they were (the tracking step).

    A backend that can (``follow``, e.g. the mesh) measures each face on crops placed by its
    previous landmarks; where it cannot, or where a face is lost, the frame is searched afresh
    with :func:`detect_faces`.
    """
    detector = backend(backend_name)
    if not previous or not hasattr(detector, "follow"):
        return detect_faces(rgb, colourspace, backend_name=backend_name)
    found = []
    for face in previous:
        points = detector.follow(rgb, colourspace, face.landmarks)
        if points is None:
            return detect_faces(rgb, colourspace, backend_name=backend_name)
        lo, hi = points.min(0), points.max(0)
        found.append(Face((float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])), points))
    return sorted(found, key=lambda f: -f.area)


def detect_face(rgb: np.ndarray, colourspace: str, *, index: int = 0, path: str | None = None,
                frame: int | None = None, backend_name: str = DEFAULT_BACKEND) -> Face:
    """The ``index``-th largest face; :class:`NoFaceError` naming the file and frame if none."""
    faces = detect_faces(rgb, colourspace, backend_name=backend_name)
    if len(faces) <= index:
        found = f"only {len(faces)} found" if faces else "none found"
        raise NoFaceError(f"no human face #{index} ({found}); if there is one, give its box "
                          "with --face-box X,Y,SIZE",
                          path=path, frame=frame)
    return faces[index]

