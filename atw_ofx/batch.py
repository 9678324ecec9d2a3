"""Rendering a shot as a farm runs it: frame jobs, the face track, a prefetching pipeline, faults.

:func:`render_sequence` renders an image, a sequence pattern or a clip:

1. the frames are listed and every missing input is reported before any work starts;
2. the face track is computed once for the whole shot (or loaded from ``atw track``), so the crop
   does not jitter and every chunk of a farm job places the face identically;
3. frames flow through three stages on their own threads — decode (prefetching ahead), render
   (``workers`` frames at once), encode — so I/O overlaps compute;
4. each output is written under a temporary name and renamed, so a killed render leaves no
   partial file and ``skip_existing`` resumes it; rendering is deterministic, a rerun writes
   byte-identical files;
5. a frame that fails (corrupt input, no face) stops the render, or with ``on_error="skip"`` is
   reported while the others render; a failed write (full disk) always stops it.

Progress: a bar with frames/s and ETA on a terminal; elsewhere (a farm log) one JSON line per
frame on stdout — ``{"frame", "seconds", "read_s", "render_s", "write_s", "output"}``.
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import torch

from . import colour
from .aus import AUCurves
from .errors import ATWError, InputError, OutputError
from .face import CropBox
from .face.track import FaceTrack, OneEuro, track_faces
from .imageio import (ImagePlate, compression_error, decoded, in_colourspace, provenance,
                      read_image, write_image)
from .models import MotionModel
from .options import DEFAULT_ON_ERROR, ON_ERRORS
from .render import RenderOptions, render_frame
from .sequence import (check_frames_exist, frame_path, frame_spec, frames_on_disk,
                       is_sequence, whole_range)
from .video import frame_rate, is_video, read_codes, write_preview



@dataclass
class BatchOptions:
    """How a shot is worked through (the render options say how each frame looks)."""

    frames: list[int] | None = None  # None: every frame of the input
    skip_existing: bool = False  # leave outputs that exist (resume)
    on_error: str = DEFAULT_ON_ERROR  # per-frame input faults: options.ON_ERRORS
    workers: int = 1  # frames rendered at once
    prefetch: int = 2  # frames decoded ahead of the renderers
    pixel_type: str | None = None  # options.PIXEL_TYPES; None: EXR as the input, display as usual
    compression: str | None = None  # EXR output compression ("piz", "zip:1", …); None: the input's
    output_colourspace: str | None = None  # EXR output in this space; None: the plate's (linear)
    progress: bool = True
    face_box: CropBox | None = None  # a fixed crop; None: follow the detected face
    face_boxes: dict[int, CropBox] | None = None  # a crop per frame (a host's tracker)
    track: FaceTrack | None = None  # a precomputed track (``atw track``); None: track the frames
    smoothing: OneEuro = field(default_factory=OneEuro)

    def __post_init__(self) -> None:
        if self.on_error not in ON_ERRORS:
            raise ATWError(f"--on-error {self.on_error!r}: expected one of {', '.join(ON_ERRORS)}")
        if self.workers < 1:
            raise ATWError(f"--workers {self.workers}: expected 1 or more")
        why = self.compression and compression_error(self.compression)
        if why:
            raise ATWError(f"--compression {self.compression!r}: {why}")


@dataclass(frozen=True)
class FrameJob:
    """One frame to render: its number, how to read its plate, where its output goes."""

    frame: int
    load: Callable[[], ImagePlate] = field(repr=False)
    output: str | None  # None when only reading (the face track)
    still: bool = False  # a single image: its frame number (for the curves) is not a file's

    @property
    def where(self) -> int | None:
        """The frame number error messages name (none for a still image)."""
        return None if self.still else self.frame


@dataclass(frozen=True)
class FrameTiming:
    """Where one frame's wall time went (s): decode, render (model + ResWarp + paste), encode."""

    frame: int
    output: str
    read_s: float
    render_s: float
    write_s: float

    @property
    def seconds(self) -> float:
        return self.read_s + self.render_s + self.write_s

    def log_line(self) -> str:
        """The farm log's JSON line for this frame."""
        return json.dumps({"frame": self.frame, "seconds": round(self.seconds, 3),
                           "read_s": round(self.read_s, 3), "render_s": round(self.render_s, 3),
                           "write_s": round(self.write_s, 3), "output": self.output})


