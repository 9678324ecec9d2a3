"""Colour with OpenColorIO: only the 128 px model branch leaves the plate's linear space.

The config is ``$OCIO`` when set, else OCIO's built-in CG config (``ocio://cg-config-latest``,
shipped inside the library, so no file or network is needed). Colour-space names are that config's.
Plates are scene-linear (default ``Linear Rec.709 (sRGB)``); models see a display-referred encoding
(default ``sRGB Encoded Rec.709 (sRGB)``) mapped to [-1, 1].
"""
from __future__ import annotations

import functools
import os

import numpy as np
import PyOpenColorIO as ocio

from .errors import InputError
from .options import DEFAULT_PLATE_SPACE  # noqa: F401  (owned by the torch-free vocabulary)

BUILTIN_CONFIG = "ocio://cg-config-latest"
DEFAULT_MODEL_SPACE = "sRGB Encoded Rec.709 (sRGB)"
#: Colour space assumed for display-referred files (PNG/JPEG/8-bit TIFF, video).
DEFAULT_DISPLAY_FILE_SPACE = "sRGB Encoded Rec.709 (sRGB)"


@functools.lru_cache(maxsize=4)
def config(path: str | None = None) -> ocio.Config:
    """The OCIO config: ``path``, else ``$OCIO``, else the built-in CG config."""
    return ocio.Config.CreateFromFile(path or os.environ.get("OCIO") or BUILTIN_CONFIG)


class UnknownColourSpace(InputError, ValueError):
    """A colour space the OCIO config does not have (a user's ``--colorspace``, a manifest's)."""


def _name_lookup(cfg: ocio.Config, name: str) -> str:
    resolved = cfg.getCanonicalName(name)
    if not resolved:
        known = ", ".join(cs.getName() for cs in cfg.getColorSpaces())
        raise UnknownColourSpace(f"unknown colour space {name!r}; this OCIO config has: {known}")
    return resolved


def known(name: str, *, config_path: str | None = None) -> str:
    """``name`` as the OCIO config spells it (aliases and roles resolved), or
    :class:`UnknownColourSpace` listing what the config has."""
    return _name_lookup(config(config_path), name)


@functools.lru_cache(maxsize=32)
def _cpu_processor(src: str, dst: str, config_path: str | None, exact: bool):
    cfg = config(config_path)
    processor = cfg.getProcessor(_name_lookup(cfg, src), _name_lookup(cfg, dst))
    if exact:
        return processor.getOptimizedCPUProcessor(ocio.OPTIMIZATION_LOSSLESS)
    return processor.getDefaultCPUProcessor()


def convert(rgb: np.ndarray, src: str, dst: str, *, config_path: str | None = None,
            exact: bool = False) -> np.ndarray:
    """Convert an ``…×3`` float32 RGB array from colour space ``src`` to ``dst`` (a new array).

    ``exact`` computes the transfer curves without OCIO's fast approximations: files read
    linear and written back encoded then keep every 16-bit code value (the default is off by
    up to one there, and is what the 128 px model branch uses).
    """
    out = np.ascontiguousarray(rgb, dtype=np.float32).copy()
    if src == dst:
        return out
    if out.shape[-1] != 3:
        raise ValueError(f"convert: got {out.shape[-1]} channels, expected 3 (RGB)")
    _cpu_processor(src, dst, config_path, exact).applyRGB(out.reshape(-1))
    return out


#: Mixes of 8-bit code values a table must convert as OCIO does before it stands for it.
TABLE_PROBES = 4096


@functools.lru_cache(maxsize=16)
def code_value_table(src: str, dst: str, *, config_path: str | None = None) -> np.ndarray | None:
    """The 256 8-bit code values of ``src`` (``v / 255``) converted to ``dst`` exactly, per
    channel: ``1×256×3`` float32, as ``cv2.LUT`` takes it — or None where the conversion mixes
    channels (a change of primaries) and no table can stand for it. Checked on
    :data:`TABLE_PROBES` random mixes (and black and white) against OCIO itself: bit for bit.

    A video frame decodes to 8-bit codes; converting each ``H×W×3`` frame through OCIO cost
    18 ms at 512² and ~140 ms at 1080p, the table a few."""
    ramp = np.repeat(np.arange(256, dtype=np.float32)[:, None], 3, 1) / 255.0
    table = convert(ramp, src, dst, config_path=config_path, exact=True)
    probes = np.random.default_rng(0).integers(0, 256, (TABLE_PROBES, 3))
    probes[0], probes[1] = 0, 255
    mixed = convert(probes.astype(np.float32) / 255.0, src, dst, config_path=config_path,
                    exact=True)
    if not np.array_equal(mixed, table[probes, np.arange(3)], equal_nan=True):
        return None
    return np.ascontiguousarray(table[None])


#: OCIO encodings of display-referred and log colour spaces: read into the linear working space.
ENCODED = frozenset({"sdr-video", "hdr-video", "log"})


def is_encoded(name: str, *, config_path: str | None = None) -> bool:
    """Whether colour space ``name`` holds display-referred or log values (OCIO's ``encoding``
    attribute), i.e. pixels a compositing package linearises on read."""
    cfg = config(config_path)
    return cfg.getColorSpace(_name_lookup(cfg, name)).getEncoding() in ENCODED


def working_space(*, config_path: str | None = None) -> str:
    """The linear space encoded inputs are read into: :data:`DEFAULT_PLATE_SPACE` (sRGB's
    primaries, so an sRGB file changes only its transfer curve), else the config's
    ``scene_linear`` role."""
    cfg = config(config_path)
    if cfg.getCanonicalName(DEFAULT_PLATE_SPACE):
        return DEFAULT_PLATE_SPACE
    return cfg.getColorSpace(ocio.ROLE_SCENE_LINEAR).getName()


def to_model_space(rgb_lin: np.ndarray, plate_space: str, model_space: str) -> np.ndarray:
    """Plate-linear ``…×3`` → the model's encoding in [-1, 1] (clamped: models saw no more)."""
    display = convert(rgb_lin, plate_space, model_space)
    return np.clip(display * 2.0 - 1.0, -1.0, 1.0)


def from_model_space(rgb_model: np.ndarray, plate_space: str, model_space: str) -> np.ndarray:
    """Inverse of :func:`to_model_space` (for values inside [-1, 1])."""
    return convert((np.asarray(rgb_model, np.float32) + 1.0) * 0.5, model_space, plate_space)
