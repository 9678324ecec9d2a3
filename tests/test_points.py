"""Sampling an image at a list of points: the whole image or only the window the points need."""
import cv2
import numpy as np
import pytest

from atw_ofx.points import carried, sample_points, sample_window


@pytest.mark.parametrize("how", [cv2.INTER_LINEAR, cv2.INTER_CUBIC])
def test_a_window_samples_as_the_whole_image_does(how):
    """Points inside, on the edge and outside (edges held) of a planar image seen channels
    last, two of its three channels: as sampling a contiguous copy of those channels."""
    rng = np.random.default_rng(3)
    planar = rng.random((3, 60, 80), np.float32)
    image = planar.transpose(1, 2, 0)  # channels last, not contiguous: as the renderer's crop
    x = np.concatenate((rng.uniform(20, 35, 40), [-7.3, 0.2, 79.9, 93.0]))
    y = np.concatenate((rng.uniform(10, 22, 40), [5.0, -3.1, 59.7, 70.2]))
    whole = sample_points(np.ascontiguousarray(image[..., [2, 0]]), x, y, how)
    assert np.allclose(sample_window(image, x, y, how, [2, 0]), whole, atol=1e-5)
    # The cluster alone (its window's edges inside the image: the interpolation's reach counts).
    alone = sample_points(np.ascontiguousarray(image), x[:40], y[:40], how)
    assert np.allclose(sample_window(image, x[:40], y[:40], how), alone, atol=1e-5)


def test_points_in_any_shape_come_back_in_that_shape():
    image = np.arange(24, dtype=np.float32).reshape(4, 6)[..., None].repeat(2, -1)
    x, y = np.full((2, 3), 2.5), np.full((2, 3), 1.5)
    out = sample_window(image, x, y, cv2.INTER_LINEAR)
    assert out.shape == (2, 3, 2) and np.allclose(out, 8.0)
    assert sample_window(image, x[:0], y[:0], cv2.INTER_LINEAR).shape == (0, 3, 2)


def test_points_are_carried_to_where_a_steep_field_takes_them():
    """A backward field that turns sharply (a Gaussian bump whose offsets change by up to 0.6 of
    a pixel per pixel, as by a smile's moved corner): each carried point ``q`` is read back,
    ``q + field(q)``, within 0.01 px of where it came from — four fixed steps, as before, left
    points about a pixel off there."""
    n = 64
    y, x = np.mgrid[0:n, 0:n] + 0.5
    bump = np.exp(-((x - 32) ** 2 + (y - 32) ** 2) / (2 * 6.0 ** 2))
    field = np.stack((-6.0 * bump, 3.6 * bump)).astype(np.float32)
    rng = np.random.default_rng(5)
    points = rng.uniform(18, 46, (200, 2))
    q = carried(points, field)
    read = lambda p: np.stack([sample_points(plane, p[:, 0], p[:, 1], cv2.INTER_LINEAR)  # noqa: E731
                               for plane in field], 1)
    assert np.abs(q + read(q) - points).max() < 0.01
    four = carried(points, field, steps=4)
    assert np.abs(four + read(four) - points).max() > 0.5


def test_points_off_the_grid_are_carried_by_its_edges():
    """Past the grid the field's edge values hold (as OpenCV's replicated border): a field that
    shifts its left half by 3 px and its right half by −2 px carries points left and right of
    the grid by those; no points, none back."""
    field = np.zeros((2, 16, 16), np.float64)
    field[0, :, :8], field[0, :, 8:] = 3.0, -2.0
    points = np.array([[-40.0, 5.0], [70.0, 9.5], [2.25, -30.0]])
    assert np.allclose(carried(points, field), points - [[3.0, 0.0], [-2.0, 0.0], [3.0, 0.0]])
    assert carried(np.zeros((0, 2)), field).shape == (0, 2)


def test_two_channels_sample_as_exactly_as_one():
    """A field's two offsets at points: bilinear to float precision, as each alone (OpenCV's
    2-channel remap rounds its weights to 1/32 px: off by up to 0.39 here)."""
    rng = np.random.default_rng(5)
    field = (rng.normal(size=(2, 64, 64)) * 5).astype(np.float32)
    x, y = rng.uniform(1, 63, 300), rng.uniform(1, 63, 300)
    u, v = x - 0.5, y - 0.5
    c, r = np.floor(u).astype(int), np.floor(v).astype(int)
    fx, fy = u - c, v - r
    exact = np.stack([(p[r, c] * (1 - fx) + p[r, c + 1] * fx) * (1 - fy)
                      + (p[r + 1, c] * (1 - fx) + p[r + 1, c + 1] * fx) * fy for p in field], -1)
    for image in (np.moveaxis(field, 0, -1), np.ascontiguousarray(np.moveaxis(field, 0, -1))):
        assert np.abs(sample_window(image, x, y, cv2.INTER_LINEAR) - exact).max() < 1e-4
        assert np.abs(sample_points(image, x, y, cv2.INTER_LINEAR) - exact).max() < 1e-4
