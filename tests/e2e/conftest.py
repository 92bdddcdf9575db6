"""Browser tests: the real app under uvicorn in a subprocess, driven by Debian's Chromium.

Fixtures: ``live_server`` (base URL, one server per session), ``browser`` (one Chromium per
session), ``page`` (a fresh 1280x800 context per test; page errors fail the test),
``loaded_page`` (``page`` on ``/`` with the first pyramid drawn) and ``embed_sites`` (a
second app whose allow-list names a local "course page" origin, plus that origin and a
third, disallowed one, each a tiny web server of test-made pages). Helpers: ``settle`` waits
until the page has drawn the pyramid of its current settings, ``page_state`` reads the store.
Every test here is marked ``e2e``; all are skipped when ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
VIEWPORT = {"width": 1280, "height": 800}
START_TIMEOUT_S = 30.0
SETTLE_TIMEOUT_MS = 20_000
RERUNS = 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``e2e`` and skip them all without Chromium."""
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: the browser tests need Debian's "
                                   "chromium package")
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            # A real browser and server share two busy cores: a test that loses a race with
            # the page's own timing gets one more go (pytest-rerunfailures reports every
            # rerun, so a flaky test stays visible instead of failing CI at random).
            item.add_marker(pytest.mark.flaky(reruns=RERUNS))
            if not CHROMIUM.exists():
                item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"{url}/healthz did not answer within {START_TIMEOUT_S} s")


@contextmanager
def _serve_app(env: dict[str, str] | None = None) -> Iterator[str]:
    """The real app under uvicorn on a free 127.0.0.1 port, with extra environment ``env``;
    yields its base URL and stops it on exit (also when it fails to start)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The real app under uvicorn on a free 127.0.0.1 port; yields its base URL."""
    with _serve_app() as url:
        yield url


class OriginSite:
    """A tiny web server on another 127.0.0.1 port, i.e. another web origin, serving the
    HTML pages a test puts in ``pages`` (path -> HTML; inline scripts allowed: no CSP)."""

    def __init__(self) -> None:
        pages: dict[str, str] = {}
        self.pages = pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path.split("?")[0])
                data = (body or "not found").encode()
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class EmbedSites:
    """An app whose ``frame_ancestors`` allows ``host`` (a course page's origin) and not
    ``other`` (a third origin)."""

    app: str
    host: OriginSite
    other: OriginSite


@pytest.fixture(scope="session")
def embed_sites() -> Iterator[EmbedSites]:
    """A second app, started with ``CONVSCOPE_FRAME_ANCESTORS`` = itself + one host origin,
    and two more local web servers: that allowed host and a disallowed third origin."""
    host, other = OriginSite(), OriginSite()
    try:
        with _serve_app({"CONVSCOPE_FRAME_ANCESTORS": f"'self' {host.origin}"}) as app:
            yield EmbedSites(app=app, host=host, other=other)
    finally:
        host.close()
        other.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (Playwright's sync API).

    Not per session: while the sync API runs it keeps an asyncio loop marked as running in
    this thread, and every later test module that calls ``asyncio.run()`` would fail.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh context and page (1280x800); an uncaught page error fails the test."""
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.set_default_timeout(SETTLE_TIMEOUT_MS)
    yield pg
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def settle(page: Any, *, status: str = "ready") -> None:
    """Wait until the page's pipeline is ``status`` (``ready``: the current settings drawn)."""
    page.wait_for_selector(f'#pyramid[data-status="{status}"]:not([data-render-count="0"])'
                           if status == "ready" else f'#pyramid[data-status="{status}"]',
                           state="attached", timeout=SETTLE_TIMEOUT_MS)


def page_state(page: Any) -> dict[str, Any]:
    """The store's configuration and the pyramid header (no arrays)."""
    result: dict[str, Any] = page.evaluate(
        """() => { const s = window.__convscope.store.getState();
          return { layers: s.layers, selected: s.selected, image: s.image, color: s.color,
                   scale: s.scale, anim: s.anim, status: s.status,
                   header: s.pyramid && s.pyramid.header,
                   request: s.pyramid && s.pyramid.request }; }""")
    return result


def encode_config(config: dict[str, Any]) -> str:
    """The ``?s=`` value of a configuration, as static/js/state.js writes it."""
    return base64.urlsafe_b64encode(json.dumps(config).encode()).decode().rstrip("=")


def decode_config(value: str) -> dict[str, Any]:
    """The configuration held by a ``?s=`` value."""
    padded = value + "=" * (-len(value) % 4)
    config: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return config


def poll(target: Any, script: str, *, timeout: float = SETTLE_TIMEOUT_MS / 1000) -> Any:
    """Evaluate ``script`` in a page or frame until it is truthy (Playwright's
    ``wait_for_function`` evals strings, which the app's CSP forbids); returns the value."""
    deadline = time.monotonic() + timeout
    while True:
        value = target.evaluate(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {script}")
        time.sleep(0.05)


@pytest.fixture
def loaded_page(page: Any, live_server: str) -> Any:
    """``page`` on ``/`` with the default pyramid drawn."""
    page.goto(f"{live_server}/")
    settle(page)
    return page
