"""The TorchScript export for Nuke's CatFileCreator (the native graph around it: host_tests)."""
import pytest
import torch

from atw_ofx.conventions import AU_NAMES, MotionField
from atw_ofx.models.bundle import save_bundle
from atw_ofx.models.cattery import CatteryGenerator, srgb_decode, srgb_encode
from atw_ofx.models.generator import Generator, GeneratorConfig
from atw_ofx.reswarp import reswarp

from conftest import run_atw


@pytest.fixture(scope="module")
def generator():
    torch.manual_seed(3)
    return Generator(GeneratorConfig(ngf=8, coef_flow=0.3)).eval()


def test_the_scripted_export_runs_and_equals_the_eager_model(generator, tmp_path):
    folder = save_bundle(tmp_path / "bundle", generator, name="tiny")
    pt = tmp_path / "atw.pt"
    proc = run_atw("export", "nuke", "--model", str(folder), "-o", str(pt))
    assert proc.returncode == 0, proc.stderr
    assert "forward.u, forward.v" in proc.stdout
    scripted = torch.jit.load(str(pt))
    eager = CatteryGenerator(generator)
    for module in (scripted, eager):  # knobs are attributes, set by name
        module.AU12, module.AU25, module.intensity = 3.0, 1.0, 0.8
    crop = torch.rand(1, 3, 190, 170) * 1.5  # scene-linear, some values above 1
    with torch.no_grad():
        out, ref = scripted(crop), eager(crop)
    assert out.shape == (1, 5, 190, 170)
    assert torch.allclose(out, ref, atol=1e-6)
    assert all(hasattr(scripted, au) for au in AU_NAMES)


def test_the_export_is_resWarp_delta_when_idistort_and_plus_are_applied(generator):
    """The native graph (IDistort by forward.u/v, plus the change) = our delta ResWarp."""
    eager = CatteryGenerator(generator)
    eager.AU12, eager.flip_rows = 4.0, False  # compare in top-down rows
    crop = torch.rand(1, 3, 256, 256)
    with torch.no_grad():
        out = eager(crop)
        # what the core computes from the same crop and AUs
        face = srgb_encode(torch.nn.functional.adaptive_avg_pool2d(crop, [128, 128])) * 2 - 1
        driving = eager.aus().view(1, -1) * eager.au_scale
        refined, warped, f = generator(face, driving)
        delta = srgb_decode((refined + 1) / 2) - srgb_decode((warped + 1) / 2)
        ref = reswarp(crop, generator.flow_pixels(f), delta, filter="bilinear", impl="ref")  # as emulated
    native = MotionField.from_idistort(out[:, 3:5]).warp(crop) + out[:, :3]
    assert (native - ref).abs().max() < 1e-4


def test_row_flip_matches_nukes_bottom_up_rows(generator):
    eager = CatteryGenerator(generator)
    eager.AU12 = 3.0
    crop = torch.rand(1, 3, 64, 80)
    with torch.no_grad():
        flipped = eager(torch.flip(crop, [2]))
        eager.flip_rows = False
        straight = eager(crop)
    assert torch.allclose(torch.flip(flipped, [2]), straight, atol=1e-6)


def test_srgb_curve_matches_ocio():
    import numpy as np

    from atw_ofx import colour

    values = np.linspace(0, 1, 1001, dtype=np.float32)
    rgb = np.stack([values] * 3, -1)
    ocio = colour.convert(rgb, colour.DEFAULT_PLATE_SPACE, colour.DEFAULT_MODEL_SPACE)[:, 0]
    ours = srgb_encode(torch.from_numpy(values)).numpy()
    assert np.abs(ours - ocio).max() < 2e-5
    assert torch.allclose(srgb_decode(srgb_encode(torch.from_numpy(values))),
                          torch.from_numpy(values), atol=1e-6)
