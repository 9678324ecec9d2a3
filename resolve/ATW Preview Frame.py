"""ATW ▸ Preview Frame — DaVinci Resolve script: Animate Face for the comp's current frame only,
through a warm ATW worker. Install beside "ATW Animate Face.py" (link both; see its notes)."""
import os
import runpy

_here = os.path.dirname(os.path.realpath(globals().get("__file__", "") or "."))
runpy.run_path(os.path.join(_here, "ATW Animate Face.py"),
               init_globals={**globals(), "ATW_PREVIEW_FRAME": True})
