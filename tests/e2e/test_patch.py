"""The sliding-patch animation in real Chromium: the arithmetic shown at each step is the
engine's (recomputed here with ``app.engine``), stepping/scrubbing/keys work, the flip toggle
shows the true convolution, the animation state survives a reload, and frame times are
measured (printed, not asserted: the machine is shared)."""

from __future__ import annotations

import io
import time
import urllib.request
from typing import Any

import numpy as np
import pytest
from PIL import Image

from app import engine
from app.schemas import PyramidRequest, to_engine_layers

from .conftest import conv_block, encode_config, poll

pytestmark = pytest.mark.e2e

PANEL = "#patch-panel"


def page_url(base: str, layers: list[dict[str, Any]], anim: dict[str, Any] | None) -> str:
    """The page's URL for a configuration (``?s=`` base64url of its JSON, as state.js)."""
    config = {"image": {"sample": "astronaut"}, "color": "auto", "layers": layers,
              "selected": {"layer": 1, "map": 0}, "scale": "map", "anim": anim, "grid": None}
    return f"{base}/?s={encode_config(config)}"


READ_NUMBERS = """() => {
  const root = document.querySelector('#patch-panel');
  const num = (el) => el ? Number(el.dataset.value) : null;
  const cells = (fig, role) => [...fig.querySelectorAll(`[data-role="${role}"] td`)].map(num);
  const channels = [...root.querySelectorAll('.patch-channel')].map((fig) => ({
    channel: Number(fig.dataset.channel), values: cells(fig, 'values'),
    weights: cells(fig, 'weights'), products: cells(fig, 'products'),
    sum: num(fig.querySelector('[data-role="channel-sum"]')),
    pads: [...fig.querySelectorAll('[data-role="values"] td')].map(
      (td) => td.classList.contains('is-pad')) }));
  const one = (role) => num(root.querySelector(`[data-role="${role}"]`));
  return { step: window.__convscopePatch.step, steps: window.__convscopePatch.steps,
    channels, total: one('total'), bias: one('bias'), pre: one('pre'), output: one('output'),
    engine: one('engine'), check: root.querySelector('[data-role="check"]')?.textContent ?? '',
    outputText: root.querySelector('[data-role="output"]')?.textContent ?? '',
    totalLine: root.querySelector('[data-role="total-line"]')?.textContent ?? '' };
}"""


def read_numbers(page: Any, step: int | None = None) -> dict[str, Any]:
    """The numbers panel once it shows ``step`` with the engine's value loaded."""
    want = "true" if step is None else f"window.__convscopePatch.step === {step}"
    engine_shown = f"document.querySelector('{PANEL} [data-role=\"engine\"][data-value]')"
    poll(page, f"() => window.__convscopePatch && window.__convscopePatch.steps > 0 && "
                     f"{want} && {engine_shown}")
    numbers: dict[str, Any] = page.evaluate(READ_NUMBERS)
    return numbers


def open_panel(page: Any, url: str) -> dict[str, Any]:
    page.goto(url)
    page.locator(PANEL).scroll_into_view_if_needed()
    return read_numbers(page)


def working_image(base: str) -> np.ndarray:
    """The sample's working image as the network sees it: (C, H, W) float32 in [0, 1]."""
    with urllib.request.urlopen(f"{base}/api/samples/astronaut.png") as response:
        pixels = np.asarray(Image.open(io.BytesIO(response.read())))
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    return np.ascontiguousarray(np.moveaxis(pixels, 2, 0).astype(np.float32) / 255)


