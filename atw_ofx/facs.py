"""The Action Unit vocabulary every interface shares (standard library only: host plugins —
Nuke's and Resolve's Pythons — import it without torch or numpy).

17 intensities in OpenFace order, 0–5 at every interface (FACS A–E mapped to 1–5, 0 = absent).
"""
from __future__ import annotations

AU_NAMES: tuple[str, ...] = (
    "AU01", "AU02", "AU04", "AU05", "AU06", "AU07", "AU09", "AU10", "AU12",
    "AU14", "AU15", "AU17", "AU20", "AU23", "AU25", "AU26", "AU45",
)
#: FACS names of :data:`AU_NAMES`, for the labels of host controls.
AU_FACS_NAMES: dict[str, str] = {
    "AU01": "Inner Brow Raiser", "AU02": "Outer Brow Raiser", "AU04": "Brow Lowerer",
    "AU05": "Upper Lid Raiser", "AU06": "Cheek Raiser", "AU07": "Lid Tightener",
    "AU09": "Nose Wrinkler", "AU10": "Upper Lip Raiser", "AU12": "Lip Corner Puller",
    "AU14": "Dimpler", "AU15": "Lip Corner Depressor", "AU17": "Chin Raiser",
    "AU20": "Lip Stretcher", "AU23": "Lip Tightener", "AU25": "Lips Part", "AU26": "Jaw Drop",
    "AU45": "Blink",
}
AU_RANGE: tuple[float, float] = (0.0, 5.0)
#: The sides of the face an AU can be asked of alone (``AU12L``): the person's own right and
#: left — FACS's R and L, not the image's — in a sided AU vector's row order (:mod:`atw_ofx.aus`).
SIDES: tuple[str, ...] = ("R", "L")
#: The AUs hosts offer a control per side for: those whose sides move apart on a real face — the
#: brows, the lids, the upper lip, the lips' corners. (The rig's mouth opening and jaw move both
#: sides alike.)
ONE_SIDED_AUS: tuple[str, ...] = ("AU01", "AU02", "AU04", "AU05", "AU06", "AU07", "AU10", "AU12",
                                  "AU14", "AU15", "AU20", "AU45")
#: The hosts' one-side controls, in panel order: ``AU01L``, ``AU01R``, ``AU02L``, …
SIDED_AU_NAMES: tuple[str, ...] = tuple(name + side for name in ONE_SIDED_AUS
                                        for side in reversed(SIDES))  # (the left first)
#: Version of the AU curves JSON schema (``atw render --aus``).
CURVES_SCHEMA_VERSION = 1
