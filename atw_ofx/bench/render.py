"""``atw bench render``: one whole frame — model, ResWarp, paste-back — with the face track given.

The plate is the demo's public-domain portrait as a close-up: scaled so the face crop spans half
the frame height, cut to the frame size, scene-linear float32 RGB. The face placement comes from
one detection on the portrait, scaled (as ``atw track`` would give it), so the timing is the
per-frame cost a farm node pays. Implementations: ``render_ref`` (pure-torch ResWarp) and
``render_fused`` (``--reswarp-impl auto``: the fused kernel for the device), with the plate's
copy bound for scale, and ``render_fused_68``: the same frame rigged from the 68-point view of the
face's mesh — the rig before the mesh's regional eyelid and mouth models, the baseline their cost
is measured against. ``peak_mb`` is the memory one frame needs beyond its loaded plate.
Records name the ``cpu`` and, for the fused frames on the CPU, the ResWarp ``kernel`` that ran
(``avx512`` or ``numba``). ``stages_ms`` is where a frame's time goes
(:class:`~atw_ofx.render.StageClock`, the median of each stage over :data:`STAGE_FRAMES` further
frames, timed apart so the clock's device synchronisations stay out of ``ms_per_frame``).
"""
from __future__ import annotations

import os

import cv2
import numpy as np

from .. import colour
from .measure import fresh_records, measure_here
from .reswarp import cpu_model, device_name, size_text

IMPLS = {"memcpy_bound": None, "render_ref": "ref", "render_fused": "auto",
         "render_fused_68": "auto"}
DEFAULT_SIZES = "1920x1080,3840x2160,7680x4320"
#: The face crop's side as a fraction of the frame height (a close-up).
FACE_FRACTION = 0.5
#: Frames rendered with a stage clock after the timing.
STAGE_FRAMES = 15


def close_up(hw: tuple[int, int], face_backend: str | None = None):
    """The demo portrait as an ``H×W`` scene-linear close-up and its face placement (landmarks
    of ``face_backend``, default the default's)."""
    from ..demo import demo_face_path
    from ..face import CropBox, FacePlacement
    from ..imageio import ImagePlate, read_image
    from ..render import RenderOptions, locate_face

    h, w = hw
    source = read_image(demo_face_path())
    options = RenderOptions() if face_backend is None else RenderOptions(face_backend=face_backend)
    face = locate_face(source, options=options)
    k = FACE_FRACTION * h / face.box.size
    rgb = cv2.resize(source.rgb(), None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)
    # The frame window centred on the face, edges repeated where the portrait is too small.
    cx, cy = (face.box.x + face.box.size / 2) * k, (face.box.y + face.box.size / 2) * k
    x0, y0 = int(round(cx - w / 2)), int(round(cy - h / 2))
    rows = np.clip(np.arange(y0, y0 + h), 0, rgb.shape[0] - 1)
    cols = np.clip(np.arange(x0, x0 + w), 0, rgb.shape[1] - 1)
    linear = colour.convert(np.ascontiguousarray(rgb[rows][:, cols]), source.colourspace,
                            colour.DEFAULT_PLATE_SPACE)
    plate = ImagePlate.from_array(linear, ("R", "G", "B"), colour.DEFAULT_PLATE_SPACE)
    landmarks = face.landmarks * k - np.array([x0, y0])
    return plate, FacePlacement(CropBox.from_landmarks(landmarks), landmarks)


def _setup(hw, impl, device, stages=None):
    import torch

    from ..aus import ramp
    from ..demo import DEMO_EXPRESSION
    from ..models import LandmarkRig
    from ..render import RenderOptions, render_frame

    plate, face = close_up(hw)
    if impl == "render_fused_68":
        from ..face import FacePlacement
        from ..face.layout import ibug68

        face = FacePlacement(face.box, ibug68(face.landmarks))
    if impl == "memcpy_bound":
        src = torch.from_numpy(plate.pixels).to(device)
        buffer = torch.empty_like(src)
        return lambda: buffer.copy_(src)
    aus = ramp(DEMO_EXPRESSION, first=0, last=1).at(1)  # the demo's full expression
    options = RenderOptions(reswarp_impl=IMPLS[impl], device=device)
    model = LandmarkRig()
    # In place, as a batch renders a frame it read — the face's box put back as read first (a
    # memcpy of the box, in every implementation's time): pasted over again and again, the face
    # drifted from the demo's, and what the rig does with a mouth depends on what it shows (the
    # held teeth came in after a few frames).
    x0, y0 = max(face.box.x, 0), max(face.box.y, 0)
    window = (slice(y0, max(face.box.y + face.box.size, 0)),
              slice(x0, max(face.box.x + face.box.size, 0)))
    as_read = plate.pixels[window].copy()

    def frame():
        plate.pixels[window] = as_read
        return render_frame(plate, aus, model, face=face, options=options, frame=1,
                            in_place=True, stages=stages() if stages else None)

    return frame


