"""app.notebook (#15 §5): the links it builds carry the exact page state, and its API calls
give the engine's numbers, against the real app under uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from app import engine
from app.imaging import decode_upload
from app.notebook import Convscope, ConvscopeError, encode_state, page_state, read_state
from app.schemas import LayerSpec, to_engine_layers
from app.services.container import image_limits
from app.services.images import as_tensor, make_image
from app.settings import BUNDLED_SAMPLES, Settings
from tests.servers import serve_app

LAYERS: list[dict[str, Any]] = [
    {"type": "conv", "filters": 3, "kernel_size": 3, "weights": {"random": 5}, "stride": 2,
     "padding": "same", "activation": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "conv", "filters": 2, "weights": {"presets": ["sobel_x", "laplacian"]},
     "padding": "valid"},
]


@pytest.fixture(scope="module")
def scope() -> Iterator[Convscope]:
    with serve_app() as url:
        yield Convscope(url)


def _specs(layers: list[dict[str, Any]]) -> list[LayerSpec]:
    from pydantic import TypeAdapter

    from app.schemas import Layers
    specs: list[LayerSpec] = TypeAdapter(Layers).validate_python(layers)
    return specs


def test_convolve_gives_the_engine_outputs_as_float32_arrays(scope: Convscope) -> None:
    x = np.random.default_rng(11).random((1, 16, 14)).astype(np.float32)
    results = scope.convolve(x, LAYERS)
    _, outputs = engine.run_stack(x, to_engine_layers(_specs(LAYERS)))
    assert len(results) == 3
    for result, expected in zip(results, outputs, strict=True):
        assert result.output.dtype == np.float32
        np.testing.assert_array_equal(result.output, expected)
        assert result.geometry["shape"] == list(expected.shape)
    assert results[0].geometry["padding"] == [0, 1, 0, 1]


def test_a_2d_input_and_a_2d_kernel_work_together(scope: Convscope) -> None:
    x = np.arange(25, dtype=np.float32).reshape(5, 5)
    [result] = scope.convolve(x, [{"type": "conv", "weights": [[1, 0], [0, -1]]}])
    np.testing.assert_array_equal(result.output[0], x[:-1, :-1] - x[1:, 1:])


def test_pyramid_maps_are_the_engine_maps_of_the_sample(scope: Convscope) -> None:
    maps = scope.pyramid_maps(LAYERS, sample="camera", layer=3)
    data = (BUNDLED_SAMPLES / "camera.png").read_bytes()
    image = make_image(decode_upload(data, limits=image_limits(Settings())).pixels, name="c")
    _, outputs = engine.run_stack(as_tensor(image, color="auto"),
                                  to_engine_layers(_specs(LAYERS)))
    np.testing.assert_array_equal(maps, outputs[2])
    one = scope.pyramid_maps(LAYERS, sample="camera", layer=1, maps=[2])
    np.testing.assert_array_equal(one, outputs[0][2:3])


def test_server_refusals_come_back_with_the_servers_message(scope: Convscope) -> None:
    with pytest.raises(ConvscopeError) as caught:
        scope.pyramid_maps([{"type": "conv", "kernel_size": 15, "stride": 8}] * 3,
                           sample="camera", layer=1)  # 512 -> 63 -> 7 < 15
    assert caught.value.status == 422 and "kernel" in caught.value.message
    with pytest.raises(ConvscopeError) as missing:
        scope.pyramid_maps(LAYERS, sample="no such photo", layer=1)
    assert missing.value.status == 404 and "camera" in missing.value.message


def test_layers_are_checked_before_any_request() -> None:
    offline = Convscope("http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(ConvscopeError) as caught:
        offline.convolve([[1.0]], [{"type": "conv", "strides": 2}])
    assert caught.value.status == 422 and "strides" in caught.value.message


def test_page_and_embed_urls_hold_the_state_they_were_built_from() -> None:
    scope = Convscope("http://example.test:8000/")
    page = scope.page_url(LAYERS, sample="my photo", color="grey", selected=(3, 1))
    assert page.startswith("http://example.test:8000/?s=")
    state = read_state(page)
    assert state == page_state(LAYERS, sample="my photo", color="grey", selected=(3, 1))
    assert state["layers"] == LAYERS and state["image"] == {"sample": "my photo"}
    embed = scope.embed_url(LAYERS, view="patch", layer=1, map=2, controls="locked",
                            origin="https://course.example.edu", sample="camera")
    assert embed.startswith("http://example.test:8000/embed?view=patch&layer=1&map=2"
                            "&controls=locked&origin=https%3A%2F%2Fcourse.example.edu&s=")
    assert read_state(embed.replace("&", "&amp;"))["image"] == {"sample": "camera"}


def test_state_encoding_is_unpadded_base64url_of_json() -> None:
    value = encode_state({"image": {"sample": "café ??>"}})
    assert "=" not in value and "+" not in value and "/" not in value
    assert read_state(f"http://x/?s={value}") == {"image": {"sample": "café ??>"}}


def test_an_uploaded_image_goes_in_the_state_with_its_size() -> None:
    image = {"id": "ab" * 32, "width": 30, "height": 20, "channels": 1, "name": "x.png"}
    assert page_state(LAYERS, image=image)["image"] == image
    with pytest.raises(ValueError, match="not both"):
        page_state(LAYERS, image=image, sample="camera")


def test_a_copied_page_link_gives_back_api_layers_that_run() -> None:
    from app.notebook import layers_of_link
    blocks = [{"type": "conv", "kernel": [3, 3], "maps": 2, "stride": [2, 2],
               "padding": "same", "pad": [1, 1, 1, 1], "dilation": [1, 1],
               "activation": "relu", "pool": "max2", "source": "random", "presets": [],
               "seed": 5, "weights": None, "bias": None},
              {"type": "dense", "units": 3, "seed": 1, "activation": "none"}]
    link = f"http://x/?s={encode_state({'image': {'sample': 'camera'}, 'layers': blocks})}"
    layers = layers_of_link(link, channels=1)
    assert [layer["type"] for layer in layers] == ["conv", "maxpool", "dense"]
    x = np.random.default_rng(2).random((1, 8, 8)).astype(np.float32)
    _, outputs = engine.run_stack(x, to_engine_layers(_specs(layers)))
    assert outputs[-1].shape == (3, 1, 1)
    api = [{"type": "conv", "weights": {"random": 1}}]
    assert layers_of_link(Convscope("http://x").page_url(api)) == api
