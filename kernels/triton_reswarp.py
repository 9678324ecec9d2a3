"""Fused ResWarp in Triton (CUDA; on the CPU through Triton's interpreter, ``TRITON_INTERPRET=1``).

Why Triton: one program per run of output pixels along a row computes everything a pixel needs
— the up-sampled field from the model grid (an L2-resident 128 px image), the four plate taps at
the displaced position, the up-sampled low-resolution terms — and writes the pixel once. Nothing
full-resolution is stored but the output, so GPU memory stays flat in resolution and the kernel
is bound by one read and one write of the plate (``atw bench reswarp`` measures the copy bound).
Rows of one image are independent programs, so there is no tile halo to manage: each program
reads the plate rows its sources fall in, wherever they are.

Conventions are the reference's (:mod:`atw_ofx.reswarp`): ``Up`` is bilinear with half-pixel
centres and edge clamp; warps sample in index space with border clamping; a pixel whose
up-sampled offset is exactly zero (and that gets no refinement change) is the plate's own value.
Arithmetic is float32 for every input dtype (float16/bfloat16 plates are read and written in
their own type); results match the reference to float32 rounding, not bit for bit.
"""
from __future__ import annotations

import os

import torch
import triton
import triton.language as tl

#: Output pixels per program (one row segment); a multiple of the warp width.
BLOCK = 256
DTYPES = (torch.float32, torch.float16, torch.bfloat16)


#: Whether this module's kernels run in Triton's CPU interpreter: decided when ``@triton.jit``
#: wraps them, i.e. by ``TRITON_INTERPRET`` at import.
INTERPRETED = os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


def unavailable(tensor: torch.Tensor) -> str | None:
    """Why this kernel cannot take ``tensor``, or None when it can."""
    if tensor.device.type != "cuda" and not INTERPRETED:
        return "the Triton kernel needs a CUDA tensor (or TRITON_INTERPRET=1)"
    if tensor.dtype not in DTYPES:
        return f"the Triton kernel takes {', '.join(map(str, DTYPES))}, not {tensor.dtype}"
    return None


@triton.jit
def _taps(pos, scale, size):
    """Bilinear up-sampling taps of output index ``pos`` on a grid of ``size``: (i0, i1, w1)."""
    src = tl.maximum((pos.to(tl.float32) + 0.5) * scale - 0.5, 0.0)
    i0 = tl.minimum(tl.floor(src).to(tl.int32), size - 1)
    return i0, tl.minimum(i0 + 1, size - 1), src - i0.to(tl.float32)


@triton.jit
def _bilinear(ptr, y0, y1, wy, x0, x1, wx, stride, mask):
    """Bilinear value of the plane at ``ptr`` (row ``stride``) from row taps y and column taps x."""
    top_a = tl.load(ptr + y0 * stride + x0, mask=mask, other=0.0).to(tl.float32)
    top_b = tl.load(ptr + y0 * stride + x1, mask=mask, other=0.0).to(tl.float32)
    bot_a = tl.load(ptr + y1 * stride + x0, mask=mask, other=0.0).to(tl.float32)
    bot_b = tl.load(ptr + y1 * stride + x1, mask=mask, other=0.0).to(tl.float32)
    top = top_a + wx * (top_b - top_a)
    bottom = bot_a + wx * (bot_b - bot_a)
    return top + wy * (bottom - top)


@triton.jit
def _source(flow_ptr, i, j, mask, h, w, lo_h, lo_w, fsy, fsx):
    """Where output pixels ``(i, j)`` sample the plate: taps, weights, and whether they moved."""
    fy0, fy1, fwy = _taps(i, fsy, lo_h)
    fx0, fx1, fwx = _taps(j, fsx, lo_w)
    u = _bilinear(flow_ptr, fy0, fy1, fwy, fx0, fx1, fwx, lo_w, mask) * (w / lo_w)
    v = _bilinear(flow_ptr + lo_h * lo_w, fy0, fy1, fwy, fx0, fx1, fwx, lo_w, mask) * (h / lo_h)
    # Sizes of 1 arrive as compile-time constants (Triton specialises them): keep them scalars.
    x = tl.minimum(tl.maximum(j.to(tl.float32) + u, 0.0), w * 1.0 - 1.0)
    y = tl.minimum(tl.maximum(i.to(tl.float32) + v, 0.0), h * 1.0 - 1.0)
    xa = tl.floor(x).to(tl.int32)
    ya = tl.floor(y).to(tl.int32)
    return (ya, tl.minimum(ya + 1, h - 1), y - ya.to(tl.float32),
            xa, tl.minimum(xa + 1, w - 1), x - xa.to(tl.float32), (u == 0.0) & (v == 0.0))


@triton.jit
def _row_segment(flow_ptr, h, w, lo_h, lo_w, BLOCK: tl.constexpr):
    """This program's pixels — row ``i`` of image ``n``, columns ``j`` — and their sources."""
    i = tl.program_id(1)
    n = tl.program_id(2).to(tl.int64)
    j = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = j < w
    ya, yb, ay, xa, xb, ax, still = _source(flow_ptr + n * 2 * lo_h * lo_w, i, j, mask, h, w,
                                            lo_h, lo_w, lo_h / h, lo_w / w)
    return i, n, j, mask, ya, yb, ay, xa, xb, ax, still


