"""Answering a binary compute request through the response cache (app/services/responses.py).

The routes keep their own parsing and work; :func:`cached_binary` wraps them: a repeat of an
answered request is served from memory on the event loop, a new one runs ``work`` on the
worker pool and is compressed there too (zstd if the client accepts it, else gzip), unless
other requests wait for a worker. A kept form is sent to every client that accepts it.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, Response

from ..http.compression import accepts
from ..services.container import Services
from ..services.responses import CODINGS, Encoded, request_key

OCTET = "application/octet-stream"


def client_codings(request: Request) -> tuple[str, ...]:
    """The compressions of :data:`CODINGS` the client accepts, best first."""
    header = request.headers.get("accept-encoding", "")
    return tuple(coding for coding in CODINGS if accepts(header, coding))


def binary_response(encoded: Encoded, codings: tuple[str, ...]) -> Response:
    """``encoded`` as an octet-stream response, in the first kept form of ``codings`` (the
    client's, best first), else as it is."""
    headers = {"Vary": "Accept-Encoding"}
    for coding in codings:
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
    codings = client_codings(request)
    kept = cache.get(key)
    if kept is None:
        pool = services.pool

        def compute() -> Encoded:
            raw = work()
            # compressed only while no request waits for a worker: under a full class the
            # CPU, not the network, is what runs out (docs/load.md)
            return cache.encode(key, raw, codings=codings if pool.waiting() == 0 else ())

        kept = await pool.run(compute)
    return binary_response(kept, codings)
