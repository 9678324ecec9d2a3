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
The warp samples with the chosen filter (:mod:`atw_ofx.filters`: bilinear, Keys cubic, Lanczos-3
held near the 2×2 footprint's range; an axis with a zero fraction takes the tap itself).
Arithmetic is float32 for every input dtype (float16/bfloat16 plates are read and written in
their own type); results match the reference to float32 rounding, not bit for bit.
"""
from __future__ import annotations

import os

import torch
import triton
import triton.language as tl

from kernels import filters
from kernels.filters import KINDS, TAPS

#: Output pixels per program (one row segment), warps per program, and the registers a thread
#: of the delta kernel may hold (Triton's ``maxnreg``; None: as the compiler chooses), by filter
#: kind. Measured on an H200 at 4K (``benchmarks/gpu/triton_tune.py``, benchmarks/results/gpu/
#: run4): bilinear is fastest with two pixels per thread (256, 4 warps: 0.136 ms); a filtered
#: sample's 16 or 36 taps at one pixel per thread (32 px, 1 warp) and 72 registers: cubic
#: 0.255 ms, Lanczos 0.399 (uncapped 0.29 / 0.52 — the compiler took 96 / 168 registers, most
#: for the clamped path's tap addresses, which the unclamped inner path does not need: the cap
#: spills them there, in the plate's few border programs). One channel per program instead was
#: slower for every filter (run3). The paper formulation's kernel is not capped (not measured).
LAUNCH = {filters.BILINEAR: (256, 4, None), filters.CUBIC: (32, 1, 72),
          filters.LANCZOS: (32, 1, 72)}
DTYPES = (torch.float32, torch.float16, torch.bfloat16)
OVERSHOOT: tl.constexpr = tl.constexpr(filters.OVERSHOOT)


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
def _weight(f, K: tl.constexpr, KIND: tl.constexpr):
    """Unnormalised weight of tap ``K`` (``1 − r … r``) at fraction ``f`` in (0, 1): Keys'
    cubic (a = −0.5), or Lanczos-3 without its factor common to all taps (``kernels.cpu``'s
    ``_tap_weights`` derives it: ``(sin(πf/3)·c_K − cos(πf/3)·s_K) / (f − K)²``)."""
    d = f - K
    if KIND == 1:
        d = tl.abs(d)
        near = ((1.5 * d - 2.5) * d) * d + 1.0
        far = ((-0.5 * d + 2.5) * d - 4.0) * d + 2.0
        return tl.where(d < 1.0, near, far)
    else:
        angle = f * 1.0471975511965976  # π/3
        if K == 0 or K == 3:
            c_k, s_k = 1.0, 0.0
        elif K == -2 or K == 1:
            c_k, s_k = -0.5, -0.8660254037844386
        else:
            c_k, s_k = -0.5, 0.8660254037844386
        # A zero fraction's weights are unused (the tap itself is taken): keep them finite.
        return (tl.sin(angle) * c_k - tl.cos(angle) * s_k) / tl.maximum(d * d, 1e-30)


@triton.jit
def _weight_sums(fx, fy, KIND: tl.constexpr, TAPS: tl.constexpr):
    """The sums of a sample's unnormalised weights along x and along y (each per pixel)."""
    CENTRE: tl.constexpr = TAPS // 2 - 1
    # (Sums start from ``f * 0`` rather than tl.zeros_like, a @jit function of Triton's own
    # that its interpreter cannot call when Triton was imported without TRITON_INTERPRET.)
    total_x = fx * 0.0
    total_y = fy * 0.0
    for k in tl.static_range(TAPS):
        total_x += _weight(fx, k - CENTRE, KIND)
        total_y += _weight(fy, k - CENTRE, KIND)
    return total_x, total_y


@triton.jit
def _plate_or_residual(src, base, yy, xx, w, b_h, b_w, sy, sx, mask, HAS_BASE: tl.constexpr):
    """The plate at ``(yy, xx)``, less ``Up(base)`` there when the paper kernel asks."""
    value = tl.load(src + yy * w + xx, mask=mask, other=0.0).to(tl.float32)
    if HAS_BASE:
        y0, y1, wy = _taps(yy, sy, b_h)
        x0, x1, wx = _taps(xx, sx, b_w)
        value = value - _bilinear(base, y0, y1, wy, x0, x1, wx, b_w, mask)
    return value


@triton.jit
def _filtered(src, base, ya, xa, fy, fx, h, w, b_h, b_w, sy, sx, mask,
              HAS_BASE: tl.constexpr, KIND: tl.constexpr, TAPS: tl.constexpr):
    """The filtered sample of the plate (or residual) whose tap ``k = 0`` is ``(ya, xa)``:
    taps beyond the border repeat the edge, an axis with a zero fraction takes the tap itself,
    held near the 2×2 footprint's range, a NaN sum replaced by the bilinear sample."""
    CENTRE: tl.constexpr = TAPS // 2 - 1
    total_x, total_y = _weight_sums(fx, fy, KIND, TAPS)
    value = fx * 0.0
    centre_row = fx * 0.0
    for ky in tl.static_range(TAPS):
        yy = tl.minimum(tl.maximum(ya + (ky - CENTRE), 0), h - 1)
        across = fx * 0.0
        for kx in tl.static_range(TAPS):
            xx = tl.minimum(tl.maximum(xa + (kx - CENTRE), 0), w - 1)
            across += _weight(fx, kx - CENTRE, KIND) / total_x * _plate_or_residual(
                src, base, yy, xx, w, b_h, b_w, sy, sx, mask, HAS_BASE)
        across = tl.where(fx == 0.0, _plate_or_residual(src, base, yy, xa, w, b_h, b_w, sy, sx,
                                                        mask, HAS_BASE), across)
        if ky == CENTRE:
            centre_row = across
        value += _weight(fy, ky - CENTRE, KIND) / total_y * across
    value = tl.where(fy == 0.0, centre_row, value)
    xb = tl.minimum(xa + 1, w - 1)  # the footprint, also where a fraction is zero (continuous)
    yb = tl.minimum(ya + 1, h - 1)
    a = _plate_or_residual(src, base, ya, xa, w, b_h, b_w, sy, sx, mask, HAS_BASE)
    b = _plate_or_residual(src, base, ya, xb, w, b_h, b_w, sy, sx, mask, HAS_BASE)
    c = _plate_or_residual(src, base, yb, xa, w, b_h, b_w, sy, sx, mask, HAS_BASE)
    d = _plate_or_residual(src, base, yb, xb, w, b_h, b_w, sy, sx, mask, HAS_BASE)
    return _held(value, a, b, c, d, fy, fx, HAS_BASE)


@triton.jit
def _lesser(a, b):
    return tl.minimum(a, b)


@triton.jit
def _greater(a, b):
    return tl.maximum(a, b)


@triton.jit
def _inside(ya, xa, h, w, TAPS: tl.constexpr):
    """Whether every tap of every pixel of the program lies inside the plate (no clamping).
    (Reduced with combine functions of this module's: tl.min and tl.max are @jit functions of
    Triton's own, which its interpreter cannot call; see ``_weight_sums``.)"""
    CENTRE: tl.constexpr = TAPS // 2 - 1
    return ((tl.reduce(xa, 0, _lesser) >= CENTRE)
            & (tl.reduce(xa, 0, _greater) + (TAPS - CENTRE - 1) <= w - 1)
            & (tl.reduce(ya, 0, _lesser) >= CENTRE)
            & (tl.reduce(ya, 0, _greater) + (TAPS - CENTRE - 1) <= h - 1))


@triton.jit
def _filtered_inside(src, ya, xa, fy, fx, w, mask, KIND: tl.constexpr, TAPS: tl.constexpr):
    """``_filtered`` of the plate (no base) where :func:`_inside` holds: each row's taps are
    read at constant offsets from one address (no clamp per tap), which is fewer instructions
    and far fewer registers than an address per tap."""
    CENTRE: tl.constexpr = TAPS // 2 - 1
    total_x, total_y = _weight_sums(fx, fy, KIND, TAPS)
    origin = src + ya * w + xa  # tap (0, 0) of each pixel
    value = fx * 0.0
    centre_row = fx * 0.0
    a = fx * 0.0
    b = fx * 0.0
    c = fx * 0.0
    d = fx * 0.0
    for ky in tl.static_range(TAPS):
        row = origin + (ky - CENTRE) * w
        across = fx * 0.0
        own_column = fx * 0.0
        for kx in tl.static_range(TAPS):
            tap = tl.load(row + (kx - CENTRE), mask=mask, other=0.0).to(tl.float32)
            across += _weight(fx, kx - CENTRE, KIND) / total_x * tap
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
        across = tl.where(fx == 0.0, own_column, across)
        if ky == CENTRE:
            centre_row = across
        value += _weight(fy, ky - CENTRE, KIND) / total_y * across
    value = tl.where(fy == 0.0, centre_row, value)
    return _held(value, a, b, c, d, fy, fx, HAS_BASE=False)


@triton.jit
def _held(value, a, b, c, d, fy, fx, HAS_BASE: tl.constexpr):
    """A filtered ``value`` held near its 2×2 footprint's (``a b / c d``) range, a NaN sum
    replaced by the footprint's bilinear sample."""
    low = tl.minimum(tl.minimum(a, b), tl.minimum(c, d))
    high = tl.maximum(tl.maximum(a, b), tl.maximum(c, d))
    slack = OVERSHOOT * (high - low)  # atw_ofx.filters.OVERSHOOT
    floor = low - slack
    if not HAS_BASE:  # a plate's positive footprint stays positive; a residual is signed
        floor = tl.where(low >= 0.0, tl.maximum(floor, 0.0), floor)
    ceiling = high + slack
    # Comparisons, not min/max: a NaN sum stays NaN here, and becomes the bilinear sample.
    value = tl.where(value < floor, floor, tl.where(value > ceiling, ceiling, value))
    top = a + fx * (b - a)
    bottom = c + fx * (d - c)
    return tl.where(value != value, top + fy * (bottom - top), value)

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
                  HAS_DELTA: tl.constexpr, KIND: tl.constexpr, TAPS: tl.constexpr,
                  BLOCK: tl.constexpr):
    """``out = Warp(plate, Up(flow)) + Up(delta)``; program (segment, row, image)."""
    i, n, j, mask, ya, yb, ay, xa, xb, ax, still = _row_segment(flow_ptr, h, w, lo_h, lo_w,
                                                                BLOCK)
    # Filtered programs whose taps all lie inside the plate (the common case) read them without
    # a clamp each; the choice is made once, outside the loop over channels, so that each loop
    # holds only its own addresses (in one loop both sets were live: more registers).
    if KIND != 0 and _inside(ya, xa, h, w, TAPS):
        for c in range(c_n):
            _delta_channel(plate_ptr, delta_ptr, out_ptr, n, c, c_n, h, w, d_h, d_w, i, j, mask,
                           ya, yb, ay, xa, xb, ax, still, HAS_DELTA, KIND, TAPS, INSIDE=True)
    else:
        for c in range(c_n):
            _delta_channel(plate_ptr, delta_ptr, out_ptr, n, c, c_n, h, w, d_h, d_w, i, j, mask,
                           ya, yb, ay, xa, xb, ax, still, HAS_DELTA, KIND, TAPS, INSIDE=False)


