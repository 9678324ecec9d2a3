"""Timing and peak memory of one operation, each measured in a fresh process.

A fresh process per (size, implementation) keeps one measurement's allocations, thread pools and
caches out of the next. Peak memory on the CPU is the growth of the process's resident-set high
water mark (``VmHWM``, reset through ``/proc/self/clear_refs``) from just before the inputs are
made: inputs + output + whatever the implementation holds at its peak. On CUDA it is torch's
``max_memory_allocated`` over the same span.
"""
from __future__ import annotations

import multiprocessing
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

MB = 1024 * 1024


@dataclass
class Measurement:
    ms_per_frame: float  # median of the timed repetitions
    ms_min: float
    peak_mb: float
    reps: int


def _proc_status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # 5 = reset the peak RSS (Linux ≥ 4.0)
        return True
    except OSError:
        return False


def time_reps(run: Callable[[], object], *, sync: Callable[[], None] = lambda: None,
              min_reps: int = 3, min_seconds: float = 1.0, max_reps: int = 50) -> list[float]:
    """Wall times in ms of ``run`` after one warm-up call, at least ``min_reps`` and
    ``min_seconds``."""
    run()
    sync()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < max_reps and (len(times) < min_reps
                                     or time.perf_counter() - start < min_seconds):
        t0 = time.perf_counter()
        run()
        sync()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def measure_here(setup: Callable[[], Callable[[], object]], device: str = "cpu",
                 min_seconds: float = 1.0, include_setup: bool = True) -> Measurement:
    """Peak memory of ``setup()`` (or not: ``include_setup=False``) plus one call of the
    operation it returns, then its timing."""
    import torch

    cuda = device.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    run = None if include_setup else setup()
    if cuda:
        sync()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
    else:
        if not _reset_peak_rss():
            raise RuntimeError("cannot reset the peak RSS (needs Linux /proc/self/clear_refs)")
        before = _proc_status_kb("VmRSS") * 1024
    run = run or setup()
    run()
    sync()
    peak = (torch.cuda.max_memory_allocated() if cuda else _proc_status_kb("VmHWM") * 1024)
    times = time_reps(run, sync=sync, min_seconds=min_seconds)
    return Measurement(statistics.median(times), min(times), (peak - before) / MB, len(times))


def _child(target, args, conn) -> None:
    try:
        conn.send(("ok", target(*args)))
    except BaseException as exc:  # report it to the parent rather than die silently
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def in_fresh_process(target: Callable, *args):
    """``target(*args)`` in a spawned Python process (picklable target and result)."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(target, args, child))
    proc.start()
    child.close()
    status, value = parent.recv()
    proc.join()
    if status != "ok":
        raise RuntimeError(value)
    return value


def fresh_records(measure: Callable[..., dict], cases, *, progress=print,
                  digits: int = 2) -> list[dict]:
    """``measure(*case)`` for every case, each in a fresh process, one progress line each."""
    records = []
    for case in cases:
        record = in_fresh_process(measure, *case)
        progress(f"{record['size']:>10} {record['impl']:<14} "
                 f"{record['ms_per_frame']:9.{digits}f} ms {record['peak_mb']:9.1f} MB")
        records.append(record)
    return records
