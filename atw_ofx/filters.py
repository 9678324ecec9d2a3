"""The filters a warp samples the plate with: ``bilinear``, ``cubic`` and ``lanczos``.

Names as compositors know them from Nuke's filter knobs; the kernels, exactly:

- ``bilinear`` — the tent over the 2×2 pixels around the sample (the paper's, and cv2's
  INTER_LINEAR). A low-pass filter wherever the offset is fractional: a warp that moves skin by
  half a pixel keeps about half of its grain energy.
- ``cubic`` — Keys' cubic convolution with ``a = −0.5`` (Catmull-Rom; cv2's INTER_CUBIC uses
  ``a = −0.75``) over 4×4 pixels. Its weights sum to one by construction.
- ``lanczos`` — Lanczos-3, ``sinc(d)·sinc(d/3)`` for ``|d| < 3``, over 6×6 pixels, weights
  normalised to sum to one (a raw Lanczos window does not).

All are separable: a sample is the rows' horizontal sums weighted vertically. Conventions are
:func:`atw_ofx.conventions.sample_bilinear`'s: positions in index space (pixel ``(i, j)`` at
``(x, y) = (j, i)``), clamped to the image, taps beyond the border repeat the edge.

**Exact where nothing is fractional.** Along an axis whose fraction is exactly zero the sample
*is* the tap under it (not a weighted sum with zero weights, which turns an Inf neighbour into
NaN): integer offsets and a zero field return the plate's own values bit for bit, whatever the
filter.

**Highlights and the negative lobes.** Cubic and Lanczos weights are negative at ±1–2 and ±2–3
pixels, so an unclamped sample next to a bright highlight rings: a dark halo, negative values on
a positive plate (a specular highlight of 50 beside skin of 0.2 sends Lanczos to about −3). We
clamp every sample to the range of the 2×2 pixels around it (the bilinear footprint): the
result never leaves the span of its nearest neighbours, so highlights do not ring, a
non-negative plate stays non-negative, and a flat area stays flat — while the weights still
restore what the tent takes away from grain between its neighbours (``atw bench fidelity``
measures the grain each filter keeps). A sample whose sum is NaN (an Inf in the footprint with
weights of both signs) is the bilinear sample instead, as the ``bilinear`` filter would give.
"""
from __future__ import annotations

import torch

FILTERS: tuple[str, ...] = ("bilinear", "cubic", "lanczos")
#: Taps on each side of the sample: a filter reads ``2·RADIUS`` pixels per axis, from
#: ``floor(x) − RADIUS + 1`` to ``floor(x) + RADIUS``.
RADIUS = {"bilinear": 1, "cubic": 2, "lanczos": 3}
#: Keys' free parameter (Catmull-Rom's cubic).
KEYS_A = -0.5
#: Chosen by measurement (``atw bench fidelity``: the grain each filter keeps in moved pixels).
DEFAULT_FILTER = "lanczos"


def check_filter(name: str) -> str:
    """``name`` when it is one of :data:`FILTERS`, else ValueError naming the choices."""
    if name not in FILTERS:
        raise ValueError(f"unknown filter {name!r}, expected one of {', '.join(FILTERS)}")
    return name


def keys(d: torch.Tensor) -> torch.Tensor:
    """Keys' cubic convolution kernel (``a`` = :data:`KEYS_A`) at distances ``d`` (any shape)."""
    a, d = KEYS_A, d.abs()
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return torch.where(d < 1, near, torch.where(d < 2, far, torch.zeros_like(d)))


def lanczos3(d: torch.Tensor) -> torch.Tensor:
    """The Lanczos-3 window ``sinc(d)·sinc(d/3)`` at distances ``d`` (0 beyond 3)."""
    return torch.where(d.abs() < 3, torch.sinc(d) * torch.sinc(d / 3), torch.zeros_like(d))


