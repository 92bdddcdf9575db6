"""The brush visible on a photo (issue 15 §2), in real Chromium: a region of the map drawn
large with its window readable and every step inside it; "Paint the whole map" filling the
map in seconds with the engine's values; and the step/autoplay/speed/region parameters of the
page and the embed reproducing the view."""

from __future__ import annotations

import base64
import io
import time
import urllib.parse
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from app.export.colormap import colorize

from .conftest import conv_block, encode_config, poll
from .test_exports import download
from .test_patch import PANEL, Reference, check_step_arithmetic, read_numbers

pytestmark = pytest.mark.e2e

#: A readable cell: the page writes each value in its cell from 26 CSS px.
READABLE_CELL_PX = 26
#: "Paint the whole map" promises 5-10 s.
PAINT_LIMIT_S = 10.0


def config(anim: dict[str, Any] | None = None, **block: Any) -> dict[str, Any]:
    return {"image": {"sample": "astronaut"}, "color": "auto",
            "layers": [conv_block(**block)], "selected": {"layer": 1, "map": 0},
            "scale": "map", "anim": anim, "grid": None}


def url(base: str, path: str = "/", anim: dict[str, Any] | None = None,
        **params: str) -> str:
    return f"{base}{path}?{urllib.parse.urlencode({**params, 's': encode_config(config(anim))})}"


def probe(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        "() => { const p = window.__convscopePatch; return { step: p.step, steps: p.steps, "
        "view: p.viewSteps, region: p.region, playing: p.playing, painting: p.painting }; }")
    return result


def ready(page: Any) -> dict[str, Any]:
    page.locator(PANEL).scroll_into_view_if_needed()
    poll(page, "() => window.__convscopePatch && window.__convscopePatch.steps > 0")
    return probe(page)


def inside(step: int, region: dict[str, int], width: int) -> bool:
    row, col = divmod(step, width)
    return (region["row"] <= row < region["row"] + region["height"]
            and region["col"] <= col < region["col"] + region["width"])


def test_zooming_into_a_region_draws_a_readable_window_and_keeps_steps_inside(
        page: Any, live_server: str) -> None:
    page.goto(url(live_server))
    ready(page)
    page.locator(PANEL).get_by_role("button", name="Zoom into a region").click()
    poll(page, "() => window.__convscopePatch.region !== null")
    state = probe(page)
    region = state["region"]
    assert 16 <= region["height"] <= 48 and 16 <= region["width"] <= 48
    assert state["view"] == region["height"] * region["width"]
    assert inside(state["step"], region, 512)
    # the window and its cells are large: 18 x 18 input cells (3x3 window, same) in the view
    wrap = page.locator(f"{PANEL} [data-role='in-wrap']").bounding_box()
    cell = wrap["width"] / (region["width"] + 2)
    assert cell >= READABLE_CELL_PX, cell
    out = page.locator(f"{PANEL} [data-role='out-base']").bounding_box()
    assert out["width"] / region["width"] >= READABLE_CELL_PX
    # the whole map stays shown beside it
    assert page.locator(f"{PANEL} [data-role='overview']").is_visible()
    # every way of moving stays in the region
    page.locator(f"{PANEL} .patch-stage").focus()
    seen = set()
    for key in ["ArrowRight"] * 20 + ["ArrowDown"] * 20 + ["End", "ArrowRight", "Home",
                                                            "ArrowLeft", "ArrowUp"]:
        page.keyboard.press(key)
        seen.add(probe(page)["step"])
    assert all(inside(s, region, 512) for s in seen), sorted(seen)
    assert page.locator(f"{PANEL} [data-role='position-text']").text_content() == (
        f"step 1 / {state['view']}")
    page.select_option("#patch-speed", "1000")
    page.keyboard.press(" ")
    steps = [probe(page)["step"] for _ in range(20)]
    assert all(inside(s, region, 512) for s in steps), steps
    page.keyboard.press(" ")
    # the numbers at a region step are the engine's
    page.keyboard.press("Home")
    for _ in range(17):
        page.keyboard.press("ArrowRight")
    numbers = read_numbers(page)
    assert inside(numbers["step"], region, 512)
    check_step_arithmetic(numbers, Reference(page, live_server), layer=1, map_=0)


