"""The warp's filters as the kernels number them (``atw_ofx/filters.py`` defines the filters;
``kernels/`` does not import ``atw_ofx``, and a test keeps the two in step).

``kernels/avx512.c`` restates these numbers in C (``KIND_*``, ``OVERSHOOT``).
"""
BILINEAR, CUBIC, LANCZOS = 0, 1, 2
KINDS = {"bilinear": BILINEAR, "cubic": CUBIC, "lanczos": LANCZOS}
#: Taps per axis of each kind.
TAPS = (2, 4, 6)
#: How far past its 2×2 footprint's range a sample may go, as a fraction of that range.
OVERSHOOT = 0.25
#: Lanczos-3's normalised weights as fitted polynomials, the kernels' way to compute them (no
#: sine, cosine or reciprocal per sample): for the tap pairs ``(k, 1 − k)``, ``k = −2, −1, 0``
#: (rows), with ``t = f − 1/2`` and ``u = t²``, ``w_k = E(u) + t·O(u)`` and
#: ``w_{1−k} = E(u) − t·O(u)`` (the weights mirror about ``f = 1/2``); ``E`` and ``O`` (columns,
#: coefficients of ``u⁰ … u⁴``) are Chebyshev fits to ``sinc(d)·sinc(d/3)`` normalised, within
#: 3.1e-7 in float32. ``kernels/avx512.c`` restates them (``LANCZOS_EVEN_ODD``).
LANCZOS_EVEN_ODD = (
    ((2.445654572e-02, -8.812573406e-02, -5.685750221e-02, 7.806904031e-02, -2.339042959e-02),
     (-6.392437185e-02, 3.099884687e-01, -2.417345657e-01, 1.112794674e-01, -5.200383637e-02)),
    ((-1.358695231e-01, 5.707617265e-01, -1.140247421e-01, 2.841504764e-02, -3.542707554e-02),
     (1.811592572e-01, -8.415094717e-01, 5.253480538e-01, -2.636127767e-01, 1.287568439e-01)),
    ((6.114129774e-01, -4.826359925e-01, 1.708822443e-01, -1.064840879e-01, 5.881750512e-02),
     (-1.336671280e+00, 1.545277363e+00, -9.094963413e-01, 5.232056919e-01, -2.508561490e-01)),
)
