"""How fast the page answers a control change, in headless Chromium against the real server.

S7's 4-layer pyramid (../shared/perf-notes.md) on the 512 x 512 astronaut: each update changes
layer 1's seed (so the server really recomputes), then waits until every map is redrawn. The
page's own clock (``window.__convscope``) gives the time from the change to the redraw, the
drawing time alone, and the bytes moved. Timings are printed, not asserted, except the parts
this page controls (drawing, bytes): the machines are shared and drift by 2x.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from .conftest import encode_config, settle

UPDATES = 15
WARMUP = 3


def s7_url(base: str) -> str:
    def conv(maps: int, stride: int, seed: int) -> dict[str, Any]:
        return {"type": "conv", "kernel": [3, 3], "maps": maps, "stride": [stride, stride],
                "padding": "same", "pad": [1, 1, 1, 1], "dilation": [1, 1],
                "activation": "relu", "pool": "none", "source": "random", "presets": [],
                "seed": seed, "weights": None, "bias": None}

    config = {"image": {"sample": "astronaut"}, "color": "auto",
              "layers": [conv(8, 1, 1), conv(16, 2, 2), conv(32, 2, 3), conv(64, 2, 4)],
              "selected": {"layer": 1, "map": 0}, "scale": "map", "anim": None, "grid": None}
    return f"{base}/?s={encode_config(config)}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))]


def test_a_control_change_redraws_every_map_of_s7(page: Any, live_server: str) -> None:
    page.goto(s7_url(live_server))
    settle(page)
    seed = page.get_by_role("group", name="Layer 1", exact=True).get_by_label(
        "Random seed", exact=True)
    samples: list[dict[str, float]] = []
    for i in range(UPDATES + WARMUP):
        count = page.evaluate("() => window.__convscope.renderCount")
        seed.fill(str(1000 + i))
        page.wait_for_selector(
            f'#pyramid[data-status="ready"]:not([data-render-count="{count}"])',
            state="attached")
        sample = page.evaluate("""() => { const c = window.__convscope;
            return { update: c.lastUpdateMs, draw: c.lastRenderMs, fetch: c.lastFetchMs,
                     bytes: c.bytesLastUpdate,
                     server: c.store.getState().pyramid.header.elapsed_ms }; }""")
        if i >= WARMUP:
            samples.append(sample)
        time.sleep(0.1)
    column = {k: [s[k] for s in samples] for k in samples[0]}
    print("\nS7 control change -> every map redrawn (ms): "
          f"p50 {statistics.median(column['update']):.0f}, "
          f"p95 {percentile(column['update'], 0.95):.0f}; server compute p50 "
          f"{statistics.median(column['server']):.0f}; drawing p50 "
          f"{statistics.median(column['draw']):.1f}, p95 {percentile(column['draw'], 0.95):.1f}; "
          f"{column['bytes'][-1] / 1e6:.2f} MB per update")
    assert max(column["bytes"]) < 2 * 1024 * 1024
    assert statistics.median(column["draw"]) < 50
