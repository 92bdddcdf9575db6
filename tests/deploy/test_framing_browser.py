"""In real Chromium: a course page on an allowed origin can frame Convscope; a page on any
other origin cannot (CSP frame-ancestors). The pages also load without CSP violations."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .conftest import start_app, stop

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
FRAMED_PATHS = ("/", "/embed", "/healthz")


def _host_page(app_url: str) -> type[BaseHTTPRequestHandler]:
    class CoursePage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            body = (f'<!doctype html><title>course</title><h1>Week 3</h1>'
                    f'<iframe id="scope" src="{app_url}{path}" width="800" height="600">'
                    f'</iframe>').encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return CoursePage


class HostSite:
    """A second local web server: another origin, serving a page with an iframe."""

    def __init__(self, app_url: str) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _host_page(app_url))
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[str, HostSite, HostSite]]:
    """(app URL, an allowed course site, an unlisted site)."""
    # The app must know the allowed origin before it starts, so the host sites start first
    # and learn the app's URL once it is up.
    proc = None
    allowed, other = HostSite(""), HostSite("")
    try:
        proc, base = start_app(env={"CONVSCOPE_FRAME_ANCESTORS": f"'self' {allowed.origin}"})
        for site in (allowed, other):
            site.server.RequestHandlerClass = _host_page(base)
        yield base, allowed, other
    finally:
        if proc is not None:
            stop(proc)
        allowed.close()
        other.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _load(browser: Any, url: str) -> tuple[Any, list[str]]:
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # let the frame settle (error pages load asynchronously)
    return page, messages


def _app_frame(page: Any) -> Any:
    frames = [f for f in page.frames if f is not page.main_frame]
    assert len(frames) == 1
    return frames[0]


@pytest.mark.parametrize("path", FRAMED_PATHS)
def test_allowed_origin_can_frame_the_app(sites: tuple[str, HostSite, HostSite],
                                          browser: Any, path: str) -> None:
    base, allowed, _ = sites
    page, messages = _load(browser, f"{allowed.origin}{path}")
    frame = _app_frame(page)
    assert frame.url.startswith(base), frame.url
    if path == "/healthz":
        assert '"status":"ok"' in frame.content()
    else:
        assert frame.title() != "" and frame.locator("body").count() == 1
    assert not any("frame-ancestors" in m for m in messages), messages
    page.close()


@pytest.mark.parametrize("path", FRAMED_PATHS)
def test_unlisted_origin_cannot_frame_the_app(sites: tuple[str, HostSite, HostSite],
                                              browser: Any, path: str) -> None:
    base, _, other = sites
    page, messages = _load(browser, f"{other.origin}{path}")
    frame = _app_frame(page)
    assert not frame.url.startswith(base), frame.url  # Chromium's error page instead
    assert '"status":"ok"' not in frame.content()
    assert any("frame-ancestors" in m for m in messages), messages
    page.close()


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_pages_load_without_content_security_policy_violations(
        sites: tuple[str, HostSite, HostSite], browser: Any, path: str) -> None:
    base, _, _ = sites
    page, messages = _load(browser, f"{base}{path}")
    page.wait_for_load_state("networkidle")
    violations = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert not violations, violations
    page.close()