def test_dragging_on_the_whole_map_picks_the_region(page: Any, live_server: str) -> None:
    page.goto(url(live_server, anim={"layer": 1, "map": 0, "step": 0, "flip": 0, "speed": 2,
                                     "playing": 0, "region": [0, 0, 16, 16]}))
    ready(page)
    poll(page, "() => window.__convscopePatch.region !== null")
    overview = page.locator(f"{PANEL} [data-role='overview']")
    overview.scroll_into_view_if_needed()
    box = overview.bounding_box()
    per_cell = box["width"] / 512
    x0, y0 = box["x"] + 300 * per_cell, box["y"] + 200 * per_cell
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 30 * per_cell, y0 + 20 * per_cell, steps=4)
    page.mouse.up()
    region = poll(page, "() => { const r = window.__convscopePatch.region; "
                        "return r && r.row > 100 ? r : null; }")
    assert abs(region["row"] - 200) <= 3 and abs(region["col"] - 300) <= 3
    assert 20 <= region["height"] <= 24 and 30 <= region["width"] <= 34
    anim = page.evaluate("() => window.__convscope.store.getState().anim")
    assert anim["region"] == [region["row"], region["col"], region["height"], region["width"]]
    page.locator(PANEL).get_by_role("button", name="Show the whole map").click()
    poll(page, "() => window.__convscopePatch.region === null")
    assert probe(page)["view"] == 512 * 512


def read_canvas(page: Any, selector: str) -> np.ndarray:
    """The RGBA pixels of a canvas at its native size."""
    data = page.evaluate(
        """(sel) => { const c = document.querySelector(sel);
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let s = ''; for (let i = 0; i < d.length; i += 8192)
            s += String.fromCharCode.apply(null, d.subarray(i, i + 8192));
          return { w: c.width, h: c.height, b64: btoa(s) }; }""", selector)
    pixels = np.frombuffer(base64.b64decode(data["b64"]), dtype=np.uint8)
    return pixels.reshape(data["h"], data["w"], 4)


def test_painting_fills_the_map_within_10_s_with_the_engines_values(
        page: Any, live_server: str) -> None:
    page.goto(url(live_server))
    ready(page)
    engine_map = Reference(page, live_server).output(1, 0)
    expected = colorize(engine_map, colormap="page")
    out = f"{PANEL} [data-role='out-base']"
    started = time.monotonic()
    page.locator(PANEL).get_by_role("button", name="Paint the whole map").click()
    poll(page, "() => window.__convscopePatch.painting")
    assert page.locator(f"{PANEL} [data-role='paint-note']").is_visible()
    # halfway: painted rows on top, the finished map faintly below (never an empty grey)
    poll(page, "() => window.__convscopePatch.step > 512 * 200")
    reached = probe(page)["step"] // 512  # painted at least this far when the canvas is read
    middle = read_canvas(page, out)
    below = middle[min(reached + 120, 500):, :, :3].reshape(-1, 3)
    assert len(np.unique(below, axis=0)) > 20, "the unpainted part shows the map faintly"
    painted = middle[: max(reached - 2, 1), :, :3]
    assert np.abs(painted.astype(int) - expected[: painted.shape[0]]).max() <= 1
    poll(page, "() => !window.__convscopePatch.playing", timeout=PAINT_LIMIT_S + 5)
    elapsed = time.monotonic() - started
    assert elapsed <= PAINT_LIMIT_S + 1.5, elapsed  # 6 s of painting, plus the clicks
    state = probe(page)
    assert state["step"] == 512 * 512 - 1
    final = read_canvas(page, out)[:, :, :3]
    assert np.abs(final.astype(int) - expected).max() <= 1  # every cell is the engine's
    assert not page.locator(f"{PANEL} [data-role='paint-note']").is_visible()
    numbers = read_numbers(page, 512 * 512 - 1)  # the arithmetic is back, at the last cell
    assert "✓" in numbers["check"]


