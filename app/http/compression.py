"""gzip for the small text answers (the HTML page, JSON) that the app does not compress
itself: an ASGI middleware, like Starlette's ``GZipMiddleware``, but it leaves alone what
must not be compressed on the event loop or at all.

It compresses a response only when all hold: the client accepts gzip; the type is text,
JSON, JavaScript or SVG; nothing set ``Content-Encoding`` already (pyramids, tensors and
static files arrive compressed); the body comes in one message (a streamed file passes
through) of ``min_bytes`` to ``max_bytes``: larger text, such as a big ``/api/convolve``
answer, would hold the event loop (and ``/healthz``) for tens of milliseconds.
"""

from __future__ import annotations

import gzip

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")
MIN_BYTES = 500
MAX_BYTES = 256 * 1024
LEVEL = 6


def accepts(header: str, coding: str) -> bool:
    """Whether an ``Accept-Encoding`` header value allows ``coding`` (``q=0`` refuses it;
    ``*`` stands for any coding not named). The one parser of the header: this middleware,
    the binary answers (app/routes/binary.py) and the static files use it."""
    star: float | None = None
    for part in header.lower().split(","):
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


class TextGzipMiddleware:
    """Compress small text responses for clients that accept gzip."""

    def __init__(self, app: ASGIApp, *, min_bytes: int = MIN_BYTES,
                 max_bytes: int = MAX_BYTES, level: int = LEVEL) -> None:
        self.app = app
        self.min_bytes = min_bytes
        self.max_bytes = max_bytes
        self.level = level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not accepts(
                Headers(scope=scope).get("accept-encoding", ""), "gzip"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        passing = False

        async def wrapped(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                headers = Headers(raw=message["headers"])
                kind = headers.get("content-type", "")
                passing = ("content-encoding" in headers or not kind.startswith(COMPRESSIBLE))
                if passing:
                    await send(message)
                else:
                    start = message
                return
            if passing or message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body: bytes = message.get("body", b"")
            if message.get("more_body") or not self.min_bytes <= len(body) <= self.max_bytes:
                passing = True  # streamed, tiny or big: as it is
                await send(start)
                await send(message)
                return
            packed = gzip.compress(body, compresslevel=self.level, mtime=0)
            headers = MutableHeaders(raw=start["headers"])
            headers["Content-Encoding"] = "gzip"
            headers["Content-Length"] = str(len(packed))
            headers.add_vary_header("Accept-Encoding")
            await send(start)
            await send({"type": "http.response.body", "body": packed, "more_body": False})

        await self.app(scope, receive, wrapped)
