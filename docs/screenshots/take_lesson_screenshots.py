"""Screenshots of every lesson step (``lesson-step-N.png``), a narrow phone view of one, the
embedded step and the main page's Start-here guide.

Self-contained: starts the app and shoots it in headless Debian Chromium.
Usage: ``python docs/screenshots/take_lesson_screenshots.py [N ...]`` (default: every step).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from app.lesson import load_lesson  # noqa: E402 - after the path
from tests.servers import serve_app  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
READY = "() => document.querySelector('[data-status]')?.dataset.status === 'ready'"


def view_ready(page: Any, timeout: float = 60) -> None:
    """Wait for the step's live view (the iframe) to have drawn its settings."""
    deadline = time.monotonic() + timeout
    while True:
        frame = next((f for f in page.frames if "/embed?view=" in f.url), None)
        if frame is not None and frame.evaluate(READY):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"the live view of {page.url} never got ready")
        time.sleep(0.1)
    time.sleep(1.0)  # the patch panel draws its scene after the pyramid


def main(numbers: list[int]) -> None:
    with serve_app() as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        for n in numbers:
            page.goto(f"{base}/lesson/{n}")
            view_ready(page)
            page.locator("details.answer summary").click()
            page.screenshot(path=HERE / f"lesson-step-{n}.png", full_page=True)
        phone = browser.new_page(viewport={"width": 360, "height": 740})
        phone.goto(f"{base}/lesson/5")
        # Chromium does not animate a frame below the fold: scroll to it as a student would
        phone.locator("iframe.lesson-frame").scroll_into_view_if_needed()
        view_ready(phone)
        phone.evaluate("() => window.scrollTo(0, 0)")
        # The sliding patch is content-visibility: auto (painted only near the screen, as a
        # student scrolls to it); a full-page shot does not scroll, so paint it for the shot
        for frame in phone.frames:
            frame.evaluate("""() => document.querySelectorAll('#patch-panel, #grid-mode')
                .forEach((el) => { el.style.contentVisibility = 'visible'; })""")
        phone.wait_for_timeout(500)
        phone.screenshot(path=HERE / "lesson-360.png", full_page=True)
        page.goto(f"{base}/embed?lesson=6")
        view_ready(page)
        page.screenshot(path=HERE / "lesson-embed.png", full_page=True)
        page.goto(f"{base}/")
        page.wait_for_selector("#start-here:not([hidden])")
        page.screenshot(path=HERE / "lesson-start-here.png")
        browser.close()


if __name__ == "__main__":
    total = len(load_lesson())
    main([int(a) for a in sys.argv[1:]] or list(range(1, total + 1)))
