"""Our open mouth against the performer's own: AU25 + AU26 on a clip's closed-mouth frame, beside
the frame where the same performer opens their mouth widest.

    python benchmarks/mouth_vs_real.py [--json benchmarks/results/mouth_vs_real.json]
                                       [--sheet benchmarks/results/mouth_vs_real.png]

Each clip in ``../shared/data/video`` is tracked as ``atw aus extract`` tracks it (its first
:data:`versus_real.FRAMES` frames); its **closed** frame is the one whose inner lips (ATW's mesh,
points 13 and 14) are nearest together, its **open** frame the one where they are furthest apart,
and a clip counts when that opens by at least :data:`OPENS` IOD. The closed frame, a still at its
own size, gets AU25 and AU26 at the intensity that opens it as far (the rig opens 0.43 IOD at
5 + 5, :mod:`atw_ofx.models.mouth`) through the product's render. On both open mouths — the real one
with its own frame's points, ours with a mesh found again on the render — the pixels inside the
inner lips are read in linear light against the cheeks beside the nose (:func:`interior`): their
luminance at the 10th / 50th / 90th percentile, the hue of their darker half (red and blue over the
mean, against the cheeks'), and the darkness down the mouth's middle (top, middle and bottom third
of the opening). These are what the generated cavity is judged by (:func:`fill_region
<atw_ofx.models.mouth.fill_region>`); the sheet shows each performer's mouth closed, opened by us
and by themselves, at the same scale.
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
from atw_ofx.models.mouth import JAW_AU26, LOWER_INNER, LOWER_LIP_AU25, OUTER_LIPS, \
    SKIN_POINTS, UPPER_INNER, UPPER_LIP_AU25  # noqa: E402
from versus_real import DATA, clip_frames, edit_still, to_linear, track_start, \
    write_results  # noqa: E402

OPENS = 0.15
#: The rig's opening at AU25 = AU26 = 5 (IOD).
RIG_OPENING = LOWER_LIP_AU25 + UPPER_LIP_AU25 + JAW_AU26
#: The cheeks are read within this many IOD of each of the points the cavity is shaded against
#: (:data:`atw_ofx.models.mouth.SKIN_POINTS`, beside the nose).
CHEEK_REACH = 0.08
TILE = (300, 200)


def lip_gap(mesh: np.ndarray) -> float:
    """The inner lips' gap at the middle (IOD)."""
    return float(np.linalg.norm(mesh[14] - mesh[13])) / inter_ocular(mesh)


def interior(linear: np.ndarray, mesh: np.ndarray) -> dict:
    """The open mouth of ``linear`` (``H×W×3``) at ``mesh`` (478 points, px) against its cheeks:
    ``p10``, ``p50``, ``p90`` (luminance percentiles inside the inner lips over the cheeks');
    the darker half's light (``dark``; ``dark_lips`` over the lips') and balance (``hue_red``,
    ``hue_blue``: its channels over their mean, against the cheeks'; ``lips_red``,
    ``lips_blue`` against the lips'); ``top``, ``middle``, ``bottom`` (the mean luminance of each
    third of the opening's height over its middle third of width, over the cheeks';
    ``bottom_lips`` over the lips'), the floor's balance (``bottom_red``, ``bottom_blue``,
    against the cheeks') and the inner lips' gap (``opening``, IOD)."""
    iod = inter_ocular(mesh)
    h, w = linear.shape[:2]
    inside = np.zeros((h, w), np.uint8)
    contour = np.concatenate((mesh[list(UPPER_INNER)], mesh[list(LOWER_INNER)][::-1]))
    cv2.fillPoly(inside, [np.round(contour * 16).astype(np.int32)], 1, shift=4)
    inside = cv2.erode(inside, np.ones((3, 3), np.uint8)).astype(bool)  # off the lips' edge
    yy, xx = np.mgrid[:h, :w]
    cheeks = np.zeros((h, w), bool)
    for point in SKIN_POINTS:
        cheeks |= np.hypot(xx - mesh[point, 0], yy - mesh[point, 1]) < CHEEK_REACH * iod
    luma = linear.mean(-1)
    cheek = float(np.median(luma[cheeks]))
    cheek_rgb = np.median(linear[cheeks], 0)
    values = luma[inside]
    darker = linear[inside][values <= np.median(values)].mean(0)
    hue = (darker / max(float(darker.mean()), 1e-9)) / (cheek_rgb / max(float(cheek_rgb.mean()),
                                                                         1e-9))
    # The lips: between the outer and the inner contours.
    lips = np.zeros((h, w), np.uint8)
    cv2.fillPoly(lips, [np.round(mesh[list(OUTER_LIPS)] * 16).astype(np.int32)], 1, shift=4)
    lips = lips.astype(bool) & ~cv2.dilate(inside.astype(np.uint8), np.ones((5, 5))).astype(bool)
    lips_rgb = np.median(linear[lips], 0)
    to_lips = (darker / max(float(darker.mean()), 1e-9)) / (lips_rgb / max(float(lips_rgb.mean()),
                                                                           1e-9))
    record = {f"p{q}": float(np.percentile(values, q)) / cheek for q in (10, 50, 90)}
    record |= {"hue_red": float(hue[0]), "hue_blue": float(hue[2]),
               "lips_red": float(to_lips[0]), "lips_blue": float(to_lips[2]),
               "dark_lips": float(darker.mean() / max(float(lips_rgb.mean()), 1e-9))}
    # Down the middle: the opening's rows split in thirds over the middle third of its width.
    columns = xx[inside]
    left, right = np.percentile(columns, (33, 67))
    middle = inside & (xx >= left) & (xx <= right)
    rows = yy[middle]
    cuts = np.linspace(rows.min(), rows.max() + 1, 4)
    for name, lo, hi in zip(("top", "middle", "bottom"), cuts[:-1], cuts[1:]):
        band = middle & (yy >= lo) & (yy < hi)
        record[name] = float(luma[band].mean()) / cheek if band.any() else float("nan")
    record["bottom_lips"] = record["bottom"] * cheek / max(float(lips_rgb.mean()), 1e-9)
    record["dark"] = float(darker.mean()) / cheek
    floor = linear[middle & (yy >= cuts[2])].mean(0)
    floor_hue = (floor / max(float(floor.mean()), 1e-9)) / (cheek_rgb / max(float(
        cheek_rgb.mean()), 1e-9))
    record |= {"bottom_red": float(floor_hue[0]), "bottom_blue": float(floor_hue[2])}
    record["opening"] = lip_gap(mesh)
    return record


