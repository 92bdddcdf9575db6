"""A request body size limit as pure ASGI middleware (Starlette has none of its own).

Without it a multipart upload is read, parsed and spooled in full before any handler can look
at its size. :class:`BodySizeLimitMiddleware` answers ``413`` with a JSON body naming the
limit:

* at once, without reading a byte of the body, when ``Content-Length`` is over the limit;
* otherwise (chunked uploads, or a lying client) as soon as the ``http.request`` messages
  received add up to more than the limit; it stops reading there.

The body is buffered (at most ``max_bytes``) before the wrapped app sees any of it, so the app
never receives part of an oversized body. Every 413 carries ``Connection: close``: the server
then drops the connection instead of waiting for the rest of a body nobody will read.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Room for multipart boundaries and part headers on top of the largest file accepted:
#: protect an upload route with ``max_bytes=file_limit + MULTIPART_OVERHEAD``.
MULTIPART_OVERHEAD = 64 * 1024


class BodySizeLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` on paths starting with one of ``paths``.

    Parameters
    ----------
    app
        The ASGI app to protect.
    max_bytes
        The largest body accepted, in bytes (for an upload: the file plus multipart framing).
    paths
        Path prefixes the limit applies to; other requests pass through untouched.
    field
        Named in the error body as the offending field.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        paths: tuple[str, ...] = ("/api/images",),
        field: str = "file",
    ) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.app = app
        self.max_bytes = max_bytes
        self.paths = tuple(paths)
        self.field = field

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.paths):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send, received=declared, declared=True)
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client gave up; nobody to answer
            body = message.get("body", b"")
            received += len(body)
            if received > self.max_bytes:
                await self._refuse(send, received=received, declared=False)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _refuse(self, send: Send, *, received: int, declared: bool) -> None:
        limit_text = _human_bytes(self.max_bytes)
        if declared:
            message = (f"the request body is {received} bytes; the limit is {self.max_bytes} "
                       f"bytes ({limit_text})")
            value: object = received
        else:
            message = (f"the request body is larger than the limit of {self.max_bytes} bytes "
                       f"({limit_text}); stopped reading after {received} bytes")
            value = f">{self.max_bytes}"
        payload = {"error": {"code": "body_too_large", "message": message, "field": self.field,
                             "value": value, "limit": self.max_bytes, "layer": None}}
        body = json.dumps(payload).encode()
        await send({
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        })
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server rejects it; we count the bytes anyway
    return None


def _human_bytes(count: int) -> str:
    if count >= 2**20:
        return f"{count / 2**20:.1f} MiB"
    if count >= 2**10:
        return f"{count / 2**10:.1f} KiB"
    return f"{count} bytes"


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields the buffered body once, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
