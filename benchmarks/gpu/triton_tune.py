"""Time the fused Triton ResWarp (delta formulation) under launch shapes.

A shape is ``block:warps`` or ``block:warps:registers`` (Triton's ``maxnreg``: the registers a
thread may hold; the compiler spills the rest). Run on a lent GPU (``python3
benchmarks/gpu/triton_tune.py --json OUT``): one line per case, timed by
``triton.testing.do_bench`` (the kernel alone), and its ratio to bilinear under the same shape.
``--check`` compares every case with the kernel at 256 px / 4 warps (run it with
``TRITON_INTERPRET=1`` on a small ``--size`` to check without a GPU). Variants of the kernel
measured with it and not kept (benchmarks/results/gpu/RUN.md): the channels as a tensor
dimension (run 2; the script at commit 5a268e4 has it) and one channel per program (run 3).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
import triton

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from atw_ofx.bench.reswarp import expression_field, refinement_change  # noqa: E402
from kernels import triton_reswarp as shipped  # noqa: E402
from kernels.filters import KINDS, TAPS  # noqa: E402


def run_case(plate, flow, delta, filter, block, warps, registers=None):
    """The shipped delta kernel's output for one filter and launch shape."""
    n, c, h, w = plate.shape
    out = torch.empty_like(plate)
    lo_h, lo_w = flow.shape[-2:]
    kind = KINDS[filter]
    grid = (triton.cdiv(w, block), h, n)
    shipped._delta_kernel[grid](plate, flow, delta, out, c, h, w, lo_h, lo_w, *delta.shape[-2:],
                                HAS_DELTA=True, KIND=kind, TAPS=TAPS[kind], BLOCK=block,
                                **shipped.launch_options(warps, registers))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="3840x2160")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--shapes", default="256:4,64:2,32:1,32:1:72,64:2:64")
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
    for shape in args.shapes.split(","):
        block, warps, *registers = map(int, shape.split(":"))  # block:warps[:maxnreg]
        registers = registers[0] if registers else None
        times = {}
        for filter in args.filters.split(","):
            def call():
                return run_case(plate, flow, delta, filter, block, warps, registers)
            try:
                out = call()
                if args.check:
                    ref = run_case(plate, flow, delta, filter, 256, 4)
                    error = float((out - ref).abs().max())
                else:
                    error = None
                ms = (triton.testing.do_bench(call, warmup=25, rep=200)
                      if args.device == "cuda" else float("nan"))
            except Exception as exc:  # a shape that cannot compile: say so, go on
                print(f"{shape} {filter}: {type(exc).__name__}: {exc}"[:300], flush=True)
                continue
            times[filter] = ms
            ratio = ms / times["bilinear"] if "bilinear" in times else float("nan")
            records.append(dict(block=block, warps=warps, registers=registers, filter=filter,
                                ms=ms, ratio_to_bilinear=ratio, max_error=error))
            print(f"block {block:4d} warps {warps} registers {registers} {filter:9s} "
                  f"{ms:7.3f} ms ×{ratio:5.2f} error {error}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(dict(size=args.size, records=records), indent=1))


if __name__ == "__main__":
    main()