def measure_impl(hw, impl, device, threads, min_seconds):
    import torch

    torch.set_num_threads(threads)
    try:
        import numba

        numba.set_num_threads(threads)
    except ImportError:
        pass
    if impl != "memcpy_bound":
        _setup((270, 480), impl, device)()  # compile / load kernels first
    # Peak: what one frame needs beyond the plate already in memory (a loaded frame).
    m = measure_here(lambda: _setup(hw, impl, device), device, min_seconds=min_seconds,
                     include_setup=False)
    record = {"size": size_text(hw), "impl": impl, "device": device_name(device),
              "threads": threads, "ms_per_frame": round(m.ms_per_frame, 2),
              "ms_min": round(m.ms_min, 2), "reps": m.reps, "peak_mb": round(m.peak_mb, 1),
              "face_px": int(round(FACE_FRACTION * hw[0])), "cpu": cpu_model()}
    if impl in ("render_fused", "render_fused_68") and device == "cpu":
        from kernels.cpu import native

        # The face crop's ResWarp: which CPU kernel ran (their times differ several-fold).
        record["kernel"] = "avx512" if native(record["face_px"], record["face_px"]) else "numba"
    if impl != "memcpy_bound":
        record["stages_ms"] = _stage_medians(hw, impl, device)
    return record


def _stage_medians(hw, impl, device) -> dict[str, float]:
    """The median time of each stage of a frame, over :data:`STAGE_FRAMES` frames."""
    from ..render import StageClock

    clocks: list[StageClock] = []

    def new_clock() -> StageClock:
        clocks.append(StageClock())
        return clocks[-1]

    run = _setup(hw, impl, device, stages=new_clock)
    for _ in range(STAGE_FRAMES):
        run()
    return {stage: round(float(np.median([c.ms[stage] for c in clocks])), 2)
            for stage in clocks[0].ms}


def bench_render(sizes, *, device="cpu", threads=None, min_seconds=2.0,
                 progress=print) -> list[dict]:
    """Every implementation at every size, each in a fresh process."""
    threads = threads or len(os.sched_getaffinity(0))
    cases = [(hw, impl, device, threads, min_seconds) for hw in sizes for impl in IMPLS]
    return fresh_records(measure_impl, cases, progress=progress, digits=1)


def summary(records: list[dict]) -> str:
    lines = []
    for size in dict.fromkeys(r["size"] for r in records):
        rows = {r["impl"]: r for r in records if r["size"] == size}
        first = next(iter(rows.values()))
        lines.append(f"{size}, face crop {first['face_px']} px ({first['device']}"
                     + (f", {first['cpu']}" if "cpu" in first else "") + "):")
        for impl, r in rows.items():
            extra = ""
            if impl == "render_fused" and "render_ref" in rows:
                extra = f"  {rows['render_ref']['ms_per_frame'] / r['ms_per_frame']:.2f}× " \
                        "faster than render_ref"
            if impl == "render_fused" and "render_fused_68" in rows:
                extra += f"; {r['ms_per_frame'] / rows['render_fused_68']['ms_per_frame']:.2f}× " \
                         "the 68-point rig's frame"
            name = impl + (f" ({r['kernel']})" if "kernel" in r else "")
            lines.append(f"  {name:<24} {r['ms_per_frame']:9.1f} ms  peak {r['peak_mb']:8.1f} MB"
                         + extra)
            if r.get("stages_ms"):
                lines.append("      " + ", ".join(f"{stage} {ms:.1f}"
                                                  for stage, ms in r["stages_ms"].items()))
    return "\n".join(lines)
