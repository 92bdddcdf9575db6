"""Screenshots of the embed view inside a course page, the Embed dialog and the exports.

Self-contained: starts the app (allowing one local "course page" origin to frame it) and
that course site, writes the snippets with the page's own Embed dialog, pastes them into
course pages, and shoots them in headless Debian Chromium.

Usage: ``python docs/screenshots/take_embed_screenshots.py`` (writes ``embed-*.png`` here).
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

from tests.servers import OriginSite, serve_app  # noqa: E402 - after the path

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
COURSE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
  body {{ font: 16px/1.5 Georgia, serif; margin: 0; background: #fbf8f1; color: #222; }}
  main {{ max-width: {width}px; margin: 0 auto; padding: 24px; }}
  .crumb {{ font: 13px system-ui, sans-serif; color: #8a6d3b; letter-spacing: .05em; }}
</style></head><body><main>
<p class="crumb">INTRODUCTION TO DEEP LEARNING · WEEK 3</p>
<h1>{title}</h1>
<p>{text}</p>
{snippet}
<p>Try it: which rows of the input does the last output row read?</p>
</main></body></html>"""


def wait(target: Any, script: str, timeout: float = 60) -> None:
    """Poll ``script`` (the app's CSP forbids Playwright's eval-based waits)."""
    deadline = time.monotonic() + timeout
    while not target.evaluate(script):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out: {script}")
        time.sleep(0.1)


def ready(target: Any) -> None:
    wait(target, "() => document.querySelector('[data-status]')?.dataset.status === 'ready'")
    time.sleep(0.5)


def app_frame(page: Any, base: str) -> Any:
    """The embed's frame once the (lazily loaded) iframe has navigated."""
    for _ in range(300):
        frame = next((f for f in page.frames if f.url.startswith(f"{base}/embed")), None)
        if frame is not None:
            return frame
        page.wait_for_timeout(100)
    raise RuntimeError("the embed never loaded")


def snippet_for(page: Any, *, piece: str, controls: str, origin: str, layer: str = "") -> str:
    """Write a snippet with the page's Embed dialog."""
    page.get_by_role("button", name="Embed…").click()
    dialog = page.get_by_role("dialog", name="Embed this view in a course page")
    dialog.get_by_label(piece, exact=True).check()
    if layer:
        dialog.get_by_label("Layer", exact=True).select_option(layer)
    dialog.get_by_label(controls, exact=True).check()
    dialog.get_by_label("Your page's origin (optional)").fill(origin)
    snippet: str = dialog.get_by_label("Snippet").input_value()
    page.keyboard.press("Escape")
    return snippet


def main() -> None:
    site = OriginSite()  # the course site: another origin, allowed to frame the app
    try:
        with serve_app({"CONVSCOPE_FRAME_ANCESTORS": f"'self' {site.origin}"}) as base, \
                sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/")
            ready(page)
            layer1 = page.get_by_role("group", name="Layer 1", exact=True)
            layer1.get_by_label("Stride", exact=True).select_option("2x2")
            ready(page)

            # the Embed dialog, filled in for a locked sliding patch
            page.get_by_role("button", name="Embed…").click()
            dialog = page.get_by_role("dialog", name="Embed this view in a course page")
            dialog.get_by_label("The sliding patch", exact=True).check()
            dialog.get_by_label("locked: shown, cannot be changed", exact=True).check()
            dialog.get_by_label("Your page's origin (optional)").fill(site.origin)
            time.sleep(0.3)
            page.screenshot(path=HERE / "embed-dialog.png")
            page.keyboard.press("Escape")

            pieces = [
                ("patch", "The sliding patch", "locked: shown, cannot be changed", "",
                 "Stride 2, same padding, Sobel x",
                 "The kernel jumps two pixels at a time, so the output is half as wide and "
                 "half as high. Step through it and watch the padding ring."),
                ("pyramid", "The pyramid (every layer)", "usable", "",
                 "From a photo to feature maps",
                 "Each layer is smaller and deeper than the one below it."),
                ("layer", "One layer", "hidden", "2", "One layer up close",
                 "Hover a map to read its exact values; the formula says why it is 128 wide."),
            ]
            for name, piece, controls, layer, title, text in pieces:
                snippet = snippet_for(page, piece=piece, controls=controls, layer=layer,
                                      origin=site.origin)
                site.pages[f"/{name}.html"] = COURSE.format(title=title, text=text,
                                                            snippet=snippet, width=1000)
                course = browser.new_page(viewport={"width": 1100, "height": 900})
                course.goto(f"{site.origin}/{name}.html")
                frame = app_frame(course, base)
                ready(frame)
                if name == "patch":
                    # part-way down the image: the output map half painted
                    frame.get_by_label("Position", exact=True).fill("28000")
                    for _ in range(3):
                        frame.locator(".patch-stage").press("ArrowRight")
                time.sleep(1.0)
                course.screenshot(path=HERE / f"embed-{name}.png", full_page=True)
                course.close()

            # exports: the panel beside the maps, and the PyTorch dialog
            page.locator('#pyramid .tile[data-layer="2"][data-map="1"]').click()
            page.evaluate("() => window.scrollTo(0, 0)")
            time.sleep(0.3)
            page.screenshot(path=HERE / "embed-exports.png")
            page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
            page.get_by_role("button", name="Copy as PyTorch").click()
            wait(page, "() => document.querySelector('.pytorch-dialog .export-status')"
                       "?.dataset.state === 'done'")
            page.screenshot(path=HERE / "embed-pytorch.png")
            browser.close()
    finally:
        site.close()


if __name__ == "__main__":
    main()
