"""ResWarp: carry a low-resolution animation to the full-resolution plate (paper §3.4, spec §4).

The pure-torch reference; fused kernels (``kernels/``) are checked against it and fall back to it.

Conventions (``atw_ofx.conventions``): images ``N×C×H×W`` float32 in the plate's *linear* colour
space, nothing clipped; motion fields are backward maps in pixels of their own grid. "Down" is an
area average (``adaptive_avg_pool2d``: the exact block mean when the size divides, overlapping
variable-width box filters otherwise); "Up" is bilinear with half-pixel centres
(``align_corners=False``) and edge clamping — the sampling cv2's INTER_LINEAR and the paper's code
use. Warps of the plate (delta) and of its residuals (paper) sample with the chosen ``filter`` —
``bilinear`` (the paper's), ``cubic`` or ``lanczos`` (:mod:`atw_ofx.filters`: the kernels
exactly, and what their negative lobes do to highlights) — with border padding (spec §4.2); the
model grid's own warp and every ``Up`` stay bilinear.

Two formulations:

- ``"paper"`` — ``O^h = Up(O^r) + Warp(I^h − Up(Down(I^h)), Up(F))`` (vanilla) or its
  coarse-to-fine pyramid version (multiscale). The low-resolution result is taken in linear light as
  ``O^r_lin = Warp(Down(I^h), F) + Δ`` where ``Δ = lin(O^r) − lin(O^w)`` is the change the
  refinement made: the model's display-space, [-1, 1]-clamped branch then never clips the plate's
  highlights, and for a pure warp this equals the paper's ``O^r``.
- ``"delta"`` — ``O^h = Warp(I^h, Up(F)) + Up(Δ)``: the full-resolution plate is warped directly and
  only the refinement's change is up-sampled. Exact for pure warps; keeps every grain of the plate.

Both keep the identity guarantee, with every filter: a zero field with zero ``Δ`` returns the
plate bit-exactly.

Any crop size works, not only 128·2^k. The multiscale pyramid for a crop of side ``S`` and a model
grid of side ``s`` has ``K = ceil(log2(S / s))`` residual levels (at least 1) with sides
``round(S / 2^k)`` for ``k < K`` and exactly ``s`` at the bottom; each level is the area average of
the one above, so for ``S = s·2^K`` every step is the paper's 2×2 mean.
"""
from __future__ import annotations

import logging
import math
from typing import Literal

import torch
import torch.nn.functional as F

from .conventions import MotionField, check_shape
from .filters import DEFAULT_FILTER, check_filter
# The vocabulary (names, defaults: "delta" keeps pure warps exact, see above), re-exported.
from .options import DEFAULT_FORMULATION, DEFAULT_METHOD, FORMULATIONS, IMPLS, METHODS  # noqa: F401

Method = Literal["vanilla", "multiscale"]
Formulation = Literal["paper", "delta"]


