"""How soft a plate is, so that what the rig draws into it is as soft.

A generated region is drawn sharp — its outline anti-aliased over about a pixel, the lines
between its teeth a pixel wide — and on soft footage (compressed video, a plate scaled up, a lens
wide open) it read as cut out and laid on: crisp black outlines round an opening in soft lips,
the teeth a grille (looked at on the shared clips' mouths opened and raised lips). The plate's
blur is read off its own strongest edges near the region by re-blurring them: a Gaussian edge of
σ keeps ``√(σ² + r²) / σ`` of its gradient's peak after a further blur of ``r`` (Zhuo & Sim,
"Defocus map estimation from a single image", 2011), and the drawn pixels are blurred by what
they lack against it. Grain is laid on after (:mod:`.grain`): it stays the plate's fine grain.
"""
from __future__ import annotations

import cv2
import numpy as np

#: The further blur the edges are compared after (σ, px).
REBLUR = 1.0
#: The share of a window's pixels, by their gradient, read as its edges — edges only where they
#: stand out, their least this many times the window's median gradient: a smooth ramp of light
#: has none (its every gradient alike, it read as endlessly soft).
EDGES, STAND_OUT = 0.05, 2.0
#: What the reading gives an edge drawn sharp (area-sampled, as the rig's outlines are; σ, px):
#: the blur a drawn region already has.
DRAWN = 0.8
#: How much of a region's blurred footprint takes its blurred pixels whole: beyond its outline
#: they fade into what lies there over the blur's own reach.
WHOLE_FROM = 0.1


def edge_blur(luma: np.ndarray) -> float:
    """The blur of ``luma``'s (``H×W`` float32, display-encoded light) strongest edges (σ, px):
    the median over the top :data:`EDGES` of its gradients of what their peaks keep after a
    further :data:`REBLUR`; 0 on a window too small to read or without edges that stand out
    (:data:`STAND_OUT`)."""
    if min(luma.shape) < 8:
        return 0.0
    luma = np.ascontiguousarray(luma, np.float32)
    gradient = _gradient(luma)
    every_other = gradient[::2, ::2].ravel()  # (the statistics on a quarter: as good, faster)
    middle, least = np.quantile(every_other, [0.5, 1.0 - EDGES])
    if least <= STAND_OUT * middle or least <= 0.0:
        return 0.0
    edges = gradient >= least
    if edges.sum() < 8:
        return 0.0
    kept = np.median(gradient[edges] / np.maximum(
        _gradient(cv2.GaussianBlur(luma, (0, 0), REBLUR))[edges], 1e-9))
    return float(REBLUR / np.sqrt(max(kept * kept - 1.0, 1e-4)))


def display_luma(colour: np.ndarray) -> np.ndarray:
    """A rough display encoding of linear ``colour``'s (``H×W×C`` float32: RGB, or any other
    channels, their mean taken) light for :func:`edge_blur` (``H×W`` float32): the square root
    of its luma, negatives as 0."""
    colour = np.ascontiguousarray(colour, np.float32)
    luma = cv2.cvtColor(colour, cv2.COLOR_RGB2GRAY) if colour.shape[-1] == 3 \
        else colour.mean(-1, dtype=np.float32)
    return cv2.sqrt(np.maximum(luma, 0.0, out=luma))


def lacking(plate_blur: float) -> float:
    """The blur (σ, px) a region drawn sharp lacks against a plate whose edges are
    ``plate_blur`` (:func:`edge_blur`) soft: the two add in squares."""
    return float(np.sqrt(max(plate_blur * plate_blur - DRAWN * DRAWN, 0.0)))


def lacks(colour: np.ndarray) -> float:
    """The blur (σ, px) a region drawn sharp lacks against a window of the plate round it
    (``colour``: ``H×W×C`` float32, linear): :func:`lacking` of its edges' :func:`edge_blur`."""
    return lacking(edge_blur(display_luma(colour)))


def laid_softly(under: np.ndarray, drawn: np.ndarray, weight: np.ndarray, blur: float
                ) -> np.ndarray:
    """``drawn`` laid over ``under`` (both ``H×W×C`` float32) by ``weight`` (``H×W``, 0–1),
    blurred by ``blur`` (σ, px) where it lies and round its outline: within its blurred
    footprint the blurred composite, fading into ``under`` where the footprint fades out.
    ``blur`` 0: the plain composite."""
    laid = under + weight[..., None] * (drawn - under)
    if blur <= 0.0:
        return laid
    reach = cv2.GaussianBlur(weight.astype(np.float32), (0, 0), blur)
    whole = np.minimum(reach / WHOLE_FROM, 1.0)[..., None]
    return under + whole * (cv2.GaussianBlur(laid, (0, 0), blur) - under)


def _gradient(luma: np.ndarray) -> np.ndarray:
    """The gradient's magnitude (Sobel's, normalised to light per px). (OpenCV's magnitude, 16×
    NumPy's ``hypot`` and within an ulp of it: the reading ran twice a frame on the mouth.)"""
    return cv2.magnitude(cv2.Sobel(luma, cv2.CV_32F, 1, 0, ksize=3, scale=0.125),
                         cv2.Sobel(luma, cv2.CV_32F, 0, 1, ksize=3, scale=0.125))
