"""Upload admission: a bounded number of bodies at once, and a deadline to send one."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import FastAPI, Request, Response

from app.errors import install_handlers
from app.http.limits import BodyLimitMiddleware, Message, Scope

SCOPE: Scope = {"type": "http", "path": "/api/images", "method": "POST", "headers": [],
                "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
                "server": ("test", 80), "client": ("client", 1)}


def run(coro: Any) -> Any:
    """asyncio.run in a fresh thread, whatever loop the test runner's thread has."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=30)


def make(slots: int, read_seconds: float = 5.0) -> tuple[FastAPI, list[int]]:
    """An upload route behind the middleware, as app/main.py sets it up."""
    calls: list[int] = []
    app = FastAPI()
    install_handlers(app)

    @app.post("/api/images")
    async def upload(request: Request) -> Response:
        calls.append(len(await request.body()))
        await asyncio.sleep(0.2)  # decoding
        return Response(b"ok")

    app.add_middleware(BodyLimitMiddleware, max_bytes=1000, slots=slots,
                       read_seconds=read_seconds, linger_seconds=0.1, retry_after=3)
    return app, calls


async def request(mw: FastAPI, chunks: list[bytes],
                  gap: float = 0.0) -> tuple[int, dict[str, str], bytes]:
    queue = list(chunks)

    async def receive() -> Message:
        if not queue:
            await asyncio.sleep(10)
            return {"type": "http.disconnect"}
        await asyncio.sleep(gap)
        body = queue.pop(0)
        return {"type": "http.request", "body": body, "more_body": bool(queue)}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await mw(dict(SCOPE), receive, send)
    start = sent[0]
    headers = {k.decode(): v.decode() for k, v in start.get("headers", [])}
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], headers, body


def test_one_upload_over_the_slots_gets_503_with_retry_after_unread() -> None:
    mw, calls = make(slots=1)

    async def both() -> list[tuple[int, dict[str, str], bytes]]:
        first = asyncio.create_task(request(mw, [b"a" * 100]))
        await asyncio.sleep(0.05)  # the first is being decoded
        second = await request(mw, [b"b" * 100])
        return [await first, second]

    (s1, _, _), (s2, headers, body) = run(both())
    assert (s1, s2) == (200, 503)
    assert headers["retry-after"] == "3"
    assert "the most this server takes at once" in json.loads(body)["error"]["message"]
    assert calls == [100]  # the refused body never reached the app


def test_slots_free_up_when_an_upload_ends() -> None:
    mw, calls = make(slots=1)

    async def one_after_other() -> list[int]:
        return [(await request(mw, [b"x"]))[0] for _ in range(3)]

    assert run(one_after_other()) == [200, 200, 200]
    assert calls == [1, 1, 1]


def test_a_body_that_does_not_arrive_in_time_gets_408_and_frees_its_slot() -> None:
    mw, calls = make(slots=1, read_seconds=0.3)

    async def slow_then_fast() -> list[int]:
        slow = await request(mw, [b"a", b"b", b"c", b"d"], gap=0.2)
        fast = await request(mw, [b"e"])
        return [slow[0], fast[0]]

    assert run(slow_then_fast()) == [408, 200]
    assert calls == [1]  # the slow body never reached the route


def test_the_408_names_the_deadline() -> None:
    mw, _ = make(slots=1, read_seconds=0.3)
    status, headers, body = run(request(mw, [b"a", b"b", b"c"], gap=0.2))
    error = json.loads(body)["error"]
    assert (status, error["code"], error["limit"]) == (408, "body_timeout", 0.3)
    assert headers["connection"] == "close"