def down(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Area average of ``N×C×H×W`` to ``size = (h, w)``."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    return F.adaptive_avg_pool2d(image, size)


def up(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resize of ``N×C×h×w`` to ``size = (H, W)``, half-pixel centres, edge clamp."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False)


def pyramid_sizes(full: tuple[int, int], base: tuple[int, int], levels: int | None = None):
    """Sides of the multiscale pyramid from ``full`` down to ``base`` (both included).

    ``levels`` is the number of residual levels ``K`` (default: enough halvings to reach ``base``).

    >>> pyramid_sizes((1024, 1024), (128, 128))
    [(1024, 1024), (512, 512), (256, 256), (128, 128)]
    >>> pyramid_sizes((384, 300), (128, 128))
    [(384, 300), (192, 150), (128, 128)]
    >>> pyramid_sizes((1024, 1024), (128, 128), levels=1)
    [(1024, 1024), (128, 128)]
    """
    if levels is None:
        ratio = max(full[0] / base[0], full[1] / base[1])
        levels = max(1, math.ceil(math.log2(ratio) - 1e-9)) if ratio > 1 else 1
    sizes = [
        (max(1, round(full[0] / 2**k)), max(1, round(full[1] / 2**k))) for k in range(levels)
    ]
    return sizes + [tuple(base)]


def pad_refine_delta(delta_lo, plate, lo_size):
    """``delta_lo`` padded with zero channels to the plate's C, or None when it changes nothing."""
    n, c = plate.shape[:2]
    if delta_lo is None:
        return None
    check_shape(delta_lo, f"{n} C {lo_size[0]} {lo_size[1]}", "refine_delta")
    if delta_lo.shape[1] < c:  # refinement touches colour only; alpha/extra channels get zero.
        pad = delta_lo.new_zeros(n, c - delta_lo.shape[1], *lo_size)
        delta_lo = torch.cat((delta_lo, pad), dim=1)
    return None if not bool(delta_lo.any()) else delta_lo


def reswarp(
    plate: torch.Tensor,
    flow_lo: MotionField,
    refine_delta_lo: torch.Tensor | None = None,
    *,
    method: Method = DEFAULT_METHOD,
    formulation: Formulation = DEFAULT_FORMULATION,
    levels: int | None = None,
    impl: str = "auto",
    filter: str = DEFAULT_FILTER,
) -> torch.Tensor:
    """Transfer a low-resolution motion (and refinement) to the full-resolution ``plate``.

    Args:
        plate: ``N×C×H×W`` float, linear light (the face crop ``I^h``); every channel is warped.
        flow_lo: backward field on the model's grid (``N×2×h×w``, pixels of that grid).
        refine_delta_lo: ``N×C'×h×w`` linear change the refinement made (``lin(O^r) − lin(O^w)``),
            ``C' ≤ C`` (missing channels — alpha, extras — get no change); ``None`` = no change.
        method: ``"vanilla"`` (one residual) or ``"multiscale"`` (a residual pyramid).
        formulation: ``"paper"`` or ``"delta"`` (module docstring).
        levels: multiscale residual levels; ``None`` = down to the model grid; 1 = vanilla.
        impl: ``"auto"`` (the default, as everywhere: the fused kernel for the tensor's device
            where one exists), ``"cpu"`` (the fused kernel in ``kernels/``), ``"triton"``, or
            ``"ref"`` (this pure-torch code). A fused request the kernels cannot serve — another
            dtype or device, or tensors that carry gradients (the kernels do not) — falls back
            here, with one warning per reason.
        filter: what the plate's (or residuals') warp samples with: ``"bilinear"``, ``"cubic"``
            or ``"lanczos"`` (:mod:`atw_ofx.filters`).

    Steps (paper formulation): Down to the model grid → residual(s) → warp each residual with the
    field resized to its level → add to the up-sampled low-resolution result, coarse to fine.

    Returns:
        ``N×C×H×W``, same dtype as ``plate``; no clipping.
    """
    check_shape(plate, f"{flow_lo.px.shape[0]} C H W", "plate")
    if method not in METHODS:
        raise ValueError(f"unknown ResWarp method {method!r}, expected one of {METHODS}")
    if formulation not in FORMULATIONS:
        raise ValueError(f"unknown formulation {formulation!r}, expected one of {FORMULATIONS}")
    check_filter(filter)
    full = tuple(plate.shape[-2:])
    lo = flow_lo.size
    delta_lo = pad_refine_delta(refine_delta_lo, plate, lo)
    if flow_lo.is_zero() and delta_lo is None:
        return plate.clone()  # identity guarantee, bit-exact
    sizes = pyramid_sizes(full, lo, 1 if method == "vanilla" else levels)
    if impl not in IMPLS:
        raise ValueError(f"unknown ResWarp impl {impl!r}, expected one of {IMPLS}")
    if impl != "ref":
        fused = _fused(plate, flow_lo, delta_lo, sizes, formulation, impl, filter)
        if fused is not None:
            return fused

    if formulation == "delta":
        flow_hi = flow_lo.resized(*full)
        out = flow_hi.warp(plate, filter)
        # Where nothing moves and nothing is refined the result *is* the plate; say so exactly
        # (a zero-offset lerp turns -0.0 into +0.0, and Inf neighbours into NaN).
        still = (flow_hi.px == 0).all(dim=1, keepdim=True)
        if delta_lo is not None:
            delta_hi = _up_through(delta_lo, sizes)
            out = out + delta_hi
            still = still & (delta_hi == 0)
        return torch.where(still, plate, out)

    # Paper formulation: residual pyramid I_k − Up(I_{k+1}), warped per level, coarse to fine.
    images = [plate]
    for size in sizes[1:]:
        images.append(down(images[-1], size))
    low = flow_lo.warp(images[-1])
    if delta_lo is not None:
        low = low + delta_lo
    out = low
    for k in range(len(sizes) - 2, -1, -1):
        residual = images[k] - up(images[k + 1], sizes[k])
        out = up(out, sizes[k]) + flow_lo.resized(*sizes[k]).warp(residual, filter,
                                                                  residual=True)
    return out


_warned: set[str] = set()


def _fall_back(why: str) -> None:
    if why not in _warned:  # once per reason, not once per frame
        _warned.add(why)
        logging.getLogger(__name__).warning("ResWarp: %s; using the pure-torch reference", why)


def _fused(plate, flow_lo, delta_lo, sizes, formulation, impl, filter):
    """The fused kernel's result, or None (after one warning) when none can serve the call.

    Multiscale runs the fused step once per level, coarse to fine: each level's result is the
    ``low`` of the next, so no level's residual or up-sampled field is ever stored.
    """
    level = _fused_level(plate, impl, flow_lo.px, delta_lo)
    if level is None:
        return None
    flow = flow_lo.px.float().contiguous()
    if formulation == "delta":
        # The refinement change reaches the plate through the pyramid's sides (as the reference).
        delta = None if delta_lo is None else _up_through(delta_lo, sizes[1:])
        return level(plate, flow, formulation="delta", filter=filter, delta=delta)
    images = [plate]
    for size in sizes[1:]:
        images.append(down(images[-1], size))
    low = flow_lo.warp(images[-1]) + (delta_lo if delta_lo is not None else 0)
    for k in range(len(sizes) - 2, -1, -1):
        low = level(images[k], flow, formulation="paper", filter=filter, low=low,
                    base=images[k + 1])
    return low


def _fused_level(plate, impl, *tensors):
    """``level(plate, flow, formulation=, filter=, delta=|low=, base=)`` of the kernel for this
    tensor and request (``N×C×H×W`` tensors in and out), or None after one warning."""
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad
                                       for t in (plate, *tensors)):
        _fall_back("the fused kernels do not carry gradients (training)")
        return None
    on_cuda = plate.device.type == "cuda"
    if impl == "triton" or (impl == "auto" and on_cuda):
        try:
            from kernels import triton_reswarp  # lazily: Triton is optional
        except ImportError as exc:
            _fall_back(f"the Triton kernel is unavailable ({exc})")
            return None
        why = triton_reswarp.unavailable(plate)
        if why is not None:
            _fall_back(why)
            return None
        return triton_reswarp.reswarp_level
    if on_cuda:
        _fall_back("the CPU kernel was asked for a CUDA tensor")
        return None
    if plate.dtype != torch.float32:
        _fall_back(f"the CPU kernel takes float32, not {plate.dtype}")
        return None
    try:
        from kernels import cpu
        from kernels.buffers import empty
    except ImportError as exc:  # Numba missing: ResWarp's reference still works (the rig does not)
        _fall_back(f"the CPU kernel is unavailable ({exc})")
        return None

    def level(image, flow, *, formulation, filter, **terms):
        # The CPU kernel takes one C×H×W numpy image at a time (views, not copies).
        out = torch.from_numpy(empty(tuple(image.shape)))
        for i in range(image.shape[0]):
            planes = {name: None if t is None else _np(t[i]) for name, t in terms.items()}
            cpu.reswarp_level(_np(image[i]), _np(flow[i]), formulation=formulation,
                              filter=filter, out=out[i].numpy(), **planes)
        return out
    return level


def _up_through(image: torch.Tensor, sizes) -> torch.Tensor:
    """Up-sample coarse-to-fine through the pyramid sides (one step for vanilla)."""
    for size in reversed(sizes[:-1]):
        image = up(image, size)
    return image


def _np(image: torch.Tensor):
    """A C-contiguous float32 numpy view (a copy only when the tensor is not one already)."""
    return image.float().contiguous().numpy()
