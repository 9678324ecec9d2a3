"""Our blink against the performer's own: AU45 5 on a clip's open-eyed frame, beside the frame
where the same performer shuts their eyes.

    python benchmarks/blink_vs_real.py [--json benchmarks/results/blink_vs_real.json]
                                       [--sheet benchmarks/results/blink_vs_real.png]
                                       [--pairs DIR [--mediapipe NPZ]]

Each clip in ``../shared/data/video`` is tracked as ``atw aus extract`` tracks it (its first
:data:`versus_real.FRAMES` frames); its **open** frame is the one whose eye aspect ratio (ATW's
mesh) is nearest the clip's 90th percentile, its **shut** frame the lowest, and a clip counts when
that is below :data:`BLINK` of the open (a real blink; two clips never blink). The open frame, a
still at its own size, gets AU45 5 through the product's render. On both shut eyes — the real one
with its own frame's points, ours with the open frame's — each eye's middle third is read across
the lids in linear light (:func:`line_profile`): the shut line's **darkness** (its darkest row over
the skin around it), its **thickness** at half that depth (IOD; how much of it lies above and below
the darkest row) and its **hue** (red and blue over the mean, line against skin). These set the
shut line's constants (:mod:`atw_ofx.models.eyelids`: ``MARGIN``, ``MARGIN_BELOW``, ``SHUT_DARK``,
``SHADOW_HUE``); the sheet shows each performer's eye open, our blink and their own at the same
scale.

The issue's measure, an independent mesh's eye aspect ratio (shut over open), comes from
MediaPipe's runtime (``benchmarks/independent_mesh.py``): ``--pairs DIR`` writes the open, ours
and real images there, a rerun with ``--mediapipe DIR/mediapipe.npz`` records ours against the
performer's.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from atw_ofx import edits  # noqa: E402
from atw_ofx.face.track import inter_ocular  # noqa: E402
from atw_ofx.models import load_model  # noqa: E402
from independent_mesh import IndependentMesh, add_arguments  # noqa: E402
from versus_real import DATA, clip_frames, edit_still, to_linear, track_start, \
    write_results  # noqa: E402

BLINK = 0.5
#: Each eye's corners on the 478-point mesh (image-left eye first).
CORNERS = ((33, 133), (263, 362))
#: The eye's middle third, read across (× the eye's width either side of the corners' line).
ALONG, ACROSS = 0.17, 0.6
TILE = (300, 165)


def line_profile(linear: np.ndarray, mesh: np.ndarray) -> dict:
    """The shut line of both eyes of ``linear`` (``H×W×3``) at ``mesh`` (478 points, px): per eye
    the mean across-lid profile of its middle third, the line its darkest row within 0.3 of the
    eye's width of the corners' line, the skin the median 0.15–0.3 of the width from it. Means
    over the eyes of: ``darkness`` (line / skin luminance), ``thickness``, ``above``, ``below``
    (IOD, at half the line's depth) and ``hue_red``, ``hue_blue`` (each channel over the mean,
    line against skin)."""
    iod = inter_ocular(mesh)
    found = []
    for a, b in CORNERS:
        width = float(np.linalg.norm(mesh[b] - mesh[a]))
        along = (mesh[b] - mesh[a]) / width
        down = np.array([-along[1], along[0]])
        down = down if down[1] > 0 else -down
        centre = (mesh[a] + mesh[b]) / 2
        offsets = np.arange(-ACROSS * width, ACROSS * width, 0.25)
        points = (centre + np.linspace(-ALONG, ALONG, 9)[:, None, None] * width * along
                  + offsets[None, :, None] * down).astype(np.float32)
        across = cv2.remap(linear, points[..., 0], points[..., 1], cv2.INTER_LINEAR).mean(0)
        luma = across.mean(-1)
        near = np.abs(offsets) < 0.3 * width
        i = int(np.argmin(np.where(near, luma, np.inf)))
        ring = (np.abs(offsets - offsets[i]) > 0.15 * width) \
            & (np.abs(offsets - offsets[i]) < 0.3 * width)
        skin, skin_rgb = float(np.median(luma[ring])), np.median(across[ring], 0)
        half = (luma[i] + skin) / 2
        top, bottom = i, i
        while top > 0 and luma[top] < half:
            top -= 1
        while bottom < len(luma) - 1 and luma[bottom] < half:
            bottom += 1
        hue = (across[i] / max(float(across[i].mean()), 1e-9)) \
            / (skin_rgb / max(float(skin_rgb.mean()), 1e-9))
        above, below = (offsets[i] - offsets[top]) / iod, (offsets[bottom] - offsets[i]) / iod
        found.append((luma[i] / skin, above + below, above, below, hue[0], hue[2]))
    names = ("darkness", "thickness", "above", "below", "hue_red", "hue_blue")
    return {name: float(v) for name, v in zip(names, np.mean(found, 0))}


def eye_tile(rgb8: np.ndarray, mesh: np.ndarray, label: str) -> np.ndarray:
    """The image-right eye (the mesh's 263–362), upright, scaled to :data:`TILE`."""
    a, b = mesh[263], mesh[362]
    along = (b - a) / np.linalg.norm(b - a)
    along = along if along[0] > 0 else -along
    w, h = TILE
    k = w / (1.7 * float(np.linalg.norm(b - a)))
    to_tile = np.array([[along[0] * k, along[1] * k, 0], [-along[1] * k, along[0] * k, 0]])
    to_tile[:, 2] = np.array([w / 2, h / 2]) - to_tile[:, :2] @ ((a + b) / 2)
    tile = cv2.warpAffine(rgb8, to_tile, (w, h), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)
    cv2.putText(tile, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 0), 1, cv2.LINE_AA)
    return tile


