"""``atw eval --edits``: what a compositor sees of each edit — measured on the rendered output.

Every face is rendered with each AU at full intensity and each ``--expression`` preset at 0.8
(the render path a user runs), and each result is measured against the face as it was:

- **displacement** of the face's parts — brows, inner brows, lip corners (up, out, and how much
  more the image-right one rises: ``lopsided``), upper lip, lower lip, chin — followed by
  optical flow (OpenCV DIS) from the input to the output at the mesh's points — each point's
  median over the face crop at 384, 512 and 768 px — in inter-ocular distances (IOD, iris
  centres) in the face's own frame; against the displacement **asked** (what the rig's table
  sets for the same parts at that intensity).
  Flow, not re-detected landmarks: a dense face mesh is a holistic model and under-reads a part
  that moves against the rest (measured: brows raised 0.2 IOD by the warp re-detect as lowered);
- **eye closure**: each upper lid's travel down (flow at the lid's middle) over its eye's
  opening (``lid_travel``, image-left eye first: 1 = the lid reached the lower lid), and the eye
  aspect ratio re-detected by the mesh, after / before (meshes under-read a closed lid);
- **mouth opening**: the re-detected inner-lip gap (mesh points 13–14), after − before, IOD;
- **mouth interior**: the mean luminance of the generated region by the mouth (the
  ``generated`` AOV within :data:`MOUTH_REACH`) over the cheeks', in linear light, and its
  height down the mouth's middle (IOD): the opening as the output shows it, where flow and a
  re-detected mesh both lose the lips over a dark cavity;
- **grain kept**: in the pixels the edit moved (flow over 0.5 px, outside the generated region),
  the fine-grain energy (the image minus a σ = 1 px Gaussian blur, mean square) after / before.

Writes a JSON record and a contact sheet: one row per face, the face as it was, then every
preset at 0.8.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from . import colour
from .aus import au_vector, both_sides
from .conventions import AU_NAMES
from .expressions import EXPRESSIONS, expression_aus
from .face.detect import backend, to_rgb8
from .face.layout import ibug68
from .imageio import ImagePlate, read_image, write_image
from .models import MotionModel
from .render import RenderOptions, locate_face, render_frame

#: Mesh points of each measured part; "out" parts are measured along the eye line, away from
#: the face's midline (mirrored pairs: image-left point first).
PARTS = {
    "brows": (70, 63, 105, 66, 107, 336, 296, 334, 293, 300),
    "inner_brows": (107, 66, 336, 296),
    "corners": (61, 291),
    "upper_lip": (0, 37, 267),
    "lower_lip": (17, 84, 314),
    "chin": (152, 148, 377),
}
#: The same parts in the 68-point view (the rig's table is written on it).
PARTS_68 = {"brows": range(17, 27), "inner_brows": (20, 21, 22, 23), "corners": (48, 54),
            "upper_lip": (50, 51, 52), "lower_lip": (56, 57, 58), "chin": (7, 8, 9)}
EYES = ((33, 160, 158, 133, 153, 144), (362, 385, 387, 263, 373, 380))
#: Per eye (image-left first): the middle of the upper lid, and its (upper, lower) lid midpoints.
UPPER_LIDS = ((160, 159, 158), (387, 386, 385))
LID_MIDDLES = ((159, 145), (386, 374))
CHEEKS = (50, 280)
#: How far from the mouth's middle (IOD: along the eye line, down) its generated interior is
#: measured: the widest corners and the deepest opening, not the eyes (an IOD above).
MOUTH_REACH = (0.8, 0.7)
WORK_SIDE = 512
#: The sides the face crop is followed at: a part's shift is each point's median over the three.
#: DIS at one side loses a part now and then — face 12's right brow, raised 0.2 IOD beside its
#: glasses frame, read as lowered at 512 and 640 px and as raised at 384, 768 and 986 (its own).
FLOW_SIDES = (384, WORK_SIDE, 768)
PRESET_WEIGHT = 0.8
TILE = 256  # contact-sheet tile side (px)


def _cases() -> dict[str, np.ndarray]:
    """Each AU alone at 5, the mouth's pair together, and each preset at 0.8."""
    cases = {}
    for a, name in enumerate(AU_NAMES):
        vec = np.zeros(len(AU_NAMES), np.float32)
        vec[a] = 5.0
        cases[name] = vec
    both = np.zeros(len(AU_NAMES), np.float32)
    both[[AU_NAMES.index("AU25"), AU_NAMES.index("AU26")]] = 5.0
    cases["AU25+AU26"] = both
    for name in EXPRESSIONS:
        cases[name] = preset_vector(name)
    return cases


