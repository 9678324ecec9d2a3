"""How long `atw` takes to answer, in fresh processes: a mistake, `--help`, one 1080p still.

    python benchmarks/startup.py [--runs 3] [--json benchmarks/results/startup.json]

Each case is a new process, timed wall-clock from start to exit (median of ``--runs``), beside
two baselines measured in the same run: a bare Python start, and ``import torch`` (what every
render must load). The still is the shipped demo portrait scaled to 1920×1080 and written as a
JPEG in a temporary folder; the render asks for AU12 = 3 to an EXR.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).parents[1]


def wall(cmd: list[str], cwd: Path, runs: int) -> float:
    """Median wall-clock seconds of ``cmd`` run ``runs`` times."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(runs: int, record: Path | None) -> None:
    atw = [sys.executable, "-m", "atw_ofx.cli"]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        face = cv2.imread(str(ROOT / "atw_ofx" / "data" / "demo_face.jpg"))
        canvas = np.full((1080, 1920, 3), 40, np.uint8)
        small = cv2.resize(face, (664, 1080), interpolation=cv2.INTER_AREA)
        canvas[:, 628:628 + 664] = small
        cv2.imwrite(str(work / "still.jpg"), canvas)
        cases = {
            "python": [sys.executable, "-c", "pass"],
            "import torch": [sys.executable, "-c", "import torch"],
            "mistake (missing input)": [*atw, "render", "missing.exr", "-o", "o.exr"],
            "atw --help": [*atw, "--help"],
            "render 1080p still": [*atw, "render", "still.jpg", "--au", "AU12=3", "-o",
                                   "out.exr"],
        }
        seconds = {name: round(wall(cmd, work, runs), 3) for name, cmd in cases.items()}
    torch = seconds["import torch"]
    for name, s in seconds.items():
        print(f"{name:26s} {s:6.3f} s  ({s / torch:.2f}× import torch)")
    if record is not None:
        record.write_text(json.dumps({"runs": runs, "seconds": seconds,
                                      "ratio_to_import_torch": {
                                          k: round(v / torch, 3) for k, v in seconds.items()}},
                                     indent=1) + "\n")
        print(f"wrote {record}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    main(args.runs, args.json)
