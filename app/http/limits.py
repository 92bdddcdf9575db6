"""A request body size limit as pure ASGI middleware (Starlette has none of its own).

Without it a multipart upload is read, parsed and spooled in full before any handler can look
at its size. :class:`BodySizeLimitMiddleware` answers ``413`` with a JSON body naming the
limit:

* at once, without reading a byte of the body, when ``Content-Length`` is over the limit;
* otherwise (chunked uploads, or a lying client) as soon as the ``http.request`` messages
  received add up to more than the limit; it stops reading there.

The body is buffered (at most ``max_bytes``) before the wrapped app sees any of it, so the app
never receives part of an oversized body. Every 413 carries ``Connection: close``.

Closing a socket while the client is still sending makes the kernel answer with a reset, which
can destroy the 413 in flight before the client reads it (browsers then show "connection
reset" instead of the message). So, like nginx's ``lingering_close``, the 413 is written
first and the rest of the body is then read and discarded for at most ``linger_seconds``
before the response ends and the server closes the connection.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio

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
    linger_seconds
        After a 413, how long to keep reading (and discarding) the rest of the body so the
        client gets to read the answer before the connection closes; 0 closes at once.
    slots
        At most this many bodies are read and handled at once on these paths (``None``: no
        bound). One more is answered ``503`` with ``Retry-After`` before a byte of its body
        is read, so the memory held by bodies is bounded by ``slots * max_bytes`` however
        many clients send at once.
    read_seconds
        A body must arrive within this many seconds, or ``408``: without a deadline a few
        slow senders could hold every slot.
    retry_after
        Seconds sent in ``Retry-After`` with the 503.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        paths: tuple[str, ...] = ("/api/images",),
        field: str = "file",
        linger_seconds: float = 2.0,
        slots: int | None = None,
        read_seconds: float | None = None,
        retry_after: int = 1,
    ) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        if not (math.isfinite(linger_seconds) and linger_seconds >= 0):
            raise ValueError(f"linger_seconds must be finite and >= 0, got {linger_seconds}")
        self.app = app
        self.max_bytes = max_bytes
        self.paths = tuple(paths)
        self.field = field
        self.linger_seconds = linger_seconds
        self.slots = slots
        self.read_seconds = read_seconds
        self.retry_after = retry_after
        self._busy = 0  # bodies being read or handled now (the event loop is one thread)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.paths):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send, receive, received=declared, declared=True)
            return
        if self.slots is not None and self._busy >= self.slots:
            await self._answer(send, receive, status=503, payload={
                "code": "busy", "field": self.field, "value": self.slots, "limit": self.slots,
                "message": f"{self.slots} uploads are being received right now, the most this "
                           f"server takes at once; try again in {self.retry_after} s"},
                headers=[(b"retry-after", str(self.retry_after).encode())],
                # the whole refused body may still be on its way: discard it (no memory is
                # kept) for as long as a body may take, so the client reads the 503
                linger=max(self.linger_seconds, self.read_seconds or 0.0))
            return
        self._busy += 1
        try:
            await self._read_and_call(scope, receive, send)
        finally:
            self._busy -= 1

    async def _read_and_call(self, scope: Scope, receive: Receive, send: Send) -> None:
        deadline = math.inf if self.read_seconds is None else self.read_seconds
        with anyio.move_on_after(deadline) as scope_timer:
            chunks = await self._read(send, receive)
        if scope_timer.cancelled_caught:
            await self._answer(send, None, status=408, payload={
                "code": "body_timeout", "field": self.field, "value": None,
                "limit": self.read_seconds,
                "message": f"the request body did not arrive within {self.read_seconds} s"})
            return
        if chunks is not None:
            await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _read(self, send: Send, receive: Receive) -> list[bytes] | None:
        """The whole body, or None when it was refused (413) or the client went away."""
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None  # the client gave up; nobody to answer
            body = message.get("body", b"")
            received += len(body)
            if received > self.max_bytes:
                more = bool(message.get("more_body", False))
                await self._refuse(send, receive if more else None, received=received,
                                   declared=False)
                return None
            chunks.append(body)
            if not message.get("more_body", False):
                return chunks

    async def _refuse(self, send: Send, receive: Receive | None, *, received: int,
                      declared: bool) -> None:
        """Answer 413, then drain what is left of the body (``receive``) for a bounded time."""
        limit_text = _human_bytes(self.max_bytes)
        if declared:
            message = (f"the request body is {received} bytes; the limit is {self.max_bytes} "
                       f"bytes ({limit_text})")
            value: object = received
        else:
            message = (f"the request body is larger than the limit of {self.max_bytes} bytes "
                       f"({limit_text}); stopped reading after {received} bytes")
            value = f">{self.max_bytes}"
        await self._answer(send, receive, status=413, payload={
            "code": "body_too_large", "message": message, "field": self.field, "value": value,
            "limit": self.max_bytes})

    async def _answer(self, send: Send, receive: Receive | None, *, status: int,
                      payload: dict[str, Any],
                      headers: list[tuple[bytes, bytes]] | None = None,
                      linger: float | None = None) -> None:
        """Answer ``status`` with ``{"error": payload}``, then drain the body for a while."""
        body = json.dumps({"error": {**payload, "layer": None}}).encode()
        await send({
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *(headers or []),
            ],
        })
        await send({"type": "http.response.body", "body": body, "more_body": True})
        linger = self.linger_seconds if linger is None else linger
        if receive is not None and linger > 0:
            deadline = anyio.current_time() + linger
            # The deadline is checked by hand too: a receive that never suspends (a test
            # transport feeding chunks from memory) would starve the cancel scope's timer.
            with anyio.move_on_after(linger):
                while anyio.current_time() < deadline:
                    event = await receive()
                    if event["type"] != "http.request" or not event.get("more_body"):
                        break
        await send({"type": "http.response.body", "body": b"", "more_body": False})


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
