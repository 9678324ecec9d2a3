"""Calibrating the AU estimator: gains from real performances, scored on labelled frames it never
saw (``atw aus calibrate``).

Each performance clip is tracked and measured as ``atw aus extract`` does; each AU's movement
from the clip's neutral is read per frame (:func:`~atw_ofx.face.au_estimate.movements`). A clip's
*strong* movement is its :data:`CLIP_QUANTILE` frame; across clips, the :data:`ACROSS_CLIPS`
quantile of those is what a strong real expression moves, floored at :data:`MIN_STRONG` (below
it a "strong" movement is landmark jitter and speech, and a gain would amplify them). The gain
maps it to :data:`~atw_ofx.face.au_estimate.STRONG_INTENSITY`.

Reported, all held out: per clip, the intensity its strong frame reads with gains calibrated on
the *other* clips; per labelled set (OpenFace 2.x intensities: a folder in ``atw train``'s
layout, or an OpenFace CSV with its 68 landmarks), per AU the Pearson r and the slope of ours
against OpenFace's — the labels never set a gain.
"""
from __future__ import annotations

import concurrent.futures
import csv
import multiprocessing
import os
from pathlib import Path

import numpy as np

from .conventions import AU_NAMES
from .face.au_estimate import (MOTIONS, RELATIVE_AUS, STRONG_INTENSITY, AUEstimator,
                               clip_neutral, image_landmarks, movements)
from .face.au_measures import measure
from .performance import clip_measures

CLIP_QUANTILE = 0.98
ACROSS_CLIPS = 0.8
#: The smallest movement a strong expression makes: 0.08 IOD (the rig's own intensity-5 floor
#: for brow lowering and corner drop, docs/frame.md), and a fifth of the eye's aperture.
MIN_STRONG = np.array([0.2 if au in RELATIVE_AUS else 0.08 for au in AU_NAMES])
#: A labelled AU varies visibly when its 5–95 % range spans at least one intensity step.
VISIBLE_RANGE = 1.0


def strong_movements(per_clip: np.ndarray) -> np.ndarray:
    """17 strong movements from ``C×17`` per-clip strong movements."""
    return np.maximum(np.quantile(per_clip, ACROSS_CLIPS, axis=0), MIN_STRONG)


def labelled_frames(path: str) -> tuple[np.ndarray, np.ndarray]:
    """``(N×M measures, N×17 OpenFace intensities)`` of a labelled set: an OpenFace CSV (its own
    68 landmarks) or a folder in ``atw train``'s layout (landmarks found on its images)."""
    if str(path).endswith(".csv"):
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh, skipinitialspace=True))
        landmarks = np.array([[[float(r[f"x_{i}"]), float(r[f"y_{i}"])] for i in range(68)]
                              for r in rows])
        labels = np.array([[float(r[f"{au}_r"]) for au in AU_NAMES] for r in rows])
        return measure(landmarks), labels
    from .train.data import load_faces

    features, labels = [], []
    faces = load_faces(path)  # every labelled image: none of them sets a gain
    for image, aus in zip(faces.images, faces.aus.numpy()):
        found = image_landmarks(np.ascontiguousarray(image.permute(1, 2, 0).numpy()))
        if found is not None:
            features.append(measure(found))
            labels.append(aus)
    return np.array(features), np.array(labels)


def _agreement(ours: np.ndarray, labels: np.ndarray) -> dict:
    """Per AU: OpenFace's 5–95 % range, Pearson r and slope of ours on theirs (None: constant)."""
    table = {}
    for a, au in enumerate(AU_NAMES):
        x, y = ours[:, a], labels[:, a]
        spread = float(np.quantile(y, 0.95) - np.quantile(y, 0.05))
        row = {"openface_range": round(spread, 2), "visible": spread >= VISIBLE_RANGE,
               "r": None, "slope": None}
        if x.std() > 0 and y.std() > 0:
            row["r"] = round(float(np.corrcoef(x, y)[0, 1]), 3)
            row["slope"] = round(float(np.polyfit(y, x, 1)[0]), 3)
        table[au] = row
    return table