def preset_vector(name: str, weight: float = PRESET_WEIGHT) -> np.ndarray:
    """The AU vector (float32, :data:`AU_NAMES` order; ``2×17`` for a one-sided preset) of
    ``--expression name=weight``."""
    return au_vector(expression_aus([f"{name}={weight}"]))


class FaceFrame:
    """The face's own axes from mesh points: origin between the irises, x along them (image
    right), y down; lengths in IOD."""

    def __init__(self, mesh: np.ndarray):
        self.origin = (mesh[468] + mesh[473]) / 2
        axis = mesh[473] - mesh[468]
        self.iod = float(np.linalg.norm(axis))
        self.x = axis / self.iod
        self.y = np.array([-self.x[1], self.x[0]])

    def vector(self, v: np.ndarray) -> np.ndarray:
        """Plate-pixel vectors ``…×2`` → (x, y) in IOD."""
        return np.stack((v @ self.x, v @ self.y), -1) / self.iod


def _eye_aspect(mesh: np.ndarray) -> float:
    ratios = [(np.linalg.norm(mesh[b] - mesh[f]) + np.linalg.norm(mesh[c] - mesh[e]))
              / (2 * np.linalg.norm(mesh[a] - mesh[d])) for a, b, c, d, e, f in EYES]
    return float(np.mean(ratios))


def grain_energy(image: np.ndarray, where: np.ndarray) -> float:
    """Fine-grain energy of ``image`` (``H×W`` or ``H×W×C`` float) where ``where`` (``H×W``
    bool): the mean square of the image minus its Gaussian blur (σ = 1 px), over the channels
    and the chosen pixels; 0 when none is chosen. After / before, it is the grain a warp kept
    (``atw eval --edits``, ``atw bench fidelity``)."""
    fine = image - cv2.GaussianBlur(image, (0, 0), 1.0)
    energy = fine * fine if fine.ndim == 2 else (fine * fine).mean(axis=2)
    return float(energy[where].mean()) if where.any() else 0.0


def _part_motion(frame: FaceFrame, shifts: np.ndarray, name: str) -> dict[str, float]:
    """Mean (up, out) of a part's shifts (``K×2`` plate px), IOD; out away from the midline.
    The corners' ``lopsided``: the image-right corner's rise less the image-left's (a one-sided
    edit's: contempt's is the face's left, the image's right)."""
    local = frame.vector(shifts)
    up = float(-local[:, 1].mean())
    if name in ("corners",):  # mirrored pair: image-left goes out to −x
        out = float(np.mean([-local[0, 0], local[1, 0]]))
        return {"up": up, "out": out, "lopsided": float(local[0, 1] - local[1, 1])}
    return {"up": up}


