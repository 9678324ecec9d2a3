"""EXR/PNG I/O through OpenImageIO: bit-exact round trips, layers and metadata kept, clear errors."""
from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import pytest

from atw_ofx import colour
from atw_ofx.errors import InputError
from atw_ofx.imageio import ImagePlate, provenance, read_image, write_image


def write_multilayer_exr(path, rng, h=48, w=64):
    """R,G,B,A + diffuse.R/G/B (half) + depth.Z (float), data window inside a larger display."""
    names = ("R", "G", "B", "A", "diffuse.R", "diffuse.G", "diffuse.B", "depth.Z")
    spec = oiio.ImageSpec(w, h, len(names), "half")
    spec.channelnames = names
    spec.channelformats = (oiio.TypeHalf,) * 7 + (oiio.TypeFloat,)
    spec.x, spec.y = 10, 20
    spec.full_x, spec.full_y, spec.full_width, spec.full_height = 0, 0, 100, 90
    spec.attribute("studio:shot", "sh010")
    pixels = (rng.standard_normal((h, w, len(names))) * 8).astype(np.float32)
    pixels[0, 0, 0] = 65504.0  # largest half
    pixels[0, 1, 0] = -0.0
    pixels[0, 2, 1] = 6e-8  # a half subnormal
    pixels[..., :7] = pixels[..., :7].astype(np.float16).astype(np.float32)
    out = oiio.ImageOutput.create(str(path))
    assert out.open(str(path), spec) and out.write_image(pixels)
    out.close()
    return {name: pixels[..., k] for k, name in enumerate(names)}


def by_name(plate):
    return {name: plate.pixels[..., k] for k, name in enumerate(plate.channels)}


def assert_bit_equal(channels_a, channels_b):
    assert set(channels_a) == set(channels_b)
    for name in channels_a:
        a, b = channels_a[name], channels_b[name]
        assert np.array_equal(a.view(np.uint32), b.view(np.uint32)), name


def test_half_exr_round_trips_bit_exactly(tmp_path, rng):
    src = tmp_path / "in.exr"
    pixels = write_multilayer_exr(src, rng)
    plate = read_image(src)
    dst = tmp_path / "out.exr"
    write_image(dst, plate, attributes=provenance("rig", {"a": 1}))
    back = read_image(dst)
    assert_bit_equal(by_name(back), pixels)
    spec = back.spec
    assert (spec.x, spec.y, spec.full_width, spec.full_height) == (10, 20, 100, 90)
    formats = dict(zip(spec.channelnames, (str(f) for f in spec.channelformats)))
    assert formats.pop("depth.Z") == "float" and set(formats.values()) == {"half"}
    assert spec.getattribute("studio:shot") == "sh010"
    assert spec.getattribute("atw:model") == "rig"
    assert '"a":1' in spec.getattribute("atw:params")


def test_multipart_exr_passes_other_parts_through(tmp_path, rng):
    src = tmp_path / "parts.exr"
    specs = [oiio.ImageSpec(8, 6, 3, "half"), oiio.ImageSpec(8, 6, 1, "float")]
    specs[1].channelnames = ("Z",)
    data = [rng.standard_normal((6, 8, 3)).astype(np.float16).astype(np.float32),
            rng.standard_normal((6, 8, 1)).astype(np.float32)]
    out = oiio.ImageOutput.create(str(src))
    assert out.open(str(src), specs)
    assert out.write_image(data[0])
    assert out.open(str(src), specs[1], "AppendSubimage")
    assert out.write_image(data[1])
    out.close()
    plate = read_image(src)
    assert len(plate.other_parts) == 1
    write_image(tmp_path / "copy.exr", plate)
    inp = oiio.ImageInput.open(str(tmp_path / "copy.exr"))
    assert inp.seek_subimage(1, 0)
    assert np.array_equal(inp.read_image("float").reshape(6, 8, 1), data[1])
    inp.close()


