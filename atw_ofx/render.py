"""The render API: one frame in, the animated frame (plus AOV layers) out.

Every host and the CLI call :func:`render_frame` (one plate); :mod:`atw_ofx.batch` runs it over
files. One frame, in order (ARCHITECTURE §1):

1. locate the face (detected on the plate, or a given ``--face-box``) → square :class:`CropBox`;
2. crop the main layer (R, G, B, A) at full resolution, linear light;
3. area-average the colour to the model grid (128) and convert it to the model's encoding (OCIO);
4. the motion model returns ``F``, ``O^w``, ``O^r`` on that grid;
5. ResWarp carries them to the crop (linear light, every main channel warped);
6. paste back through the soft face matte: every pixel outside it, and every other layer, is
   bit-identical to the input;
7. AOV layers on request: ``motion.u/v`` (Nuke IDistort pixel offsets, y up), ``stmap.s/t`` (STMap,
   origin bottom-left), ``matte.A``.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

import cv2
import numpy as np
import torch

from . import colour
from .aus import both_sides
from .conventions import MotionField
from .errors import ATWError, ModelError, NoFaceError
from .face import (CropBox, FacePlacement, crop, crop_planes, detect_face, ellipse_matte,
                   face_matte, paste)
from .face.detect import DEFAULT_BACKEND, detect_faces
from .face.glasses import (behind_frame, bridge_window, find_frame, frame_window,
                           wears_dark_lenses, wears_glasses)
from .imageio import ImagePlate
from .models import FaceContext, MotionModel, MotionResult
from .models.base import FullSize, LightAt, PixelsAt
from .models.brows import StretchedSkin, smooth_stretched
from .models.eyelids import ClosingLid, close_lid
from .models.mouth import fill_region
from .models.teeth import HeldTeeth, held_field, hold_teeth, on_the_lip, teeth_field
from .points import READ_REACH, sample_points, sample_window
from .filters import DEFAULT_FILTER, check_filter
from .options import (AOVS, AU_MODES, DEFAULT_AU_MODE,  # noqa: F401  (the vocabulary, re-exported)
                      DEFAULT_GLASSES, GLASSES)
from .reswarp import DEFAULT_FORMULATION, DEFAULT_METHOD, IMPLS, down, reswarp, up



@dataclass
class RenderOptions:
    """How a frame is rendered (the CLI's flags map one-to-one onto these fields)."""

    reswarp: str = DEFAULT_METHOD  # "vanilla" | "multiscale"
    formulation: str = DEFAULT_FORMULATION  # "delta" | "paper"
    reswarp_impl: str = "auto"  # "auto" (fused kernel where one serves) | "cpu" | "triton" | "ref"
    filter: str = DEFAULT_FILTER  # the plate warp's filter: "bilinear" | "cubic" | "lanczos"
    au_mode: str = DEFAULT_AU_MODE  # AUs are edits ("relative") or a target expression ("absolute")
    glasses: str = DEFAULT_GLASSES  # "auto": a dark glasses frame found stays still; "off"
    aovs: tuple[str, ...] = ()  # any of AOVS
    face_index: int = 0  # which detected face, largest first
    face_backend: str = DEFAULT_BACKEND  # landmark backend (atw_ofx.face.detect.BACKENDS)
    colourspace: str | None = None  # plate colour space; None = by file type
    device: str = "cpu"  # torch device for ResWarp

    def __post_init__(self) -> None:
        if self.au_mode not in AU_MODES:
            raise ATWError(f"--au-mode {self.au_mode!r}: expected one of {', '.join(AU_MODES)}")
        if self.glasses not in GLASSES:
            raise ATWError(f"--glasses {self.glasses!r}: expected one of {', '.join(GLASSES)}")
        if self.reswarp_impl not in IMPLS:
            raise ATWError(f"unknown ResWarp implementation {self.reswarp_impl!r}; expected one "
                           f"of {', '.join(IMPLS)}")
        try:
            check_filter(self.filter)
        except ValueError as exc:
            raise ATWError(f"--filter: {exc}") from None
        unknown = set(self.aovs) - set(AOVS)
        if unknown:
            raise ATWError(f"unknown AOV {sorted(unknown)}; expected any of {', '.join(AOVS)}")
        try:
            device = torch.device(self.device)
        except RuntimeError:
            raise ATWError(f"--device {self.device!r}: expected cpu, cuda or cuda:N") from None
        if device.type == "cuda" and (not torch.cuda.is_available()
                                      or (device.index or 0) >= torch.cuda.device_count()):
            raise ATWError(f"--device {self.device}: no such CUDA device on this machine "
                           f"({torch.cuda.device_count()} found)")

    def frame_params(self, aus: np.ndarray, box: CropBox,
                     retarget: tuple[np.ndarray, dict] | None = None) -> dict:
        """What made one frame, for its provenance (the device does not change the result)."""
        params = {k: v for k, v in dataclasses.asdict(self).items() if k != "device"}
        rounded = [[round(float(a), 6) for a in row] for row in np.atleast_2d(aus)]
        params = {**params, "aus": rounded[0] if np.ndim(aus) == 1 else rounded,  # (or per side)
                  "face_box": box.as_text()}
        if retarget is not None:  # the performer's motion: its driven points, IOD
            from .retarget import DRIVEN

            params["retarget"] = np.round(retarget[0][list(DRIVEN)], 5).tolist()
        return params


@dataclass
class FrameResult:
    """The rendered frame and what was used to make it."""

    plate: ImagePlate
    face: FacePlacement
    flow: MotionField = field(repr=False)  # on the model grid, pixels of that grid
    matte: np.ndarray = field(repr=False)  # S×S float32 on the crop grid


def locate_face(plate: ImagePlate, box: CropBox | None = None, *, options: RenderOptions,
                frame: int | None = None) -> FacePlacement:
    """Detect the face (or use ``box``) and return its crop box and landmarks.

    With a given box, landmarks come from detecting inside that box; if nothing is found there the
    placement has no landmarks (models that need them then refuse, the matte is an ellipse).
    """
    rgb = plate.rgb()
    if box is None:
        face = detect_face(rgb, plate.colourspace, index=options.face_index, path=plate.path,
                           frame=frame, backend_name=options.face_backend)
        return FacePlacement(CropBox.from_landmarks(face.landmarks), face.landmarks)
    box.check_fits(*rgb.shape[:2], path=plate.path or None, frame=frame)
    region = crop(rgb, box)
    faces = detect_faces(region, plate.colourspace, backend_name=options.face_backend)
    if not faces:
        return FacePlacement(box, None)
    return FacePlacement(box, faces[0].landmarks + np.array([box.x, box.y]))


class StageClock:
    """Where a frame's time goes: ``render_frame(..., stages=clock)`` adds each stage's wall time
    to ``clock.ms`` (milliseconds by stage name, in the frame's order). On CUDA each stage
    synchronises the device before it is read, so a timed frame runs a little slower."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._sync = lambda: None
        self._last = time.perf_counter()

    def start(self, device: torch.device) -> None:
        self._sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        self._sync()
        now = time.perf_counter()
        self.ms[stage] = self.ms.get(stage, 0.0) + (now - self._last) * 1e3
        self._last = now


def render_frame(plate: ImagePlate, aus: np.ndarray, model: MotionModel, *,
                 face: FacePlacement | CropBox | None = None,
                 options: RenderOptions | None = None, frame: int | None = None,
                 in_place: bool = False, stages: StageClock | None = None,
                 retarget: tuple[np.ndarray, dict] | None = None) -> FrameResult:
    """Animate the face in ``plate`` to the AU vector ``aus`` (17 floats, 0–5; or ``2×17``, a
    row per side of the face: :mod:`atw_ofx.aus`).

    Args:
        plate: the input image, in ``plate.colourspace`` (scene-linear for EXR).
        aus: AU intensities in :data:`~atw_ofx.conventions.AU_NAMES` order.
        model: a :class:`~atw_ofx.models.MotionModel` (the rig by default in the CLI).
        face: a placement, a crop box, or None to detect.
        frame: frame number, for error messages.
        in_place: paste the animated face into ``plate.pixels`` itself (when writeable) instead
            of a copy — for a caller that drops the plate, as a batch does with each frame it
            reads: it saves a plate-sized copy and its memory (at 4K, 100 MB and ~9 ms).
        stages: a :class:`StageClock` to add the time of each stage to (crop, model_input,
            matte, model, matte_up, reswarp, paste, aovs); face detection is not timed.
        retarget: a performer's motion at this frame and their region sizes
            (:meth:`~atw_ofx.aus.AUCurves.retarget_at`), for a model that ``retargets`` (the rig).

    Returns:
        :class:`FrameResult`; ``result.plate`` has the input's channels (main layer animated,
        others untouched) followed by the requested AOV channels.
    """
    options = options or RenderOptions()
    if not isinstance(face, FacePlacement):
        face = locate_face(plate, face, options=options, frame=frame)
    lap = stages.lap if stages is not None else (lambda stage: None)
    if stages is not None:
        stages.start(torch.device(options.device))
    box, r = face.box, model.resolution
    main = plate.main_channels() or list(range(len(plate.channels)))
    crop_lin = torch.from_numpy(crop_planes(plate.pixels, box, main))[None].to(options.device)
    lap("crop")

    # The model branch: area-average in linear light, then the model's display encoding.
    colour_idx = _colour_positions(plate, main)
    colour_lin = crop_lin if colour_idx == list(range(len(main))) else crop_lin[:, colour_idx]
    small_lin = down(colour_lin, (r, r))[0].permute(1, 2, 0).cpu().numpy()
    face_model = colour.to_model_space(small_lin, plate.colourspace, model.colourspace)
    face_t = torch.from_numpy(face_model).permute(2, 0, 1)[None]
    lap("model_input")

    landmarks = box.to_crop(face.landmarks, r) if face.landmarks is not None else None
    matte_r = face_matte(landmarks, r) if landmarks is not None else ellipse_matte(r)
    lap("matte")
    driving = model_aus(model, aus, face.landmarks, options.au_mode)
    if retarget is not None and not getattr(model, "retargets", False):
        raise ModelError(f"model {model.name!r} cannot take a retargeted performance (a "
                         "'retarget' in the AU curves): use the landmark rig (--model rig)",
                         path=plate.path or None, frame=frame)
    # A glasses frame stays still: found first, so that the model knows where it is (a blink
    # slides the lid from below it); the warp carries the face filled in behind it, and the
    # frame is laid back over the result.
    s = box.size
    glasses = None
    if driving is not None and options.glasses == "auto" and face.landmarks is not None:
        glasses = _glasses_frame(crop_lin, colour_idx, box.to_crop(face.landmarks, s))
    occluder = None if glasses is None else _on_grid(glasses, s, r)
    try:
        result = (MotionResult(MotionField.zeros(1, r, r), face_t, face_t) if driving is None
                  else model.animate(face_t, driving,
                                     FaceContext(landmarks, matte_r, retarget, occluder,
                                                 face.mouth, _light_at(crop_lin, colour_idx, r),
                                                 FullSize(s, _pixels_at(crop_lin, colour_idx)),
                                                 face.lids)))
    except ATWError as exc:  # name the file and frame the model could not handle
        if exc.path is None:
            raise type(exc)(exc.message, path=plate.path or None, frame=frame) from None
        raise
    delta = _refinement_delta(result, plate.colourspace, model.colourspace)
    lap("model")

    matte_s = up(torch.from_numpy(matte_r)[None, None], (s, s))[0, 0].numpy()
    lap("matte_up")
    generated_s = None
    if result.flow.is_zero() and delta is None:
        out_pixels = plate.pixels  # nothing moves: the identity guarantee, bit-exact
    else:
        delta_full = None
        if delta is not None:  # place colour deltas on their channels, zero elsewhere
            delta_full = torch.zeros(1, len(main), r, r)
            delta_full[:, colour_idx] = delta
            delta_full = delta_full.to(options.device)
        flow = MotionField(result.flow.px.to(options.device))
        source = crop_lin
        if glasses is not None:
            window, covered, frame_pixels, bars, edges, _ = glasses
            behind, frame_alpha = behind_frame(frame_pixels, covered, bars, edges)
            source = crop_lin.clone()
            source[(0, slice(None)) + window] = torch.from_numpy(behind).permute(2, 0, 1)
        out_crop = reswarp(source, flow, delta_full, method=options.reswarp,
                           formulation=options.formulation, impl=options.reswarp_impl,
                           filter=options.filter)
        out_np = out_crop[0].permute(1, 2, 0).cpu().numpy()
        if result.interior:  # what the edit opened or closed over: generated at full size
            original = source[0].permute(1, 2, 0).cpu().numpy()
            field = result.flow.px[0].cpu().numpy()  # the lids re-sample across their lines
            generated_s = []
            teeth = None  # the dark held teeth drew, which the mouth's cavity leaves
            held = None  # the held teeth's own field and where it holds them
            for region in result.interior:
                if isinstance(region, StretchedSkin):
                    out_np, generated = smooth_stretched(
                        out_np, original, region, tuple(colour_idx), field,
                        None if glasses is None else (glasses[0], frame_alpha))
                elif isinstance(region, ClosingLid):
                    out_np, generated = close_lid(out_np, original, region, tuple(colour_idx),
                                                  field)
                elif isinstance(region, HeldTeeth):
                    region = on_the_lip(region, original, tuple(colour_idx), field)
                    out_np, teeth = hold_teeth(out_np, original, region, tuple(colour_idx), field)
                    generated = teeth
                    held = held_field(region)
                    field = teeth_field(field, held)  # what follows re-samples them held
                else:
                    out_np, generated = fill_region(out_np, original, region,
                                                   tuple(colour_idx), field, teeth, held)
                generated_s.append(generated)
        if glasses is not None:  # the frame laid back over the face, by its matte
            alpha, behind_it = frame_alpha[covered][:, None], out_np[window][covered]
            with np.errstate(invalid="ignore"):  # a non-finite face behind a whole frame pixel
                out_np[window][covered] = np.where(alpha >= 1.0, frame_pixels[covered],
                                                   behind_it + alpha * (frame_pixels[covered]
                                                                        - behind_it))
        lap("reswarp")
        out_pixels = paste(plate.pixels, out_np, matte_s, box, main,
                           in_place=in_place and plate.pixels.flags.writeable)
        lap("paste")

    layers = _aov_layers(plate, box, result.flow, matte_s, options.aovs, generated_s)
    out = plate.with_pixels(out_pixels).with_layers(layers)
    lap("aovs")
    return FrameResult(out, face, result.flow, matte_s)


#: About the side of the copy of the crop the glasses frame is looked for on.
GLASSES_SIDE = 512


def _glasses_frame(crop_lin: torch.Tensor, colour_idx: list[int], landmarks: np.ndarray
                   ) -> tuple[tuple[slice, slice], np.ndarray, np.ndarray, np.ndarray | None,
                              np.ndarray | None, np.ndarray | None] | None:
    """The dark glasses frame on the crop (``1×C×S×S`` linear; ``landmarks`` on its pixels), or
    None (:func:`~atw_ofx.face.glasses.find_frame`): the window of the crop it lies in (rows,
    columns), where it is in that window (bool), the window's pixels (``h×w×C``), its light
    top bars' matte there (float32, 0–1), its lenses' own edges (bool) and where it hides the
    face rigidly (bool; None: all it covers) — None where it has none. Its bridge
    is looked for first, on the nose's window alone (:func:`~atw_ofx.face.glasses.bridge_window`);
    then the rims around the eyes (as far as a rim reaches). Both on copies pooled to about
    :data:`GLASSES_SIDE` px across the crop, in a rough display encoding (the finder compares
    lines with their surroundings)."""
    size = crop_lin.shape[-1]
    step = max(size // GLASSES_SIDE, 1)
    # The bridge first, on the little of the crop it needs: most faces wear no glasses.
    (x0, y0, _, _), bridge = _pooled_grey(crop_lin, colour_idx, bridge_window(landmarks, size),
                                          step)
    if not wears_glasses(bridge, (landmarks - (x0, y0)) / step):
        return None
    (x0, y0, x1, y1), search = _pooled_grey(crop_lin, colour_idx,
                                            frame_window(landmarks, size), step)
    if wears_dark_lenses(search, (landmarks - (x0, y0)) / step):  # their outline reaches wider
        (x0, y0, x1, y1), search = _pooled_grey(crop_lin, colour_idx,
                                                frame_window(landmarks, size, lenses=True), step)
    frame = find_frame(search, (landmarks - (x0, y0)) / step, size=(y1 - y0, x1 - x0))
    if frame is None:
        return None
    pixels = crop_lin[0, :, y0:y1, x0:x1]
    return ((slice(y0, y1), slice(x0, x1)), frame.covered,
            np.ascontiguousarray(pixels.permute(1, 2, 0).cpu().numpy()), frame.bars,
            frame.edges, frame.rigid)


def _pooled_grey(crop_lin: torch.Tensor, colour_idx: list[int],
                 window: tuple[int, int, int, int], step: int
                 ) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """A window ``(x0, y0, x1, y1)`` of the crop (``1×C×S×S`` linear), cut to whole cells of
    ``step`` px (so that the copy and the window map onto each other exactly), and its copy
    pooled by ``step``: the colour channels' mean, ``^ 1/2.2`` (a rough display encoding;
    float32 ``h×w``)."""
    x0, y0, x1, y1 = window
    x0, y0 = x0 - x0 % step, y0 - y0 % step
    x1, y1 = x0 + (x1 - x0) // step * step, y0 + (y1 - y0) // step * step
    pixels = crop_lin[0, colour_idx, y0:y1, x0:x1]
    pooled = torch.nn.functional.avg_pool2d(pixels[None].float(), step)[0].mean(0)
    return (x0, y0, x1, y1), np.clip(pooled.cpu().numpy(), 0.0, None) ** (1 / 2.2)


#: About the side of the copy of the crop :func:`_light_at` reads (px across the crop): finer
#: than the model's grid by 4 (the dark line where an open smile's rows of teeth meet is a
#: pixel or two of it), coarse enough that the plate's grain averages out.
LIGHT_SIDE = 512


def _light_at(crop_lin: torch.Tensor, colour_idx: list[int], resolution: int) -> LightAt:
    """The face's light at points on the model's ``resolution`` grid (:data:`.models.base.LightAt`),
    read on the crop (``1×C×S×S`` linear) pooled to about :data:`LIGHT_SIDE` px across: only
    the window the points fall in, when a model asks."""
    size = crop_lin.shape[-1]
    step = max(size // LIGHT_SIDE, 1)
    scale = size / resolution

    def light(points: np.ndarray) -> np.ndarray:
        on_crop = np.asarray(points, np.float64) * scale
        low = np.floor(on_crop.reshape(-1, 2).min(0)).astype(int) - 2 * step
        high = np.ceil(on_crop.reshape(-1, 2).max(0)).astype(int) + 2 * step
        (x0, y0, x1, y1), grey = _pooled_grey(
            crop_lin, colour_idx, (max(low[0], 0), max(low[1], 0), min(high[0], size),
                                   min(high[1], size)), step)
        return sample_points(np.ascontiguousarray(grey, np.float32), (on_crop[..., 0] - x0) / step,
                             (on_crop[..., 1] - y0) / step, cv2.INTER_LINEAR)

    return light


def _pixels_at(crop_lin: torch.Tensor, colour_idx: list[int]) -> PixelsAt:
    """The crop's (``1×C×S×S`` linear) colour channels at points in its px
    (:data:`.models.base.PixelsAt`), reading only the window the points fall in (off the
    device)."""
    size = crop_lin.shape[-1]

    def at(points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, np.float64)
        low = np.clip(np.floor(points.reshape(-1, 2).min(0)).astype(int) - READ_REACH, 0, size - 1)
        high = np.clip(np.ceil(points.reshape(-1, 2).max(0)).astype(int) + READ_REACH + 1,
                       low + 1, size)
        window = crop_lin[0, colour_idx, low[1]:high[1], low[0]:high[0]].permute(1, 2, 0)
        return sample_window(window.float().cpu().numpy(), points[..., 0] - low[0],
                             points[..., 1] - low[1], cv2.INTER_LINEAR)

    return at


def _on_grid(glasses: tuple, size: int, resolution: int) -> np.ndarray:
    """Where the glasses frame (:func:`_glasses_frame`'s) hides the ``size`` px crop rigidly,
    as the share of each pixel of the model's ``resolution`` grid it covers (float32)."""
    (rows, columns), covered, rigid = glasses[0], glasses[1], glasses[5]
    full = np.zeros((size, size), np.float32)
    full[rows, columns] = covered if rigid is None else rigid
    return cv2.resize(full, (resolution, resolution), interpolation=cv2.INTER_AREA)


def model_aus(model: MotionModel, aus: np.ndarray, landmarks: np.ndarray | None,
               mode: str) -> np.ndarray | None:
    """The AU vector ``model`` is given, or None when nothing is asked of it.

    ``"relative"`` (the default: compositors think in edits) on a model whose AUs are an
    absolute target (a learned bundle) adds the user's AUs to the source face's own, estimated
    from its landmarks; all-zero edits then leave the plate bit-exact, without running the model.
    A model that reads AUs as edits itself (the rig) gets them as they are; so does any model in
    ``"absolute"`` mode (the paper's semantics: all zeros = a neutral face). A sided vector
    (``2×17``: :mod:`atw_ofx.aus`) reaches only a model that moves each side by its own
    (``sided``, the rig); any other gets its mean.
    """
    if not getattr(model, "sided", False):  # a model that moves both sides alike
        aus = both_sides(aus)
    if mode == "absolute" or getattr(model, "au_semantics", "relative") == "relative":
        return aus
    if not np.any(aus):
        return None
    if landmarks is None:
        raise NoFaceError("relative AUs need the face's landmarks to estimate its own AUs, and "
                          "none were found (use --au-mode absolute)")
    from .face.au_estimate import AUEstimator

    current = AUEstimator.default().estimate(landmarks)
    return np.clip(current + aus, 0.0, 5.0).astype(np.float32)


def _colour_positions(plate: ImagePlate, main: list[int]) -> list[int]:
    """Positions within ``main`` of R, G, B (a mono plate repeats its one channel)."""
    return [main.index(i) if i in main else 0 for i in plate.rgb_indices()]


def _refinement_delta(result, plate_space: str, model_space: str):
    """``lin(O^r) − lin(O^w)`` as ``1×3×R×R``, or None when the refinement changed nothing."""
    if result.refined is result.warped or torch.equal(result.refined, result.warped):
        return None
    lin = [colour.from_model_space(t[0].permute(1, 2, 0).detach().cpu().numpy(), plate_space,
                                   model_space) for t in (result.refined, result.warped)]
    return torch.from_numpy(lin[0] - lin[1]).permute(2, 0, 1)[None]


def _aov_layers(plate: ImagePlate, box: CropBox, flow_lo: MotionField, matte_s: np.ndarray,
                aovs, generated_s=None) -> dict[str, np.ndarray]:
    """Full-plate AOV channels; zero motion (identity STMap) and zero matte outside the crop.
    ``generated.A`` is where the edit generated pixels (``generated_s``, a list of
    :class:`~atw_ofx.models.mouth.Generated` on the crop: the mouth's interior, the dark an open
    smile's lips uncover beside its teeth, the closed lids' seams), 0 elsewhere."""
    if not aovs:
        return {}
    flow_s = flow_lo.resized(box.size, box.size)  # the crop's field, only when a layer needs it
    h, w = plate.pixels.shape[:2]
    overlap = box.overlap(h, w)
    flow_plate = torch.zeros(1, 2, h, w)
    if overlap is not None:
        (py, px), (cy, cx) = overlap
        flow_plate[:, :, py, px] = flow_s.px[:, :, cy, cx].cpu()
    field_plate = MotionField(flow_plate)
    layers = {}
    if "motion" in aovs:
        uv = field_plate.to_idistort()[0].numpy()
        layers["motion.u"], layers["motion.v"] = uv[0], uv[1]
    if "stmap" in aovs:
        st = field_plate.to_stmap()[0].numpy()
        layers["stmap.s"], layers["stmap.t"] = st[0], st[1]
    if "matte" in aovs:
        matte = np.zeros((h, w), np.float32)
        if overlap is not None:
            matte[py, px] = matte_s[cy, cx]
        layers["matte.A"] = matte
    if "generated" in aovs:
        generated = np.zeros((h, w), np.float32)
        if overlap is not None and generated_s is not None:
            # Where the paste blends the crop in, the generated share is the matte's.
            union = np.max([g.full(box.size) for g in generated_s], axis=0)
            generated[py, px] = (union * matte_s)[cy, cx]
        layers["generated.A"] = generated
    return layers
