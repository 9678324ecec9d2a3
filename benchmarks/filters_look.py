"""The warp filters on real edits, looked at 1:1: every AU at 5, AU25 + AU26, every preset at 0.8.

    python benchmarks/filters_look.py [--faces 0,3,7]
                                      [--sheet benchmarks/results/filters_edits_1to1.png]

Each shared 1024 px face (``../shared/data/plates/ffhq_atw``) is rendered with every case of
``atw eval --edits`` (:func:`atw_ofx.edits._cases`), once sampled bilinearly and once with the
default Lanczos-3 (:mod:`atw_ofx.filters`). For every case the script reports how much the two
differ inside the face and the fine-grain energy each keeps in the pixels the edit moved
(:func:`atw_ofx.edits.grain_energy`, after / before); the sheet shows, per face, the
case that moves the most pixels at 1:1 — before, bilinear, Lanczos, and their difference ×8 —
over the mouth corner, so ringing (a dark or bright rim at an edge) and softened skin show.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from atw_ofx import colour
from atw_ofx.edits import _cases, grain_energy
from atw_ofx.imageio import ImagePlate, read_image, write_image
from atw_ofx.models import load_model
from atw_ofx.render import RenderOptions, render_frame

FACES = Path("../shared/data/plates/ffhq_atw")
TILE = 256


def display(pixels: np.ndarray) -> np.ndarray:
    """``H×W×3`` linear → sRGB-encoded in [0, 1]."""
    rgb = np.ascontiguousarray(pixels[..., :3])
    return np.clip(colour.convert(rgb, colour.DEFAULT_PLATE_SPACE,
                                  colour.DEFAULT_DISPLAY_FILE_SPACE), 0, 1)


def look(face_ids: list[int], sheet: Path | None) -> None:
    model, rows = load_model("rig"), []
    for face_id in face_ids:
        plate = read_image(FACES / f"{face_id}.png")
        plate = plate.with_pixels(colour.convert(plate.rgb(), plate.colourspace,
                                                 colour.DEFAULT_PLATE_SPACE))
        plate = ImagePlate.from_array(plate.pixels, ("R", "G", "B"))
        face = render_frame(plate, np.zeros(17, np.float32), model).face
        before = display(plate.pixels)
        widest = None
        for name, aus in _cases().items():
            out = {f: display(render_frame(plate, aus, model, face=face,
                                           options=RenderOptions(filter=f)).plate.pixels)
                   for f in ("bilinear", "lanczos")}
            moved = np.abs(out["bilinear"] - before).max(2) > 1 / 255
            if not moved.any():
                continue
            kept = {f: grain_energy(o, moved) / grain_energy(before, moved) for f, o in out.items()}
            gap = float(np.abs(out["lanczos"] - out["bilinear"]).max())
            print(f"face {face_id:>2} {name:<10} moved {moved.sum():>7} px  grain kept "
                  f"bilinear {kept['bilinear']:.3f} lanczos {kept['lanczos']:.3f}  "
                  f"largest difference {gap * 255:.1f}/255")
            if widest is None or moved.sum() > widest[0]:
                widest = (moved.sum(), name, out)
        _, name, out = widest
        y, x = (np.array(face.box.y), np.array(face.box.x))
        cy, cx = int(y + 0.72 * face.box.size), int(x + 0.36 * face.box.size)  # mouth corner
        crop = lambda im: im[cy - TILE // 2:cy + TILE // 2, cx - TILE // 2:cx + TILE // 2]  # noqa: E731
        tiles = [crop(before), crop(out["bilinear"]), crop(out["lanczos"]),
                 np.clip(0.5 + 8 * (crop(out["lanczos"]) - crop(out["bilinear"])), 0, 1)]
        label = np.full((24, TILE * 4, 3), 255, np.uint8)
        for k, text in enumerate(("before", f"{name} bilinear", f"{name} lanczos",
                                  "lanczos - bilinear x8")):
            cv2.putText(label, f"face {face_id}: {text}" if k == 0 else text, (6 + k * TILE, 17),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        rows.append(np.concatenate([label / np.float32(255), np.concatenate(tiles, axis=1)]))
    if sheet is not None:
        write_image(sheet, ImagePlate.from_array(np.concatenate(rows).astype(np.float32),
                                                 ("R", "G", "B"),
                                                 colour.DEFAULT_DISPLAY_FILE_SPACE))
        print(f"wrote {sheet}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", default="0,3,7", help="shared face numbers (default 0,3,7)")
    parser.add_argument("--sheet", type=Path, help="write the 1:1 contact sheet here")
    args = parser.parse_args()
    look([int(f) for f in args.faces.split(",")], args.sheet)
