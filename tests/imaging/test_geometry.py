"""Orientation and size: EXIF rotation applied, longest side = working size, never upscaled."""

from __future__ import annotations

import functools
import io
import statistics
import time

import numpy as np
import pytest
from PIL import Image, ImageOps, JpegImagePlugin

from app.imaging import ImageLimits, decode_upload
from app.imaging.modes import target_size

from .factories import encode, photo, png_of_zeros, quadrants

LIMITS = ImageLimits()
# What each EXIF orientation asks the viewer to do, and the transposition that undoes it.
UNDO = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # stored rotated 90 degrees anticlockwise of upright
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def stored_with_orientation(upright: Image.Image, orientation: int, fmt: str,
                            **options: object) -> bytes:
    """``upright`` stored the way a camera in ``orientation`` would store it."""
    undo = UNDO[orientation]
    stored = upright if undo is None else upright.transpose(undo)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, fmt, exif=exif.tobytes(), **options)


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_every_exif_orientation_comes_out_upright_lossless(orientation: int, fmt: str) -> None:
    upright = quadrants(64, 32)
    options = {"lossless": True} if fmt == "WEBP" else {}
    data = stored_with_orientation(upright, orientation, fmt, **options)
    image = decode_upload(data, limits=LIMITS)
    assert (image.width, image.height) == (64, 32)
    assert np.array_equal(image.pixels, np.asarray(upright))
    # ... and agrees with Pillow's own reading of the tag.
    assert np.array_equal(image.pixels, np.asarray(ImageOps.exif_transpose(
        Image.open(io.BytesIO(data))).convert("RGB")))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright_in_a_reduced_jpeg(orientation: int) -> None:
    upright = quadrants(1600, 800)  # reduced to 512 x 256 through the draft path
    image = decode_upload(stored_with_orientation(upright, orientation, "JPEG", quality=95),
                          limits=LIMITS)
    assert (image.width, image.height) == (512, 256)
    expected = np.asarray(upright.resize((512, 256), Image.Resampling.LANCZOS), dtype=int)
    inner = (slice(16, 112), slice(16, 240))  # away from the quadrant edges
    for rows in (inner[0], slice(144, 240)):
        for cols in (inner[1], slice(272, 496)):
            assert np.abs(image.pixels[rows, cols].astype(int) - expected[rows, cols]).max() < 12


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow warns, and goes on
@pytest.mark.parametrize("exif", [
    b"Exif\x00\x00" + bytes(range(256)) * 4,
    b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff",
    b"Exif\x00\x00II*\x00\xff\xff\xff\x7f",
    b"Exif\x00\x00",
])
def test_garbage_exif_is_ignored_not_an_error(exif: bytes) -> None:
    image = decode_upload(encode(quadrants(40, 20), "JPEG", exif=exif), limits=LIMITS)
    assert (image.width, image.height) == (40, 20)


def test_out_of_range_orientation_is_ignored() -> None:
    exif = Image.Exif()
    exif[0x0112] = 99
    image = decode_upload(encode(quadrants(40, 20), "PNG", exif=exif.tobytes()), limits=LIMITS)
    assert np.array_equal(image.pixels, np.asarray(quadrants(40, 20)))


@pytest.mark.parametrize(("size", "working", "expected"), [
    ((4000, 3000), 512, (512, 384)),
    ((3000, 4000), 512, (384, 512)),
    ((513, 512), 512, (512, 511)),
    ((512, 512), 512, (512, 512)),
    ((100, 50), 512, (100, 50)),
    ((12000, 7), 512, (512, 1)),
    ((1, 12000), 256, (1, 256)),
    ((1000, 999), 128, (128, 128)),
])
def test_target_keeps_the_aspect_ratio_and_never_upscales(
        size: tuple[int, int], working: int, expected: tuple[int, int]) -> None:
    assert target_size(size, working) == expected