@dataclass
class BatchReport:
    """What a batch did: outputs written, frames left as they were, frames that failed."""

    written: list[str] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # frame → the one-line error
    face_missed: list[int] = field(default_factory=list)  # interpolated track frames
    timings: list[FrameTiming] = field(default_factory=list)
    wall_s: float = 0.0
    track_s: float = 0.0


def frame_jobs(input_path: str, output_path: str | None, frames: list[int] | None,
               colourspace: str | None = None) -> Iterator[FrameJob]:
    """The :class:`FrameJob` of each frame to render, in order; inputs checked up front.

    Sequences number frames as their files do; clips count from 1 and decode lazily, in order.
    With ``output_path`` None the jobs only read (``job.output`` is None).
    """
    out = (lambda f: frame_path(output_path, f)) if output_path else (lambda f: None)
    several = is_video(input_path) or is_sequence(input_path)
    if several and output_path and not is_sequence(output_path):
        raise InputError("a sequence or clip input needs an output pattern (e.g. out.####.exr)",
                         path=output_path)
    if is_video(input_path):
        space = colourspace or colour.DEFAULT_DISPLAY_FILE_SPACE
        wanted = set(frames) if frames is not None else None
        number = 0
        for number, codes in enumerate(read_codes(input_path), start=1):
            if wanted is None or number in wanted:
                plate = decoded(codes, space, input_path)
                yield FrameJob(number, lambda p=plate: p, out(number))
        beyond = sorted(f for f in wanted or () if not 1 <= f <= number)
        if beyond:  # known once the clip is read: the track pass reads it before any output
            raise InputError(f"frames {frame_spec(beyond)} are not in the clip "
                             f"(it has 1-{number})", path=input_path)
        return
    if is_sequence(input_path):
        frames = frames if frames is not None else whole_range(frames_on_disk(input_path))
        check_frames_exist(input_path, frames)
        for f in frames:
            _not_the_input(frame_path(input_path, f), out(f), f)
        for f in frames:
            src = frame_path(input_path, f)
            yield FrameJob(f, lambda src=src, f=f: read_image(src, frame=f, colourspace=colourspace),
                           out(f))
        return
    first = (frames or [1])[0]
    _not_the_input(input_path, output_path, None)
    yield FrameJob(first, lambda: read_image(input_path, colourspace=colourspace), output_path,
                   still=True)


def _not_the_input(source: str, output: str | None, frame: int | None) -> None:
    """Refuse an output that is an input file: a render would destroy the plate it reads, and a
    rerun would edit the edit."""
    if output is not None and os.path.exists(output) and os.path.samefile(source, output):
        raise InputError("the output would overwrite the input plate; write elsewhere",
                         path=output, frame=frame)


def compute_track(input_path: str, frames: list[int] | None, options: RenderOptions,
                  batch: BatchOptions, jobs: Iterable[FrameJob] | None = None) -> FaceTrack:
    """Detect, follow and smooth the face over the frames of ``input_path`` (read through
    ``jobs`` when given)."""
    if jobs is None:
        jobs = frame_jobs(input_path, None, frames, options.colourspace)
    try:
        return track_faces(((job.frame, job.load) for job in jobs), source=input_path,
                           face_index=options.face_index, box=batch.face_box,
                           frame_boxes=batch.face_boxes,
                           backend_name=options.face_backend, smoothing=batch.smoothing,
                           skip_errors=batch.on_error == "skip")
    except ATWError as exc:
        if is_video(input_path) or is_sequence(input_path):
            raise
        raise type(exc)(exc.message, path=exc.path) from None  # a still has no frame to name


def _decoded_once(job: FrameJob) -> FrameJob:
    """``job`` whose plate is decoded by its first load and handed to its second (the face
    track's, then the render's) instead of read again — a 4K EXR costs ~0.25 s to decode."""
    kept: list[ImagePlate] = []

    def load() -> ImagePlate:
        if kept:
            return kept.pop()
        kept.append(job.load())
        return kept[0]
    return dataclasses.replace(job, load=load)