@triton.jit
def _delta_kernel(plate_ptr, flow_ptr, delta_ptr, out_ptr, c_n, h, w, lo_h, lo_w, d_h, d_w,
                  HAS_DELTA: tl.constexpr, BLOCK: tl.constexpr):
    """``out = Warp(plate, Up(flow)) + Up(delta)``; program (segment, row, image)."""
    i, n, j, mask, ya, yb, ay, xa, xb, ax, still = _row_segment(flow_ptr, h, w, lo_h, lo_w,
                                                                BLOCK)
    if HAS_DELTA:
        dy0, dy1, dwy = _taps(i, d_h / h, d_h)
        dx0, dx1, dwx = _taps(j, d_w / w, d_w)
    plane = h * w
    for c in range(c_n):
        src = plate_ptr + (n * c_n + c) * plane
        own = tl.load(src + i * w + j, mask=mask, other=0.0)
        moved = _bilinear(src, ya, yb, ay, xa, xb, ax, w, mask)
        # A still pixel is the plate's own value, bit-exactly (a zero-weight lerp would turn
        # -0.0 into +0.0 and an Inf neighbour into NaN).
        value = tl.where(still, own.to(tl.float32), moved)
        if HAS_DELTA:
            d = _bilinear(delta_ptr + (n * c_n + c) * d_h * d_w, dy0, dy1, dwy, dx0, dx1, dwx,
                          d_w, mask)
            value = tl.where(d != 0.0, value + d, value)  # +0.0 would flip a -0.0
        tl.store(out_ptr + (n * c_n + c) * plane + i * w + j, value.to(own.dtype), mask=mask)


@triton.jit
def _paper_kernel(plate_ptr, flow_ptr, low_ptr, base_ptr, out_ptr, c_n, h, w, lo_h, lo_w,
                  b_h, b_w, BLOCK: tl.constexpr):
    """``out = Up(low) + Warp(plate − Up(base), Up(flow))``; ``low`` and ``base`` on one grid.

    The residual is never stored: each of the four taps subtracts ``Up(base)`` at its own pixel.
    """
    i, n, j, mask, ya, yb, ay, xa, xb, ax, _ = _row_segment(flow_ptr, h, w, lo_h, lo_w, BLOCK)
    sy, sx = b_h / h, b_w / w
    # Up(base) taps at the output pixel and at the four source rows/columns.
    oy0, oy1, owy = _taps(i, sy, b_h)
    ox0, ox1, owx = _taps(j, sx, b_w)
    ay0, ay1, awy = _taps(ya, sy, b_h)
    by0, by1, bwy = _taps(yb, sy, b_h)
    ax0, ax1, awx = _taps(xa, sx, b_w)
    bx0, bx1, bwx = _taps(xb, sx, b_w)
    plane = h * w
    for c in range(c_n):
        src = plate_ptr + (n * c_n + c) * plane
        grid = (n * c_n + c) * b_h * b_w
        base = base_ptr + grid
        r_aa = tl.load(src + ya * w + xa, mask=mask, other=0.0).to(tl.float32) \
            - _bilinear(base, ay0, ay1, awy, ax0, ax1, awx, b_w, mask)
        r_ab = tl.load(src + ya * w + xb, mask=mask, other=0.0).to(tl.float32) \
            - _bilinear(base, ay0, ay1, awy, bx0, bx1, bwx, b_w, mask)
        r_ba = tl.load(src + yb * w + xa, mask=mask, other=0.0).to(tl.float32) \
            - _bilinear(base, by0, by1, bwy, ax0, ax1, awx, b_w, mask)
        r_bb = tl.load(src + yb * w + xb, mask=mask, other=0.0).to(tl.float32) \
            - _bilinear(base, by0, by1, bwy, bx0, bx1, bwx, b_w, mask)
        top = r_aa + ax * (r_ab - r_aa)
        bottom = r_ba + ax * (r_bb - r_ba)
        residual = top + ay * (bottom - top)
        coarse = _bilinear(low_ptr + grid, oy0, oy1, owy, ox0, ox1, owx, b_w, mask)
        tl.store(out_ptr + (n * c_n + c) * plane + i * w + j,
                 (coarse + residual).to(out_ptr.dtype.element_ty), mask=mask)


def reswarp_level(plate: torch.Tensor, flow: torch.Tensor, *, formulation: str,
                  delta: torch.Tensor | None = None, low: torch.Tensor | None = None,
                  base: torch.Tensor | None = None, out: torch.Tensor | None = None
                  ) -> torch.Tensor:
    """One fused ResWarp level for a batch (vanilla ResWarp, or one step of multiscale).

    Args:
        plate: ``N×C×H×W`` float32/float16/bfloat16 (the full-resolution crop, linear light).
        flow: ``N×2×h×w`` backward field in pixels of its own ``h×w`` grid (any float dtype).
        formulation: ``"delta"``: ``Warp(plate, Up(flow)) + Up(delta)``, ``delta`` = ``N×C×h'×w'``
            on any grid, or None; ``"paper"``: ``Up(low) + Warp(plate − Up(base), Up(flow))``,
            ``low`` and ``base`` = ``N×C×h'×w'`` on one grid (``base`` = Down(plate)).
        out: optional ``N×C×H×W`` contiguous buffer of the plate's dtype.

    Returns:
        ``N×C×H×W`` in the plate's dtype (``out`` when given).
    """
    n, c, h, w = plate.shape
    plate = plate.contiguous()
    flow = flow.float().contiguous()
    out = torch.empty_like(plate, memory_format=torch.contiguous_format) if out is None else out
    lo_h, lo_w = flow.shape[-2:]
    grid = (triton.cdiv(w, BLOCK), h, n)
    if formulation == "delta":
        terms = plate if delta is None else delta.float().contiguous()  # unread without delta
        _delta_kernel[grid](plate, flow, terms, out, c, h, w, lo_h, lo_w, *terms.shape[-2:],
                            HAS_DELTA=delta is not None, BLOCK=BLOCK)
    else:
        low, base = low.float().contiguous(), base.float().contiguous()
        _paper_kernel[grid](plate, flow, low, base, out, c, h, w, lo_h, lo_w, *low.shape[-2:],
                            BLOCK=BLOCK)
    return out
