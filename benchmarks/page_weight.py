"""What a first visit to the page costs over the wire, and how much its layout shifts.

Measured in headless Chromium through the DevTools protocol, as Lighthouse does: every
resource's ``encodedDataLength`` (headers and body as received, compressed if compressed),
from navigation until the first pyramid is drawn and the network has been quiet for a
moment; and the cumulative layout shift from a ``layout-shift`` PerformanceObserver (shifts
right after input excluded, as the metric defines).

Two profiles: desktop (1280 x 800, DPR 1) and phone (390 x 844, DPR 3, touch, mobile).
Used by ``benchmarks/ui.py`` and by ``tests/e2e/test_page_weight.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Browser

PROFILES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1},
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
              "is_mobile": True, "has_touch": True},
}
QUIET_MS = 1500

# Installed before any page script: sums layout shifts without recent input.
CLS_OBSERVER = """(() => {
  window.__cls = 0; window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.hadRecentInput) continue;
      window.__cls += e.value;
      window.__shifts.push({ value: e.value, at: e.startTime,
        nodes: (e.sources || []).map((s) => s.node?.id || s.node?.className || s.node?.nodeName)
      });
    }
  }).observe({ type: 'layout-shift', buffered: true });
})();"""


@dataclass
class FirstLoad:
    """Bytes per resource (URL path -> bytes received), and the layout shift."""

    profile: str
    resources: dict[str, int] = field(default_factory=dict)
    cls: float = 0.0
    shifts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Bytes over the wire for the whole first load."""
        return sum(self.resources.values())


def measure_first_load(browser: Browser, url: str, profile: str, *,
                       quiet_ms: int = QUIET_MS) -> FirstLoad:
    """Open ``url`` in a fresh context of ``profile`` and measure its first load."""
    context = browser.new_context(**PROFILES[profile])
    try:
        page = context.new_page()
        page.add_init_script(CLS_OBSERVER)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        urls: dict[str, str] = {}
        sizes: dict[str, int] = {}
        cdp.on("Network.responseReceived",
               lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
        cdp.on("Network.loadingFinished",
               lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
        page.goto(url + "/")
        page.wait_for_selector('#pyramid:not([data-render-count="0"])', timeout=30_000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(quiet_ms)
        out = FirstLoad(profile=profile, cls=float(page.evaluate("window.__cls")),
                        shifts=page.evaluate("window.__shifts"))
        for request_id, size in sizes.items():
            path = urls.get(request_id, request_id).removeprefix(url)
            out.resources[path] = out.resources.get(path, 0) + size
        return out
    finally:
        context.close()


def report(load: FirstLoad, *, top: int = 8) -> str:
    """A few lines: total, CLS and the largest resources."""
    lines = [f"{load.profile}: {load.total / 1e6:.2f} MB over the wire in "
             f"{len(load.resources)} responses, CLS {load.cls:.3f}"]
    for path, size in sorted(load.resources.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {size / 1e3:8.1f} kB  {path[:90]}")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.ui import CHROMIUM_ARGS
    from tests.servers import serve_app

    with serve_app() as base, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name in PROFILES:
            print(report(measure_first_load(chromium, base, name), top=30))
            print()
        chromium.close()
