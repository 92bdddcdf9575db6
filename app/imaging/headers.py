"""Sniff an upload's real format and read its dimensions from the header, without Pillow.

Both happen before any decoder sees the bytes: the filename, extension and content type a
client sends are never trusted, Pillow is only ever asked to open the one format the bytes
claim to be (so it never falls through to plugins such as EPS, which shells out to
Ghostscript), and a decompression bomb is refused from its header before a decoder allocates
its canvas (libwebp's animation decoder, for one, allocates the whole canvas on open).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

#: Format names as Pillow spells them, for the formats we can read a header of.
DECODABLE = ("PNG", "JPEG", "WEBP", "GIF")

#: Human names used in messages.
DISPLAY_NAMES = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP", "GIF": "GIF"}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
)
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
# Start-of-frame markers carry the dimensions; C4 (DHT), C8 (JPG) and CC (DAC) do not.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})

# Leading magic bytes of formats we recognise only to refuse them by name.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),
    (b"BM", "BMP"),
    (b"%PDF", "PDF"),
    (b"%!PS", "EPS"),
    (b"\xc5\xd0\xd3\xc6", "EPS"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\x00\x00\x02\x00", "CUR"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL ", "JPEG XL"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xffO\xffQ", "JPEG 2000"),
    (b"qoif", "QOI"),
    (b"DDS ", "DDS"),
    (b"icns", "ICNS"),
    (b"gimp xcf", "XCF"),
    (b"PK\x03\x04", "ZIP"),
    (b"\x1f\x8b", "gzip"),
    (b"\x1aE\xdf\xa3", "WebM/Matroska video"),
    (b"OggS", "Ogg"),
    (b"ID3", "MP3 audio"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"P1", "PBM"),
    (b"P4", "PBM"),
    (b"P5", "PGM"),
    (b"P6", "PPM"),
)


class HeaderError(ValueError):
    """The bytes claim a decodable format but its header is truncated or malformed."""


@dataclass(frozen=True)
class Header:
    """What the header says: Pillow's format name and the canvas size in pixels."""

    format: str
    width: int
    height: int


def sniff_format(data: bytes) -> str:
    """Name the format of ``data`` from its leading bytes.

    Returns one of :data:`DECODABLE` (Pillow's names), a human name of a recognised but
    refused format (``"HEIC/HEIF"``, ``"AVIF"``, ``"SVG"``, ``"HTML"``, ``"TIFF"``, ...),
    ``"text"`` for other text, or ``"unknown"``.
    """
    if data.startswith(_PNG_SIGNATURE):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        return _iso_brand(data)
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    return _sniff_text(data)


def _iso_brand(data: bytes) -> str:
    """Name an ISO base-media file (HEIF, AVIF, MP4) from its ``ftyp`` box brands."""
    box_size = int.from_bytes(data[0:4], "big")
    end = min(max(box_size, 16), len(data), 4096)
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, end - 3, 4)}
    if brands & _AVIF_BRANDS:
        return "AVIF"
    if brands & _HEIF_BRANDS:
        return "HEIC/HEIF"
    return "MP4/QuickTime video"


def _sniff_text(data: bytes) -> str:
    """Recognise markup posing as an image; anything else printable is ``"text"``."""
    head = data[:2048]
    if b"\x00" in head[:512]:
        return "unknown"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith(b"<svg") or b"<svg" in lowered:
        return "SVG"
    if lowered.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        return "HTML"
    if lowered.startswith(b"<?xml"):
        return "XML"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character cut at the 2048th byte is still text.
        try:
            head[:-4].decode("utf-8")
        except UnicodeDecodeError:
            return "unknown"
    return "text"


def read_header(data: bytes, fmt: str) -> Header:
    """Read the canvas size of a :data:`DECODABLE` format from its header bytes.

    Raises
    ------
    HeaderError
        If the header is truncated or malformed, or says the image is empty.
    """
    try:
        width, height = _READERS[fmt](data)
    except (struct.error, IndexError) as exc:
        raise HeaderError(f"the {DISPLAY_NAMES[fmt]} header is truncated") from exc
    if width <= 0 or height <= 0:
        raise HeaderError(f"the {DISPLAY_NAMES[fmt]} header says the image is "
                          f"{width}x{height} pixels")
    return Header(format=fmt, width=width, height=height)


def _png_size(data: bytes) -> tuple[int, int]:
    if data[12:16] != b"IHDR":
        raise HeaderError("the PNG file has no IHDR chunk where the header should be")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _gif_size(data: bytes) -> tuple[int, int]:
    # Pillow grows the canvas to hold the first frame, so a 10x10 screen with a 20000x20000
    # frame is a 20000x20000 image: walk to the first image descriptor and take both.
    width, height, flags = struct.unpack("<HHB", data[6:11])
    pos = 13 + (3 << ((flags & 0x07) + 1) if flags & 0x80 else 0)
    while pos < len(data):
        block = data[pos]
        if block == 0x2C:  # image descriptor
            left, top, frame_w, frame_h = struct.unpack("<HHHH", data[pos + 1 : pos + 9])
            return max(width, left + frame_w), max(height, top + frame_h)
        if block != 0x21:  # anything but an extension before the first frame
            raise HeaderError("the GIF file has no image before its end")
        pos += 2  # introducer and label, then data sub-blocks up to a zero-length one
        while data[pos] != 0:
            pos += data[pos] + 1
        pos += 1
    raise HeaderError("the GIF header is truncated before its first image")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise HeaderError("the JPEG header has garbage between its segments")
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        marker = data[pos]
        pos += 1
        if marker in _JPEG_STANDALONE:
            continue
        if marker == 0xDA:
            raise HeaderError("the JPEG file has no frame header before its image data")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[pos + 3 : pos + 7])
            return int(width), int(height)
        if length < 2:
            raise HeaderError("the JPEG header has a segment of impossible length")
        pos += length
    raise HeaderError("the JPEG header is truncated before its frame header")


def _webp_size(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        if len(data) < 30:
            raise HeaderError("the WebP header is truncated")
        return width, height
    if chunk == b"VP8 ":
        if data[23:26] != b"\x9d\x01\x2a":
            raise HeaderError("the WebP (lossy) frame header has no start code")
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L":
        if data[20:21] != b"\x2f":
            raise HeaderError("the WebP (lossless) header has no signature")
        (bits,) = struct.unpack("<I", data[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise HeaderError("the WebP file starts with no VP8, VP8L or VP8X chunk")


_READERS = {"PNG": _png_size, "GIF": _gif_size, "JPEG": _jpeg_size, "WEBP": _webp_size}
