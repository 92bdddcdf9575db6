"""``convscope render --state LINK`` (#15 §4): a page link renders the stack, colour mode and
photo the page shows, ``--colormap page`` uses the page's colours, and the input is also
written as one colour image."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from app.cli import main
from app.notebook import Convscope, encode_state
from app.page_state import blocks_to_api_layers, read_page_state
from app.settings import BUNDLED_SAMPLES

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
CONV = {"type": "conv", "kernel": [3, 3], "maps": 2, "stride": [2, 2], "padding": "same",
        "pad": [1, 1, 1, 1], "dilation": [1, 1], "activation": "relu", "pool": "max2",
        "source": "presets", "presets": ["sobel_x", "random"], "seed": 4, "weights": None,
        "bias": None}
PAGE_BLOCKS: list[dict[str, Any]] = [
    CONV,
    {**CONV, "kernel": [3, 2], "maps": 3, "stride": [1, 1], "padding": "custom",
     "pad": [0, 1, 2, 0], "activation": "none", "pool": "avg3", "source": "custom",
     "weights": [[[[1, 2], [3, 4]]], [[[0.5]]]], "bias": [0.25]},
    {**CONV, "maps": 4, "source": "random", "seed": 9, "pool": "none", "padding": "valid"},
    {"type": "dense", "units": 5, "seed": 2, "activation": "sigmoid"},
]


@pytest.fixture(autouse=True)
def small_working_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVSCOPE_WORKING_SIZE", "64")


def _link(state: dict[str, Any]) -> str:
    return f"http://127.0.0.1:8000/?s={encode_state(state)}"


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("channels", [1, 3])
def test_page_blocks_become_the_layers_the_page_sends(channels: int) -> None:
    script = ("import { apiLayers } from './static/js/request.js';"
              f"console.log(JSON.stringify(apiLayers({json.dumps(PAGE_BLOCKS)}, {channels})));")
    page = subprocess.run([str(NODE), "--input-type=module", "-e", script], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=60)
    assert blocks_to_api_layers(PAGE_BLOCKS, channels) == json.loads(page.stdout)


def test_a_page_link_renders_its_sample_stack_and_colour_mode(tmp_path: Path) -> None:
    link = _link({"image": {"sample": "chelsea"}, "color": "grey", "layers": PAGE_BLOCKS[:1]})
    assert main(["render", "--state", link, "-o", str(tmp_path)]) == 0
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert folders == ["layer_00_input", "layer_01_conv", "layer_02_maxpool"]
    geometry = json.loads((tmp_path / "layer_00_input" / "geometry.json").read_text())
    assert geometry["shape"][0] == 1 and geometry["image"]["name"] == "chelsea"
    assert len(list((tmp_path / "layer_01_conv").glob("map_*.png"))) == 2


def test_the_colour_input_is_one_image_as_the_network_sees_it(tmp_path: Path) -> None:
    link = _link({"image": {"sample": "chelsea"}, "layers": []})
    assert main(["render", "--state", link, "-o", str(tmp_path), "--scale", "2"]) == 0
    image = Image.open(tmp_path / "layer_00_input" / "image.png")
    assert image.mode == "RGB"
    source = Image.open(BUNDLED_SAMPLES / "chelsea.png").convert("RGB")
    source.thumbnail((64, 64), Image.Resampling.LANCZOS)
    assert image.size == (source.width * 2, source.height * 2)
    channels = [np.asarray(Image.open(tmp_path / "layer_00_input" / f"map_00{c}.png"))
                for c in range(3)]
    assert len(channels) == 3  # the channels are still there, one map each


def test_colormap_page_draws_zero_white_and_positive_red(tmp_path: Path) -> None:
    stack = [{"type": "conv", "filters": 1, "weights": {"preset": "sobel_x"},
              "activation": "relu"}]
    assert main(["render", str(BUNDLED_SAMPLES / "camera.png"), "--layers", json.dumps(stack),
                 "-o", str(tmp_path), "--colormap", "page"]) == 0
    rgb = np.asarray(Image.open(tmp_path / "layer_01_conv" / "map_000.png").convert("RGB"))
    values = rgb.reshape(-1, 3)
    assert (values == [255, 255, 255]).all(axis=1).any()  # the zeros of the ReLU
    assert (values == [110, 0, 30]).all(axis=1).any()  # the map's maximum, dark red


def test_a_link_with_api_layers_renders_as_the_api_computes(tmp_path: Path) -> None:
    layers = [{"type": "conv", "filters": 2, "weights": {"random": 3}, "padding": "same"},
              {"type": "relu"}]
    link = Convscope("http://x").page_url(layers, sample="coffee")
    assert main(["render", "--state", link, "-o", str(tmp_path)]) == 0
    assert (tmp_path / "layer_02_relu" / "map_001.png").exists()


def test_the_embed_snippet_s_link_works_with_its_escaped_ampersands() -> None:
    link = _link({"image": {"sample": "coffee"}, "layers": []}).replace("/?", "/embed?view=patch&")
    assert read_page_state(link.replace("&", "&amp;")).image == {"sample": "coffee"}


@pytest.mark.parametrize(("args", "needle"), [
    (["--state", "http://x/?view=patch"], "no s= parameter"),
    (["--state", "http://x/?s=%%%"], "not base64url"),
    (["--state", _link({"image": {"id": "ab" * 32}, "layers": []})], "pass the photo's file"),
    (["--state", _link({"image": {"sample": "zebra"}, "layers": []})], "not in the gallery"),
    (["--state", _link({"layers": [{"type": "conv", "maps": 1}]})], "not a page block"),
    (["--state", _link({"layers": []}), "--layers", "[]"], "exactly one of"),
    (["--layers", "[]"], "IMAGE is needed"),
])
def test_bad_links_exit_2_saying_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               args: list[str], needle: str) -> None:
    assert main(["render", *args, "-o", str(tmp_path)]) == 2
    assert needle in capsys.readouterr().err


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_python_and_the_page_agree_on_which_lists_are_api_layers() -> None:
    from app.page_state import is_api_layer_list
    cases: list[list[Any]] = [
        PAGE_BLOCKS, [], [{"type": "conv"}], [{"type": "conv", "stride": 2}],
        [{"type": "conv", "maps": 2, "stride": [2, 2]}], [{"type": "relu"}],
        [{"type": "conv", "weights": [[[[1]]]]}], [{**CONV, "source": "custom",
                                                    "weights": [[[[1]]]]}],
        [{"type": "conv", "padding": [1, 2]}], [{"type": "conv", "padding": "same"}],
        [{"type": "dense", "units": 3}], [{"type": "dense", "weights": {"random": 1}}],
        [{"type": "dense", "weights": {"random": 1}, "seed": 2}],
        [{"type": "conv", "stride": True}],
    ]
    script = ("import { isApiLayerList } from './static/js/state-layers.js';"
              f"console.log(JSON.stringify({json.dumps(cases)}.map(isApiLayerList)));")
    page = subprocess.run([str(NODE), "--input-type=module", "-e", script], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=60)
    assert [is_api_layer_list(c) for c in cases] == json.loads(page.stdout)
