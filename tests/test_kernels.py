"""Fused ResWarp kernels against the pure-torch reference (atw_ofx.reswarp, impl="ref")."""
import logging
import os

import numpy as np
import pytest
import torch

from atw_ofx import reswarp as reswarp_module
from atw_ofx.conventions import MotionField
from atw_ofx.filters import FILTERS
from atw_ofx.reswarp import reswarp

pytest.importorskip("numba")

#: Float32 rounding of the interpolation positions (torch's arithmetic order differs from the
#: kernel's) moves a sample by < 1e-4 px; on noise whose neighbours differ by up to 1 that is
#: below this. Smooth images agree far more closely.
NOISE_TOLERANCE = 5e-4


def filter_gains(name: str) -> tuple[float, float]:
    """How far a filter lets an error grow, against bilinear's 1: ``(values, positions)``.

    ``values``: the most its 2-D weights' absolute sum reaches (an error in every tap — a half
    plate's rounding — passes into the sample times this: 1.56 for cubic, 2.38 for Lanczos).
    ``positions``: the steepest its sample changes per pixel of position on data of unit range,
    ``max Σ|w'|/2 · max Σ|w|`` (a rounding of the position moves the sample times this: 1.88,
    2.44). From :func:`atw_ofx.conventions.tap_weights` over a fine grid of fractions.
    """
    from atw_ofx.conventions import tap_weights

    fractions = torch.linspace(0, 1, 20001, dtype=torch.float64)[:-1]
    weights = torch.stack(tap_weights(name, fractions))
    reach = float(weights.abs().sum(0).max())
    slope = float(torch.gradient(weights, spacing=(fractions,), dim=1)[0].abs().sum(0).max()) / 2
    return reach ** 2, slope * reach


@pytest.fixture(autouse=True)
def the_fused_kernel_ran(request, monkeypatch):
    """A parity test whose kernel fell back would compare the reference with itself: any
    fall-back fails the test, except in the tests about falling back (marked ``falls_back``)."""
    fell_back = []
    original = reswarp_module._fall_back

    def record(why):
        fell_back.append(why)
        original(why)
    monkeypatch.setattr(reswarp_module, "_fall_back", record)
    yield
    if request.node.get_closest_marker("falls_back") is None:
        assert not fell_back, f"the fused kernel did not run: {fell_back}"


def test_kernels_import_nothing_of_the_core():
    """kernels/ stands beside the reference it is checked against, never on top of it: no
    module in it imports atw_ofx (text check, so a lazy import inside a function counts too)."""
    import re
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "kernels"
    offenders = [f"{path.name}:{n}" for path in sorted(folder.glob("*.py"))
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if re.match(r"\s*(from|import)\s+atw_ofx\b", line)]
    assert offenders == []
    assert len(list(folder.glob("*.py"))) >= 5  # the folder the check reads is the right one


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
@pytest.mark.parametrize("filter", FILTERS)
def test_cpu_kernel_matches_the_reference(formulation, size, lo, with_delta, method, filter):
    plate, flow, delta = case(*size, lo=lo)
    delta = delta if with_delta else None
    ref = reswarp(plate, flow, delta, method=method, formulation=formulation, filter=filter,
                  impl="ref")
    fused = reswarp(plate, flow, delta, method=method, formulation=formulation, impl="cpu",
                    filter=filter)
    assert fused.shape == ref.shape and fused.dtype == ref.dtype
    assert torch.isfinite(fused).all()
    assert (fused - ref).abs().max() <= NOISE_TOLERANCE


@pytest.mark.parametrize("formulation", ["delta", "paper"])
@pytest.mark.parametrize("filter", FILTERS)
def test_fields_pointing_far_outside_the_crop_clamp_to_its_border(formulation, filter):
    plate, flow, _ = case(200, 300, flow_scale=60.0, seed=3)  # up to ~±400 px at full size
    ref = reswarp(plate, flow, None, formulation=formulation, filter=filter, impl="ref")
    fused = reswarp(plate, flow, None, formulation=formulation, impl="cpu", filter=filter)
    assert torch.isfinite(fused).all()
    # The rounding of an offset grows with its size: 20× the offsets, a few times the tolerance.
    assert (fused - ref).abs().max() <= 4 * NOISE_TOLERANCE


