"""``atw bench reswarp``: ms/frame and peak memory of ResWarp implementations, same run, same
inputs.

Implementations (the record's ``impl``):

- ``memcpy_bound``: one read and one write of the plate into a preallocated buffer — no ResWarp
  can beat it;
- ``naive_torch``: the pure-torch reference (``reswarp(impl="ref")``: ``interpolate`` +
  ``grid_sample``);
- ``cv2_remap``: the same ResWarp composed from OpenCV calls on an ``H×W×C`` plate (resize the
  field, add a cached pixel grid, ``remap``, resize and add the refinement change) — on the CPU
  in a CUDA run too, where it is the baseline the Triton kernels are measured against;
- ``fused_cpu``: ``reswarp(impl="cpu")`` (the CPU kernel through the public call, which
  allocates its output like the compositions do); ``fused_cpu_out``: the kernel writing into a
  reused output buffer, as ``memcpy_bound`` does. Their records name the ``kernel`` that ran
  (``avx512``, the C kernel, or ``numba``: :mod:`kernels.cpu`), and every CPU record the ``cpu``
  (its model name): the two kernels' times differ several-fold;
- ``fused_triton``: ``reswarp(impl="triton")`` on CUDA.

Each record names the warp's ``filter`` (``--filter bilinear,cubic,lanczos``); the copy bound
and the cv2 composite (bilinear, as ``cv2.remap`` with INTER_LINEAR) do not depend on it and are
measured once per size and mode.

The input is a scene-linear ``3×H×W`` float32 plate with an expression-like field on the 128 px
model grid (:func:`expression_field`, offsets up to a few model pixels, smooth) and a refinement
change over the face: the whole frame is the face crop, the worst case of a render.
"""
from __future__ import annotations

import math
import os

import numpy as np
import torch

from ..conventions import MotionField
from ..errors import ATWError
from ..filters import DEFAULT_FILTER
from ..reswarp import reswarp
from .measure import fresh_records, measure_here

CPU_IMPLS = ("memcpy_bound", "naive_torch", "cv2_remap", "fused_cpu", "fused_cpu_out")
#: On a GPU the CPU composite still runs (on the host's cores): the baseline issue 15 measures the
#: default filter against, timed in the same run as the Triton kernels.
CUDA_IMPLS = ("memcpy_bound", "naive_torch", "cv2_remap", "fused_triton")
#: Baselines that compute vanilla ResWarp in the delta formulation only.
VANILLA_DELTA_ONLY = ("cv2_remap", "fused_cpu_out")
#: Baselines whose work does not depend on the filter: measured once, under their own name.
FILTER_FREE = {"memcpy_bound": "none", "cv2_remap": "bilinear"}
DEFAULT_SIZES = "1024,2048x1080,3840x2160,7680x4320"
LO = 128


def parse_size(text: str) -> tuple[int, int]:
    """``"3840x2160"`` → ``(2160, 3840)`` (H, W); ``"1024"`` → a square.

    >>> parse_size("3840x2160"), parse_size("1024")
    ((2160, 3840), (1024, 1024))
    """
    w, _, h = text.lower().partition("x")
    return (int(h or w), int(w))


def size_text(hw: tuple[int, int]) -> str:
    return f"{hw[1]}x{hw[0]}"


def expression_field(lo: int = LO, amplitude: float = 3.0) -> MotionField:
    """A smooth backward field like an expression's on a ``lo×lo`` face grid (``1×2×lo×lo``).

    Mouth corners pulled up and out, brows raised, the jaw dropped: Gaussian bumps of up to
    ``amplitude`` model pixels, zero far from the features (as a real face field is).
    """
    y, x = torch.meshgrid(torch.linspace(0, 1, lo), torch.linspace(0, 1, lo), indexing="ij")

    def bump(cx, cy, r):
        return torch.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))

    # Backward field: a feature moving by +d samples from -d.
    u = (bump(0.36, 0.70, 0.07) - bump(0.64, 0.70, 0.07)) * 0.6 * amplitude
    v = ((bump(0.36, 0.70, 0.07) + bump(0.64, 0.70, 0.07)) * 0.8
         + (bump(0.35, 0.33, 0.08) + bump(0.65, 0.33, 0.08)) * 0.7
         - bump(0.5, 0.85, 0.12) * 1.0) * amplitude
    return MotionField(torch.stack([u, v])[None])


