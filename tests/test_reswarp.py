"""ResWarp reference: identity, formulations agree, multiscale ⊇ vanilla, linear values survive."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from atw_ofx.conventions import MotionField
from atw_ofx.filters import FILTERS
from atw_ofx.reswarp import pyramid_sizes, reswarp


def textured_plate(n=1, c=4, h=512, w=512, seed=0, cells=8):
    """Smooth shading (``cells``² bicubic) plus fine grain, scene-linear: values below 0 and
    far above 1."""
    g = torch.Generator().manual_seed(seed)
    low = F.interpolate(torch.rand(n, c, cells, cells, generator=g) * 4, size=(h, w), mode="bicubic",
                        align_corners=False)
    grain = torch.randn(n, c, h, w, generator=g) * 0.05
    return low + grain - 0.5


def smooth_flow(n=1, size=128, amplitude=3.0, seed=0):
    """A smooth expression-like field on the model grid, zero at the border."""
    g = torch.Generator().manual_seed(seed)
    coarse = torch.randn(n, 2, 5, 5, generator=g) * amplitude
    px = F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False)
    ramp = torch.sin(torch.linspace(0, np.pi, size)).clamp(min=0)
    return MotionField(px * (ramp[None, :] * ramp[:, None]))


ALL = [(m, f) for m in ("vanilla", "multiscale") for f in ("paper", "delta")]


@pytest.mark.parametrize("method,formulation", ALL)
def test_identity_is_bit_exact(method, formulation):
    plate = textured_plate(h=384, w=300)
    plate[0, 0, 5, 5] = -0.0
    plate[0, 1, 7, 9] = 1e30
    out = reswarp(plate, MotionField.zeros(1, 128, 128), None, method=method,
                  formulation=formulation, impl="ref")
    assert torch.equal(out, plate)
    assert torch.signbit(out[0, 0, 5, 5])


def test_delta_still_pixels_keep_their_bits():
    """Delta formulation: pixels the field leaves alone stay bit-exact even next to moving ones."""
    plate = textured_plate(h=256, w=256)
    plate[0, 2, 3, 3] = -0.0
    flow = smooth_flow(amplitude=2.0)
    flow.px[:, :, :20] = 0.0
    out = reswarp(plate, flow, None, formulation="delta", impl="ref")
    still = (flow.resized(256, 256).px == 0).all(1)[0]
    assert still.any() and not still.all()
    assert torch.equal(out[0][:, still], plate[0][:, still])
    assert torch.signbit(out[0, 2, 3, 3])


@pytest.mark.parametrize("method", ["vanilla", "multiscale"])
def test_paper_and_delta_agree_on_pure_warps(method):
    """No refinement change: away from the border the two formulations agree within 1e-3 of the
    plate's range (mean absolute gap; the largest gap is bounded in the next test)."""
    plate = textured_plate(cells=8)
    flow = smooth_flow(amplitude=2.5)
    paper = reswarp(plate, flow, None, method=method, formulation="paper", impl="ref")
    delta = reswarp(plate, flow, None, method=method, formulation="delta", impl="ref")
    value_range = (plate.max() - plate.min()).item()
    inner = (slice(None), slice(None), slice(24, -24), slice(24, -24))
    err = (paper - delta)[inner].abs().mean().item()
    assert err < 1e-3 * value_range, err
    assert (paper - plate)[inner].abs().max().item() > 0.05  # and the warp did move things


@pytest.mark.parametrize("method", ["vanilla", "multiscale"])
def test_paper_minus_delta_is_bounded_by_low_res_curvature(method):
    """For any content the gap is Up∘Warp vs Warp∘Up on the 128 px image: at most about a
    quarter of its largest second difference (1/8 per axis for bilinear), never a misalignment."""
    plate = textured_plate(cells=16)
    flow = smooth_flow(amplitude=2.5)
    gap = (reswarp(plate, flow, None, method=method, formulation="paper", impl="ref")
           - reswarp(plate, flow, None, method=method, formulation="delta", impl="ref"))[..., 24:-24, 24:-24]
    low = F.adaptive_avg_pool2d(plate, (128, 128))
    curvature = max((low[..., 2:] - 2 * low[..., 1:-1] + low[..., :-2]).abs().max().item(),
                    (low[..., 2:, :] - 2 * low[..., 1:-1, :] + low[..., :-2, :]).abs().max().item())
    assert gap.abs().max().item() <= 0.35 * curvature


