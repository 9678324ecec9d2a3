"""Batch benchmark: a 2K EXR sequence through `atw render`'s pipeline, against a serial loop.

    python benchmarks/batch.py [--frames 100] [--size 2048x1080] [--json FILE]

Builds a scene-linear half-float EXR sequence of a real face (the demo portrait, drifting and
with fresh grain each frame) in a temporary folder, then renders it three ways in the same run:

* ``serial``: read → render → write, one frame after another (the baseline);
* ``pipeline``: :func:`atw_ofx.batch.render_sequence` (decode ahead, encode behind, 1 renderer);
* ``pipeline_workers2``: the same with two renderers.

All three use one face track computed beforehand (its cost is reported on its own). Prints
frames/s, the split of the serial wall time between I/O (read + write) and compute, and the
speed-up of each pipeline over the serial baseline; writes the records as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from atw_ofx import colour
from atw_ofx.aus import ramp
from atw_ofx.batch import BatchOptions, compute_track, render_sequence
from atw_ofx.demo import DEMO_EXPRESSION, demo_face_path
from atw_ofx.imageio import ImagePlate, provenance, read_image, write_image
from atw_ofx.models import LandmarkRig
from atw_ofx.render import RenderOptions, render_frame
from atw_ofx.sequence import frame_path

FIRST = 1001


def make_sequence(folder: Path, frames: int, width: int, height: int) -> str:
    """``frames`` half-float EXRs of the demo face on a ``width×height`` plate; the pattern."""
    src = read_image(demo_face_path())
    face = colour.convert(src.rgb(), src.colourspace, colour.DEFAULT_PLATE_SPACE)
    scale = 0.9 * height / face.shape[0]
    face = cv2.resize(face, (round(face.shape[1] * scale), round(face.shape[0] * scale)),
                      interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(0)
    pattern = str(folder / "plate.####.exr")
    for k in range(frames):
        plate = np.full((height, width, 3), 0.05, np.float32)
        x = (width - face.shape[1]) // 2 + round(20 * np.sin(k / 15))  # a slow sway
        y = (height - face.shape[0]) // 2
        plate[y:y + face.shape[0], x:x + face.shape[1]] = face
        plate += rng.normal(0, 0.004, plate.shape).astype(np.float32)  # film grain
        write_image(frame_path(pattern, FIRST + k), ImagePlate.from_array(np.maximum(plate, 0),
                                                                          ("R", "G", "B")),
                    pixel_type="half")
    return pattern


def serial(pattern, out_pattern, frames, curves, model, options, track) -> dict:
    """The baseline: one frame at a time, nothing overlapped."""
    read_s = render_s = write_s = 0.0
    for f in frames:
        t0 = time.perf_counter()
        plate = read_image(frame_path(pattern, f), frame=f)
        t1 = time.perf_counter()
        aus = curves.at(f)
        result = render_frame(plate, aus, model, face=track.placement(f), options=options, frame=f,
                              in_place=True)  # as the batch renderer does
        t2 = time.perf_counter()
        write_image(frame_path(out_pattern, f), result.plate,
                    attributes=provenance(model.name, options.frame_params(aus, result.face.box)))
        t3 = time.perf_counter()
        read_s, render_s, write_s = read_s + t1 - t0, render_s + t2 - t1, write_s + t3 - t2
    return {"wall_s": read_s + render_s + write_s, "read_s": read_s, "render_s": render_s,
            "write_s": write_s}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--size", default="2048x1080")
    parser.add_argument("--json", default=str(Path(__file__).parent / "results" / "batch_cpu.json"))
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    frames = list(range(FIRST, FIRST + args.frames))
    curves = ramp(DEMO_EXPRESSION, first=FIRST, last=frames[-1])
    model, options = LandmarkRig(), RenderOptions()

    with tempfile.TemporaryDirectory(prefix="atw_bench_") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        pattern = make_sequence(tmp, args.frames, width, height)
        print(f"made {args.frames} frames {width}x{height} in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
        t0 = time.perf_counter()
        track = compute_track(pattern, frames, options, BatchOptions())
        track_s = time.perf_counter() - t0

        runs = {"serial": serial(pattern, str(tmp / "serial" / "atw.####.exr"), frames, curves,
                                 model, options, track)}
        for name, workers in (("pipeline", 1), ("pipeline_workers2", 2)):
            report = render_sequence(pattern, str(tmp / name / "atw.####.exr"), curves, model,
                                     options=options,
                                     batch=BatchOptions(frames=frames, track=track, workers=workers,
                                                        progress=False))
            runs[name] = {"wall_s": report.wall_s,
                          "read_s": sum(t.read_s for t in report.timings),
                          "render_s": sum(t.render_s for t in report.timings),
                          "write_s": sum(t.write_s for t in report.timings)}
        same = all((tmp / name / f"atw.{f}.exr").read_bytes()
                   == (tmp / "serial" / f"atw.{f}.exr").read_bytes()
                   for name in runs for f in frames[:: max(1, len(frames) // 10)])

    base = runs["serial"]["wall_s"]
    device = f"cpu ({platform.processor() or platform.machine()}, {os.cpu_count()} cores, " \
             f"torch {torch.get_num_threads()} threads)"
    records = []
    for name, run in runs.items():
        fps = args.frames / run["wall_s"]
        io = run["read_s"] + run["write_s"]
        records.append({"size": f"{width}x{height}", "frames": args.frames, "impl": name,
                        "device": device, "frames_per_s": round(fps, 3),
                        "wall_s": round(run["wall_s"], 2), "read_s": round(run["read_s"], 2),
                        "render_s": round(run["render_s"], 2), "write_s": round(run["write_s"], 2),
                        "io_share": round(io / (io + run["render_s"]), 3),
                        "speedup_vs_serial": round(base / run["wall_s"], 2)})
        print(f"{name:18s} {fps:6.2f} frames/s  x{base / run['wall_s']:.2f} vs serial  "
              f"(read {run['read_s']:.1f} s, render {run['render_s']:.1f} s, "
              f"write {run['write_s']:.1f} s)")
    print(f"face track (once per shot): {track_s:.1f} s = {args.frames / track_s:.2f} frames/s")
    print(f"outputs identical across runs: {same}")
    result = {"benchmark": "batch", "track_s": round(track_s, 2), "outputs_identical": same,
              "records": records}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