def render_sequence(input_path: str, output_path: str, curves: AUCurves, model: MotionModel, *,
                    options: RenderOptions | None = None,
                    batch: BatchOptions | None = None) -> BatchReport:
    """Render ``input_path`` (image, pattern or clip) to ``output_path`` (a pattern for several).

    Raises the first frame's :class:`ATWError` (or logs it and goes on with ``on_error="skip"``);
    an :class:`OutputError` always stops the render. Returns the :class:`BatchReport`.
    """
    options = options or RenderOptions()
    batch = batch or BatchOptions()
    report = BatchReport()
    started = time.perf_counter()
    jobs = list(frame_jobs(input_path, output_path, batch.frames, options.colourspace)) \
        if not is_video(input_path) else None
    pending = jobs
    if jobs is not None and batch.skip_existing:
        pending = [job for job in jobs if not os.path.exists(job.output)]
        report.skipped = [job.frame for job in jobs if os.path.exists(job.output)]
    if pending == []:
        _summary(report, batch, started)
        return report

    track = batch.track
    if track is not None and jobs is not None:  # a given track must cover every frame asked
        outside = [job.frame for job in pending if job.frame not in track.frames]
        if outside:
            raise InputError(f"the face track lacks frames {frame_spec(outside)} "
                             f"(it has {frame_spec(track.frames)}); rerun `atw track`",
                             path=input_path, frame=outside[0])
    if track is None:
        t0 = time.perf_counter()
        shared = None
        if pending is not None and len(pending) == 1:  # one frame (a preview): decoded once
            pending = shared = [_decoded_once(pending[0])]
        track = compute_track(input_path, batch.frames, options, batch, jobs=shared)
        report.track_s = time.perf_counter() - t0
    report.face_missed = track.missed
    if pending is None:  # a clip: decode again, lazily, now that the track is known
        pending = _unskipped(frame_jobs(input_path, output_path, batch.frames, options.colourspace),
                             batch, report)

    def render(job: FrameJob, plate: ImagePlate):
        height, width = plate.pixels.shape[:2]
        if track.plate_size and (width, height) != track.plate_size:
            raise InputError(f"frame is {width}×{height}, the shot (its face track) "
                             f"{track.plate_size[0]}×{track.plate_size[1]}: one resolution per "
                             "shot", path=input_path, frame=job.frame)
        aus, retarget = curves.at(job.frame), curves.retarget_at(job.frame)
        # The plate was read for this frame alone: paste into it, not into a copy.
        result = render_frame(plate, aus, model, face=track.placement(job.frame), options=options,
                              frame=job.where, in_place=True, retarget=retarget)
        return result.plate, provenance(model.name,
                                        options.frame_params(aus, result.face.box, retarget))

    def write(job: FrameJob, rendered) -> None:
        plate, attributes = rendered
        if batch.output_colourspace:  # e.g. back to the encoding a host delivered the plate in
            plate = in_colourspace(plate, batch.output_colourspace)
        write_image(job.output, plate, attributes=attributes, pixel_type=batch.pixel_type,
                    compression=batch.compression, frame=job.where)

    bar = _progress_bar(batch, len(pending) if isinstance(pending, list) else None)
    with _torch_threads_shared_by(batch.workers):
        for job, outcome in _pipeline(pending, render, write, batch):
            if isinstance(outcome, FrameTiming):
                report.written.append(job.output)
                report.timings.append(outcome)
                if bar is not None:
                    bar.update()
                elif batch.progress:
                    print(outcome.log_line(), flush=True)
            else:
                report.failed[job.frame] = str(outcome)
                print(f"atw: error: {outcome}", file=sys.stderr, flush=True)
    if bar is not None:
        bar.close()
    _summary(report, batch, started)
    return report