def test_truncated_exr_is_a_clear_error(tmp_path, rng):
    src = tmp_path / "plate.1001.exr"
    write_multilayer_exr(src, rng)
    data = src.read_bytes()
    src.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"plate\.1001\.exr \(frame 1001\): unreadable"):
        read_image(src, frame=1001)


def test_nan_pixel_is_a_clear_error(tmp_path):
    pixels = np.ones((4, 5, 3), np.float32)
    pixels[2, 3, 1] = np.nan
    write_image(tmp_path / "nan.exr", ImagePlate.from_array(pixels, ("R", "G", "B")))
    with pytest.raises(InputError, match=r"nan\.exr.*NaN or Inf pixel at x=3, y=2"):
        read_image(tmp_path / "nan.exr")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_image(tmp_path / "nope.exr", frame=3)


@pytest.mark.parametrize("ext,tolerance", [(".png", 0.5 / 65535), (".tif", 0.5 / 65535),
                                           (".dpx", 0.5 / 1023), (".jpg", 3 / 255)])
def test_display_formats_round_trip(tmp_path, ext, tolerance):
    ramp = np.linspace(0, 1, 256, dtype=np.float32)
    srgb = np.stack([np.tile(ramp, (8, 1))] * 3, -1)
    write_image(tmp_path / f"ramp{ext}", ImagePlate.from_array(srgb, ("R", "G", "B"),
                                                               "sRGB Encoded Rec.709 (sRGB)"))
    back = read_image(tmp_path / f"ramp{ext}")  # read linear, as a compositor's Read does
    assert back.colourspace == "Linear Rec.709 (sRGB)"
    assert back.pixels.shape == srgb.shape
    encoded = colour.convert(back.pixels, back.colourspace, "sRGB Encoded Rec.709 (sRGB)")
    assert np.abs(encoded - srgb).max() <= tolerance + 1e-5


def test_linear_plate_to_png_is_encoded(tmp_path):
    """A linear 0.18 grey is written as sRGB ≈ 0.46, not as 0.18, and read back as 0.18."""
    grey = np.full((4, 4, 3), 0.18, np.float32)
    write_image(tmp_path / "grey.png", ImagePlate.from_array(grey, ("R", "G", "B")))
    raw = oiio.ImageBuf(str(tmp_path / "grey.png")).get_pixels(oiio.FLOAT)
    assert raw.mean() == pytest.approx(0.4614, abs=2e-3)
    assert read_image(tmp_path / "grey.png").pixels.mean() == pytest.approx(0.18, abs=1e-3)


def test_a_display_referred_input_is_read_linear_and_written_to_exr_linear(tmp_path):
    """A JPEG's sRGB values become scene-linear on read (white stays 1, mid-grey 0.46 → 0.18);
    the EXR written from it holds those linear values and says so in its header, so a
    compositor reading EXR as linear sees the JPEG's picture, not its gamma applied twice."""
    jpeg = Path(__file__).parents[1] / "atw_ofx" / "data" / "demo_face.jpg"
    raw = oiio.ImageBuf(str(jpeg)).get_pixels(oiio.FLOAT)
    plate = read_image(jpeg)
    assert plate.colourspace == colour.working_space() == "Linear Rec.709 (sRGB)"
    expected = colour.convert(raw, "sRGB Encoded Rec.709 (sRGB)", plate.colourspace, exact=True)
    assert np.array_equal(plate.pixels, expected)
    write_image(tmp_path / "face.exr", plate, pixel_type="float")
    back = oiio.ImageBuf(str(tmp_path / "face.exr"))
    assert np.array_equal(back.get_pixels(oiio.FLOAT), expected)
    assert "lin" in back.spec().getattribute("oiio:ColorSpace").lower()