def test_small_images_pass_through_pixel_for_pixel() -> None:
    small = photo((100, 50))
    image = decode_upload(encode(small, "PNG"), limits=LIMITS)
    assert (image.width, image.height, image.channels) == (100, 50, 3)
    assert np.array_equal(image.pixels, np.asarray(small))


@functools.cache
def photo_900x600(fmt: str) -> bytes:
    return encode(photo((900, 600)), fmt)


@pytest.mark.parametrize("working", [64, 200, 512])
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_longest_side_is_the_working_size(working: int, fmt: str) -> None:
    data = photo_900x600(fmt)
    image = decode_upload(data, limits=ImageLimits(working_size=working))
    assert max(image.width, image.height) == working
    assert image.pixels.shape == (image.height, image.width, 3)
    assert image.original_size == (900, 600)
    assert abs(image.width / image.height - 1.5) < 2 / working


def test_extremely_wide_image_keeps_at_least_one_row() -> None:
    image = decode_upload(png_of_zeros(12000, 1), limits=LIMITS)
    assert (image.width, image.height, image.channels) == (512, 1, 1)


@pytest.fixture(scope="module")
def jpeg_4000x3000() -> bytes:
    """A 12-Mpixel phone-sized photo: a sample upscaled, with noise, at quality 90."""
    return encode(photo((4000, 3000), seed=4), "JPEG", quality=90)


@pytest.mark.parametrize("size", [(2100, 1500), (1100, 1024), (1500, 2100)])
def test_jpeg_draft_path_gives_the_slow_paths_size_and_nearly_its_pixels(
        size: tuple[int, int]) -> None:
    data = encode(photo(size), "JPEG", quality=90)
    fast = decode_upload(data, limits=LIMITS)
    slow = decode_upload(data, limits=LIMITS, jpeg_draft=False)
    assert fast.pixels.shape == slow.pixels.shape
    difference = np.abs(fast.pixels.astype(int) - slow.pixels.astype(int))
    assert difference.mean() < 1.5 and np.percentile(difference, 99) < 12


@pytest.mark.parametrize("size", [(1030, 7), (7, 1030), (4097, 3), (1024, 1024)])
def test_jpeg_draft_path_gives_the_slow_paths_size_at_extreme_aspect_ratios(
        size: tuple[int, int]) -> None:
    data = encode(photo(size), "JPEG")
    fast = decode_upload(data, limits=LIMITS)
    slow = decode_upload(data, limits=LIMITS, jpeg_draft=False)
    assert fast.pixels.shape == slow.pixels.shape
    assert max(fast.width, fast.height) == 512


def test_draft_is_used_only_when_the_jpeg_is_much_larger_than_the_working_size(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int] | None] = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self: JpegImagePlugin.JpegImageFile, mode: str | None,
            size: tuple[int, int] | None) -> object:
        calls.append(size)
        return original(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    decode_upload(encode(photo((900, 600)), "JPEG"), limits=LIMITS)
    assert calls == []
    decode_upload(encode(photo((2048, 1536)), "JPEG"), limits=LIMITS)
    assert calls == [(512, 384)]


def test_draft_decode_of_a_4000x3000_photo_is_faster_than_the_full_decode(
        jpeg_4000x3000: bytes) -> None:
    # Measured on the 2-core dev box: ~36 ms with draft, ~90 ms without (and 180 ms for a
    # plain full decode + Lanczos). The bound is loose: the point is that draft is used.
    data = jpeg_4000x3000

    def median_ms(draft: bool) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            decode_upload(data, limits=LIMITS, jpeg_draft=draft)
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    fast, slow = median_ms(True), median_ms(False)
    fast_image = decode_upload(data, limits=LIMITS)
    slow_image = decode_upload(data, limits=LIMITS, jpeg_draft=False)
    assert fast_image.pixels.shape == slow_image.pixels.shape == (384, 512, 3)
    assert fast < slow
    assert fast < 400  # the interaction budget for an upload is 500 ms end to end
