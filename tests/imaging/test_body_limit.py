"""BodyLimitMiddleware: Starlette's body limit with our 413, chunked uploads included.

The protected app is a real FastAPI app with the handlers of app/errors.py, as in production:
its route reads the body, Starlette's limit counts the bytes, our handler writes the 413.
"""

from __future__ import annotations

import asyncio
import select
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request

from app.errors import install_handlers
from app.http.limits import BodyLimitMiddleware, Message, Receive, Scope, Send

LIMIT = 1000
TIMEOUT = 10.0


class EchoApp:
    """A FastAPI app answering with the number of body bytes its route received.

    ``calls`` counts the times the route got a whole body.
    """

    def __init__(self) -> None:
        self.calls = 0
        self.app = FastAPI()
        install_handlers(self.app)

        async def echo(request: Request) -> dict[str, int]:
            body = await request.body()
            self.calls += 1
            return {"received": len(body)}

        self.app.add_api_route("/upload", echo, methods=["POST"])
        self.app.add_api_route("/elsewhere", echo, methods=["POST"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class Counter:
    """Counts the chunks a request-body generator has handed out."""

    def __init__(self) -> None:
        self.chunks = 0

    async def forever(self, size: int = 100) -> AsyncIterator[bytes]:
        while True:
            self.chunks += 1
            await asyncio.sleep(0)  # lets the test's own timeout fire if reading never stops
            yield b"x" * size

    async def total(self, count: int, size: int = 100) -> AsyncIterator[bytes]:
        for _ in range(count):
            self.chunks += 1
            yield b"x" * size


def limited(*, max_bytes: int = LIMIT, linger: float = 0.0) -> tuple[Any, EchoApp]:
    echo = EchoApp()
    # inside FastAPI's own error middleware, as app/main.py adds it
    echo.app.add_middleware(BodyLimitMiddleware, max_bytes=max_bytes, paths=("/upload",),
                            linger_seconds=linger)
    return echo, echo


async def post(app: Any, path: str = "/upload", **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await asyncio.wait_for(client.post(path, **kwargs), TIMEOUT)


def test_declared_length_over_limit_is_refused_without_reading_or_calling_the_app() -> None:
    app, echo = limited()
    reads = 0

    async def run() -> httpx.Response:
        async def counting_app(scope: Scope, receive: Receive, send: Send) -> None:
            async def counted() -> Message:
                nonlocal reads
                reads += 1
                return await receive()
            await app(scope, counted, send)
        return await post(counting_app, content=b"x" * (LIMIT + 1))

    response = asyncio.run(run())
    assert response.status_code == 413
    assert reads == 0 and echo.calls == 0
    error = response.json()["error"]
    assert error["limit"] == LIMIT and error["value"] == LIMIT + 1
    assert f"the limit is {LIMIT} bytes" in error["message"]
    assert response.headers["connection"] == "close"


def test_endless_chunked_body_is_cut_at_the_limit() -> None:
    app, echo = limited()
    counter = Counter()
    response = asyncio.run(post(app, content=counter.forever()))
    assert response.status_code == 413
    assert echo.calls == 0  # not even a partial body reached the app
    # 100-byte chunks: the 11th takes it over 1000 bytes, and reading stops there.
    assert counter.chunks == LIMIT // 100 + 1
    error = response.json()["error"]
    assert f"limit of {LIMIT} bytes" in error["message"]
    assert (error["code"], error["field"], error["limit"]) == ("body_too_large", "file", LIMIT)
    assert response.headers["connection"] == "close"


def test_chunked_body_at_the_limit_passes_through_whole() -> None:
    app, echo = limited()
    response = asyncio.run(post(app, content=Counter().total(LIMIT // 100)))
    assert response.status_code == 200
    assert response.json() == {"received": LIMIT}
    assert echo.calls == 1


def test_one_byte_over_the_limit_is_refused() -> None:
    app, _ = limited()

    async def body() -> AsyncIterator[bytes]:
        yield b"x" * LIMIT
        yield b"y"

    assert asyncio.run(post(app, content=body())).status_code == 413


def test_other_paths_are_not_limited_or_buffered() -> None:
    app, echo = limited()
    response = asyncio.run(post(app, "/elsewhere", content=Counter().total(50)))
    assert response.status_code == 200 and response.json() == {"received": 5000}
    assert echo.calls == 1


def test_client_disconnect_while_buffering_never_calls_the_app() -> None:
    app, echo = limited()
    sent: list[Message] = []
    messages = iter([{"type": "http.request", "body": b"abc", "more_body": True},
                     {"type": "http.disconnect"}])

    async def receive() -> Message:
        return next(messages)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/upload", "method": "POST", "headers": [],
             "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
             "server": ("test", 80), "client": ("client", 1)}
    asyncio.run(app(scope, receive, send))
    assert echo.calls == 0 and sent == []


def test_after_a_413_the_rest_of_the_body_is_drained_for_the_linger_time_only() -> None:
    app, echo = limited(linger=0.3)
    counter = Counter()
    start = time.monotonic()
    response = asyncio.run(post(app, content=counter.forever()))
    elapsed = time.monotonic() - start
    assert response.status_code == 413 and echo.calls == 0
    assert counter.chunks > LIMIT // 100 + 1  # kept reading (and discarding) ...
    assert 0.25 < elapsed < 3.0  # ... for the linger time, not forever


@pytest.mark.parametrize(("options", "match"), [
    ({"max_bytes": -1}, "max_bytes"),
    ({"max_bytes": 10, "linger_seconds": -1.0}, "linger_seconds"),
    ({"max_bytes": 10, "linger_seconds": float("inf")}, "linger_seconds"),
])
def test_impossible_settings_are_configuration_errors(options: dict[str, Any],
                                                       match: str) -> None:
    with pytest.raises(ValueError, match=match):
        BodyLimitMiddleware(EchoApp(), **options)


# --- against a live server -------------------------------------------------------------


LINGER = 0.5


@pytest.fixture
def live_port() -> Iterator[int]:
    app, _ = limited(max_bytes=64 * 1024, linger=LINGER)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = int(server.servers[0].sockets[0].getsockname()[1])
    yield port
    server.should_exit = True
    thread.join(TIMEOUT)


def exchange(port: int, head: bytes, chunk: bytes, *,
             timeout: float = TIMEOUT) -> tuple[bytes, int, float]:
    """Send ``head``, then ``chunk`` over and over while reading, until the server closes.

    Returns what was received, the body bytes sent and the seconds until the close.
    """
    received = b""
    sent = 0
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        while True:
            assert time.monotonic() - start < timeout, f"still open after {sent} bytes: a hang"
            readable, writable, _ = select.select([sock], [sock], [], 0.5)
            try:
                if readable:
                    data = sock.recv(65536)
                    if not data:
                        break
                    received += data
                elif writable:
                    sock.send(chunk)  # keeps sending, as a hostile client would
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
    return received, sent, time.monotonic() - start


def test_live_server_answers_413_to_an_endless_chunked_upload_and_closes(live_port: int) -> None:
    head = (b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n")
    received, _, seconds = exchange(live_port, head, b"1000\r\n" + b"z" * 0x1000 + b"\r\n")
    assert received.startswith(b"HTTP/1.1 413"), received[:200]
    assert b"limit of 65536 bytes" in received
    assert seconds < LINGER + 3.0  # closed after the linger time, not never


def test_live_server_answers_413_at_once_to_a_huge_declared_length(live_port: int) -> None:
    head = (b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000000\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n")
    received, _, seconds = exchange(live_port, head, b"z" * 0x1000)
    assert received.startswith(b"HTTP/1.1 413"), received[:200]
    assert b"the limit is 65536 bytes" in received
    assert seconds < LINGER + 3.0
