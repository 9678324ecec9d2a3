"""The host render, once for every host: bake → curves → export → job → run → import.

A host action loads its adapter through the registry (``host_adapters.load("nuke", node)``) and
calls :func:`render` (or :func:`preview` for one frame through a warm worker), or, where the
host's main thread must stay free (Nuke's GUI), the three steps apart: :func:`prepare` on the
main thread (it reads knobs and renders the input through the host),
:func:`render_job.run <host_adapters.render_job.run>` on a worker thread, and
``adapter.import_result`` back on the main thread.

Beyond the contract an adapter may offer ``render_settings(first, last, folder)`` → keyword
arguments of :class:`~host_adapters.render_job.RenderJob` (the node's model, filter, face, colour
space, AOVs, the core's command), detected with ``hasattr`` like the capabilities.
"""
from __future__ import annotations

import os
from typing import Callable, Optional

from .curves import write_curves
from .render_job import RenderJob, preview_worker, run

#: Where a job's files go inside the node's work folder.
CURVES_FILE = "aus.json"
RESULT_PATTERN = os.path.join("result", "atw.####.exr")


def prepare(adapter, folder: str, first: Optional[int] = None,
            last: Optional[int] = None) -> RenderJob:
    """Bake the AUs to a curves file, render the node's input to EXR, and describe the render.

    ``first``/``last`` default to the adapter's frame range (a preview passes one frame). Runs
    on the host's main thread: it reads knobs and renders through the host.
    """
    if first is None or last is None:
        first, last = adapter.frame_range()
    os.makedirs(folder, exist_ok=True)
    curves = write_curves(os.path.join(folder, CURVES_FILE), adapter.bake_aus(first, last))
    source = adapter.export_source(first, last, folder)
    settings = adapter.render_settings(first, last, folder) \
        if hasattr(adapter, "render_settings") else {}
    return RenderJob(source, os.path.join(folder, RESULT_PATTERN), curves, first, last,
                     **settings)


def render(adapter, folder: str, *, first: Optional[int] = None, last: Optional[int] = None,
           progress: Optional[Callable[[int, int, int], None]] = None,
           cancelled: Optional[Callable[[], bool]] = None,
           runner: Optional[Callable[[RenderJob], int]] = None) -> int:
    """The whole sequence on the calling thread; returns the frames rendered. ``runner(job)``
    runs the core instead of :func:`~host_adapters.render_job.run` (Resolve's progress window:
    :mod:`atw_resolve.progress`); the result is imported only when it returns."""
    job = prepare(adapter, folder, first, last)
    frames = runner(job) if runner is not None else \
        run(job, progress=progress, cancelled=cancelled)
    adapter.import_result(job.output, job.first, job.last)
    return frames


def preview(adapter, folder: str, frame: int) -> dict:
    """One frame through the host session's warm ``atw serve`` worker
    (:func:`~host_adapters.render_job.preview_worker`); returns the worker's answer."""
    job = prepare(adapter, folder, frame, frame)
    answer = preview_worker(job).render(job)
    adapter.import_result(job.output, job.first, job.last)
    return answer
