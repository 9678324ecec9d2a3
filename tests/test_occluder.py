"""A field kept on its own side of a rigid occluder (a glasses frame held still)."""
import numpy as np

from atw_ofx.models.occluder import HOLD_CLEAR, held_apart


def _bar_and_raise(n: int = 96):
    """A horizontal bar (a frame's top bar) across the middle of the grid, and a brow raise
    above it: every pixel samples 8 px below itself, fading out far above."""
    occluder = np.zeros((n, n), bool)
    occluder[50:56, 10:86] = True
    ys, xs = np.mgrid[0:n, 0:n] + 0.5
    field = np.stack((np.zeros((n, n)), 8.0 * np.exp(-((ys - 40) / 25.0) ** 2)))
    return field, occluder, xs, ys


def _lands_in(occluder, x, y):
    n = occluder.shape[0]
    return occluder[np.clip(np.floor(y).astype(int), 0, n - 1),
                    np.clip(np.floor(x).astype(int), 0, n - 1)]


def test_nothing_outside_samples_from_behind_the_occluder():
    field, occluder, xs, ys = _bar_and_raise()
    assert _lands_in(occluder, xs + field[0], ys + field[1])[~occluder].sum() > 100
    out = held_apart(field, occluder)
    sx, sy = xs + out[0], ys + out[1]
    assert not _lands_in(occluder, sx, sy)[~occluder].any()
    # At least the clearance from the bar's edge (or where they were, if nearer), on the side
    # each pixel is on.
    above = (ys < 50) & (xs > 20) & (xs < 76)
    assert (sy[above] <= np.maximum(50 - HOLD_CLEAR, ys[above]) + 1e-4).all()
    # Far from the bar the raise is as asked; the column above the bar stretches, not folds.
    far = ys < 20
    np.testing.assert_allclose(out[:, far], field[:, far], atol=1e-5)
    column = sy[:50, 48]
    assert (np.diff(column) > 0).all()


def test_pixels_inside_the_occluder_move_as_their_nearest_outside_neighbour():
    """On the grid the occluder is grown over every cell the frame touches: its pixels the
    renderer's frame does not cover show the warped face, so they move as the face beside them
    (with their own field they showed what lies behind the frame)."""
    field, occluder, _, _ = _bar_and_raise()
    out = held_apart(field, occluder)
    # The bar's top rows move as the row above it, its bottom rows as the row below.
    np.testing.assert_allclose(out[:, 50:53, 20:76], out[:, 49:50, 20:76].repeat(3, 1),
                               atol=1e-5)
    np.testing.assert_allclose(out[:, 53:56, 20:76], out[:, 56:57, 20:76].repeat(3, 1),
                               atol=1e-5)
    # Where nothing moves, nothing inside does either.
    assert not held_apart(np.zeros_like(field), occluder).any()


def test_no_occluder_no_change():
    field, occluder, _, _ = _bar_and_raise()
    out = held_apart(field, np.zeros_like(occluder))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, field.astype(np.float32))