@pytest.mark.parametrize("depth", ["uint8", "uint16"])
def test_an_integer_input_keeps_its_depth_on_output(tmp_path, depth):
    """8 bits in, 8 bits out (a 16-bit PNG from an 8-bit JPEG is 6× the size for nothing)."""
    ramp = np.tile(np.linspace(0, 1, 64, dtype=np.float32), (4, 1))
    buf = oiio.ImageBuf(oiio.ImageSpec(64, 4, 3, depth))
    buf.set_pixels(oiio.ROI(), np.ascontiguousarray(np.stack([ramp] * 3, -1)))
    buf.write(str(tmp_path / "in.png"))
    plate = read_image(tmp_path / "in.png")
    write_image(tmp_path / "out.png", plate)
    out = oiio.ImageBuf(str(tmp_path / "out.png"))
    assert str(out.spec().format) == depth
    assert np.array_equal(out.get_pixels(oiio.FLOAT), oiio.ImageBuf(str(tmp_path / "in.png"))
                          .get_pixels(oiio.FLOAT))


def test_write_is_atomic_on_failure(tmp_path):
    bad = ImagePlate.from_array(np.zeros((4, 4, 3), np.float32), ("R", "G", "B"))
    with pytest.raises(Exception):
        write_image(tmp_path / "out.unknownformat", bad)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("compression", ["piz", "zips", "zip:1", "rle", "none", "dwaa:80"])
def test_an_exr_output_takes_the_compression_asked_for(tmp_path, rng, compression):
    """The input's compression by default; ``compression`` overrides it on every part, and the
    lossless ones give back the same bits (dwaa only the float channel, which it keeps)."""
    src = tmp_path / "in.exr"
    pixels = write_multilayer_exr(src, rng)
    plate = read_image(src)
    write_image(tmp_path / "kept.exr", plate)
    assert read_image(tmp_path / "kept.exr").spec.getattribute("compression") == \
        plate.spec.getattribute("compression")
    write_image(tmp_path / "out.exr", plate, compression=compression)
    back = read_image(tmp_path / "out.exr")
    assert back.spec.getattribute("compression") == compression.split(":")[0]
    if not compression.startswith("dwa"):
        assert_bit_equal(by_name(back), pixels)


@pytest.mark.parametrize("text, ok", [("piz", True), ("zip:9", True), ("dwab:200", True),
                                      ("zip:0", False), ("zip:x", False), ("piz:3", False),
                                      ("dwaa:-1", False), ("jpeg", False), ("ZIP", False)])
def test_compression_names_are_checked(text, ok):
    from atw_ofx.imageio import compression_error

    assert (compression_error(text) is None) == ok


def test_only_abandoned_temporaries_are_cleared(tmp_path):
    """Before a write, temporaries of the same file that killed runs left are removed — this
    machine's whose process has ended, and anyone's older than a day — while a live writer's
    (a twin farm task writing the same frame) and a fresh one from another machine are kept."""
    import os
    import subprocess
    import time

    from atw_ofx.atomic import STALE_AFTER_S, remove_stale_temporaries, temporary_name

    target = tmp_path / "atw.0001.exr"
    mine = temporary_name(target)
    host = mine.name.split(".tmp-", 1)[1].rsplit("-", 1)[0]
    live = subprocess.Popen(["sleep", "30"])
    dead = subprocess.Popen(["true"])
    dead.wait()
    names = {"mine": mine.name,
             "live": f".atw.0001.tmp-{host}-{live.pid}.exr",
             "dead": f".atw.0001.tmp-{host}-{dead.pid}.exr",
             "other_fresh": ".atw.0001.tmp-elsewhere-123.exr",
             "other_old": ".atw.0001.tmp-elsewhere-456.exr",
             "unrelated": ".atw.0002.tmp-elsewhere-1.exr"}
    for name in names.values():
        (tmp_path / name).write_bytes(b"x")
    old = time.time() - STALE_AFTER_S - 60
    os.utime(tmp_path / names["other_old"], (old, old))
    try:
        remove_stale_temporaries(target)
    finally:
        live.kill()
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {names[k] for k in ("mine", "live", "other_fresh", "unrelated")}



