"""Interaction speed of the page, measured in headless Chromium against the real server.

Three numbers from issue 4, all timed inside the page with ``performance.now()``:

* control change -> every map of the pyramid redrawn, for the 512 x 512 RGB sample through
  S7's 4-layer pyramid (conv3x3 K=8 s1 same + ReLU, K=16 s2, K=32 s2, K=64 s2): p50 and
  p95, and the bytes each update moves (target p50 <= 100 ms, p95 <= 200 ms, < 2 MB);
* upload of a 4000 x 3000 JPEG -> the first full pyramid on screen (target <= 500 ms);
* the sliding-patch animation's frame times while playing at the fastest speed
  (target: 60 frames per second);
* stroke -> every map and the ten probabilities redrawn, in the digits view (the trained
  network on the 28 x 28 drawing pad; target p50 <= 50 ms): the real mouse draws a digit a
  segment at a time with the button held, and each segment is timed from the pad's pointer
  event to the next full redraw (the classifier's bars are drawn in the same frame).
* the first load over the wire, every resource's transfer size, and its cumulative layout
  shift, on desktop and phone (issue 17: targets <= 1.2 MB and CLS <= 0.05;
  benchmarks/page_weight.py).

The control changed is layer 1's "Random seed" (new weights, same shapes: the whole pyramid
is recomputed and redrawn). A MutationObserver on ``#pyramid[data-render-count]`` stops the
clock when the page has drawn every map of the new pyramid.

Usage: ``python benchmarks/ui.py [--changes 40] [--strokes 60] [--only-strokes]
[--first-load]`` (``--first-load``: only the first-load item; ``--only-strokes``: only the
digits view's strokes). Needs Debian's ``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.page_weight import PROFILES, measure_first_load, report  # noqa: E402
from tests.servers import serve_app  # noqa: E402 - after the path

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
S7_BLOCKS = [(8, 1), (16, 2), (32, 2), (64, 2)]

# Resolves with the ms from the change to the next full redraw of the pyramid.
CHANGE_AND_WAIT = """async ([seed]) => {
  const group = [...document.querySelectorAll('fieldset, [role=group]')]
    .find((g) => (g.getAttribute('aria-label') || g.querySelector('legend')?.textContent || '')
      .trim() === 'Layer 1');
  const input = [...group.querySelectorAll('label')]
    .find((l) => l.textContent.trim().startsWith('Random seed')).control;
  const pyramid = document.getElementById('pyramid');
  const before = Number(pyramid.dataset.renderCount);
  const done = new Promise((resolve) => {
    const obs = new MutationObserver(() => {
      if (Number(pyramid.dataset.renderCount) > before) { obs.disconnect(); resolve(); }
    });
    obs.observe(pyramid, { attributes: true, attributeFilter: ['data-render-count'] });
  });
  const t0 = performance.now();
  input.value = String(seed);
  input.dispatchEvent(new Event('input', { bubbles: true }));
  input.dispatchEvent(new Event('change', { bubbles: true }));
  let timer = 0;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('no redraw within 10 s')), 10000);
  });
  await Promise.race([done, timeout]);
  clearTimeout(timer);
  const drawn = performance.now() - t0;
  // The frame that paints the new pixels starts at the next animation frame (the pixels
  // are on screen after it) and is over when the one after it starts: between the two.
  const next = await new Promise((r) => requestAnimationFrame(r));
  const after = await new Promise((r) => requestAnimationFrame(r));
  return { ms: drawn, frameStart: next - t0, frameMs: after - t0,
    bytes: window.__convscope.bytesLastUpdate };
}"""

ARM_UPLOAD_CLOCK = """() => {
  const pyramid = document.getElementById('pyramid');
  const before = Number(pyramid.dataset.renderCount);
  window.__uploadResult = new Promise((resolve) => {
    let t0 = null;
    document.addEventListener('change', (e) => {
      if (e.target.type === 'file') t0 = performance.now();
    }, { capture: true, once: true });
    const obs = new MutationObserver(() => {
      if (t0 !== null && Number(pyramid.dataset.renderCount) > before
          && window.__convscope.store.getState().image?.id) {
        obs.disconnect(); resolve(performance.now() - t0);
      }
    });
    obs.observe(pyramid, { attributes: true, attributeFilter: ['data-render-count'] });
  });
}"""


def phone_jpeg(path: Path) -> int:
    """A 4000 x 3000 photo-like JPEG (a sample upscaled, with sensor-like noise)."""
    base = Image.open(ROOT / "app" / "samples" / "chelsea.png").convert("RGB")
    big = np.asarray(base.resize((4000, 3000), Image.Resampling.BICUBIC), dtype=np.int16)
    noise = np.random.default_rng(0).normal(0, 6, big.shape).astype(np.int16)
    img = Image.fromarray(np.clip(big + noise, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92)
    path.write_bytes(buf.getvalue())
    return len(buf.getvalue())


def set_s7(page: Page) -> None:
    page.evaluate("""(blocks) => {
      const store = window.__convscope.store;
      const template = store.getState().layers.find((b) => b.type === 'conv');
      const layers = blocks.map(([maps, stride], i) => ({ ...template, kernel: [3, 3], maps,
        stride: [stride, stride], padding: 'same', dilation: [1, 1], activation: 'relu',
        pool: 'none', source: 'random', presets: [], seed: i + 1, weights: null,
        bias: null }));
      store.setState({ layers, image: { sample: 'astronaut' }, color: 'rgb' });
    }""", S7_BLOCKS)


def wait_for_s7(page: Page, timeout_s: float = 30.0) -> None:
    """Poll (the page's CSP forbids wait_for_function) until the S7 pyramid is on screen."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = page.evaluate("""() => { const s = window.__convscope.store.getState();
            const last = s.pyramid?.header.layers.at(-1)?.shape.join('x');
            return s.status === 'ready' && last === '64x64x64'; }""")
        if done:
            return
        page.wait_for_timeout(100)
    raise RuntimeError("the S7 pyramid never appeared")


# Arms a clock: the next pointer event on the pad starts it, the next full redraw stops it.
ARM_STROKE_CLOCK = """() => {
  const pad = document.querySelector('#digits-panel .pad');
  const pyramid = document.getElementById('pyramid');
  window.__strokeResult = new Promise((resolve, reject) => {
    let t0 = null;
    let before = 0;
    const start = () => {
      t0 = performance.now();
      before = Number(pyramid.dataset.renderCount);
    };
    pad.addEventListener('pointermove', start, { capture: true, once: true });
    const obs = new MutationObserver(() => {
      if (t0 !== null && Number(pyramid.dataset.renderCount) > before) {
        obs.disconnect();
        resolve(performance.now() - t0);
      }
    });
    obs.observe(pyramid, { attributes: true, attributeFilter: ['data-render-count'] });
    setTimeout(() => reject(new Error('no redraw within 10 s')), 10000);
  });
}"""


def stroke_points(n: int) -> list[tuple[float, float]]:
    """A '2' drawn across the pad in cell units (28 x 28): an arch, a diagonal, a base; `n`
    points evenly spaced along it."""
    arch = [(8 + 6 - 6 * np.cos(a), 11 - 5 * np.sin(a)) for a in np.linspace(0, np.pi, 9)]
    corners = [*arch, (8.5, 22.0), (20.0, 22.0)]
    seg = np.array(corners, dtype=float)
    lengths = np.hypot(*np.diff(seg, axis=0).T)
    at = np.concatenate([[0.0], np.cumsum(lengths)])
    t = np.linspace(0.0, float(at[-1]), n)
    xs = np.interp(t, at, seg[:, 0])
    ys = np.interp(t, at, seg[:, 1])
    return [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]


def stroke_redraw(page: Page, url: str, strokes: int) -> None:
    """Print stroke -> every map and the probabilities redrawn, p50 / p95."""
    page.goto(url + "/")
    page.wait_for_selector('#pyramid:not([data-render-count="0"])')
    page.get_by_role("button", name="Digits (trained)").click()
    page.wait_for_selector('#pyramid[data-status="ready"]', state="attached")
    page.get_by_role("button", name="Clear").click()
    box = page.locator("#digits-panel .pad").bounding_box()
    assert box is not None
    cell = box["width"] / 28

    def at(p: tuple[float, float]) -> tuple[float, float]:
        return box["x"] + p[0] * cell, box["y"] + p[1] * cell

    points = stroke_points(strokes + 1)
    page.mouse.move(*at(points[0]))
    page.mouse.down()
    times = []
    for p in points[1:]:
        page.evaluate(ARM_STROKE_CLOCK)
        page.mouse.move(*at(p))
        times.append(page.evaluate("() => window.__strokeResult"))
    page.mouse.up()
    times = times[3:]
    top = page.evaluate("() => document.querySelector('#classifier .prob-bar.winner')"
                        "?.dataset.cls")
    print(f"stroke -> every map and the probabilities redrawn (digits view, 28x28 pad): p50 "
          f"{pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms (n={len(times)}; target p50 "
          f"<= 50 ms); the drawn '2' is read as {top!r}")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=40, help="control changes to time")
    parser.add_argument("--strokes", type=int, default=60, help="stroke segments to time")
    parser.add_argument("--only-strokes", action="store_true",
                        help="time only stroke -> redraw in the digits view")
    parser.add_argument("--first-load", action="store_true",
                        help="measure only the first load (bytes, layout shift)")
    args = parser.parse_args()
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')!r}; "
          f"load average {os.getloadavg()[0]:.2f}")
    with serve_app() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        # first, while the server's caches are as a class finds them
        for profile in [] if args.only_strokes else PROFILES:
            load = measure_first_load(browser, url, profile)
            print(report(load, top=6))
            print(f"  -> first load {load.total / 1e6:.2f} MB (target <= 1.2 MB), CLS "
                  f"{load.cls:.3f} (target <= 0.05)")
        if args.first_load:
            browser.close()
            return
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        if args.only_strokes:
            stroke_redraw(page, url, args.strokes)
            browser.close()
            return
        page.goto(url + "/")
        page.wait_for_selector('#pyramid:not([data-render-count="0"])')
        set_s7(page)
        wait_for_s7(page)
        shapes = page.evaluate("""() => window.__convscope.store.getState().pyramid
            .header.layers.map((l) => l.shape.join('x'))""")
        print("pyramid:", " -> ".join(shapes))
        samples = [page.evaluate(CHANGE_AND_WAIT, [100 + i]) for i in range(args.changes)]
        times = [s["ms"] for s in samples[3:]]
        frames = [s["frameMs"] for s in samples[3:]]
        starts = [s["frameStart"] for s in samples[3:]]
        sizes = [s["bytes"] for s in samples[3:]]
        print(f"control change -> every map redrawn: p50 {pct(times, 50):.0f} ms, "
              f"p95 {pct(times, 95):.0f} ms (n={len(times)}; targets 100 / 200 ms); "
              f"bytes per update {statistics.median(sizes) / 1e6:.2f} MB (target < 2 MB)")
        print(f"  ... on screen: the frame painting them starts at p50 "
              f"{pct(starts, 50):.0f} ms (p95 {pct(starts, 95):.0f}) and is over before "
              f"p50 {pct(frames, 50):.0f} ms (p95 {pct(frames, 95):.0f})")
        with tempfile.TemporaryDirectory() as tmp:
            photo = Path(tmp) / "phone.jpg"
            size = phone_jpeg(photo)
            uploads = []
            for _ in range(5):
                page.goto(url + "/")
                page.wait_for_selector('#pyramid:not([data-render-count="0"])')
                page.evaluate(ARM_UPLOAD_CLOCK)
                page.set_input_files("input[type=file]", str(photo))
                uploads.append(page.evaluate("() => window.__uploadResult"))
            print(f"upload 4000x3000 JPEG ({size / 1e6:.1f} MB) -> first full pyramid: "
                  f"median {statistics.median(uploads):.0f} ms, runs "
                  f"{[round(u) for u in uploads]} (target <= 500 ms)")
        frame_times(page)
        stroke_redraw(page, url, args.strokes)
        browser.close()


def frame_times(page: Page) -> None:
    page.get_by_role("button", name="Animate this map").first.click()
    page.wait_for_timeout(1500)
    page.evaluate("() => window.__convscopePatch && window.__convscopePatch.clear()")
    panel = page.get_by_role("region", name="The sliding patch")
    speed = panel.get_by_label("Speed")
    options = speed.evaluate("(s) => [...s.options].map((o) => o.value)")
    speed.select_option(options[-1])
    page.keyboard.press("Escape")
    panel.get_by_role("button", name="Play").click()
    page.wait_for_timeout(3000)
    frames = page.evaluate("() => window.__convscopePatch.frameTimes")
    work = page.evaluate("() => window.__convscopePatch.workTimes")
    if not frames:
        print("animation: no frames recorded")
        return
    intervals = frames[1:]
    print(f"animation at the fastest speed: {len(frames)} frames, frame interval p50 "
          f"{pct(intervals, 50):.1f} ms p95 {pct(intervals, 95):.1f} ms "
          f"(= {1000 / pct(intervals, 50):.0f} fps median); drawing work per frame p50 "
          f"{pct(work, 50):.2f} ms p95 {pct(work, 95):.2f} ms (budget 16.7 ms)")


if __name__ == "__main__":
    main()
