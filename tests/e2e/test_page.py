"""The page in real Chromium: what it draws is the engine's output, the controls say what they
are, impossible settings are explained before the server is asked, and the URL holds the view.

The engine runs in this process on the server's working image (``GET /api/images/{id}``) with
layers built here by hand from what the test clicked, so a page that sent the wrong request or
drew the wrong pixels fails.
"""

from __future__ import annotations

import io
import json
import math
import re
import time
import urllib.request
from typing import Any

import numpy as np
import pytest
from PIL import Image

from app.engine import Conv, Layer, PresetWeights, RandomWeights, run_stack
from app.services.encoding import block_mean, quantise

from .conftest import page_state, settle

DEFAULT_SHAPES = ["512 × 512 × 3", "512 × 512 × 4", "256 × 256 × 8", "128 × 128 × 16",
                  "64 × 64 × 16", "1 × 1 × 10"]


def test_png(width: int = 40, height: int = 30) -> bytes:
    """A small RGB test picture: gradients, a bright square, a dark bar."""
    yy, xx = np.mgrid[0:height, 0:width]
    rgb = np.stack([xx * 255 // (width - 1), yy * 255 // (height - 1),
                    ((xx + yy) % 7) * 36], axis=-1).astype(np.uint8)
    rgb[5:15, 8:20] = 255
    rgb[20:24, :] = 10
    out = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(out, format="PNG")
    return out.getvalue()


test_png.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def working_image(base: str, image_id: str) -> np.ndarray:
    """The server's working image as the network sees it: (C, H, W) float32 in [0, 1]."""
    with urllib.request.urlopen(f"{base}/api/images/{image_id}") as response:
        pixels = np.asarray(Image.open(io.BytesIO(response.read())))
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    return np.ascontiguousarray(np.moveaxis(pixels, 2, 0).astype(np.float32) / 255)


def upload(page: Any) -> str:
    """Upload the test PNG through the file picker; returns the image id once drawn."""
    page.set_input_files("#file", files=[{"name": "test.png", "mimeType": "image/png",
                                          "buffer": test_png()}])
    page.wait_for_selector('#pyramid .pyr-row[data-layer="0"] .row-shape >> text="40 × 30 × 3"')
    settle(page)
    image_id: str = page_state(page)["image"]["id"]
    return image_id


def layer1(page: Any) -> Any:
    return page.get_by_role("group", name="Layer 1", exact=True)


def row_shapes(page: Any) -> list[str]:
    shapes: list[str] = page.locator("#pyramid .pyr-row .row-shape").all_inner_texts()
    return shapes


def canvas_pixels(page: Any, selector: str) -> np.ndarray:
    data = page.evaluate("""(sel) => { const c = document.querySelector(sel);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return { w: c.width, h: c.height, data: Array.from(d) }; }""", selector)
    return np.array(data["data"], dtype=np.int32).reshape(data["h"], data["w"], 4)


def page_lut(page: Any, kind: str) -> np.ndarray:
    lut = page.evaluate("""(kind) => import('/static/js/colormap.js')
        .then((m) => Array.from(m.createColormaps()[kind]))""", kind)
    return np.array(lut, dtype=np.int32).reshape(-1, 4)


def expected_tile(page: Any, out: np.ndarray, header_layer: dict[str, Any]) -> np.ndarray:
    """RGBA the page should draw for one map: preview mean, uint8 quantisation, per-map scale."""
    factor = header_layer["factor"]
    lo, hi = np.float32(out.min()), np.float32(out.max())
    q = quantise(block_mean(out[None], factor), lows=np.array([lo]), highs=np.array([hi]))[0]
    lo64, hi64 = float(lo), float(hi)
    if lo64 < 0:
        a = max(abs(lo64), abs(hi64)) or 1.0
        kind, s_lo, s_hi = "diverging", -a, a
    else:
        kind, s_lo, s_hi = "sequential", 0.0, hi64 if hi64 > 0 else 1.0
    value = lo64 + q.astype(np.float64) * (hi64 - lo64) / 255
    t = np.clip((value - s_lo) / (s_hi - s_lo), 0, 1)
    index = np.floor(t * 255 + 0.5).astype(np.int64)  # JS Math.round
    rgba: np.ndarray = page_lut(page, kind)[index]
    return rgba