@pytest.mark.parametrize("suffix, asked, fits", [
    (".png", "uint16", True), (".tif", "uint8", True), (".jpg", "uint8", True),
    (".jpg", "uint16", False), (".png", "half", False), (".exr", "uint8", False),
    (".exr", "float", True)])
def test_pixel_type_says_what_a_display_file_holds(tmp_path, suffix, asked, fits):
    """``--pixel-type`` reaches display files too: an 8-bit input written as 16-bit PNG/TIFF when
    asked (a grade's headroom), a JPEG refused 16 bits, an EXR refused integers — the write
    reads back in the depth asked."""
    from atw_ofx.imageio import pixel_type_error

    ramp = np.tile(np.linspace(0, 1, 64, dtype=np.float32), (4, 1))
    buf = oiio.ImageBuf(oiio.ImageSpec(64, 4, 3, "uint8"))
    buf.set_pixels(oiio.ROI(), np.ascontiguousarray(np.stack([ramp] * 3, -1)))
    buf.write(str(tmp_path / "in.png"))
    plate = read_image(tmp_path / "in.png")
    out = tmp_path / f"out{suffix}"
    assert (pixel_type_error(out, asked) is None) == fits
    if not fits:
        with pytest.raises(ValueError, match=asked):
            write_image(out, plate, pixel_type=asked)
        assert not out.exists()
        return
    write_image(out, plate, pixel_type=asked)
    back = oiio.ImageBuf(str(out))
    assert str(back.spec().format) == asked


def test_the_cli_refuses_a_pixel_type_the_output_cannot_hold(tmp_path):
    """Answered before any work, in the user's terms, exit 2."""
    from conftest import run_atw

    still = tmp_path / "in.png"
    write_image(still, ImagePlate.from_array(np.full((64, 64, 3), 0.5, np.float32),
                                             ("R", "G", "B")))
    proc = run_atw("render", str(still), "-o", str(tmp_path / "out.jpg"), "--pixel-type",
                   "uint16", "--au", "AU12=2")
    assert proc.returncode == 2
    assert "--pixel-type uint16: a .jpg file holds 8 bits" in proc.stderr
    assert not (tmp_path / "out.jpg").exists()


@pytest.mark.parametrize("space", [colour.DEFAULT_DISPLAY_FILE_SPACE, "ACEScg"])
def test_a_video_frames_codes_decode_as_the_exact_conversion_would(space):
    """A clip's 8-bit frame through the table of its 256 codes is, bit for bit, the plate the
    exact OCIO conversion makes of ``codes / 255`` (every code in every channel, and mixes); a
    linear source has no table, and decodes by the conversion itself."""
    from atw_ofx.imageio import decoded, linearised

    codes = np.random.default_rng(3).integers(0, 256, (64, 64, 3)).astype(np.uint8)
    codes[0, :, :] = np.arange(64)[:, None] * 4 + np.arange(3)  # every code, each channel
    codes[1, :, :] = codes[0, :, :] + 1
    codes[2, :, :] = codes[0, :, :] + 2
    codes[3, :, :] = np.minimum(codes[0, :, :].astype(int) + 3, 255)
    plate = ImagePlate.from_array(codes.astype(np.float32) / 255.0, ("R", "G", "B"), space)
    plate.path = "clip.mp4"
    exact, fast = linearised(plate), decoded(codes, space, "clip.mp4")
    assert np.array_equal(fast.pixels, exact.pixels)
    assert (fast.colourspace, fast.path) == (exact.colourspace, exact.path)
    assert fast.spec.getattribute("oiio:ColorSpace") == exact.spec.getattribute("oiio:ColorSpace")
    table = colour.code_value_table(colour.DEFAULT_DISPLAY_FILE_SPACE, colour.working_space())
    assert table is not None and table.shape == (1, 256, 3)
    # A change of primaries mixes channels: no table stands for it.
    assert colour.code_value_table(colour.DEFAULT_DISPLAY_FILE_SPACE, "ACES2065-1") is None