class Reference:
    """The page's stack recomputed in this process with app.engine."""

    def __init__(self, page: Any, base: str) -> None:
        request = page.evaluate("() => window.__convscope.store.getState().pyramid.request")
        layers = to_engine_layers(PyramidRequest.model_validate(request).layers)
        self.x = working_image(base)
        self.planned, self.outputs = engine.run_stack(self.x, layers)

    def layer_input(self, layer: int) -> np.ndarray:
        return self.x if layer == 1 else self.outputs[layer - 2]

    def conv(self, layer: int) -> Any:
        return self.planned[layer - 1].layer

    def pre_activation(self, layer: int, map_: int, *, flip: bool = False) -> np.ndarray:
        conv = self.conv(layer)
        weights = conv.weights[map_:map_ + 1]
        if flip:
            weights = weights[:, :, ::-1, ::-1]
        maps = engine.conv2d(self.layer_input(layer), weights, conv.bias[map_:map_ + 1],
                             stride=conv.stride, padding=conv.padding, dilation=conv.dilation)
        return np.asarray(maps[0])

    def output(self, layer: int, map_: int) -> np.ndarray:
        return np.asarray(self.outputs[layer - 1][map_])


def close(a: float, b: float, *, scale: float = 1.0) -> bool:
    return abs(a - b) <= 2e-6 * max(scale, 1.0)


def check_step_arithmetic(numbers: dict[str, Any], ref: Reference, *, layer: int,
                          map_: int, flip: bool = False) -> None:
    """Everything the panel shows at a step, checked against the engine."""
    conv = ref.conv(layer)
    geo = ref.planned[layer - 1].geometry
    top, _, left, _ = geo.padding
    x = ref.layer_input(layer)
    _, h_in, w_in = x.shape
    kw = geo.kernel[1]
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    _, _, w_out = geo.out_shape
    row, col = divmod(numbers["step"], w_out)
    kernel = conv.weights[map_][:, ::-1, ::-1] if flip else conv.weights[map_]
    magnitude = 0.0
    for ch in numbers["channels"]:
        c = ch["channel"]
        for t, (value, weight, product) in enumerate(zip(ch["values"], ch["weights"],
                                                         ch["products"], strict=True)):
            u, v = divmod(t, kw)
            y, xx = row * sh - top + u * dh, col * sw - left + v * dw
            inside = 0 <= y < h_in and 0 <= xx < w_in
            assert ch["pads"][t] == (not inside)
            assert value == (float(x[c, y, xx]) if inside else 0.0)
            assert weight == float(kernel[c, u, v])
            assert product == float(np.float32(value * weight))
            magnitude += abs(product)
        assert close(ch["sum"], sum(ch["products"]), scale=magnitude)
    if len(numbers["channels"]) == x.shape[0]:
        assert close(numbers["total"], sum(ch["sum"] for ch in numbers["channels"]),
                     scale=magnitude)
    assert numbers["bias"] == float(np.float32(conv.bias[map_]))
    assert close(numbers["pre"], numbers["total"] + numbers["bias"], scale=magnitude)
    pre = float(ref.pre_activation(layer, map_, flip=flip)[row, col])
    assert close(numbers["pre"], pre, scale=magnitude)
    expected = max(pre, 0.0) if conv.activation == "relu" else pre
    assert close(numbers["output"], expected, scale=magnitude)
    if conv.activation == "relu":
        assert numbers["outputText"].startswith("ReLU(")
    if not flip:
        engine_value = float(ref.output(layer, map_)[row, col])
        assert numbers["engine"] == engine_value  # the exact map fetched from the server
        assert close(numbers["output"], engine_value, scale=magnitude)
        assert "✓" in numbers["check"]


def test_each_step_shows_the_engines_arithmetic(page: Any, live_server: str) -> None:
    # stride 2, "same" on 512 px: padding (0, 1), so the last window reads the bottom zeros
    layers = [conv_block(stride=[2, 2], maps=3, seed=11)]
    url = page_url(live_server, layers, {"layer": 1, "map": 2, "step": 0, "flip": 0,
                                         "speed": 2, "playing": 0})
    numbers = open_panel(page, url)
    ref = Reference(page, live_server)
    assert ref.planned[0].geometry.padding == (0, 1, 0, 1)
    assert numbers["steps"] == 256 * 256
    check_step_arithmetic(numbers, ref, layer=1, map_=2)
    stage = page.locator(f"{PANEL} .patch-stage")
    stage.focus()
    page.keyboard.press("End")
    last = read_numbers(page, 256 * 256 - 1)
    assert any(last["channels"][0]["pads"])  # the bottom/right padding zeros are read
    check_step_arithmetic(last, ref, layer=1, map_=2)
    page.keyboard.press("Home")
    for _ in range(3):
        page.locator(PANEL).get_by_role("button", name="Step forward").click()
    check_step_arithmetic(read_numbers(page, 3), ref, layer=1, map_=2)


