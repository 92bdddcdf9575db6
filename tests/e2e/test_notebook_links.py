"""The page reads what app.notebook writes (#15 §5) and a teacher's gallery opens (§6), in
Chromium: a helper-built link opens the same stack the API computes, API-style layers the
page cannot draw are refused with a visible banner, and a gallery without the default sample
opens on its first image, whatever its file names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image

from app.notebook import Convscope, encode_state
from tests.servers import serve_app

from .conftest import page_state, settle

LAYERS: list[dict[str, Any]] = [
    {"type": "conv", "filters": 3, "kernel_size": [5, 3], "weights": {"random": 4},
     "stride": 2, "padding": "same"},
    {"type": "relu"},
    {"type": "avgpool", "size": 2},
    {"type": "conv", "filters": 2, "weights": {"presets": ["sobel_y", "random"], "seed": 2},
     "padding": [1, 0], "dilation": 2},
]


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("gallery")
    rng = np.random.default_rng(8)
    for name in ("a harbour at dusk.png", "zebra.png"):
        Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(folder / name)
    with serve_app({"CONVSCOPE_SAMPLES_DIR": str(folder)}) as url:
        yield url


def test_a_helper_link_opens_the_stack_the_api_computes(page: Any, live_server: str) -> None:
    scope = Convscope(live_server)
    page.goto(scope.page_url(LAYERS, sample="camera", selected=(3, 1)))
    settle(page)
    state = page_state(page)
    assert [b["type"] for b in state["layers"]] == ["conv", "conv"]
    assert state["selected"] == {"layer": 3, "map": 1}
    assert not page.locator("#state-notice").count()
    drawn = state["request"]["layers"]
    assert len(drawn) == 3  # the separate relu went into the first conv, as the API does it
    for ours, theirs in ((2, 3), (3, 4)):
        np.testing.assert_array_equal(
            scope.pyramid_maps(drawn, sample="camera", layer=ours),
            scope.pyramid_maps(LAYERS, sample="camera", layer=theirs))
    assert [h["shape"] for h in state["header"]["layers"][1:]] == [
        [3, 256, 256], [3, 128, 128], [2, 126, 124]]


def test_a_helper_embed_link_shows_its_layer(page: Any, live_server: str) -> None:
    url = Convscope(live_server).embed_url(LAYERS, sample="camera", view="layer", layer=3,
                                           controls="locked")
    page.goto(url)
    page.wait_for_selector('#embed-root[data-status="ready"]', state="attached",
                           timeout=20_000)
    assert page_state(page)["layers"][1]["presets"][:2] == ["sobel_y", "random"]


def test_api_layers_the_page_cannot_draw_are_refused_visibly(page: Any,
                                                             live_server: str) -> None:
    state = {"image": {"sample": "camera"}, "layers": [
        {"type": "conv", "filters": 2, "weights": {"random": 1}},
        {"type": "maxpool", "size": 5}]}
    page.goto(f"{live_server}/?s={encode_state(state)}")
    notice = page.locator("#state-notice")
    notice.wait_for(timeout=10_000)
    text = notice.inner_text()
    assert "layer 2 (maxpool): maxpool size 5" in text and "default view" in text
    settle(page)
    assert notice.bounding_box()["y"] < 100  # at the top, where it is seen
    notice.get_by_role("button", name="Dismiss").click()
    assert not notice.count()


def test_a_gallery_without_the_default_opens_on_its_first_image(page: Any,
                                                                gallery: str) -> None:
    page.goto(gallery)
    settle(page)
    state = page_state(page)
    assert state["image"] == {"sample": "a harbour at dusk"}
    assert state["header"]["image"]["width"] == 64
    assert not page.locator(".status-line.error").count()


def test_a_file_name_with_spaces_works_in_a_link_and_an_embed(page: Any, gallery: str) -> None:
    scope = Convscope(gallery)
    layers = [{"type": "conv", "filters": 2, "weights": {"random": 3}, "padding": "same"}]
    page.goto(scope.page_url(layers, sample="a harbour at dusk"))
    settle(page)
    assert page_state(page)["image"] == {"sample": "a harbour at dusk"}
    page.goto(scope.embed_url(layers, sample="zebra", view="pyramid"))
    page.wait_for_selector('#embed-root[data-status="ready"]', state="attached",
                           timeout=20_000)
    assert page_state(page)["header"]["image"]["name"] == "zebra"
