"""Host AU samples → the core's AU curves file (standard library only: runs in the host).

A host evaluates its own animation (keys, expressions, links) at every frame; the core gets
exactly those values back: one linear key per frame, so ``atw render`` reads at each frame the
value the host showed there. The file is the schema of ``atw render --aus`` (README, "AU curves
(JSON)").
"""
from __future__ import annotations

import json
import os
from typing import Dict

from atw_ofx.atomic import write_text
from atw_ofx.facs import (AU_NAMES, AU_RANGE, CURVES_SCHEMA_VERSION, EXPRESSION_RANGE, EXPRESSIONS,
                          HOST_CONTROLS)

from .contract import AdapterError

#: ``{frame: {"AU12": 2.5, "happy": 0.8, ...}}`` — what :meth:`HostAdapter.bake_aus` returns.
#: (``typing.Dict``: Python 3.7/3.8, Nuke 13's among them, cannot subscript ``dict`` at run time.)
Samples = Dict[int, Dict[str, float]]


def curves_document(samples: Samples) -> dict:
    """The curves JSON object: one linear key per sampled frame per control — an AU's clamped to
    0–5, an expression's weight (``happy``: :data:`~atw_ofx.facs.EXPRESSIONS`) to 0–1. A one-side
    control (``AU12L``: :data:`~atw_ofx.facs.SIDED_AU_NAMES`) left at 0 on every frame asks
    nothing and is left out: written, it would take the place of its AU's both-sides control on
    that side; so is an expression left at 0 (it would add nothing)."""
    names = sorted({name for values in samples.values() for name in values})
    unknown = [n for n in names if n not in HOST_CONTROLS]
    if unknown:
        raise AdapterError(f"unknown AU control {unknown[0]!r}; expected one of "
                           f"{', '.join(HOST_CONTROLS)}")
    names = [n for n in names if n in AU_NAMES
             or any(values.get(n, 0.0) != 0.0 for values in samples.values())]
    frames = sorted(samples)

    def keys(name: str) -> list:
        low, high = EXPRESSION_RANGE if name in EXPRESSIONS else AU_RANGE
        return [[f, min(high, max(low, float(samples[f].get(name, 0.0))))] for f in frames]

    return {
        "atw_au_curves": CURVES_SCHEMA_VERSION,
        "curves": {name: {"keys": keys(name), "interpolation": "linear"} for name in names},
    }


def write_curves(path: str | os.PathLike, samples: Samples) -> str:
    """Save the samples as an AU curves JSON file (``atw render --aus``), whole or not at all;
    returns the path."""
    return str(write_text(path, json.dumps(curves_document(samples), indent=1)))
