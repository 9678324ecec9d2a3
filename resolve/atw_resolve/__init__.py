"""ATW's DaVinci Resolve plugin: a Fusion control tool with 17 AU sliders on a timeline clip's
comp, and the render that bakes them, runs ``atw render`` and loads the result.

Runs inside Resolve's Python: standard library, ``host_adapters`` and the torch-free parts of the
core only. The Resolve and Fusion objects are always passed in (the entry script
``resolve/ATW Animate Face.py`` is the one place that looks them up).
"""
