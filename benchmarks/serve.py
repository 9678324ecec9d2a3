"""A host's preview of one 4K frame: a fresh `atw render` against the warm `atw serve` worker.

    python benchmarks/serve.py [--requests 6] [--json benchmarks/results/serve.json]

The frame is the shipped demo portrait placed on a 3840×2160 scene-linear EXR (half float, as
plates are). Both are timed wall-clock through the host side's own code
(``host_adapters.render_job``): ``run`` of a fresh ``atw render`` process — the baseline, what
Render does per call — and ``PreviewWorker.render`` on one worker: its first request (it loads
everything), then ``--requests`` more, each a different AU12 so nothing is reused but the loaded
process. The target: a warm preview in ≤ 1 s on 2 CPU cores (run under ``taskset -c 0,1``).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))  # host_adapters, as a host puts the checkout on its path

from atw_ofx import colour  # noqa: E402
from atw_ofx.imageio import ImagePlate, read_image, write_image  # noqa: E402
from host_adapters.curves import write_curves  # noqa: E402
from host_adapters.render_job import PreviewWorker, RenderJob, run  # noqa: E402


def plate_4k(path: Path) -> None:
    """The demo portrait, 2160 px tall, centred on a 3840×2160 linear EXR."""
    src = read_image(ROOT / "atw_ofx" / "data" / "demo_face.jpg")
    linear = colour.convert(src.rgb(), src.colourspace, colour.DEFAULT_PLATE_SPACE)
    height, width = linear.shape[:2]
    face = cv2.resize(linear, (round(width * 2160 / height), 2160), interpolation=cv2.INTER_AREA)
    canvas = np.full((2160, 3840, 3), 0.05, np.float32)
    left = (3840 - face.shape[1]) // 2
    canvas[:, left:left + face.shape[1]] = face
    write_image(path, ImagePlate.from_array(canvas, ("R", "G", "B")), pixel_type="half")


def main(requests: int, record: Path | None) -> None:
    command = [sys.executable, "-m", "atw_ofx.cli"]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        plate_4k(work / "plate.1001.exr")

        def job(k: int) -> RenderJob:
            curves = write_curves(work / f"aus{k}.json", {1001: {"AU12": 1.0 + 0.5 * k}})
            return RenderJob(str(work / "plate.####.exr"), str(work / f"out{k}" / "o.####.exr"),
                             curves, 1001, 1001, command=command)

        cold = []
        for k in range(3):
            started = time.perf_counter()
            run(job(k))
            cold.append(time.perf_counter() - started)
        worker = PreviewWorker(command)
        started = time.perf_counter()
        worker.render(job(10))
        first = time.perf_counter() - started
        warm = []
        for k in range(requests):
            started = time.perf_counter()
            worker.render(job(20 + k))
            warm.append(time.perf_counter() - started)
        worker.close()
    result = {"cores": len(os.sched_getaffinity(0)), "plate": "3840x2160 half EXR, one frame",
              "fresh_atw_render_s": round(statistics.median(cold), 3),
              "worker_first_request_s": round(first, 3),
              "worker_warm_request_s": round(statistics.median(warm), 3),
              "worker_warm_max_s": round(max(warm), 3), "requests": requests,
              "worker_warm_each_s": [round(t, 3) for t in warm]}
    result["speedup_warm_vs_fresh"] = round(result["fresh_atw_render_s"] /
                                            result["worker_warm_request_s"], 2)
    result["target_warm_le_1s"] = result["worker_warm_request_s"] <= 1.0
    for key, value in result.items():
        print(f"{key:26s} {value}")
    if record is not None:
        record.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {record}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    main(args.requests, args.json)