SHADE = """() => [...document.querySelectorAll('#pyramid .tile[data-layer="0"] .unreached-shade')]
  .map((c) => {
    if (c.hidden) return null;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let alpha = 0;
    for (let i = 3; i < d.length; i += 4) alpha += d[i];
    return alpha / (d.length / 4) / 255;
  })"""


def test_a_stride_of_four_shades_every_row_it_skips_on_the_photo(page: Any,
                                                                 live_server: str) -> None:
    # 3x3, stride 4, "same" on 512 px needs no padding: windows read rows 4i .. 4i + 2, so
    # rows 3, 7, ..., 511 are never read (and the same columns): not only the last one
    layers = [conv_block(stride=[4, 4], maps=2)]
    url = page_url(live_server, layers, {"layer": 1, "map": 0, "step": 0, "flip": 0,
                                         "speed": 2, "playing": 0})
    open_panel(page, url)
    ref = Reference(page, live_server)
    geometry = ref.planned[0].geometry
    assert geometry.unreached == (128, 128)
    assert geometry.unreached_rows == geometry.unreached_cols == tuple(range(3, 512, 4))
    caption = page.locator(f"{PANEL} [data-role='in-caption']").text_content() or ""
    # the page counts rows and columns from 1: 0-based rows 3, 7, ... are rows 4, 8, ...
    assert "Shaded red: 128 rows 4, 8, 12, …, 512 and 128 columns 4, 8, 12, …, 512" in caption
    note = page.locator("#geometry .geo-unreached").text_content() or ""
    assert note.startswith("128 rows (4, 8, 12, …, 512) and 128 columns (4, 8, 12, …, 512)")
    assert "stride 4 is longer than the window (3 cells)" in note
    # the photo and its channels: a quarter of the rows and of the columns shaded (a light
    # wash where a row or a column is skipped), not a band at the bottom/right
    shades = poll(page, f"() => {{ const s = ({SHADE})(); return s.length && s.every("
                        "(v) => v !== null) && s; }")
    assert len(shades) == 4
    assert all(0.2 < mean < 0.32 for mean in shades), shades


def test_a_deeper_layer_sums_over_every_input_channel(page: Any, live_server: str) -> None:
    layers = [conv_block(maps=4, seed=3, stride=[2, 2]),
              conv_block(maps=2, seed=4, padding="valid", dilation=[2, 2])]
    step = 37 * 124 + 50
    url = page_url(live_server, layers, {"layer": 2, "map": 1, "step": step, "flip": 0,
                                         "speed": 2, "playing": 0})
    numbers = open_panel(page, url)
    ref = Reference(page, live_server)
    assert numbers["step"] == step
    assert "Sum over all 4 input channels" in numbers["totalLine"]
    check_step_arithmetic(numbers, ref, layer=2, map_=1)


