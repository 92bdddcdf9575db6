"""POST /api/images against hostile and odd files, all generated here: right status, a message
that names the problem (and the limit), no crash, bounded time and memory, nothing on disk."""

from __future__ import annotations

import asyncio
import io
import json
import os
import struct
import sys
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import uvicorn
from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from app.settings import Settings
from tests.imaging.factories import apng_frames, webp_frames
from tests.imaging.test_body_limit import exchange

SAMPLE = Path(__file__).resolve().parents[2] / "app" / "samples" / "astronaut.png"
ALLOWED = "allowed formats are PNG, JPEG, WebP or GIF (first frame)"
MIB = 1 << 20
SECONDS_PER_CASE = 5.0
RSS_BOUND_REFUSED = 48 * MIB  # a refusal from the header allocates next to nothing
RSS_BOUND_DECODED = 320 * MIB  # 49 Mpixel grey bomb under the limits: ~55 MiB measured
TIMEOUT = 20.0


# --- file factories ----------------------------------------------------------------------


def encode(im: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def photo(size: tuple[int, int] = (96, 64)) -> Image.Image:
    return Image.open(SAMPLE).convert("RGB").resize(size)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int, *, depth: int = 8, colour_type: int = 0) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)


def png_zeros(width: int, height: int) -> bytes:
    """A real, valid black PNG: a decompression bomb when large (118 kB for 121 Mpixels)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return png_header(width, height) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png_tiny_idat(width: int, height: int) -> bytes:
    """Huge dimensions in IHDR, a few bytes of compressed data."""
    return (png_header(width, height) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def png_with_chunk_before_idat(kind: bytes, data: bytes) -> bytes:
    base = encode(photo(), "PNG")
    return base[:33] + chunk(kind, data) + base[33:]


def gif_screen(width: int, height: int, *, frame: tuple[int, int] = (1, 1)) -> bytes:
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    return header + b"," + struct.pack("<HHHHB", 0, 0, *frame, 0) + b"\x02\x02D\x01\x00;"


def animated_gif(frames: int) -> bytes:
    first = encode(photo((64, 64)), "GIF")
    control = b"!\xf9\x04\x04\x01\x00\x00\x00"
    tiny = control + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00"
    return first[:-1] + tiny * frames + b";"


def animation(fmt: str, frames: int, **options: Any) -> bytes:
    base = photo((48, 32))
    images = [base.rotate(i * 7) for i in range(frames)]
    return encode(images[0], fmt, save_all=True, append_images=images[1:], **options)


def jpeg_sof(width: int, height: int) -> bytes:
    data = encode(photo((16, 16)), "JPEG")
    at = data.index(b"\xff\xc0")
    return data[: at + 5] + struct.pack(">HH", height, width) + data[at + 9 :]


def jpeg_huge_header(segments: int) -> bytes:
    """A valid JPEG preceded by ``segments`` maximal (64 kB) APP15 segments."""
    data = encode(photo(), "JPEG")
    app = b"\xff\xef\xff\xff" + b"\xa5" * 0xFFFD
    return data[:2] + app * segments + data[2:]


def webp_canvas(width: int, height: int) -> bytes:
    data = bytearray(encode(photo((16, 16)), "WEBP", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08"))
    data[24:27] = (width - 1).to_bytes(3, "little")
    data[27:30] = (height - 1).to_bytes(3, "little")
    return bytes(data)


def jpeg_with_exif(exif: bytes) -> bytes:
    return encode(photo((80, 40)), "JPEG", exif=exif)


def rotated_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    return jpeg_with_exif(exif.tobytes())


def palette_with_transparency() -> bytes:
    return encode(photo().convert("P"), "PNG", transparency=0)


def sixteen_bit_png() -> bytes:
    return encode(Image.fromarray(np.arange(96 * 64, dtype=np.uint16).reshape(64, 96) * 10),
                  "PNG")


# --- the table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One upload: the file, what the client claims it is, and what must come back."""

    make: Callable[[], bytes]
    status: int
    fragment: str = ""
    filename: str = "upload.png"
    content_type: str = "image/png"
    shape: tuple[int, int, int] | None = None  # (width, height, channels) when accepted
    rss_bound: int = RSS_BOUND_REFUSED


