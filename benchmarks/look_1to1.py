"""Edits looked at 1:1: a region of shared faces (eyes, brows or mouth) under each edit.

    python benchmarks/look_1to1.py [--faces 0,3,7,12,16] [--region eyes|brows|mouth|jaw]
                                   [--edits "AU45=2;AU45=3.5;AU45=5"]
                                   [--sheet benchmarks/results/blink_1to1.png]
                                   [--against REV]

An edit is judged by eye before any number (docs/evaluation.md). Each shared 1024 px face
(``../shared/data/plates/ffhq_atw``: an older man with deep-set eyes, a child with light lashes,
glasses, eye make-up…) — or a shared clip's frame (``liveportrait_d10.mp4@20``) — is rendered by the
rig as shot and under each edit — ``;``-separated, each a comma-separated list of ``AUxx=V`` and
preset ``name=W`` (``AU04=5``, ``anger=0.8``, ``AU01=5,AU02=5``); the sheet shows a column per face,
a row per edit, the region cropped at 1:1 around the landmarks: ``eyes`` from the eye corners (0.3
IOD beyond them, 0.25 IOD above and below their middle), ``brows`` the same reaching 0.6 IOD above,
``mouth`` from the mouth's corners (0.3 IOD beyond them, 0.35 IOD above and below), ``jaw`` the same
reaching 0.8 IOD below (an open mouth). A face is a shared face's number, a clip's frame
(``name.mp4@N``, N from 1) or a file among the shared plates. What to look for in a blink: the lid's
edge as sharp as the plate's and nothing of the eye squeezed under it, the shut lid lit like skin,
lashes along the shut line, the brows where they were; in a brow edit: the brow moving whole (not
thickened, not waved), the lid skin under it folding, not smeared.

``--against REV`` (a git revision: ``HEAD``, a commit, a branch) puts the same sheet rendered by
the code at REV above this checkout's, labelled before and after: REV is checked out in a
detached worktree beside this one (this checkout's compiled kernels copied in), its own
look_1to1 run on this Python from here, the worktree removed after. Run from the repository's
root, as the shared data's path is relative to it.
"""
from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.expressions import expression_aus
from atw_ofx.face.detect import to_rgb8
from atw_ofx.face.track import track_faces
from atw_ofx import colour
from atw_ofx.imageio import ImagePlate, decoded, read_image
from atw_ofx.models import load_model
from atw_ofx.render import render_frame
from atw_ofx.video import read_codes

FACES = Path("../shared/data/plates/ffhq_atw")
VIDEO = Path("../shared/data/video")
#: Each region: the mesh points it is placed on, and its reach (IOD) beyond their extent —
#: sideways, above their middle, below it.
REGIONS = {"eyes": ((33, 133, 362, 263), 0.3, 0.25, 0.25),
           "brows": ((33, 133, 362, 263), 0.3, 0.6, 0.25),
           "mouth": ((61, 291), 0.3, 0.35, 0.35),
           "jaw": ((61, 291), 0.3, 0.35, 0.8),
           "face": ((33, 263, 61, 291), 0.25, 1.0, 0.75)}


def edit_aus(edit: str) -> np.ndarray:
    """``"AU04=5,anger=0.8"`` → the AU vector (AUs by name, the rest presets; AUs override)."""
    items = [item for item in edit.split(",") if item]
    presets = [item for item in items if not item.upper().startswith("AU")]
    return au_vector({**expression_aus(presets),
                      **parse_au_assignments([i for i in items if i not in presets])})


def face_plate(face: str) -> tuple[ImagePlate, str]:
    """A face to look at and its name: a shared face's number (``FACES/N.png``), a clip's frame
    (``liveportrait_d10.mp4@20``: frame 20, from 1, of a shared clip) or a file among the shared
    plates."""
    if face.isdigit():
        return read_image(FACES / f"{face}.png"), face
    if "@" in face:
        name, frame = face.rsplit("@", 1)
        clip = VIDEO / name
        codes = next(itertools.islice(read_codes(clip), int(frame) - 1, None))
        return decoded(codes, colour.DEFAULT_DISPLAY_FILE_SPACE, str(clip)), f"{clip.stem}@{frame}"
    return read_image(FACES.parent / face), Path(face).stem


def region_window(landmarks: np.ndarray, region: str, hw: tuple[int, int]
                  ) -> tuple[slice, slice]:
    """The ``region`` (:data:`REGIONS`) of the face at ``landmarks`` (478 points, px) on an
    ``H×W`` plate: its rows and columns, cut to the plate."""
    iod = float(np.linalg.norm(landmarks[468] - landmarks[473]))
    points, side, above, below = REGIONS[region]
    placed = landmarks[list(points)]
    middle = placed.mean(0)
    x0, x1 = int(placed[:, 0].min() - side * iod), int(placed[:, 0].max() + side * iod)
    y0, y1 = int(middle[1] - above * iod), int(middle[1] + below * iod)
    h, w = hw
    return slice(max(y0, 0), min(y1, h)), slice(max(x0, 0), min(x1, w))