def test_keys_buttons_and_scrubbing_move_the_window(page: Any, live_server: str) -> None:
    url = page_url(live_server, [conv_block()], {"layer": 1, "map": 0, "step": 0, "flip": 0,
                                                 "speed": 2, "playing": 0})
    open_panel(page, url)
    width = 512  # same padding, stride 1: one step per input column
    for label in ("Animated layer", "Feature map", "Input channel shown", "Position", "Speed",
                  "Flip the kernel (true convolution)"):
        assert page.locator(PANEL).get_by_label(label).count() == 1, label
    for name in ("Start", "Step back", "Play", "Step forward", "End"):
        assert page.locator(PANEL).get_by_role("button", name=name).count() == 1, name
    page.locator(f"{PANEL} .patch-stage").focus()
    page.keyboard.press("ArrowRight")
    assert read_numbers(page, 1)["step"] == 1
    page.keyboard.press("ArrowDown")
    assert read_numbers(page, 1 + width)["step"] == 1 + width
    page.keyboard.press("ArrowLeft")
    assert read_numbers(page, width)["step"] == width
    page.keyboard.press("End")
    assert read_numbers(page, width * width - 1)["step"] == width * width - 1
    page.keyboard.press("Home")
    assert read_numbers(page, 0)["step"] == 0
    page.evaluate("""() => { const r = document.querySelector('#patch-position');
      r.value = '1000'; r.dispatchEvent(new Event('input', {bubbles: true})); }""")
    assert read_numbers(page, 1000)["step"] == 1000
    page.select_option("#patch-speed", "1000")
    page.keyboard.press("Space")
    poll(page, "() => window.__convscopePatch.playing && window.__convscopePatch.step > 1100")
    page.keyboard.press("Space")
    poll(page, "() => !window.__convscopePatch.playing")
    stopped = page.evaluate("() => window.__convscopePatch.step")
    time.sleep(0.2)
    assert page.evaluate("() => window.__convscopePatch.step") == stopped
    # Clicking an output cell jumps to the window that computes it.
    box = page.locator(f"{PANEL} [data-role='out-wrap']").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5 + 0.1, box["y"] + box["height"] * 0.25)
    row, col = divmod(read_numbers(page)["step"], width)
    assert abs(row - width * 0.25) <= 3 and abs(col - width * 0.5) <= 3  # 0.7 px per cell


def test_flipping_the_kernel_shows_the_true_convolution(page: Any, live_server: str) -> None:
    layers = [conv_block(source="presets", presets=["sobel_x"], maps=1, activation="none",
                         padding="valid")]
    step = 200 * 510 + 300
    url = page_url(live_server, layers, {"layer": 1, "map": 0, "step": step, "flip": 0,
                                         "speed": 2, "playing": 0})
    plain = open_panel(page, url)
    ref = Reference(page, live_server)
    check_step_arithmetic(plain, ref, layer=1, map_=0)
    page.locator(PANEL).get_by_label("Flip the kernel (true convolution)").check()
    poll(page, "() => document.querySelector('#patch-panel [data-role=\"other-line\"]')"
                     ".textContent.includes('PyTorch')")
    flipped = read_numbers(page, step)
    check_step_arithmetic(flipped, ref, layer=1, map_=0, flip=True)
    # Sobel x rotated by 180 degrees is minus itself: the true convolution negates the map.
    assert flipped["pre"] == pytest.approx(-plain["pre"], abs=1e-6)
    assert flipped["engine"] == plain["engine"]  # what PyTorch computes, shown beside it
    change = page.locator(f"{PANEL} [data-role='change']").text_content() or ""
    assert "Flipping changes" in change
    caption = page.locator(f"{PANEL} [data-role='out-caption']").text_content() or ""
    assert caption.startswith("True convolution")


def test_the_animation_state_survives_a_reload(page: Any, live_server: str) -> None:
    layers = [conv_block(maps=3), conv_block(maps=2, stride=[2, 2], seed=9)]
    url = page_url(live_server, layers, None)
    open_panel(page, url)
    page.select_option(f"{PANEL} [data-role='layer']", "2")
    read_numbers(page)
    page.select_option(f"{PANEL} [data-role='map']", "1")
    page.locator(PANEL).get_by_label("Flip the kernel (true convolution)").check()
    page.locator(f"{PANEL} .patch-stage").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.select_option("#patch-speed", "60")
    read_numbers(page, 5)
    poll(page, "() => new URLSearchParams(location.search).has('s') && "
                     "JSON.parse(atob(new URLSearchParams(location.search).get('s')"
                     ".replace(/-/g, '+').replace(/_/g, '/'))).anim?.step === 5")
    shared = page.url
    page.goto("about:blank")
    open_panel(page, shared)
    again = read_numbers(page, 5)
    assert again["step"] == 5
    assert page.locator(f"{PANEL} [data-role='layer']").input_value() == "2"
    assert page.locator(f"{PANEL} [data-role='map']").input_value() == "1"
    assert page.locator(PANEL).get_by_label("Flip the kernel (true convolution)").is_checked()
    assert page.locator("#patch-speed").input_value() == "60"
    anim = page.evaluate("() => window.__convscope.store.getState().anim")
    assert set(anim) <= {"layer", "map", "step", "flip", "speed", "playing", "ch"}


