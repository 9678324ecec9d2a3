"""The performer's own lids as a shot shows them: the colour a make-up gives them, read by the
face track on the frames where both eyes are open.

A shut lid is drawn from the skin below the eye (:func:`.eyelids.close_lid`) in the colour of
the lid's make-up where the open lids show one (:func:`.eyelids.lid_make_up`). Read frame by
frame, that make-up came and went over a talking clip: on liveportrait_d10 frames 60–144 under
AU45 the lids took it on some frames and not on the next (the lids' light and the eyes' opening
change from frame to frame), and a shut lid's colour would pop. The shot knows better than any
of its frames: read over every frame with both eyes open, the median is the make-up each frame's
shut lids take (:class:`LidLook`).

Colours are hues (natural logs of each channel over the colour's mean channel, linear light)
over the skin's below the eye, per position along each eye (:data:`.eyelids.EYES` order, the
lid's positions corner to corner): a shot whose light changes keeps its lids' make-up in the
light of each frame.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from .eyelids import EYES, closing_lids, lids_make_up
# Hues are kept on the track's grid for looks (JSON round-trips it exactly, so a track saved by
# ``atw track`` and loaded by farm chunks renders as the process that made it).
from .mouth_look import QUANTUM

#: The eyes' opening (the lids' gap over the eye's width, at its widest) from which a frame's
#: lids are read: a narrowed or closing eye's lid is folded under the brow and its band is
#: lashes.
OPEN_FROM = 0.2


@dataclass(frozen=True)
class LidLook:
    """A shot's own lids: ``make_up`` — per eye (:data:`.eyelids.EYES` order), per position
    along it, per channel (``2×N×3`` float64, R, G, B), the make-up's hue over the skin below
    the eye (:func:`.eyelids.lid_make_up`; 0 without one), the median over the frames that
    showed both eyes open — and ``frames``: on how many."""

    make_up: np.ndarray
    frames: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "make_up", np.round(np.asarray(self.make_up, np.float64)
                                                    / QUANTUM) * QUANTUM)

    def to_json(self) -> dict:
        return {"make_up": self.make_up.tolist(), "frames": self.frames}

    @classmethod
    def from_json(cls, data: dict) -> "LidLook":
        """Raises ValueError, KeyError or TypeError on a malformed record."""
        make_up = np.asarray(data["make_up"], np.float64)
        if make_up.ndim != 3 or make_up.shape[0] != len(EYES) or make_up.shape[2] != 3 \
                or not np.isfinite(make_up).all():
            raise ValueError(f"a lids' make-up must be 2×N×3 finite numbers, got shape "
                             f"{make_up.shape}")
        return cls(make_up, int(data["frames"]))


def measure(rgb: np.ndarray, mesh: np.ndarray) -> np.ndarray | None:
    """One frame's lids (``rgb``: ``H×W×3`` linear; ``mesh``: its ``478×2`` points in ``rgb``'s
    pixels): their make-up as :class:`LidLook` keeps it (``2×N×3``), or None where the frame does
    not show both eyes open (:data:`OPEN_FROM`) or its pixels there are not finite."""
    # (On the plate's own pixels: a grid as tall as the plate, which the lids' reads scale by 1.)
    lids = closing_lids(np.asarray(mesh, np.float64), 1.0, rgb.shape[0])
    for lid in lids:
        width = float(lid.xs[-1] - lid.xs[0])
        if width <= 0 or float(np.max(lid.lower - lid.upper)) < OPEN_FROM * width:
            return None
    make_up = lids_make_up(lids, rgb, (0, 1, 2))
    return make_up if np.isfinite(make_up).all() else None


def of_shot(frames: Iterable[np.ndarray | None]) -> LidLook | None:
    """The shot's :class:`LidLook` from its frames' :func:`measure`\\ s: the median of those
    that showed both eyes open; None where none did."""
    read = [make_up for make_up in frames if make_up is not None]
    if not read:
        return None
    return LidLook(np.median(np.stack(read), axis=0), len(read))
