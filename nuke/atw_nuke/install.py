"""What ``init.py`` and ``menu.py`` do: make the core importable, add the menu."""
from __future__ import annotations

import os
import sys

from .node import GIZMO

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def atw_root() -> str:
    """The ATW checkout holding ``host_adapters`` and ``atw_ofx`` (``$ATW_ROOT`` overrides)."""
    return os.environ.get("ATW_ROOT") or os.path.dirname(PLUGIN_DIR)


def on_init() -> None:
    """Farm-safe: put the checkout on ``sys.path`` (the gizmo is found through NUKE_PATH)."""
    root = atw_root()
    if root not in sys.path:
        sys.path.append(root)


def on_menu() -> None:
    """GUI only: the "ATW ▸ Animate Face" menu and toolbar entry."""
    import nuke

    command = f"nuke.createNode({GIZMO!r})"
    nuke.menu("Nuke").addMenu("ATW").addCommand("Animate Face", command)
    nuke.menu("Nodes").addMenu("ATW").addCommand("Animate Face", command)
