"""Image files built in memory for the imaging tests (nothing binary is committed)."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

SAMPLES = Path(__file__).resolve().parents[2] / "app" / "samples"


def encode(im: Image.Image, fmt: str, **options: Any) -> bytes:
    """``im`` saved as ``fmt`` with Pillow's ``options``."""
    buffer = io.BytesIO()
    im.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk with a correct CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int, *, depth: int = 8, colour_type: int = 0) -> bytes:
    """Signature and IHDR claiming ``width`` x ``height``."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)


def png_of_zeros(width: int, height: int) -> bytes:
    """A valid all-black 8-bit grey PNG, compressed row by row (a bomb when it is large)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return png_header(width, height) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def photo(size: tuple[int, int] = (96, 64), *, seed: int = 0) -> Image.Image:
    """A sample photo reduced to ``size`` with a little seeded noise (RGB)."""
    base = Image.open(SAMPLES / "astronaut.png").convert("RGB").resize(size)
    rng = np.random.default_rng(seed)
    noise = rng.integers(-8, 9, (size[1], size[0], 3), dtype=np.int16)
    noisy = np.asarray(base).astype(np.int16) + noise
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def quadrants(width: int = 64, height: int = 32) -> Image.Image:
    """An RGB image whose four quadrants are red, green, blue and white: no symmetry."""
    array = np.zeros((height, width, 3), np.uint8)
    h, w = height // 2, width // 2
    array[:h, :w] = (255, 0, 0)
    array[:h, w:] = (0, 255, 0)
    array[h:, :w] = (0, 0, 255)
    array[h:, w:] = (255, 255, 255)
    return Image.fromarray(array)


def with_sof_size(jpeg: bytes, width: int, height: int) -> bytes:
    """``jpeg`` with its SOF0 frame header claiming ``width`` x ``height``."""
    at = jpeg.index(b"\xff\xc0")
    return jpeg[: at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9 :]


def gif_screen(width: int, height: int, *, frame: tuple[int, int] = (1, 1)) -> bytes:
    """A GIF whose logical screen is ``width`` x ``height`` with one tiny (or huge) frame."""
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    descriptor = b"," + struct.pack("<HHHHB", 0, 0, *frame, 0)
    return header + descriptor + b"\x02\x02D\x01\x00;"


def animated_gif(frames: int, *, size: tuple[int, int] = (64, 64)) -> bytes:
    """A GIF with a real first frame followed by ``frames`` tiny 1x1 frames."""
    first = encode(photo(size), "GIF")
    control = b"!\xf9\x04\x04\x01\x00\x00\x00"  # graphic control: 10 ms, keep the frame
    tiny = control + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00"
    return first[:-1] + tiny * frames + b";"


def webp_canvas(width: int, height: int) -> bytes:
    """A small WebP whose VP8X header claims a ``width`` x ``height`` canvas."""
    data = bytearray(encode(photo((16, 16)), "WEBP", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08"))
    assert data[12:16] == b"VP8X"
    data[24:27] = (width - 1).to_bytes(3, "little")
    data[27:30] = (height - 1).to_bytes(3, "little")
    return bytes(data)


def _png_chunks(png: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        yield png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        pos += 12 + length


def apng_frames(frames: int) -> bytes:
    """An APNG of ``frames`` frames (red, then blue ones), cheap to build at any count."""
    red, blue = Image.new("RGB", (48, 32), "red"), Image.new("RGB", (48, 32), "blue")
    parts = list(_png_chunks(encode(red, "PNG", save_all=True, append_images=[blue])))
    kinds = [kind for kind, _ in parts]
    second = len(kinds) - 1 - kinds[::-1].index(b"fcTL")  # the blue frame's chunks start here
    sequence = 1 + max(struct.unpack(">I", data[:4])[0] for kind, data in parts
                       if kind in (b"fcTL", b"fdAT"))
    out = [b"\x89PNG\r\n\x1a\n"]
    for kind, data in parts[:second]:
        out.append(png_chunk(kind, struct.pack(">II", frames, 0) if kind == b"acTL" else data))
    for _ in range(frames - 1):
        for kind, data in parts[second:-1]:
            out.append(png_chunk(kind, struct.pack(">I", sequence) + data[4:]))
            sequence += 1
    return b"".join(out) + png_chunk(b"IEND", b"")


def webp_frames(frames: int) -> bytes:
    """An animated WebP of ``frames`` frames (red, then blue ones), cheap at any count."""
    red, blue = Image.new("RGB", (48, 32), "red"), Image.new("RGB", (48, 32), "blue")
    data = encode(red, "WEBP", save_all=True, append_images=[blue], lossless=True)
    pieces, pos = [], 12
    while pos < len(data):
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        pieces.append(data[pos : pos + 8 + length + (length & 1)])
        pos += 8 + length + (length & 1)
    assert pieces[-1][:4] == b"ANMF"
    body = b"".join(pieces) + pieces[-1] * (frames - 2)
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body
