"""The face track of a shot: one person followed through its frames, landmarks smoothed.

Detecting afresh on every frame makes the crop box and the matte jitter by a pixel or two
(landmark noise), which paste-back turns into a shimmering edge. The track detects each frame once,
follows one person (the face nearest to where that person was), fills frames the detector missed
by interpolation, and smooths the landmarks with a One-Euro filter run forwards then backwards:
the whole shot is known before rendering, so the smoothing can be zero-lag. The crop box comes from
those steady landmarks; the lips' and lids' (:data:`EXPRESSION_POINTS`) follow the performer
closely (:data:`EXPRESSION_SMOOTHING`): smoothed with the head, a talking mouth's lips lagged its
own by up to 0.17 IOD (liveportrait_d10: a mouth 0.39 IOD open tracked at 0.26, a closed one at
0.14), and the rig opened lips that were not where the plate's were — stretched teeth, a tongue
drawn over the performer's own.

Coordinates: plate pixels of the data window, top-left origin, y down (as :mod:`.detect`).
Landmarks are stored rounded to 1/1024 px, which JSON round-trips exactly, so a track saved with
``atw track`` and loaded by farm chunks or Ray workers places the face bit-identically to a
single-process render.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from ..errors import ATWError, InputError, NoFaceError
from ..models import lid_look, mouth_look
from ..models.eyelids import EYES
from ..models.mouth import LOWER_INNER, OUTER_LIPS, UPPER_INNER
from .crop import CropBox, FacePlacement, crop
from .detect import DEFAULT_BACKEND, Face, detect_faces, follow_faces
from .layout import N_IBUG, N_MESH, ibug68, is_mesh

#: A face further than this many inter-ocular distances from the person's last position is
#: someone else (or a false detection), not the person being followed.
FOLLOW_GATE_IOD = 1.5
#: Landmark positions are kept on this grid (px); powers of two survive JSON exactly.
LANDMARK_QUANTUM = 1.0 / 1024.0
TRACK_FORMAT = 1


def inter_ocular(landmarks: np.ndarray) -> float:
    """Distance between the eye centres of 68 or 478 landmarks (px)."""
    landmarks = ibug68(landmarks)
    return float(np.linalg.norm(landmarks[36:42].mean(0) - landmarks[42:48].mean(0)))


def _eyes(landmarks: np.ndarray) -> np.ndarray:
    return ibug68(landmarks)[36:48].mean(0)


@dataclass(frozen=True)
class OneEuro:
    """The One-Euro filter (Casiez, Roussel & Vogel, CHI 2012) on landmark positions.

    Positions are measured in inter-ocular distances (IOD) so one setting suits any plate size:
    a still face is low-passed at ``min_cutoff`` Hz; the cutoff rises by ``beta`` Hz per IOD/s of
    speed, so a moving head is followed without lag.
    """

    min_cutoff: float = 1.0
    beta: float = 1.0
    d_cutoff: float = 1.0
    rate: float = 24.0  # frames per second of the shot

    def _alpha(self, cutoff):
        return 1.0 / (1.0 + self.rate / (2.0 * math.pi * cutoff))

    def causal(self, x: np.ndarray) -> np.ndarray:
        """Filter ``T×…`` samples along axis 0, each coordinate on its own."""
        out = np.empty_like(x, dtype=np.float64)
        out[0] = x[0]
        speed = np.zeros_like(out[0])
        a_d = self._alpha(self.d_cutoff)
        for t in range(1, len(x)):
            speed += a_d * ((x[t] - out[t - 1]) * self.rate - speed)
            a = self._alpha(self.min_cutoff + self.beta * np.abs(speed))
            out[t] = out[t - 1] + a * (x[t] - out[t - 1])
        return out

    def zero_lag(self, x: np.ndarray) -> np.ndarray:
        """Forwards then backwards: the phase lag of one pass cancels the other's."""
        return self.causal(self.causal(x)[::-1])[::-1]