def assert_tiles_match_engine(page: Any, layer: int, outputs: np.ndarray) -> None:
    header = page_state(page)["header"]
    hl = header["layers"][layer]
    for k in range(outputs.shape[0]):
        out = outputs[k]
        assert hl["maps"][k]["min"] == pytest.approx(float(out.min()), rel=1e-6, abs=1e-7)
        assert hl["maps"][k]["max"] == pytest.approx(float(out.max()), rel=1e-6, abs=1e-7)
        drawn = canvas_pixels(page, f'#pyramid .tile[data-layer="{layer}"][data-map="{k}"] canvas')
        want = expected_tile(page, out, hl)
        assert drawn.shape == want.shape
        diff = np.abs(drawn - want)
        assert diff.max() <= 6, f"map {k}: worst pixel off by {diff.max()}"
        assert (diff.max(axis=-1) > 0).mean() < 0.02, f"map {k}: too many pixels differ"


def test_the_default_pyramid_shows_every_map_with_its_shape(loaded_page: Any) -> None:
    page = loaded_page
    assert row_shapes(page) == DEFAULT_SHAPES
    for layer, maps in enumerate([3, 4, 8, 16, 16, 10]):
        tiles = page.locator(f'#pyramid .tile[data-layer="{layer}"]:not([data-map="-1"])')
        assert tiles.count() == maps
    names = page.locator("#pyramid .row-name").all_inner_texts()
    # one numbering (issue 15 §3): the pool after layer 3 is layer 4, as layer=4 selects it
    assert names == ["Input", "Layer 1", "Layer 2", "Layer 3", "Layer 4 · pool",
                     "Layer 5 · classifier"]
    texts = page.locator("#pyramid .row-text").all_inner_texts()
    assert texts[1] == "conv 3×3, same padding, ReLU"
    assert texts[4] == "max pool 2×2, stride 2"
    geometry = " ".join(page.locator("#geometry").inner_text().split())
    assert "floor((512 + 1 + 1 - 1*(3 - 1) - 1) / 1) + 1 = 512" in geometry
    assert "112" in geometry and "parameters" in geometry
    metrics = page.evaluate("() => ({ n: window.__convscope.renderCount, "
                            "b: window.__convscope.bytesLastUpdate })")
    assert metrics["n"] >= 1
    assert 0 < metrics["b"] < 2 * 1024 * 1024


def test_controls_are_labelled_groups_named_after_their_layer(loaded_page: Any) -> None:
    page = loaded_page
    for name in ("Layer 1", "Layer 2", "Layer 3, then its pool: Layer 4"):
        group = page.get_by_role("group", name=name, exact=True)
        assert group.count() == 1
        for label in ("Kernel size", "Feature maps", "Stride", "Padding", "Dilation",
                      "Activation", "Pooling", "Kernels"):
            assert group.get_by_label(label, exact=True).count() == 1, (name, label)
    classifier = page.get_by_role("group", name="Layer 5", exact=True)
    assert classifier.get_by_label("Units", exact=True).count() == 1
    unnamed = page.evaluate("""() => [...document.querySelectorAll(
        '#image-panel input, #image-panel select, #image-panel button, #stack input, '
        + '#stack select, #stack button, #pyramid-panel input, #inspector button')]
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
        && !el.textContent.trim() && !el.closest('label'))
      .map((el) => el.outerHTML.slice(0, 80))""")
    assert unnamed == []


