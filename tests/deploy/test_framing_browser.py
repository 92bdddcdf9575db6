"""In real Chromium: a course page on an allowed origin can frame Convscope; a page on any
other origin cannot (CSP frame-ancestors). The pages also load without CSP violations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers import OriginSite

from .conftest import start_app, stop

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
FRAMED_PATHS = ("/", "/embed", "/healthz")


def _course_page(app_url: str) -> str:
    return (f'<!doctype html><title>course</title><h1>Week 3</h1>'
            f'<iframe id="scope" src="{app_url}" width="800" height="600"></iframe>')


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[str, OriginSite, OriginSite]]:
    """(app URL, an allowed course site, an unlisted site), each site framing the app's
    page at the same path as its own."""
    # The app must know the allowed origin before it starts, so the sites start first and
    # get their pages once the app is up.
    proc = None
    allowed, other = OriginSite(), OriginSite()
    try:
        proc, base = start_app(env={"CONVSCOPE_FRAME_ANCESTORS": f"'self' {allowed.origin}"})
        for site in (allowed, other):
            site.pages.update({path: _course_page(f"{base}{path}") for path in FRAMED_PATHS})
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
def test_allowed_origin_can_frame_the_app(sites: tuple[str, OriginSite, OriginSite],
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
def test_unlisted_origin_cannot_frame_the_app(sites: tuple[str, OriginSite, OriginSite],
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
        sites: tuple[str, OriginSite, OriginSite], browser: Any, path: str) -> None:
    base, _, _ = sites
    page, messages = _load(browser, f"{base}{path}")
    page.wait_for_load_state("networkidle")
    violations = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert not violations, violations
    page.close()