CASES: dict[str, Case] = {
    # Decompression bombs: refused from the header, before any decoder allocates.
    "png_bomb_121_mpixels": Case(lambda: png_zeros(11_000, 11_000), 413,
                                 "the limit is 50000000 pixels"),
    "png_ihdr_100000_square": Case(lambda: png_tiny_idat(100_000, 100_000), 413,
                                   "at most 12000 pixels"),
    "png_ihdr_2_31": Case(lambda: png_tiny_idat(2**31 - 1, 2**31 - 1), 413,
                          "2147483647x2147483647 pixels"),
    "gif_logical_screen_65535": Case(lambda: gif_screen(65535, 65535), 413, "65535x65535",
                                     filename="bomb.gif", content_type="image/gif"),
    "gif_frame_beyond_screen": Case(lambda: gif_screen(10, 10, frame=(20_000, 20_000)), 413,
                                    "20000x20000", filename="bomb.gif"),
    "jpeg_sof_65000": Case(lambda: jpeg_sof(65_000, 65_000), 413, "at most 12000 pixels",
                           filename="bomb.jpg", content_type="image/jpeg"),
    "jpeg_sof_90_mpixels": Case(lambda: jpeg_sof(10_000, 9_000), 413,
                                "the limit is 50000000 pixels", filename="bomb.jpg"),
    "webp_canvas_16384": Case(lambda: webp_canvas(16_384, 16_384), 413, "16384x16384",
                              filename="bomb.webp", content_type="image/webp"),
    "wide_20000x1": Case(lambda: png_zeros(20_000, 1), 413, "at most 12000 pixels"),
    "png_bomb_under_the_limits": Case(lambda: png_zeros(7_000, 7_000), 200,
                                      shape=(512, 512, 1), rss_bound=RSS_BOUND_DECODED),
    "png_ztxt_bomb": Case(lambda: png_with_chunk_before_idat(
        b"zTXt", b"k\x00\x00" + zlib.compress(b"a" * 20 * MIB)), 422, "metadata chunk"),
    # Huge headers and odd sizes that are fine.
    "jpeg_6_mib_of_app_segments": Case(lambda: jpeg_huge_header(100), 200,
                                       shape=(96, 64, 3), filename="big.jpg"),
    "png_5_mib_text_chunk": Case(lambda: png_with_chunk_before_idat(
        b"tEXt", b"k\x00" + b"a" * 5 * MIB), 200, shape=(96, 64, 3)),
    "wide_12000x1": Case(lambda: png_zeros(12_000, 1), 200, shape=(512, 1, 1)),
    # Empty and tiny.
    "zero_bytes": Case(lambda: b"", 400, "the file is empty (0 bytes)"),
    "one_byte": Case(lambda: b"\x89", 415, ALLOWED),
    # What the client says does not matter; the bytes do.
    "png_named_jpg": Case(lambda: encode(photo(), "PNG"), 200, filename="photo.jpg",
                          content_type="image/jpeg", shape=(96, 64, 3)),
    "jpeg_as_text_plain": Case(lambda: encode(photo(), "JPEG"), 200, filename="notes.txt",
                               content_type="text/plain", shape=(96, 64, 3)),
    "text_named_png": Case(lambda: b"just some notes, not a picture\n" * 20, 415,
                           "the file is text, not an image; " + ALLOWED),
    "svg_named_png": Case(lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
                          b"<script>alert(2)</script></svg>", 415, "SVG files are not supported"),
    "html_named_jpg": Case(lambda: b"<!DOCTYPE html><html><body><script>alert(1)</script>", 415,
                           "HTML files are not supported", filename="x.jpg",
                           content_type="image/jpeg"),
    "eps": Case(lambda: encode(photo(), "EPS"), 415, "EPS files are not supported; " + ALLOWED),
    "pdf": Case(lambda: encode(photo(), "PDF"), 415, "PDF files are not supported"),
    "tiff": Case(lambda: encode(photo(), "TIFF"), 415, "TIFF files are not supported"),
    "bmp": Case(lambda: encode(photo(), "BMP"), 415, "BMP files are not supported"),
    "ico": Case(lambda: encode(photo((32, 32)), "ICO"), 415, "ICO files are not supported"),
    "heic_ftyp": Case(lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 64,
                      415, "Convert it to JPEG or PNG", filename="IMG_0001.HEIC",
                      content_type="image/heic"),
    "avif": Case(lambda: encode(photo(), "AVIF"), 415, "Convert it to JPEG or PNG"),
    "zip": Case(lambda: b"PK\x03\x04" + b"\0" * 100, 415, "ZIP files are not supported"),
    "windows_exe": Case(lambda: b"MZ\x90\x00" + b"\0" * 100, 415, "not supported"),
    # Animations: first frame only, and fast however many frames follow.
    "gif_20000_frames": Case(lambda: animated_gif(20_000), 200, shape=(64, 64, 3),
                             filename="anim.gif", content_type="image/gif"),
    "apng_5000_frames": Case(lambda: apng_frames(5000), 200, shape=(48, 32, 3)),
    "webp_5000_frames": Case(lambda: webp_frames(5000), 200, shape=(48, 32, 3),
                             filename="anim.webp", content_type="image/webp"),
    "apng_50_real_frames": Case(lambda: animation("PNG", 50), 200, shape=(48, 32, 3)),
    # Broken files.
    "truncated_jpeg": Case(lambda: encode(photo(), "JPEG")[:600], 422, "truncated",
                           filename="cut.jpg"),
    "truncated_png": Case(lambda: encode(photo(), "PNG")[:2000], 422, "truncated"),
    "png_without_ihdr": Case(lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 40, 422, "IHDR"),
    "gif_javascript_polyglot": Case(lambda: b"GIF89a/*\x00\x00*/=alert(1)//" + b"\0" * 20, 422,
                                    "GIF file", filename="x.gif"),
    "jpeg_garbage_exif": Case(lambda: jpeg_with_exif(b"Exif\x00\x00" + bytes(range(256)) * 3),
                              200, shape=(80, 40, 3), filename="x.jpg"),
    "jpeg_broken_exif_ifd": Case(lambda: jpeg_with_exif(b"Exif\x00\x00MM\x00*\x00\x00\x00\x08"
                                                        b"\xff\xff"), 200, shape=(80, 40, 3)),
    # Modes.
    "jpeg_exif_rotated": Case(rotated_jpeg, 200, shape=(40, 80, 3), filename="portrait.jpg"),
    "png_16_bit": Case(sixteen_bit_png, 200, shape=(96, 64, 1)),
    "jpeg_cmyk": Case(lambda: encode(photo().convert("CMYK"), "JPEG"), 200, shape=(96, 64, 3)),
    "png_1_bit": Case(lambda: encode(photo().convert("1"), "PNG"), 200, shape=(96, 64, 1)),
    "png_palette_transparent": Case(palette_with_transparency, 200, shape=(96, 64, 3)),
    "png_rgba": Case(lambda: encode(photo().convert("RGBA"), "PNG"), 200, shape=(96, 64, 3)),
}


