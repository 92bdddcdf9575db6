"""Request bodies: Starlette's size limit, plus what is ours (upload slots and a deadline).

The counting is Starlette's :class:`~starlette.middleware.body_limit.RequestBodyLimitMiddleware`
(Starlette >= 1.6): a body fails as soon as the bytes read add up to more than the limit, and
the handler in :mod:`app.errors` turns its 413 into our JSON body naming field, value and
limit. A ``Content-Length`` over the limit is answered here, before anything else, with the
same body (Starlette would answer it with plain text).

:class:`BodyLimitMiddleware` puts that limit on some path prefixes and adds three things of
ours around it:

* **slots**: at most ``slots`` bodies read and handled at once (a semaphore); one more is
  answered ``503`` with ``Retry-After`` before a byte of its body is read, so the memory held
  by bodies is bounded by ``slots * max_bytes`` however many clients send at once;
* **a deadline**: the body must arrive within ``read_seconds``, or ``408``, so a few slow
  senders cannot hold every slot;
* **lingering**: closing a socket while the client is still sending makes the kernel answer
  with a reset, which can destroy an early answer (413, 503, 408) before the client reads it.
  Like nginx's ``lingering_close``, the answer is written, the rest of the body is read and
  discarded for at most ``linger_seconds``, and only then does the response end.

Every early answer carries ``Connection: close``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
from starlette.datastructures import Headers
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.requests import ClientDisconnect

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Room for multipart boundaries and part headers on top of the largest file accepted:
#: protect an upload route with ``max_bytes=file_limit + MULTIPART_OVERHEAD``.
MULTIPART_OVERHEAD = 64 * 1024
#: Where :class:`BodyLimitMiddleware` leaves the field its 413 names, for the handler.
FIELD_SCOPE_KEY = "convscope.body_field"


class _BodyTimeoutError(Exception):
    """The body did not arrive by the deadline (caught by :class:`BodyLimitMiddleware`)."""


class BodyLimitMiddleware:
    """Limit request bodies on paths starting with one of ``paths``.

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
        After an early answer, how long to keep reading (and discarding) the rest of the body
        so the client gets to read the answer before the connection closes; 0 closes at once.
    slots
        At most this many bodies read and handled at once on these paths (``None``: no
        bound); one more is answered ``503`` before its body is read.
    read_seconds
        A body must arrive within this many seconds, or ``408`` (``None``: no deadline).
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
        self.limited = RequestBodyLimitMiddleware(app, max_body_size=max_bytes)
        self.paths = tuple(paths)
        self.field = field
        self.linger_seconds = linger_seconds
        self.slot_count = slots
        self.slots = None if slots is None else anyio.Semaphore(slots, max_value=slots)
        self.read_seconds = read_seconds
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.paths):
            await self.app(scope, receive, send)
            return
        scope[FIELD_SCOPE_KEY] = self.field
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _answer(send, receive, status=413, linger=self.linger_seconds,
                          payload=too_large_payload(limit=self.max_bytes, field=self.field,
                                                    declared=declared))
            return
        if self.slots is None:
            await self._call(scope, receive, send)
            return
        try:
            self.slots.acquire_nowait()
        except anyio.WouldBlock:
            slots = self.slot_count
            await _answer(send, receive, status=503, payload={
                "code": "busy", "field": self.field, "value": slots, "limit": slots,
                "message": f"{slots} uploads are being received right now, the most this "
                           f"server takes at once; try again in {self.retry_after} s"},
                headers=[(b"retry-after", str(self.retry_after).encode())],
                # the whole refused body may still be on its way: discard it (no memory is
                # kept) for as long as a body may take, so the client reads the 503
                linger=max(self.linger_seconds, self.read_seconds or 0.0))
            return
        try:
            await self._call(scope, receive, send)
        finally:
            self.slots.release()

    async def _call(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the limited app with a deadline on reading; linger after an early answer."""
        deadline = anyio.current_time() + (math.inf if self.read_seconds is None
                                           else self.read_seconds)
        body_done = False
        held: Message | None = None  # the early answer's last message, sent after lingering
        started = False

        async def timed_receive() -> Message:
            nonlocal body_done
            with anyio.move_on_after(deadline - anyio.current_time()):
                message = await receive()
                body_done = not message.get("more_body", False)
                return message
            raise _BodyTimeoutError

        async def holding_send(message: Message) -> None:
            nonlocal held, started
            started = True
            if (message["type"] == "http.response.body" and not message.get("more_body")
                    and not body_done):
                held = message
                message = {**message, "more_body": True}
                if not message.get("body"):
                    return
            await send(message)

        try:
            await self.limited(scope, timed_receive, holding_send)
        except ClientDisconnect:
            return  # the client gave up; nobody to answer
        except _BodyTimeoutError:
            if started:
                raise
            await _answer(send, None, status=408, payload={
                "code": "body_timeout", "field": self.field, "value": None,
                "limit": self.read_seconds,
                "message": f"the request body did not arrive within {self.read_seconds} s"},
                linger=0.0)
            return
        if held is not None:
            await _drain(receive, self.linger_seconds)
            await send({"type": "http.response.body", "body": b"", "more_body": False})


def too_large_payload(*, limit: int, field: str, declared: int | None = None) -> dict[str, Any]:
    """The 413's ``error`` object: the declared size when known, else "more than the limit"."""
    readable = _human_bytes(limit)
    if declared is not None:
        message = f"the request body is {declared} bytes; the limit is {limit} bytes ({readable})"
        value: object = declared
    else:
        message = f"the request body is larger than the limit of {limit} bytes ({readable})"
        value = f">{limit}"
    return {"code": "body_too_large", "message": message, "field": field, "value": value,
            "limit": limit}


async def _answer(send: Send, receive: Receive | None, *, status: int, payload: dict[str, Any],
                  headers: list[tuple[bytes, bytes]] | None = None, linger: float) -> None:
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
    if receive is not None:
        await _drain(receive, linger)
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _drain(receive: Receive, linger: float) -> None:
    """Read and discard what is left of the body for at most ``linger`` seconds."""
    if linger <= 0:
        return
    deadline = anyio.current_time() + linger
    # The deadline is checked by hand too: a receive that never suspends (a test transport
    # feeding chunks from memory) would starve the cancel scope's timer.
    with anyio.move_on_after(linger):
        while anyio.current_time() < deadline:
            event = await receive()
            if event["type"] != "http.request" or not event.get("more_body"):
                break


def _content_length(scope: Scope) -> int | None:
    try:
        return int(Headers(scope=scope)["content-length"])
    except (KeyError, ValueError):
        return None  # absent, or one the server rejects; Starlette counts the bytes anyway


def _human_bytes(count: int) -> str:
    if count >= 2**20:
        return f"{count / 2**20:.1f} MiB"
    if count >= 2**10:
        return f"{count / 2**10:.1f} KiB"
    return f"{count} bytes"
