"""The Render button, and the same render on a farm (``nuke -t``).

Render: bake the AU knobs per frame → write the input to EXR (``nuke.execute`` of the internal
Write) → ``atw render`` as a subprocess in the core's environment, its progress in Nuke's progress
bar (cancellable) or, without a GUI, on stdout → point the internal Read at the result.

On a farm, ``nuke -t <ATW>/nuke/atw_nuke/farm_render.py shot.nk`` renders every ATW node of the
script with the same code, then saves the script so its Reads point at the results.
"""
from __future__ import annotations

import os

from host_adapters.curves import write_curves
from host_adapters.render_job import RenderJob, run

from .adapter import NukeAdapter, _nuke
from .node import GIZMO


def render(node, *, nuke=None) -> int:
    """Render one Animate Face node; returns the number of frames rendered."""
    nuke = nuke or _nuke()
    adapter = NukeAdapter(node, nuke)
    first, last = adapter.frame_range()
    folder = adapter.work_directory()
    curves = write_curves(os.path.join(folder, "aus.json"), adapter.bake_aus(first, last))
    source = adapter.export_source(first, last, folder)
    output = os.path.join(folder, "result", "atw.####.exr")
    job = RenderJob(source, output, curves, first, last,
                    face_boxes=adapter.face_boxes(first, last, folder), **adapter.settings())
    progress, cancelled, finish = _progress(nuke, node.name(), job.frame_count)
    try:
        frames = run(job, progress=progress, cancelled=cancelled)
    finally:
        finish()
    adapter.import_result(output, first, last)
    return frames


def render_button(node) -> None:
    """The Render knob: errors an artist can act on become a message box, not a traceback."""
    from atw_ofx.errors import ATWError

    nuke = _nuke()
    try:
        render(node, nuke=nuke)
    except ATWError as exc:
        nuke.message(f"ATW: {exc}")


def render_all(*, nuke=None, save: bool = True) -> int:
    """Every Animate Face node of the open script (farm entry point); returns frames rendered."""
    nuke = nuke or _nuke()
    nodes = [n for n in nuke.allNodes(recurseGroups=True) if n.Class() == GIZMO]
    frames = sum(render(n, nuke=nuke) for n in nodes)
    if save and nodes:
        nuke.scriptSave()
    return frames


def _progress(nuke, label: str, total: int):
    """``(progress, cancelled, finish)`` callbacks: Nuke's progress bar, or lines on stdout."""
    if not nuke.GUI:
        def report(done, total, frame):
            print(f"ATW {label}: frame {frame} ({done}/{total})", flush=True)
        return report, None, lambda: None
    task = nuke.ProgressTask(f"ATW {label}")
    task.setMessage(f"rendering {total} frames")

    def update(done, total, frame):
        task.setProgress(int(100 * done / total))
        task.setMessage(f"frame {frame} ({done}/{total})")

    return update, task.isCancelled, lambda: task.setProgress(100)