def test_reduced_motion_never_starts_the_animation_by_itself(page: Any,
                                                             live_server: str) -> None:
    anim = {"layer": 1, "map": 0, "step": 0, "flip": 0, "speed": 1000, "playing": 1}
    url = page_url(live_server, [conv_block()], anim)
    page.emulate_media(reduced_motion="reduce")
    open_panel(page, url)
    time.sleep(0.5)
    assert not page.evaluate("() => window.__convscopePatch.playing")
    assert page.evaluate("() => window.__convscopePatch.step") == 0
    page.emulate_media(reduced_motion="no-preference")
    open_panel(page, url)
    poll(page, "() => window.__convscopePatch.step > 50")


def test_the_magnifier_follows_the_window_on_a_big_image(page: Any, live_server: str) -> None:
    url = page_url(live_server, [conv_block()], {"layer": 1, "map": 0, "step": 0, "flip": 0,
                                                 "speed": 2, "playing": 0})
    open_panel(page, url)
    magnifier = page.locator(f"{PANEL} [data-role='magnifier']")
    wrap = page.locator(f"{PANEL} [data-role='in-wrap']")
    assert magnifier.is_visible()

    def offset() -> tuple[float, float, float]:
        m, w = magnifier.bounding_box(), wrap.bounding_box()
        return m["x"] - w["x"], m["y"] - w["y"], m["width"]

    first = offset()
    page.locator(f"{PANEL} .patch-stage").focus()
    page.keyboard.press("End")
    read_numbers(page, 512 * 512 - 1)
    last = offset()
    # The window went from the top-left corner to the bottom-right one; the magnifier went
    # along (beside the window, never over it) and its cells stay large enough to read.
    assert last[0] > first[0] + 50 and last[1] > first[1] + 50
    assert min(first[2], last[2]) >= 100


def test_frame_times_while_playing(page: Any, live_server: str) -> None:
    url = page_url(live_server, [conv_block(maps=4)], {"layer": 1, "map": 0, "step": 0,
                                                       "flip": 0, "speed": 2, "playing": 0})
    open_panel(page, url)
    report = []
    for speed in ("2", "60", "2000", "50000"):
        page.select_option("#patch-speed", speed)
        page.keyboard.press("Home")
        page.evaluate("() => window.__convscopePatch.clear()")
        page.locator(PANEL).get_by_role("button", name="Play").click()
        time.sleep(2.0)
        page.locator(PANEL).get_by_role("button", name="Pause").click()
        frames = page.evaluate("() => window.__convscopePatch.frameTimes")[1:]
        works = page.evaluate("() => window.__convscopePatch.workTimes")[1:]
        assert frames, "no frame was recorded"
        report.append(
            f"speed {speed:>5} steps/s: {len(frames)} frames, interval p50 "
            f"{np.percentile(frames, 50):.1f} p95 {np.percentile(frames, 95):.1f} ms, "
            f"work p50 {np.percentile(works, 50):.2f} p95 {np.percentile(works, 95):.2f} ms")
    print("\n" + "\n".join(report))


