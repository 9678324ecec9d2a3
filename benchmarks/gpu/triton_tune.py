"""Time the fused Triton ResWarp (delta formulation) under launch shapes and one kernel variant.

A shape is ``block:warps`` or ``block:warps:registers`` (Triton's ``maxnreg``: the registers a
thread may hold; the compiler spills the rest).

Run on a lent GPU (``python3 benchmarks/gpu/triton_tune.py --json OUT``); prints one line per case
and the ratio to bilinear under the same shape. The variant (``planes``) carries the channels as a
tensor dimension, so each tap's position, clamp and weight are computed once for every channel
rather than once per channel. ``--check`` compares every case with the shipped kernel (run it
with ``TRITON_INTERPRET=1`` on a small ``--size`` to check the variant without a GPU).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
import triton
import triton.language as tl

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from atw_ofx.bench.reswarp import expression_field, refinement_change  # noqa: E402
from kernels import triton_reswarp as shipped  # noqa: E402
from kernels.filters import KINDS, TAPS  # noqa: E402
from kernels.triton_reswarp import (  # noqa: E402
    OVERSHOOT, _row_segment, _taps, _weight, _weight_sums)


@triton.jit
def _filtered_planes(src, ya, xa, fy, fx, h, w, mask, KIND: tl.constexpr, TAPS: tl.constexpr):
    """``kernels.triton_reswarp._filtered`` (no base) for ``CP2×BLOCK`` values: ``src`` is a
    ``CP2×1`` block of plane pointers, positions and fractions are per pixel (``BLOCK``)."""
    CENTRE: tl.constexpr = TAPS // 2 - 1
    total_x, total_y = _weight_sums(fx, fy, KIND, TAPS)
    inv_x = 1.0 / total_x
    inv_y = 1.0 / total_y
    value = tl.zeros(mask.shape, tl.float32)
    centre_row = tl.zeros(mask.shape, tl.float32)
    a = tl.zeros(mask.shape, tl.float32)
    b = tl.zeros(mask.shape, tl.float32)
    c = tl.zeros(mask.shape, tl.float32)
    d = tl.zeros(mask.shape, tl.float32)
    for ky in tl.static_range(TAPS):
        row = tl.minimum(tl.maximum(ya + (ky - CENTRE), 0), h - 1) * w
        across = tl.zeros(mask.shape, tl.float32)
        own_column = tl.zeros(mask.shape, tl.float32)
        for kx in tl.static_range(TAPS):
            xx = tl.minimum(tl.maximum(xa + (kx - CENTRE), 0), w - 1)
            tap = tl.load(src + (row + xx)[None, :], mask=mask, other=0.0).to(tl.float32)
            across += (_weight(fx, kx - CENTRE, KIND) * inv_x)[None, :] * tap
            if kx == CENTRE:
                own_column = tap
                if ky == CENTRE:
                    a = tap
                if ky == CENTRE + 1:
                    c = tap
            if kx == CENTRE + 1:
                if ky == CENTRE:
                    b = tap
                if ky == CENTRE + 1:
                    d = tap
        across = tl.where((fx == 0.0)[None, :], own_column, across)
        if ky == CENTRE:
            centre_row = across
        value += (_weight(fy, ky - CENTRE, KIND) * inv_y)[None, :] * across
    value = tl.where((fy == 0.0)[None, :], centre_row, value)
    low = tl.minimum(tl.minimum(a, b), tl.minimum(c, d))
    high = tl.maximum(tl.maximum(a, b), tl.maximum(c, d))
    slack = OVERSHOOT * (high - low)
    floor = tl.where(low >= 0.0, tl.maximum(low - slack, 0.0), low - slack)
    ceiling = high + slack
    value = tl.where(value < floor, floor, tl.where(value > ceiling, ceiling, value))
    top = a + fx[None, :] * (b - a)
    bottom = c + fx[None, :] * (d - c)
    return tl.where(value != value, top + fy[None, :] * (bottom - top), value)


@triton.jit
def _delta_planes_kernel(plate_ptr, flow_ptr, delta_ptr, out_ptr, h, w, lo_h, lo_w, d_h, d_w,
                         C: tl.constexpr, CP2: tl.constexpr, HAS_DELTA: tl.constexpr,
                         KIND: tl.constexpr, TAPS: tl.constexpr, BLOCK: tl.constexpr):
    """``kernels.triton_reswarp._delta_kernel`` with the channels as a tensor dimension."""
    i, n, j, mask, ya, yb, ay, xa, xb, ax, still = _row_segment(flow_ptr, h, w, lo_h, lo_w,
                                                                BLOCK)
    channel = tl.arange(0, CP2)[:, None]
    both = (channel < C) & mask[None, :]
    plane = h * w
    src = plate_ptr + (n * C + channel) * plane
    own = tl.load(src + (i * w + j)[None, :], mask=both, other=0.0)
    if KIND == 0:
        aa = tl.load(src + (ya * w + xa)[None, :], mask=both, other=0.0).to(tl.float32)
        ab = tl.load(src + (ya * w + xb)[None, :], mask=both, other=0.0).to(tl.float32)
        ba = tl.load(src + (yb * w + xa)[None, :], mask=both, other=0.0).to(tl.float32)
        bb = tl.load(src + (yb * w + xb)[None, :], mask=both, other=0.0).to(tl.float32)
        top = aa + ax[None, :] * (ab - aa)
        bottom = ba + ax[None, :] * (bb - ba)
        moved = top + ay[None, :] * (bottom - top)
    else:
        moved = _filtered_planes(src, ya, xa, ay, ax, h, w, both, KIND=KIND, TAPS=TAPS)
    value = tl.where(still[None, :], own.to(tl.float32), moved)
    if HAS_DELTA:
        dy0, dy1, dwy = _taps(i, d_h / h, d_h)
        dx0, dx1, dwx = _taps(j, d_w / w, d_w)
        grid = delta_ptr + (n * C + channel) * d_h * d_w
        d_aa = tl.load(grid + (dy0 * d_w + dx0)[None, :], mask=both, other=0.0)
        d_ab = tl.load(grid + (dy0 * d_w + dx1)[None, :], mask=both, other=0.0)
        d_ba = tl.load(grid + (dy1 * d_w + dx0)[None, :], mask=both, other=0.0)
        d_bb = tl.load(grid + (dy1 * d_w + dx1)[None, :], mask=both, other=0.0)
        top = d_aa + dwx[None, :] * (d_ab - d_aa)
        bottom = d_ba + dwx[None, :] * (d_bb - d_ba)
        d = top + dwy * (bottom - top)  # the row taps are the program's: scalars
        value = tl.where(d != 0.0, value + d, value)
    tl.store(out_ptr + (n * C + channel) * plane + (i * w + j)[None, :],
             value.to(own.dtype), mask=both)


def run_case(plate, flow, delta, filter, variant, block, warps, registers=None):
    n, c, h, w = plate.shape
    out = torch.empty_like(plate)
    lo_h, lo_w = flow.shape[-2:]
    kind = KINDS[filter]
    grid = (triton.cdiv(w, block), h, n)
    launch = dict(num_warps=warps) if registers is None else dict(num_warps=warps,
                                                                  maxnreg=registers)
    if variant == "shipped":
        shipped._delta_kernel[grid](plate, flow, delta, out, c, h, w, lo_h, lo_w,
                                    *delta.shape[-2:], HAS_DELTA=True, KIND=kind,
                                    TAPS=TAPS[kind], BLOCK=block, **launch)
    else:
        _delta_planes_kernel[grid](plate, flow, delta, out, h, w, lo_h, lo_w, *delta.shape[-2:],
                                   C=c, CP2=triton.next_power_of_2(c), HAS_DELTA=True,
                                   KIND=kind, TAPS=TAPS[kind], BLOCK=block, num_warps=warps)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="3840x2160")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--shapes", default="256:4,128:4,128:2,512:8,256:8,64:2")
    parser.add_argument("--variants", default="shipped,planes")
    parser.add_argument("--filters", default="bilinear,cubic,lanczos")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    w, h = map(int, args.size.split("x"))
    gen = torch.Generator().manual_seed(0)
    plate = (torch.rand(1, 3, h, w, generator=gen) * 4).to(args.device)
    flow = expression_field().px.float().contiguous().to(args.device)
    delta = refinement_change().float().contiguous().to(args.device)
    records = []
    for variant in args.variants.split(","):
        for shape in args.shapes.split(","):
            block, warps, *registers = map(int, shape.split(":"))  # block:warps[:maxnreg]
            registers = registers[0] if registers else None
            times = {}
            for filter in args.filters.split(","):
                def call():
                    return run_case(plate, flow, delta, filter, variant, block, warps,
                                    registers)
                try:
                    out = call()
                    if args.check:
                        ref = run_case(plate, flow, delta, filter, "shipped", 256, 4)
                        error = float((out - ref).abs().max())
                    else:
                        error = None
                    ms = (triton.testing.do_bench(call, warmup=25, rep=200)
                          if args.device == "cuda" else float("nan"))
                except Exception as exc:  # a shape a variant cannot compile: say so, go on
                    print(f"{variant} {shape} {filter}: {type(exc).__name__}: {exc}"[:300],
                          flush=True)
                    continue
                times[filter] = ms
                ratio = ms / times["bilinear"] if "bilinear" in times else float("nan")
                records.append(dict(variant=variant, block=block, warps=warps,
                                    registers=registers, filter=filter, ms=ms,
                                    ratio_to_bilinear=ratio, max_error=error))
                print(f"{variant:8s} block {block:4d} warps {warps} registers {registers} "
                      f"{filter:9s} {ms:7.3f} ms ×{ratio:5.2f} error {error}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(dict(size=args.size, records=records), indent=1))


if __name__ == "__main__":
    main()
