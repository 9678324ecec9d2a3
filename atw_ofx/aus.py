"""Action Unit vectors and keyframed AU curves (JSON, OpenFace CSV).

An AU vector is a float32 array of 17 intensities in :data:`~atw_ofx.conventions.AU_NAMES` order,
0–5 each, for both sides of the face alike. An AU may also be asked of one side alone —
``AU12L``, ``AU45R`` (FACS's L and R: the *person's* left and right, so on a face turned to the
camera ``L`` is the image's right) — and the vector is then ``2×17``, a row per side in
:data:`SIDES` order (a *sided* vector; :func:`per_side`, :func:`both_sides`). AU curves map a
frame number to such a vector.

**Curves file (JSON)**, schema version 1::

    {
      "atw_au_curves": 1,
      "interpolation": "smooth",            // default for every curve: step | linear | smooth
      "curves": {
        "AU12": {"keys": [[1001, 0.0], [1024, 4.0]], "interpolation": "linear"},
        "AU06": [[1001, 0.0], [1012, 2.5], [1024, 2.0]],  // a bare key list uses the default
        "AU45L": [[1001, 0.0], [1006, 5.0], [1010, 0.0]]  // one side alone: a wink
      }
    }

Keys are ``[frame, value]`` pairs (frames may be fractional, values 0–5). Before the first key a
curve holds its first value, after the last its last. ``smooth`` is a cubic ease (flat tangents at
every key), so it never overshoots the keyed range. AUs without a curve are 0. A side's own curve
(``AU12L``) takes the place of the both-sides one (``AU12``) on that side.

A curve may also name an expression (``"happy"``: :data:`~atw_ofx.facs.EXPRESSIONS`), its values
the expression's weight, 0–1: at each frame its AUs at ``weight × PEAK`` are added to what the AU
curves ask (sided where the expression is: contempt's ``AU12L``), each sum held to 0–5 — so a
keyed ``happy`` with a little more ``AU12`` on top smiles more, as a host's sliders layer. What the
command line sets (``--au``, ``--expression``: :meth:`AUCurves.with_constants`) still takes the
place of the curves' and the expressions' value for its AUs.

**OpenFace CSV** (FeatureExtraction / FaceLandmarkImg output): the ``frame`` column and the
``AUxx_r`` intensity columns become linear curves keyed at every row.
"""
from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .errors import CurveError
from .facs import (AU_NAMES, AU_RANGE, CURVES_SCHEMA_VERSION, EXPRESSION_ALIASES,
                   EXPRESSION_PEAK, EXPRESSION_RANGE, EXPRESSIONS, SIDES)

if TYPE_CHECKING:
    from .retarget import MotionTrack

INTERPOLATIONS = ("step", "linear", "smooth")
SCHEMA_VERSION = CURVES_SCHEMA_VERSION


def au_index(name: str, *, path: str | None = None) -> int:
    """Index of an AU by name; accepts ``AU12``, ``au12``, ``12``, ``AU12_r``."""
    key = name.strip().upper().removesuffix("_R")
    if key.isdigit():
        key = f"AU{int(key):02d}"
    if key not in AU_NAMES:
        raise CurveError(f"unknown AU {name!r}; expected one of {' '.join(AU_NAMES)}", path=path)
    return AU_NAMES.index(key)


def au_key(name: str, *, path: str | None = None) -> int | tuple[int, int]:
    """An AU by name, on both sides (its index: ``AU12``, as :func:`au_index` reads) or on one
    (``(index, side)``, side an index into :data:`SIDES`: ``AU12L``, ``12R``).

    >>> au_key("AU12"), au_key("au45l")
    (8, (16, 1))
    """
    key = name.strip().upper()
    if key[-1:] in SIDES and not key.endswith("_R"):
        try:
            return au_index(key[:-1], path=path), SIDES.index(key[-1])
        except CurveError:  # named as given
            raise CurveError(f"unknown AU {name!r}; expected one of {' '.join(AU_NAMES)}, each "
                             "with L or R after it for one side", path=path) from None
    return au_index(name, path=path)


def key_name(key: int | tuple[int, int]) -> str:
    """The name of an :func:`au_key` key: ``AU12``, ``AU12L``."""
    return AU_NAMES[key] if isinstance(key, int) else AU_NAMES[key[0]] + SIDES[key[1]]


def key_order(key: int | tuple[int, int]) -> tuple[int, int]:
    """Keys sorted by AU, each AU's both-sides key before its sides'."""
    return (key, -1) if isinstance(key, int) else key


