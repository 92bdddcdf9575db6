"""The photos and bad files the simulated students of ``benchmarks/load.py`` upload.

Every student who uploads gets a photo of their own (ids are content hashes, so shared
photos would share a cache entry and flatter the server): a textured picture, upscaled from
a small random one so JPEG sizes look like a phone's, with a per-student offset. A few are
phone-sized 4000 x 3000 JPEGs (about 5 MB); the bad files are what a class really sends.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

#: (kind, width, height, Pillow format, extension, share of uploading students); the rest
#: of the students (see ``SAMPLE_SHARE`` in load.py) use a gallery sample instead.
PHOTO_KINDS = (
    ("phone", 4000, 3000, "JPEG", "jpg", 0.08),
    ("camera", 1600, 1200, "JPEG", "jpg", 0.30),
    ("screenshot", 640, 480, "PNG", "png", 0.40),
    ("web", 1024, 768, "WEBP", "webp", 0.22),
)
TILE = 256
OVERSIZE_BYTES = 21 * 1024 * 1024  # over the default 20 MiB max_upload_bytes


@dataclass(frozen=True)
class Upload:
    """A file to send: its name, bytes and what kind of file it is."""

    name: str
    data: bytes
    kind: str


def photo(*, width: int, height: int, fmt: str, seed: int) -> bytes:
    """A smooth random picture with fine grain, ``width x height``, encoded as ``fmt``."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (max(height // 16, 2), max(width // 16, 2), 3),
                          dtype=np.uint8)
    pixels = np.asarray(Image.fromarray(coarse).resize((width, height), Image.BICUBIC)).copy()
    grain = rng.integers(0, 24, (TILE, TILE, 3), dtype=np.uint8)
    pixels += np.tile(grain, (height // TILE + 1, width // TILE + 1, 1))[:height, :width]
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt, quality=90)
    return out.getvalue()


def student_photo(index: int, *, seed: int) -> Upload:
    """The photo of student ``index``: its kind drawn by ``PHOTO_KINDS`` shares."""
    rng = np.random.default_rng([seed, index])
    shares = np.array([k[5] for k in PHOTO_KINDS])
    kind, width, height, fmt, ext, _ = PHOTO_KINDS[int(rng.choice(len(PHOTO_KINDS),
                                                                  p=shares / shares.sum()))]
    data = photo(width=width, height=height, fmt=fmt, seed=seed * 100_003 + index)
    return Upload(name=f"IMG_{index:04d}.{ext}", data=data, kind=kind)


def bad_files(*, seed: int) -> list[Upload]:
    """Files that must be refused with a 4xx: text, truncated, empty, HEIC, SVG, oversize."""
    jpeg = photo(width=800, height=600, fmt="JPEG", seed=seed)
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(2048)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    oversize = np.random.default_rng(seed).integers(0, 256, OVERSIZE_BYTES,
                                                    dtype=np.uint8).tobytes()
    return [
        Upload("homework.jpg", b"Dear teacher, here is my homework.\n" * 40, "text"),
        Upload("cut.jpg", jpeg[: len(jpeg) // 3], "truncated"),
        Upload("empty.png", b"", "empty"),
        Upload("IMG_0001.HEIC", heic, "heic"),
        Upload("drawing.png", svg, "svg"),
        Upload("huge.jpg", oversize, "oversize"),
    ]