def face_column(face_name: str, model, edits: list[str], region: str) -> np.ndarray:
    """One face's region as shot and under each edit, stacked (``H×W×3`` uint8 RGB); the face
    placed as ``atw render`` places a frame rendered alone (a face track of it: its mouth is read
    too, :mod:`atw_ofx.models.mouth_look`)."""
    plate, name = face_plate(face_name)
    face = track_faces([(1, lambda: plate)], source=name).placement(1)
    window = region_window(face.landmarks, region, plate.pixels.shape[:2])
    tiles = []
    for edit in ["as shot"] + edits:
        aus = np.zeros(17, np.float32) if edit == "as shot" else edit_aus(edit)
        out = render_frame(plate, aus, model, face=face).plate
        tile = to_rgb8(np.ascontiguousarray(out.pixels[window][..., :3]), out.colourspace)
        cv2.putText(tile, f"{name}  {edit}", (4, 14), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4, (255, 255, 0), 1, cv2.LINE_AA)
        tiles.append(np.pad(tile, ((0, 4), (0, 4), (0, 0)), constant_values=255))
    return np.concatenate(tiles, 0)


def sheet_at(rev: str, args: argparse.Namespace, out: Path) -> None:
    """The sheet ``args`` ask for, rendered by the code at git revision ``rev`` into ``out``."""
    root = Path(__file__).resolve().parents[1]
    worktree = Path(tempfile.mkdtemp(prefix=".look_1to1_", dir=root.parent))
    git = lambda *a: subprocess.run(["git", *a], cwd=root, capture_output=True,  # noqa: E731
                                    text=True)
    added = git("worktree", "add", "--detach", "--force", str(worktree), rev)
    if added.returncode:
        worktree.rmdir()
        raise SystemExit(f"look_1to1: --against {rev}: {added.stderr.strip().splitlines()[-1]}")
    try:
        # (Its kernels as this checkout built them: a revision's source, not its build.)
        for built in (root / "kernels").glob("*.so"):
            shutil.copy2(built, worktree / "kernels")
        subprocess.run([sys.executable, str(worktree / "benchmarks" / "look_1to1.py"),
                        "--faces", args.faces, "--region", args.region, "--edits", args.edits,
                        "--sheet", str(out)], check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "PYTHONPATH": str(worktree)})
    finally:
        git("worktree", "remove", "--force", str(worktree))


def labelled(sheet: np.ndarray, label: str) -> np.ndarray:
    """``sheet`` (``H×W×3`` uint8) with ``label`` written in its bottom left corner."""
    sheet = sheet.copy()
    cv2.putText(sheet, label, (4, sheet.shape[0] - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                (255, 255, 0), 1, cv2.LINE_AA)
    return sheet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", default="0,3,7,12,16",
                        help="shared face numbers, clip frames (liveportrait_d10.mp4@20) or "
                        "file names among the shared plates")
    parser.add_argument("--region", choices=sorted(REGIONS), default="eyes")
    parser.add_argument("--edits", default="AU45=2;AU45=3.5;AU45=5",
                        help="';'-separated edits, each 'AUxx=V,...' and/or 'preset=W,...'")
    parser.add_argument("--sheet", default="benchmarks/results/blink_1to1.png")
    parser.add_argument("--against", metavar="REV",
                        help="a git revision whose rendering of the same sheet goes above, "
                        "labelled before")
    args = parser.parse_args()
    before = None
    if args.against:  # (first: a revision git cannot resolve stops before any rendering)
        with tempfile.TemporaryDirectory() as tmp:
            sheet_at(args.against, args, Path(tmp) / "before.png")
            before = cv2.cvtColor(cv2.imread(str(Path(tmp) / "before.png")), cv2.COLOR_BGR2RGB)
    model = load_model("rig")
    edits = [edit.strip() for edit in args.edits.split(";") if edit.strip()]
    columns = [face_column(face, model, edits, args.region) for face in args.faces.split(",")]
    height = max(c.shape[0] for c in columns)
    sheet = np.concatenate([np.pad(c, ((0, height - c.shape[0]), (0, 0), (0, 0)),
                                   constant_values=255) for c in columns], 1)
    if before is not None:
        width = max(before.shape[1], sheet.shape[1])
        before, after = (np.pad(labelled(s, label), ((0, 0), (0, width - s.shape[1]), (0, 0)),
                                constant_values=255)
                         for s, label in ((before, f"before ({args.against})"), (sheet, "after")))
        sheet = np.concatenate((before, np.full((6, width, 3), 255, np.uint8), after), 0)
    cv2.imwrite(args.sheet, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(f"-> {args.sheet} ({sheet.shape[1]}×{sheet.shape[0]})")


if __name__ == "__main__":
    main()
