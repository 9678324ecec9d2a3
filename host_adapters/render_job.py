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
import queue
import shlex
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

from atw_ofx.errors import ATWError
from atw_ofx.filters import DEFAULT_FILTER
from atw_ofx.options import (DEFAULT_AU_MODE, DEFAULT_FORMULATION, DEFAULT_GLASSES,
                             DEFAULT_METHOD, DEFAULT_MODEL)

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
    """One ``atw render`` of a host node: its frames, files and the node's settings.

    Field types are spelled with ``typing`` names: dataclasses evaluate nothing, but Python 3.7's
    ``typing.get_type_hints`` (which some host tools call) cannot read ``tuple[int, ...]``.
    """

    source: str  # input sequence pattern (source.####.exr)
    output: str  # output sequence pattern
    curves: str  # AU curves JSON (host_adapters.curves.write_curves)
    first: int
    last: int
    model: str = DEFAULT_MODEL
    reswarp: str = DEFAULT_METHOD
    formulation: str = DEFAULT_FORMULATION
    filter: str = DEFAULT_FILTER  # the plate warp's filter (atw_ofx.filters)
    au_mode: str = DEFAULT_AU_MODE  # AUs as edits (relative) or the target expression (absolute)
    glasses: str = DEFAULT_GLASSES  # a dark glasses frame held still (auto) or moved (off)
    face_box: Optional[Tuple[int, int, int]] = None  # X, Y, SIZE in plate pixels, top-left origin
    face_boxes: Optional[str] = None  # JSON of a box per frame (an animated / tracked box)
    face_index: int = 0  # which face when several are found (0: the largest)
    colorspace: Optional[str] = None  # the source's colour space, as the host's config names it
    output_colorspace: Optional[str] = None  # write the result in this space (None: linear)
    aovs: Tuple[str, ...] = ()
    command: List[str] = field(default_factory=atw_command)
    environment: dict = field(default_factory=dict)  # added to core_environment()

    def options(self) -> List[str]:
        """The render options (everything after the input and ``-o OUTPUT``)."""
        args = ["--aus", self.curves, "--model", self.model, "--reswarp", self.reswarp,
                "--formulation", self.formulation, "--filter", self.filter,
                "--au-mode", self.au_mode, "--glasses", self.glasses]
        if self.face_boxes is not None:
            args += ["--face-boxes", self.face_boxes]
        elif self.face_box is not None:
            args += ["--face-box", ",".join(str(int(v)) for v in self.face_box)]
        if self.face_index:
            args += ["--face-index", str(self.face_index)]
        if self.colorspace:
            args += ["--colorspace", self.colorspace]
        if self.output_colorspace:
            args += ["--output-colorspace", self.output_colorspace]
        if self.aovs:
            args += ["--aov", ",".join(self.aovs)]
        return args

    def argv(self) -> List[str]:
        """The argument list (no shell: paths with spaces or quotes pass through intact)."""
        return [*self.command, "render", self.source, "-o", self.output,
                "--frames", f"{self.first}-{self.last}", *self.options()]

    def farm_argv(self, backend: str, out_dir: str, *, name: str, chunk: int = 10) -> List[str]:
        """``atw farm emit``: the same render as a farm job (a face-track task, then chunks)."""
        return [*self.command, "farm", "emit", "--backend", backend,
                "--frames", f"{self.first}-{self.last}", "--chunk", str(chunk),
                "--name", name, "--out-dir", out_dir, "--atw-command", _joined(self.command),
                "--", self.source, "-o", self.output, *self.options()]

    @property
    def frame_count(self) -> int:
        return self.last - self.first + 1


def _joined(command: List[str]) -> str:
    """``command`` as one shell-quoted string (``--atw-command`` takes one)."""
    return " ".join(shlex.quote(part) for part in command)


def _lines(stream, into: "queue.Queue") -> None:
    """Every line of ``stream`` into the queue, then None at its end."""
    for line in stream:
        into.put(line)
    into.put(None)