def _check_value(value, what: str, path: str | None,
                 allowed: tuple[float, float] = AU_RANGE) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise CurveError(f"{what}: {value!r} is not a number", path=path) from None
    if not np.isfinite(v) or not allowed[0] <= v <= allowed[1]:
        raise CurveError(f"{what}: {v} is outside {allowed[0]:g}–{allowed[1]:g}", path=path)
    return v


def expression_name(name: str) -> str | None:
    """The :data:`~atw_ofx.facs.EXPRESSIONS` entry ``name`` names (any case; or one of its
    :data:`~atw_ofx.facs.EXPRESSION_ALIASES`: ``smile``), or None."""
    key = name.strip().lower()
    key = EXPRESSION_ALIASES.get(key, key)
    return key if key in EXPRESSIONS else None


def expression_prototype(name: str) -> np.ndarray:
    """The sided AU vector (``2×17``, float64) expression ``name`` asks at weight 1."""
    return per_side(au_vector({au_key(au): share * EXPRESSION_PEAK
                               for au, share in EXPRESSIONS[name].items()})).astype(np.float64)


def parse_au_assignments(items: list[str], option: str = "--au"
                         ) -> dict[int | tuple[int, int], float]:
    """``["AU12=3.5", "AU06=2"]`` → ``{8: 3.5, 4: 2.0}`` (:func:`au_key` → intensity); errors
    name the command-line ``option`` the items came from.

    >>> parse_au_assignments(["AU12=3.5", "6=2", "AU45L=5"])
    {8: 3.5, 4: 2.0, (16, 1): 5.0}
    """
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise CurveError(f"{option} {item!r}: expected NAME=VALUE, e.g. AU12=3.5")
        out[au_key(name)] = _check_value(value, f"{option} {name}", None)
    return out


def au_vector(values: dict[int | tuple[int, int], float] | None = None) -> np.ndarray:
    """The AU vector with the given ``{key: intensity}`` set (:func:`au_key`), the rest 0:
    17 floats, or ``2×17`` (:data:`SIDES` rows) when a key names a side, whose value then takes
    the place of its AU's both-sides one on that side."""
    values = values or {}
    sided = any(not isinstance(key, int) for key in values)
    vec = np.zeros((len(SIDES), len(AU_NAMES)) if sided else len(AU_NAMES), np.float32)
    for key in sorted(values, key=key_order):  # both sides first, then each side's own
        if isinstance(key, int):
            vec[..., key] = values[key]
        else:
            vec[key[1], key[0]] = values[key]
    return vec


def per_side(aus: np.ndarray) -> np.ndarray:
    """``aus`` as a sided vector: ``2×17``, a row per :data:`SIDES` entry (a view)."""
    aus = np.asarray(aus)
    return aus if aus.ndim == 2 else np.broadcast_to(aus, (len(SIDES),) + aus.shape)


def both_sides(aus: np.ndarray) -> np.ndarray:
    """``aus`` for a model that moves both sides alike: 17 floats, a sided vector's mean."""
    aus = np.asarray(aus)
    return aus if aus.ndim == 1 else aus.mean(axis=0).astype(aus.dtype)


@dataclass
class Curve:
    """One AU's keys: ``frames`` ascending, ``values`` 0–5, and an interpolation mode."""

    frames: np.ndarray
    values: np.ndarray
    interpolation: str = "smooth"

    def at(self, frame: float) -> float:
        f, v = self.frames, self.values
        if frame <= f[0]:
            return float(v[0])
        if frame >= f[-1]:
            return float(v[-1])
        k = int(np.searchsorted(f, frame, side="right")) - 1
        t = (frame - f[k]) / (f[k + 1] - f[k])
        if self.interpolation == "step":
            t = 0.0
        elif self.interpolation == "smooth":
            t = t * t * (3.0 - 2.0 * t)
        return float(v[k] + (v[k + 1] - v[k]) * t)


