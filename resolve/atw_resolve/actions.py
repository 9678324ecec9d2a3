"""Animate Face on the current timeline clip: add the controls, or render with them.

First run on a clip: find or create the clip's Fusion comp and paste the ATW control tool (17 AU
sliders, an intensity and the render's settings); the artist keyframes the sliders on the Fusion
page. Next run: the shared host render (:mod:`host_adapters.pipeline`, the adapter loaded through
the registry): bake the sliders per frame → render the artist's comp up to ATW through a Saver →
``atw render`` in the core's own environment → load the result with a Loader into MediaOut
(optionally also into the Media Pool).
"""
from __future__ import annotations

import os

import host_adapters
from host_adapters.contract import AdapterError
from host_adapters.pipeline import RESULT_PATTERN, preview, render

from .setting import TOOL, setting_text


def clip_comp(resolve):
    """``(project, timeline item, comp)`` of the current timeline clip (its first Fusion comp,
    created when it has none)."""
    project = resolve.GetProjectManager().GetCurrentProject()
    timeline = project.GetCurrentTimeline() if project else None
    item = timeline.GetCurrentVideoItem() if timeline else None
    if item is None:
        raise AdapterError("no current clip: put the playhead over a clip on the timeline")
    comp = item.GetFusionCompByIndex(1) if item.GetFusionCompCount() else item.AddFusionComp()
    return project, item, comp


def add_controls(comp, readstring) -> None:
    """Paste the control tool into ``comp`` (``readstring`` = ``bmd.readstring``)."""
    comp.Lock()
    comp.StartUndo("ATW controls")
    try:
        comp.Paste(readstring(setting_text()))
    finally:
        comp.EndUndo(True)
        comp.Unlock()


def animate_current_clip(resolve, readstring, *, python: str | None = None,
                         to_media_pool: bool = False, progress=None,
                         preview_frame: bool = False, runner=None) -> int:
    """Add the controls (returns 0) or render the clip with them (returns frames rendered).

    ``preview_frame``: only the comp's current frame, through the session's warm ``atw serve``
    worker (warm for as long as Resolve keeps its script interpreter). ``runner``: how the render
    runs (the progress window with Cancel, :func:`~.progress.window_runner`); by default on this
    thread, printing each frame (or calling ``progress(done, total, frame)``).
    """
    project, item, comp = clip_comp(resolve)
    if comp.FindTool(TOOL) is None:
        add_controls(comp, readstring)
        print(f"ATW: added {TOOL} to the comp of {item.GetName()}: keyframe its sliders on the "
              "Fusion page, then run Animate Face again to render")
        return 0
    adapter = host_adapters.load("resolve", comp, project=project, item=item, python=python)
    folder = adapter.work_directory()
    if preview_frame:
        answer = preview(adapter, folder, int(comp.CurrentTime))
        print(f"ATW: previewed frame {int(comp.CurrentTime)} in {answer['seconds']:.2f} s")
        return 1
    frames = render(adapter, folder, progress=progress or _print_progress, runner=runner)
    if to_media_pool:
        first, last = adapter.frame_range()
        adapter.import_to_media_pool(os.path.join(folder, RESULT_PATTERN), first, last)
    return frames


def _print_progress(done: int, total: int, frame: int) -> None:
    print(f"ATW: frame {frame} ({done}/{total})", flush=True)