def _stop(proc: subprocess.Popen) -> None:
    """Terminate the core (it removes its temporary files on SIGTERM), kill it if it lingers."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class RenderProcess:
    """``atw render`` for ``job``, started at once and then polled — for a host whose main
    thread must keep running its own event loop (a timer of Resolve's UIManager calls
    :meth:`poll`); :func:`run` is the same loop on the calling thread.

    Raises (from :meth:`result`):
        RenderFailed: the core exited non-zero (message: its ``atw: error:`` line).
    """

    def __init__(self, job: RenderJob):
        self.job = job
        #: Frames written so far (as far as :meth:`poll` has read).
        self.done = 0
        #: True once the core has closed its output (it is exiting).
        self.finished = False
        self._proc = subprocess.Popen(job.argv(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=core_environment(job.environment))
        self._errors: List[str] = []
        # stderr read alongside stdout so that neither pipe fills and blocks the core
        self._drain = threading.Thread(target=lambda: self._errors.extend(self._proc.stderr),
                                       daemon=True)
        self._drain.start()
        self._lines: "queue.Queue" = queue.Queue()
        threading.Thread(target=_lines, args=(self._proc.stdout, self._lines), daemon=True).start()

    def poll(self, wait: float = 0.0) -> List[int]:
        """The frames written since the last poll, waiting up to ``wait`` seconds for a first."""
        frames: List[int] = []
        while not self.finished:
            try:
                line = self._lines.get(timeout=wait) if wait > 0 else self._lines.get_nowait()
            except queue.Empty:
                break
            wait = 0.0  # then only what has already arrived
            if line is None:
                self.finished = True
                break
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # not a progress line
            if isinstance(record, dict) and "frame" in record:
                self.done += 1
                frames.append(int(record["frame"]))
        return frames

    def cancel(self) -> "RenderCancelled":
        """Stop the core (in whatever phase); returns the error to raise."""
        _stop(self._proc)
        return RenderCancelled(f"render cancelled after {self.done} of {self.job.frame_count} "
                               "frames")

    def result(self) -> int:
        """Wait for the core to exit; the frames rendered."""
        self._proc.wait()
        self._drain.join()
        if self._proc.returncode != 0:
            raise RenderFailed(
                f"atw render failed: {_error_line(self._errors, self._proc.returncode)}")
        return self.done


def run(job: RenderJob, *, progress: Callable[[int, int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None, poll: float = 0.1) -> int:
    """Run ``atw render`` for ``job`` (a :class:`RenderProcess` polled on the calling thread);
    returns the frames rendered.

    ``progress(done, total, frame)`` is called as each frame is written. ``cancelled()`` is asked
    every ``poll`` seconds whatever the core is doing (loading the model, tracking the face,
    rendering): when it turns true the core is terminated and :class:`RenderCancelled` raised.
    Both callbacks run on the calling thread.

    Raises:
        RenderFailed: the core exited non-zero (message: its ``atw: error:`` line).
    """
    process = RenderProcess(job)
    while not process.finished:
        if cancelled is not None and cancelled():
            raise process.cancel()
        frames = process.poll(poll)
        if progress is not None:
            for done, frame in enumerate(frames, process.done - len(frames) + 1):
                progress(done, job.frame_count, frame)
    return process.result()


def _error_line(stderr_lines: List[str], returncode: int) -> str:
    """The core's last ``atw: error:`` line (else its last line, else the exit status)."""
    reported = [e.strip() for e in stderr_lines if e.strip()]
    return next((e for e in reversed(reported) if "error" in e.lower()),
                reported[-1] if reported else f"exit status {returncode}")


def emit_farm_job(job: RenderJob, backend: str, out_dir: str, *, name: str,
                  chunk: int = 10) -> List[str]:
    """Write ``job`` as a farm job with ``atw farm emit``; returns the files written.

    Raises:
        RenderFailed: the core refused the job (message: its error line).
    """
    proc = subprocess.run(job.farm_argv(backend, out_dir, name=name, chunk=chunk),
                          capture_output=True, text=True, env=core_environment(job.environment))
    if proc.returncode != 0:
        raise RenderFailed("atw farm emit failed: "
                           f"{_error_line(proc.stderr.splitlines(), proc.returncode)}")
    return [line for line in proc.stdout.splitlines() if line.strip()]


class PreviewWorker:
    """A warm ``atw serve`` process a host keeps for previews: the first render loads torch,
    the kernels and the face models; every later one reuses them.

    One request at a time (a lock), over the worker's own pipes. A worker that died is started
    again on the next render.
    """

    def __init__(self, command: List[str], environment: Optional[dict] = None):
        self.command, self.environment = list(command), dict(environment or {})
        self._proc: Optional[subprocess.Popen] = None
        self._lock = threading.Lock()
        self._next_id = 0

    def _process(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen([*self.command, "serve"], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                          text=True, env=core_environment(self.environment))
        return self._proc

    def render(self, job: RenderJob) -> dict:
        """Render ``job`` in the worker; its answer (``seconds``, ``output``).

        Raises:
            RenderFailed: the render failed (its error line), or the worker died.
        """
        with self._lock:
            proc = self._process()
            self._next_id += 1
            argv = job.argv()[len(job.command):]  # the worker is the command
            proc.stdin.write(json.dumps({"id": self._next_id, "argv": argv}) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
        if not line:
            raise RenderFailed(f"the preview worker ({' '.join(self.command)} serve) exited")
        answer = json.loads(line)
        if answer.get("status") != 0:
            raise RenderFailed(f"atw render failed: "
                               f"{_error_line(answer.get('output', []), answer.get('status'))}")
        return answer

    def close(self) -> None:
        """End the worker (it exits when its input closes)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _stop(self._proc)
        self._proc = None


#: Workers by (command, environment): one per core install a host session uses.
_workers: dict = {}


def preview_worker(job: RenderJob) -> PreviewWorker:
    """The host session's warm worker for ``job``'s core (started on first use)."""
    key = (tuple(job.command), tuple(sorted(job.environment.items())))
    if key not in _workers:
        _workers[key] = PreviewWorker(job.command, job.environment)
    return _workers[key]


def close_workers() -> None:
    """End every warm worker this session started (a host calls it as it quits)."""
    for worker in _workers.values():
        worker.close()
    _workers.clear()
