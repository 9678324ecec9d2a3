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
a positive plate (a specular highlight of 50 beside skin of 0.2 sends Lanczos to about −4). Every
sample is therefore held to the range ``[lo, hi]`` of the 2×2 pixels around it (its bilinear
footprint), widened by :data:`OVERSHOOT` (a quarter) of that range on each side, and never below
zero when those four pixels are not negative — for a plate's sample: a residual (what the paper
formulation warps, the plate less its low-pass) is signed, and is held to the widened range alone
(a floor at zero there would jump with the residual's sign, on grain by up to a quarter of the
footprint's range for the smallest change of the plate). Ringing happens where a footprint is
flat — on the skin beside a highlight, on the flat side of an edge — where that range is nil:
there the sample is held to its neighbours and nothing rings; a positive plate stays positive.
Grain's peaks fall between pixels, where the range is the grain's own: there the weights may
restore a peak a little past its neighbours, which the tent cannot (a clamp to the footprint
alone gave back 2–3 % of the grain; ``atw bench fidelity`` measures what each filter keeps). A
sample whose sum is NaN (an Inf in the footprint with weights of both signs) is the bilinear
sample instead, as the ``bilinear`` filter would give.
"""
from __future__ import annotations

FILTERS: tuple[str, ...] = ("bilinear", "cubic", "lanczos")
#: Taps on each side of the sample: a filter reads ``2·RADIUS`` pixels per axis, from
#: ``floor(x) − RADIUS + 1`` to ``floor(x) + RADIUS``.
RADIUS = {"bilinear": 1, "cubic": 2, "lanczos": 3}
#: Keys' free parameter (Catmull-Rom's cubic).
KEYS_A = -0.5
#: How far past its 2×2 footprint's range a cubic or Lanczos sample may go, as a fraction of that
#: range (module docstring).
OVERSHOOT = 0.25
#: Chosen by measurement (``atw bench fidelity``: the grain each filter keeps in moved pixels).
DEFAULT_FILTER = "lanczos"


def check_filter(name: str) -> str:
    """``name`` when it is one of :data:`FILTERS`, else ValueError naming the choices."""
    if name not in FILTERS:
        raise ValueError(f"unknown filter {name!r}, expected one of {', '.join(FILTERS)}")
    return name
