"""The performer's own mouth as a shot shows it: the colour of the dark inside it and of its teeth,
read by the face track on the frames where the mouth is open as shot.

What the rig generates inside an opened mouth (:func:`.mouth.fill_region`) is shaded frame by frame
against the cheeks, and where the mouth is open as shot, continued from its own dark. Over a
talking clip those looks alternate with what each frame's mouth shows: on liveportrait_d10
frames 22–40 opened by AU25 + AU26 the generated pixels went between 0.09 and 0.43 of the cheeks'
light from one frame to the next — a pale brown cavity with a bright tongue on the frames where the
mouth was nearly closed as shot, the performer's own maroon dark where it was open, and the teeth
drawn over the closed frames grey beside the performer's own white ones
(``benchmarks/mouth_in_sequence.py``, looked at in sequence). The shot knows better than any of its
frames: read over every frame where the mouth is open, its dark and its teeth give the colours
the generated cavity, tongue and teeth take on all of them (:class:`MouthLook`).

Colours are ratios to the cheeks beside the nose (:data:`.mouth.SKIN_POINTS`), per channel, in
linear light: a shot whose light changes keeps its mouth in the light of each frame's cheeks.
Lengths in inter-ocular distances (IOD); positions in the pixels of the array given, y down.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from .base import grid_box
from .grain import brightest_mean, darkest_mean
from .mouth import (LOWER_INNER, OUTER_LIPS, OWN_DARKEST, SKIN_POINTS, TEETH_SPAN, UPPER_INNER,
                    iris_axes, pixels_inside, skin_beside, teeth_coloured, teeth_lit)

#: The lips' gap over the mouth's middle (IOD, along the face's down) from which a frame's mouth
#: is open enough that the dark between its lips is its inside, not the lips' crease: the shared
#: clips' talking mouths part 0.04–0.41, their inner-lip contours still 0.04–0.08 apart closed.
OPEN_FROM = 0.15
#: Colours are kept on this grid (a power of two: JSON round-trips it exactly, so a track saved
#: by ``atw track`` and loaded by farm chunks renders as the process that made it).
QUANTUM = 1.0 / 65536.0


@dataclass(frozen=True)
class MouthLook:
    """A shot's own mouth: ``dark`` — the mean of the darkest :data:`.mouth.OWN_DARKEST` percent
    between the inner lips — and ``teeth`` — the brightest as many percent where teeth shine
    between them (:func:`.mouth.teeth_lit`) — each over the cheeks' colour (``3`` float64, R, G,
    B, linear; the median over the frames that showed it, None where none did), and ``frames``:
    on how many frames the mouth was open (:data:`OPEN_FROM`)."""

    dark: np.ndarray | None
    teeth: np.ndarray | None
    frames: int

    def __post_init__(self) -> None:
        for name in ("dark", "teeth"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, np.round(np.asarray(value, np.float64) / QUANTUM)
                                   * QUANTUM)

    def to_json(self) -> dict:
        return {"dark": None if self.dark is None else self.dark.tolist(),
                "teeth": None if self.teeth is None else self.teeth.tolist(),
                "frames": self.frames}

    @classmethod
    def from_json(cls, data: dict) -> "MouthLook":
        """Raises ValueError, KeyError or TypeError on a malformed record."""
        def colour(value) -> np.ndarray | None:
            if value is None:
                return None
            value = np.asarray(value, np.float64)
            if value.shape != (3,) or not np.isfinite(value).all() or (value <= 0).any():
                raise ValueError(f"a mouth colour must be three positive numbers, got {value}")
            return value
        return cls(colour(data["dark"]), colour(data["teeth"]), int(data["frames"]))


def measure(rgb: np.ndarray, mesh: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """One frame's mouth (``rgb``: ``H×W×3`` linear; ``mesh``: its ``478×2`` points in ``rgb``'s
    pixels): its dark and its teeth over its cheeks' colour (``3`` each, as :class:`MouthLook`),
    each None where the frame does not show it — a mouth parted less than :data:`OPEN_FROM`, no
    teeth shining (or what shines coloured as a tongue, :func:`.mouth.teeth_coloured`), cheeks
    off the frame, or pixels that are not finite. Reads only the lips' and the cheeks' few
    pixels (a 4K close-up's open mouth in ~2 ms)."""
    _, down, iod = iris_axes(mesh)
    upper, lower = mesh[list(UPPER_INNER)], mesh[list(LOWER_INNER)]
    if ((lower - upper) @ down)[TEETH_SPAN].max() < OPEN_FROM * iod:
        return None, None
    width = float(np.linalg.norm(upper[-1] - upper[0]))
    beside = skin_beside(rgb, mesh[list(SKIN_POINTS)], rgb.shape[0], width, [0, 1, 2],
                         grain=False)
    if beside is None or not (beside[0] > 0).all():
        return None, None
    skin = beside[0].astype(np.float64)
    x0, y0, x1, y1 = grid_box(mesh[list(OUTER_LIPS)], max(rgb.shape[:2]), 2)
    lips = rgb[y0:y1, x0:x1, :3]
    if not lips.size:
        return None, None
    local = mesh - (x0, y0)
    between = np.concatenate((local[list(UPPER_INNER)], local[list(LOWER_INNER)][-2:0:-1]))
    inside = pixels_inside(lips, between, [0, 1, 2])
    dark = darkest_mean(inside, OWN_DARKEST) / skin
    # Teeth by their light in a display-like encoding, as the rig finds them on its grid.
    luma = np.ascontiguousarray(2.0 * np.clip(lips.mean(-1), 0.0, None) ** (1 / 2.2) - 1.0,
                                np.float32)
    shine = teeth_lit(local, luma).max() >= 1.0 and teeth_coloured(inside, skin) >= 0.5
    teeth = brightest_mean(inside, OWN_DARKEST) / skin if shine else None
    finite = lambda c: c if c is not None and np.isfinite(c).all() and (c > 0).all() else None  # noqa: E731
    return finite(dark), finite(teeth)


def of_shot(frames: Iterable[tuple[np.ndarray | None, np.ndarray | None]]) -> MouthLook | None:
    """The shot's :class:`MouthLook` from its frames' :func:`measure`\\ s: per channel the
    median of those that showed each; None where no frame showed its mouth open."""
    frames = list(frames)
    darks = [dark for dark, _ in frames if dark is not None]
    teeth = [shine for _, shine in frames if shine is not None]
    if not darks:
        return None
    median = lambda values: np.median(np.stack(values), axis=0) if values else None  # noqa: E731
    return MouthLook(median(darks), median(teeth), len(darks))
