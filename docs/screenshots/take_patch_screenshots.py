"""Regenerate the brush screenshots of the sliding patch (headless Debian Chromium):
``patch-region.png`` (a 16 x 16 region of the photo, zoomed) and ``patch-paint.png``
("Paint the whole map" halfway).

Usage: start the app (``uvicorn app.main:create_app --factory --port 8021``), then
``python docs/screenshots/take_patch_screenshots.py http://127.0.0.1:8021``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PANEL = "#patch-panel"


def ready(page: Any) -> None:
    page.locator(PANEL).scroll_into_view_if_needed()
    page.wait_for_selector(f'{PANEL} button:has-text("Download as GIF"):not([disabled])',
                           timeout=60_000)
    time.sleep(0.3)


def shoot(page: Any, name: str) -> None:
    """The panel from its pickers down to the brush controls (the figure, not the tables)."""
    page.evaluate("() => document.activeElement?.blur()")
    scroll = page.evaluate("() => window.scrollY")
    top = page.locator(f"{PANEL} .patch-pickers").bounding_box()
    bottom = page.locator(f"{PANEL} [data-role='paint-note']:not([hidden]), "
                          f"{PANEL} .patch-brush").last.bounding_box()
    panel = page.locator(PANEL).bounding_box()
    page.screenshot(path=HERE / name, full_page=True, clip={
        "x": panel["x"], "y": top["y"] + scroll - 8, "width": panel["width"],
        "height": bottom["y"] + bottom["height"] - top["y"] + 16})


def main(base: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1200})
        page.goto(f"{base}/")
        ready(page)
        page.locator(PANEL).get_by_role("button", name="Zoom into a region").click()
        page.wait_for_selector(f"{PANEL} [data-role='overview-fig']:not([hidden])")
        page.locator(f"{PANEL} .patch-stage").focus()
        for key in ["ArrowDown"] * 6 + ["ArrowRight"] * 9:
            page.keyboard.press(key)
        time.sleep(0.3)
        page.locator(f"{PANEL} .patch-stage").scroll_into_view_if_needed()
        shoot(page, "patch-region.png")

        page = browser.new_page(viewport={"width": 1280, "height": 1200})  # no saved region
        page.goto(f"{base}/")
        ready(page)
        page.locator(PANEL).get_by_role("button", name="Paint the whole map").click()
        page.wait_for_function("() => window.__convscopePatch.step > 512 * 230", polling=50)
        page.keyboard.press("Escape")
        page.locator(f"{PANEL} .patch-stage").scroll_into_view_if_needed()
        shoot(page, "patch-paint.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8021")