@dataclass
class AUCurves:
    """Keyframed curves for any subset of the 17 AUs, on both sides or one (:func:`au_key` →
    :class:`Curve`), and of expressions (name → :class:`Curve` of its weight, 0–1), added on top."""

    curves: dict[int | tuple[int, int], Curve] = field(default_factory=dict)
    #: A performer's motion carried onto the rig beside the curves (``atw aus extract
    #: --retarget``; :mod:`atw_ofx.retarget`), or None.
    retarget: MotionTrack | None = None
    #: Expression curves (:func:`expression_name` → weight curve): their AUs added to the curves'.
    expressions: dict[str, Curve] = field(default_factory=dict)
    #: AU keys set as constants (:meth:`with_constants`): their curve's value, no expression added.
    held: frozenset = frozenset()

    def at(self, frame: float) -> np.ndarray:
        """The AU vector at ``frame`` (float32: 17, or ``2×17`` where a curve or an expression
        names a side)."""
        aus = au_vector({key: curve.at(frame) for key, curve in self.curves.items()})
        weights = {name: curve.at(frame) for name, curve in self.expressions.items()}
        if not any(weights.values()):
            return aus
        added = sum(weight * expression_prototype(name) for name, weight in weights.items())
        for key in self.held:  # what the command line set stays as it set it
            added[(slice(None), key) if isinstance(key, int) else key[::-1]] = 0.0
        both = np.clip(per_side(aus) + added, *AU_RANGE).astype(np.float32)
        return both[0] if aus.ndim == 1 and np.array_equal(both[0], both[1]) else both

    def with_constants(self, values: dict[int | tuple[int, int], float]) -> "AUCurves":
        """These curves with some AUs replaced by constants (``--au`` over ``--aus``): no
        expression curve adds to them."""
        curves = dict(self.curves)
        for i, v in values.items():
            curves[i] = Curve(np.array([0.0]), np.array([v], np.float32), "step")
        return AUCurves(curves, self.retarget, self.expressions, self.held | set(values))

    def smoothed(self, sigma: float) -> "AUCurves":
        """These curves low-passed by a Gaussian of ``sigma`` frames (``--au-filter``).

        Each curve is sampled at every whole frame from ``4·sigma`` before its first key to as far
        after its last, filtered, and kept as linear keys. The result depends on the curve
        alone, never on which frames are rendered, so farm chunks agree with a single run.
        """
        if sigma <= 0:
            return self
        from scipy.ndimage import gaussian_filter1d

        reach = int(np.ceil(4 * sigma))

        def smoothed(curve: Curve, allowed: tuple[float, float]) -> Curve:
            if len(curve.frames) < 2:
                return curve
            frames = np.arange(np.floor(curve.frames[0]) - reach,
                               np.ceil(curve.frames[-1]) + reach + 1, dtype=np.float64)
            values = np.array([curve.at(f) for f in frames], np.float64)
            filtered = gaussian_filter1d(values, sigma, mode="nearest")
            return Curve(frames, np.clip(filtered, *allowed).astype(np.float32), "linear")

        return AUCurves({i: smoothed(c, AU_RANGE) for i, c in self.curves.items()}, self.retarget,
                        {name: smoothed(c, EXPRESSION_RANGE)
                         for name, c in self.expressions.items()}, self.held)

    def retarget_at(self, frame: float) -> tuple[np.ndarray, dict] | None:
        """The performer's motion at ``frame`` (``70×2``) and region sizes, or None
        (:mod:`atw_ofx.retarget`)."""
        return None if self.retarget is None else (self.retarget.at(frame),
                                                   self.retarget.sizes)

    def to_json(self) -> dict:
        named = [(key_name(key), c) for key, c in sorted(self.curves.items(),
                                                          key=lambda item: key_order(item[0]))]
        doc = {
            "atw_au_curves": SCHEMA_VERSION,
            "curves": {
                name: {"keys": [[float(f), float(v)] for f, v in zip(c.frames, c.values)],
                       "interpolation": c.interpolation}
                for name, c in named + list(self.expressions.items())
            },
        }
        if self.retarget is not None:
            doc["retarget"] = self.retarget.to_json()
        return doc


def ramp(keys: dict[str, float], first: float, last: float, interpolation="smooth") -> AUCurves:
    """Curves rising from 0 at ``first`` to ``keys[name]`` at ``last`` (e.g. the demo's smile)."""
    return AUCurves({
        au_key(name): Curve(np.array([first, last], np.float64),
                            np.array([0.0, value], np.float32), interpolation)
        for name, value in keys.items()
    })


