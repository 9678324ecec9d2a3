"""Which host adapters exist and how to load one, OpenTimelineIO-style.

Adapters are found in two places, imported only when asked for:

- the built-in manifest below (our Nuke and Resolve adapters, importable when their plugin
  folder is on ``sys.path`` — inside the host, or in a test);
- the ``atw.host_adapters`` entry-point group, so a studio ships its own adapter as a package
  (``[project.entry-points."atw.host_adapters"] myhost = "mypkg.adapter:MyHostAdapter"``).

An entry point or a :func:`register` call replaces a built-in of the same name.
"""
from __future__ import annotations

import importlib
from typing import Callable

from .contract import AdapterError, validate

ENTRY_POINT_GROUP = "atw.host_adapters"
#: name → "module:attribute" of the adapter class (called with the host's node/tool objects).
BUILTIN: dict[str, str] = {
    "nuke": "atw_nuke.adapter:NukeAdapter",
    "resolve": "atw_resolve.adapter:ResolveAdapter",
}
_registered: dict[str, Callable] = {}


def register(name: str, factory: Callable) -> None:
    """Make ``factory`` (an adapter class or a function returning an adapter) loadable as
    ``name``."""
    _registered[name] = factory


def unregister(name: str) -> None:
    _registered.pop(name, None)


def _entry_points() -> dict:
    """name → entry point of the group. Python 3.7 (Nuke 13) has no ``importlib.metadata``: no
    packaged adapters there, only built-ins and :func:`register`. 3.8/3.9 (Nuke 14) return a dict
    of groups where 3.10+ select by ``group=``."""
    try:
        from importlib import metadata
    except ImportError:
        return {}
    found = metadata.entry_points()
    group = (found.select(group=ENTRY_POINT_GROUP) if hasattr(found, "select")
             else found.get(ENTRY_POINT_GROUP, ()))
    return {ep.name: ep for ep in group}


def available() -> list[str]:
    """Every adapter name that :func:`load` would try, sorted."""
    return sorted({*BUILTIN, *_entry_points(), *_registered})


def _factory(name: str) -> Callable:
    if name in _registered:
        return _registered[name]
    entry = _entry_points().get(name)
    target = entry.value if entry is not None else BUILTIN.get(name)
    if target is None:
        raise AdapterError(f"no host adapter named {name!r}; available: {', '.join(available())}")
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AdapterError(f"host adapter {name!r} ({target}) cannot be imported: {exc} — is "
                           "its plugin folder on the host's path?") from exc
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise AdapterError(f"host adapter {name!r}: {module_name} has no {attribute}") from None


def load(name: str, *args, **kwargs):
    """An adapter instance for ``name``, built with the host objects given, validated."""
    return validate(_factory(name)(*args, **kwargs))
