"""AU curves from a performance: a reference clip's face, measured frame by frame.

``atw aus extract CLIP -o curves.json`` tracks the clip's face (the same detection, following and
zero-lag smoothing as a render), measures every frame's landmarks against the performer's own
neutral face (:func:`~atw_ofx.face.au_estimate.clip_neutral`, or a frame you name) and writes
one linear key per frame and AU — curves that drive another shot's face with ``--aus``.
"""
from __future__ import annotations

import numpy as np

from .aus import AUCurves, Curve
from .conventions import AU_NAMES
from .errors import ATWError, NoFaceError
from .face.au_estimate import AUEstimator, clip_neutral, measures


def extract_curves(input_path: str, *, frames: list[int] | None = None, face_index: int = 0,
                   neutral_frame: int | None = None,
                   estimator: AUEstimator | None = None) -> AUCurves:
    """The AU curves of the face in ``input_path`` (image, sequence or clip)."""
    from .batch import BatchOptions, compute_track
    from .render import RenderOptions

    track = compute_track(input_path, frames, RenderOptions(face_index=face_index),
                          BatchOptions(frames=frames, progress=False))
    if track.landmarks is None:
        raise NoFaceError("no face landmarks on any frame", path=input_path)
    features = np.stack([measures(lm) for lm in track.landmarks])
    if neutral_frame is None:
        neutral = clip_neutral(features)
    elif neutral_frame in track.frames:
        neutral = features[track.frames.index(neutral_frame)]
    else:
        raise ATWError(f"--neutral-frame {neutral_frame} is not among the frames tracked "
                       f"({track.frames[0]}-{track.frames[-1]})", path=input_path)
    aus = (estimator or AUEstimator.default()).estimate(track.landmarks, neutral)
    keys = np.array(track.frames, np.float64)
    return AUCurves({i: Curve(keys, aus[:, i].astype(np.float32), "linear")
                     for i in range(len(AU_NAMES))})
