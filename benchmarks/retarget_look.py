"""A performance retargeted onto other faces: contact sheet and how far the motion carried.

    python benchmarks/retarget_look.py [--performer ../shared/data/video/liveportrait_d12.mp4]
        [--faces 0,3,7] [--frames 4] [--sheet benchmarks/results/retarget_sheet.png]
        [--json benchmarks/results/retarget.json]

``atw aus extract --retarget`` reads the performer's clip; in each of ``--frames`` stretches of
it, the frame where the performer moves most is rendered onto each shared 1024 px face
(``../shared/data/plates/ffhq_atw``) through the rig, in process as ``atw render --aus`` does.
Per face and frame, the lip corners' and brows' motion is measured against what the performance
asked of that face (:func:`atw_ofx.retarget.onto`), in IOD: as the rig's field delivers it at
those points, and as a mesh found again on the output sees it (length, and the cosine of the
directions; over an opened mouth's generated cavity the mesh reads the corners short). The sheet
shows, per frame, the performer, then each face before and after.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import av
import cv2
import numpy as np

from atw_ofx import colour
from atw_ofx.face.au_estimate import image_landmarks
from atw_ofx.face.crop import face_matte
from atw_ofx.face.layout import ibug68
from atw_ofx.imageio import ImagePlate, read_image, write_image
from atw_ofx.models import load_model
from atw_ofx.performance import extract_curves
from atw_ofx.render import render_frame
from atw_ofx.retarget import face_axes, rig_points, face_coordinates, onto

FACES = Path("../shared/data/plates/ffhq_atw")
TILE = 256
MEASURED = {"lip corners": [48, 54], "brows": [19, 24]}


def to_rgb8(pixels: np.ndarray) -> np.ndarray:
    """Linear ``H×W×3`` → 8-bit sRGB."""
    rgb = colour.convert(np.ascontiguousarray(pixels[..., :3]), colour.DEFAULT_PLATE_SPACE,
                         colour.DEFAULT_DISPLAY_FILE_SPACE)
    return (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)


def tile(rgb8: np.ndarray, landmarks: np.ndarray | None = None) -> np.ndarray:
    """A ``TILE`` square of the image, or of the face around ``landmarks`` (inside the image)."""
    if landmarks is not None:
        centre, half = landmarks.mean(0), 0.75 * np.ptp(landmarks, axis=0).max()
        x0, y0 = np.maximum(0, (centre - half).astype(int))
        x1, y1 = np.minimum(rgb8.shape[1::-1], (centre + half).astype(int))
        rgb8 = rgb8[y0:y1, x0:x1]
    return cv2.resize(rgb8, (TILE, TILE), interpolation=cv2.INTER_AREA)


def look(performer: str, face_ids: list[int], n_frames: int, sheet: Path | None,
         record: Path | None) -> None:
    found = extract_curves(performer, retarget=True)
    curves, track = found.curves, found.curves.retarget
    strength = np.abs(track.points).sum(axis=(1, 2))
    # The strongest frame of each of n_frames stretches of the clip: different moments.
    chosen = [int(track.frames[part[np.argmax(strength[part])]])
              for part in np.array_split(np.arange(len(strength)), n_frames)]
    with av.open(performer) as container:
        performer_rgb = {i + 1: f.to_ndarray(format="rgb24")
                         for i, f in enumerate(container.decode(video=0)) if i + 1 in chosen}
    model, rows, results = load_model("rig"), {f: [tile(performer_rgb[f])] for f in chosen}, []
    for face_id in face_ids:
        plate = read_image(FACES / f"{face_id}.png")
        plate = ImagePlate.from_array(colour.convert(plate.rgb(), plate.colourspace,
                                                     colour.DEFAULT_PLATE_SPACE), ("R", "G", "B"))
        face = render_frame(plate, np.zeros(17, np.float32), model).face
        before = to_rgb8(plate.pixels)
        lm_before = image_landmarks(before)
        *_, iod = face_axes(rig_points(lm_before))
        grid = face.box.to_crop(face.landmarks, model.resolution)
        matte = face_matte(grid, model.resolution)
        for frame in chosen:
            out = render_frame(plate, curves.at(frame), model, face=face,
                               retarget=curves.retarget_at(frame)).plate.pixels
            field, _ = model.field_and_interior(grid, curves.at(frame), matte,
                                                curves.retarget_at(frame))
            on_grid = onto(track.at(frame), track.sizes, grid)
            scale = field.shape[-1] / model.resolution
            after = to_rgb8(out)
            rows[frame] += [tile(before, lm_before), tile(after, lm_before)]
            lm_after = image_landmarks(after)
            asked = onto(track.at(frame), track.sizes, lm_before) / iod
            moved = face_coordinates(lm_after) - face_coordinates(lm_before)
            row = {"face": face_id, "frame": frame}
            for name, points in MEASURED.items():
                got, want = moved[points].ravel(), asked[points].ravel()
                delivered = [-field[:, int(y), int(x)] / scale for x, y in
                             (ibug68(grid)[points] + on_grid[points]) * scale]
                row[name] = {"asked_iod": round(float(np.linalg.norm(want)), 3),
                             "delivered_ratio": round(float(np.linalg.norm(delivered)
                                                      / np.linalg.norm(on_grid[points])), 3),
                             "moved_iod": round(float(np.linalg.norm(got)), 3),
                             "cosine": round(float(got @ want / (np.linalg.norm(got)
                                                                 * np.linalg.norm(want) + 1e-12)),
                                             3)}
            results.append(row)
            print(f"face {face_id} frame {frame}: " + ", ".join(
                f"{name} asked {r['asked_iod']:.3f}, rig {r['delivered_ratio']:.2f}×, mesh sees "
                f"{r['moved_iod']:.3f} IOD (cosine {r['cosine']:.2f})"
                for name, r in row.items() if isinstance(r, dict)))
    if sheet is not None:
        grid = np.concatenate([np.concatenate(rows[f], axis=1) for f in chosen]) / np.float32(255)
        write_image(sheet, ImagePlate.from_array(grid.astype(np.float32), ("R", "G", "B"),
                                                 colour.DEFAULT_DISPLAY_FILE_SPACE))
        print(f"wrote {sheet}")
    if record is not None:
        record.write_text(json.dumps({"performer": Path(performer).name, "faces": face_ids,
                                      "frames": chosen, "results": results}, indent=1) + "\n")
        print(f"wrote {record}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--performer", default="../shared/data/video/liveportrait_d12.mp4")
    parser.add_argument("--faces", default="0,3,7", help="shared face numbers (default 0,3,7)")
    parser.add_argument("--frames", type=int, default=4, help="how many frames (the strongest)")
    parser.add_argument("--sheet", type=Path, help="write the contact sheet here")
    parser.add_argument("--json", type=Path, help="write the measured motion here")
    args = parser.parse_args()
    look(args.performer, [int(f) for f in args.faces.split(",")], args.frames, args.sheet,
         args.json)
