"""The blink looked at 1:1: both eyes of shared faces at AU45 0, 2, 3.5 and 5.

    python benchmarks/blink_look.py [--faces 0,3,7,12,16]
                                    [--sheet benchmarks/results/blink_1to1.png]

A blink is judged by eye (no automatic measure agrees with it: docs/evaluation.md). Each shared
1024 px face (``../shared/data/plates/ffhq_atw``: an older man with deep-set eyes, a child with
light lashes, glasses, eye make-up…) is rendered by the rig at each closure; the sheet shows a
column per face, a row per closure, the eyes cropped at 1:1 from the eye corners (0.3 IOD beyond
them, 0.25 IOD above and below their middle). What to look for: the lid's edge as sharp as the
plate's and nothing of the eye squeezed under it (no bright or pink sliver), the shut lid lit like
skin (not a stretched shadow), lashes, not a drawn stroke, along the shut line, and the brows
where they were.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.face.detect import to_rgb8
from atw_ofx.imageio import read_image
from atw_ofx.models import load_model
from atw_ofx.render import render_frame

FACES = Path("../shared/data/plates/ffhq_atw")
CLOSURES = (0.0, 2.0, 3.5, 5.0)


def eyes_column(path: Path, model) -> np.ndarray:
    """One face's eyes at every closure, stacked (``H×W×3`` uint8 RGB)."""
    plate = read_image(path)
    face = render_frame(plate, np.zeros(17, np.float32), model).face
    lm = face.landmarks
    iod = float(np.linalg.norm(lm[468] - lm[473]))
    corners = lm[[33, 133, 362, 263]]
    middle = corners.mean(0)
    x0, x1 = int(corners[:, 0].min() - 0.3 * iod), int(corners[:, 0].max() + 0.3 * iod)
    y0, y1 = int(middle[1] - 0.25 * iod), int(middle[1] + 0.25 * iod)
    h, w = plate.pixels.shape[:2]
    window = (slice(max(y0, 0), min(y1, h)), slice(max(x0, 0), min(x1, w)))
    tiles = []
    for closure in CLOSURES:
        aus = au_vector(parse_au_assignments([f"AU45={closure}"]))
        out = render_frame(plate, aus, model, face=face).plate
        tile = to_rgb8(np.ascontiguousarray(out.pixels[window][..., :3]), out.colourspace)
        cv2.putText(tile, f"{path.stem}  AU45 {closure:g}", (4, 14), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4, (255, 255, 0), 1, cv2.LINE_AA)
        tiles.append(np.pad(tile, ((0, 4), (0, 4), (0, 0)), constant_values=255))
    return np.concatenate(tiles, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", default="0,3,7,12,16", help="shared face numbers")
    parser.add_argument("--sheet", default="benchmarks/results/blink_1to1.png")
    args = parser.parse_args()
    model = load_model("rig")
    columns = [eyes_column(FACES / f"{face}.png", model) for face in args.faces.split(",")]
    height = max(c.shape[0] for c in columns)
    sheet = np.concatenate([np.pad(c, ((0, height - c.shape[0]), (0, 0), (0, 0)),
                                   constant_values=255) for c in columns], 1)
    cv2.imwrite(args.sheet, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(f"-> {args.sheet} ({sheet.shape[1]}×{sheet.shape[0]})")


if __name__ == "__main__":
    main()