def write_sequence_preview(input_path: str, output_path: str, frames: list[int] | None,
                           preview_path: str, *, codec: str = "h264") -> None:
    """Encode the rendered frames (read back from ``output_path``) as an sRGB preview clip.

    The clip runs at the input clip's rate, or 24 fps for image sequences; EXR stays the master.
    """
    fps = frame_rate(input_path) if is_video(input_path) else 24
    if frames is None and not is_sequence(output_path):
        frames = [1]
    jobs = frame_jobs(output_path, None, frames)

    def display(job: FrameJob):
        plate = job.load()
        return colour.convert(plate.rgb(), plate.colourspace, colour.DEFAULT_DISPLAY_FILE_SPACE)

    write_preview(preview_path, (display(job) for job in jobs), fps=fps, codec=codec)


def _unskipped(jobs, batch: BatchOptions, report: BatchReport):
    for job in jobs:
        if batch.skip_existing and os.path.exists(job.output):
            report.skipped.append(job.frame)
        else:
            yield job


def _pipeline(jobs, render, write, batch: BatchOptions):
    """Yield ``(job, FrameTiming | ATWError)`` in job order, reads and writes overlapping renders.

    Three pools — one decoder, ``workers`` renderers, ``workers`` encoders (an EXR's compression
    can take as long as a render) — chained by futures: a stage waits only on the stage before
    it, so they cannot deadlock, and at most ``workers + prefetch`` frames are in flight, which
    bounds memory.
    """
    def read_stage(job):
        t0 = time.perf_counter()
        return job.load(), time.perf_counter() - t0

    def render_stage(job, read_future):
        plate, read_s = read_future.result()
        t0 = time.perf_counter()
        return render(job, plate), read_s, time.perf_counter() - t0

    def write_stage(job, render_future):
        rendered, read_s, render_s = render_future.result()
        t0 = time.perf_counter()
        write(job, rendered)
        return FrameTiming(job.frame, job.output, read_s, render_s, time.perf_counter() - t0)

    readers = ThreadPoolExecutor(1, thread_name_prefix="atw-read")
    renderers = ThreadPoolExecutor(batch.workers, thread_name_prefix="atw-render")
    writers = ThreadPoolExecutor(batch.workers, thread_name_prefix="atw-write")
    in_flight: deque = deque()
    try:
        jobs = iter(jobs)
        while True:
            for job in jobs:
                reading = readers.submit(read_stage, job)
                rendering = renderers.submit(render_stage, job, reading)
                in_flight.append((job, writers.submit(write_stage, job, rendering)))
                if len(in_flight) > batch.workers + batch.prefetch:
                    break
            if not in_flight:
                return
            job, writing = in_flight.popleft()
            try:
                yield job, writing.result()
            except OutputError:
                raise
            except ATWError as exc:
                if batch.on_error != "skip":
                    raise
                yield job, exc
    finally:
        for _, writing in in_flight:
            writing.cancel()
        for pool in (readers, renderers, writers):
            pool.shutdown(wait=True, cancel_futures=True)


class _torch_threads_shared_by:
    """Split torch's intra-op threads between parallel renderers (so they do not oversubscribe)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def __enter__(self):
        self.before = torch.get_num_threads()
        if self.workers > 1:
            torch.set_num_threads(max(1, self.before // self.workers))

    def __exit__(self, *exc) -> None:
        torch.set_num_threads(self.before)


def _progress_bar(batch: BatchOptions, total: int | None):
    """A tqdm bar (frames/s, ETA) on a terminal; None for farm logs and ``--quiet``."""
    if not batch.progress or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="frame", desc="atw render")


def _summary(report: BatchReport, batch: BatchOptions, started: float) -> None:
    report.wall_s = time.perf_counter() - started
    if not batch.progress:
        return
    if report.face_missed:
        print(f"atw: warning: face not detected on {len(report.face_missed)} frame(s), "
              f"placed by interpolation: {frame_spec(report.face_missed)}", file=sys.stderr)
    failed = f", {len(report.failed)} failed ({frame_spec(report.failed)})" if report.failed else ""
    print(f"atw: rendered {len(report.written)} frame(s), skipped {len(report.skipped)} existing"
          f"{failed}, {report.wall_s:.1f} s", file=sys.stderr)

