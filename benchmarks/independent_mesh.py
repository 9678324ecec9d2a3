"""An independent mesh's reading of rendered images: MediaPipe's own runtime, run apart.

The face issue measures a blink by another model's eye aspect ratio than ATW's: MediaPipe's
attention mesh, whose runtime needs ``numpy<2`` and so lives in the throw-away environment of
``tools/convert_mediapipe.py``. A benchmark writes its images with ``--pairs DIR`` (or the flag it
names); ``/tmp/mpenv/bin/python tools/mediapipe_reference.py DIR/mediapipe.npz DIR/*.png``
measures them; a rerun with ``--mediapipe DIR/mediapipe.npz`` reads the ratios (renders are
deterministic: the images are the same).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from atw_ofx import edits


def add_arguments(parser: argparse.ArgumentParser, flag: str, what: str) -> None:
    """The pair of options: ``flag`` (writes ``what`` into a folder) and ``--mediapipe``."""
    parser.add_argument(flag, dest="pairs", type=Path, help=f"write {what} into this folder")
    parser.add_argument("--mediapipe", type=Path, help="MediaPipe's landmarks of those images")


class IndependentMesh:
    """Where the images go (``pairs``, or None) and MediaPipe's landmarks of them, once run."""

    def __init__(self, args: argparse.Namespace):
        self.pairs = args.pairs.resolve() if args.pairs else None
        if self.pairs is not None:
            self.pairs.mkdir(parents=True, exist_ok=True)
        self.landmarks = dict(np.load(args.mediapipe)) if args.mediapipe else None

    def write(self, stem: str, images: dict[str, np.ndarray]) -> None:
        """Each ``H×W×3`` uint8 RGB image as ``STEM.KIND.png`` in the folder, if there is one."""
        if self.pairs is not None:
            for kind, image in images.items():
                cv2.imwrite(str(self.pairs / f"{stem}.{kind}.png"),
                            cv2.cvtColor(image, cv2.COLOR_RGB2BGR))

    def ratio(self, stem: str, after: str, before: str) -> float | None:
        """MediaPipe's eye aspect ratio of image ``after`` over image ``before``, or None when
        either was not measured (or the mesh found no face in it)."""
        if self.pairs is None or self.landmarks is None:
            return None
        keys = [f"{self.pairs / stem}.{kind}.png" for kind in (after, before)]
        if not all(key in self.landmarks for key in keys):
            return None
        return float(edits._eye_aspect(self.landmarks[keys[0]])
                     / edits._eye_aspect(self.landmarks[keys[1]]))
