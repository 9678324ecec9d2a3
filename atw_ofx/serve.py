"""``atw serve``: a warm render worker for hosts' previews, over its own stdin and stdout.

A host starts it once and keeps it (:class:`host_adapters.render_job.PreviewWorker`); each
request runs an ``atw`` command in this process, so what a render loads — torch, the fused
kernels (compiled on first use), the face models, the AU rig or a learned bundle — is loaded
once, and a single preview frame costs only its reading, face, edit and writing.

Protocol: one JSON object per line each way, in order.

- request: ``{"id": 7, "argv": ["render", "plate.####.exr", "-o", "out.####.exr", ...]}`` — the
  arguments of any ``atw`` command, exactly as on the command line;
- answer: ``{"id": 7, "status": 0, "seconds": 0.41, "output": ["...", ...]}`` — the command's
  exit status, its wall time, and what it printed (stdout and stderr lines, in order).

No socket: only the process that started the worker can talk to it. It ends when its stdin
closes. Nothing it prints reaches stdout except the answers.
"""
from __future__ import annotations

import contextlib
import gc
import io
import json
import logging
import sys
import time
from typing import IO


class _CurrentStderr(logging.StreamHandler):
    """Logs to whatever ``sys.stderr`` is at the time, so each request's warnings land in that
    request's answer (a plain handler keeps the stream it was made with)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def handle(request: dict) -> dict:
    """Run one request's ``atw`` command here; its answer."""
    from .cli import main

    argv = request.get("argv")
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        return {"id": request.get("id"), "status": 2,
                "output": ["atw: error: a request needs \"argv\": a list of strings"]}
    printed = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse's usage errors, --help
            status = exc.code if isinstance(exc.code, int) else 2
    return {"id": request.get("id"), "status": status,
            "seconds": round(time.perf_counter() - started, 4),
            "output": printed.getvalue().splitlines()}


def serve(requests: IO[str] | None = None, answers: IO[str] | None = None) -> int:
    """Answer each request line until ``requests`` (default stdin) closes.

    With the default ``answers`` the answers own the process's stdout: file descriptor 1 is
    pointed at stderr, so a C library printing to it cannot break the protocol.
    """
    import os

    from .models import keep_models_loaded

    requests = requests or sys.stdin
    if answers is None:
        sys.stdout.flush()
        answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
        os.dup2(2, 1)

    logging.basicConfig(level=logging.WARNING, format="atw: %(levelname)s: %(message)s",
                        handlers=[_CurrentStderr()], force=True)  # in place of cli.main's
    keep_models_loaded()
    for line in requests:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as exc:
            answer = {"id": None, "status": 2, "output": [f"atw: error: not JSON: {exc}"]}
        else:
            answer = handle(request) if isinstance(request, dict) else {
                "id": None, "status": 2, "output": ["atw: error: a request is a JSON object"]}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
        gc.collect()  # between requests, while the host looks at the answer, not during one
    return 0
