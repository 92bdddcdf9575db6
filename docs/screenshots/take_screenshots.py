"""Regenerate the screenshots of the page's main views (headless Debian Chromium).

Usage: start the app (``uvicorn app.main:create_app --factory --port 8021``), then
``python docs/screenshots/take_screenshots.py http://127.0.0.1:8021 [--only digits]``
(``--only digits``: only the digits view's, issue 14).
"""

from __future__ import annotations

import base64
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.e2e.test_digits import draw as draw_on_pad  # noqa: E402  (the tests' pen)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def settle(page: Any, status: str = "ready") -> None:
    page.wait_for_selector(f'#pyramid[data-status="{status}"]:not([data-render-count="0"])',
                           state="attached", timeout=60_000)
    time.sleep(0.4)


def small_png() -> bytes:
    yy, xx = np.mgrid[0:30, 0:40]
    rgb = np.stack([xx * 6, yy * 8, (xx + yy) % 7 * 36], axis=-1).astype(np.uint8)
    rgb[5:15, 8:20] = 255
    out = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(out, format="PNG")
    return out.getvalue()


def handwritten_photo() -> bytes:
    """A phone-like photo of a '4' in dark ink on light, unevenly lit paper (600 x 450)."""
    from PIL import ImageDraw, ImageFilter

    yy, xx = np.mgrid[0:450, 0:600]
    paper = (215 + 25 * (xx / 600) - 15 * (yy / 450)).astype(np.uint8)
    img = Image.fromarray(np.stack([paper, paper - 4, paper - 12], axis=-1), "RGB")
    pen = ImageDraw.Draw(img)
    for line in (((330, 90), (240, 270), (380, 270)), ((340, 180), (335, 380))):
        pen.line(line, fill=(40, 40, 70), width=22, joint="curve")
    img = img.filter(ImageFilter.GaussianBlur(1.5))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    return out.getvalue()


def digits_screenshots(page: Any, base: str) -> None:
    """The digits view: a drawn digit through the trained network, an edit that no longer
    fits the trained head, a trained kernel sliding over the digit, a prepared photo."""
    page.goto(f"{base}/")
    settle(page)
    page.get_by_role("button", name="Digits (trained)").click()
    settle(page)
    page.get_by_role("button", name="Clear").click()
    draw_on_pad(page, [[(8.5, 8.0), (19.5, 8.0), (16.5, 14.0), (13.5, 19.5), (11.5, 23.5)],
                       [(11.5, 15.0), (18.5, 15.0)]])
    settle(page)
    page.locator("#pyramid .tile[data-layer='1'][data-map='3']").hover()
    time.sleep(0.6)
    page.screenshot(path=HERE / "digits-trained.png")

    page.locator("#stack-editor fieldset").first.get_by_label(
        "Stride", exact=True).select_option("2x2")
    settle(page, "invalid")
    page.mouse.move(5, 5)
    time.sleep(0.3)
    page.screenshot(path=HERE / "digits-untrained-edit.png")
    page.get_by_role("button", name="Reset to the trained network").click()
    settle(page)

    page.locator("#digits-panel .kernel-pic").nth(2).click()
    page.locator("#patch-panel").scroll_into_view_if_needed()
    page.wait_for_selector('#patch-panel button:has-text("Download as GIF"):not([disabled])',
                           timeout=30_000)
    # the window on the digit's bar, where this kernel answers most
    page.evaluate("""() => { const store = window.__convscope.store;
      store.setState({ anim: { ...store.getState().anim, step: 28 * 8 + 13 } }); }""")
    time.sleep(0.8)
    page.locator("#patch-panel").scroll_into_view_if_needed()
    page.screenshot(path=HERE / "digits-patch.png")

    page.evaluate("() => window.scrollTo(0, 0)")
    page.set_input_files("#file", files=[{"name": "four.jpg", "mimeType": "image/jpeg",
                                          "buffer": handwritten_photo()}])
    page.wait_for_selector("#digits-panel .pad-reads >> text=prepared as MNIST")
    settle(page)
    time.sleep(0.6)
    page.screenshot(path=HERE / "digits-photo.png")