def measure_edit(model: MotionModel, plate: ImagePlate, face,
                 aus: np.ndarray) -> tuple[dict, np.ndarray]:
    """Render ``aus`` on ``plate`` and measure the result (module docstring): the record and
    the output as display uint8."""
    mesh_backend = backend("mesh")
    options = RenderOptions(aovs=("generated",))
    result = render_frame(plate, aus, model, face=face, options=options)
    before8 = to_rgb8(plate.rgb(), plate.colourspace)
    after8 = to_rgb8(result.plate.rgb(), result.plate.colourspace)
    mesh = face.landmarks
    frame = FaceFrame(mesh)
    # The face crop at each of FLOW_SIDES, for the flow (the one at WORK_SIDE also says which
    # pixels moved).
    box = face.box
    flows = {}
    for side in FLOW_SIDES:
        k = side / box.size
        to_side = np.array([[k, 0, -box.x * k], [0, k, -box.y * k]])
        grey = [cv2.cvtColor(cv2.warpAffine(im, to_side, (side, side), flags=cv2.INTER_AREA,
                                            borderMode=cv2.BORDER_REPLICATE), cv2.COLOR_RGB2GRAY)
                for im in (before8, after8)]
        flows[side] = (k, to_side, cv2.DISOpticalFlow_create(
            cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(grey[0], grey[1], None))
    _, to_work, flow = flows[WORK_SIDE]
    record: dict = {"measured": {}, "asked": {}}

    def flow_at(ids) -> np.ndarray:
        """The flow at mesh points ``ids``, ``K×2`` plate px: each point's median over the
        crop's sides."""
        at = []
        for side, (k_side, _, flow_side) in flows.items():
            xy = np.clip(np.round((mesh[list(ids)] - (box.x, box.y)) * k_side).astype(int), 0,
                         side - 1)
            at.append(flow_side[xy[:, 1], xy[:, 0]] / k_side)
        return np.median(at, axis=0)

    for name, ids in PARTS.items():
        record["measured"][name] = _part_motion(frame, flow_at(ids), name)
    # Each upper lid's travel down over its eye's opening, by flow at the lid's middle.
    travel = []
    for lid, (upper, lower) in zip(UPPER_LIDS, LID_MIDDLES):
        down = -_part_motion(frame, flow_at(lid), "lid")["up"]
        travel.append(down / max(float(frame.vector(mesh[[lower]] - mesh[[upper]])[0, 1]), 1e-6))
    record["lid_travel"] = [float(t) for t in travel]
    asked = _asked(model, mesh, aus, frame)
    if asked is not None:
        record["asked"] = asked
    again = mesh_backend.search(result.plate.rgb(), result.plate.colourspace)
    if again:
        after_mesh = again[0].landmarks
        record["eye_aspect_ratio"] = _eye_aspect(after_mesh) / _eye_aspect(mesh)
        gap = lambda m: np.linalg.norm(m[13] - m[14]) / frame.iod  # noqa: E731
        record["mouth_opening"] = float(gap(after_mesh) - gap(mesh))
    layers = dict(zip(result.plate.channels, np.moveaxis(result.plate.pixels, -1, 0)))
    generated = layers["generated.A"] > 0.5
    # The mouth's: generated pixels within MOUTH_REACH of its middle (a closing lid's and the
    # lid skin a raised brow stretches are generated too).
    ys, xs = np.nonzero(generated)
    local = frame.vector(np.stack((xs + 0.5, ys + 0.5), 1) - mesh[[13, 14]].mean(0))
    mouth = (np.abs(local[:, 0]) < MOUTH_REACH[0]) & (np.abs(local[:, 1]) < MOUTH_REACH[1])
    if mouth.sum() > 16:
        luma = result.plate.rgb().mean(-1)
        cheeks = np.round(mesh[list(CHEEKS)]).astype(int)
        r = max(2, int(0.03 * frame.iod))
        skin = np.mean([plate.rgb()[y - r:y + r + 1, x - r:x + r + 1].mean() for x, y in cheeks])
        record["interior_luminance_vs_cheek"] = float(luma[ys[mouth], xs[mouth]].mean() / skin)
        # The opening's height where the lips part most: generated pixels in a band 0.1 IOD
        # wide down the mouth's middle, their extent along the face's down axis.
        middle = (np.abs(local[:, 0]) < 0.05) & (np.abs(local[:, 1]) < 0.6)
        if middle.sum() > 4:
            record["interior_height"] = float(np.ptp(local[middle, 1]))
    moved = np.hypot(flow[..., 0], flow[..., 1]) > 0.5
    if generated.any():
        gen_work = cv2.warpAffine(generated.astype(np.uint8), to_work, (WORK_SIDE, WORK_SIDE),
                                  flags=cv2.INTER_NEAREST) > 0
        moved &= ~cv2.dilate(gen_work.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    if moved.sum() > 100:
        # The plate's own grain, at its own resolution: the crop of both, moved pixels only.
        full = [cv2.cvtColor(im, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255 for im in
                (before8, after8)]
        back = cv2.warpAffine(moved.astype(np.uint8), to_work, before8.shape[1::-1],
                              flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP) > 0
        record["grain_kept"] = grain_energy(full[1], back) / max(grain_energy(full[0], back),
                                                                  1e-12)
    return record, after8


def _asked(model, mesh: np.ndarray, aus: np.ndarray, frame: FaceFrame) -> dict | None:
    """The rig's own target for each part, IOD: its 68-point table, and with the mesh the mouth
    model's lip and jaw travel (:mod:`~atw_ofx.models.mouth`); None for other models."""
    if not hasattr(model, "displacements"):
        return None
    from .models import mouth
    from .models.rig import AU25, AU26, REGIONAL

    table = np.where(np.isin(np.arange(len(AU_NAMES)), REGIONAL), 0.0, aus)  # (or per side)
    moved = model.displacements(ibug68(mesh), table)
    asked = {name: _part_motion(frame, moved[list(ids)], name) for name, ids in PARTS_68.items()}
    a25, a26 = (float(a) for a in both_sides(aus)[[AU25, AU26]])  # (the mouth: both sides')
    asked["lower_lip"]["up"] -= (mouth.LOWER_LIP_AU25 * a25 + mouth.JAW_AU26 * a26) / 5
    asked["upper_lip"]["up"] += mouth.UPPER_LIP_AU25 * a25 / 5
    asked["chin"]["up"] -= mouth.JAW_AU26 * a26 / 5
    return asked


def evaluate_edits(model: MotionModel, faces: list[Path], *, side: int = 1024,
                   sheet: Path | None = None, progress=print) -> dict:
    """Measure every case on every face (module docstring); the record and the sheet."""
    cases = _cases()
    per_face, rows = {}, []
    for path in faces:
        source = read_image(path)
        linear = colour.convert(source.rgb(), source.colourspace, colour.DEFAULT_PLATE_SPACE)
        scale = side / max(linear.shape[:2])
        if scale < 1:
            linear = cv2.resize(linear, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        plate = ImagePlate.from_array(linear, ("R", "G", "B"), colour.DEFAULT_PLATE_SPACE)
        face = locate_face(plate, options=RenderOptions())
        per_face[path.name] = {}
        tiles = [_tile(to_rgb8(plate.rgb(), plate.colourspace), face)]
        for name, aus in cases.items():
            record, after8 = measure_edit(model, plate, face, aus)
            per_face[path.name][name] = record
            if name in EXPRESSIONS:
                tiles.append(_tile(after8, face))
        rows.append(np.concatenate(tiles, axis=1))
        progress(f"{path.name}: {len(cases)} edits measured")
    record = {"model": getattr(model, "name", "model"), "faces": list(per_face), "side": side,
              "preset_weight": PRESET_WEIGHT, "summary": _summary(per_face), "per_face": per_face}
    if sheet is not None:
        labels = ["as shot"] + [f"{name} {PRESET_WEIGHT}" for name in EXPRESSIONS]
        rows.insert(0, _header(labels, TILE))
        write_image(sheet, ImagePlate.from_array(np.concatenate(rows, 0).astype(np.float32) / 255,
                                                 ("R", "G", "B"),
                                                 colour.DEFAULT_DISPLAY_FILE_SPACE))
    return record


def _header(names: list[str], size: int) -> np.ndarray:
    """A row of column labels over the sheet's tiles."""
    row = np.full((28, size * len(names), 3), 24, np.uint8)
    for i, name in enumerate(names):
        cv2.putText(row, name, (i * size + 8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                    (235, 235, 235), 1, cv2.LINE_AA)
    return row


def _tile(rgb8: np.ndarray, face, size: int = TILE) -> np.ndarray:
    box = face.box
    k = size / box.size
    m = np.array([[k, 0, -box.x * k], [0, k, -box.y * k]])
    return cv2.warpAffine(rgb8, m, (size, size), flags=cv2.INTER_AREA,
                          borderMode=cv2.BORDER_REPLICATE)


def _summary(per_face: dict) -> dict:
    """Per case, the mean over faces of every number in its records."""
    cases = next(iter(per_face.values()))
    out = {}
    for name in cases:
        records = [faces[name] for faces in per_face.values()]
        out[name] = _mean_tree(records)
    return out


def _mean_tree(records: list):
    first = records[0]
    if isinstance(first, dict):
        keys = set().union(*(r.keys() for r in records))
        return {k: _mean_tree([r[k] for r in records if k in r]) for k in sorted(keys)}
    return round(float(np.mean(records)), 4)
