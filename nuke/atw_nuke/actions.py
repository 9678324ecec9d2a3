"""The node's buttons and callbacks: Render, Preview frame, Submit to farm, knobChanged.

Render and Preview: on Nuke's main thread the node's adapter (loaded through the registry) bakes
the AU knobs and writes the input to EXR with ``nuke.execute`` (Nuke's own progress and cancel);
``atw render`` then runs on a worker thread, its progress in a ``nuke.ProgressTask`` whose
cancel stops the core in any phase (model loading, tracking, rendering); the result is recorded
on the node's knobs back on the main thread (``nuke.executeInMainThread``). Without a GUI
(``nuke -t``) the same runs on the calling thread with progress lines on stdout.

Submit to farm writes the input here, then the job (a face-track task, then chunks of ``atw
render``) with ``atw farm emit``; the node records where the result will be and shows each frame
as the farm writes it. Nothing here saves the script: that stays the artist's decision.
"""
from __future__ import annotations

import os
import re
import threading

import host_adapters
from host_adapters.pipeline import prepare
from host_adapters.render_job import RenderCancelled, emit_farm_job, preview_worker, run

from .adapter import _nuke

#: Renders running on worker threads, by node: one at a time per node.
_running: dict = {}


def _adapter(node, nuke):
    return host_adapters.load("nuke", node, nuke)


def render(node, *, nuke=None, frame: int | None = None, background: bool | None = None):
    """Render the node (its frame range, or only ``frame``: a preview, through the session's
    warm ``atw serve`` worker, which keeps the models loaded between previews).

    With ``background`` (the default in a GUI) the core runs on a worker thread, which is
    returned; otherwise on this thread, and the number of frames rendered is returned.
    """
    from atw_ofx.errors import ATWError

    nuke = nuke or _nuke()
    background = nuke.GUI if background is None else background
    key = node.fullName()
    if running(node) is not None:
        raise ATWError(f"{node.name()} is already rendering: cancel it from its progress bar")
    adapter = _adapter(node, nuke)
    try:
        job = prepare(adapter, adapter.work_directory(), frame, frame)
    except RuntimeError as exc:  # nuke.execute of the input: cancelled or failed in Nuke
        adapter.set_status(f"input not written: {exc}")
        raise ATWError(f"{node.name()}: the input was not written ({exc})") from exc
    adapter.set_status(f"rendering {job.first}-{job.last}")

    def core(progress, cancelled=None) -> int:
        if frame is not None:  # a preview: the warm worker
            preview_worker(job).render(job)
            return 1
        return run(job, progress=progress, cancelled=cancelled)

    if not background:
        frames = core(_print_progress(node.name()))
        adapter.import_result(job.output, job.first, job.last)
        return frames

    def work():
        task = nuke.ProgressTask(f"ATW {node.name()}")
        task.setMessage(f"starting atw render of {job.frame_count} frame(s)")

        def update(done, total, frame):
            task.setProgress(int(100 * done / total))
            task.setMessage(f"frame {frame} ({done}/{total})")
        try:
            core(update, task.isCancelled)
        except RenderCancelled as exc:
            nuke.executeInMainThread(adapter.set_status, (f"cancelled: {exc}",))
        except ATWError as exc:
            nuke.executeInMainThread(_failed, (nuke, adapter, str(exc)))
        else:
            nuke.executeInMainThread(adapter.import_result, (job.output, job.first, job.last))
        finally:
            task.setProgress(100)

    thread = threading.Thread(target=work, name=f"ATW {key}", daemon=True)
    _running[key] = thread
    thread.start()
    return thread


def running(node):
    """The worker thread rendering ``node``, or None."""
    thread = _running.get(node.fullName())
    return thread if thread is not None and thread.is_alive() else None


def _failed(nuke, adapter, message: str) -> None:
    adapter.set_status(f"failed: {message}")
    nuke.message(f"ATW: {message}")


def _print_progress(label: str):
    def report(done, total, frame):
        print(f"ATW {label}: frame {frame} ({done}/{total})", flush=True)
    return report


def submit_to_farm(node, *, nuke=None) -> list:
    """Write the input and a farm job for the node's frame range; returns the job's files."""
    nuke = nuke or _nuke()
    adapter = _adapter(node, nuke)
    folder = adapter.work_directory()
    job = prepare(adapter, folder)  # the input, written here: render nodes need no Nuke
    script = os.path.splitext(os.path.basename(nuke.root().name()))[0]
    name = re.sub(r"[^\w.-]+", "_", f"{script}_{node.name()}")
    files = emit_farm_job(job, node["farm_backend"].value(), os.path.join(folder, "farm"),
                          name=name, chunk=int(node["farm_chunk"].value()))
    adapter.import_result(job.output, job.first, job.last)
    adapter.set_status(f"on the farm: {job.first}-{job.last} ({name})")
    return files


def _button(action, node) -> None:
    """A button's errors an artist can act on become a message box, not a traceback."""
    from atw_ofx.errors import ATWError

    nuke = _nuke()
    try:
        action(node, nuke=nuke)
    except ATWError as exc:
        nuke.message(f"ATW: {exc}")


def render_button(node) -> None:
    """The Render knob."""
    _button(render, node)


def preview_button(node) -> None:
    """The Preview frame knob: only the frame the viewer is on."""
    _button(lambda n, nuke: render(n, nuke=nuke, frame=int(nuke.frame())), node)


def farm_button(node) -> None:
    """The Submit to farm knob: the job's files are named in a message."""
    def submit(n, nuke):
        files = submit_to_farm(n, nuke=nuke)
        nuke.message("ATW: farm job written:\n" + "\n".join(files))
    _button(submit, node)


def knob_changed(node, knob) -> None:
    """The gizmo's knobChanged: a knob that changes the render marks the result stale."""
    from .adapter import NukeAdapter

    NukeAdapter(node, _nuke()).mark_stale(knob.name())
