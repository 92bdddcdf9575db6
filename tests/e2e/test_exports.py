"""Exports from the page in real Chromium: what the buttons download is what the engine
computes (PNG pixels through the same colour map, ``.npy`` values exactly), the GIFs are
animated, "Copy as PyTorch" gives code that reproduces the maps with torch, and a server
refusal is shown in plain words.

The engine runs in this process on the server's working image with the layers the page
sent, so a page that asked for the wrong layer, map, colours or scale fails.
"""

from __future__ import annotations

import io
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from app import engine
from app.export.colormap import colorize
from app.export.figures import layer_png_size
from app.schemas import PyramidRequest, to_engine_layers

from .conftest import poll, settle

pytestmark = pytest.mark.e2e


def engine_maps(page: Any, base: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """(input, every layer's output) of the page's drawn pyramid, computed here."""
    request = page.evaluate("() => window.__convscope.store.getState().pyramid.request")
    layers = to_engine_layers(PyramidRequest.model_validate(request).layers)
    with urllib.request.urlopen(f"{base}/api/samples/astronaut.png") as response:
        pixels = np.asarray(Image.open(io.BytesIO(response.read())))
    x = np.ascontiguousarray(np.moveaxis(pixels, 2, 0).astype(np.float32) / 255)
    _, outputs = engine.run_stack(x, layers)
    return x, [np.asarray(o) for o in outputs]


def download(page: Any, button: Any, tmp_path: Path) -> tuple[str, bytes]:
    """Click ``button`` and return the suggested file name and the bytes it downloads."""
    with page.expect_download() as info:
        button.click()
    dl = info.value
    target = tmp_path / dl.suggested_filename
    dl.save_as(target)
    return dl.suggested_filename, target.read_bytes()


def exports_panel(page: Any) -> Any:
    return page.locator("#exports")


def select_map(page: Any, layer: int, map_: int) -> None:
    page.locator(f'#pyramid .tile[data-layer="{layer}"][data-map="{map_}"]').click()
    poll(page, f"() => {{ const s = window.__convscope.store.getState().selected;"
               f" return s.layer === {layer} && s.map === {map_}; }}")


def test_map_png_is_the_engines_map_in_the_pages_colours(
        loaded_page: Any, live_server: str, tmp_path: Path) -> None:
    page = loaded_page
    select_map(page, 2, 3)
    assert "Layer 2 · 256 × 256 × 8" in exports_panel(page).inner_text()
    name, data = download(page, page.get_by_role("button", name="Download this map as PNG"),
                          tmp_path)
    assert name == "convscope-layer2-map3.png"
    png = Image.open(io.BytesIO(data))
    assert png.format == "PNG" and png.mode == "RGB"
    _, outputs = engine_maps(page, live_server)
    values = outputs[1][3]  # layer 2 (256 x 256), map 4: each cell drawn 2 x 2 pixels
    expected = np.repeat(np.repeat(colorize(values, colormap="diverging"), 2, axis=0), 2, axis=1)
    pixels = np.asarray(png)
    assert pixels.shape == (512, 512, 3)
    np.testing.assert_array_equal(pixels, expected)
    # white = 0, as on the page: the map is ReLU'd, its zeros near-white, its maximum red
    low = np.unravel_index(np.argmin(values), values.shape)
    high = np.unravel_index(np.argmax(values), values.shape)
    assert values[low] == 0 and pixels[low[0] * 2, low[1] * 2].min() >= 240
    red, green, _ = pixels[high[0] * 2, high[1] * 2].astype(int)
    assert red > 150 and green < 60
    status = exports_panel(page).get_by_role("status")
    poll(page, "() => document.querySelector('#exports .export-status').dataset.state === 'done'")
    assert "Saved convscope-layer2-map3.png" in status.inner_text()


def test_layer_png_is_every_map_in_a_grid(loaded_page: Any, live_server: str,
                                          tmp_path: Path) -> None:
    page = loaded_page
    select_map(page, 1, 0)
    _, data = download(page, page.get_by_role("button", name="Download the whole layer as PNG"),
                       tmp_path)
    png = Image.open(io.BytesIO(data))
    _, outputs = engine_maps(page, live_server)
    layer = outputs[0]
    assert png.size == layer_png_size(layer.shape, scale=1)
    pixels = np.asarray(png)
    # the second map sits right of the first, after a 2-pixel gap
    w = layer.shape[2]
    np.testing.assert_array_equal(pixels[:w, w + 2:2 * w + 2], colorize(layer[1],
                                                                         colormap="diverging"))


def test_npy_downloads_are_the_engines_numbers_exactly(
        loaded_page: Any, live_server: str, tmp_path: Path) -> None:
    page = loaded_page
    select_map(page, 3, 5)
    _, outputs = engine_maps(page, live_server)
    _, one = download(page, page.get_by_role("button", name="Download this map's numbers as .npy"),
                      tmp_path)
    values = np.load(io.BytesIO(one), allow_pickle=False)
    assert values.dtype == np.float32 and values.shape == (128, 128)
    np.testing.assert_array_equal(values, outputs[2][5])
    name, whole = download(page, page.get_by_role(
        "button", name="Download the whole layer's numbers as .npy"), tmp_path)
    assert name == "convscope-layer3-all.npy"
    np.testing.assert_array_equal(np.load(io.BytesIO(whole), allow_pickle=False), outputs[2])


def test_patch_and_grid_gifs_are_animated(loaded_page: Any, tmp_path: Path) -> None:
    page = loaded_page
    panel = page.locator("#patch-panel")
    panel.scroll_into_view_if_needed()
    poll(page, "() => window.__convscopePatch && window.__convscopePatch.steps > 0")
    name, data = download(page, panel.get_by_role("button", name="Download as GIF"), tmp_path)
    assert name == "convscope-layer1-map0-sliding.gif"
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF" and gif.is_animated and gif.n_frames > 1
    grid = page.locator("#grid-mode")
    grid.scroll_into_view_if_needed()
    _, data = download(page, grid.get_by_role("button", name="Download as GIF"), tmp_path)
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF" and gif.is_animated and gif.n_frames > 1


def test_copy_as_pytorch_gives_code_that_reproduces_the_maps(
        loaded_page: Any, live_server: str) -> None:
    torch = pytest.importorskip("torch")
    page = loaded_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.get_by_role("button", name="Copy as PyTorch").click()
    dialog = page.get_by_role("dialog", name="This stack in PyTorch")
    poll(page, "() => document.querySelector('.pytorch-dialog .export-status')"
               ".dataset.state === 'done'")
    assert "Copied to the clipboard." in dialog.inner_text()
    code = dialog.get_by_label("PyTorch code").input_value()
    assert page.evaluate("() => navigator.clipboard.readText()") == code
    namespace: dict[str, Any] = {}
    exec(compile(code, "convscope_stack.py", "exec"), namespace)  # the server's own export
    x, outputs = engine_maps(page, live_server)
    model = namespace["build_model"]()
    with torch.no_grad():
        maps = namespace["feature_maps"](model, torch.from_numpy(x)[None])
    assert len(maps) == len(outputs)
    for ours, theirs in zip(outputs, maps, strict=True):
        got = theirs[0].numpy()
        assert got.shape == ours.shape
        np.testing.assert_allclose(got, ours, rtol=1e-4, atol=1e-4)
    dialog.get_by_role("button", name="Close").click()
    assert not dialog.is_visible()


def test_a_refused_export_says_why_in_plain_words(loaded_page: Any) -> None:
    page = loaded_page
    page.route("**/api/export/png", lambda route: route.fulfill(
        status=422, content_type="application/json",
        body='{"detail": [{"loc": ["body", "scale"], "field": "scale", '
             '"msg": "scale: 40 is over the limit of 32", "type": "less_than_equal"}]}'))
    page.get_by_role("button", name="Download this map as PNG").click()
    poll(page, "() => document.querySelector('#exports .export-status').dataset.state === 'error'")
    text = page.locator("#exports .export-status").inner_text()
    assert text == "Could not export: scale: 40 is over the limit of 32"
    assert page.get_by_role("button", name="Download this map as PNG").is_enabled()
    settle(page)
