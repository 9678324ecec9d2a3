"""Files written whole or not at all: under a temporary name in the same folder, then renamed.

Every writer of the project's outputs (frames, clips, tracks, job files, benchmark records, the
hosts' curves files) goes through :func:`temporary_name`: unique to the machine and the process,
so two writers of one file — a retried farm task running beside the first — never share or
remove each other's temporary, and a killed run's leftovers are recognised and cleared
(:func:`remove_stale_temporaries`). Standard library only: the host plugins use it too.
"""
from __future__ import annotations

import contextlib
import os
import socket
import time
from pathlib import Path

from .errors import OutputError

#: A temporary of another machine's writer (shared storage) is taken as abandoned after this
#: long; one of this machine's as soon as its process has ended.
STALE_AFTER_S = 24 * 3600
_HOST = socket.gethostname().replace("/", "_")


def temporary_name(path: Path) -> Path:
    """The hidden name a file is written under before it is renamed to ``path``: unique to this
    machine and process, so that two writers of one file (a retried farm task running beside
    the first) never share a temporary."""
    return path.with_name(f".{path.stem}.tmp-{_HOST}-{os.getpid()}{path.suffix}")


def remove_stale_temporaries(path: Path) -> None:
    """Delete what killed earlier runs left under :func:`temporary_name` for ``path``: this
    machine's whose process has ended, and any older than :data:`STALE_AFTER_S`. A live
    writer's temporary is left alone (removing it broke twin renders: both failed, frames
    lost)."""
    prefix = f".{path.stem}.tmp"
    for stale in path.parent.glob(f"{prefix}*{path.suffix}"):
        tag = stale.name[len(prefix):len(stale.name) - len(path.suffix)]
        host, _, pid = tag.lstrip("-").rpartition("-")
        if host == _HOST and pid.isdigit():
            abandoned = int(pid) != os.getpid() and not _running(int(pid))
        else:
            try:
                abandoned = time.time() - stale.stat().st_mtime > STALE_AFTER_S
            except FileNotFoundError:  # its writer renamed it meanwhile
                continue
        if abandoned:
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: alive
        return True
    return True


def write_text(path: str | os.PathLike, text: str) -> Path:
    """``text`` to ``path`` whole or not at all (folder made; the temporary removed on failure).

    Raises:
        OutputError: the folder cannot be made or written (read-only, full disk, no
            permission), naming ``path``.
    """
    path = Path(path)
    tmp = temporary_name(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        tmp.write_text(text)
        os.replace(tmp, path)
    except OSError as exc:
        discard(tmp)
        raise OutputError(f"write failed: {exc.strerror or exc}", path=path) from None
    except BaseException:
        discard(tmp)
        raise
    return path


def discard(tmp: Path) -> None:
    """Remove a failed write's temporary, if there is one and it can be: on a read-only
    filesystem even removing a file that is not there fails (EROFS), and that must not hide the
    write's own error."""
    with contextlib.suppress(OSError):
        os.remove(tmp)


def write_with(path: str | os.PathLike, write) -> Path:
    """``write(temporary_path)`` then rename to ``path``, for a library that writes files itself
    (safetensors' ``save_file``); the temporary is discarded if it fails."""
    path = Path(path)
    tmp = temporary_name(path)
    try:
        write(str(tmp))
        os.replace(tmp, path)
    except BaseException:
        discard(tmp)
        raise
    return path
