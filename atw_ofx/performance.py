"""AU curves from a performance: a reference clip's face, measured frame by frame.

``atw aus extract CLIP -o curves.json`` tracks the clip's face (the same detection, following and
zero-lag smoothing as a render), reads every frame's anatomical measures
(:mod:`~atw_ofx.face.au_measures`) against the performer's own neutral face and writes one linear
key per frame and AU — curves that drive another shot's face with ``--aus``, plus a plot of them.

The neutral is, per measure, the value the clip holds where that part of the face is relaxed
(:func:`~atw_ofx.face.au_estimate.clip_neutral`), a frame you name, or another clip of the same
performer. A clip that never relaxes a measure (a smile held throughout) is warned about, by
measure, as is a face too small in frame to be measured reliably.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from .aus import AUCurves, Curve, au_index
from .conventions import AU_NAMES
from .errors import ATWError, CurveError, NoFaceError
from .face.au_estimate import AUEstimator, clip_neutral, unrelaxed
from .face.au_measures import measure
from .retarget import (REGIONAL_AUS, MotionTrack, face_coordinates, motion, region_sizes,
                       relaxed_frame)

#: Below this many pixels between the eyes the mesh's points wander by more than the smaller
#: AUs move (measured: liveportrait_d6 shrunk in frame, docs/aus.md).
MIN_READABLE_IOD_PX = 28.0

log = logging.getLogger("atw")


@dataclass
class ClipMeasures:
    """A tracked face's ``landmarks`` (``N×P×2`` px) and measures ``features`` (``N×M``, IOD)
    for ``frames``; ``iod_px`` its median inter-ocular distance in plate pixels."""

    frames: list[int]
    landmarks: np.ndarray
    features: np.ndarray
    iod_px: float


@dataclass
class Extraction:
    """What ``atw aus extract`` found: the curves, their values ``N×17`` per frame, the warnings."""

    curves: AUCurves
    frames: list[int]
    intensities: np.ndarray
    warnings: list[str] = field(default_factory=list)


def clip_measures(input_path: str, frames: list[int] | None = None,
                  face_index: int = 0) -> ClipMeasures:
    """Track the face in ``input_path`` (image, sequence or clip) and measure every frame."""
    from .batch import BatchOptions, compute_track
    from .face.track import inter_ocular
    from .render import RenderOptions

    track = compute_track(input_path, frames, RenderOptions(face_index=face_index),
                          BatchOptions(frames=frames, progress=False))
    if track.landmarks is None:
        raise NoFaceError("no face landmarks on any frame", path=input_path)
    landmarks = np.stack(track.landmarks)
    return ClipMeasures(list(track.frames), landmarks, measure(landmarks),
                        float(np.median([inter_ocular(lm) for lm in landmarks])))


def parse_gains(items: list[str]) -> np.ndarray:
    """``--gain`` values → 17 multipliers of the calibrated gains: a plain number scales every
    AU, ``AU12=2`` one AU on top of that (``["1.5", "AU12=2"]`` → 1.5 everywhere, 3 for AU12).
    """
    gains = np.ones(len(AU_NAMES))
    per_au, overall = {}, []
    for item in items:
        name, sep, value = item.rpartition("=")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not np.isfinite(number) or number < 0:
            raise CurveError(f"--gain {item!r}: expected a number >= 0, or AU=NUMBER "
                             "(e.g. 1.5 or AU12=2)")
        if sep:
            per_au[au_index(name)] = number
        else:
            overall.append(number)
    if len(overall) > 1:
        raise CurveError(f"--gain given {len(overall)} overall values; give one (and AU=NUMBER "
                         "for single AUs)")
    gains *= overall[0] if overall else 1.0
    for index, number in per_au.items():
        gains[index] *= number
    return gains


def extract_curves(input_path: str, *, frames: list[int] | None = None, face_index: int = 0,
                   neutral_frame: int | None = None, neutral_from: str | None = None,
                   gains: np.ndarray | None = None, smooth: float = 0.0,
                   retarget: bool = False, estimator: AUEstimator | None = None) -> Extraction:
    """The AU curves of the face in ``input_path``.

    ``neutral_frame`` (a frame of the clip) or ``neutral_from`` (another clip or image of the
    same performer) replace the clip's own relaxed values; ``gains`` (17, :func:`parse_gains`)
    multiply the calibrated ones; ``smooth`` is a Gaussian's sigma in frames, applied to the
    intensities (and a retarget's motion) before they become keys. ``retarget`` writes the
    performer's motion (:mod:`atw_ofx.retarget`) with only the regional models' AU curves.
    """
    if neutral_frame is not None and neutral_from is not None:
        raise ATWError("give --neutral-frame or --neutral-from, not both", path=input_path)
    estimator = estimator or AUEstimator.default()
    clip = clip_measures(input_path, frames, face_index)
    neutral, neutral_shape, warnings = _neutral(clip, input_path, neutral_frame, neutral_from,
                                                face_index, estimator)
    for message in warnings:
        log.warning(message)
    intensities = estimator.intensities(clip.features, neutral, gains)
    keys = np.array(clip.frames, np.float64)
    track = None
    if retarget:
        coordinates = np.stack([face_coordinates(lm) for lm in clip.landmarks])
        neutral_coordinates = face_coordinates(neutral_shape)
        track = MotionTrack(keys, motion(coordinates, neutral_coordinates),
                            region_sizes(neutral_coordinates))
        intensities[:, [a for a, au in enumerate(AU_NAMES) if au not in REGIONAL_AUS]] = 0.0
    if smooth > 0 and len(clip.frames) > 1:
        from scipy.ndimage import gaussian_filter1d

        intensities = gaussian_filter1d(intensities, smooth, axis=0, mode="nearest")
        if track is not None:
            track.points = gaussian_filter1d(track.points, smooth, axis=0, mode="nearest")
    kept = [i for i, au in enumerate(AU_NAMES) if not retarget or au in REGIONAL_AUS]
    curves = AUCurves({i: Curve(keys, intensities[:, i].astype(np.float32), "linear")
                       for i in kept}, track)
    return Extraction(curves, clip.frames, intensities, warnings)


def _neutral(clip: ClipMeasures, input_path: str, neutral_frame: int | None,
             neutral_from: str | None, face_index: int,
             estimator: AUEstimator) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The performer's neutral measures (``M``), neutral landmarks (for a retarget) and what to
    warn about: from ``neutral_frame``, from the clip ``neutral_from``, or where the clip relaxes
    (then warned about by measure when it never does, and about a face too small to read)."""
    warnings = []
    if neutral_frame is not None:
        if neutral_frame not in clip.frames:
            raise ATWError(f"--neutral-frame {neutral_frame} is not among the frames tracked "
                           f"({clip.frames[0]}-{clip.frames[-1]})", path=input_path)
        index = clip.frames.index(neutral_frame)
        neutral, shape = clip.features[index], clip.landmarks[index]
    else:
        source = clip if neutral_from is None else clip_measures(neutral_from, None, face_index)
        neutral = clip_neutral(source.features)
        shape = source.landmarks[relaxed_frame(source.features, neutral)]
        if neutral_from is None:
            for name, offset in unrelaxed(neutral, estimator.neutral, estimator.spread).items():
                warnings.append(
                    f"{input_path}: the face never relaxes its {name.replace('_', ' ')} (its "
                    f"calmest value is {offset:+.2f} IOD from a relaxed face's): the AUs that "
                    "read it start from a held expression; give --neutral-frame N or "
                    "--neutral-from CLIP")
    if clip.iod_px < MIN_READABLE_IOD_PX:
        warnings.append(f"{input_path}: the face is {clip.iod_px:.0f} px between the eyes; "
                        f"below {MIN_READABLE_IOD_PX:.0f} px its measures are mostly noise "
                        "(use a closer shot of the performer)")
    return neutral, shape, warnings