@triton.jit
def _delta_channel(plate_ptr, delta_ptr, out_ptr, n, c, c_n, h, w, d_h, d_w, i, j, mask,
                   ya, yb, ay, xa, xb, ax, still, HAS_DELTA: tl.constexpr, KIND: tl.constexpr,
                   TAPS: tl.constexpr, INSIDE: tl.constexpr):
    """Channel ``c`` of ``_delta_kernel``'s pixels ``(i, j)`` of image ``n`` (``INSIDE``: no tap
    of theirs needs a clamp)."""
    plane = h * w
    src = plate_ptr + (n * c_n + c) * plane
    own = tl.load(src + i * w + j, mask=mask, other=0.0)
    if KIND == 0:
        moved = _bilinear(src, ya, yb, ay, xa, xb, ax, w, mask)
    elif INSIDE:
        moved = _filtered_inside(src, ya, xa, ay, ax, w, mask, KIND=KIND, TAPS=TAPS)
    else:
        moved = _filtered(src, src, ya, xa, ay, ax, h, w, 1, 1, 1.0, 1.0, mask,
                          HAS_BASE=False, KIND=KIND, TAPS=TAPS)
    # A still pixel is the plate's own value, bit-exactly (a zero-weight lerp would turn
    # -0.0 into +0.0 and an Inf neighbour into NaN).
    value = tl.where(still, own.to(tl.float32), moved)
    if HAS_DELTA:
        dy0, dy1, dwy = _taps(i, d_h / h, d_h)
        dx0, dx1, dwx = _taps(j, d_w / w, d_w)
        d = _bilinear(delta_ptr + (n * c_n + c) * d_h * d_w, dy0, dy1, dwy, dx0, dx1, dwx,
                      d_w, mask)
        value = tl.where(d != 0.0, value + d, value)  # +0.0 would flip a -0.0
    tl.store(out_ptr + (n * c_n + c) * plane + i * w + j, value.to(own.dtype), mask=mask)