def test_page_parameters_open_the_view_and_move_into_the_state(page: Any,
                                                               live_server: str) -> None:
    page.goto(url(live_server, step="8230", speed="30", region="11,21,24,24"))
    state = ready(page)
    assert state["region"] == {"row": 10, "col": 20, "height": 24, "width": 24}
    assert state["step"] == 8229 == 16 * 512 + 37
    assert page.locator("#patch-speed").input_value() == "30"
    assert not state["playing"]
    # once applied they live in the state (s=), so moving on and reloading keeps the new view
    poll(page, "() => !new URLSearchParams(location.search).has('region')")
    page.locator(f"{PANEL} .patch-stage").focus()
    page.keyboard.press("ArrowRight")
    poll(page, "() => { const s = new URLSearchParams(location.search).get('s'); return s && "
               "JSON.parse(atob(s.replace(/-/g, '+').replace(/_/g, '/'))).anim.step === 8230; }")
    page.reload()
    again = ready(page)
    assert again["step"] == 8230 and again["region"] == state["region"]


@pytest.mark.parametrize("autoplay", ["1", "paint"])
def test_embed_parameters_reproduce_the_view(page: Any, live_server: str, autoplay: str) -> None:
    page.goto(url(live_server, "/embed", view="patch", controls="locked", step="300",
                  speed="60", region="5,280,16,16", autoplay="0"))
    state = ready(page)
    assert state["region"] == {"row": 4, "col": 279, "height": 16, "width": 16}
    # step 300 (row 1, column 300) lies outside: the region's nearest cell, row 5, column 295
    assert state["step"] == 4 * 512 + 294
    assert page.locator("#patch-speed").input_value() == "60"
    assert not state["playing"]
    page.goto(url(live_server, "/embed", view="patch", step="2330", speed="60",
                  region="5,280,16,16", autoplay=autoplay))
    ready(page)
    if autoplay == "paint":
        poll(page, "() => window.__convscopePatch.painting")
    else:
        poll(page, "() => window.__convscopePatch.playing && !window.__convscopePatch.painting")
    # the embed keeps its URL as the teacher wrote it: a reload reproduces the view
    assert "region=5%2C280%2C16%2C16" in page.url or "region=5,280,16,16" in page.url
    page.emulate_media(reduced_motion="reduce")
    page.reload()
    state = ready(page)
    time.sleep(0.4)
    assert not probe(page)["playing"]  # reduced motion: no auto-play, still steppable
    page.locator(f"{PANEL} .patch-stage").focus()
    page.keyboard.press("ArrowRight")
    poll(page, f"() => window.__convscopePatch.step === {2330 - 1 + 1}")


def test_the_page_gif_is_the_region_in_the_page_colours_at_the_page_speed(
        page: Any, live_server: str, tmp_path: Path) -> None:
    page.goto(url(live_server, anim={"layer": 1, "map": 0, "step": 0, "flip": 0, "speed": 4,
                                     "playing": 0, "region": [240, 200, 16, 16]}))
    ready(page)
    panel = page.locator(PANEL)
    assert panel.get_by_label("GIF of").input_value() == "region"
    panel.get_by_label("with the arithmetic").check()
    name, data = download(page, panel.get_by_role("button", name="Download as GIF"), tmp_path)
    assert name.endswith(".gif")
    gif = Image.open(io.BytesIO(data))
    assert gif.info["duration"] == 250  # 4 steps per second, one step a frame
    frames = gif.n_frames
    assert 60 < frames <= 257  # the region's 256 cells, within the server's frame cap
    # the last frame: the region's cells in the page's colours (the whole map's range)
    gif.seek(frames - 1)
    pixels = np.asarray(gif.convert("RGB"))
    engine_map = Reference(page, live_server).output(1, 0)
    wanted = {tuple(c) for c in colorize(engine_map, colormap="page")[240:256, 200:216]
              .reshape(-1, 3).tolist()}
    shown = {tuple(c) for c in pixels.reshape(-1, 3).tolist()}
    near = sum(any(max(abs(a - b) for a, b in zip(w, s, strict=True)) <= 24 for s in shown)
               for w in wanted)
    assert near >= 0.9 * len(wanted)