@pytest.mark.parametrize("shift", [-37.0, 0.0, 41.5])
@pytest.mark.parametrize("filter", FILTERS)
def test_the_paper_kernels_residual_ring_reaches_every_row_a_tap_needs(shift, filter):
    """A uniform vertical shift of tens of rows, plus a ripple: each output row's taps lie
    ``shift`` rows away (and a filter's radius beyond), at the edge of the ring of residual rows
    the kernel keeps."""
    plate, flow, delta = case(240, 160, lo=(64, 48), channels=3, flow_scale=0.5, seed=5)
    flow.px[:, 1] += shift * 64 / 240  # model-grid pixels → plate rows
    ref = reswarp(plate, flow, delta, formulation="paper", filter=filter, impl="ref")
    fused = reswarp(plate, flow, delta, formulation="paper", impl="cpu", filter=filter)
    assert (fused - ref).abs().max() <= NOISE_TOLERANCE


@pytest.mark.parametrize("engine", ["auto", "numba"])
@pytest.mark.parametrize("formulation", ["delta", "paper"])
@pytest.mark.parametrize("filter", FILTERS)
def test_vanishing_offsets_sample_the_pixel_itself(monkeypatch, engine, formulation, filter):
    """A field that fades out to 1e-30 px (a Gaussian's tail) leaves fractions whose square
    underflows float32 at the first column: the pixel itself, not a division by zero (the Numba
    kernel raised ZeroDivisionError there, inside ``atw bench reswarp``'s own field)."""
    from kernels import cpu

    monkeypatch.setattr(cpu, "ENGINE", engine)
    plate, _, _ = case(48, 64, lo=(16, 16), channels=3, seed=4)
    flow = MotionField(torch.full((1, 2, 16, 16), 1e-30))
    flow.px[:, :, 4:12, 4:12] = 0.7  # and a moving patch: the filtered path runs
    ref = reswarp(plate, flow, None, formulation=formulation, filter=filter, impl="ref")
    fused = reswarp(plate, flow, None, formulation=formulation, filter=filter, impl="cpu")
    assert torch.isfinite(fused).all()
    assert (fused - ref).abs().max() <= NOISE_TOLERANCE
    if formulation == "delta":
        assert (fused[..., :, 0] - plate[..., :, 0]).abs().max() <= 1e-6


@pytest.mark.parametrize("filter", FILTERS)
def test_still_pixels_are_the_plate_bit_exactly(filter):
    plate, flow, delta = case(256, 256)
    flow.px[..., :, 64:] = 0  # the right half of the field does not move...
    delta[..., :, 60:] = 0  # ...and gets no refinement (beyond the up-sampling's reach)
    fused = reswarp(plate, flow, delta, impl="cpu", filter=filter)
    assert torch.equal(fused[..., 132:], plate[..., 132:])
    assert not torch.equal(fused[..., :120], plate[..., :120])


def test_smooth_plates_agree_to_float32_precision():
    y, x = torch.meshgrid(torch.linspace(0, 1, 512), torch.linspace(0, 1, 768), indexing="ij")
    plate = torch.stack([x, y, x * y, torch.ones_like(x)])[None] * 4.0  # scene-linear, > 1
    _, flow, delta = case(1, 1)
    for formulation in ("delta", "paper"):
        ref = reswarp(plate, flow, delta, formulation=formulation, impl="ref")
        fused = reswarp(plate, flow, delta, formulation=formulation, impl="cpu")
        assert (fused - ref).abs().max() <= 1e-5 * 4.0