def test_uploaded_png_is_drawn_exactly_as_the_engine_computes_it(page: Any,
                                                                  live_server: str) -> None:
    page.goto(f"{live_server}/")
    settle(page)
    image_id = upload(page)
    group = layer1(page)
    group.get_by_label("Kernels", exact=True).select_option("random")
    group.get_by_label("Random seed", exact=True).fill("5")
    group.get_by_label("Feature maps", exact=True).fill("2")
    group.get_by_label("Stride", exact=True).select_option("2x2")
    group.get_by_label("Padding", exact=True).select_option("valid")
    settle(page)
    assert row_shapes(page)[:2] == ["40 × 30 × 3", "19 × 14 × 2"]
    x = working_image(live_server, image_id)
    layers: list[Layer] = [Conv(weights=RandomWeights(5), maps=2, kernel_size=(3, 3), stride=2,
                                padding="valid", activation="relu")]
    _, outputs = run_stack(x, layers)
    assert_tiles_match_engine(page, 1, outputs[0])

    # the kernel: presets at 3x3 with full padding
    group.get_by_label("Kernels", exact=True).select_option("presets")
    group.get_by_label("Map 1 kernel", exact=True).select_option("sobel_x")
    group.get_by_label("Map 2 kernel", exact=True).select_option("laplacian")
    group.get_by_label("Stride", exact=True).select_option("1x1")
    group.get_by_label("Padding", exact=True).select_option("full")
    group.get_by_label("Activation", exact=True).select_option("none")
    settle(page)
    assert row_shapes(page)[:2] == ["40 × 30 × 3", "42 × 32 × 2"]
    layers = [Conv(weights=PresetWeights(("sobel_x", "laplacian"), seed=5), maps=2,
                   kernel_size=(3, 3), padding="full")]
    _, outputs = run_stack(x, layers)
    assert outputs[0].min() < 0  # signed: drawn with the diverging map
    assert_tiles_match_engine(page, 1, outputs[0])
    geometry = " ".join(page.locator("#geometry").inner_text().split())
    assert "floor((30 + 2 + 2 - 1*(3 - 1) - 1) / 1) + 1 = 32" in geometry