#: The points that move with the performer's expression faster than the head: the lips (the mesh's
#: inner and outer contours; the 68-point view's 48–67) and the lids (the mesh's upper and lower
#: lids and the line above the lashes; the 68 view's eyes 36–47, whose corners barely move).
EXPRESSION_POINTS = {
    N_MESH: tuple(sorted(set(UPPER_INNER + LOWER_INNER + OUTER_LIPS + tuple(
        i for eye in EYES for part in ("upper", "lower", "lashes") for i in eye[part])))),
    N_IBUG: tuple(range(36, 48)) + tuple(range(48, 68)),
}
#: How they are smoothed (zero-lag, in IOD units as the head's): following a mouth's opening to
#: within 0.03 IOD on the shared talking clips (0.17 with the head's setting) at a third to a half
#: of the per-frame detection's frame-to-frame jitter.
EXPRESSION_SMOOTHING = OneEuro(min_cutoff=3.0, beta=20.0, d_cutoff=4.0)


def follow(detections: list[list[Face]], index: int = 0) -> list[np.ndarray | None]:
    """Landmarks of one person in each frame (None where that person was not found).

    The person is the ``index``-th largest face on the first frame that has that many faces;
    from there each frame, forwards and backwards, takes the face whose eyes are nearest the
    person's last known eyes, within :data:`FOLLOW_GATE_IOD`.
    """
    start = next((t for t, faces in enumerate(detections) if len(faces) > index), None)
    chosen: list[np.ndarray | None] = [None] * len(detections)
    if start is None:
        return chosen
    chosen[start] = detections[start][index].landmarks
    for step in (1, -1):
        last = chosen[start]
        t = start + step
        while 0 <= t < len(detections):
            if detections[t]:
                gaps = [np.linalg.norm(_eyes(f.landmarks) - _eyes(last)) for f in detections[t]]
                best = int(np.argmin(gaps))
                if gaps[best] <= FOLLOW_GATE_IOD * inter_ocular(last):
                    chosen[t] = last = detections[t][best].landmarks
            t += step
    return chosen


def fill_gaps(frames: list[int], landmarks: list[np.ndarray | None]) -> np.ndarray:
    """``T×68×2``: missing frames interpolated linearly by frame number, held at the ends."""
    known = [t for t, lm in enumerate(landmarks) if lm is not None]
    at = np.array([frames[t] for t in known], np.float64)
    values = np.stack([landmarks[t] for t in known]).reshape(len(known), -1)
    filled = np.stack([np.interp(frames, at, values[:, k]) for k in range(values.shape[1])], 1)
    return filled.reshape(len(frames), -1, 2)


