"""A talking clip's mouth opened frame by frame: how steady the generated mouth is over a run of
frames.

    python benchmarks/mouth_in_sequence.py [--clip liveportrait_d10.mp4] [--frames 22-40]
                                           [--edit "AU25=5,AU26=5"]
                                           [--json benchmarks/results/mouth_in_sequence.json]
                                           [--sheet benchmarks/results/mouth_in_sequence.png]

An edit held still over a talking clip should change the mouth only as the performer's own mouth
changes, not flicker between looks from one frame to the next. The run's frames (from 1) are
tracked as ``atw render`` tracks a shot (:func:`atw_ofx.face.track.track_faces`: smoothed
landmarks, and the shot's own mouth, :class:`atw_ofx.models.mouth_look.MouthLook`), then each is
rendered through the product with the edit twice: in the shot's mouth colours (``shot``, what a
render does) and, the baseline in the same run, in each frame's own (``frame``: the track's
``mouth`` left out). The pixels each generated (the ``generated`` AOV above 0.9: the cavity,
drawn teeth, the dark beside held teeth) are read in linear light against the cheeks beside the
nose (mesh points 205 and 425, :data:`atw_ofx.models.mouth.SKIN_POINTS`): their light and their
balance (red and blue over their mean, against the cheeks'). The results list each frame's and,
for the run, the mean, spread and largest step from one frame to the next of each; the sheet
shows the mouth as shot, edited in each frame's colours and in the shot's, frame by frame, at
1:1.
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from atw_ofx import colour  # noqa: E402
from atw_ofx.face.detect import to_rgb8  # noqa: E402
from atw_ofx.face.track import track_faces  # noqa: E402
from atw_ofx.imageio import decoded  # noqa: E402
from atw_ofx.models import load_model  # noqa: E402
from atw_ofx.models.mouth import SKIN_POINTS  # noqa: E402
from atw_ofx.render import RenderOptions, render_frame  # noqa: E402
from atw_ofx.video import read_codes  # noqa: E402
from look_1to1 import VIDEO, edit_aus, region_window  # noqa: E402

#: The measures read per frame, and stepped between frames.
MEASURES = ("light", "red", "blue")


def generated_mouth(pixels: np.ndarray, channels: list[str], landmarks: np.ndarray) -> dict:
    """The generated pixels of a rendered frame (``H×W×C`` linear, its ``channels`` with the
    ``generated`` AOV) against the cheeks at ``landmarks``: ``light`` (their mean over the
    cheeks'), ``red`` and ``blue`` (their balance over the cheeks'), ``pixels`` (how many)."""
    generated = pixels[..., [i for i, name in enumerate(channels)
                             if name.startswith("generated")][0]] > 0.9
    rgb = pixels[..., :3]
    cheeks = np.mean([rgb[int(y), int(x)] for x, y in landmarks[list(SKIN_POINTS)]], 0)
    if not generated.any():
        return {"pixels": 0, "light": None, "red": None, "blue": None}
    mean = rgb[generated].mean(0)
    balance = (mean / mean.mean()) / (cheeks / cheeks.mean())
    return {"pixels": int(generated.sum()), "light": float(mean.mean() / cheeks.mean()),
            "red": float(balance[0]), "blue": float(balance[2])}


def summary(frames: list[dict]) -> dict:
    """Each measure's mean, spread and largest step between consecutive frames that generated
    pixels."""
    out = {}
    for key in MEASURES:
        values = np.array([f[key] for f in frames if f[key] is not None])
        steps = np.abs(np.diff(values)) if len(values) > 1 else np.zeros(1)
        out[key] = {"mean": round(float(values.mean()), 3), "spread": round(float(values.std()), 3),
                    "largest_step": round(float(steps.max()), 3)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", default="liveportrait_d10.mp4")
    parser.add_argument("--frames", default="22-40", help="first-last, from 1")
    parser.add_argument("--edit", default="AU25=5,AU26=5")
    parser.add_argument("--json", default="benchmarks/results/mouth_in_sequence.json")
    parser.add_argument("--sheet", default="benchmarks/results/mouth_in_sequence.png")
    args = parser.parse_args()
    first, last = (int(n) for n in args.frames.split("-"))
    model = load_model("rig")
    aus = edit_aus(args.edit)
    clip = VIDEO / args.clip
    plates = [(number, decoded(codes, colour.DEFAULT_DISPLAY_FILE_SPACE, str(clip)))
              for number, codes in enumerate(itertools.islice(read_codes(clip), last), 1)
              if number >= first]
    track = track_faces(((number, lambda p=plate: p) for number, plate in plates),
                        source=str(clip))
    runs = {"frame": [], "shot": []}
    tiles = []
    for number, plate in plates:
        shot = track.placement(number)
        column = [plate]
        for name, face in (("frame", dataclasses.replace(shot, mouth=None)), ("shot", shot)):
            result = render_frame(plate, aus, model, face=face,
                                  options=RenderOptions(aovs=("generated",)))
            out = result.plate
            runs[name].append({"frame": number, **generated_mouth(
                out.pixels, list(out.channels), shot.landmarks)})
            column.append(out)
        window = region_window(shot.landmarks, "jaw", plate.pixels.shape[:2])
        tile = np.concatenate([to_rgb8(np.ascontiguousarray(image.pixels[window][..., :3]),
                                       image.colourspace) for image in column], 0)
        cv2.putText(tile, str(number), (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 0), 1,
                    cv2.LINE_AA)
        tiles.append(np.pad(tile, ((0, 4), (0, 4), (0, 0)), constant_values=255))
        print(f"frame {number:4d}  " + "   ".join(name + " " + "  ".join(
            f"{key} {run[-1][key]:.3f}" if run[-1][key] is not None else f"{key} -"
            for key in MEASURES) for name, run in runs.items()))
    height = max(t.shape[0] for t in tiles)
    strip = np.concatenate([np.pad(t, ((0, height - t.shape[0]), (0, 0), (0, 0)),
                                   constant_values=255) for t in tiles], 1)
    cv2.imwrite(args.sheet, cv2.cvtColor(strip, cv2.COLOR_RGB2BGR))
    summaries = {name: summary(run) for name, run in runs.items()}
    look = None if track.mouth is None else track.mouth.to_json()
    Path(args.json).write_text(json.dumps(
        {"clip": args.clip, "frames": args.frames, "edit": args.edit, "shot_mouth": look,
         "run": summaries, "per_frame": runs}, indent=1) + "\n")
    print(f"the shot's mouth: {look}")
    for name, run in summaries.items():
        print(f"run ({name}): " + "; ".join(f"{k} {v['mean']} ± {v['spread']} (largest step "
                                            f"{v['largest_step']})" for k, v in run.items()))
    print(f"-> {args.json}, {args.sheet} ({strip.shape[1]}×{strip.shape[0]})")


if __name__ == "__main__":
    main()
