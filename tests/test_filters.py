"""The warp's filters (atw_ofx.filters) in the torch reference: weights, exactness, highlights."""
import numpy as np
import pytest
import torch

from atw_ofx.bench.fidelity import grain_energy
from atw_ofx.conventions import MotionField, sample_bilinear, sample_filtered, tap_weights
from atw_ofx.filters import FILTERS, OVERSHOOT
from atw_ofx.reswarp import reswarp

from conftest import run_atw


def shifted(plate, dx, dy, filter):
    """``plate`` (``1×C×H×W``) warped by the constant backward offset ``(dx, dy)``."""
    _, _, h, w = plate.shape
    px = torch.tensor([dx, dy], dtype=torch.float32).view(1, 2, 1, 1).expand(1, 2, h, w)
    return MotionField(px.contiguous()).warp(plate, filter)


def test_keys_weights_at_half_a_pixel_are_catmull_roms():
    weights = [float(w) for w in tap_weights("cubic", torch.tensor([0.5]))]
    assert weights == pytest.approx([-1 / 16, 9 / 16, 9 / 16, -1 / 16], abs=1e-7)


@pytest.mark.parametrize("filter", FILTERS)
def test_weights_sum_to_one_and_mirror(filter):
    frac = torch.linspace(0.01, 0.99, 37, dtype=torch.float64)
    weights = torch.stack(tap_weights(filter, frac))
    torch.testing.assert_close(weights.sum(0), torch.ones_like(frac))
    mirrored = torch.stack(tap_weights(filter, 1 - frac)).flip(0)
    torch.testing.assert_close(weights, mirrored)


def test_lanczos_is_sinc_windowed_by_sinc_over_three():
    weights = torch.stack(tap_weights("lanczos", torch.tensor([0.25], dtype=torch.float64)))[:, 0]
    d = 0.25 - torch.arange(-2, 4, dtype=torch.float64)
    raw = torch.sinc(d) * torch.sinc(d / 3)
    torch.testing.assert_close(weights, raw / raw.sum())


@pytest.mark.parametrize("filter, error", [("cubic", 2e-5), ("lanczos", 0.01)])
def test_a_linear_ramp_is_sampled_on_the_ramp(filter, error):
    """Keys' cubic reproduces polynomials up to the second degree; a Lanczos window only nearly
    (within 2 % of a pixel's step here)."""
    ramp = torch.arange(64, dtype=torch.float32).repeat(40, 1)[None, None] * 0.5  # 0.5 per px
    out = shifted(ramp, 0.3, 0.0, filter)
    # Inside (away from the edge the taps repeat) every sample lies on the ramp.
    torch.testing.assert_close(out[..., 4:-4], ramp[..., 4:-4] + 0.15, atol=error, rtol=0)


@pytest.mark.parametrize("filter", FILTERS)
def test_integer_offsets_return_the_plate_exactly(filter):
    gen = torch.Generator().manual_seed(0)
    plate = torch.rand(1, 3, 30, 40, generator=gen) * 8
    plate[..., 2::6, 3::5] = -0.0
    if filter != "bilinear":  # its lerp turns an Inf neighbour into NaN and -0.0 into +0.0
        plate[..., ::5, ::7] = float("inf")
    out = shifted(plate, 3.0, -2.0, filter)[..., 2:30, 0:37]
    expected = plate[..., 0:28, 3:40]  # out(i, j) = plate(i − 2, j + 3) inside
    if filter == "bilinear":
        assert torch.equal(out, expected)
    else:  # bit for bit: signed zeros and Inf included
        assert torch.equal(out.view(torch.int32), expected.view(torch.int32))


def test_a_highlight_does_not_ring_into_the_skin_around_it():
    """Skin of 0.2 with a specular highlight of 50: unclamped, Lanczos's negative lobes send
    its neighbours far below zero; held near their 2×2 footprint's range, the samples whose
    footprint is all skin stay skin, and none goes negative."""
    plate = torch.full((1, 1, 21, 21), 0.2)
    plate[..., 10, 10] = 50.0
    for filter in ("cubic", "lanczos"):
        out = shifted(plate, 0.5, 0.5, filter)
        assert out.min() >= 0.0 and out.max() <= 50.0 + OVERSHOOT * 49.8
        touched = torch.zeros_like(plate, dtype=torch.bool)
        touched[..., 9:11, 9:11] = True  # samples between rows/columns 9–11 hold (10, 10)
        assert torch.equal(out[~touched], plate[~touched])
    raw = torch.stack(tap_weights("lanczos", torch.tensor([0.5])))[:, 0]
    assert 0.2 + 50 * float(raw[1] * raw[2]) < -3  # what the clamp prevents


def test_inf_in_the_footprint_gives_what_bilinear_gives_or_inf():
    plate = torch.ones(1, 1, 8, 8)
    plate[..., 3, 3] = plate[..., 3, 5] = float("inf")
    out = shifted(plate, 0.5, 0.0, "lanczos")[0, 0]
    x, y = torch.meshgrid(torch.arange(8.0), torch.arange(8.0), indexing="xy")
    bilinear = sample_bilinear(plate, (x + 0.5)[None], y[None])[0, 0]
    # At x = 3.5 and 4.5 the Infs get weights of both signs: the sum is NaN, and the sample is
    # the bilinear one (NaN too: its lerp between 1 and Inf). At 2.5 both weigh positive: Inf.
    torch.testing.assert_close(out[3, 3:5], bilinear[3, 3:5], equal_nan=True)
    assert out[3, 2] == float("inf") and out[3, 5] == float("inf")
    # Rows whose footprints hold no Inf are untouched by them (held to their ones).
    assert torch.equal(out[[0, 1, 4, 5, 6, 7]], torch.ones(6, 8))


