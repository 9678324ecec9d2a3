"""Animate Face on the current timeline clip: add the controls, or render with them.

First run on a clip: find or create the clip's Fusion comp and paste the ATW control tool (17 AU
sliders and an intensity); the artist keyframes the sliders on the Fusion page. Next run: bake
the sliders per frame → render the clip through a Saver → ``atw render`` in the core's own
environment → load the result with a Loader into MediaOut (optionally also into the Media Pool).
"""
from __future__ import annotations

import os
import re

from host_adapters.contract import AdapterError
from host_adapters.curves import write_curves
from host_adapters.render_job import RenderJob, atw_command, run

from .adapter import ResolveAdapter
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


def work_directory(project, item) -> str:
    """``$ATW_WORK_DIR`` (default ~/atw_renders) / project / clip, made safe for a path."""
    base = os.environ.get("ATW_WORK_DIR") or os.path.join(os.path.expanduser("~"), "atw_renders")
    safe = lambda text: re.sub(r"[^\w.-]+", "_", text or "untitled")  # noqa: E731
    folder = os.path.join(base, safe(project.GetName()), safe(item.GetName()))
    os.makedirs(folder, exist_ok=True)
    return folder


def animate_current_clip(resolve, readstring, *, python: str | None = None,
                         to_media_pool: bool = False, progress=None) -> int:
    """Add the controls (returns 0) or render the clip with them (returns frames rendered)."""
    project, item, comp = clip_comp(resolve)
    if comp.FindTool(TOOL) is None:
        add_controls(comp, readstring)
        print(f"ATW: added {TOOL} to the comp of {item.GetName()}: keyframe its sliders on the "
              "Fusion page, then run Animate Face again to render")
        return 0
    adapter = ResolveAdapter(comp, media_pool=project.GetMediaPool())
    first, last = adapter.frame_range()
    folder = work_directory(project, item)
    curves = write_curves(os.path.join(folder, "aus.json"), adapter.bake_aus(first, last))
    source = adapter.export_source(first, last, folder)
    output = os.path.join(folder, "result", "atw.####.exr")
    job = RenderJob(source, output, curves, first, last, filter=adapter.filter(),
                    command=atw_command(python))
    frames = run(job, progress=progress or _print_progress)
    adapter.import_result(output, first, last)
    if to_media_pool:
        adapter.import_to_media_pool(output, first, last)
    return frames


def _print_progress(done: int, total: int, frame: int) -> None:
    print(f"ATW: frame {frame} ({done}/{total})", flush=True)
