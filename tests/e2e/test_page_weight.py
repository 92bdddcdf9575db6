"""A light, steady first load on desktop and phone (issue 17), measured as Lighthouse does
(benchmarks/page_weight.py): bytes over the wire of every resource, cumulative layout shift
from a ``layout-shift`` PerformanceObserver, and no text under 12 CSS px."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.page_weight import PROFILES, FirstLoad, measure_first_load, report

MAX_FIRST_LOAD_BYTES = 1_200_000
MAX_CLS = 0.05
MIN_TEXT_PX = 12.0

# Every element with its own visible text, and its computed font size.
SMALL_TEXT = """(minPx) => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const rect = el.getBoundingClientRect();
    if (!rect.width || !rect.height) continue;
    const size = parseFloat(style.fontSize);
    if (size < minPx) out.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class') || el.id}: `
      + `${size.toFixed(1)} px "${el.textContent.trim().slice(0, 30)}"`);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def first_loads(browser: Any, live_server: str) -> dict[str, FirstLoad]:
    """One measured first load per profile."""
    return {name: measure_first_load(browser, live_server, name) for name in PROFILES}


@pytest.mark.parametrize("profile", list(PROFILES))
def test_first_load_is_at_most_1_2_mb_over_the_wire(
        first_loads: dict[str, FirstLoad], profile: str) -> None:
    load = first_loads[profile]
    assert load.total <= MAX_FIRST_LOAD_BYTES, report(load)
    # the gallery shows thumbnails, not the photos
    assert not any(path.endswith(".png") for path in load.resources), report(load, top=80)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_the_first_load_barely_shifts(first_loads: dict[str, FirstLoad], profile: str) -> None:
    load = first_loads[profile]
    assert load.cls <= MAX_CLS, load.shifts


@pytest.mark.parametrize("profile", list(PROFILES))
def test_no_text_is_under_12_px(browser: Any, live_server: str, profile: str) -> None:
    context = browser.new_context(**PROFILES[profile])
    try:
        page = context.new_page()
        page.goto(f"{live_server}/")
        page.wait_for_selector('#pyramid:not([data-render-count="0"])')
        page.locator("#patch-panel").scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        assert page.evaluate(SMALL_TEXT, MIN_TEXT_PX) == []
    finally:
        context.close()