def load_curves(path: str | os.PathLike) -> AUCurves:
    """Read a curves JSON file or an OpenFace CSV (by extension).

    Raises:
        CurveError: the file is missing, malformed, names unknown AUs or holds bad keys.
    """
    path = str(path)
    if not os.path.exists(path):
        raise CurveError("AU curves file not found", path=path)
    if not os.path.isfile(path):
        raise CurveError("AU curves: expected a file, got a folder", path=path)
    if path.lower().endswith(".csv"):
        try:
            return load_openface_csv(path)
        except UnicodeDecodeError as exc:
            raise CurveError(f"OpenFace CSV is not UTF-8 text: {exc.reason} at byte {exc.start}",
                             path=path) from None
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CurveError(f"not valid JSON: {exc}", path=path) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("curves"), dict):
        raise CurveError('expected an object with a "curves" object (see the schema in the README)',
                         path=path)
    version = doc.get("atw_au_curves", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise CurveError(f"unsupported schema version {version!r}", path=path)
    default = doc.get("interpolation", "smooth")
    curves, expressions = {}, {}
    for name, spec in doc["curves"].items():
        keys, interpolation = (spec.get("keys"), spec.get("interpolation", default)) \
            if isinstance(spec, dict) else (spec, default)
        expression = expression_name(name)
        if expression is not None:  # a weight curve, 0–1
            expressions[expression] = _curve_from_keys(keys, interpolation, f"{name}", path,
                                                       EXPRESSION_RANGE)
            continue
        try:
            key = au_key(name, path=path)
        except CurveError:
            raise CurveError(f"unknown AU {name!r}; expected one of {' '.join(AU_NAMES)} (each "
                             "with L or R after it for one side) or an expression: "
                             f"{', '.join(EXPRESSIONS)}", path=path) from None
        curves[key] = _curve_from_keys(keys, interpolation, f"{name}", path)
    retarget = None
    if "retarget" in doc:
        from .retarget import MotionTrack

        try:
            retarget = MotionTrack.from_json(doc["retarget"])
        except ValueError as exc:
            raise CurveError(str(exc), path=path) from None
    return AUCurves(curves, retarget, expressions)


def _curve_from_keys(keys, interpolation, name, path,
                     allowed: tuple[float, float] = AU_RANGE) -> Curve:
    if interpolation not in INTERPOLATIONS:
        raise CurveError(f"{name}: interpolation {interpolation!r} is not one of {INTERPOLATIONS}",
                         path=path)
    if not isinstance(keys, list) or not keys:
        raise CurveError(f"{name}: expected a non-empty list of [frame, value] keys", path=path)
    frames, values = [], []
    for key in keys:
        if not isinstance(key, (list, tuple)) or len(key) != 2:
            raise CurveError(f"{name}: key {key!r} is not a [frame, value] pair", path=path)
        try:
            frames.append(float(key[0]))
        except (TypeError, ValueError):
            raise CurveError(f"{name}: frame {key[0]!r} is not a number", path=path) from None
        values.append(_check_value(key[1], f"{name} at frame {key[0]}", path, allowed))
    frames_arr = np.array(frames, np.float64)
    if np.any(np.diff(frames_arr) <= 0):
        raise CurveError(f"{name}: key frames must be strictly increasing", path=path)
    return Curve(frames_arr, np.array(values, np.float32), interpolation)


def load_openface_csv(path: str) -> AUCurves:
    """OpenFace 2.x CSV → linear curves keyed at its ``frame`` column (values clamped to 0–5)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise CurveError("empty OpenFace CSV", path=path)
    header = [h.strip() for h in rows[0]]
    if "frame" not in header:
        raise CurveError('OpenFace CSV has no "frame" column', path=path)
    columns = {au_index(h, path=path): k for k, h in enumerate(header)
               if h.startswith("AU") and h.endswith("_r")}
    if not columns:
        raise CurveError("OpenFace CSV has no AUxx_r intensity columns", path=path)
    try:
        frames = np.array([float(r[header.index("frame")]) for r in rows[1:]], np.float64)
        table = {i: np.clip(np.array([float(r[k]) for r in rows[1:]], np.float32), *AU_RANGE)
                 for i, k in columns.items()}
    except (ValueError, IndexError) as exc:
        raise CurveError(f"malformed OpenFace row: {exc}", path=path) from None
    for values in (frames, *table.values()):  # nan/inf would reach the rig as a field of NaNs
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise CurveError(f"row {bad[0] + 2} holds {values[bad[0]]}, not a number",
                             path=path)
    order = np.argsort(frames, kind="stable")
    return AUCurves({i: Curve(frames[order], v[order], "linear") for i, v in table.items()})


def save_curves(path: str | os.PathLike, curves: AUCurves) -> None:
    """Write ``curves`` as JSON, whole or not at all."""
    from .atomic import write_text

    write_text(path, json.dumps(curves.to_json(), indent=2))
