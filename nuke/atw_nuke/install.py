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
    """GUI only: "ATW ▸ Animate Face" and "ATW ▸ Native ResWarp (Cattery)", menu and toolbar."""
    import nuke

    command = f"nuke.createNode({GIZMO!r})"
    native = "import atw_nuke.native; atw_nuke.native.build_from_selection()"
    for bar in ("Nuke", "Nodes"):
        menu = nuke.menu(bar).addMenu("ATW")
        menu.addCommand("Animate Face", command)
        menu.addCommand("Native ResWarp (Cattery)", native)