@dataclass
class FaceTrack:
    """One person's face through a shot.

    ``landmarks`` is ``T×68×2`` or ``T×478×2`` float64 (plate px, smoothed, on the
    :data:`LANDMARK_QUANTUM` grid) or None when a fixed ``box`` was given and no face was ever
    found inside it. ``detected`` says which frames the detector actually found the person on
    (the others are interpolated). With ``box`` the crop is that box on every frame; otherwise it
    follows the landmarks. ``mouth`` is the person's own mouth as the shot shows it
    (:class:`~atw_ofx.models.mouth_look.MouthLook`), or None; ``lids`` their own lids
    (:class:`~atw_ofx.models.lid_look.LidLook`), or None.
    """

    frames: list[int]
    landmarks: np.ndarray | None
    detected: list[bool]
    box: CropBox | None = None
    frame_boxes: dict[int, CropBox] | None = None  # a box per frame (a host's tracker)
    plate_size: tuple[int, int] | None = None  # (width, height) of the shot's frames
    mouth: mouth_look.MouthLook | None = None
    lids: lid_look.LidLook | None = None

    def __post_init__(self) -> None:
        if self.landmarks is not None:
            self.landmarks = np.round(np.asarray(self.landmarks, np.float64) / LANDMARK_QUANTUM) \
                * LANDMARK_QUANTUM
        self._index = {f: t for t, f in enumerate(self.frames)}

    def placement(self, frame: int) -> FacePlacement:
        """The crop box and landmarks for ``frame`` (which must be in the track)."""
        if frame not in self._index:
            raise InputError(f"frame {frame} is not in the face track "
                             f"({self.frames[0]}-{self.frames[-1]}); rerun `atw track`",
                             frame=frame)
        landmarks = None if self.landmarks is None else self.landmarks[self._index[frame]]
        box = self.frame_boxes[frame] if self.frame_boxes is not None else \
            self.box or CropBox.from_landmarks(landmarks)
        return FacePlacement(box, landmarks, self.mouth, self.lids)

    @property
    def missed(self) -> list[int]:
        """Frames where the person was not detected (their placement is interpolated)."""
        return [f for f, d in zip(self.frames, self.detected) if not d]

    def to_json(self) -> dict:
        lms = self.landmarks.tolist() if self.landmarks is not None else [None] * len(self.frames)
        boxes = None if self.frame_boxes is None else \
            {str(f): b.as_text() for f, b in sorted(self.frame_boxes.items())}
        return {"atw_track": TRACK_FORMAT,
                "plate_size": list(self.plate_size) if self.plate_size else None,
                "face_box": self.box.as_text() if self.box else None, "face_boxes": boxes,
                "mouth": self.mouth.to_json() if self.mouth else None,
                "lids": self.lids.to_json() if self.lids else None,
                "frames": [{"frame": f, "detected": d, "landmarks": lm}
                           for f, d, lm in zip(self.frames, self.detected, lms)]}

    def save(self, path: str | os.PathLike) -> None:
        """Write the track as JSON (atomically: temp name, then rename)."""
        from ..atomic import write_text

        write_text(path, json.dumps(self.to_json()))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "FaceTrack":
        try:
            data = json.loads(Path(path).read_text())
            if not isinstance(data, dict):
                raise ValueError(f"expected a JSON object, got a {type(data).__name__}")
            if data.get("atw_track") != TRACK_FORMAT:
                raise ValueError(f"not an ATW face track (format {data.get('atw_track')!r})")
            rows = data["frames"]
            lms = [r["landmarks"] for r in rows]
            landmarks = None if lms[0] is None else \
                np.array(lms, np.float64).reshape(len(rows), -1, 2)
            box = CropBox.parse(data["face_box"]) if data.get("face_box") else None
            boxes = data.get("face_boxes")
            boxes = None if boxes is None else \
                {int(f): CropBox.parse(b) for f, b in boxes.items()}
            size = data.get("plate_size")
            mouth = data.get("mouth")  # (tracks written before them have none)
            lids = data.get("lids")
            return cls([int(r["frame"]) for r in rows], landmarks,
                       [bool(r["detected"]) for r in rows], box, boxes,
                       None if size is None else (int(size[0]), int(size[1])),
                       None if mouth is None else mouth_look.MouthLook.from_json(mouth),
                       None if lids is None else lid_look.LidLook.from_json(lids))
        except FileNotFoundError:
            raise InputError("face track not found", path=path) from None
        except (ValueError, KeyError, TypeError, IndexError, IsADirectoryError,
                ATWError) as exc:  # ValueError: bad JSON or text too; ATWError: a bad box in it
            raise InputError(f"bad face track: {exc}", path=path) from None


