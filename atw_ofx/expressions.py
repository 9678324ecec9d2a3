"""Named expressions as AU vectors (FACS/EMFACS prototypes), usable with any model.

``--expression happy=0.8`` sets the prototype's AUs to ``0.8 × PEAK``; several expressions add
up (clamped to 0–5), and ``--au`` still overrides single AUs. An expression may be named by an
alias (``smile``, ``angry``: :data:`~atw_ofx.facs.EXPRESSION_ALIASES`), here, in a curves file and
in a learned model's class names. Prototypes after Ekman & Friesen's
EMFACS, restricted to the 17 AUs ATW models know: disgust's AU16 (lower lip depressor) is absent,
so AU10 stands in with AU09 and AU15; contempt is unilateral AU12 + AU14 in FACS, here on the
face's left (``AU12L``, ``AU14L``: :func:`~atw_ofx.aus.au_key`; ``--au AU12R=…`` etc. for the other
side). A model that moves both sides alike takes a sided vector's mean
(:func:`~atw_ofx.aus.both_sides`).

A model driven by expression classes instead of AUs (``--driving classes``) reads the same AU
vector back as class weights (:func:`expression_weights`), so presets, ``--au`` and host AU
curves drive it too.
"""
from __future__ import annotations

import numpy as np

from .aus import SIDES, _check_value, both_sides, expression_name, expression_prototype
from .errors import CurveError
# The prototypes (name → {AU: share of PEAK}) live with the AU names: the hosts name them too.
from .facs import AU_NAMES, EXPRESSION_ALIASES, EXPRESSIONS
from .facs import EXPRESSION_PEAK as PEAK  # noqa: F401 (re-exported)


def expression_aus(items: list[str]) -> dict[int | tuple[int, int], float]:
    """``["happy=0.8", "surprise=0.3"]`` → ``{AU key: intensity}`` (:func:`~atw_ofx.aus.au_key`),
    summed and clamped to 0–5; an AU a preset asks of one side is given per side.

    >>> expression_aus(["happy=0.5"])
    {4: 2.0, 8: 2.0}
    >>> expression_aus(["happy=0.5", "contempt=0.5"])[(8, 1)]
    3.5
    """
    sums = np.zeros((len(SIDES), len(AU_NAMES)))
    sided = np.zeros(len(AU_NAMES), bool)
    for item in items:
        given, sep, value = item.partition("=")
        name = expression_name(given)
        if name is None:
            raise CurveError(f"--expression {given.strip()!r}: expected one of "
                             f"{', '.join(EXPRESSIONS)} (or {', '.join(EXPRESSION_ALIASES)})")
        weight = _check_value(value if sep else "1", f"--expression {given.strip()}", None)
        if weight > 1:
            raise CurveError(f"--expression {given.strip()}={value}: the weight is 0–1")
        vector = expression_prototype(name)
        sums += weight * vector
        sided |= vector[0] != vector[1]
    sums = np.minimum(sums, 5.0)
    out: dict[int | tuple[int, int], float] = {}
    for index in np.flatnonzero(sums.any(axis=0)):
        if sided[index]:
            out.update({(int(index), side): float(sums[side, index])
                        for side in range(len(SIDES))})
        else:
            out[int(index)] = float(sums[0, index])
    return out


def prototype(name: str) -> np.ndarray:
    """The 17-AU vector of expression ``name`` at weight 1 (float64), both sides alike
    (:func:`~atw_ofx.aus.both_sides`)."""
    return both_sides(expression_prototype(name))


def expression_weights(aus: np.ndarray, class_names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Per class, the weight 0–1 of its expression in a 17-AU vector (float32, ``len(names)``).

    Non-negative least squares of ``aus`` on the prototypes of the classes that name an
    expression: a preset comes back exactly (``happy=0.8`` → 0.8 on the happy class) and any other
    AU vector as its closest mix of them. Classes that name no expression (neutral, unknown
    names) get 0. Raises :class:`CurveError` when AUs are asked of a model none of whose classes
    name an expression.
    """
    known = [(k, expression_name(n)) for k, n in enumerate(class_names)]  # ("neutral": none)
    known = [(k, e) for k, e in known if e is not None]
    weights = np.zeros(len(class_names), np.float32)
    if not np.any(aus):
        return weights
    if not known:
        raise CurveError(f"the model's classes ({', '.join(class_names) or 'unnamed'}) name no "
                         f"expression ATW knows ({', '.join(EXPRESSIONS)}); name them when "
                         "training (--class-names)")
    basis = np.stack([prototype(e) for _, e in known], axis=1)  # 17 × K
    from scipy.optimize import nnls  # only here: it costs a third of a second to import

    solution, _ = nnls(basis, both_sides(np.asarray(aus, np.float64)))
    for (k, _), w in zip(known, solution):
        weights[k] = min(1.0, w) if w > 1e-6 else 0.0  # NNLS leaves ~1e-17 on unused ones
    return weights