@pytest.mark.falls_back
def test_unfused_requests_fall_back_to_the_reference_with_one_warning(caplog):
    plate, flow, delta = case(300, 200)
    plate = plate.double()  # the CPU kernel is float32 only
    reswarp_module._warned.clear()
    with caplog.at_level(logging.WARNING, logger="atw_ofx.reswarp"):
        for _ in range(3):
            out = reswarp(plate, flow, delta, impl="cpu")
    assert torch.equal(out, reswarp(plate, flow, delta, impl="ref"))
    warnings = [r.message for r in caplog.records if "takes float32" in r.message]
    assert len(warnings) == 1
    with pytest.raises(ValueError, match="unknown ResWarp impl"):
        reswarp(plate, flow, delta, impl="fast")


@pytest.mark.falls_back
def test_tensors_that_carry_gradients_get_the_reference_and_its_gradients(caplog):
    plate, flow, delta = case(40, 30, lo=(16, 16))
    plate.requires_grad_()
    reswarp_module._warned.clear()
    with caplog.at_level(logging.WARNING, logger="atw_ofx.reswarp"):
        out = reswarp(plate, flow, delta)  # the default, "auto"
    assert torch.equal(out, reswarp(plate, flow, delta, impl="ref"))
    out.sum().backward()
    assert plate.grad is not None and plate.grad.abs().sum() > 0
    assert any("do not carry gradients" in r.message for r in caplog.records)


# -- The AVX-512 kernel ----------------------------------------------------------------------
# Where it runs it replaces the Numba kernels, so it must compute the very same bits.

def _native_or_skip():
    from kernels import avx512

    if avx512.UNAVAILABLE is not None:
        pytest.skip(f"AVX-512 kernel: {avx512.UNAVAILABLE}")
    return avx512


def _bits(array):
    return array.view("uint32")  # -0.0 ≠ +0.0, NaN payloads compared too


@pytest.mark.parametrize("size, lo, channels", [
    ((1, 1), (128, 128), 3), ((7, 5), (128, 128), 4), ((301, 517), (128, 128), 3),
    ((480, 360), (128, 96), 5), ((64, 1000), (16, 16), 1)])
@pytest.mark.parametrize("flow_scale", [0.3, 3.0, 60.0])  # within a pixel … far outside the crop
@pytest.mark.parametrize("formulation, with_term", [("delta", False), ("delta", True),
                                                    ("paper", True)])