def track_faces(plates: Iterable[tuple[int, Callable]], *, source: str, face_index: int = 0,
                box: CropBox | None = None, backend_name: str = DEFAULT_BACKEND,
                smoothing: OneEuro = OneEuro(), skip_errors: bool = False,
                frame_boxes: dict[int, CropBox] | None = None) -> FaceTrack:
    """Detect, follow and smooth one face through ``plates`` (``(frame, load_plate)`` pairs).

    With ``box`` the crop stays that box and landmarks are detected inside it; with
    ``frame_boxes`` (a box per frame, e.g. from a host's tracker) each frame uses its own. Frames
    that cannot be read raise, or with ``skip_errors`` count as frames where nothing was detected.
    Raises :class:`NoFaceError` (naming ``source``) when the person is found on no frame. On
    a 478-point mesh each frame's mouth is read as well, from the plate already loaded
    (:func:`atw_ofx.models.mouth_look.measure`), and the person's over the shot is the track's
    ``mouth``; their lids the same way (:func:`atw_ofx.models.lid_look.measure`, ``lids``).
    """
    frames, detections, size = [], [], None
    from_host = frame_boxes is not None
    mouths: dict[int, tuple] = {}  # each detected face's mouth, by its landmarks' id
    lids: dict[int, np.ndarray | None] = {}  # and its lids
    for frame, load in plates:
        frames.append(frame)
        if frame_boxes is not None:
            if frame not in frame_boxes:
                raise InputError("no face box for this frame in --face-boxes", path=source,
                                 frame=frame)
            box = frame_boxes[frame]
        try:
            plate = load()
        except InputError:
            if not skip_errors:
                raise
            detections.append([])
            continue
        rgb = plate.rgb()
        here = (rgb.shape[1], rgb.shape[0])
        size = size or here
        if here != size:  # the face would be placed by another frame's pixels
            if not skip_errors:
                raise InputError(f"frame is {here[0]}×{here[1]}, the shot's first "
                                 f"{size[0]}×{size[1]}: one resolution per shot",
                                 path=source, frame=frame)
            detections.append([])
            continue
        if box is None:  # from the previous frame's faces where the backend can follow them
            previous = detections[-1] if detections else []
            detections.append(follow_faces(rgb, plate.colourspace, previous,
                                           backend_name=backend_name))
        else:
            box.check_fits(*rgb.shape[:2], path=source, frame=frame)
            found = detect_faces(crop(rgb, box), plate.colourspace, backend_name=backend_name)
            offset = np.array([box.x, box.y], np.float64)
            detections.append([Face(f.box, f.landmarks + offset) for f in found])
        for face in detections[-1]:
            if is_mesh(face.landmarks):
                mouths[id(face.landmarks)] = mouth_look.measure(rgb, face.landmarks)
                lids[id(face.landmarks)] = lid_look.measure(rgb, face.landmarks)
    if not frames:
        raise ATWError("no frames to track", path=source)
    person = follow(detections, 0 if box is not None else face_index)
    detected = [lm is not None for lm in person]
    if not any(detected):
        if box is not None:  # a given box works without landmarks (ellipse matte)
            return FaceTrack(frames, None, detected, box, frame_boxes, size)
        where = f"on any of {len(frames)} frames" if len(frames) > 1 else "found"
        raise NoFaceError(f"no human face #{face_index} {where}; if there is one, give its box "
                          "with --face-box X,Y,SIZE",
                          path=source, frame=frames[0])
    landmarks = fill_gaps(frames, person)
    if len(frames) > 1:  # smooth in IOD units so the filter's setting suits any plate size
        iod = float(np.median([inter_ocular(lm) for lm in landmarks])) or 1.0
        steady = smoothing.zero_lag(landmarks / iod) * iod
        if box is None and frame_boxes is None:  # the crop from the steady landmarks
            frame_boxes = {f: CropBox.from_landmarks(lm) for f, lm in zip(frames, steady)}
        lively = list(EXPRESSION_POINTS.get(landmarks.shape[1], ()))
        steady[:, lively] = EXPRESSION_SMOOTHING.zero_lag(landmarks[:, lively] / iod) * iod
        landmarks = steady
    mouth = mouth_look.of_shot(mouths[id(lm)] for lm in person if id(lm) in mouths)
    shot_lids = lid_look.of_shot(lids[id(lm)] for lm in person if id(lm) in lids)
    return FaceTrack(frames, landmarks, detected, None if from_host else box, frame_boxes, size,
                     mouth, shot_lids)


def load_face_boxes(path: str | os.PathLike) -> dict[int, CropBox]:
    """``{"1001": [x, y, size], ...}`` (top-left plate pixels) → a crop box per frame."""
    try:
        data = json.loads(Path(path).read_text())
        boxes = {int(f): CropBox(*(int(round(float(v))) for v in b)) for f, b in data.items()}
    except FileNotFoundError:
        raise InputError("face boxes file not found", path=path) from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise InputError(f'bad face boxes (expected {{"1001": [x, y, size], ...}}): {exc}',
                         path=path) from None
    bad = next((f for f, b in boxes.items() if b.size < 1), None)
    if bad is not None:
        raise InputError("face box size must be at least 1", path=path, frame=bad)
    return boxes