def refinement_change(lo: int = LO) -> torch.Tensor:
    """A small smooth linear-light change over the mouth (``1×3×lo×lo``), like a refinement's."""
    y, x = torch.meshgrid(torch.linspace(0, 1, lo), torch.linspace(0, 1, lo), indexing="ij")
    blob = torch.exp(-((x - 0.5) ** 2 + (y - 0.72) ** 2) / (2 * 0.1 ** 2))
    return (blob * torch.tensor([0.03, 0.015, 0.01]).view(3, 1, 1))[None]


def _setup(hw, impl, device, method, formulation, filter=DEFAULT_FILTER):
    """Inputs for one measurement and the call to time (returned as a closure)."""
    h, w = hw
    gen = torch.Generator().manual_seed(0)
    plate = (torch.rand(1, 3, h, w, generator=gen) * 4).to(device)  # scene-linear, up to 4
    flow = MotionField(expression_field().px.to(device))
    delta = refinement_change().to(device)
    kwargs = dict(method=method, formulation=formulation, filter=filter)
    if impl == "memcpy_bound":
        buffer = torch.empty_like(plate)
        return lambda: buffer.copy_(plate)
    if impl == "naive_torch":
        return lambda: reswarp(plate, flow, delta, impl="ref", **kwargs)
    if impl == "fused_cpu":
        return lambda: reswarp(plate, flow, delta, impl="cpu", **kwargs)
    if impl == "fused_triton":
        return lambda: reswarp(plate, flow, delta, impl="triton", **kwargs)
    if impl == "fused_cpu_out":
        from kernels.buffers import empty
        from kernels.cpu import reswarp_level

        if method != "vanilla":
            raise ValueError("fused_cpu_out measures the vanilla kernel")
        plate_np, out = plate[0].numpy(), empty((3, h, w))
        flow_np, delta_np = flow.px[0].numpy(), delta[0].numpy()
        return lambda: reswarp_level(plate_np, flow_np, formulation=formulation, filter=filter,
                                     delta=delta_np, out=out)
    if impl == "cv2_remap":
        return _cv2_setup(plate, flow, delta)
    raise ValueError(f"unknown implementation {impl!r}")