def test_tiles_smaller_than_their_maps_show_the_engines_block_means(
        page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/")
    settle(page)
    page.set_input_files("#file", files=[{"name": "wide.png", "mimeType": "image/png",
                                          "buffer": test_png(400, 300)}])
    page.wait_for_selector('#pyramid .pyr-row[data-layer="0"] .row-shape >> text="400 × 300 × 3"')
    settle(page)
    image_id: str = page_state(page)["image"]["id"]
    group = layer1(page)
    group.get_by_label("Kernels", exact=True).select_option("random")
    group.get_by_label("Random seed", exact=True).fill("5")
    group.get_by_label("Feature maps", exact=True).fill("2")
    settle(page)
    state = page_state(page)
    assert row_shapes(page)[:2] == ["400 × 300 × 3", "400 × 300 × 2"]
    # asked for the size drawn: reduced by the largest block that leaves it no smaller than
    # the canvas on screen (400 is the long side)
    hl = state["header"]["layers"][1]
    width = page.evaluate("""() => document.querySelector(
        '#pyramid .tile[data-layer="1"][data-map="0"] canvas').clientWidth * devicePixelRatio""")
    assert hl["factor"] > 1
    assert state["request"]["preview"][1] == hl["preview_shape"][1] >= width
    assert math.ceil(400 / (hl["factor"] + 1)) < width
    x = working_image(live_server, image_id)
    layers: list[Layer] = [Conv(weights=RandomWeights(5), maps=2, kernel_size=(3, 3),
                                padding="same", activation="relu")]
    _, outputs = run_stack(x, layers)
    assert_tiles_match_engine(page, 1, outputs[0])


def test_hover_shows_the_exact_value_and_the_receptive_field(page: Any,
                                                            live_server: str) -> None:
    page.goto(f"{live_server}/")
    settle(page)
    image_id = upload(page)
    group = layer1(page)
    group.get_by_label("Kernels", exact=True).select_option("random")
    group.get_by_label("Random seed", exact=True).fill("9")
    group.get_by_label("Stride", exact=True).select_option("2x2")
    settle(page)
    page.locator('#pyramid .tile[data-layer="2"][data-map="3"]').click()
    page.wait_for_selector('#inspector .insp-canvas[data-exact="1"]')
    state = page_state(page)
    assert state["selected"] == {"layer": 2, "map": 3}
    x = working_image(live_server, image_id)
    layers: list[Layer] = [
        Conv(weights=RandomWeights(9), maps=4, kernel_size=(3, 3), stride=2, padding="same",
             activation="relu"),
        Conv(weights=RandomWeights(1), maps=8, kernel_size=(3, 3), stride=2, padding="same",
             activation="relu")]
    planned, outputs = run_stack(x, layers)
    out = outputs[1][3]
    box = page.locator("#inspector .insp-canvas").bounding_box()
    h, w = out.shape
    for i, j in [(2, 3), (h - 1, 0)]:
        page.mouse.move(box["x"] + (j + 0.5) * box["width"] / w,
                        box["y"] + (i + 0.5) * box["height"] / h)
        readout = page.locator('#inspector .readout[data-exact="1"]')
        text = readout.inner_text()
        assert f"row {i + 1}, column {j + 1}:" in text  # counted from 1, as everywhere
        shown = re.search(r"column \d+: (\S+) \(exact float32\)", text)
        assert shown, text
        assert np.float32(float(shown.group(1))) == out[i, j]
        geo = planned[1].geometry
        top = max(geo.origin[0] + i * geo.jump[0], 0)
        left = max(geo.origin[1] + j * geo.jump[1], 0)
        bottom = min(geo.origin[0] + i * geo.jump[0] + geo.receptive_field[0] - 1, 29)
        right = min(geo.origin[1] + j * geo.jump[1] + geo.receptive_field[1] - 1, 39)
        rf = page.locator("#inspector .rf-text").inner_text()
        # counted from 1, as the hover and the animation count
        assert f"Rows {top + 1}–{bottom + 1}, columns {left + 1}–{right + 1}" in rf
        # outlined on every layer below, in the pyramid
        assert page.locator('#pyramid .tile[data-layer="0"] .rf-box:not([hidden])').count() == 4
        assert page.locator('#pyramid .tile[data-layer="1"] .rf-box:not([hidden])').count() == 4


def test_the_url_brings_back_the_same_view_after_a_reload(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/")
    settle(page)
    upload(page)
    group = page.get_by_role("group", name="Layer 2", exact=True)
    group.get_by_label("Kernel size", exact=True).select_option("5x3")
    group.get_by_label("Dilation", exact=True).select_option("2x2")
    group.get_by_label("Padding", exact=True).select_option("custom")
    group.get_by_label("Pad right", exact=True).fill("3")
    page.get_by_role("radio", name="per layer").check()
    settle(page)
    page.locator('#pyramid .tile[data-layer="2"][data-map="5"]').click()
    time.sleep(0.4)  # the URL is written 150 ms after the last change
    before = page_state(page)
    shapes = row_shapes(page)
    assert "s=" in page.url
    page.reload()
    settle(page)
    after = page_state(page)
    for key in ("layers", "selected", "image", "color", "scale"):
        assert after[key] == before[key], key
    assert row_shapes(page) == shapes
    group = page.get_by_role("group", name="Layer 2", exact=True)
    assert group.get_by_label("Kernel size", exact=True).input_value() == "5x3"
    assert group.get_by_label("Pad right", exact=True).input_value() == "3"
    assert page.locator('#pyramid .tile.selected[data-layer="2"][data-map="5"]').count() == 1


def test_a_lost_upload_is_uploaded_again_from_the_browser(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/")
    settle(page)
    image_id = upload(page)
    kept = """() => new Promise((resolve) => {
        const req = indexedDB.open('convscope', 1);
        req.onerror = () => resolve(0);
        req.onsuccess = () => {
          const count = req.result.transaction('images').objectStore('images').count();
          count.onsuccess = () => resolve(count.result);
        }; })"""
    deadline = time.monotonic() + 10
    while page.evaluate(kept) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # the URL is written 150 ms after the last change
    page.reload()  # the original now only lives in IndexedDB
    settle(page)
    lost = {"count": 0}
    uploads: list[str] = []

    def forget_once(route: Any) -> None:
        if lost["count"] == 0:
            lost["count"] += 1
            route.fulfill(status=404, content_type="application/json", body=json.dumps(
                {"error": {"code": "unknown_image", "message": "unknown image id",
                           "field": "image.id", "value": image_id, "limit": None}}))
        else:
            route.continue_()

    page.route("**/api/pyramid", forget_once)
    page.on("request", lambda r: uploads.append(r.url) if r.url.endswith("/api/images") else None)
    layer1(page).get_by_label("Feature maps", exact=True).fill("3")
    settle(page)
    assert lost["count"] == 1
    assert len(uploads) == 1
    assert row_shapes(page)[1] == "40 × 30 × 3"


def test_an_impossible_setting_is_explained_before_asking_the_server(page: Any,
                                                                     live_server: str) -> None:
    page.goto(f"{live_server}/")
    settle(page)
    upload(page)
    layer2 = page.get_by_role("group", name="Layer 2", exact=True)
    layer2.get_by_label("Padding", exact=True).select_option("valid")
    layer2.get_by_label("Kernel size", exact=True).select_option("5x5")
    settle(page)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/api/pyramid") else None)
    layer1(page).get_by_label("Stride", exact=True).select_option("8x8")
    settle(page, status="invalid")
    # the status is set when the check runs; the editor writes the explanation in its next
    # frame, so wait for the text itself
    error = layer2.locator(".block-error:not(:empty)")
    error.wait_for(state="visible", timeout=10_000)
    message = error.inner_text()
    assert "floor((4 + 0 + 0 - 1*(5 - 1) - 1) / 2) + 1 = 0" in message
    assert "larger than the padded input height 4" in message
    assert page.locator("#problem").inner_text().startswith("Layer 2 cannot work")
    assert asked == []
    # options that would empty a layer are disabled and say so
    option = layer2.get_by_label("Kernel size", exact=True).locator('option[value="7x7"]')
    assert option.is_disabled()
    assert "output would be empty" in (option.get_attribute("title") or "")
    layer1(page).get_by_label("Stride", exact=True).select_option("2x2")
    settle(page)
    assert layer2.locator(".block-error").is_hidden()


def test_keyboard_reorders_layers_and_walks_the_maps(loaded_page: Any) -> None:
    page = loaded_page
    page.get_by_role("group", name="Layer 2", exact=True).get_by_label(
        "Feature maps", exact=True).focus()
    page.keyboard.press("Alt+ArrowUp")
    settle(page)
    assert page_state(page)["layers"][0]["maps"] == 8
    assert row_shapes(page)[1:3] == ["256 × 256 × 8", "256 × 256 × 4"]
    page.locator('#pyramid .tile[data-layer="1"][data-map="0"]').click()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")
    assert page_state(page)["selected"] == {"layer": 2, "map": 2}
    page.get_by_role("button", name="Add a conv layer").click()
    settle(page)
    # the new block comes after layer 3 and its pool (layer 4): it is layer 5
    assert page.get_by_role("group", name="Layer 5", exact=True).get_by_label(
        "Feature maps", exact=True).input_value() == "32"
    page.get_by_role("button", name="Remove Layer 5").click()
    settle(page)
    assert len(page_state(page)["layers"]) == 4


def test_a_hand_typed_weight_changes_exactly_that_kernel(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/")
    settle(page)
    image_id = upload(page)
    group = layer1(page)
    group.get_by_text("Type the kernel weights by hand").click()
    group.get_by_label("Map to edit", exact=True).select_option("0")
    group.get_by_label("Input channel", exact=True).select_option("1")
    cell = group.get_by_label("Weight row 2, column 3", exact=True)
    assert cell.input_value() == "0.6667"  # sobel_x / 3 channels, 4 digits shown
    assert cell.get_attribute("title") == "exactly 0.6666667"
    cell.fill("-1.25")
    group.get_by_label("Bias", exact=True).fill("0.5")
    settle(page)
    state = page_state(page)
    block = state["layers"][0]
    assert block["source"] == "custom"
    weights = np.array(block["weights"], dtype=np.float32)
    assert weights.shape == (4, 3, 3, 3)
    assert weights[0, 1, 1, 2] == np.float32(-1.25)
    assert weights[0, 0, 1, 2] == np.float32(2 / 3)  # the other channels keep the preset
    assert block["bias"][0] == 0.5
    header_weights = np.array(state["header"]["layers"][1]["weights"], dtype=np.float32)
    np.testing.assert_array_equal(header_weights, weights)
    x = working_image(live_server, image_id)
    layers: list[Layer] = [Conv(weights=weights, bias=np.array(block["bias"], np.float32),
                                padding="same", activation="relu")]
    _, outputs = run_stack(x, layers)
    assert_tiles_match_engine(page, 1, outputs[0])


def test_paste_and_drop_upload_an_image(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/")
    settle(page)
    send = """([kind, bytes]) => {
        const file = new File([new Uint8Array(bytes)], 'clip.png', { type: 'image/png' });
        const dt = new DataTransfer();
        dt.items.add(file);
        if (kind === 'paste') {
          document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
        } else {
          document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true,
                                                         cancelable: true }));
        }
    }"""
    page.evaluate(send, ["paste", list(test_png(24, 16))])
    page.wait_for_selector('#pyramid .pyr-row[data-layer="0"] .row-shape >> text="24 × 16 × 3"')
    settle(page)
    page.evaluate(send, ["drop", list(test_png(20, 12))])
    page.wait_for_selector('#pyramid .pyr-row[data-layer="0"] .row-shape >> text="20 × 12 × 3"')
    settle(page)
    assert "20 × 12 pixels" in page.locator("#working-size").inner_text()
