"""Paste-back (atw_ofx.face.crop.paste, kernels.paste): the crop blended into the plate."""
import numpy as np
import pytest

from atw_ofx.face.crop import CropBox, paste


def reference_paste(plate, result, matte, box, channels):
    """The definition: ``a + m·(b − a)`` for 0 < m < 1, ``b`` at m ≥ 1, the plate elsewhere."""
    out = plate.copy()
    for y in range(box.size):
        for x in range(box.size):
            py, px, m = box.y + y, box.x + x, matte[y, x]
            if not (0 <= py < plate.shape[0] and 0 <= px < plate.shape[1]) or m <= 0:
                continue
            for k, c in enumerate(channels):
                a, b = plate[py, px, c], result[y, x, k]
                out[py, px, c] = b if m >= 1 else np.float32(a + m * (b - a))
    return out


@pytest.mark.parametrize("box", [CropBox(5, 7, 24), CropBox(-6, 30, 20), CropBox(50, -4, 16),
                                 CropBox(200, 200, 8)])
def test_paste_equals_its_definition_bit_for_bit(box):
    rng = np.random.default_rng(1)
    plate = (rng.random((48, 64, 4), np.float32) * 4).astype(np.float32)
    plate[0, 0] = [-0.0, np.inf, np.nan, 1.0]  # untouched values keep their bits
    result_chw = rng.random((3, box.size, box.size), np.float32)
    result = result_chw.transpose(1, 2, 0)  # a strided H×W×C view, as the render passes it
    matte = rng.random((box.size, box.size), np.float32) * 1.6 - 0.3  # < 0, in (0, 1), ≥ 1
    out = paste(plate, result, matte, box, [2, 0, 1])
    expected = reference_paste(plate, result, matte, box, [2, 0, 1])
    assert out.shape == plate.shape and out.dtype == np.float32
    assert np.array_equal(out.view(np.uint32), expected.view(np.uint32))
    assert np.array_equal(out[..., 3], plate[..., 3])  # a channel not pasted: untouched
    assert out is not plate and np.shares_memory(out, plate) is False
    given_up = plate.copy()
    assert paste(given_up, result, matte, box, [2, 0, 1], in_place=True) is given_up
    assert np.array_equal(given_up.view(np.uint32), expected.view(np.uint32))


@pytest.mark.parametrize("box", [CropBox(5, 7, 24), CropBox(-6, 30, 20), CropBox(50, -4, 16),
                                 CropBox(-9, -5, 90), CropBox(70, 10, 6), CropBox(3, 60, 5),
                                 CropBox(0, 0, 1)])
def test_crop_planes_is_the_crop_channels_first(box):
    """Inside, across every edge, larger than the plate, wholly outside it (edges repeat)."""
    from atw_ofx.face.crop import crop, crop_planes

    plate = np.random.default_rng(2).random((48, 64, 4), np.float32)
    planes = crop_planes(plate, box, [2, 0, 1])
    assert planes.flags.c_contiguous and planes.shape == (3, box.size, box.size)
    assert np.array_equal(planes, crop(plate, box)[..., [2, 0, 1]].transpose(2, 0, 1))


@pytest.mark.parametrize("grow", [0.0, 3.0, 11.5])
def test_a_matte_is_its_polygon_grown_by_a_disc(grow):
    """Before feathering, a matte pixel is the share of its 4×4 sub-pixels whose centres lie
    within ``grow`` of the (convex) polygon: the definition, by point-to-polygon distances."""
    import cv2

    from atw_ofx.face.crop import _feathered

    n = 64
    hull = cv2.convexHull(np.random.default_rng(4).uniform(16, 48, (12, 2)).astype(np.float32))
    matte = _feathered(hull, n, grow=grow, feather=0.0)
    centres = (np.stack(np.meshgrid(np.arange(4 * n), np.arange(4 * n)), -1) + 0.5) / 4
    distance = np.array([cv2.pointPolygonTest(hull, (float(x), float(y)), True)
                         for x, y in centres.reshape(-1, 2)]).reshape(4 * n, 4 * n)
    expected = (distance >= -grow).reshape(n, 4, n, 4).mean(axis=(1, 3))
    expected[expected < 1e-3] = 0.0  # below MATTE_FLOOR as the matte cuts it
    # Only the sub-pixels the rasteriser rounds along an edge can disagree: at most one row of
    # four in a pixel, and few pixels; a radius off by one pixel would differ by whole pixels.
    assert np.abs(matte - expected).max() <= 4 / 16 + 1e-6
    assert np.abs(matte - expected).mean() < 0.01
