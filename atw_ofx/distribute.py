"""Scale-out over a Ray cluster: ``atw render … --ray auto|HOST:PORT``.

Ray does the scheduling; ATW only cuts the shot into chunks. The driver (the machine running
``atw render``) computes the face track of the whole shot once, then submits one Ray task per
chunk of ``--chunk`` frames; each task runs the ordinary :func:`~atw_ofx.batch.render_sequence`
on its frames with that track, so the outputs are byte-identical to a single-process render.
Tasks need the plates, the outputs folder and an ``atw-ofx`` install on every node (a shared
filesystem and the same environment, as on any render farm). Image sequences only: a clip would
be decoded once per chunk.
"""
from __future__ import annotations

import dataclasses
import os
import sys
import time

from .aus import AUCurves
from .batch import BatchOptions, BatchReport, compute_track, frame_jobs
from .errors import ATWError
from .farm import chunk_frames
from .render import RenderOptions
from .sequence import is_sequence


def _render_chunk(input_path, output_path, curves, model_name, options, batch, frames):
    """One Ray task: render ``frames`` as a single process would (runs on a cluster node)."""
    from .batch import render_sequence
    from .models import load_model

    chunk_batch = dataclasses.replace(batch, frames=frames, progress=False)
    return render_sequence(input_path, output_path, curves,
                           load_model(model_name, device=options.device),
                           options=options, batch=chunk_batch)


def render_on_ray(address: str, input_path: str, output_path: str, curves: AUCurves,
                  model_name: str, *, options: RenderOptions, batch: BatchOptions,
                  chunk: int = 10) -> BatchReport:
    """Render the shot in chunks on the Ray cluster at ``address`` ("auto" or "HOST:PORT").

    Per-frame JSON lines and the summary are printed by the driver as chunks finish, as
    :func:`~atw_ofx.batch.render_sequence` does. Raises the first chunk's :class:`ATWError`
    unless ``batch.on_error == "skip"``.
    """
    try:
        import ray
    except ImportError:
        raise ATWError("--ray needs Ray: pip install 'atw-ofx[ray]'") from None
    if not is_sequence(input_path):
        raise ATWError("--ray renders image sequences (plate.####.exr); render a clip or a still "
                       "without --ray", path=input_path)
    started = time.perf_counter()
    # Nodes do not share the driver's working directory.
    input_path, output_path = os.path.abspath(input_path), os.path.abspath(output_path)
    frames = [job.frame for job in frame_jobs(input_path, output_path, batch.frames)]
    track = batch.track or compute_track(input_path, frames, options, batch)
    batch = dataclasses.replace(batch, track=track, frames=frames)

    ray.init(address=address, log_to_driver=False, configure_logging=False)
    try:
        task = ray.remote(_render_chunk)
        pending = {task.remote(input_path, output_path, curves, model_name, options, batch, part):
                   part for part in chunk_frames(frames, chunk)}
        report = BatchReport(face_missed=track.missed)
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            part = pending.pop(done[0])
            try:
                chunk_report: BatchReport = ray.get(done[0])
            except ray.exceptions.RayTaskError as exc:
                cause = exc.cause if isinstance(exc.cause, ATWError) else None
                if cause is None:
                    raise
                if batch.on_error != "skip":
                    raise cause from None
                report.failed.update({f: str(cause) for f in part})
                continue
            _merge(report, chunk_report, batch.progress)
    finally:
        ray.shutdown()
    report.written.sort()
    report.timings.sort(key=lambda t: t.frame)
    report.wall_s = time.perf_counter() - started
    if batch.progress:
        failed = f", {len(report.failed)} failed" if report.failed else ""
        print(f"atw: rendered {len(report.written)} frame(s) on Ray, skipped "
              f"{len(report.skipped)} existing{failed}, {report.wall_s:.1f} s", file=sys.stderr)
    return report


def _merge(report: BatchReport, chunk: BatchReport, progress: bool) -> None:
    report.written += chunk.written
    report.skipped += chunk.skipped
    report.failed.update(chunk.failed)
    report.timings += chunk.timings
    for frame, message in chunk.failed.items():
        print(f"atw: error: {message}", file=sys.stderr)
    if progress:
        for timing in chunk.timings:
            print(timing.log_line(), flush=True)
