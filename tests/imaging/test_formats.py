"""Formats are sniffed from the bytes, limits are checked from the header before decoding."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import pytest
from PIL import Image

from app.imaging import ImageLimits, ImagingError, decode_upload
from app.imaging.headers import HeaderError, read_header, sniff_format

from .factories import (
    animated_gif,
    apng_frames,
    encode,
    gif_screen,
    photo,
    png_header,
    png_of_zeros,
    webp_canvas,
    webp_frames,
    with_sof_size,
)

LIMITS = ImageLimits()
ALLOWED = "PNG, JPEG, WebP or GIF (first frame)"


def refusal(data: bytes, limits: ImageLimits = LIMITS) -> ImagingError:
    with pytest.raises(ImagingError) as caught:
        decode_upload(data, limits=limits)
    assert caught.value.field == "file"
    return caught.value


@pytest.fixture
def pillow_never_opens(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Record every Image.open: a refusal from the header must not reach any decoder."""
    calls: list[object] = []
    original = Image.open

    def spy(*args: object, **kwargs: object) -> Image.Image:
        calls.append(args)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Image, "open", spy)
    yield calls
    assert calls == [], "Pillow opened a file that the header checks should have refused"


@pytest.mark.parametrize(("data", "name"), [
    (encode(photo((8, 8)), "PNG"), "PNG"),
    (encode(photo((8, 8)), "JPEG"), "JPEG"),
    (encode(photo((8, 8)), "GIF"), "GIF"),
    (encode(photo((8, 8)), "WEBP"), "WEBP"),
    (encode(photo((8, 8)), "TIFF"), "TIFF"),
    (encode(photo((8, 8)), "BMP"), "BMP"),
    (encode(photo((8, 8)), "ICO"), "ICO"),
    (encode(photo((8, 8)), "PDF"), "PDF"),
    (encode(photo((8, 8)), "EPS"), "EPS"),
    (encode(photo((8, 8)), "AVIF"), "AVIF"),
    (encode(photo((8, 8)), "JPEG2000"), "JPEG 2000"),
    (encode(photo((8, 8)), "PPM"), "PPM"),
    (encode(photo((8, 8)), "QOI"), "QOI"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC/HEIF"),
    (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heix", "HEIC/HEIF"),
    (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "MP4/QuickTime video"),
    (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
    (b"\xef\xbb\xbf  <svg onload=alert(1)>", "SVG"),
    (b"<!DOCTYPE html><html><script>alert(1)</script>", "HTML"),
    (b"%!PS-Adobe-3.0 EPSF-3.0\n", "EPS"),
    (b"%PDF-1.7\n", "PDF"),
    (b"PK\x03\x04rest", "ZIP"),
    (b"hello, this is not an image", "text"),
    (bytes(range(256)), "unknown"),
    (b"\x89PNG\r\n", "unknown"),
])
def test_format_is_sniffed_from_the_bytes(data: bytes, name: str) -> None:
    assert sniff_format(data) == name


@pytest.mark.parametrize("fmt", ["TIFF", "BMP", "ICO", "PDF", "EPS", "JPEG2000", "PPM", "QOI"])
def test_other_image_formats_are_415_naming_the_allowed_ones(fmt: str) -> None:
    error = refusal(encode(photo((8, 8)), fmt))
    assert error.status == 415 and error.code == "unsupported_format"
    assert f"allowed formats are {ALLOWED}" in error.message
    assert error.limit == ALLOWED


@pytest.mark.parametrize("data", [
    encode(photo((8, 8)), "AVIF"),
    b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
])
def test_heic_and_avif_get_a_hint_to_convert(data: bytes) -> None:
    error = refusal(data)
    assert error.status == 415
    assert "Convert it to JPEG or PNG" in error.message


def test_markup_posing_as_an_image_is_415() -> None:
    for data in (b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>",
                 b"<html><body>hi</body></html>"):
        error = refusal(data)
        assert error.status == 415 and error.value in ("SVG", "HTML")


def test_allowed_formats_can_be_narrowed() -> None:
    error = refusal(encode(photo((8, 8)), "JPEG"), ImageLimits(allowed_formats={"png"}))
    assert error.status == 415 and "allowed formats are PNG." in error.message


def test_empty_file_is_400() -> None:
    error = refusal(b"")
    assert (error.status, error.code, error.value) == (400, "empty_file", 0)


def test_file_over_the_byte_limit_is_413_naming_the_limit() -> None:
    error = refusal(encode(photo((64, 64)), "PNG"), ImageLimits(max_bytes=1000))
    assert error.status == 413 and error.limit == 1000
    assert "the limit is 1000 bytes" in error.message


@pytest.mark.parametrize(("data", "code", "fragment"), [
    (png_header(100_000, 100_000), "side_too_long", "at most 12000 pixels"),
    (png_header(2**31 - 1, 1), "side_too_long", "2147483647x1"),
    (png_header(11_000, 11_000), "too_many_pixels", "the limit is 50000000 pixels"),
    (gif_screen(65535, 65535), "side_too_long", "65535x65535"),
    (gif_screen(10, 10, frame=(20_000, 20_000)), "side_too_long", "20000x20000"),
    (gif_screen(10, 10, frame=(9_000, 9_000)), "too_many_pixels", "81000000 pixels"),
    (with_sof_size(encode(photo((16, 16)), "JPEG"), 65_000, 65_000), "side_too_long", "65000"),
    (with_sof_size(encode(photo((16, 16)), "JPEG"), 10_000, 9_000), "too_many_pixels",
     "90000000"),
    (webp_canvas(16_384, 16_384), "side_too_long", "16384x16384"),
    (webp_canvas(8_000, 8_000), "too_many_pixels", "64000000"),
])
def test_bombs_are_413_from_the_header_before_pillow_opens_them(
        data: bytes, code: str, fragment: str, pillow_never_opens: list[object]) -> None:
    error = refusal(data)
    assert (error.status, error.code) == (413, code)
    assert fragment in error.message


LAX = ImageLimits(max_pixels=10**9, max_side=30_000)  # above Pillow's own bomb limits


def test_pillows_bomb_error_is_a_413_when_our_limits_are_set_above_it() -> None:
    error = refusal(gif_screen(10, 10, frame=(20_000, 20_000)), LAX)
    assert (error.status, error.code) == (413, "too_many_pixels")


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_pillows_bomb_warning_raised_as_an_error_is_a_413() -> None:
    error = refusal(gif_screen(10_000, 10_000), LAX)  # 100 Mpixels: Pillow warns
    assert (error.status, error.code) == (413, "too_many_pixels")


def test_a_bomb_under_the_limits_decodes_within_bounded_memory() -> None:
    data = png_of_zeros(7_000, 7_000)  # 47 kB for 49 Mpixels
    image = decode_upload(data, limits=LIMITS)
    assert (image.width, image.height, image.channels) == (512, 512, 1)
    assert image.original_size == (7_000, 7_000)


@pytest.mark.parametrize(("data", "fragment"), [
    (encode(photo((64, 64)), "PNG")[:300], "truncated"),
    (encode(photo((64, 64)), "JPEG")[:400], "truncated"),
    (encode(photo((64, 64)), "JPEG")[:-2], "truncated"),
    (encode(photo((64, 64)), "GIF")[:200], "truncated"),
    (encode(photo((64, 64)), "WEBP")[:100], "corrupt"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "IHDR"),
    (png_header(0, 10), "0x10"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "truncated"),
    (b"GIF89a\x01", "truncated"),
    (b"RIFF\x00\x00\x00\x00WEBPXXXX", "no VP8"),
])
def test_truncated_or_corrupt_files_are_422(data: bytes, fragment: str) -> None:
    error = refusal(data)
    assert (error.status, error.code) == (422, "corrupt_image")
    assert fragment in error.message
    assert "object at 0x" not in error.message


@pytest.mark.parametrize(("data", "size"), [
    (animated_gif(20_000), (64, 64)),
    (apng_frames(5_000), (48, 32)),
    (webp_frames(5_000), (48, 32)),
])
def test_thousands_of_frames_decode_only_the_first_quickly(data: bytes,
                                                           size: tuple[int, int]) -> None:
    start = time.perf_counter()
    image = decode_upload(data, limits=LIMITS)
    assert time.perf_counter() - start < 0.5  # ~1 ms measured: the other frames are skipped
    assert (image.width, image.height) == size
    if image.format != "GIF":
        assert Image.open(io.BytesIO(data)).n_frames == 5_000
        assert image.pixels[0, 0].tolist() == [255, 0, 0]  # the red first frame


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
def test_animations_give_their_first_frame(fmt: str) -> None:
    frames = [Image.new("RGB", (32, 16), colour) for colour in ("red", "lime", "blue")]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], lossless=True)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    pixels = decode_upload(data, limits=LIMITS).pixels
    assert pixels[8, 16].tolist() == [255, 0, 0]


def test_header_reader_rejects_a_jpeg_without_a_frame_header() -> None:
    with pytest.raises(HeaderError, match="no frame header"):
        read_header(b"\xff\xd8\xff\xda\x00\x02", "JPEG")


@pytest.mark.parametrize(("options", "match"), [
    ({"max_bytes": 0}, "max_bytes"),
    ({"working_size": -1}, "working_size"),
    ({"allowed_formats": {"TIFF"}}, "allowed_formats"),
    ({"allowed_formats": set()}, "allowed_formats"),
])
def test_impossible_limits_are_configuration_errors(options: dict[str, object],
                                                    match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ImageLimits(**options)  # type: ignore[arg-type]
