"""Encoded binary responses (pyramids, tensors), kept by request body and gzipped once.

A class works through the same few states: the same sample through the same stack, asked by
many students with byte-identical JSON (the page builds it the same way). The body of such a
request fully determines its answer (an upload's id is the hash of its pixels, a sample's
name is fixed for the server's life), so the encoded answer is kept under the SHA-256 of the
route and the raw body, and a repeat is answered from memory: no parsing, no worker, no
queue. Errors are never kept.

Each answer is compressed once, on the worker that computed it, at a low gzip level: feature
maps compress well (uint8 previews to about half, float32 maps to about a third) and level 1
costs ~15-20 ms per MB. That pays while a core is free; when requests already wait for a
worker the CPU is what a class runs short of, so the answer goes out as it is (measured in
docs/load.md).
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

from .cache import LruCache

GZIP_WBITS = 31  # zlib's gzip container
MIN_GAIN = 0.9  # keep the gzip only when it saves at least 10 %


@dataclass(frozen=True)
class Encoded:
    """One answer: its raw bytes and, when worth it, their gzip."""

    raw: bytes
    gzip: bytes | None

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return len(self.raw) + len(self.gzip or b"")


def gzip_bytes(data: bytes, *, level: int) -> bytes | None:
    """``data`` gzipped at ``level``, or ``None`` when level is 0 or it saves too little."""
    if level <= 0 or not data:
        return None
    packer = zlib.compressobj(level, zlib.DEFLATED, GZIP_WBITS)
    packed = packer.compress(data) + packer.flush()
    return packed if len(packed) <= MIN_GAIN * len(data) else None


def request_key(route: str, body: bytes) -> str:
    """The cache key of a request: its route and its exact body."""
    digest = hashlib.sha256(route.encode())
    digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


class ResponseCache:
    """Least-recently-used encoded answers, bounded by count and bytes."""

    def __init__(self, *, max_entries: int, max_bytes: int, gzip_level: int) -> None:
        self.gzip_level = gzip_level
        self._cache: LruCache[str, Encoded] = LruCache(
            max_entries=max_entries, max_bytes=max_bytes, size_of=lambda e: e.nbytes)

    def get(self, key: str) -> Encoded | None:
        """The kept answer for ``key``, if any."""
        return self._cache.get(key)

    def encode(self, key: str, raw: bytes, *, compress: bool = True) -> Encoded:
        """Compress ``raw`` if ``compress`` (blocking: call it on the worker) and keep it
        under ``key``."""
        packed = gzip_bytes(raw, level=self.gzip_level) if compress else None
        encoded = Encoded(raw=raw, gzip=packed)
        self._cache.put(key, encoded)
        return encoded
