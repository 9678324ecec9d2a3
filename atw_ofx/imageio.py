"""Image files through OpenImageIO: EXR (half/float, multi-layer, multi-part), PNG/JPEG/TIFF/DPX.

An :class:`ImagePlate` holds one file's first part as ``H×W×C`` float32 (its data window) with the
channel names, the original ``ImageSpec`` (data and display windows, per-channel formats, metadata)
and any further parts untouched. Writing keeps the spec, so the on-disk pixel type (half/float) is
chosen at write time only, layers the renderer did not touch go back bit-exactly, and provenance is
added as ``atw:*`` attributes (no timestamps, so reruns write identical bytes).

Every write goes to a temporary name in the destination folder and is renamed into place, so a
crash never leaves a half-written frame under the real name.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import OpenImageIO as oiio

from . import __version__, colour
from .atomic import discard, remove_stale_temporaries, temporary_name
from .errors import InputError, OutputError
from .options import DISPLAY_PIXEL_TYPES, EXR_PIXEL_TYPES

#: Extensions whose pixels are scene-linear by default; everything else is display-referred.
LINEAR_EXTENSIONS = {".exr", ".hdr", ".sxr", ".mxr"}
MAIN_COLOUR = ("R", "G", "B")
#: Integer depth written for display-referred formats when the plate came from no integer file
#: (8 bits unless the format holds more); a plate read from one keeps its depth.
DISPLAY_BIT_DEPTH = {".tif": "uint16", ".tiff": "uint16", ".dpx": "uint16", ".png": "uint16"}
#: OpenEXR compressions an output may be given (else it keeps its input's). Lossless: none, rle,
#: zips, zip, piz; lossy: pxr24 (float → 24 bits), b44/b44a (half), dwaa/dwab. zip and zips take
#: a zlib level (``zip:1`` … ``zip:9``), dwaa and dwab a quality (``dwaa:45``, OpenEXR's default).
EXR_COMPRESSIONS = ("none", "rle", "zips", "zip", "piz", "pxr24", "b44", "b44a", "dwaa", "dwab")


@dataclass
class ImagePlate:
    """One image: pixels of its first part plus everything needed to write it back faithfully.

    Attributes:
        pixels: ``H×W×C`` float32, the data window, top row first.
        channels: the ``C`` channel names (``"R"``, ``"G"``, ``"B"``, ``"A"``, ``"diffuse.R"``, …).
        spec: the first part's ``oiio.ImageSpec`` as read (or built for a new image).
        colourspace: the OCIO colour space the pixels are in.
        other_parts: ``(spec, pixels)`` of further parts of a multi-part file, passed through.
        path: where it came from ("" for a new image).
    """

    pixels: np.ndarray
    channels: tuple[str, ...]
    spec: oiio.ImageSpec
    colourspace: str
    other_parts: list = field(default_factory=list)
    path: str = ""

    @classmethod
    def from_array(cls, pixels: np.ndarray, channels=None, colourspace=colour.DEFAULT_PLATE_SPACE,
                   pixel_type: str = "half") -> "ImagePlate":
        """A new plate from an ``H×W×C`` array (channel names default to R, G, B, A)."""
        pixels = np.ascontiguousarray(pixels, dtype=np.float32)
        if pixels.ndim == 2:
            pixels = pixels[..., None]
        h, w, c = pixels.shape
        if channels is None:
            if c > 4:
                raise ValueError(f"from_array: {c} channels need names")
            channels = ("Y",) if c == 1 else ("R", "G", "B", "A")[:c]
        channels = tuple(channels)
        spec = oiio.ImageSpec(w, h, c, pixel_type)
        spec.channelnames = channels
        return cls(pixels, channels, spec, colourspace)

    # -- channels ---------------------------------------------------------------------------------
    def main_channels(self) -> list[int]:
        """Indices of the main layer (R, G, B and A with no layer prefix): what a render warps."""
        names = [n for n in ("R", "G", "B", "A") if n in self.channels]
        return [self.channels.index(n) for n in names]

    def rgb_indices(self) -> list[int]:
        """Indices of R, G, B; a one-channel (Y) image uses its channel three times."""
        if all(n in self.channels for n in MAIN_COLOUR):
            return [self.channels.index(n) for n in MAIN_COLOUR]
        if len(self.channels) >= 1:
            return [0, 0, 0]
        raise InputError("image has no channels", path=self.path)

    def rgb(self) -> np.ndarray:
        """``H×W×3`` float32 colour (a copy)."""
        return self.pixels[..., self.rgb_indices()].copy()

    def with_pixels(self, pixels: np.ndarray) -> "ImagePlate":
        """A plate with the same spec, parts and colour space but new pixels (same shape)."""
        if pixels.shape != self.pixels.shape:
            raise ValueError(f"with_pixels: got {pixels.shape}, expected {self.pixels.shape}")
        return ImagePlate(np.ascontiguousarray(pixels, np.float32), self.channels, self.spec,
                          self.colourspace, self.other_parts, self.path)

    def with_layers(self, layers: dict[str, np.ndarray]) -> "ImagePlate":
        """Append AOV channels: ``{"motion.u": H×W array, ...}``, written as float."""
        if not layers:
            return self
        names = tuple(layers)
        extra = np.stack([np.asarray(layers[n], np.float32) for n in names], axis=-1)
        spec = oiio.ImageSpec(self.spec)
        formats = list(self.spec.channelformats) or [self.spec.format] * len(self.channels)
        spec.nchannels = len(self.channels) + len(names)
        spec.channelnames = self.channels + names
        spec.channelformats = tuple(formats) + (oiio.TypeFloat,) * len(names)
        return ImagePlate(np.concatenate((self.pixels, extra), axis=-1), self.channels + names,
                          spec, self.colourspace, self.other_parts, self.path)


def default_colourspace(path: str | os.PathLike) -> str:
    """Scene-linear for EXR-like files, sRGB for display-referred ones."""
    if Path(path).suffix.lower() in LINEAR_EXTENSIONS:
        return colour.DEFAULT_PLATE_SPACE
    return colour.DEFAULT_DISPLAY_FILE_SPACE


def read_image(path: str | os.PathLike, *, frame: int | None = None,
               colourspace: str | None = None, check_finite: bool = True) -> ImagePlate:
    """Read ``path`` (all parts) with OpenImageIO.

    Raises:
        InputError: missing, unreadable or truncated file; NaN or Inf in the main layer.
    """
    path = str(path)
    if not os.path.exists(path):
        raise InputError("file not found", path=path, frame=frame)
    inp = oiio.ImageInput.open(path)
    if inp is None:
        raise InputError(f"cannot open image: {oiio.geterror() or 'unknown format'}", path=path,
                         frame=frame)
    parts = []
    try:
        subimage = 0
        while inp.seek_subimage(subimage, 0):
            spec = oiio.ImageSpec(inp.spec())
            pixels = inp.read_image(subimage, 0, 0, spec.nchannels, "float")
            if pixels is None or inp.has_error:
                raise InputError(f"unreadable or truncated: {inp.geterror() or 'read failed'}",
                                 path=path, frame=frame)
            parts.append((spec, np.ascontiguousarray(pixels.reshape(spec.height, spec.width, -1))))
            subimage += 1
    finally:
        inp.close()
    spec, pixels = parts[0]
    plate = linearised(ImagePlate(pixels, tuple(spec.channelnames), spec,
                                  colourspace or default_colourspace(path), parts[1:], path))
    if check_finite:
        main = plate.pixels[..., plate.main_channels() or slice(None)]
        if not np.isfinite(main).all():
            bad = np.argwhere(~np.isfinite(main))[0]
            raise InputError(f"NaN or Inf pixel at x={bad[1]}, y={bad[0]}", path=path, frame=frame)
    return plate


def linearised(plate: ImagePlate) -> ImagePlate:
    """``plate`` in the linear working space (:func:`atw_ofx.colour.working_space`) when its
    colour space is display-referred or log (a JPEG, PNG, video frame, a log DPX) — as a
    compositing package's Read does, so an EXR written from it holds scene-linear values tagged
    as such (``oiio:ColorSpace``); other plates as they are. Only the colour channels change."""
    if not colour.is_encoded(plate.colourspace):
        return plate
    return in_colourspace(plate, colour.working_space())


def decoded(codes: np.ndarray, colourspace: str, path: str = "") -> ImagePlate:
    """An 8-bit RGB frame (``H×W×3`` uint8 code values in ``colourspace``: a video's) as the
    plate :func:`linearised` makes of ``codes / 255`` — the same pixels, bit for bit, through a
    table of the 256 codes (:func:`atw_ofx.colour.code_value_table`) where one stands for the
    conversion."""
    working = colour.working_space()
    table = colour.code_value_table(colourspace, working) \
        if colour.is_encoded(colourspace) else None
    if table is None:
        plate = linearised(ImagePlate.from_array(codes.astype(np.float32) / 255.0,
                                                 ("R", "G", "B"), colourspace))
    else:
        plate = ImagePlate.from_array(cv2.LUT(np.ascontiguousarray(codes), table),
                                      ("R", "G", "B"), working)
        plate.spec.attribute("oiio:ColorSpace", working)
    plate.path = path
    return plate


def in_colourspace(plate: ImagePlate, space: str) -> ImagePlate:
    """``plate``'s colour channels converted to ``space`` (exactly: OCIO without its fast
    approximations) and tagged so (``oiio:ColorSpace``); the plate itself when already there.
    Alpha and other layers are untouched."""
    if space == plate.colourspace:
        return plate
    pixels = plate.pixels.copy()
    converted = colour.convert(plate.rgb(), plate.colourspace, space, exact=True)
    indices = plate.rgb_indices()
    if indices == [0, 0, 0]:  # one channel (Y): grey stays grey
        pixels[..., 0] = converted[..., 0]
    else:
        pixels[..., indices] = converted
    spec = oiio.ImageSpec(plate.spec)
    spec.attribute("oiio:ColorSpace", space)
    return ImagePlate(pixels, plate.channels, spec, space, plate.other_parts, plate.path)


def provenance(model: str, params: dict) -> dict[str, str]:
    """EXR header attributes describing how a frame was made (deterministic: no timestamps)."""
    return {
        "atw:version": __version__,
        "atw:model": model,
        "atw:params": json.dumps(params, sort_keys=True, separators=(",", ":")),
    }


def pixel_type_error(path: str | os.PathLike, pixel_type: str) -> str | None:
    """Why an output at ``path`` cannot be written as ``pixel_type`` (``options.PIXEL_TYPES``),
    or None when it can: an EXR holds half or float channels, a display file (PNG, TIFF, DPX) 8
    or 16-bit integers, a JPEG only 8."""
    suffix = Path(str(path)).suffix.lower()
    if suffix in LINEAR_EXTENSIONS:
        return None if pixel_type in EXR_PIXEL_TYPES else \
            f"an EXR holds {' or '.join(EXR_PIXEL_TYPES)} channels"
    if pixel_type not in DISPLAY_PIXEL_TYPES:
        return f"a {suffix or 'display'} file holds {' or '.join(DISPLAY_PIXEL_TYPES)} pixels"
    if pixel_type != "uint8" and suffix not in DISPLAY_BIT_DEPTH:
        return f"a {suffix} file holds 8 bits: write .png or .tif for 16"
    return None


def compression_error(text: str) -> str | None:
    """Why ``text`` is not an EXR compression for :func:`write_image`, or None when it is."""
    name, _, level = text.partition(":")
    if name not in EXR_COMPRESSIONS:
        return f"expected one of {', '.join(EXR_COMPRESSIONS)}"
    if not level:
        return None
    if name in ("zip", "zips"):
        return None if level.isdigit() and 1 <= int(level) <= 9 else "a zip level is 1 to 9"
    if name in ("dwaa", "dwab"):
        try:
            return None if float(level) > 0 else "a DWA quality is above 0"
        except ValueError:
            return "a DWA quality is a number (45 by default)"
    return f"{name} takes no level"


def write_image(path: str | os.PathLike, plate: ImagePlate, *, attributes: dict | None = None,
                pixel_type: str | None = None, compression: str | None = None,
                frame: int | None = None) -> None:
    """Write ``plate`` to ``path`` atomically (temp name in the same folder, then rename).

    EXR keeps the plate's spec (windows, per-channel half/float, compression, metadata, further
    parts); other formats get the main colour (and alpha) converted to the file's display
    encoding. ``pixel_type`` overrides the EXR channel formats ("half"/"float") or a display
    file's depth ("uint8"/"uint16"; :func:`pixel_type_error` says which fit), ``compression``
    (one of :data:`EXR_COMPRESSIONS`, with its level) the EXR compression. A failed write (full disk,
    no permission) raises :class:`OutputError` naming ``path`` and ``frame`` and leaves nothing
    behind: neither a partial file under ``path`` nor the temporary.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror or exc}", path=path, frame=frame) from None
    tmp = temporary_name(path)
    specs, parts = _file_parts(plate, path, attributes, pixel_type, compression)
    out = oiio.ImageOutput.create(str(tmp))
    if out is None:
        raise OutputError(f"cannot write this format: {oiio.geterror()}", path=path, frame=frame)
    try:
        ok = out.open(str(tmp), specs) if len(specs) > 1 else out.open(str(tmp), specs[0])
        for i, (_, pixels) in enumerate(parts):
            if i and ok:
                ok = out.open(str(tmp), specs[i], "AppendSubimage")
            ok = ok and out.write_image(np.ascontiguousarray(pixels, np.float32))
        ok = out.close() and ok
        if not ok:  # the library names the temporary; the user knows the output's name
            why = (out.geterror() or oiio.geterror()).replace(str(tmp), str(path))
            raise OutputError(f"write failed (disk full?): {why}", path=path, frame=frame)
        os.replace(tmp, path)
    except OSError as exc:
        discard(tmp)
        why = str(exc.strerror or exc).replace(str(tmp), str(path))
        raise OutputError(f"write failed: {why}", path=path, frame=frame) from None
    except BaseException:
        out.close()
        discard(tmp)
        raise


