"""decode_upload raises nothing but ImagingError, whatever the bytes (bounded in time)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from app.imaging import ImageLimits, ImagingError, decode_upload

from .factories import animated_gif, encode, photo

# Small limits keep every decode cheap even when a mutation claims a large canvas.
LIMITS = ImageLimits(max_bytes=1 << 20, max_pixels=1 << 20, max_side=2048, working_size=64)
FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])
PER_CASE_SECONDS = 2.0


def _seeds() -> list[bytes]:
    rgb = photo((24, 16))
    exif = Image.Exif()
    exif[0x0112] = 6
    rgba = rgb.convert("RGBA")
    rgba.putalpha(100)
    frames = [rgb, rgb.rotate(90), rgb.rotate(180)]
    return [
        encode(rgb, "PNG"),
        encode(rgb, "PNG", exif=exif.tobytes()),
        encode(rgba, "PNG"),
        encode(rgb.convert("P"), "PNG", transparency=3),
        encode(Image.fromarray(np.arange(384, dtype=np.uint16).reshape(16, 24) * 170), "PNG"),
        encode(rgb.convert("1"), "PNG"),
        encode(rgb, "PNG", save_all=True, append_images=frames[1:]),
        encode(rgb, "JPEG", quality=80, exif=exif.tobytes()),
        encode(rgb, "JPEG", progressive=True),
        encode(rgb.convert("CMYK"), "JPEG"),
        encode(rgb.convert("L"), "JPEG"),
        encode(rgb, "GIF"),
        animated_gif(50, size=(24, 16)),
        encode(rgb, "WEBP"),
        encode(rgba, "WEBP", lossless=True),
        encode(rgb, "WEBP", save_all=True, append_images=frames[1:]),
    ]


SEEDS = _seeds()


def check(data: bytes) -> None:
    start = time.perf_counter()
    try:
        image = decode_upload(data, limits=LIMITS)
    except ImagingError as error:
        assert error.status in (400, 413, 415, 422)
        assert error.message and error.field == "file"
    else:
        assert image.pixels.dtype == np.uint8 and image.pixels.ndim == 3
        assert image.channels in (1, 3) and max(image.width, image.height) <= 64
    assert time.perf_counter() - start < PER_CASE_SECONDS


@pytest.mark.filterwarnings("ignore")
@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_raise_only_imaging_errors(data: bytes) -> None:
    check(data)


@pytest.mark.filterwarnings("ignore")
@FUZZ
@given(st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"GIF87a",
                        b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"RIFF\x00\x00\x00\x00WEBPVP8L",
                        b"RIFF\x00\x00\x00\x00WEBPVP8X"]),
       st.binary(max_size=2048))
def test_valid_magic_followed_by_noise_raises_only_imaging_errors(magic: bytes,
                                                                  rest: bytes) -> None:
    check(magic + rest)


@pytest.mark.filterwarnings("ignore")
@FUZZ
@given(seed=st.sampled_from(SEEDS),
       flips=st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), max_size=8),
       cut=st.one_of(st.none(), st.integers(0, 1 << 16)),
       insert=st.one_of(st.none(), st.tuples(st.integers(0, 1 << 16), st.binary(max_size=64))))
def test_mutated_real_files_raise_only_imaging_errors(
        seed: bytes, flips: list[tuple[int, int]], cut: int | None,
        insert: tuple[int, bytes] | None) -> None:
    data = bytearray(seed)
    for position, value in flips:
        data[position % len(data)] = value
    if insert is not None:
        at = insert[0] % (len(data) + 1)
        data[at:at] = insert[1]
    if cut is not None:
        del data[cut % (len(data) + 1):]
    check(bytes(data))


def test_every_seed_decodes_unmutated() -> None:
    for seed in SEEDS:
        image = decode_upload(seed, limits=LIMITS)
        assert (image.width, image.height) in ((24, 16), (16, 24))
