"""The README's before/after picture: the shipped demo portrait as shot and with the demo's
expression (a smile with raised brows), the face at 1:1, side by side.

    python benchmarks/before_after.py [--out benchmarks/results/before_after.png]

The picture is what `atw demo` renders on its last frame, cropped to the face (the rig's crop
box), so a reader sees the plate's own detail and what the edit moved.
"""
from __future__ import annotations

import argparse

import cv2
import numpy as np

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.demo import DEMO_EXPRESSION, demo_face_path
from atw_ofx.face.detect import to_rgb8
from atw_ofx.imageio import read_image
from atw_ofx.models import load_model
from atw_ofx.render import render_frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/before_after.png")
    args = parser.parse_args()
    plate = read_image(demo_face_path())
    aus = au_vector(parse_au_assignments([f"{k}={v}" for k, v in DEMO_EXPRESSION.items()]))
    result = render_frame(plate, aus, load_model("rig"))
    box = result.face.box
    h, w = plate.pixels.shape[:2]
    window = (slice(max(box.y, 0), min(box.y + box.size, h)),
              slice(max(box.x, 0), min(box.x + box.size, w)))
    before, after = (cv2.cvtColor(to_rgb8(np.ascontiguousarray(p.pixels[window][..., :3]),
                                          p.colourspace), cv2.COLOR_RGB2BGR)
                     for p in (plate, result.plate))
    gap = np.full((before.shape[0], 8, 3), 255, np.uint8)
    cv2.imwrite(args.out, np.concatenate((before, gap, after), 1))
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
