"""AU curves drawn as a PNG: one row per AU, every key marked — read at a glance what a
performance's extraction found (``atw aus extract`` writes it next to the JSON)."""
from __future__ import annotations

import os

import numpy as np

from .aus import AUCurves, key_name, key_order
from .conventions import AU_NAMES, AU_RANGE
from .facs import AU_FACS_NAMES


def plot_curves(path: str | os.PathLike, curves: AUCurves, *, title: str = "") -> None:
    """Write ``curves`` (those with keys) to the PNG ``path``, whole or not at all.

    Rows share the frame axis; each spans the AU range 0–5 so rows compare by eye.
    """
    import matplotlib

    matplotlib.use("Agg")  # no display: farm nodes, CI
    import matplotlib.pyplot as plt

    from .atomic import write_with

    shown = sorted(curves.curves, key=key_order)
    fig, axes = plt.subplots(len(shown), 1, sharex=True, squeeze=False,
                             figsize=(10, 0.75 * len(shown) + 0.8))
    for ax, key in zip(axes[:, 0], shown):
        curve, au = curves.curves[key], AU_NAMES[key if isinstance(key, int) else key[0]]
        peak = float(np.max(curve.values))
        ax.plot(curve.frames, curve.values, "-", color="#2b6cb0", lw=1.0)
        ax.plot(curve.frames, curve.values, ".", color="#1a365d", ms=2.5)  # the keys
        ax.set_ylim(*AU_RANGE)
        ax.set_yticks([0, 5])
        ax.grid(axis="y", alpha=0.3)
        ax.set_ylabel(f"{key_name(key)}\n{peak:.1f}", rotation=0, ha="right", va="center",
                      fontsize=8)
        ax.text(1.005, 0.5, AU_FACS_NAMES[au], transform=ax.transAxes, fontsize=7, va="center")
        ax.tick_params(labelsize=7)
    axes[-1, 0].set_xlabel("frame")
    fig.suptitle(title or "AU curves (label: AU and its peak)", fontsize=9)
    fig.tight_layout(rect=(0, 0, 0.9, 1))
    try:
        write_with(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        plt.close(fig)