def test_avx512_kernel_is_bit_identical_to_numba(monkeypatch, size, lo, channels, flow_scale,
                                                 formulation, with_term):
    _native_or_skip()
    from kernels import cpu

    plate, flow, delta = case(*size, lo=lo, channels=channels, flow_scale=flow_scale)
    plate = plate[0].numpy() * 4
    plate[:, ::7, ::5] = -0.0  # signed zeros and Inf survive only where taps copy them whole
    plate[:, ::11, 3::13] = np.inf
    field, change = flow.px[0].numpy(), delta[0].numpy()[:1].repeat(channels, axis=0)
    field[:, :, : lo[1] // 3] = 0.0  # a still band: the source's own values
    if formulation == "delta":
        terms = dict(delta=change if with_term else None)
    else:  # the result one level down and that level's image, on a grid of their own
        grid = (max(1, size[0] // 3), max(1, size[1] // 2))
        low = np.random.default_rng(1).random((channels, *grid), dtype=np.float32)
        terms = dict(low=low, base=low[:, ::-1].copy() * 0.5)
    native = cpu.reswarp_level(plate, field, formulation=formulation, **terms)
    monkeypatch.setattr(cpu, "ENGINE", "numba")
    numba_out = cpu.reswarp_level(plate, field, formulation=formulation, **terms)
    np.testing.assert_array_equal(_bits(native), _bits(numba_out))


@pytest.mark.parametrize("engine", ["auto", "numba"])
@pytest.mark.parametrize("formulation", ["delta", "paper"])
@pytest.mark.parametrize("filter", ["cubic", "lanczos"])
def test_filtered_kernels_keep_integer_offsets_bit_exact_beside_inf_and_signed_zeros(
        monkeypatch, engine, formulation, filter):
    from kernels import cpu

    monkeypatch.setattr(cpu, "ENGINE", engine)
    plate, _, _ = case(64, 96, lo=(16, 16), channels=3, seed=2)
    plate = plate * 8
    if formulation == "delta":  # (the paper's area average spreads an Inf over its block)
        plate[..., ::5, ::7] = float("inf")
    plate[..., 2::6, 3::5] = -0.0
    flow = MotionField(torch.zeros(1, 2, 16, 16))
    flow.px[:, 0], flow.px[:, 1] = 0.5, -0.5  # (3, −2) plate pixels, exactly
    ref = reswarp(plate, flow, None, formulation=formulation, filter=filter, impl="ref")
    fused = reswarp(plate, flow, None, formulation=formulation, filter=filter, impl="cpu")
    if formulation == "delta":  # a pure shift: the plate's own bits, moved
        assert torch.equal(fused[..., 2:, :-3].view(torch.int32),
                           plate[..., :-2, 3:].view(torch.int32))
    finite = torch.isfinite(ref)
    assert torch.equal(torch.isfinite(fused), finite)
    assert (fused[finite] - ref[finite]).abs().max() <= NOISE_TOLERANCE


@pytest.mark.xfail(strict=True, reason="open: the kernels' Up lerps a + w·(b − a), NaN beside "
                   "an Inf where torch's (1 − w)·a + w·b gives Inf; their residual is NaN there, "
                   "the reference's −Inf, and a cubic sum over it becomes bilinear in one and "
                   "is held to the footprint in the other")
def test_the_paper_formulation_beside_an_inf_on_a_short_plate_matches_the_reference(
        monkeypatch):
    """Found trimming the Triton interpreter's cases (9 rows instead of 19): the paper
    formulation, cubic, an Inf at (3, 4) and the field still from column 6 — pixels (1, 15) and
    (3, 10) read 0.83 from the kernels, 0.40 from the reference (the Numba engine, which runs
    on every machine). At (3, 10) the residual's row 2, col 6 is −Inf in the reference, NaN in
    the kernels (see the reason); the fix is the two-weight lerp in every kernel's Up."""
    from kernels import cpu

    monkeypatch.setattr(cpu, "ENGINE", "numba")
    plate, flow, delta = case(9, 23, lo=(8, 8), flow_scale=2.0, seed=4)
    plate[..., 3, 4] = float("inf")
    flow.px[..., :, 6:] = 0
    ref = reswarp(plate, flow, delta, formulation="paper", filter="cubic", impl="ref")
    fused = reswarp(plate, flow, delta, formulation="paper", filter="cubic", impl="cpu")
    finite = torch.isfinite(ref)
    assert torch.equal(torch.isfinite(fused), finite)
    assert (fused[finite] - ref[finite]).abs().max() <= NOISE_TOLERANCE


@pytest.mark.parametrize("impl, engine", [("ref", "auto"), ("cpu", "auto"), ("cpu", "numba")])
@pytest.mark.parametrize("method", ["vanilla", "multiscale"])
@pytest.mark.parametrize("filter", FILTERS)
def test_the_paper_formulation_moves_no_further_than_its_plate(monkeypatch, impl, engine,
                                                                method, filter):
    """A plate changed by at most ε changes the paper formulation's output by a bounded multiple
    of ε: its residual (plate and Up(base), 2ε) through the filter's weights, plus Up(low)'s ε.
    A residual is signed, so the footprint's floor at zero (for a positive plate's sample) must
    not apply to it: there it jumped by up to a quarter of the footprint's range wherever the
    residual's footprint crossed zero (0.07 on noise for a half plate's rounding)."""
    from kernels import cpu

    monkeypatch.setattr(cpu, "ENGINE", engine)
    plate, flow, delta = case(301, 517, channels=3)
    epsilon = 2.0 ** -11
    nudged = plate + (torch.rand(plate.shape, generator=torch.Generator().manual_seed(5))
                      * 2 - 1) * epsilon
    outs = [reswarp(image, flow, delta, method=method, formulation="paper", filter=filter,
                    impl=impl) for image in (plate, nudged)]
    values, _ = filter_gains(filter)
    assert (outs[1] - outs[0]).abs().max() <= epsilon * (1 + 2 * values)


@pytest.mark.parametrize("size, lo, channels", [
    ((7, 5), (128, 128), 4), ((301, 517), (128, 128), 3), ((64, 1000), (16, 16), 1)])
@pytest.mark.parametrize("flow_scale", [0.3, 3.0, 60.0])
@pytest.mark.parametrize("formulation", ["delta", "paper"])
@pytest.mark.parametrize("filter", ["cubic", "lanczos"])
def test_avx512_filtered_kernel_agrees_with_numba(monkeypatch, size, lo, channels, flow_scale,
                                                  formulation, filter):
    """Not bit for bit (both take Lanczos' weights from the same polynomials, but add their taps
    in their own order), but to float32 rounding — and each is checked against the reference."""
    _native_or_skip()
    from kernels import cpu

    plate, flow, delta = case(*size, lo=lo, channels=channels, flow_scale=flow_scale)
    plate, field = plate[0].numpy() * 4, flow.px[0].numpy()
    field[:, :, : lo[1] // 3] = 0.0  # a still band
    if formulation == "delta":
        terms = dict(delta=delta[0].numpy()[:1].repeat(channels, axis=0))
    else:
        grid = (max(1, size[0] // 3), max(1, size[1] // 2))
        low = np.random.default_rng(1).random((channels, *grid), dtype=np.float32)
        terms = dict(low=low, base=low[:, ::-1].copy() * 0.5)
    native = cpu.reswarp_level(plate, field, formulation=formulation, filter=filter, **terms)
    monkeypatch.setattr(cpu, "ENGINE", "numba")
    numba_out = cpu.reswarp_level(plate, field, formulation=formulation, filter=filter, **terms)
    np.testing.assert_allclose(native, numba_out, rtol=0, atol=4e-6)


@pytest.mark.parametrize("formulation", ["delta", "paper"])
@pytest.mark.parametrize("filter", ["cubic", "lanczos"])
@pytest.mark.parametrize("still_axis", [0, 1])
def test_avx512_filtered_kernel_agrees_with_numba_where_pixels_move_along_one_axis(
        monkeypatch, formulation, filter, still_axis):
    """Where a whole vector of pixels moves along one axis (its fractions along the other all
    zero) the AVX-512 kernel reads only the centre taps along the still axis: the same sums."""
    _native_or_skip()
    from kernels import cpu

    plate, flow, _ = case(301, 517, lo=(128, 128), channels=3, flow_scale=3.0)
    plate, field = plate[0].numpy() * 4, flow.px[0].numpy()
    field[still_axis] = 0.0
    field[1 - still_axis, :64] += 0.5  # fractional everywhere in the top half
    terms = dict(delta=np.zeros((3, 16, 16), np.float32))
    if formulation == "paper":
        low = np.random.default_rng(1).random((3, 100, 258), dtype=np.float32)
        terms = dict(low=low, base=low[:, ::-1].copy() * 0.5)
    native = cpu.reswarp_level(plate, field, formulation=formulation, filter=filter, **terms)
    monkeypatch.setattr(cpu, "ENGINE", "numba")
    numba_out = cpu.reswarp_level(plate, field, formulation=formulation, filter=filter, **terms)
    np.testing.assert_allclose(native, numba_out, rtol=0, atol=4e-6)
    moved = np.abs(native - plate).max(axis=0) > 1e-3
    assert moved.mean() > 0.3  # the case moves pixels: it tests the one-axis sums

def test_avx512_delta_kernel_writes_unaligned_buffers_and_refuses_bad_arrays():
    avx512 = _native_or_skip()
    from kernels import cpu

    plate, flow, delta = case(96, 130, lo=(16, 16), channels=3)
    plate, field, change = plate[0].numpy(), flow.px[0].numpy(), delta[0].numpy()
    aligned = cpu.reswarp_level(plate, field, formulation="delta", delta=change)
    raw = np.empty(plate.size + 1, np.float32)  # one float off a 64-byte boundary
    unaligned = raw[1:].reshape(plate.shape)
    cpu.reswarp_level(plate, field, formulation="delta", delta=change, out=unaligned)
    np.testing.assert_array_equal(_bits(aligned), _bits(unaligned))
    with pytest.raises(ValueError, match="C-contiguous float32"):
        taps = (cpu.up_taps(130, 16), cpu.up_taps(96, 16))
        avx512.warp_delta(plate.astype(np.float64), field, taps, 1.0, 1.0, None, None, unaligned,
                          threads=1)


def test_the_avx512_kernel_is_built_and_used_where_the_cpu_and_a_compiler_allow():
    """The extension's build is optional, so a broken build would only show as a slower CPU
    path: where this machine could build and run it, it must have been."""
    import platform
    import shutil
    from pathlib import Path

    from kernels import avx512, cpu

    cpuinfo = Path("/proc/cpuinfo")
    flags = set(cpuinfo.read_text().split()) if cpuinfo.exists() else set()
    needed = {"avx512f", "avx512dq", "avx512bw", "avx512vl", "fma", "bmi1"}
    if platform.machine() != "x86_64" or not needed <= flags or not shutil.which("cc"):
        pytest.skip("this machine cannot build or run the AVX-512 kernel")
    assert avx512.UNAVAILABLE is None
    assert cpu.native(2160, 3840) == (cpu.ENGINE != "numba")


def test_a_library_built_from_an_older_source_is_refused_with_a_reason(monkeypatch):
    avx512 = _native_or_skip()

    class OldLibrary:  # an editable install not rebuilt since its source grew a function
        atw_delta_rows = atw_widen_rows = object()

        @staticmethod
        def atw_avx512_supported():
            return 1

    monkeypatch.setattr(avx512.ctypes, "CDLL", lambda path: OldLibrary())
    library, why = avx512._load()
    assert library is None and "reinstall" in why


def test_atw_cpu_kernel_numba_pins_the_numba_engine():
    import subprocess
    import sys

    code = "from kernels import cpu; print(cpu.native(2160, 3840))"
    env = dict(os.environ, ATW_CPU_KERNEL="numba")
    pinned = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=True)
    assert pinned.stdout.strip() == "False"


# -- Triton ----------------------------------------------------------------------------------
# On the CPU the Triton kernel runs through Triton's interpreter (slow: small cases only); on a
# GPU the same kernel is compiled and checked at sizes that matter.

@pytest.fixture()
def triton_interpreted(monkeypatch):
    """kernels.triton_reswarp with its kernels wrapped by Triton's CPU interpreter."""
    pytest.importorskip("triton")
    import importlib

    import kernels.triton_reswarp as module
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    yield importlib.reload(module)
    monkeypatch.undo()
    importlib.reload(module)  # compiled kernels again for whatever runs next


SMALL_CASES = [((17, 29), (16, 12)), ((1, 1), (16, 16)), ((20, 70), (16, 16))]


@pytest.mark.parametrize("formulation", ["delta", "paper"])
@pytest.mark.parametrize("method", ["vanilla", "multiscale"])
@pytest.mark.parametrize("size, lo", SMALL_CASES)
def test_triton_kernel_matches_the_reference_in_the_interpreter(
        triton_interpreted, formulation, method, size, lo):
    plate, flow, delta = case(*size, lo=lo, flow_scale=2.0)
    ref = reswarp(plate, flow, delta, method=method, formulation=formulation, filter="bilinear",
                  impl="ref")
    fused = reswarp(plate, flow, delta, method=method, formulation=formulation, impl="triton",
                    filter="bilinear")
    assert fused.shape == ref.shape and fused.dtype == ref.dtype
    assert (fused - ref).abs().max() <= NOISE_TOLERANCE


@pytest.mark.parametrize("formulation", ["delta", "paper"])
@pytest.mark.parametrize("filter", ["cubic", "lanczos"])
def test_triton_filtered_kernel_matches_the_reference_in_the_interpreter(
        triton_interpreted, formulation, filter):
    plate, flow, delta = case(19, 23, lo=(8, 8), flow_scale=2.0, seed=4)  # the interpreter is slow
    plate[..., 3, 4] = float("inf")  # far from every still pixel: NaN sums become bilinear
    flow.px[..., :, 6:] = 0
    ref = reswarp(plate, flow, delta, formulation=formulation, filter=filter, impl="ref")
    fused = reswarp(plate, flow, delta, formulation=formulation, impl="triton", filter=filter)
    finite = torch.isfinite(ref)
    assert torch.equal(torch.isfinite(fused), finite)
    assert (fused[finite] - ref[finite]).abs().max() <= NOISE_TOLERANCE


@pytest.mark.parametrize("filter", ["cubic", "lanczos"])
def test_triton_filtered_kernel_reads_inner_rows_unclamped_as_the_reference(
        triton_interpreted, filter):
    """Programs whose taps all lie inside the plate take the kernel's unclamped path (one
    address a row): a plate wide and tall enough for some (rows 2–3 of 7; columns past the
    first launch block of 32 or 64) and a field of under a pixel, against the reference."""
    plate, flow, delta = case(7, 100, lo=(8, 8), flow_scale=0.3, seed=6)
    ref = reswarp(plate, flow, delta, filter=filter, impl="ref")
    fused = reswarp(plate, flow, delta, impl="triton", filter=filter)
    assert (fused - ref).abs().max() <= NOISE_TOLERANCE


def test_triton_kernel_in_the_interpreter_keeps_still_pixels_and_clamps_far_fields(
        triton_interpreted):
    plate, flow, delta = case(48, 64, lo=(16, 16), flow_scale=40.0, seed=5)  # ±120 px and more
    flow.px[..., :, 8:] = 0
    delta[..., :, 7:] = 0
    plate[..., 40:] = -0.0  # a still -0.0 must stay -0.0
    ref = reswarp(plate, flow, delta, filter="bilinear", impl="ref")
    fused = reswarp(plate, flow, delta, impl="triton", filter="bilinear")
    assert torch.isfinite(fused).all()
    assert (fused - ref).abs().max() <= 4 * NOISE_TOLERANCE
    assert torch.equal(fused[..., 40:], plate[..., 40:])
    assert torch.signbit(fused[..., 40:]).all()


def test_triton_kernel_reads_and_writes_half_plates(triton_interpreted):
    plate, flow, delta = case(33, 47, lo=(16, 16), flow_scale=2.0, seed=7)
    # The float32 reference, on the same plate.
    ref = reswarp(plate, flow, delta, filter="bilinear", impl="ref")
    fused = reswarp(plate.half(), flow, delta, impl="triton", filter="bilinear")
    assert fused.dtype == torch.float16
    # The kernel computes in float32; the only extra error is the final rounding to half.
    assert (fused.float() - ref).abs().max() <= 2 ** -11 + NOISE_TOLERANCE


@pytest.mark.falls_back
def test_triton_without_cuda_or_the_interpreter_falls_back_with_a_reason(caplog):
    pytest.importorskip("triton")
    from kernels import triton_reswarp
    if triton_reswarp.INTERPRETED:
        pytest.skip("TRITON_INTERPRET is set for this run")
    plate, flow, delta = case(20, 20, lo=(8, 8))
    reswarp_module._warned.clear()
    with caplog.at_level(logging.WARNING, logger="atw_ofx.reswarp"):
        out = reswarp(plate, flow, delta, impl="triton")
    assert torch.equal(out, reswarp(plate, flow, delta, impl="ref"))
    assert any("needs a CUDA tensor" in r.message for r in caplog.records)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("dtype, tolerance", [(torch.float32, NOISE_TOLERANCE),
                                              (torch.float16, 2 ** -10 + NOISE_TOLERANCE)])
@pytest.mark.parametrize("formulation", ["delta", "paper"])
@pytest.mark.parametrize("method", ["vanilla", "multiscale"])
@pytest.mark.parametrize("size", [(301, 517), (1, 1), (1080, 1920)])
@pytest.mark.parametrize("filter", FILTERS)
def test_triton_kernel_matches_the_reference_on_the_gpu(dtype, tolerance, formulation, method,
                                                       size, filter):
    pytest.importorskip("triton")
    plate, flow, delta = case(*size)
    plate, delta = plate.cuda(), delta.cuda()
    flow = MotionField(flow.px.cuda())
    ref = reswarp(plate, flow, delta, method=method, formulation=formulation, filter=filter,
                  impl="ref")
    fused = reswarp(plate.to(dtype), flow, delta, method=method, formulation=formulation,
                    impl="auto", filter=filter)
    assert fused.dtype == dtype
    # The compiled kernel contracts its position arithmetic (FMA), and a half plate's rounding
    # reaches every tap: both grow with the filter's weights (bilinear's bounds scaled; every
    # case passed so on an H200, once a residual's sample lost its floor at zero).
    values, positions = filter_gains(filter)
    tolerance = NOISE_TOLERANCE * positions + (tolerance - NOISE_TOLERANCE) * values
    error = (fused.float() - ref).abs()
    assert error.max() <= tolerance, (float(error.max()), tolerance, error.argmax())


def test_atw_info_reports_which_kernels_this_install_can_run():
    from conftest import run_atw

    proc = run_atw("info")
    assert proc.returncode == 0, proc.stderr
    assert "ResWarp kernels: cpu available" in proc.stdout
    from kernels import avx512

    assert f"AVX-512 kernel: {avx512.UNAVAILABLE or 'in use'}" in proc.stdout
    assert "learned bundles with --model FOLDER" in proc.stdout


def test_a_kernels_first_compile_on_a_machine_is_announced(tmp_path, monkeypatch, caplog):
    """Compiled on its first call on a machine (about a minute with the filtered paths), the
    Numba kernel says so first, once; from the cache it says nothing."""
    import importlib
    import sys

    from kernels import cpu

    # Cached beside its source (a fresh folder), as the kernels are in an installed tree.
    (tmp_path / "fresh_kernel.py").write_text(
        "from numba import njit\n\n\n@njit(cache=True)\ndef double(x):\n    return 2 * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    fresh = importlib.import_module("fresh_kernel")
    assert cpu.compiles_now(fresh.double)
    assert fresh.double(2) == 4
    assert not cpu.compiles_now(fresh.double)  # compiled in this process
    sys.modules.pop("fresh_kernel")
    again = importlib.import_module("fresh_kernel")  # as a new process finds it: on disk
    assert not again.double.overloads and not cpu.compiles_now(again.double)

    monkeypatch.setattr(cpu, "ENGINE", "numba")
    monkeypatch.setattr(cpu, "compiles_now", lambda kernel: kernel is cpu._delta_kernel)
    plate, flow, _ = case(16, 16, lo=(8, 8), channels=3)
    with caplog.at_level(logging.WARNING):
        cpu.reswarp_level(plate[0].numpy(), flow.px[0].numpy(), formulation="delta",
                          filter="lanczos")
    assert any("compiling the CPU kernel" in r.getMessage() for r in caplog.records)
