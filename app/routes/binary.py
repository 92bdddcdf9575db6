"""Answering a binary compute request through the response cache (app/services/responses.py).

The routes keep their own parsing and work; :func:`cached_binary` wraps them: a repeat of an
answered request is served from memory on the event loop, a new one runs ``work`` on the
worker pool and is compressed there too (zstd if the client accepts it, else gzip), unless
other requests wait for a worker. A kept form is sent to every client that accepts it.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, Response

from ..services.container import Services
from ..services.responses import CODINGS, Encoded, request_key

OCTET = "application/octet-stream"


def accepts(request: Request, coding: str) -> bool:
    """Whether the client's ``Accept-Encoding`` allows ``coding`` (``q=0`` refuses it;
    ``*`` stands for any coding not named)."""
    star: float | None = None
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        name, _, params = part.partition(";")
        name = name.strip()
        if name not in (coding, "*"):
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if name == coding:
            return quality > 0
        star = quality
    return star is not None and star > 0


def accepts_gzip(request: Request) -> bool:
    """Whether the client's ``Accept-Encoding`` allows gzip."""
    return accepts(request, "gzip")


def client_codings(request: Request) -> tuple[str, ...]:
    """The compressions of :data:`CODINGS` the client accepts, best first."""
    return tuple(coding for coding in CODINGS if accepts(request, coding))


def binary_response(encoded: Encoded, request: Request) -> Response:
    """``encoded`` as an octet-stream response, compressed when the client accepts a kept
    form (zstd first)."""
    headers = {"Vary": "Accept-Encoding"}
    for coding in client_codings(request):
        packed = encoded.packed(coding)
        if packed is not None:
            headers["Content-Encoding"] = coding
            return Response(packed, media_type=OCTET, headers=headers)
    return Response(encoded.raw, media_type=OCTET, headers=headers)


async def cached_binary(request: Request, services: Services, raw: bytes,
                        work: Callable[[], bytes]) -> Response:
    """The answer to ``request`` (body ``raw``): kept, or ``work()`` on a worker, kept."""
    cache = services.responses
    key = request_key(request.url.path, raw)
    kept = cache.get(key)
    if kept is None:
        pool = services.pool
        codings = client_codings(request)

        def compute() -> Encoded:
            raw = work()
            # compressed only while no request waits for a worker: under a full class the
            # CPU, not the network, is what runs out (docs/load.md)
            return cache.encode(key, raw, codings=codings if pool.waiting() == 0 else ())

        kept = await pool.run(compute)
    return binary_response(kept, request)
