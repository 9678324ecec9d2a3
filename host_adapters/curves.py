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
from atw_ofx.facs import AU_NAMES, AU_RANGE, CURVES_SCHEMA_VERSION, SIDED_AU_NAMES

from .contract import AdapterError

#: ``{frame: {"AU12": 2.5, ...}}`` — what :meth:`HostAdapter.bake_aus` returns.
#: (``typing.Dict``: Python 3.7/3.8, Nuke 13's among them, cannot subscript ``dict`` at run time.)
Samples = Dict[int, Dict[str, float]]


def curves_document(samples: Samples) -> dict:
    """The curves JSON object: one linear key per sampled frame per AU (clamped to 0–5). A
    one-side control (``AU12L``: :data:`~atw_ofx.facs.SIDED_AU_NAMES`) left at 0 on every frame
    asks nothing and is left out: written, it would take the place of its AU's both-sides
    control on that side."""
    low, high = AU_RANGE
    names = sorted({name for values in samples.values() for name in values})
    unknown = [n for n in names if n not in AU_NAMES and n not in SIDED_AU_NAMES]
    if unknown:
        raise AdapterError(f"unknown AU control {unknown[0]!r}; expected one of "
                           f"{', '.join(AU_NAMES + SIDED_AU_NAMES)}")
    names = [n for n in names if n in AU_NAMES
             or any(values.get(n, 0.0) != 0.0 for values in samples.values())]
    frames = sorted(samples)
    return {
        "atw_au_curves": CURVES_SCHEMA_VERSION,
        "curves": {name: {"keys": [[f, min(high, max(low, float(samples[f].get(name, 0.0))))]
                                   for f in frames],
                          "interpolation": "linear"}
                   for name in names},
    }


def write_curves(path: str | os.PathLike, samples: Samples) -> str:
    """Save the samples as an AU curves JSON file (``atw render --aus``), whole or not at all;
    returns the path."""
    return str(write_text(path, json.dumps(curves_document(samples), indent=1)))