def mouth_tile(rgb8: np.ndarray, mesh: np.ndarray, label: str) -> np.ndarray:
    """The mouth, upright (the eye line level), scaled to :data:`TILE`."""
    eyes = mesh[263] - mesh[33]
    along = eyes / np.linalg.norm(eyes)
    w, h = TILE
    iod = inter_ocular(mesh)
    k = w / (1.3 * iod)
    centre = (mesh[61] + mesh[291]) / 2 + 0.12 * iod * np.array([-along[1], along[0]])
    to_tile = np.array([[along[0] * k, along[1] * k, 0], [-along[1] * k, along[0] * k, 0]])
    to_tile[:, 2] = np.array([w / 2, h / 2]) - to_tile[:, :2] @ centre
    tile = cv2.warpAffine(rgb8, to_tile, (w, h), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)
    cv2.putText(tile, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 0), 1, cv2.LINE_AA)
    return tile


def one_clip(path: Path, model) -> tuple[dict, list]:
    clip = track_start(path)
    gaps = np.array([lip_gap(m) for m in clip.landmarks])
    closed_i, open_i = int(np.argmin(gaps)), int(np.argmax(gaps))
    opens = float(gaps[open_i] - gaps[closed_i])
    record = {"closed_frame": clip.frames[closed_i], "open_frame": clip.frames[open_i],
              "opens": opens}
    if opens < OPENS:
        return record | {"counts": False}, []
    intensity = min(5.0 * opens / RIG_OPENING, 5.0)
    record["intensity"] = intensity
    images = clip_frames(path, {record["closed_frame"], record["open_frame"]})
    closed, opened = images[record["closed_frame"]], images[record["open_frame"]]
    ours, result = edit_still(closed, [f"AU25={intensity:.2f}", f"AU26={intensity:.2f}"], model)
    again = edits.backend("mesh").search(result.plate.rgb(), result.plate.colourspace)
    record |= {"counts": True, "real": interior(to_linear(opened), clip.landmarks[open_i])}
    if again:
        record["ours"] = interior(to_linear(ours), again[0].landmarks)
    closed_mesh = clip.landmarks[closed_i]
    row = [mouth_tile(closed, closed_mesh, f"{path.stem[:22]} closed"),
           mouth_tile(ours, closed_mesh, f"AU25+26 {intensity:.1f}"),
           mouth_tile(opened, clip.landmarks[open_i], "their own")]
    return record, row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    results = ROOT / "benchmarks" / "results"
    parser.add_argument("--json", default=str(results / "mouth_vs_real.json"))
    parser.add_argument("--sheet", default=str(results / "mouth_vs_real.png"))
    args = parser.parse_args()
    model = load_model("rig")
    clips, rows = {}, []
    keys = ("p10", "p50", "p90", "hue_red", "hue_blue", "lips_red", "lips_blue", "dark_lips", "top",
            "middle", "bottom", "bottom_lips", "dark", "bottom_red", "bottom_blue")
    for path in sorted((DATA / "video").glob("*.mp4")):
        clips[path.stem], row = one_clip(path, model)
        rows += [np.concatenate(row, 1)] if row else []
        r = clips[path.stem]
        print(f"{path.stem:<32} " + ("opens too little" if not r["counts"] else "  ".join(
            f"{kind} " + " ".join(f"{r[kind][k]:.2f}" for k in keys)
            for kind in ("real", "ours") if kind in r)))
    counted = [r for r in clips.values() if r["counts"] and "ours" in r]
    summary = {kind: {k: float(np.nanmedian([r[kind][k] for r in counted])) for k in keys}
               for kind in ("real", "ours")}
    write_results(args.json, args.sheet, clips, summary, rows)


if __name__ == "__main__":
    main()
