"""Encoded binary responses (pyramids, tensors), kept by request body and compressed once.

A class works through the same few states: the same sample through the same stack, asked by
many students with byte-identical JSON (the page builds it the same way). The body of such a
request fully determines its answer (an upload's id is the hash of its pixels, a sample's
name is fixed for the server's life), so the encoded answer is kept under the SHA-256 of the
route and the raw body, and a repeat is answered from memory: no parsing, no worker, no
queue. Errors are never kept.

Each answer is compressed once, on the worker that computed it, for the first client that
asked: zstd at level 1 when that client accepts it (browsers do over HTTPS and on localhost),
else gzip at level 1. Feature maps compress well (uint8 previews to about half, float32 maps
to a fifth to a half); gzip costs ~12-20 ms of CPU per MB, zstd ~1-2 ms for the same bytes.
That pays while a core is free; when requests already wait for a worker the CPU is what a
class runs short of, so the answer goes out as it is (measured in docs/load.md).
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

import zstandard

from .cache import LruCache

GZIP_WBITS = 31  # zlib's gzip container
MIN_GAIN = 0.9  # keep a compressed form only when it saves at least 10 %
CODINGS = ("zstd", "gzip")  # Content-Encoding values, preferred first


@dataclass(frozen=True)
class Encoded:
    """One answer: its raw bytes and, when worth it, their zstd or gzip form."""

    raw: bytes
    gzip: bytes | None = None
    zstd: bytes | None = None

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return len(self.raw) + len(self.gzip or b"") + len(self.zstd or b"")

    def packed(self, coding: str) -> bytes | None:
        """The body compressed with ``coding`` (one of :data:`CODINGS`), if kept."""
        return self.zstd if coding == "zstd" else self.gzip if coding == "gzip" else None


def _worth_it(packed: bytes, data: bytes) -> bytes | None:
    return packed if len(packed) <= MIN_GAIN * len(data) else None


def gzip_bytes(data: bytes, *, level: int) -> bytes | None:
    """``data`` gzipped at ``level``, or ``None`` when level is 0 or it saves too little."""
    if level <= 0 or not data:
        return None
    packer = zlib.compressobj(level, zlib.DEFLATED, GZIP_WBITS)
    return _worth_it(packer.compress(data) + packer.flush(), data)


def zstd_bytes(data: bytes, *, level: int) -> bytes | None:
    """``data`` as one zstd frame at ``level`` (content size written, as browsers need), or
    ``None`` when level is 0 or it saves too little."""
    if level <= 0 or not data:
        return None
    return _worth_it(zstandard.ZstdCompressor(level=level).compress(data), data)


def request_key(route: str, body: bytes) -> str:
    """The cache key of a request: its route and its exact body."""
    digest = hashlib.sha256(route.encode())
    digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


class ResponseCache:
    """Least-recently-used encoded answers, bounded by count and bytes."""

    def __init__(self, *, max_entries: int, max_bytes: int, gzip_level: int,
                 zstd_level: int = 1) -> None:
        self.gzip_level = gzip_level
        self.zstd_level = zstd_level
        self._cache: LruCache[str, Encoded] = LruCache(
            max_entries=max_entries, max_bytes=max_bytes, size_of=lambda e: e.nbytes)

    def get(self, key: str) -> Encoded | None:
        """The kept answer for ``key``, if any."""
        return self._cache.get(key)

    def encode(self, key: str, raw: bytes, *, codings: tuple[str, ...] = ()) -> Encoded:
        """Compress ``raw`` with the first of ``codings`` (the client's, best first) that is
        enabled and saves at least 10 % (blocking: call it on the worker), and keep it under
        ``key``; ``()`` keeps it uncompressed."""
        encoded = Encoded(raw=raw)
        for coding in codings:
            if coding == "zstd" and self.zstd_level > 0:
                encoded = Encoded(raw=raw, zstd=zstd_bytes(raw, level=self.zstd_level))
                break
            if coding == "gzip" and self.gzip_level > 0:
                encoded = Encoded(raw=raw, gzip=gzip_bytes(raw, level=self.gzip_level))
                break
        self._cache.put(key, encoded)
        return encoded
