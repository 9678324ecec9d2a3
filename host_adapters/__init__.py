"""The contract every host adapter (Nuke, Resolve/Fusion) implements, its registry, and the
host-side render job they share.

Import direction: host folders (``nuke/``, ``resolve/``) → ``host_adapters`` → ``atw_ofx``; the
core never imports this package or any host module.
"""
from .contract import (CAPABILITIES, REQUIRED_METHODS, AdapterError, HostAdapter,
                       UnsupportedHostCall, missing_methods, validate)
from .registry import ENTRY_POINT_GROUP, available, load, register

__all__ = ["CAPABILITIES", "REQUIRED_METHODS", "AdapterError", "HostAdapter",
           "UnsupportedHostCall", "missing_methods", "validate", "ENTRY_POINT_GROUP",
           "available", "load", "register"]
