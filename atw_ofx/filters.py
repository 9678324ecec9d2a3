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
``(x, y) = (j, i)``), clamped to the image, taps beyond the border repeat the edge. The torch
reference is :func:`atw_ofx.conventions.sample_filtered`; the kernels in ``kernels/`` are
checked against it. This module holds only the names (no torch: host plugins import it).

**Exact where nothing is fractional.** Integer offsets and a zero field return the plate's own
values, whatever the filter. For cubic and Lanczos, along an axis whose fraction is exactly zero
the sample *is* the tap under it (not a weighted sum with zero weights, which would turn an Inf
neighbour into NaN): bit for bit, signed zeros and Inf included. Bilinear keeps its lerp (as
the paper's and every earlier release): exact wherever the neighbours are finite. A zero field
returns the plate bit for bit with every filter (ResWarp copies pixels that do not move).

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