@triton.jit
def _paper_kernel(plate_ptr, flow_ptr, low_ptr, base_ptr, out_ptr, c_n, h, w, lo_h, lo_w,
                  b_h, b_w, KIND: tl.constexpr, TAPS: tl.constexpr, BLOCK: tl.constexpr):
    """``out = Up(low) + Warp(plate − Up(base), Up(flow))``; ``low`` and ``base`` on one grid.

    The residual is never stored: each tap subtracts ``Up(base)`` at its own pixel.
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
        coarse = _bilinear(low_ptr + grid, oy0, oy1, owy, ox0, ox1, owx, b_w, mask)
        if KIND != 0:
            residual = _filtered(src, base, ya, xa, ay, ax, h, w, b_h, b_w, sy, sx, mask,
                                 HAS_BASE=True, KIND=KIND, TAPS=TAPS)
        else:
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
        tl.store(out_ptr + (n * c_n + c) * plane + i * w + j,
                 (coarse + residual).to(out_ptr.dtype.element_ty), mask=mask)


def launch_options(warps: int, registers: int | None) -> dict:
    """A kernel launch's options: ``warps`` per program, and a cap of ``registers`` a thread
    (Triton's ``maxnreg``) unless None."""
    return dict(num_warps=warps) if registers is None else dict(num_warps=warps,
                                                                maxnreg=registers)


def reswarp_level(plate: torch.Tensor, flow: torch.Tensor, *, formulation: str,
                  filter: str = "bilinear", delta: torch.Tensor | None = None,
                  low: torch.Tensor | None = None, base: torch.Tensor | None = None,
                  out: torch.Tensor | None = None) -> torch.Tensor:
    """One fused ResWarp level for a batch (vanilla ResWarp, or one step of multiscale).

    Args:
        plate: ``N×C×H×W`` float32/float16/bfloat16 (the full-resolution crop, linear light).
        flow: ``N×2×h×w`` backward field in pixels of its own ``h×w`` grid (any float dtype).
        formulation: ``"delta"``: ``Warp(plate, Up(flow)) + Up(delta)``, ``delta`` = ``N×C×h'×w'``
            on any grid, or None; ``"paper"``: ``Up(low) + Warp(plate − Up(base), Up(flow))``,
            ``low`` and ``base`` = ``N×C×h'×w'`` on one grid (``base`` = Down(plate)).
        filter: what the warp samples with (``"bilinear"``, ``"cubic"``, ``"lanczos"``).
        out: optional ``N×C×H×W`` contiguous buffer of the plate's dtype.

    Returns:
        ``N×C×H×W`` in the plate's dtype (``out`` when given).
    """
    n, c, h, w = plate.shape
    plate = plate.contiguous()
    flow = flow.float().contiguous()
    out = torch.empty_like(plate, memory_format=torch.contiguous_format) if out is None else out
    lo_h, lo_w = flow.shape[-2:]
    kind = KINDS[filter]
    block, warps, registers = LAUNCH[kind]
    grid = (triton.cdiv(w, block), h, n)
    if formulation == "delta":
        launch = launch_options(warps, registers)
        terms = plate if delta is None else delta.float().contiguous()  # unread without delta
        _delta_kernel[grid](plate, flow, terms, out, c, h, w, lo_h, lo_w, *terms.shape[-2:],
                            HAS_DELTA=delta is not None, KIND=kind, TAPS=TAPS[kind],
                            BLOCK=block, **launch)
    else:
        low, base = low.float().contiguous(), base.float().contiguous()
        _paper_kernel[grid](plate, flow, low, base, out, c, h, w, lo_h, lo_w, *low.shape[-2:],
                            KIND=kind, TAPS=TAPS[kind], BLOCK=block,
                            **launch_options(warps, None))  # not capped: LAUNCH
    return out
