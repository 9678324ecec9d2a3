"""Named expressions as AU vectors (FACS/EMFACS prototypes), usable with any model.

``--expression happy=0.8`` sets the prototype's AUs to ``0.8 × PEAK``; several expressions add
up (clamped to 0–5), and ``--au`` still overrides single AUs. Prototypes after Ekman & Friesen's
EMFACS, restricted to the 17 AUs ATW models know: disgust's AU16 (lower lip depressor) is absent,
so AU10 stands in with AU09 and AU15; contempt is unilateral AU12 + AU14 in FACS, which a
symmetric AU vector can only give as a weak bilateral pair.
"""
from __future__ import annotations

from .aus import _check_value, au_index
from .errors import CurveError

#: Intensity of a prototype's AUs at weight 1 (FACS "D", marked).
PEAK = 4.0
#: name → {AU: share of PEAK}.
EXPRESSIONS: dict[str, dict[str, float]] = {
    "happy": {"AU06": 1.0, "AU12": 1.0},
    "sad": {"AU01": 1.0, "AU04": 1.0, "AU15": 1.0},
    "surprise": {"AU01": 1.0, "AU02": 1.0, "AU05": 1.0, "AU26": 1.0},
    "fear": {"AU01": 1.0, "AU02": 1.0, "AU04": 1.0, "AU05": 1.0, "AU07": 1.0, "AU20": 1.0,
             "AU26": 1.0},
    "anger": {"AU04": 1.0, "AU05": 1.0, "AU07": 1.0, "AU23": 1.0},
    "disgust": {"AU09": 1.0, "AU10": 1.0, "AU15": 1.0},
    "contempt": {"AU12": 0.5, "AU14": 0.5},
}


def expression_aus(items: list[str]) -> dict[int, float]:
    """``["happy=0.8", "surprise=0.3"]`` → ``{AU index: intensity}``, summed and clamped to 0–5.

    >>> expression_aus(["happy=0.5"])
    {4: 2.0, 8: 2.0}
    """
    out: dict[int, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip().lower()
        if name not in EXPRESSIONS:
            raise CurveError(f"--expression {name!r}: expected one of {', '.join(EXPRESSIONS)}")
        weight = _check_value(value if sep else "1", f"--expression {name}", None)
        if weight > 1:
            raise CurveError(f"--expression {name}={value}: the weight is 0–1")
        for au, share in EXPRESSIONS[name].items():
            index = au_index(au)
            out[index] = min(5.0, out.get(index, 0.0) + weight * share * PEAK)
    return dict(sorted(out.items()))
