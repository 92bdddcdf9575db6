"""Answering a binary compute request through the response cache (app/services/responses.py).

The routes keep their own parsing and work; :func:`cached_binary` wraps them: a repeat of an
answered request is served from memory on the event loop, a new one runs ``work`` on the
worker pool and is compressed there too, unless other requests wait for a worker. gzip is
sent to clients that accept it.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, Response

from ..services.container import Services
from ..services.responses import Encoded, request_key

OCTET = "application/octet-stream"


def accepts_gzip(request: Request) -> bool:
    """Whether the client's ``Accept-Encoding`` allows gzip (``q=0`` refuses it)."""
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        name, _, params = part.partition(";")
        if name.strip() not in ("gzip", "*"):
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        return quality > 0
    return False


def binary_response(encoded: Encoded, request: Request) -> Response:
    """``encoded`` as an octet-stream response, gzipped when the client accepts it."""
    headers = {"Vary": "Accept-Encoding"}
    if encoded.gzip is not None and accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(encoded.gzip, media_type=OCTET, headers=headers)
    return Response(encoded.raw, media_type=OCTET, headers=headers)


async def cached_binary(request: Request, services: Services, raw: bytes,
                        work: Callable[[], bytes]) -> Response:
    """The answer to ``request`` (body ``raw``): kept, or ``work()`` on a worker, kept."""
    cache = services.responses
    key = request_key(request.url.path, raw)
    kept = cache.get(key)
    if kept is None:
        pool = services.pool

        def compute() -> Encoded:
            raw = work()
            # gzip only while no request waits for a worker: under a full class the CPU,
            # not the network, is what runs out (docs/load.md)
            return cache.encode(key, raw, compress=pool.waiting() == 0)

        kept = await pool.run(compute)
    return binary_response(kept, request)
