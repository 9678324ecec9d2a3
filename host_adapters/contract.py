"""What a host adapter is: a handful of methods a host implements, checked by name.

A host adapter wraps one ATW node/tool in its host (a Nuke gizmo, a Fusion control tool) and
answers four questions for the shared render job (:mod:`host_adapters.render_job`):

- ``frame_range()`` → ``(first, last)``: the frames to render, inclusive;
- ``bake_aus(first, last)`` → ``{frame: {"AU12": 2.5, "AU45L": 0.0, "happy": 0.8, ...}}``:
  every AU control's value at every frame — the 17 AUs', the one-side controls'
  (:data:`~atw_ofx.facs.SIDED_AU_NAMES`) and the expressions' weights
  (:data:`~atw_ofx.facs.EXPRESSIONS`, 0–1: added on top of the AUs) — intensity applied (the
  host's keyframes, expressions and links evaluated by the host);
- ``export_source(first, last, directory)`` → a sequence pattern (``source.####.exr``): the
  node's input written to scene-linear EXR by the host's own writer;
- ``import_result(pattern, first, last)``: point the host's reader at the rendered frames.

``name`` and ``capabilities`` (a set of strings from :data:`CAPABILITIES`) describe it. Optional
features are detected with ``hasattr``, as OpenTimelineIO does for its adapters.
"""
from __future__ import annotations

import abc

from atw_ofx.errors import ATWError

REQUIRED_METHODS = ("frame_range", "bake_aus", "export_source", "import_result")
#: What an adapter may declare it can do beyond the required methods.
CAPABILITIES = frozenset({"progress", "cancel", "media_pool", "farm"})


class HostAdapter(abc.ABC):
    """The contract as a type: ``isinstance(obj, HostAdapter)`` is true for any object with the
    contract's attributes and methods, subclass or not. An ABC rather than ``typing.Protocol``,
    which Nuke 13's Python 3.7 lacks."""

    name: str
    capabilities: frozenset[str]

    @classmethod
    def __subclasshook__(cls, other):
        if cls is HostAdapter:
            return not missing_methods(other)
        return NotImplemented

    @abc.abstractmethod
    def frame_range(self) -> tuple[int, int]: ...

    @abc.abstractmethod
    def bake_aus(self, first: int, last: int) -> dict[int, dict[str, float]]: ...

    @abc.abstractmethod
    def export_source(self, first: int, last: int, directory: str) -> str: ...

    @abc.abstractmethod
    def import_result(self, pattern: str, first: int, last: int) -> None: ...


class AdapterError(ATWError):
    """A host adapter is missing, broken, or does not implement the contract."""


class UnsupportedHostCall(AdapterError):
    """The host cannot do what was asked (e.g. a Media Pool import in Nuke)."""

    def __init__(self, adapter: str, call: str):
        super().__init__(f"the {adapter} adapter does not support {call}")
        self.adapter, self.call = adapter, call


def missing_methods(adapter: object) -> list[str]:
    """The contract's methods (and attributes) ``adapter`` lacks, in contract order."""
    missing = [name for name in ("name", "capabilities") if not hasattr(adapter, name)]
    return missing + [m for m in REQUIRED_METHODS if not callable(getattr(adapter, m, None))]


def validate(adapter: object) -> object:
    """``adapter`` itself when it implements the contract; otherwise an :class:`AdapterError`
    naming everything missing and any capability this version does not know."""
    label = getattr(adapter, "name", type(adapter).__name__)
    missing = missing_methods(adapter)
    if missing:
        raise AdapterError(f"host adapter {label!r} is missing {', '.join(missing)}")
    unknown = set(adapter.capabilities) - CAPABILITIES
    if unknown:
        raise AdapterError(f"host adapter {label!r} declares unknown capabilities "
                           f"{sorted(unknown)}; known: {sorted(CAPABILITIES)}")
    return adapter
