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
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers import OriginSite, serve_app

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


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The real app under uvicorn on a free 127.0.0.1 port; yields its base URL."""
    with serve_app() as url:
        yield url


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
        with serve_app({"CONVSCOPE_FRAME_ANCESTORS": f"'self' {host.origin}"}) as app:
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


def conv_block(**over: Any) -> dict[str, Any]:
    """A layer block as the page's state holds it (static/js/state.js convBlock)."""
    block = {"type": "conv", "kernel": [3, 3], "maps": 2, "stride": [1, 1], "padding": "same",
             "pad": [1, 1, 1, 1], "dilation": [1, 1], "activation": "relu", "pool": "none",
             "source": "random", "presets": [], "seed": 5, "weights": None, "bias": None}
    block.update(over)
    return block