def _cv2_setup(plate, flow, delta):
    """Vanilla delta-formulation ResWarp composed from OpenCV calls, on ``H×W×C`` arrays (on the
    CPU whatever the device the inputs were made on)."""
    import cv2

    _, _, h, w = plate.shape
    hwc = np.ascontiguousarray(plate[0].permute(1, 2, 0).cpu().numpy())  # 1×3×H×W -> H×W×3
    u_lo, v_lo = (flow.px[0, k].cpu().numpy() for k in (0, 1))
    delta_lo = np.ascontiguousarray(delta[0].permute(1, 2, 0).cpu().numpy())
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    sx, sy = np.float32(w / LO), np.float32(h / LO)

    def run():
        # cv2.resize INTER_LINEAR uses half-pixel centres and clamps: the reference's Up.
        map_x = cv2.resize(u_lo, (w, h), interpolation=cv2.INTER_LINEAR) * sx + grid_x
        map_y = cv2.resize(v_lo, (w, h), interpolation=cv2.INTER_LINEAR) * sy + grid_y
        out = cv2.remap(hwc, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        out += cv2.resize(delta_lo, (w, h), interpolation=cv2.INTER_LINEAR)
        return out
    return run


def device_name(device: str) -> str:
    """``"cpu"`` or ``"cuda:0 (<name>)"`` for the records."""
    if not device.startswith("cuda"):
        return "cpu"
    index = torch.device(device).index or 0
    return f"cuda:{index} ({torch.cuda.get_device_name(index)})"


def measure_impl(hw, impl, device, threads, method, formulation, filter, min_seconds):
    """One record, measured in this process (run it in a fresh one: :func:`bench_reswarp`)."""
    torch.set_num_threads(threads)
    try:
        import cv2
        import numba

        cv2.setNumThreads(threads)
        numba.set_num_threads(threads)
    except ImportError:
        pass
    _setup((64, 96), impl, device, method, formulation, filter)()  # compile / load kernels
    m = measure_here(lambda: _setup(hw, impl, device, method, formulation, filter), device,
                     min_seconds=min_seconds)
    in_out_mb = 2 * 3 * hw[0] * hw[1] * 4 / 2**20
    record = {"size": size_text(hw), "impl": impl, "device": device_name(device),
              "method": method, "formulation": formulation,
              "filter": FILTER_FREE.get(impl, filter), "threads": threads,
              "ms_per_frame": round(m.ms_per_frame, 3), "ms_min": round(m.ms_min, 3),
              "reps": m.reps, "peak_mb": round(m.peak_mb, 1), "in_out_mb": round(in_out_mb, 1),
              "cpu": cpu_model()}
    if impl in ("fused_cpu", "fused_cpu_out"):
        from kernels.cpu import native

        record["kernel"] = "avx512" if native(*hw) else "numba"  # (the finest level's)
    return record


def cpu_model() -> str:
    """This machine's CPU model name (``/proc/cpuinfo``; the platform's processor elsewhere)."""
    import platform

    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def bench_reswarp(sizes, *, device="cpu", impls=None, threads=None, method="vanilla",
                  formulation="delta", filter=DEFAULT_FILTER, min_seconds=1.0,
                  progress=print) -> list[dict]:
    """Measure every implementation at every size (and every ``method``, ``formulation`` and
    ``filter`` when given lists), each in a fresh process; filter-free baselines once."""
    threads = threads or len(os.sched_getaffinity(0))
    known = CUDA_IMPLS if device.startswith("cuda") else CPU_IMPLS
    impls = impls or known
    unknown = [i for i in impls if i not in known]
    if unknown:
        raise ATWError(f"unknown implementation {unknown[0]!r} for {device}; expected any of "
                       f"{', '.join(known)}")
    methods = [method] if isinstance(method, str) else list(method)
    formulations = [formulation] if isinstance(formulation, str) else list(formulation)
    filters = [filter] if isinstance(filter, str) else list(filter)
    cases = [(hw, impl, device, threads, m, f, k, min_seconds)
             for hw in sizes for m in methods for f in formulations for impl in impls
             for k in ([filters[0]] if impl in FILTER_FREE else filters)
             if impl not in VANILLA_DELTA_ONLY or (m, f) == ("vanilla", "delta")]
    return fresh_records(measure_impl, cases, progress=progress)


def _case(record: dict) -> tuple[str, str, str]:
    """``(size, method, formulation)`` of a record (older records: vanilla, delta)."""
    return (record["size"], record.get("method", "vanilla"), record.get("formulation", "delta"))


def summary(records: list[dict]) -> str:
    """A table per size and ResWarp mode: ms, speed-up of ours over each baseline, time against
    the same implementation's bilinear, peak / (input + output)."""
    lines = []
    for case in dict.fromkeys(_case(r) for r in records):
        rows = {(r["impl"], r.get("filter", "bilinear")): r for r in records if _case(r) == case}
        by_impl = {impl: r for (impl, _), r in rows.items()}  # the filter-free baselines
        first = next(iter(rows.values()))
        lines.append(f"{' '.join(case)} ({first['device']}"
                     + (f", {first['cpu']}" if "cpu" in first else "") + "):")
        for (impl, filter), r in rows.items():
            ratios = [f"{by_impl[b]['ms_per_frame'] / r['ms_per_frame']:.2f}× vs {b}"
                      for b in ("cv2_remap",) if b in by_impl and b != impl]
            if (impl, "bilinear") in rows and filter not in ("bilinear", "none"):
                ratios.append(f"{r['ms_per_frame'] / rows[impl, 'bilinear']['ms_per_frame']:.2f}×"
                              " the time of its bilinear")
            if "memcpy_bound" in by_impl and impl != "memcpy_bound":
                ratios.append(f"{r['ms_per_frame'] / by_impl['memcpy_bound']['ms_per_frame']:.1f}×"
                              " the copy bound")
            peak = r["peak_mb"] / r["in_out_mb"] if r["in_out_mb"] else math.nan
            name = impl + (f" ({r['kernel']})" if "kernel" in r else "")
            lines.append(f"  {name:<22} {filter:<9} {r['ms_per_frame']:9.2f} ms  peak "
                         f"{r['peak_mb']:8.1f} MB ({peak:.2f}× in+out)  " + ", ".join(ratios))
    return "\n".join(lines)
