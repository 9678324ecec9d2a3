"""The demo: a real, public-domain portrait animated by the embedded rig through an expression ramp.

Writes to the output folder:

- ``plate.exr``            the source plate, scene-linear half float (what a compositor would feed);
- ``atw.####.exr``         the animated sequence (frames 1..N), half float, DWAA-compressed
                           (``--aov`` adds motion / STMap / matte layers);
- ``contact_sheet.png``    before/after crops of the face at a few frames;
- ``preview.mp4``          an H.264 preview of the face region.

The face is ``atw_ofx/data/demo_face.jpg``: the official portrait of President Barack Obama
(Pete Souza, 2012), a work of the US federal government and so in the public domain.
"""
from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from . import colour
from .aus import AUCurves, ramp
from .face import CropBox
from .imageio import ImagePlate, provenance, read_image, write_image
from .models import LandmarkRig
from .options import DEMO_COMPRESSION
from .render import RenderOptions, locate_face, render_frame
from .sequence import frame_path
from .video import write_preview

#: A smile with raised brows and parted lips, reached at the last frame.
DEMO_EXPRESSION = {"AU01": 3.0, "AU02": 3.0, "AU06": 3.0, "AU12": 4.5, "AU25": 2.0}


def demo_face_path() -> Path:
    return Path(str(resources.files("atw_ofx") / "data" / "demo_face.jpg"))


def run_demo(out_dir: str | Path = "atw_demo", *, frames: int = 24,
             options: RenderOptions | None = None,
             compression: str = DEMO_COMPRESSION) -> dict[str, Path]:
    """Render the demo into ``out_dir``; returns the paths written.

    The plate and the frames are half float compressed with ``compression`` (DWAA by default:
    the demo's plate and 24 frames of a 2333×1434 portrait take ~55 MB instead of ~360 MB
    lossless with AOVs); AOVs only when ``options`` asks. The render reads the plate back from
    its EXR, as a user would, so frame 1 (all AUs at 0) is that file's pixels.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    options = options or RenderOptions()
    source = read_image(demo_face_path())  # an sRGB JPEG, linear on read
    plate = ImagePlate.from_array(source.rgb(), ("R", "G", "B"), source.colourspace)
    plate_path = out_dir / "plate.exr"
    write_image(plate_path, plate, pixel_type="half", compression=compression)
    plate = read_image(plate_path)  # render from the half-float EXR, as a user would

    model = LandmarkRig()
    curves: AUCurves = ramp(DEMO_EXPRESSION, first=1, last=frames)
    face = locate_face(plate, options=options)  # a still: one placement for every frame
    pattern = str(out_dir / "atw.####.exr")
    previews, sheet = [], []
    sheet_frames = sorted({1, frames // 3, 2 * frames // 3, frames})
    for frame in tqdm(range(1, frames + 1), desc="atw demo", unit="frame", file=sys.stderr):
        aus = curves.at(frame)
        result = render_frame(plate, aus, model, face=face, options=options, frame=frame)
        write_image(frame_path(pattern, frame), result.plate,
                    attributes=provenance(model.name, options.frame_params(aus, face.box)),
                    pixel_type="half", compression=compression)
        view = _face_view(result.plate, face.box)
        previews.append(view)
        if frame in sheet_frames:
            sheet.append((frame, view))
    before = _face_view(plate, face.box)
    paths = {"plate": plate_path, "sequence": Path(pattern),
             "contact_sheet": out_dir / "contact_sheet.png", "preview": out_dir / "preview.mp4"}
    _write_contact_sheet(paths["contact_sheet"], before, sheet)
    write_preview(paths["preview"], previews, fps=24)
    return paths


def _face_view(plate: ImagePlate, box: CropBox, side: int = 512) -> np.ndarray:
    """A display-referred (sRGB 0..1) ``side``² view of the face region, a bit wider than the crop."""
    grow = box.size // 5
    h, w = plate.pixels.shape[:2]
    x0, y0 = max(0, box.x - grow), max(0, box.y - grow)
    x1, y1 = min(w, box.x + box.size + grow), min(h, box.y + box.size + grow)
    rgb = plate.rgb()[y0:y1, x0:x1]
    srgb = colour.convert(rgb, plate.colourspace, colour.DEFAULT_DISPLAY_FILE_SPACE)
    scale = side / max(srgb.shape[:2])
    size = (round(srgb.shape[1] * scale), round(srgb.shape[0] * scale))
    return np.clip(cv2.resize(srgb, size, interpolation=cv2.INTER_AREA), 0, 1)


def _write_contact_sheet(path: Path, before: np.ndarray, after: list) -> None:
    """One row, labelled: the source, then the animated frames (frame 1, all AUs at 0, is the
    source itself and is left out)."""
    h, w = before.shape[:2]
    to8 = lambda rgb: (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)  # noqa: E731
    views = [("before", before)] + [(f"after, frame {f}", v) for f, v in after if f != 1]
    sheet = np.full((h + 30, len(views) * w, 3), 255, np.uint8)
    for k, (text, view) in enumerate(views):
        sheet[30:30 + h, k * w:(k + 1) * w] = to8(view)
        cv2.putText(sheet, text, (k * w + 10, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 2,
                    cv2.LINE_AA)
    write_image(path, ImagePlate.from_array(sheet / np.float32(255), ("R", "G", "B"),
                                            colour.DEFAULT_DISPLAY_FILE_SPACE))
