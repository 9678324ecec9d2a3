"""Fused ResWarp kernels against the pure-torch reference (atw_ofx.reswarp, impl="ref")."""
import logging

import pytest
import torch

from atw_ofx import reswarp as reswarp_module
from atw_ofx.conventions import MotionField
from atw_ofx.reswarp import reswarp

pytest.importorskip("numba")

#: Float32 rounding of the interpolation positions (torch's arithmetic order differs from the
#: kernel's) moves a sample by < 1e-4 px; on noise whose neighbours differ by up to 1 that is
#: below this. Smooth images agree far more closely.
NOISE_TOLERANCE = 5e-4


def case(h, w, lo=(128, 128), channels=4, flow_scale=3.0, seed=0):
    gen = torch.Generator().manual_seed(seed)
    plate = torch.rand(1, channels, h, w, generator=gen)
    flow = MotionField(torch.randn(1, 2, *lo, generator=gen) * flow_scale)
    delta = torch.randn(1, 3, *lo, generator=gen) * 0.02
    return plate, flow, delta


@pytest.mark.parametrize("formulation", ["delta", "paper"])
@pytest.mark.parametrize("size, lo", [((256, 256), (128, 128)), ((301, 517), (128, 128)),
                                      ((7, 5), (128, 128)), ((1, 1), (128, 128)),
                                      ((480, 360), (128, 96))])
@pytest.mark.parametrize("with_delta", [False, True])
@pytest.mark.parametrize("method", ["vanilla", "multiscale"])
def test_cpu_kernel_matches_the_reference(formulation, size, lo, with_delta, method):
    plate, flow, delta = case(*size, lo=lo)
    delta = delta if with_delta else None
    ref = reswarp(plate, flow, delta, method=method, formulation=formulation)
    fused = reswarp(plate, flow, delta, method=method, formulation=formulation, impl="cpu")
    assert fused.shape == ref.shape and fused.dtype == ref.dtype
    assert torch.isfinite(fused).all()
    assert (fused - ref).abs().max() <= NOISE_TOLERANCE


def test_fields_pointing_far_outside_the_crop_clamp_to_its_border():
    plate, flow, _ = case(200, 300, flow_scale=60.0, seed=3)  # up to ~±400 px at full size
    ref = reswarp(plate, flow, None)
    fused = reswarp(plate, flow, None, impl="cpu")
    assert torch.isfinite(fused).all()
    # The rounding of an offset grows with its size: 20× the offsets, a few times the tolerance.
    assert (fused - ref).abs().max() <= 4 * NOISE_TOLERANCE


def test_still_pixels_are_the_plate_bit_exactly():
    plate, flow, delta = case(256, 256)
    flow.px[..., :, 64:] = 0  # the right half of the field does not move...
    delta[..., :, 60:] = 0  # ...and gets no refinement (beyond the up-sampling's reach)
    fused = reswarp(plate, flow, delta, impl="cpu")
    assert torch.equal(fused[..., 132:], plate[..., 132:])
    assert not torch.equal(fused[..., :120], plate[..., :120])


def test_smooth_plates_agree_to_float32_precision():
    y, x = torch.meshgrid(torch.linspace(0, 1, 512), torch.linspace(0, 1, 768), indexing="ij")
    plate = torch.stack([x, y, x * y, torch.ones_like(x)])[None] * 4.0  # scene-linear, > 1
    _, flow, delta = case(1, 1)
    for formulation in ("delta", "paper"):
        ref = reswarp(plate, flow, delta, formulation=formulation)
        fused = reswarp(plate, flow, delta, formulation=formulation, impl="cpu")
        assert (fused - ref).abs().max() <= 1e-5 * 4.0


def test_unfused_requests_fall_back_to_the_reference_with_one_warning(caplog):
    plate, flow, delta = case(300, 200)
    plate = plate.double()  # the CPU kernel is float32 only
    reswarp_module._warned.clear()
    with caplog.at_level(logging.WARNING, logger="atw_ofx.reswarp"):
        for _ in range(3):
            out = reswarp(plate, flow, delta, impl="cpu")
    assert torch.equal(out, reswarp(plate, flow, delta))
    warnings = [r.message for r in caplog.records if "takes float32" in r.message]
    assert len(warnings) == 1
    with pytest.raises(ValueError, match="unknown ResWarp impl"):
        reswarp(plate, flow, delta, impl="fast")
