"""Motion-field conventions: converters round-trip, agree with grid_sample, keep x and y apart."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from atw_ofx.conventions import MotionField, check_shape, sample_bilinear


def smooth_field(n=2, h=13, w=21, amplitude=3.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    coarse = torch.randn(n, 2, 3, 4, generator=g) * amplitude
    return MotionField(F.interpolate(coarse, size=(h, w), mode="bicubic", align_corners=False))


class TestGridConverters:
    @pytest.mark.parametrize("align_corners", [False, True])
    def test_round_trip(self, align_corners):
        field = smooth_field()
        back = MotionField.from_grid(field.to_grid(align_corners=align_corners),
                                     align_corners=align_corners)
        torch.testing.assert_close(back.px, field.px, atol=1e-5, rtol=0)

    @pytest.mark.parametrize("align_corners", [False, True])
    def test_matches_grid_sample(self, align_corners):
        """Our pixel-space warp and torch's grid_sample on our grid are the same operation."""
        field = smooth_field(h=17, w=12)
        image = torch.rand(2, 3, 17, 12, generator=torch.Generator().manual_seed(1))
        ours = field.warp(image)
        theirs = F.grid_sample(image, field.to_grid(align_corners=align_corners), mode="bilinear",
                               padding_mode="border", align_corners=align_corners)
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)

    def test_identity_grid_values(self):
        grid = MotionField.zeros(1, 2, 4).to_grid(align_corners=False)
        assert grid[0, 0, :, 0].tolist() == [-0.75, -0.25, 0.25, 0.75]
        grid = MotionField.zeros(1, 2, 4).to_grid(align_corners=True)
        torch.testing.assert_close(grid[0, 0, :, 0], torch.tensor([-1.0, -1 / 3, 1 / 3, 1.0]))
        assert grid[0, :, 0, 1].tolist() == [-1.0, 1.0]


class TestIntegerShift:
    def test_shift_is_exact_and_axes_distinct(self):
        """H ≠ W, a different shift per axis and per batch element: swapped axes would show."""
        h, w = 7, 10
        image = torch.arange(2 * 3 * h * w, dtype=torch.float32).reshape(2, 3, h, w) * 1.37 - 40
        px = torch.zeros(2, 2, h, w)
        px[0, 0] = 3.0   # element 0: sample 3 px to the right
        px[1, 1] = -2.0  # element 1: sample 2 px up
        out = MotionField(px).warp(image)
        cols = np.clip(np.arange(w) + 3, 0, w - 1)
        rows = np.clip(np.arange(h) - 2, 0, h - 1)
        assert torch.equal(out[0], image[0][:, :, cols])
        assert torch.equal(out[1], image[1][:, rows, :])
        assert not torch.equal(out[0], image[0][:, np.clip(np.arange(h) + 3, 0, h - 1)][:, :, :w])

    def test_zero_field_is_identity(self):
        image = torch.randn(1, 4, 9, 5) * 100
        assert torch.equal(MotionField.zeros(1, 9, 5).warp(image), image)


class TestNukeConventions:
    def test_idistort_flips_y_only(self):
        field = smooth_field()
        uv = field.to_idistort()
        assert torch.equal(uv[:, 0], field.px[:, 0])
        assert torch.equal(uv[:, 1], -field.px[:, 1])
        assert torch.equal(MotionField.from_idistort(uv).px, field.px)

    def test_stmap_round_trip_and_origin(self):
        field = smooth_field(h=6, w=8)
        torch.testing.assert_close(MotionField.from_stmap(field.to_stmap()).px, field.px,
                                   atol=1e-5, rtol=0)
        st = MotionField.zeros(1, 6, 8).to_stmap()
        # Top-left pixel centre: s = 0.5/W, t = 1 − 0.5/H (origin bottom-left).
        assert st[0, 0, 0, 0].item() == pytest.approx(0.5 / 8)
        assert st[0, 1, 0, 0].item() == pytest.approx(1 - 0.5 / 6)
        assert st[0, 1, -1, 0].item() == pytest.approx(0.5 / 6)

    def test_stmap_moves_with_the_field(self):
        px = torch.zeros(1, 2, 6, 8)
        px[0, 0] = 2.0
        px[0, 1] = 1.0
        st = MotionField(px).to_stmap()
        assert st[0, 0, 0, 0].item() == pytest.approx(2.5 / 8)
        assert st[0, 1, 0, 0].item() == pytest.approx(1 - 1.5 / 6)


class TestResize:
    def test_offsets_scale_per_axis(self):
        px = torch.zeros(1, 2, 4, 8)
        px[:, 0] = 1.0
        px[:, 1] = 2.0
        up = MotionField(px).resized(12, 16)
        assert up.px[0, 0].unique().tolist() == [2.0]
        assert up.px[0, 1].unique().tolist() == [6.0]

    def test_bad_shape(self):
        with pytest.raises(ValueError, match="expected"):
            MotionField(torch.zeros(1, 3, 4, 4))
        with pytest.raises(ValueError, match=r"got shape \(2, 2\)"):
            check_shape(torch.zeros(2, 2), "N C H W")


def test_sample_bilinear_midpoint():
    image = torch.tensor([[[[0.0, 10.0], [20.0, 30.0]]]])
    out = sample_bilinear(image, torch.tensor([[[0.5]]]), torch.tensor([[[0.5]]]))
    assert out.item() == pytest.approx(15.0)
