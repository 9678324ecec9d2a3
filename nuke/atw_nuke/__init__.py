"""ATW's Nuke plugin: the Animate Face gizmo, its Render action and its host adapter.

Runs inside Nuke's own Python: it imports only the standard library, ``host_adapters`` and the
torch-free parts of the core (``atw_ofx.facs``, ``atw_ofx.errors``); the render itself runs in
the core's own environment as an ``atw render`` subprocess. ``nuke`` is imported inside
functions only, so these modules import (and are tested) outside Nuke.
"""
