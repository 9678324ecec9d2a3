"""Faces in general: the rig's key edits on faces unlike the demo portrait, scored and shown.

    python benchmarks/faces_in_general.py [--json benchmarks/results/faces_in_general.json]
                                          [--sheet benchmarks/results/faces_in_general.png]
                                          [--blink-pairs DIR [--mediapipe NPZ]]

The kinds a compositor meets (from ``../shared/data``, never used for tuning): glasses, a beard,
black-and-white (a colour plate desaturated: luminance in all three channels), a painted look
(OpenCV's edge-preserving stylisation of a photograph), and heads turned 30–40° or tilted, taken
from the talking-head clips (the frames where the mesh's nose sits furthest from the face's
middle). Each face, at 1024 px at most, gets the blink (AU45 5), the open mouth (AU25 + AU26 5),
the brow raise (AU01 + AU02 5), and happy, sad and anger at 0.8, measured as ``atw eval --edits``
measures them (:func:`atw_ofx.edits.measure_edit`: optical flow at the mesh's parts; the
re-detected eye aspect ratio and lip gap are recorded too). A face passes when it is found, the
lips part by ≥ :data:`MIN_OPENING` IOD (the generated interior's height down the mouth's middle;
the lips' flow and the re-detected gap are recorded too, and each loses track of a lip over the
dark cavity now and then), the inner brows rise ≥ :data:`MIN_BROWS`, happy lifts
the corners ≥ :data:`MIN_CORNERS` and sad lowers them as far. The blink is recorded (each upper
lid's flow-measured travel over its eye's opening; the re-detected eye aspect ratio) but not
scored: neither agrees with the eye — the flow loses a lid that covers what it followed, a mesh
re-detects a shut lid as half open — so the blink column of the sheet is the judge. The sheet
shows every edit on every face, before first; a second one (``…_blink_1to1.png``) both eyes
before and after the blink at 1:1.

The issue's own measure of a blink is an independent mesh's eye aspect ratio, after / before:
``--blink-pairs DIR`` writes each face's before and blink images there for MediaPipe's runtime,
and a rerun with ``--mediapipe DIR/mediapipe.npz`` records the ratio per face
(``benchmarks/independent_mesh.py``).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

from atw_ofx import colour, edits  # noqa: E402
from atw_ofx.aus import au_vector, parse_au_assignments  # noqa: E402
from atw_ofx.errors import NoFaceError  # noqa: E402
from atw_ofx.imageio import ImagePlate, read_image  # noqa: E402
from atw_ofx.models import load_model  # noqa: E402
from atw_ofx.render import RenderOptions, locate_face  # noqa: E402
from independent_mesh import IndependentMesh, add_arguments  # noqa: E402

#: (label, source, variant): a still under plates/ or ``clip#frame`` under video/; the variant
#: is applied to the display-referred image before it becomes a linear plate.
FACES = [
    ("glasses", "plates/ffhq_atw/15.png", None),
    ("narrow eyes, smiling", "plates/ffhq_atw/13.png", None),
    ("round glasses", "plates/ffhq_atw/8.png", None),
    ("beard, hat", "plates/ffhq_atw/12.png", None),
    ("black and white", "plates/ffhq_atw/3.png", "grey"),
    ("black and white, official", "plates/obama_official_1434x2333.jpg", "grey"),
    ("painted", "plates/ffhq_atw/5.png", "painted"),
    ("painted, made up", "plates/ffhq_atw/9.png", "painted"),
    ("turned 38°, looking up", "video/liveportrait_d12.mp4#165", None),
    ("turned 38°", "video/liveportrait_d3.mp4#270", None),
    ("turned 35°, tilted", "video/pexels_wolfganglanger_640x360.mp4#405", None),
    ("turned 31°, child", "video/liveportrait_d11.mp4#120", None),
]
EDITS = {"blink": ["AU45=5"], "open": ["AU25=5", "AU26=5"], "brows": ["AU01=5", "AU02=5"]}
PRESETS = ("happy", "sad", "anger")
MIN_OPENING = 0.2
MIN_BROWS = 0.12
MIN_CORNERS = 0.08
SIDE = 1024
CLOSEUP = (360, 120)  # the blink close-ups' box, plate px (w, h)


def display_image(source: str) -> np.ndarray:
    """``H×W×3`` uint8 sRGB of a still or a clip's frame (``path#frame``)."""
    if "#" in source:
        path, frame = source.split("#")
        with av.open(str(DATA / path)) as clip:
            for i, f in enumerate(clip.decode(video=0)):
                if i == int(frame):
                    return f.to_ndarray(format="rgb24")
        raise SystemExit(f"{source}: no such frame")
    rgb = read_image(DATA / source)
    return edits.to_rgb8(rgb.rgb(), rgb.colourspace)


