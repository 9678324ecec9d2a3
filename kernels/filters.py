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
