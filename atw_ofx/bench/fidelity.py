"""``atw bench fidelity``: how much of a full-resolution warp each method recovers (paper Table 3),
and how much of the plate's grain each warp filter keeps.

Ground truth is the exact warp: a smooth expression-like field
(:func:`~atw_ofx.bench.reswarp.expression_field`) on the 128 px model grid, up-sampled in float64
and applied to the plate by SciPy's quintic spline interpolation in float64 (prefiltered: the
band-limited reconstruction a finite filter approximates, from an implementation independent of
ours). Each method sees what the generator would give it — the 128 px warped image
``Warp(Down(plate), F)`` and the field ``F`` — and the full-resolution plate:

- ``up_nearest``, ``up_bilinear``, ``up_bicubic``: the 128 px result up-sampled (no plate detail);
- ``reswarp_vanilla_paper``, ``reswarp_multiscale_paper``: the paper's ResWarp;
- ``reswarp_vanilla_delta``, ``reswarp_multiscale_delta``: our default formulation;

the ResWarp methods once per warp filter (``bilinear``, ``cubic``, ``lanczos``;
:mod:`atw_ofx.filters`). Scores are PSNR and SSIM of the sRGB-encoded images over the whole face,
PSNR over the moving region only (field > 0.05 model px), and the **grain ratio**: fine-grain
energy (the image minus its Gaussian blur of σ = 1 px, mean square) after / before, in the moving
region — 1 keeps every grain, bilinear sampling at half-pixel offsets keeps about half — all
averaged over the faces.

Faces: the 1024² plates of ``../shared/data/plates/ffhq_atw`` at 1K, as they are (their own
photographic detail). At 2K and 4K the same faces up-sampled (Lanczos) with grain added in linear
light — the per-pixel detail a plate of that size carries and a 128 px result cannot — of two
kinds (``grain``): ``white``, independent per pixel, the worst case for any interpolation (its
energy reaches the Nyquist frequency, which every symmetric interpolator removes at a half-pixel
offset), and ``film``, the same noise blurred by σ = 0.6 px, as film grain scanned at 2–4K or a
debayered sensor's noise is (grain a pixel or two across, not one).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from .. import colour
from ..conventions import MotionField
from ..edits import grain_energy
from ..filters import FILTERS
from ..reswarp import down, reswarp, up
from .reswarp import LO, expression_field

METHODS = ("up_nearest", "up_bilinear", "up_bicubic", "reswarp_vanilla_paper",
           "reswarp_multiscale_paper", "reswarp_vanilla_delta", "reswarp_multiscale_delta")
SIDES = (1024, 2048, 4096)
#: Grain at 2K/4K: Gaussian, σ = GRAIN · (value + 0.02) in linear light, per pixel & channel...
GRAIN = 0.03
#: ... independent per pixel, or blurred by this σ (px) and rescaled to the same strength.
GRAIN_BLUR = {"white": 0.0, "film": 0.6}
MOVING = 0.05  # model pixels


def face_plate(path: Path, side: int, seed: int = 0, grain: str = "white") -> torch.Tensor:
    """``1×3×side×side`` float32 linear plate from an sRGB face image: resized (Lanczos up, area
    down), with ``grain`` (:data:`GRAIN_BLUR`) added above 1K."""
    from ..imageio import read_image

    source = read_image(path)
    rgb = colour.convert(source.rgb(), source.colourspace, colour.DEFAULT_PLATE_SPACE)
    if side != rgb.shape[0]:
        grown = side > rgb.shape[0]
        rgb = cv2.resize(rgb, (side, side),
                         interpolation=cv2.INTER_LANCZOS4 if grown else cv2.INTER_AREA)
    if side > SIDES[0]:  # above the faces' own 1K: detail the up-sampling could not add
        noise = np.random.default_rng(seed).standard_normal(rgb.shape).astype(np.float32)
        if GRAIN_BLUR[grain]:
            noise = cv2.GaussianBlur(noise, (0, 0), GRAIN_BLUR[grain])
            noise /= noise.std()
        rgb = rgb + GRAIN * (np.maximum(rgb, 0) + 0.02) * noise
    return torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None].float()  # HWC->1CHW


def ground_truth(plate: torch.Tensor, field: MotionField) -> torch.Tensor:
    """The plate warped exactly at full resolution: quintic spline interpolation in float64
    (SciPy), positions clamped to the border as ours are."""
    from scipy.ndimage import map_coordinates

    _, c, h, w = plate.shape
    up64 = MotionField(field.px.double()).resized(h, w).px[0].numpy()
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    coords = [np.clip(y + up64[1], 0, h - 1), np.clip(x + up64[0], 0, w - 1)]
    out = np.stack([map_coordinates(plate[0, k].double().numpy(), coords, order=5,
                                    mode="nearest") for k in range(c)])
    return torch.from_numpy(out)[None].float()


def reconstruct(method: str, plate: torch.Tensor, field: MotionField,
                filter: str | None = None) -> torch.Tensor:
    """One method's full-resolution result from the 128 px warped image, the field, the plate
    (ResWarp's warp sampling with ``filter``)."""
    size = tuple(plate.shape[-2:])
    low = field.warp(down(plate, (LO, LO)))  # what the generator gives for a pure warp
    if method.startswith("up_"):
        mode = method[3:]
        if mode == "bilinear":
            return up(low, size)
        return torch.nn.functional.interpolate(low, size=size, mode=mode,
                                               **({} if mode == "nearest" else
                                                  {"align_corners": False}))
    _, variant, formulation = method.split("_")
    return reswarp(plate, field, method=variant, formulation=formulation, impl="auto",
                   filter=filter)


def _display(image: torch.Tensor) -> np.ndarray:
    """``1×3×H×W`` linear → ``H×W×3`` sRGB-encoded float64 in [0, 1]."""
    rgb = image[0].permute(1, 2, 0).numpy()
    srgb = colour.convert(np.ascontiguousarray(rgb), colour.DEFAULT_PLATE_SPACE,
                          colour.DEFAULT_DISPLAY_FILE_SPACE)
    return np.clip(srgb, 0, 1).astype(np.float64)


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Peak signal-to-noise ratio (peak 1) over all pixels, or those where ``mask``."""
    err = (a - b) ** 2
    mse = err[mask].mean() if mask is not None else err.mean()
    return float("inf") if mse == 0 else float(10 * np.log10(1.0 / mse))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM (Wang et al. 2004: Gaussian window σ 1.5, K1 0.01, K2 0.03) over channels."""
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    blur = lambda x: cv2.GaussianBlur(x, (11, 11), 1.5)  # noqa: E731
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a ** 2
    var_b = blur(b * b) - mu_b ** 2
    cov = blur(a * b) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) \
        / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return float(s.mean())


