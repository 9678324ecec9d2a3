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
#: Named expressions (FACS/EMFACS prototypes: :mod:`atw_ofx.expressions`): name → {AU: share of
#: :data:`EXPRESSION_PEAK`}, at weight 1. Here, as plain data, so that the hosts offer a slider per
#: expression (weight 0–1, :data:`EXPRESSION_RANGE`) and name its AUs.
EXPRESSIONS: dict[str, dict[str, float]] = {
    "happy": {"AU06": 1.0, "AU12": 1.0},
    "sad": {"AU01": 1.0, "AU04": 1.0, "AU15": 1.0},
    "surprise": {"AU01": 1.0, "AU02": 1.0, "AU05": 1.0, "AU26": 1.0},
    "fear": {"AU01": 1.0, "AU02": 1.0, "AU04": 1.0, "AU05": 1.0, "AU07": 1.0, "AU20": 1.0,
             "AU26": 1.0},
    "anger": {"AU04": 1.0, "AU05": 1.0, "AU07": 1.0, "AU23": 1.0},
    "disgust": {"AU09": 1.0, "AU10": 1.0, "AU15": 1.0},
    "contempt": {"AU12L": 0.75, "AU14L": 1.0},
}
#: Other names for :data:`EXPRESSIONS` — the class names data sets use (RaFD, AffectNet, FER,
#: CelebA's smile) and what a compositor may type (``--expression smile=0.5``).
EXPRESSION_ALIASES: dict[str, str] = {
    "happiness": "happy", "smile": "happy", "smiling": "happy", "sadness": "sad",
    "surprised": "surprise", "fearful": "fear", "afraid": "fear", "angry": "anger",
    "disgusted": "disgust", "contemptuous": "contempt"}
#: Intensity of an expression's AUs at weight 1 (FACS "D", marked).
EXPRESSION_PEAK = 4.0
EXPRESSION_RANGE: tuple[float, float] = (0.0, 1.0)


def expression_recipe(name: str) -> str:
    """What expression ``name`` asks at weight 1, for a host control's tooltip:
    ``"AU06 + AU12 at 4"``, one-side AUs and other shares named (``"AU12L at 3, AU14L at 4"``)."""
    by_level: dict[float, list[str]] = {}
    for au, share in EXPRESSIONS[name].items():
        by_level.setdefault(share * EXPRESSION_PEAK, []).append(au)
    return ", ".join(f"{' + '.join(aus)} at {level:g}" for level, aus in by_level.items())


#: Every control a host bakes per frame (:meth:`host_adapters.contract.HostAdapter.bake_aus`):
#: the AUs', the one-side AUs', the expressions' weights.
HOST_CONTROLS: tuple[str, ...] = AU_NAMES + SIDED_AU_NAMES + tuple(EXPRESSIONS)
#: Version of the AU curves JSON schema (``atw render --aus``).
CURVES_SCHEMA_VERSION = 1
