"""What the benchmarks that set our edit against a performer's own share (``blink_vs_real.py``,
``mouth_vs_real.py``): a shared clip's start tracked as ``atw aus extract`` tracks it, its
frames decoded as the product decodes them, one of them edited through the product's render, and
the per-clip records, their medians and the sheet written out.
"""
from __future__ import annotations

import json
from pathlib import Path

import av
import cv2
import numpy as np

from atw_ofx import colour, edits
from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.imageio import ImagePlate
from atw_ofx.performance import ClipMeasures, clip_measures
from atw_ofx.render import FrameResult, RenderOptions, locate_face, render_frame
from atw_ofx.video import read_codes

#: How much of each clip is tracked and searched (its first frames).
FRAMES = 400
#: The shared data (its clips in ``video/``).
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def track_start(path: Path) -> ClipMeasures:
    """The clip's first :data:`FRAMES` frames tracked and measured (:func:`clip_measures`)."""
    with av.open(str(path)) as container:
        length = container.streams.video[0].frames or FRAMES
    return clip_measures(str(path), frames=list(range(1, min(length, FRAMES) + 1)))


def clip_frames(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    """The ``wanted`` frames of a clip (numbered from 1, as ATW numbers a clip's frames),
    ``H×W×3`` uint8 sRGB, as the product decodes them (:func:`atw_ofx.video.read_codes`)."""
    out = {}
    for number, codes in enumerate(read_codes(path), start=1):
        if number in wanted:
            out[number] = codes
        if len(out) == len(wanted):
            break
    return out


def to_linear(rgb8: np.ndarray) -> np.ndarray:
    """A display-encoded ``H×W×3`` uint8 image in the plates' scene-linear space (float32)."""
    return colour.convert(rgb8.astype(np.float32) / 255, colour.DEFAULT_DISPLAY_FILE_SPACE,
                          colour.DEFAULT_PLATE_SPACE)


def edit_still(rgb8: np.ndarray, assignments: list[str], model) -> tuple[np.ndarray, FrameResult]:
    """A frame (``H×W×3`` uint8 sRGB) edited by ``assignments`` (``["AU45=5"]``) as a still at
    its own size: the edited image (uint8 sRGB) and the render's result."""
    plate = ImagePlate.from_array(np.ascontiguousarray(to_linear(rgb8)), ("R", "G", "B"),
                                  colour.DEFAULT_PLATE_SPACE)
    face = locate_face(plate, options=RenderOptions())
    result = render_frame(plate, au_vector(parse_au_assignments(assignments)), model, face=face,
                          options=RenderOptions())
    return edits.to_rgb8(result.plate.rgb(), result.plate.colourspace), result


def write_results(json_path: str, sheet_path: str, clips: dict, summary: dict,
                  rows: list[np.ndarray]) -> None:
    """The medians printed, the records (``clips``) and ``summary`` as JSON, the sheet's rows
    (``H×W×3`` uint8 RGB each) stacked into a PNG."""
    for kind, values in summary.items():
        print(f"median {kind}: " + ", ".join(f"{k} {v:.3f}" for k, v in values.items()))
    Path(json_path).write_text(json.dumps({"frames": FRAMES, "median": summary, "clips": clips},
                                          indent=2) + "\n")
    cv2.imwrite(str(sheet_path), cv2.cvtColor(np.concatenate(rows, 0), cv2.COLOR_RGB2BGR))
    print(f"-> {json_path}, {sheet_path}")