def calibrate(clips: list[str], labelled: list[str] = (), progress=print,
              jobs: int | None = None) -> AUEstimator:
    """Gains and population neutral from ``clips``; the report scores ``labelled`` sets.

    ``jobs`` clips are tracked at once, each in a process of its own (default: the cores this
    process may use — tracking one clip keeps about one core busy)."""
    measured = dict(zip(clips, _measure_clips(clips, jobs, progress)))
    neutrals = np.array([clip_neutral(f) for f in measured.values()])
    strong = np.array([np.quantile(movements(f, clip_neutral(f)), CLIP_QUANTILE, axis=0)
                       for f in measured.values()])
    gains = np.where(np.abs(MOTIONS).sum(1) > 0,
                     STRONG_INTENSITY / strong_movements(strong), 0.0)
    estimator = AUEstimator(gains, neutrals.mean(0), neutrals.std(0))
    held_out = {}
    for c, clip in enumerate(measured):
        others = strong_movements(np.delete(strong, c, axis=0))
        reads = np.minimum(strong[c] * np.where(gains > 0, STRONG_INTENSITY / others, 0), 5)
        held_out[Path(clip).name] = dict(zip(AU_NAMES, np.round(reads, 2).tolist()))
    report = {
        "clips": [Path(c).name for c in clips],
        "strong_movement": dict(zip(AU_NAMES, np.round(strong_movements(strong), 4).tolist())),
        "held_out_clips_strong_frame": held_out,
        "labelled": {},
    }
    for path in labelled:
        features, labels = labelled_frames(path)
        ours = estimator.intensities(features, clip_neutral(features))
        report["labelled"][Path(path).name] = {"frames": len(features),
                                               "per_au": _agreement(ours, labels)}
        progress(f"{path}: {len(features)} labelled frames")
    estimator.report = report
    return estimator


def _clip_features(clip: str) -> np.ndarray:
    """``F×M`` measures of a clip, as ``atw aus extract`` tracks and measures it."""
    return clip_measures(clip).features


def _measure_clips(clips: list[str], jobs: int | None, progress) -> list[np.ndarray]:
    """Each clip's measures, in order; ``jobs`` at once (spawned processes: forked ones would
    inherit the thread pools torch, Numba and OpenCV started here)."""
    jobs = min(jobs or len(os.sched_getaffinity(0)), len(clips))
    if jobs <= 1:
        results = (_clip_features(clip) for clip in clips)
        return [_reported(clip, features, progress) for clip, features in zip(clips, results)]
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        return [_reported(clip, features, progress)
                for clip, features in zip(clips, pool.map(_clip_features, clips))]


def _reported(clip: str, features: np.ndarray, progress) -> np.ndarray:
    progress(f"{clip}: {len(features)} frames")
    return features


def markdown_table(estimator: AUEstimator) -> str:
    """The calibration's table as docs/aus.md shows it: per AU its gain, the strong movement, the
    held-out intensity of the clips' strong frames (median, max) and per labelled set r and slope
    against OpenFace (° = OpenFace's intensity varies less than one step there)."""
    report = estimator.report
    sets = list(report["labelled"])
    head = ["AU", "gain", "strong movement", "held-out strong frame: median / max"]
    head += [f"{name}: r / slope" for name in sets]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    clips = report["held_out_clips_strong_frame"].values()
    for a, au in enumerate(AU_NAMES):
        reads = [row[au] for row in clips]
        unit = " (fraction)" if au in RELATIVE_AUS else " IOD"
        cells = [au, f"{estimator.gains[a]:.1f}",
                 f"{report['strong_movement'][au]:.2f}{unit}",
                 f"{np.median(reads):.1f} / {max(reads):.1f}"]
        for name in sets:
            row = report["labelled"][name]["per_au"][au]
            mark = "" if row["visible"] else "°"
            cells.append("–" if row["r"] is None else f"{row['r']:.2f} / {row['slope']:.2f}{mark}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
