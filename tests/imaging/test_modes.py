"""Every mode an upload can arrive in becomes grey (1 channel) or RGB, with exact pixels."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from app.imaging import ImageLimits, decode_upload
from app.imaging import modes as image_modes
from app.imaging.modes import composite, flatten, to_working

from .factories import encode, png_chunk, png_header

LIMITS = ImageLimits()


def decode(data: bytes) -> np.ndarray:
    return np.asarray(decode_upload(data, limits=LIMITS).pixels)


def reference_over_white(colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """round((c*a + 255*(255 - a)) / 255), in exact integer arithmetic."""
    c = colour.astype(np.int64)
    a = alpha.astype(np.int64)
    return np.floor((c * a + 255 * (255 - a)) / 255 + 0.5).astype(np.uint8)


def test_rgba_is_composited_onto_white_exactly() -> None:
    rgba = np.array([[[255, 0, 0, 255], [255, 0, 0, 0]],
                     [[0, 0, 255, 128], [10, 20, 30, 64]]], np.uint8)
    pixels = decode(encode(Image.fromarray(rgba), "PNG"))
    assert pixels.shape == (2, 2, 3)
    assert pixels.tolist() == [[[255, 0, 0], [255, 255, 255]],
                               [[127, 127, 255], [194, 196, 199]]]


def test_premultiplied_compositing_equals_the_reference_for_every_colour_and_alpha() -> None:
    c, a = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8))
    rgba = np.stack([c, 255 - c, c // 2, a], axis=-1)
    expected = reference_over_white(rgba[:, :, :3], rgba[:, :, 3:])
    assert np.array_equal(composite(rgba), expected)
    assert np.array_equal(flatten(Image.fromarray(rgba)), expected)  # the pipeline's path
    assert np.array_equal(decode(encode(Image.fromarray(rgba), "PNG")), expected)


def test_grey_with_alpha_stays_one_channel_over_white() -> None:
    la = np.array([[[0, 255], [0, 0], [100, 128]]], np.uint8)
    pixels = decode(encode(Image.fromarray(la, "LA"), "PNG"))
    assert pixels.shape == (1, 3, 1)
    assert pixels[:, :, 0].tolist() == [[0, 255, 177]]  # (100*128 + 255*127) / 255 = 177.2


def test_palette_transparency_including_partial_alpha_is_composited() -> None:
    palette = [255, 0, 0, 0, 0, 255, 0, 255, 0] + [0] * (256 * 3 - 9)
    im = Image.fromarray(np.array([[0, 1, 2]], np.uint8), "L").convert("P")
    im.putpalette(palette)
    # tRNS for a palette: one alpha per entry (red invisible, blue opaque, green half).
    pixels = decode(encode(im, "PNG", transparency=bytes([0, 255, 128])))
    assert pixels.tolist() == [[[255, 255, 255], [0, 0, 255], [127, 255, 127]]]


def test_palette_without_transparency_keeps_its_colours() -> None:
    im = Image.fromarray(np.array([[0, 1]], np.uint8), "L").convert("P")
    im.putpalette([12, 34, 56, 200, 100, 50] + [0] * (256 * 3 - 6))
    assert decode(encode(im, "PNG")).tolist() == [[[12, 34, 56], [200, 100, 50]]]


def test_gif_transparent_index_becomes_white() -> None:
    im = Image.fromarray(np.array([[0, 1, 1]], np.uint8), "L").convert("P")
    im.putpalette([10, 20, 30, 40, 50, 60] + [0] * (256 * 3 - 6))
    pixels = decode(encode(im, "GIF", transparency=0))
    assert pixels.tolist() == [[[255, 255, 255], [40, 50, 60], [40, 50, 60]]]


def test_grey_and_rgb_transparent_colour_keys_become_white() -> None:
    grey = decode(encode(Image.fromarray(np.array([[7, 8]], np.uint8)), "PNG", transparency=7))
    assert grey.shape == (1, 2, 1) and grey[:, :, 0].tolist() == [[255, 8]]
    rgb = np.array([[[1, 2, 3], [4, 5, 6]]], np.uint8)
    pixels = decode(encode(Image.fromarray(rgb), "PNG", transparency=(1, 2, 3)))
    assert pixels.tolist() == [[[255, 255, 255], [4, 5, 6]]]


def test_sixteen_bit_grey_is_scaled_by_257_with_rounding_not_clipped() -> None:
    values = np.array([[0, 128, 129, 257, 385, 386, 32896, 65407, 65535]], np.uint16)
    data = encode(Image.fromarray(values), "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I;16")
    pixels = decode(data)
    assert pixels.shape == (1, 9, 1)
    assert pixels[:, :, 0].tolist() == [[0, 0, 1, 1, 1, 2, 128, 255, 255]]


def test_sixteen_bit_rgb_png_keeps_the_high_byte() -> None:
    # Pillow reads 16-bit colour PNGs as 8-bit RGB (the most significant byte of each sample).
    row = b"\x00" + struct.pack(">HHHHHH", 0x12FF, 0x3400, 0xFFFF, 0, 0x0101, 0x8080)
    data = (png_header(2, 1, depth=16, colour_type=2) + png_chunk(b"IDAT", zlib.compress(row))
            + png_chunk(b"IEND", b""))
    assert decode(data).tolist() == [[[0x12, 0x34, 0xFF], [0, 1, 0x80]]]


def test_thirty_two_bit_integer_grey_is_clipped_to_the_sixteen_bit_range() -> None:
    im = Image.fromarray(np.array([[-5, 257, 70000]], np.int32), "I")
    assert flatten(im)[:, :, 0].tolist() == [[0, 1, 255]]


def test_one_bit_becomes_grey_0_and_255() -> None:
    bits = Image.fromarray(np.array([[0, 255, 0, 255]], np.uint8)).convert("1")
    pixels = decode(encode(bits, "PNG"))
    assert pixels.shape == (1, 4, 1) and pixels[:, :, 0].tolist() == [[0, 255, 0, 255]]


def test_grey_png_and_grey_jpeg_stay_one_channel() -> None:
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    assert np.array_equal(decode(encode(Image.fromarray(grey), "PNG"))[:, :, 0], grey)
    assert decode(encode(Image.fromarray(grey), "JPEG")).shape == (8, 8, 1)


def test_cmyk_jpeg_becomes_rgb() -> None:
    blocks = {(0, 0, 0, 0): (255, 255, 255), (255, 0, 0, 0): (0, 255, 255),
              (0, 255, 0, 0): (255, 0, 255), (0, 0, 0, 255): (0, 0, 0)}
    cmyk = np.zeros((16, 16 * len(blocks), 4), np.uint8)
    for i, ink in enumerate(blocks):
        cmyk[:, 16 * i : 16 * (i + 1)] = ink
    pixels = decode(encode(Image.fromarray(cmyk, "CMYK"), "JPEG", quality=100))
    assert pixels.shape == (16, 16 * len(blocks), 3)
    for i, rgb in enumerate(blocks.values()):
        assert np.abs(pixels[8, 16 * i + 8].astype(int) - rgb).max() <= 3


@pytest.mark.parametrize("mode", ["PA", "La", "RGBa", "YCbCr", "LAB", "HSV", "CMYK", "RGBX"])
def test_every_other_mode_becomes_grey_or_rgb(mode: str) -> None:
    im = Image.new("RGB", (5, 3), (90, 120, 150)).convert(mode) if mode != "PA" else (
        Image.new("P", (5, 3), 1).convert("PA"))
    pixels = flatten(im)
    assert pixels.dtype == np.uint8 and pixels.shape[:2] == (3, 5)
    assert pixels.shape[2] == (1 if mode == "La" else 3)


def test_converting_in_strips_gives_the_same_pixels_as_in_one_piece(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 256, (1700, 1600, 4), dtype=np.uint8)
    im = Image.fromarray(rgba)
    whole = to_working(im, (512, 544))  # strips of 1 MPixel: two of them
    monkeypatch.setattr(image_modes, "STRIP_PIXELS", 37 * 1600)  # many odd-sized strips
    assert np.array_equal(to_working(im, (512, 544)), whole)


def test_large_alpha_image_matches_compositing_first_then_resizing() -> None:
    rng = np.random.default_rng(2)
    rgba = np.repeat(np.repeat(rng.integers(0, 256, (60, 80, 4), dtype=np.uint8), 25, 0), 25, 1)
    expected = Image.fromarray(reference_over_white(rgba[:, :, :3], rgba[:, :, 3:])).resize(
        (512, 384), Image.Resampling.LANCZOS)
    pixels = to_working(Image.fromarray(rgba), (512, 384)).astype(int)
    difference = np.abs(pixels - np.asarray(expected, dtype=int))
    assert difference.mean() < 0.6 and difference.max() <= 6


def test_decoded_pixels_are_read_only() -> None:
    pixels = decode_upload(encode(Image.new("RGB", (4, 4)), "PNG"), limits=LIMITS).pixels
    assert not pixels.flags.writeable
    with pytest.raises(ValueError):
        pixels[0, 0, 0] = 1
