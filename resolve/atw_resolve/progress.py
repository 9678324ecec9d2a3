"""A render's progress and its Cancel button in Resolve: a window of Fusion's UIManager.

A Resolve script holds Resolve until it returns, and offers no cancel of its own. Here the core
renders in its own process (:class:`~host_adapters.render_job.RenderProcess`) while the script
runs the UIManager dispatcher's event loop: Resolve keeps drawing, the window shows each frame as
it is written, and **Cancel** (or closing the window) stops the core in whatever phase it is —
loading the model, tracking the face, rendering. A UIManager timer polls the process every
:data:`POLL_MS` and ends the loop when the core exits.

The calls are those of Blackmagic's UIManager examples (Resolve's Workflow Integration README
and the Fusion scripting guide): ``fusion.UIManager``, ``bmd.UIDispatcher(ui)``,
``dispatcher.AddWindow(props, children)``, ``window.GetItems()``, handlers assigned as
``window.On.<ID>.<Event>`` (``Clicked``, ``Close``) and, for the timer — an element outside any
window — ``dispatcher.On.<ID>.Timeout``; ``RunLoop``/``ExitLoop``. Where the host offers no
UIManager (a script run from an outside console), :func:`window_runner` gives None and the render
prints its progress instead.
"""
from __future__ import annotations

from typing import Callable, Optional

from host_adapters.render_job import RenderJob, RenderProcess

WINDOW_ID, STATUS_ID, CANCEL_ID, TIMER_ID = "ATWRender", "ATWStatus", "ATWCancel", "ATWPoll"
#: How often the timer reads the core's progress, ms.
POLL_MS = 100


def window_runner(resolve, bmd) -> Optional[Callable[[RenderJob], int]]:
    """``job → frames rendered`` in a progress window, or None when Resolve's Fusion offers no
    UIManager (``bmd``: the Fusion scripting module, which holds ``UIDispatcher``)."""
    fusion = resolve.Fusion() if hasattr(resolve, "Fusion") else None
    ui = getattr(fusion, "UIManager", None)
    if ui is None or not hasattr(bmd, "UIDispatcher"):
        return None
    return lambda job: run_in_window(job, ui, bmd.UIDispatcher(ui))


def run_in_window(job: RenderJob, ui, dispatcher, title: str = "ATW Animate Face") -> int:
    """Render ``job`` with a progress window on ``ui`` (the UIManager) and its ``dispatcher``;
    returns the frames rendered.

    Raises:
        RenderCancelled: Cancel was clicked or the window closed (the core was stopped).
        RenderFailed: the core exited with an error.
    """
    total = job.frame_count
    window = dispatcher.AddWindow(
        {"ID": WINDOW_ID, "WindowTitle": title, "Geometry": [200, 200, 420, 90]},
        ui.VGroup([ui.Label({"ID": STATUS_ID, "Text": f"Starting the render of {total} frames…"}),
                   ui.Button({"ID": CANCEL_ID, "Text": "Cancel"})]))
    status = window.GetItems()[STATUS_ID]
    timer = ui.Timer({"ID": TIMER_ID, "Interval": POLL_MS})
    process = RenderProcess(job)
    ended = {}  # why the loop ended: "finished", "cancelled" or "error" (an exception)

    def poll(event) -> None:
        try:
            frames = process.poll()
            if frames:
                status.Text = f"Frame {frames[-1]} ({process.done} of {total})"
            if process.finished:
                ended["finished"] = True
        except Exception as exc:  # noqa: BLE001 - a handler must not raise into the host
            ended["error"] = exc
        if ended:
            dispatcher.ExitLoop()

    def cancel(event) -> None:
        ended["cancelled"] = True
        dispatcher.ExitLoop()

    # As the examples spell it: dispatcher.On.ATWPoll.Timeout = poll, and so on.
    getattr(dispatcher.On, TIMER_ID).Timeout = poll
    getattr(window.On, CANCEL_ID).Clicked = cancel
    getattr(window.On, WINDOW_ID).Close = cancel
    timer.Start()
    window.Show()
    try:
        dispatcher.RunLoop()
    except BaseException:
        process.cancel()  # the loop itself failed: the core must not render on unseen
        raise
    finally:
        timer.Stop()
        window.Hide()
    if "finished" in ended:
        return process.result()
    stopped = process.cancel()  # Cancel, the window closed, or a failure while polling
    raise ended.get("error", stopped)