def variant(rgb8: np.ndarray, kind: str | None) -> np.ndarray:
    if kind == "grey":
        return np.repeat(cv2.cvtColor(rgb8, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    if kind == "painted":
        return cv2.cvtColor(cv2.stylization(cv2.cvtColor(rgb8, cv2.COLOR_RGB2BGR), sigma_s=40,
                                            sigma_r=0.35), cv2.COLOR_BGR2RGB)
    return rgb8


def cases() -> dict[str, np.ndarray]:
    out = {name: au_vector(parse_au_assignments(items)) for name, items in EDITS.items()}
    return out | {name: edits.preset_vector(name) for name in PRESETS}


def eyes_1to1(rgb8: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Both eyes at 1:1 (plate pixels), a fixed :data:`CLOSEUP` box on the eyes' middle."""
    centre = np.round(points[[468, 473]].mean(0)).astype(int)
    w, h = CLOSEUP
    padded = cv2.copyMakeBorder(rgb8, h, h, w, w, cv2.BORDER_REPLICATE)
    x, y = centre + (w, h)
    return padded[y - h // 2:y + h // 2, x - w // 2:x + w // 2]


def score(label: str, source: str, kind: str | None, model, tiles: list, closeups: list,
          independent: IndependentMesh | None = None) -> dict:
    rgb8 = variant(display_image(source), kind)
    scale = SIDE / max(rgb8.shape[:2])
    if scale < 1:
        rgb8 = cv2.resize(rgb8, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    linear = colour.convert(rgb8.astype(np.float32) / 255, colour.DEFAULT_DISPLAY_FILE_SPACE,
                            colour.DEFAULT_PLATE_SPACE)
    plate = ImagePlate.from_array(np.ascontiguousarray(linear), ("R", "G", "B"),
                                  colour.DEFAULT_PLATE_SPACE)
    try:
        face = locate_face(plate, options=RenderOptions())
    except NoFaceError:
        return {"source": source, "found": False, "passes": False}
    row = [edits._tile(rgb8, face)]
    measured = {}
    for name, vector in cases().items():
        record, after8 = edits.measure_edit(model, plate, face, vector)
        measured[name] = record
        row.append(edits._tile(after8, face))
        if name == "blink":
            closeups.append((label, np.concatenate((eyes_1to1(rgb8, face.landmarks),
                                                     eyes_1to1(after8, face.landmarks)), 1)))
        if name == "blink" and independent is not None:
            stem = "".join(c if c.isalnum() else "_" for c in label)
            independent.write(stem, {"before": rgb8, "blink": after8})
            record["eye_aspect_ratio_mediapipe"] = independent.ratio(stem, "blink", "before")
    tiles.append((label, np.concatenate(row, axis=1)))
    lips = measured["open"]["measured"]
    opening = lips["upper_lip"]["up"] - lips["lower_lip"]["up"]
    interior = measured["open"].get("interior_height", 0.0)
    checks = {
        "lips_part": interior >= MIN_OPENING,
        "brows_rise": measured["brows"]["measured"]["inner_brows"]["up"] >= MIN_BROWS,
        "smile_lifts": measured["happy"]["measured"]["corners"]["up"] >= MIN_CORNERS,
        "sad_lowers": measured["sad"]["measured"]["corners"]["up"] <= -MIN_CORNERS,
    }
    return {"source": source, "variant": kind, "found": True, "checks": checks,
            "passes": all(checks.values()),
            "lid_travel": measured["blink"]["lid_travel"], "interior_height_iod": interior,
            "lips_part_flow_iod": opening,
            "eye_aspect_ratio_redetected": measured["blink"].get("eye_aspect_ratio"),
            "eye_aspect_ratio_mediapipe": measured["blink"].get("eye_aspect_ratio_mediapipe"),
            "mouth_opening_redetected": measured["open"].get("mouth_opening"),
            "inner_brows_up": measured["brows"]["measured"]["inner_brows"]["up"],
            "happy_corners_up": measured["happy"]["measured"]["corners"]["up"],
            "sad_corners_up": measured["sad"]["measured"]["corners"]["up"],
            "anger_inner_brows_up": measured["anger"]["measured"]["inner_brows"]["up"]}


def sheet(tiles: list, path: Path) -> None:
    labels = ["as shot", *EDITS, *(f"{p} {edits.PRESET_WEIGHT}" for p in PRESETS)]
    rows = [edits._header(labels, edits.TILE)]
    for label, row in tiles:
        row = row.copy()
        cv2.putText(row, label, (6, edits.TILE - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (255, 255, 255), 2, cv2.LINE_AA)
        cv2.putText(row, label, (6, edits.TILE - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0),
                    1, cv2.LINE_AA)
        rows.append(row)
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(rows, axis=0), cv2.COLOR_RGB2BGR))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    results = ROOT / "benchmarks" / "results"
    parser.add_argument("--json", default=str(results / "faces_in_general.json"))
    parser.add_argument("--sheet", default=str(results / "faces_in_general.png"))
    add_arguments(parser, "--blink-pairs", "each face's before and blink images")
    args = parser.parse_args()
    model = load_model("rig")
    independent = IndependentMesh(args)
    tiles, closeups, record = [], [], {}
    for label, source, kind in FACES:
        record[label] = score(label, source, kind, model, tiles, closeups, independent)
        r = record[label]
        print(f"{label:<28} {'pass' if r['passes'] else 'FAIL'}  " + (
            "no face found" if not r["found"] else
            f"lids {min(r['lid_travel']):.2f}  EAR {r['eye_aspect_ratio_redetected'] or 0:.2f}  "
            f"opening {r['interior_height_iod']:.2f} (flow {r['lips_part_flow_iod']:+.2f}, "
            f"mesh {r['mouth_opening_redetected'] or 0:+.2f})  "
            f"brows {r['inner_brows_up']:+.2f}  happy corners {r['happy_corners_up']:+.2f}  "
            f"sad corners {r['sad_corners_up']:+.2f}"))
    passed = sum(r["passes"] for r in record.values())
    print(f"{passed}/{len(record)} faces pass")
    independent = [r["eye_aspect_ratio_mediapipe"] for r in record.values()
                   if r.get("eye_aspect_ratio_mediapipe") is not None]
    if independent:
        print(f"blink, MediaPipe's eye aspect ratio after/before: mean {np.mean(independent):.2f},"
              f" per face {', '.join(f'{v:.2f}' for v in independent)}")
    Path(args.json).write_text(json.dumps({"criteria": {
        "min_opening_iod": MIN_OPENING, "min_inner_brows_iod": MIN_BROWS,
        "min_happy_corners_iod": MIN_CORNERS}, "passed": passed,
        "blink_eye_aspect_ratio_mediapipe_mean": float(np.mean(independent)) if independent
        else None, "faces": record}, indent=2) + "\n")
    sheet(tiles, Path(args.sheet))
    blinks = Path(args.sheet).with_name(Path(args.sheet).stem + "_blink_1to1.png")
    strip = [cv2.putText(c.copy(), label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 0),
                         1, cv2.LINE_AA) for label, c in closeups]
    cv2.imwrite(str(blinks), cv2.cvtColor(np.concatenate(strip, 0), cv2.COLOR_RGB2BGR))
    print(f"-> {args.json}, {args.sheet}, {blinks}")


if __name__ == "__main__":
    main()