def tap_weights(name: str, frac: torch.Tensor) -> list[torch.Tensor]:
    """Weights of the taps ``k = 1 − r … r`` (``r`` = RADIUS) at fractional offsets ``frac``.

    ``frac`` in [0, 1) is the sample's distance past the tap ``k = 0``; each weight has its
    shape. Computed in float64 and returned in ``frac``'s dtype.
    """
    r = RADIUS[check_filter(name)]
    f = frac.double()
    if name == "bilinear":
        raw = [1 - f, f]
    else:
        kernel = keys if name == "cubic" else lanczos3
        raw = [kernel(f - k) for k in range(1 - r, r + 1)]
    total = sum(raw)
    return [(w / total).to(frac.dtype) for w in raw]


def sample_filtered(image: torch.Tensor, x_idx: torch.Tensor, y_idx: torch.Tensor,
                    name: str) -> torch.Tensor:
    """Sample ``image`` at index-space positions with the filter ``name`` (module docstring).

    Args:
        image: ``N×C×H×W`` float.
        x_idx, y_idx: ``N×H'×W'`` positions in index space (pixel ``(i, j)`` at ``(j, i)``).
        name: ``"cubic"`` or ``"lanczos"`` (bilinear is ``conventions.sample_bilinear``).

    Returns:
        ``N×C×H'×W'`` in ``image``'s dtype: the filtered sample clamped to its 2×2 footprint.
    """
    n, c, h, w = image.shape
    r = RADIUS[check_filter(name)]
    x = x_idx.clamp(0, w - 1)
    y = y_idx.clamp(0, h - 1)
    x0, y0 = x.floor(), y.floor()
    fx, fy = x - x0, y - y0
    x0, y0 = x0.long(), y0.long()
    flat = image.reshape(n, c, h * w)

    def gather(yy: torch.Tensor, xx: torch.Tensor) -> torch.Tensor:
        index = (yy * w + xx).reshape(n, 1, -1).expand(n, c, -1)
        return flat.gather(2, index).reshape(n, c, *x_idx.shape[1:])

    columns = [(x0 + k).clamp(0, w - 1) for k in range(1 - r, r + 1)]
    rows = [(y0 + k).clamp(0, h - 1) for k in range(1 - r, r + 1)]
    wx = [weight.to(image.dtype).unsqueeze(1) for weight in tap_weights(name, fx)]
    wy = [weight.to(image.dtype).unsqueeze(1) for weight in tap_weights(name, fy)]
    x_whole, y_whole = (fx == 0).unsqueeze(1), (fy == 0).unsqueeze(1)
    centre = r - 1  # the tap k = 0
    value = None
    for row, weight_y in zip(rows, wy):
        across = sum(weight_x * gather(row, column) for column, weight_x in zip(columns, wx))
        across = torch.where(x_whole, gather(row, columns[centre]), across)
        value = weight_y * across if value is None else value + weight_y * across
        if row is rows[centre]:
            centre_row = across
    value = torch.where(y_whole, centre_row, value)
    # The 2×2 footprint: the tap under the sample and its right/down neighbours where the
    # fraction is not zero.
    x1 = torch.where(fx == 0, x0, columns[centre + 1])
    y1 = torch.where(fy == 0, y0, rows[centre + 1])
    corners = gather(y0, x0), gather(y0, x1), gather(y1, x0), gather(y1, x1)
    low = torch.minimum(torch.minimum(corners[0], corners[1]), torch.minimum(*corners[2:]))
    high = torch.maximum(torch.maximum(corners[0], corners[1]), torch.maximum(*corners[2:]))
    value = torch.minimum(torch.maximum(value, low), high)
    ax, ay = fx.to(image.dtype).unsqueeze(1), fy.to(image.dtype).unsqueeze(1)
    bilinear = torch.lerp(torch.lerp(corners[0], corners[1], ax),
                          torch.lerp(corners[2], corners[3], ax), ay)
    return torch.where(torch.isnan(value), bilinear, value)