def _file_parts(plate: ImagePlate, path: Path, attributes: dict | None, pixel_type: str | None,
                compression: str | None):
    """The ``ImageSpec`` and pixels of each part (subimage) the file at ``path`` will hold."""
    if path.suffix.lower() in LINEAR_EXTENSIONS:
        parts = [(plate.spec, plate.pixels)] + list(plate.other_parts)
        specs = []
        for i, (spec, _) in enumerate(parts):
            spec = oiio.ImageSpec(spec)
            if pixel_type:
                why = pixel_type_error(path, pixel_type)
                if why:
                    raise ValueError(f"pixel type {pixel_type!r}: {why}")
                spec.set_format(oiio.TypeDesc(pixel_type))
            if compression:
                spec.attribute("compression", compression)
            if not spec.getattribute("DateTime"):
                # OIIO stamps the write time when none is set; an empty one keeps reruns
                # byte-identical (an input's own DateTime is kept as it was).
                spec.attribute("DateTime", "")
            if i == 0 and attributes:
                for key, value in attributes.items():
                    spec.attribute(key, str(value))
            specs.append(spec)
        return specs, parts
    pixels = _display_pixels(plate, path)
    depth = DISPLAY_BIT_DEPTH.get(path.suffix.lower(), "uint8")
    if plate.spec.format.basetype in (oiio.UINT8, oiio.UINT16):  # 8-bit in, 8-bit out
        depth = "uint8" if plate.spec.format.basetype == oiio.UINT8 else "uint16"
    if pixel_type:
        why = pixel_type_error(path, pixel_type)
        if why:
            raise ValueError(f"pixel type {pixel_type!r}: {why}")
        depth = pixel_type
    spec = oiio.ImageSpec(pixels.shape[1], pixels.shape[0], pixels.shape[2], depth)
    if pixels.shape[2] == 4:
        spec.channelnames = ("R", "G", "B", "A")
    return [spec], [(spec, pixels)]


def _display_pixels(plate: ImagePlate, path: Path) -> np.ndarray:
    """RGB(A) of ``plate`` encoded for a display-referred file, 0..1."""
    rgb = colour.convert(plate.rgb(), plate.colourspace, default_colourspace(path), exact=True)
    channels = [np.clip(rgb, 0.0, 1.0)]
    if "A" in plate.channels and path.suffix.lower() in {".png", ".tif", ".tiff"}:
        channels.append(np.clip(plate.pixels[..., [plate.channels.index("A")]], 0.0, 1.0))
    return np.concatenate(channels, axis=-1)