# --- measuring ---------------------------------------------------------------------------


def _rss() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class RssPeak:
    """The peak resident-set growth while the block runs, sampled every millisecond."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._base = 0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss() - self._base)
            time.sleep(0.001)

    def __enter__(self) -> RssPeak:
        self._base = _rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss() - self._base)


@pytest.fixture(scope="module")
def uploads() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as client:
        yield client


def upload(client: TestClient, data: bytes, *, filename: str = "upload.png",
           content_type: str = "image/png") -> httpx.Response:
    return client.post("/api/images", files={"file": (filename, data, content_type)})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file_gets_the_right_status_and_message(uploads: TestClient, name: str) -> None:
    case = CASES[name]
    data = case.make()
    start = time.perf_counter()
    with RssPeak() as memory:
        response = upload(uploads, data, filename=case.filename, content_type=case.content_type)
    seconds = time.perf_counter() - start
    assert response.status_code == case.status, response.text
    body = response.json()
    if case.status == 200:
        assert case.shape is not None
        assert (body["width"], body["height"], body["channels"]) == case.shape
        assert len(body["id"]) == 64
    else:
        error = body["error"]
        assert error["field"] == "file"
        assert case.fragment in error["message"], error["message"]
        if case.status == 413:
            assert error["limit"] is not None
        assert "Traceback" not in response.text and "object at 0x" not in response.text
    assert seconds < SECONDS_PER_CASE, f"{name} took {seconds:.2f} s"
    assert memory.peak < case.rss_bound, f"{name}: RSS grew {memory.peak / MIB:.0f} MiB"


def test_the_table_has_at_least_25_hostile_files() -> None:
    assert len(CASES) >= 25


# --- names, fields, disk -----------------------------------------------------------------


@pytest.fixture
def disk_writes() -> Iterator[list[str]]:
    """Every file opened for writing (or named like the upload) while the test runs."""
    seen: list[str] = []
    active = threading.Event()
    active.set()

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if not active.is_set() or event != "open":
            return
        path, mode = str(args[0]), args[1]
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        writing = (isinstance(mode, str) and any(m in mode for m in "wax+")) or bool(
            flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if writing or "passwd" in path or "script" in path:
            seen.append(path)

    sys.addaudithook(hook)  # cannot be removed: it goes quiet when the test ends
    yield seen
    active.clear()


@pytest.mark.parametrize(("filename", "shown"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\..\\windows\\win.ini", "win.ini"),
    ("<script>alert(1)</script>.png", "script_.png"),
    ("<img src=x onerror=alert(1)>", "_img src=x onerror=alert(1)_"),
    ("/etc/../../tmp/\u202egnp.exe", "gnp.exe"),
])
def test_filenames_come_back_sanitised_and_never_touch_the_disk(
        uploads: TestClient, disk_writes: list[str], filename: str, shown: str) -> None:
    response = upload(uploads, encode(photo((600, 400)), "PNG"), filename=filename)
    assert response.status_code == 200
    assert response.json()["name"] == shown
    assert "<" not in response.text and "../" not in response.text
    assert disk_writes == []


def test_a_large_upload_is_not_spooled_to_disk(uploads: TestClient,
                                               disk_writes: list[str]) -> None:
    noisy = np.random.default_rng(5).integers(0, 256, (1500, 1500, 3), dtype=np.uint8)
    data = encode(Image.fromarray(noisy), "PNG")
    assert len(data) > 4 * MIB  # far over Starlette's 1 MiB in-memory spooling threshold
    assert upload(uploads, data).status_code == 200
    assert disk_writes == []


def test_missing_file_field_is_400_naming_it(uploads: TestClient) -> None:
    response = uploads.post("/api/images", files={"image": ("a.png", encode(photo(), "PNG"))})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "file"
    assert "'file'" in response.json()["error"]["message"]


def test_a_body_that_is_not_multipart_is_400(uploads: TestClient) -> None:
    response = uploads.post("/api/images", content=encode(photo(), "PNG"),
                            headers={"content-type": "image/png"})
    assert response.status_code == 400
    assert "multipart/form-data" in response.json()["error"]["message"]


def test_with_several_files_the_first_file_field_counts(uploads: TestClient) -> None:
    first, second = encode(photo((90, 60)), "PNG"), b"not an image"
    alone = upload(uploads, first).json()
    response = uploads.post("/api/images", files=[("file", ("a.png", first, "image/png")),
                                                  ("file", ("b.txt", second, "text/plain"))])
    assert response.status_code == 200 and response.json()["id"] == alone["id"]


def test_too_many_form_parts_is_400(uploads: TestClient) -> None:
    parts = [(f"f{i}", (None, b"x")) for i in range(20)]
    response = uploads.post("/api/images", files=parts)
    assert response.status_code == 400


# --- oversized bodies ----------------------------------------------------------------------

SMALL = Settings(max_upload_bytes=64 * 1024)


def test_declared_oversized_body_is_413_naming_the_limit(uploads: TestClient) -> None:
    response = upload(uploads, b"\x89PNG\r\n\x1a\n" + b"\0" * (21 * MIB))
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "body_too_large" and error["field"] == "file"
    assert f"the limit is {error['limit']} bytes" in error["message"]


def test_file_just_over_the_file_limit_is_413_from_the_decoder() -> None:
    # Under the body limit (file limit + multipart overhead), over the file limit itself.
    with TestClient(create_app(SMALL)) as client:
        response = upload(client, b"\x89PNG\r\n\x1a\n" + b"\0" * (64 * 1024))
    assert response.status_code == 413
    assert "the limit is 65536 bytes" in response.json()["error"]["message"]


def test_endless_chunked_upload_is_cut_at_the_limit_in_process() -> None:
    sent = 0

    async def forever() -> AsyncIterator[bytes]:
        nonlocal sent
        head = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n\r\n"
        yield head
        while True:
            sent += 1
            await asyncio.sleep(0)
            yield b"\0" * 4096

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(SMALL))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(
                "/api/images", content=forever(),
                headers={"content-type": "multipart/form-data; boundary=b"})

    response = asyncio.run(asyncio.wait_for(run(), TIMEOUT))
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["error"]["message"]


@pytest.fixture
def live_server() -> Iterator[int]:
    config = uvicorn.Config(create_app(SMALL), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    yield int(server.servers[0].sockets[0].getsockname()[1])
    server.should_exit = True
    thread.join(TIMEOUT)


def test_live_server_answers_an_endless_chunked_upload_with_413_and_closes(
        live_server: int) -> None:
    head = (b"POST /api/images HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\n\r\n")
    piece = b"1000\r\n" + b"\0" * 0x1000 + b"\r\n"
    received, _, _ = exchange(live_server, head, piece, timeout=TIMEOUT)
    assert received.startswith(b"HTTP/1.1 413"), received[:300]
    assert json.loads(received.partition(b"\r\n\r\n")[2])["error"]["code"] == "body_too_large"
    assert b"x-content-type-options: nosniff" in received.lower()  # still a proper answer
