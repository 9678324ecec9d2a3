"""The benchmarks behind ``atw bench``: their records, their metrics, their ground truth."""
import json

import cv2
import numpy as np
import pytest
import torch

from atw_ofx.bench import fidelity
from atw_ofx.conventions import MotionField
from atw_ofx.filters import FILTERS
from atw_ofx.bench.reswarp import CPU_IMPLS, expression_field, parse_size
from atw_ofx.imageio import read_image

from conftest import run_atw

RECORD_KEYS = {"size", "impl", "device", "ms_per_frame", "peak_mb"}


def test_bench_reswarp_writes_one_record_per_size_and_impl(tmp_path):
    out = tmp_path / "results" / "reswarp.json"
    proc = run_atw("bench", "reswarp", "--sizes", "96x64,40", "--min-seconds", "0",
                   "--impls", "memcpy_bound,naive_torch,cv2_remap,fused_cpu", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    records = json.loads(out.read_text())
    assert [(r["size"], r["impl"]) for r in records] == [
        (s, i) for s in ("96x64", "40x40")
        for i in ("memcpy_bound", "naive_torch", "cv2_remap", "fused_cpu")]
    for r in records:
        assert RECORD_KEYS <= r.keys() and r["device"] == "cpu" and r["cpu"]
        assert r["ms_per_frame"] > 0 and r["reps"] >= 3
        # Which CPU kernel ran: their times differ several-fold.
        assert ("kernel" in r) == (r["impl"] == "fused_cpu")
    from kernels.cpu import native

    kernel = "avx512" if native(64, 96) else "numba"
    assert {r["kernel"] for r in records if "kernel" in r} == {kernel}
    assert f"fused_cpu ({kernel})" in proc.stdout
    assert "× vs cv2_remap" in proc.stdout and "the copy bound" in proc.stdout


def test_bench_reswarp_measures_each_mode_and_runs_the_vanilla_delta_baselines_once(tmp_path):
    out = tmp_path / "modes.json"
    proc = run_atw("bench", "reswarp", "--sizes", "40", "--min-seconds", "0",
                   "--impls", "cv2_remap,fused_cpu", "--reswarp", "vanilla,multiscale",
                   "--formulation", "delta,paper", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    records = json.loads(out.read_text())
    assert [(r["method"], r["formulation"], r["impl"]) for r in records] == [
        ("vanilla", "delta", "cv2_remap"), ("vanilla", "delta", "fused_cpu"),
        ("vanilla", "paper", "fused_cpu"), ("multiscale", "delta", "fused_cpu"),
        ("multiscale", "paper", "fused_cpu")]
    assert "40x40 multiscale paper (cpu, " in proc.stdout
    proc = run_atw("bench", "reswarp", "--sizes", "40", "--reswarp", "vanilla,fancy")
    assert proc.returncode == 2 and "'fancy': expected vanilla, multiscale" in proc.stderr


def test_bench_reswarp_names_each_records_filter_and_times_it_against_its_bilinear(tmp_path):
    out = tmp_path / "filters.json"
    proc = run_atw("bench", "reswarp", "--sizes", "48", "--min-seconds", "0",
                   "--impls", "memcpy_bound,cv2_remap,fused_cpu",
                   "--filter", "bilinear,cubic,lanczos", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    records = json.loads(out.read_text())
    assert [(r["impl"], r["filter"]) for r in records] == [
        ("memcpy_bound", "none"), ("cv2_remap", "bilinear"), ("fused_cpu", "bilinear"),
        ("fused_cpu", "cubic"), ("fused_cpu", "lanczos")]  # the baselines measured once
    assert proc.stdout.count("the time of its bilinear") == 2
    proc = run_atw("bench", "reswarp", "--sizes", "40", "--filter", "sinc")
    assert proc.returncode == 2 and "'sinc': expected bilinear, cubic, lanczos" in proc.stderr


def test_bench_reswarp_refuses_an_unknown_impl(tmp_path):
    proc = run_atw("bench", "reswarp", "--sizes", "32", "--impls", "magic", "--min-seconds", "0")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"atw: error: unknown implementation 'magic' for cpu; expected any of "
        f"{', '.join(CPU_IMPLS)}"]


def test_the_cv2_composite_computes_the_same_reswarp_as_the_reference():
    """The baseline must do the same work as ours, or the ratio means nothing."""
    from atw_ofx.bench.reswarp import _setup, refinement_change
    from atw_ofx.conventions import MotionField
    from atw_ofx.reswarp import reswarp

    torch.manual_seed(0)
    plate = (torch.rand(1, 3, 90, 160) * 4)
    composite = _setup((90, 160), "cv2_remap", "cpu", "vanilla", "delta")()
    ref = reswarp(plate, MotionField(expression_field().px), refinement_change(),
                  filter="bilinear", impl="ref").numpy()[0].transpose(1, 2, 0)  # cv2's INTER_LINEAR
    # cv2.remap interpolates with 1/32-pixel fixed-point weights: close, not float-exact.
    assert np.abs(composite - ref).max() < 0.15 * 4 / 32


def test_sizes_parse_as_width_by_height():
    assert parse_size("7680x4320") == (4320, 7680)
    assert parse_size("512") == (512, 512)


def test_psnr_and_ssim_against_hand_computed_values(rng):
    a = rng.random((64, 64, 3))
    assert fidelity.psnr(a, a + 0.1) == pytest.approx(20.0)  # MSE 0.01, peak 1
    assert fidelity.psnr(a, a) == float("inf")
    assert fidelity.ssim(a, a) == pytest.approx(1.0)
    noisy = [fidelity.ssim(a, a + s * rng.standard_normal(a.shape)) for s in (0.01, 0.1)]
    assert 1.0 > noisy[0] > noisy[1]
    mask = np.zeros((64, 64, 3), bool)
    mask[:8] = True
    b = a.copy()
    b[8:] += 0.5  # errors only outside the mask
    assert fidelity.psnr(a, b, mask) == float("inf")


def test_ground_truth_warp_is_independent_of_ours_and_exact(portrait_path):
    plate = fidelity.face_plate(portrait_path, 256)
    shift = MotionField(torch.tensor([3.0, -2.0]).view(1, 2, 1, 1).expand(1, 2, 16, 16) * 16 / 256)
    truth = fidelity.ground_truth(plate, shift)  # float64 quintic spline, SciPy
    torch.testing.assert_close(truth[..., 2:, :-3], plate[..., :-2, 3:], atol=1e-5, rtol=0)
    field = expression_field()
    truth = fidelity.ground_truth(plate, field)
    assert (truth - plate).abs().max() > 0.05  # the field really moves the face
    errors = {f: float((field.resized(256, 256).warp(plate, f) - truth).square().mean())
              for f in FILTERS}
    assert errors["lanczos"] < errors["cubic"] < errors["bilinear"]


def test_fidelity_bench_scores_each_filter_against_the_exact_warp(portrait_path, tmp_path):
    sheet = tmp_path / "sheet.png"
    records = fidelity.bench_fidelity([portrait_path], sides=(384,), sheet=sheet,
                                      progress=lambda *_: None)
    score = {(r["method"], r["filter"]): r for r in records}
    assert set(score) == set(fidelity.cases())
    delta = {f: score["reswarp_vanilla_delta", f] for f in FILTERS}
    # Against the exact (band-limited) warp, sharper filters come closer and keep more grain.
    assert delta["bilinear"]["psnr_db"] < delta["cubic"]["psnr_db"] < delta["lanczos"]["psnr_db"]
    assert (delta["bilinear"]["grain_ratio"] < delta["cubic"]["grain_ratio"]
            < delta["lanczos"]["grain_ratio"] <= 1.05)
    assert delta["lanczos"]["psnr_db"] >= delta["bilinear"]["psnr_db"] + 3
    assert score["reswarp_vanilla_paper", "lanczos"]["psnr_db"] > score[
        "up_bicubic", None]["psnr_db"] + 5
    assert score["up_bicubic", None]["psnr_db"] > score["up_nearest", None]["psnr_db"]
    image = read_image(sheet)
    assert image.pixels.shape[1] == 6 * 320  # six 1:1 crops, the image over its grain
    assert image.pixels.shape[0] == 32 + 2 * (384 - (int(0.64 * 384) - 160))


def test_grain_energy_is_the_detail_a_one_pixel_blur_removes():
    rng = np.random.default_rng(0)
    flat = np.full((64, 64, 3), 0.5)
    mask = np.ones((64, 64), bool)
    assert fidelity.grain_energy(flat, mask) == pytest.approx(0.0, abs=1e-12)
    noise = flat + 0.1 * rng.standard_normal(flat.shape)
    smooth = cv2.GaussianBlur(noise, (0, 0), 3.0)
    assert fidelity.grain_energy(noise, mask) > 20 * fidelity.grain_energy(smooth, mask)


def test_bench_render_times_a_whole_frame_with_and_without_the_kernel(tmp_path):
    out = tmp_path / "render.json"
    proc = run_atw("bench", "render", "--sizes", "480x270", "--min-seconds", "0",
                   "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    records = json.loads(out.read_text())
    assert [r["impl"] for r in records] == ["memcpy_bound", "render_ref", "render_fused",
                                            "render_fused_68"]
    assert all(RECORD_KEYS <= r.keys() and r["ms_per_frame"] > 0 and r["cpu"] for r in records)
    assert [r.get("kernel") in ("avx512", "numba") for r in records] == [False, False, True, True]
    assert "faster than render_ref" in proc.stdout and "the 68-point rig's frame" in proc.stdout
    stages = ["crop", "model_input", "matte", "model", "matte_up", "reswarp", "paste", "aovs"]
    for r in records[1:]:  # where each frame's time went, stage by stage
        assert list(r["stages_ms"]) == stages and all(ms >= 0 for ms in r["stages_ms"].values())
    assert "stages_ms" not in records[0]
