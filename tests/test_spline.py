"""The rig's thin-plate spline against SciPy's RBFInterpolator (the same function)."""
import numpy as np
import pytest
from scipy.interpolate import RBFInterpolator

from atw_ofx.models import spline


@pytest.mark.parametrize("smoothing", [0.0, 1e-3, 1.0])
@pytest.mark.parametrize("n, d", [(3, 1), (40, 2), (140, 3)])
def test_spline_equals_scipys_thin_plate_spline(smoothing, n, d):
    rng = np.random.default_rng(n + d)
    controls = rng.random((n, 2)) * 128 + 900  # pixel coordinates far from the origin
    values = rng.standard_normal((n, d)) * 3
    # more points than one parallel block, the last block partial; some points on controls
    points = np.concatenate((rng.random((2 * spline.BLOCK + 37, 2)) * 160 + 880, controls[:5]))
    ref = RBFInterpolator(controls, values, kernel="thin_plate_spline", smoothing=smoothing)
    got = spline.evaluate(spline.fit(controls, values, smoothing), points)
    assert got.shape == (len(points), d)
    np.testing.assert_allclose(got, ref(points), rtol=0, atol=1e-7 * np.abs(values).max())


def test_without_smoothing_the_spline_interpolates_and_keeps_affine_fields():
    rng = np.random.default_rng(7)
    controls = rng.random((30, 2)) * 100
    values = rng.standard_normal((30, 2))
    fitted = spline.fit(controls, values)
    np.testing.assert_allclose(spline.evaluate(fitted, controls), values, atol=1e-9)
    affine = controls @ np.array([[0.5, -1.0], [2.0, 0.25]]) + [3.0, -4.0]
    fitted = spline.fit(controls, affine)
    assert np.abs(fitted.weights).max() < 1e-9  # an affine field needs no bending
    points = rng.random((50, 2)) * 100
    np.testing.assert_allclose(spline.evaluate(fitted, points),
                               points @ np.array([[0.5, -1.0], [2.0, 0.25]]) + [3.0, -4.0],
                               atol=1e-9)


def test_the_vectorised_log_matches_libm_over_every_magnitude():
    rng = np.random.default_rng(3)
    x = np.concatenate((10.0 ** rng.uniform(-300, 300, 2000),
                        [1.0, 2.0, 0.5, np.sqrt(2.0), np.nextafter(np.sqrt(2.0), 2)]))
    got = np.array([spline._log(v) for v in x])
    np.testing.assert_allclose(got, np.log(x), rtol=1e-13, atol=1e-15)


def test_the_fit_solves_on_one_blas_thread_and_restores_the_limit(monkeypatch):
    """OpenBLAS workers woken by a small solve busy-wait through the rest of the frame."""
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before, seen = blas_threads(), []
    solve = np.linalg.solve

    def watched(*args):
        seen.append(blas_threads())
        return solve(*args)

    monkeypatch.setattr(np.linalg, "solve", watched)
    rng = np.random.default_rng(5)
    spline.fit(rng.random((20, 2)), rng.random((20, 2)))
    assert before and seen == [[1] * len(before)]
    assert blas_threads() == before