def test_multiscale_with_one_level_is_vanilla():
    plate = textured_plate(h=512, w=512)
    flow = smooth_flow()
    delta_lo = torch.randn(1, 3, 128, 128) * 0.01
    vanilla = reswarp(plate, flow, delta_lo, method="vanilla", formulation="paper", impl="ref")
    single = reswarp(plate, flow, delta_lo, method="multiscale", formulation="paper", levels=1, impl="ref")
    assert torch.equal(vanilla, single)
    deep = reswarp(plate, flow, delta_lo, method="multiscale", formulation="paper", impl="ref")
    assert not torch.equal(vanilla, deep)


def test_vanilla_matches_the_paper_formula_with_grid_sample():
    """An independent write-up of the paper's vanilla ResWarp through torch's own operators."""
    plate = textured_plate(h=512, w=384)
    flow = smooth_flow()
    low = F.adaptive_avg_pool2d(plate, (128, 128))
    up = lambda x: F.interpolate(x, size=(512, 384), mode="bilinear", align_corners=False)  # noqa: E731
    grid_lo = flow.to_grid(align_corners=True)
    o_lo = F.grid_sample(low, grid_lo, mode="bilinear", padding_mode="border", align_corners=True)
    grid_hi = flow.resized(512, 384).to_grid(align_corners=True)
    residual = F.grid_sample(plate - up(low), grid_hi, mode="bilinear", padding_mode="border",
                             align_corners=True)
    expected = up(o_lo) + residual
    ours = reswarp(plate, flow, None, method="vanilla", formulation="paper", filter="bilinear", impl="ref")
    torch.testing.assert_close(ours, expected, atol=2e-4, rtol=0)


@pytest.mark.parametrize("method,formulation", ALL)
def test_linear_values_survive(method, formulation):
    plate = textured_plate() * 20  # −10 … 80
    out = reswarp(plate, smooth_flow(), None, method=method, formulation=formulation, impl="ref")
    assert out.max() > 40 and out.min() < -5
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("filter", FILTERS)
def test_delta_pure_warp_equals_full_resolution_warp(filter):
    plate = textured_plate(h=300, w=300)  # not 128·2^k
    flow = smooth_flow()
    out = reswarp(plate, flow, None, formulation="delta", filter=filter, impl="ref")
    assert torch.equal(out, flow.resized(300, 300).warp(plate, filter))


def test_refinement_delta_is_added_in_colour_only():
    plate = textured_plate(c=4, h=256, w=256)
    delta = torch.full((1, 3, 128, 128), 0.25)
    out = reswarp(plate, MotionField.zeros(1, 128, 128), delta, formulation="delta", impl="ref")
    torch.testing.assert_close(out[:, :3], plate[:, :3] + 0.25)
    assert torch.equal(out[:, 3], plate[:, 3])


@pytest.mark.parametrize("size", [(1, 1), (37, 53), (130, 129), (1000, 700)])
@pytest.mark.parametrize("method", ["vanilla", "multiscale"])
def test_awkward_sizes(size, method):
    plate = textured_plate(h=size[0], w=size[1], seed=3)
    out = reswarp(plate, smooth_flow(amplitude=1.0), torch.zeros(1, 3, 128, 128),
                  method=method, formulation="paper", impl="ref")
    assert out.shape == plate.shape and torch.isfinite(out).all()


def test_pyramid_sizes_reach_the_model_grid():
    assert pyramid_sizes((384, 384), (128, 128)) == [(384, 384), (192, 192), (128, 128)]
    assert pyramid_sizes((2048, 1080), (128, 128))[-2:] == [(256, 135), (128, 128)]
    assert pyramid_sizes((100, 100), (128, 128)) == [(100, 100), (128, 128)]


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown ResWarp method"):
        reswarp(textured_plate(h=64, w=64), smooth_flow(), method="cubic", impl="ref")
    with pytest.raises(ValueError, match="unknown formulation"):
        reswarp(textured_plate(h=64, w=64), smooth_flow(), formulation="x", impl="ref")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("method,formulation", ALL)
def test_cuda_matches_cpu(method, formulation):
    plate = textured_plate(h=640, w=480)
    flow = smooth_flow()
    delta = torch.randn(1, 3, 128, 128) * 0.01
    cpu = reswarp(plate, flow, delta, method=method, formulation=formulation, impl="ref")
    gpu = reswarp(plate.cuda(), MotionField(flow.px.cuda()), delta.cuda(), method=method,
                  formulation=formulation, impl="ref")
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-4, rtol=0)
    zero = reswarp(plate.cuda(), MotionField.zeros(1, 128, 128, device="cuda"), None,
                   method=method, formulation=formulation, impl="ref")
    assert torch.equal(zero.cpu(), plate)