def cases(filters=FILTERS) -> list[tuple[str, str | None]]:
    """``(method, filter)`` pairs: the up-samplings once, each ResWarp method per filter."""
    return [(m, None) for m in METHODS if m.startswith("up_")] + [
        (m, f) for m in METHODS if not m.startswith("up_") for f in filters]


def bench_fidelity(faces: list[Path], *, sides=SIDES, amplitude: float = 3.0, filters=FILTERS,
                   grains=tuple(GRAIN_BLUR), sheet: Path | None = None,
                   progress=print) -> list[dict]:
    """Scores of every method (ResWarp: per filter) at every side — per grain above 1K —
    averaged over ``faces``."""
    with torch.no_grad():
        return _bench_fidelity(faces, sides, amplitude, list(filters), list(grains), sheet,
                               progress)


def _bench_fidelity(faces, sides, amplitude, filters, grains, sheet, progress) -> list[dict]:
    field = expression_field(amplitude=amplitude)
    records, views = [], {}
    for side in sides:
        moving = (field.resized(side, side).px[0].abs().amax(0) > MOVING * side / LO).numpy()
        kinds = grains if side > SIDES[0] else ["none"]  # up to 1K: the photographs' own
        for grain in kinds:
            scores = {case: [] for case in cases(filters)}
            for k, path in enumerate(faces):
                plate = face_plate(path, side, seed=k, grain=grain)
                truth_d = _display(ground_truth(plate, field))
                before = grain_energy(_display(plate), moving)
                viewed = k == 0 and side == sides[-1] and grain == kinds[0]
                for method, filter in scores:
                    out_d = _display(reconstruct(method, plate, field, filter))
                    scores[method, filter].append((
                        psnr(out_d, truth_d), ssim(out_d, truth_d), psnr(out_d, truth_d, moving),
                        grain_energy(out_d, moving) / before))
                    if viewed:
                        views[method if filter is None else f"{method} {filter}"] = out_d
                if viewed:
                    views["ground_truth"] = truth_d
            for (method, filter), values in scores.items():
                p, s, pm, g = (float(np.mean([v[i] for v in values])) for i in range(4))
                records.append({"size": f"{side}x{side}", "grain": grain, "method": method,
                                "filter": filter, "psnr_db": round(p, 2), "ssim": round(s, 4),
                                "psnr_moving_db": round(pm, 2), "grain_ratio": round(g, 3),
                                "faces": len(faces), "field_amplitude_px": amplitude})
                progress(f"{side:>5} {grain:<5} {method:<26} {filter or '':<8} PSNR {p:6.2f} dB"
                         f"  SSIM {s:.4f}  moving PSNR {pm:6.2f} dB  grain kept {g:.3f}")
    if sheet is not None and views:
        write_sheet(sheet, views)
    return records


def write_sheet(path: Path, views: dict[str, np.ndarray], side: int = 320) -> None:
    """Crops at 1:1 (the largest size, first face, first grain) at the left mouth corner, where
    the field moves most: the images above, their fine grain below (the image minus its σ 1 px
    blur, ×10 around mid-grey) — where a filter softens, the lower row fades. A labelled PNG."""
    from ..imageio import ImagePlate, write_image

    order = ["ground_truth", "up_bicubic"] + [f"reswarp_vanilla_delta {f}" for f in FILTERS] + [
        "reswarp_vanilla_paper lanczos"]
    tiles = []
    for name in (n for n in order if n in views):
        image = views[name].astype(np.float32)
        h, w = image.shape[:2]
        y0, x0 = int(0.64 * h) - side // 2, int(0.36 * w) - side // 2
        tile = image[max(y0, 0):max(y0, 0) + side, max(x0, 0):max(x0, 0) + side]
        detail = tile - cv2.GaussianBlur(tile, (0, 0), 1.0, borderType=cv2.BORDER_REFLECT)
        label = np.full((32, tile.shape[1], 3), 255, np.uint8)
        cv2.putText(label, name.replace("reswarp_", ""), (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(np.concatenate([label / np.float32(255), tile,
                                     np.clip(0.5 + 10 * detail, 0, 1)]))
    write_image(path, ImagePlate.from_array(np.concatenate(tiles, axis=1), ("R", "G", "B"),
                                            colour.DEFAULT_DISPLAY_FILE_SPACE))