def main(base: str, only: str | None = None) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        if only == "digits":
            digits_screenshots(page, base)
            browser.close()
            return
        page.goto(f"{base}/")
        settle(page)
        page.screenshot(path=HERE / "pyramid-1280x800.png")
        # the sliding patch loads its exact values once it is scrolled into view
        page.locator("#patch-panel").scroll_into_view_if_needed()
        page.wait_for_selector('#patch-panel button:has-text("Download as GIF"):not([disabled])',
                               timeout=30_000)
        page.evaluate("() => window.scrollTo(0, 0)")
        time.sleep(0.4)
        page.screenshot(path=HERE / "page-full.png", full_page=True)

        tile = page.locator('#pyramid .tile[data-layer="3"][data-map="4"]')
        tile.click()
        settle(page)
        box = tile.bounding_box()
        for dx in (0.55, 0.56):
            page.mouse.move(box["x"] + box["width"] * dx, box["y"] + box["height"] * 0.45)
            time.sleep(0.5)
        page.screenshot(path=HERE / "receptive-field-hover.png")

        layer2 = page.get_by_role("group", name="Layer 2", exact=True)
        layer2.get_by_label("Padding", exact=True).select_option("valid")
        settle(page)
        page.mouse.move(5, 5)
        page.evaluate("() => window.scrollTo(0, 380)")
        time.sleep(0.3)
        page.screenshot(path=HERE / "geometry-unreached.png")

        page.get_by_role("button", name="Reset").click()
        settle(page)
        page.set_input_files("#file", files=[{"name": "small.png", "mimeType": "image/png",
                                              "buffer": small_png()}])
        page.wait_for_selector('#pyramid .pyr-row[data-layer="0"] .row-shape >> text="40 × 30 × 3"')
        settle(page)
        layer2 = page.get_by_role("group", name="Layer 2", exact=True)
        layer2.get_by_label("Padding", exact=True).select_option("valid")
        layer2.get_by_label("Kernel size", exact=True).select_option("5x5")
        settle(page)
        page.get_by_role("group", name="Layer 1", exact=True).get_by_label(
            "Stride", exact=True).select_option("8x8")
        settle(page, "invalid")
        page.evaluate("() => window.scrollTo(0, 0)")
        time.sleep(0.3)
        page.screenshot(path=HERE / "invalid-setting-explained.png", full_page=False)

        page.get_by_role("button", name="Reset").click()
        settle(page)
        page.set_viewport_size({"width": 820, "height": 1100})
        settle(page)
        page.screenshot(path=HERE / "narrow-820.png")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.get_by_role("button", name="Reset").click()
        settle(page)
        layer1 = page.get_by_role("group", name="Layer 1", exact=True)
        layer1.get_by_text("Type the kernel weights by hand").click()
        layer1.get_by_label("Weight row 2, column 2", exact=True).fill("1")
        settle(page)
        layer1.get_by_label("Weight row 2, column 2", exact=True).scroll_into_view_if_needed()
        time.sleep(0.3)
        page.screenshot(path=HERE / "hand-typed-kernel.png")

        unreached_views(browser, base)
        digits_screenshots(page, base)
        browser.close()


def unreached_views(browser: Any, base: str) -> None:
    """Stride 4 skips every fourth row and column: in grid mode (8 x 8) and on the photo."""
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{base}/")
    settle(page)
    page.get_by_role("group", name="Layer 1", exact=True).get_by_label(
        "Stride", exact=True).select_option("4x4")
    settle(page)
    page.mouse.move(5, 5)
    time.sleep(0.3)
    page.screenshot(path=HERE / "geometry-stride4-unreached.png", full_page=True,
                    clip={"x": 340, "y": 60, "width": 940, "height": 1500})
    grid: dict[str, Any] = {"h": 8, "w": 8, "c": 1, "kh": 3, "kw": 3, "b": 0, "s": [4, 4],
                            "d": [1, 1], "p": "valid", "step": 1, "flip": 0, "speed": 2}
    config: dict[str, Any] = {"image": {"sample": "astronaut"}, "color": "auto", "layers": [],
                              "selected": {"layer": 0, "map": 0}, "scale": "map",
                              "anim": None, "grid": grid}
    state = base64.urlsafe_b64encode(json.dumps(config).encode()).decode().rstrip("=")
    page.goto(f"{base}/?s={state}")
    page.locator("#grid-mode").scroll_into_view_if_needed()
    page.wait_for_selector('#grid-mode [data-role="server-check"]', timeout=30_000)
    time.sleep(0.3)
    box = page.locator("#grid-mode").bounding_box()  # in the viewport: add the scroll
    top = box["y"] + page.evaluate("() => window.scrollY")
    page.screenshot(path=HERE / "grid-stride4-unreached.png", full_page=True,
                    clip={"x": box["x"], "y": top, "width": box["width"], "height": 800})
    page.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8021",
         only=sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--only" else None)
