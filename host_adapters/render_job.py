"""The ``atw render`` run a host starts: its argument list, its environment, its progress.

Hosts run the core as a subprocess — an argument list, never a shell — so the core can live in
its own virtual environment with its own torch, whatever Python the host embeds. The command is
``ATW_PYTHON -m atw_ofx.cli`` when a Python is configured (the node's setting, else the
``ATW_PYTHON`` environment variable), else ``atw`` from ``PATH``. Progress comes from the one
JSON line per frame that ``atw render`` prints when its stdout is not a terminal.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Callable

from atw_ofx.errors import ATWError
from atw_ofx.filters import DEFAULT_FILTER

#: Host Python settings that would break another interpreter (Nuke and Resolve set them).
HOST_PYTHON_VARIABLES = ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONEXECUTABLE")


class RenderFailed(ATWError):
    """``atw render`` exited with an error (its last error line is the message)."""


class RenderCancelled(ATWError):
    """The artist cancelled the render; the core was stopped."""


def atw_command(python: str | None = None) -> list[str]:
    """How to start the core: ``[python, "-m", "atw_ofx.cli"]`` or ``["atw"]``."""
    python = python or os.environ.get("ATW_PYTHON")
    if python:
        return [python, "-m", "atw_ofx.cli"]
    return [shutil.which("atw") or "atw"]


def core_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The host's environment without its Python settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in HOST_PYTHON_VARIABLES}
    env["PYTHONUNBUFFERED"] = "1"  # one progress line per frame, as it happens
    return {**env, **(extra or {})}


@dataclass
class RenderJob:
    """One ``atw render`` of a host node: its frames, files and the node's settings."""

    source: str  # input sequence pattern (source.####.exr)
    output: str  # output sequence pattern
    curves: str  # AU curves JSON (host_adapters.curves.write_curves)
    first: int
    last: int
    model: str = "rig"
    reswarp: str = "vanilla"
    formulation: str = "delta"
    filter: str = DEFAULT_FILTER  # the plate warp's filter (atw_ofx.filters)
    au_mode: str = "relative"  # AUs as edits (relative) or as the target expression (absolute)
    face_box: tuple[int, int, int] | None = None  # X, Y, SIZE in plate pixels, top-left origin
    face_boxes: str | None = None  # JSON of a box per frame (an animated / tracked box)
    aovs: tuple[str, ...] = ()
    command: list[str] = field(default_factory=atw_command)
    environment: dict[str, str] = field(default_factory=dict)  # added to core_environment()

    def argv(self) -> list[str]:
        """The argument list (no shell: paths with spaces or quotes pass through intact)."""
        args = [*self.command, "render", self.source, "-o", self.output, "--aus", self.curves,
                "--frames", f"{self.first}-{self.last}", "--model", self.model,
                "--reswarp", self.reswarp, "--formulation", self.formulation,
                "--filter", self.filter, "--au-mode", self.au_mode]
        if self.face_boxes is not None:
            args += ["--face-boxes", self.face_boxes]
        elif self.face_box is not None:
            args += ["--face-box", ",".join(str(int(v)) for v in self.face_box)]
        if self.aovs:
            args += ["--aov", ",".join(self.aovs)]
        return args

    @property
    def frame_count(self) -> int:
        return self.last - self.first + 1


def run(job: RenderJob, *, progress: Callable[[int, int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None) -> int:
    """Run ``atw render`` for ``job``; returns the frames rendered.

    ``progress(done, total, frame)`` is called as each frame is written; when ``cancelled()``
    turns true the core is terminated and :class:`RenderCancelled` raised.

    Raises:
        RenderFailed: the core exited non-zero (message: its ``atw: error:`` line).
    """
    proc = subprocess.Popen(job.argv(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=core_environment(job.environment))
    errors: list[str] = []
    drain = threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True)
    drain.start()  # read stderr alongside stdout so neither pipe fills and blocks the core
    done = 0
    for line in proc.stdout:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # not a progress line
        if isinstance(record, dict) and "frame" in record:
            done += 1
            if progress is not None:
                progress(done, job.frame_count, int(record["frame"]))
        if cancelled is not None and cancelled():
            proc.terminate()
            proc.wait()
            raise RenderCancelled(f"render cancelled after {done} of {job.frame_count} frames")
    proc.wait()
    drain.join()
    if proc.returncode != 0:
        lines = [e.strip() for e in errors if e.strip()]
        message = next((e for e in reversed(lines) if "error" in e.lower()),
                       lines[-1] if lines else f"exit status {proc.returncode}")
        raise RenderFailed(f"atw render failed: {message}")
    return done
