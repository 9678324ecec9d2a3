"""Errors a user can act on: one line naming the file and the frame.

The CLI prints ``atw: error: <message>`` and exits non-zero for any :class:`ATWError`; tracebacks
are for bugs only.
"""
from __future__ import annotations


class ATWError(Exception):
    """Base of the errors ATW reports to users.

    >>> str(InputError("NaN or Inf pixel at x=3, y=4", path="plate.1001.exr", frame=1001))
    'plate.1001.exr (frame 1001): NaN or Inf pixel at x=3, y=4'
    """

    def __init__(self, message: str, *, path: str | None = None, frame: int | None = None):
        self.message = _one_line(message)
        self.path = str(path) if path is not None else None
        self.frame = frame
        super().__init__(self._line())

    def _line(self) -> str:
        where = self.path or ""
        if self.frame is not None:
            where = f"{where} (frame {self.frame})" if where else f"frame {self.frame}"
        return f"{where}: {self.message}" if where else self.message


def _one_line(message: str) -> str:
    """A library's multi-line error (OpenEXR repeats its own) as one line, repeats dropped.

    >>> _one_line("cannot open: no header\\nEXR Error: bad byte\\nEXR Error: bad byte")
    'cannot open: no header; EXR Error: bad byte'
    """
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    return "; ".join(dict.fromkeys(lines))


class InputError(ATWError):
    """An input file is missing, unreadable, truncated or holds NaN/Inf pixels."""


class NoFaceError(ATWError):
    """No face was found where one was needed."""


class CurveError(ATWError):
    """An AU curve file or an AU value is malformed (unknown AU names, bad keys, bad numbers)."""


class ModelError(ATWError):
    """A model bundle is missing, mismatched or corrupt."""


class OutputError(ATWError):
    """An output could not be written (disk full, no permission, unwritable format)."""