def one_clip(path: Path, model, independent: IndependentMesh) -> tuple[dict, list]:
    clip = track_start(path)
    aspect = np.array([edits._eye_aspect(m) for m in clip.landmarks])
    typical = np.percentile(aspect, 90)
    open_i, shut_i = int(np.argmin(np.abs(aspect - typical))), int(np.argmin(aspect))
    record = {"open_frame": clip.frames[open_i], "shut_frame": clip.frames[shut_i],
              "shut_eye_aspect_ratio": float(aspect[shut_i] / aspect[open_i])}
    if record["shut_eye_aspect_ratio"] > BLINK:
        return record | {"blinks": False}, []
    images = clip_frames(path, {record["open_frame"], record["shut_frame"]})
    opened, shut = images[record["open_frame"]], images[record["shut_frame"]]
    ours, result = edit_still(opened, ["AU45=5"], model)
    open_mesh, shut_mesh = clip.landmarks[open_i], clip.landmarks[shut_i]
    record |= {"blinks": True, "real": line_profile(to_linear(shut), shut_mesh),
               "ours": line_profile(to_linear(ours), open_mesh)}
    again = edits.backend("mesh").search(result.plate.rgb(), result.plate.colourspace)
    if again:
        record["ours"]["eye_aspect_ratio"] = float(edits._eye_aspect(again[0].landmarks)
                                                   / aspect[open_i])
    record["real"]["eye_aspect_ratio"] = record["shut_eye_aspect_ratio"]
    independent.write(path.stem, {"open": opened, "ours": ours, "real": shut})
    for kind in ("ours", "real"):
        measured = independent.ratio(path.stem, kind, "open")
        if measured is not None:
            record[kind]["eye_aspect_ratio_mediapipe"] = measured
    row = [eye_tile(opened, open_mesh, f"{path.stem[:22]} open"),
           eye_tile(ours, open_mesh, "AU45 5"), eye_tile(shut, shut_mesh, "their own blink")]
    return record, row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    results = ROOT / "benchmarks" / "results"
    parser.add_argument("--json", default=str(results / "blink_vs_real.json"))
    parser.add_argument("--sheet", default=str(results / "blink_vs_real.png"))
    add_arguments(parser, "--pairs", "each clip's open, ours and real images")
    args = parser.parse_args()
    model = load_model("rig")
    independent = IndependentMesh(args)
    clips, rows = {}, []
    for path in sorted((DATA / "video").glob("*.mp4")):
        clips[path.stem], row = one_clip(path, model, independent)
        rows += [np.concatenate(row, 1)] if row else []
        r = clips[path.stem]
        print(f"{path.stem:<32} " + ("no blink" if not r["blinks"] else "  ".join(
            f"{kind} dark {r[kind]['darkness']:.2f} thick {r[kind]['thickness']:.3f} "
            f"({r[kind]['above']:.3f}/{r[kind]['below']:.3f}) hue "
            f"{r[kind]['hue_red']:.2f}/{r[kind]['hue_blue']:.2f}" for kind in ("real", "ours"))))
    blinking = [r for r in clips.values() if r["blinks"]]
    summary = {kind: {key: float(np.median([r[kind][key] for r in blinking if key in r[kind]]))
                      for key in blinking[0][kind] if all(key in r[kind] for r in blinking)}
               for kind in ("real", "ours")}
    write_results(args.json, args.sheet, clips, summary, rows)


if __name__ == "__main__":
    main()
