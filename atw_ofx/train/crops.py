"""``atw data crops``: clips → aligned 128 px training crops labelled by the AU estimator.

Each clip's face is tracked (the render's detection, following and zero-lag smoothing); every
``every``-th frame is cut to the loose head-shot crop the paper trains on (FFHQ's alignment rule,
:meth:`~atw_ofx.face.CropBox.from_landmarks` — the crop renders use too), area-averaged to
``size`` px and saved as a PNG, and labelled with the AUs :mod:`~atw_ofx.face.au_estimate`
measures against the performer's relaxed face (so the labels are changes from that face, the
semantics ATW's relative mode uses). Writes ``imgs/``, ``labels.csv`` and a by-clip split
(``train_ids.csv``, ``test_ids.csv``: the last ``test_clips`` clips), the layout ``atw train``
reads.
"""
from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from ..conventions import AU_NAMES
from ..errors import ATWError
from ..face import crop
from ..face.au_estimate import AUEstimator, clip_neutral
from ..face.au_measures import measure
from ..face.detect import to_rgb8


def make_crops(inputs: list[str], out: str | Path, *, every: int = 5, size: int = 128,
               test_clips: int = 1, progress=print) -> int:
    """Write the crops of every input clip/sequence into ``out``; returns how many."""
    from ..batch import BatchOptions, compute_track, frame_jobs
    from ..render import RenderOptions

    out = Path(out)
    (out / "imgs").mkdir(parents=True, exist_ok=True)
    estimator = AUEstimator.default()
    rows, by_clip = [], []
    for clip in inputs:
        track = compute_track(clip, None, RenderOptions(), BatchOptions(progress=False))
        if track.landmarks is None:
            raise ATWError("no face landmarks on any frame", path=clip)
        neutral = clip_neutral(measure(np.stack(track.landmarks)))
        keep = set(track.frames[::every])
        stem = Path(clip).stem.replace("#", "").replace("%", "").strip("._") or "clip"
        names = []
        for job in frame_jobs(clip, None, None):
            if job.frame not in keep:
                continue
            placement = track.placement(job.frame)
            plate = job.load()
            face = crop(to_rgb8(plate.rgb(), plate.colourspace), placement.box)
            face = cv2.resize(face, (size, size), interpolation=cv2.INTER_AREA)
            name = f"{stem}_{job.frame:06d}.png"
            cv2.imwrite(str(out / "imgs" / name), cv2.cvtColor(face, cv2.COLOR_RGB2BGR))
            aus = estimator.estimate(placement.landmarks, neutral)
            rows.append([name, *(f"{v:.3f}" for v in aus)])
            names.append(name)
        by_clip.append(names)
        progress(f"{clip}: {len(names)} crops")
    with open(out / "labels.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["image", *AU_NAMES])
        writer.writerows(rows)
    split = max(0, len(by_clip) - test_clips) if len(by_clip) > 1 else len(by_clip)
    for name, clips in (("train", by_clip[:split]), ("test", by_clip[split:])):
        (out / f"{name}_ids.csv").write_text("".join(f"{n}\n" for c in clips for n in c))
    return len(rows)