def test_sharper_filters_keep_more_of_the_grain_a_fractional_warp_moves():
    noise = torch.randn(1, 3, 128, 128, generator=torch.Generator().manual_seed(1))
    mask = np.zeros((128, 128), bool)
    mask[8:-8, 8:-8] = True
    before = grain_energy(noise[0].permute(1, 2, 0).numpy().astype(np.float64), mask)
    kept = {f: grain_energy(shifted(noise, 0.4, 0.3, f)[0].permute(1, 2, 0).double().numpy(),
                            mask) / before for f in FILTERS}
    assert kept["bilinear"] < 0.6
    assert kept["bilinear"] < kept["cubic"] < kept["lanczos"]
    assert kept["lanczos"] > 1.4 * kept["bilinear"]


@pytest.mark.parametrize("formulation", ["delta", "paper"])
def test_every_filter_keeps_the_identity_guarantee(formulation):
    plate = torch.randn(1, 4, 33, 47) * 3
    plate[..., ::4, ::3] = -0.0
    for filter in FILTERS:
        out = reswarp(plate, MotionField.zeros(1, 16, 16), None, formulation=formulation,
                      filter=filter, impl="auto")
        assert torch.equal(out.view(torch.int32), plate.view(torch.int32))


def test_the_kernels_number_the_filters_the_core_defines():
    from kernels import filters as kernel_filters

    from atw_ofx.filters import OVERSHOOT as CORE_OVERSHOOT
    from atw_ofx.filters import RADIUS

    assert list(kernel_filters.KINDS) == list(FILTERS)
    assert [kernel_filters.TAPS[kernel_filters.KINDS[f]] for f in FILTERS] == [
        2 * RADIUS[f] for f in FILTERS]
    assert kernel_filters.OVERSHOOT == CORE_OVERSHOOT


def test_the_kernels_lanczos_polynomials_are_its_weights_and_the_c_kernels():
    """The kernels' Lanczos-3 weights (fitted polynomials: no sine per sample) are the exact
    normalised ones within 4e-7, and kernels/avx512.c restates the same table."""
    import re
    from pathlib import Path

    from kernels import cpu
    from kernels.filters import LANCZOS, LANCZOS_EVEN_ODD

    fractions = np.linspace(0.0, 1.0, 4001, dtype=np.float32)[1:-1]
    weights = np.empty((6, len(fractions)), np.float32)
    cpu._tap_weights(LANCZOS, fractions, weights)
    exact = torch.stack(tap_weights("lanczos", torch.from_numpy(fractions).double())).numpy()
    assert np.abs(weights - exact).max() < 4e-7
    source = (Path(cpu.__file__).parent / "avx512.c").read_text()
    table = source[source.index("LANCZOS_EVEN_ODD[3][2][5] = {"):].split("};")[0]
    numbers = [float(x) for x in re.findall(r"-?\d\.\d+e[+-]\d+", table)]
    assert numbers == [c for pair in LANCZOS_EVEN_ODD for part in pair for c in part]


def test_an_unknown_filter_is_refused_with_the_choices():
    plate = torch.rand(1, 3, 16, 16)
    with pytest.raises(ValueError, match="unknown filter 'sinc'.*bilinear, cubic, lanczos"):
        reswarp(plate, MotionField(torch.ones(1, 2, 8, 8)), filter="sinc", impl="ref")
    with pytest.raises(ValueError, match="unknown filter"):
        sample_filtered(plate, torch.zeros(1, 4, 4), torch.zeros(1, 4, 4), "sinc")
    proc = run_atw("render", "in.exr", "-o", "out.exr", "--filter", "sinc")
    assert proc.returncode == 2
    assert "invalid choice: 'sinc'" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_grain_may_peak_a_little_past_its_neighbours_but_an_edge_does_not_ring():
    """Between two pixels of a grain peak the sample may pass their range by OVERSHOOT of it;
    beside an HDR edge, whose pixels are flat on either side, nothing passes them."""
    grain = torch.tensor([0.2, 0.2, 0.1, 0.3, 0.32, 0.1, 0.2, 0.2]).repeat(8, 1)[None, None]
    peak = float(shifted(grain, 0.5, 0.0, "lanczos")[0, 0, 4, 3])  # between 0.3 and 0.32
    assert 0.32 < peak <= 0.32 + OVERSHOOT * 0.02 + 1e-6  # restored past the pair, by at most
    edge = torch.tensor([0.2] * 8 + [50.0] * 8).repeat(8, 1)[None, None]
    out = shifted(edge, 0.3, 0.0, "lanczos")[0, 0, 4]
    assert out[:7].eq(0.2).all() and out[8:-1].eq(50.0).all()  # flat footprints: no ringing
    assert 0.2 < out[7] < 50.0
