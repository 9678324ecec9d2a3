"""Face-mesh benchmark: agreement with MediaPipe's own runtime, and the time per frame.

    python benchmarks/face_mesh.py [--json benchmarks/results/face_mesh.json]

Agreement: on the shared faces whose MediaPipe 0.10.21 landmarks are stored in ``tests/data``
(``tools/mediapipe_reference.py``), the mean and 95th-percentile point distance, in inter-ocular
distances (iris centres), between ATW's torch mesh and

* ``plain``: MediaPipe's 468-point mesh (the same ``face_landmark`` model ATW ships), on the 468
  points outside the eye regions the iris model refines;
* ``refined``: MediaPipe's attention mesh (478 points with irises: a different model from ATW's
  mesh + iris pair), on all 478 points and on the irises alone.

Speed, on 2 threads at 4K (the demo portrait as a close-up, a scene-linear float plate): a full
search (``detect_faces``: shrink, window pyramid, mesh on each find), landmarks from a detection,
and the tracking step (``follow_faces``: crops cut from the float plate and converted to display, the
mesh and the irises from the previous frame's points), each the median of repeated runs, for each
graph runtime: OpenCV's DNN (the CPU default) and the torch runner (the reference), both measured
in the same run; dlib's 68-point predictor on the same face box (the backend the mesh replaced) is
the second baseline.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

from atw_ofx.face.detect import (Face, backend, detect_faces, follow_faces,  # noqa: E402
                                 to_rgb8)
from atw_ofx.face.mesh import EYE_REFINED, RUNTIMES, face_mesh  # noqa: E402


def agreement() -> dict:
    mesh = backend("mesh")
    rows = {}
    eyes = np.zeros(468, bool)
    eyes[[i for eye in EYE_REFINED for i in eye]] = True
    refs = {kind: np.load(ROOT / "tests" / "data" / f"face_mesh_mediapipe_{kind}.npz")
            for kind in ("plain", "refined")}
    for name in refs["refined"].files:
        rgb = cv2.cvtColor(cv2.imread(str(DATA / name)), cv2.COLOR_BGR2RGB)
        ours = mesh.faces(rgb, detect_scale=1.0)[0].landmarks
        refined, plain = refs["refined"][name], refs["plain"][name]
        iod = float(np.linalg.norm(refined[468] - refined[473]))
        err_refined = np.linalg.norm(ours - refined, axis=1) / iod
        err_plain = np.linalg.norm(ours[:468] - plain, axis=1)[~eyes] / iod
        rows[name] = {"plain_mean": float(err_plain.mean()),
                      "plain_p95": float(np.percentile(err_plain, 95)),
                      "refined_mean": float(err_refined.mean()),
                      "refined_p95": float(np.percentile(err_refined, 95)),
                      "iris_mean": float(err_refined[468:].mean())}
    summary = {k: float(np.mean([r[k] for r in rows.values()])) for k in next(iter(rows.values()))}
    return {"faces": rows, "mean_over_faces": summary}


def _median_ms(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def speed(repeats: int) -> dict:
    from atw_ofx.bench.render import close_up

    plate, placement = close_up((2160, 3840))
    rgb = plate.rgb()
    rgb8 = to_rgb8(rgb, plate.colourspace)
    dlib = backend("dlib")
    record = {"plate": "3840x2160"}
    for runtime in RUNTIMES:  # the CPU default first, then the torch reference
        os.environ["ATW_FACE_RUNTIME"] = runtime  # what backend("mesh") loads
        models = face_mesh()
        box, keypoints, _ = models.detect(rgb8)[0]
        points, _ = models.from_detection(rgb8, box, keypoints)
        previous = [Face(tuple(box), points)]
        record[runtime] = {
            "search_ms": _median_ms(lambda: detect_faces(rgb, plate.colourspace,
                                                         backend_name="mesh"),
                                    max(3, repeats // 5)),
            "landmarks_from_detection_ms": _median_ms(
                lambda: models.from_detection(rgb8, box, keypoints), repeats),
            # What a track pays per frame: three crops cut from the float plate and converted
            # to display, the mesh and the two irises, from the previous frame's points.
            "tracking_step_ms": _median_ms(lambda: follow_faces(
                rgb, plate.colourspace, previous, backend_name="mesh"), repeats),
            "mesh_ms": _median_ms(lambda: models.mesh(np.zeros((1, 192, 192, 3))), repeats),
            "iris_pair_ms": _median_ms(lambda: models.iris(np.zeros((2, 64, 64, 3))), repeats),
        }
    dlib_box = tuple(int(v) for v in box)
    record["baseline_dlib68_ms"] = _median_ms(lambda: dlib.landmarks(rgb8, dlib_box), repeats)
    default = record[RUNTIMES[0]]
    record["tracking_vs_torch_runtime"] = (default["tracking_step_ms"]
                                           / record["torch"]["tracking_step_ms"])
    record["tracking_vs_dlib"] = default["tracking_step_ms"] / record["baseline_dlib68_ms"]
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "face_mesh.json"))
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(2)
    cv2.setNumThreads(2)  # the OpenCV runtime's threads, as torch's
    record = {"agreement_iod": agreement(), "speed": speed(args.repeats),
              "machine": {"cpu": platform.processor() or platform.machine(),
                          "threads": torch.get_num_threads(), "torch": torch.__version__}}
    s = record["speed"]
    a = record["agreement_iod"]["mean_over_faces"]
    print(f"agreement (IOD): plain mesh mean {a['plain_mean']:.4f} p95 {a['plain_p95']:.4f}; "
          f"attention mesh mean {a['refined_mean']:.4f}; irises {a['iris_mean']:.4f}")
    for runtime in RUNTIMES:
        r = s[runtime]
        print(f"4K, {runtime}: search {r['search_ms']:.1f} ms, landmarks "
              f"{r['landmarks_from_detection_ms']:.1f} ms, tracking step "
              f"{r['tracking_step_ms']:.1f} ms (mesh {r['mesh_ms']:.1f}, irises "
              f"{r['iris_pair_ms']:.1f})")
    print(f"tracking step = {s['tracking_vs_torch_runtime']:.2f}× the torch runtime's, "
          f"{s['tracking_vs_dlib']:.2f}× dlib's 68 points ({s['baseline_dlib68_ms']:.1f} ms)")
    Path(args.json).write_text(json.dumps(record, indent=2) + "\n")
    print(f"-> {args.json}")


if __name__ == "__main__":
    main()