def test_animate_this_map_opens_the_chosen_map(page: Any, live_server: str) -> None:
    layers = [conv_block(maps=3), conv_block(maps=4, seed=2)]
    page.goto(page_url(live_server, layers, None))
    page.evaluate("() => window.__convscope.store.setState({selected: {layer: 2, map: 3}})")
    page.get_by_role("button", name="Animate this map").click()
    # the click scrolls smoothly to the panel, which loads its data once it is in view
    page.locator(PANEL).scroll_into_view_if_needed()
    numbers = read_numbers(page, 0)
    assert page.locator(f"{PANEL} [data-role='layer']").input_value() == "2"
    assert page.locator(f"{PANEL} [data-role='map']").input_value() == "3"
    ref = Reference(page, live_server)
    check_step_arithmetic(numbers, ref, layer=2, map_=3)


def test_the_first_view_has_the_patch_ready_on_layer_1_map_1_paused(page: Any,
                                                                   live_server: str) -> None:
    page.goto(f"{live_server}/")
    # before the panel is scrolled to, it already says what it will animate
    poll(page, f"() => document.querySelector(\"{PANEL} [data-role='map']\")"
                     "?.selectedOptions[0]?.textContent === 'Map 1 of 4'")
    assert page.locator(f"{PANEL} [data-role='layer']").input_value() == "1"
    anim = page.evaluate("() => window.__convscope.store.getState().anim")
    assert (anim["layer"], anim["map"], anim["step"], anim["playing"]) == (1, 0, 0, 0)
    page.locator(PANEL).scroll_into_view_if_needed()
    numbers = read_numbers(page, 0)
    assert numbers["check"].strip().endswith("same")
    time.sleep(0.3)
    assert not page.evaluate("() => window.__convscopePatch.playing")


def test_a_failed_fetch_of_the_exact_values_is_tried_again(page: Any, live_server: str) -> None:
    """Every tensor request fails until the panel says so; then the server is back."""
    state = {"failing": True, "failed": 0}

    def flaky_server(route: Any) -> None:
        if state["failing"]:
            state["failed"] += 1
            route.fulfill(status=500, content_type="application/json",
                          body='{"detail": "a passing server error"}')
        else:
            route.continue_()

    page.route("**/api/pyramid/tensor", flaky_server)
    page.goto(f"{live_server}/")
    page.locator(PANEL).scroll_into_view_if_needed()
    poll(page, f"() => document.querySelector(\"{PANEL} [data-role='status']\")"
                     "?.textContent.includes('Trying again')")
    state["failing"] = False
    numbers = read_numbers(page)
    assert state["failed"] >= 1
    assert numbers["check"].strip().endswith("same")
    status = page.locator(f"{PANEL} [data-role='status']").text_content() or ""
    assert "Could not load" not in status


CLIPPED = """() => {
  const panel = document.querySelector('#patch-panel').getBoundingClientRect();
  const out = [];
  for (const card of document.querySelectorAll('#patch-panel .patch-channel')) {
    const box = card.getBoundingClientRect();
    if (box.left < panel.left - 1 || box.right > panel.right + 1) out.push(`card ${box.right}`);
    const scrolls = card.scrollWidth > card.clientWidth + 1;
    for (const table of card.querySelectorAll('.patch-mat')) {
      const t = table.getBoundingClientRect();
      // a table stays inside its card, or the card scrolls to it
      if ((t.right > box.right + 1 || t.left < box.left - 1) && !scrolls)
        out.push(`${table.dataset.role} ${t.left}-${t.right} outside ${box.left}-${box.right}`);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("kernel", [3, 5, 9])
def test_on_a_phone_every_table_of_the_arithmetic_can_be_read(browser: Any, live_server: str,
                                                              kernel: int) -> None:
    # 390 px: the products table used to run off the panel's edge, cut off and unreachable
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        layers = [conv_block(kernel=[kernel, kernel], maps=2, seed=7)]
        numbers = open_panel(page, page_url(live_server, layers, {
            "layer": 1, "map": 0, "step": 600, "flip": 0, "speed": 2, "playing": 0}))
        assert len(numbers["channels"]) == 3
        assert page.evaluate(CLIPPED) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        products = page.locator(f"{PANEL} .patch-channel [data-role='products']").first
        products.scroll_into_view_if_needed()
        box = products.bounding_box()
        assert box is not None and box["width"] > 0
    finally:
        context.close()
