"""``/api/pyramid`` (CSP1) and ``/api/pyramid/tensor`` (CST1) against the engine itself."""

from __future__ import annotations

import io
import json
import math
import re
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

import app.services.pyramid as pyramid_module
from app import engine
from app.schemas import PyramidRequest, to_engine_layers
from app.services.encoding import array_json, block_mean

from .binary import read_pyramid, read_tensor
from .conftest import PYRAMID_LAYERS


def _expected(client: TestClient, sample: str, color: str = "auto",
              layers: list[dict[str, Any]] | None = None) -> list[np.ndarray]:
    """The input tensor and every layer's output, computed directly with the engine."""
    png = client.get(f"/api/samples/{sample}.png")
    pixels = np.asarray(Image.open(io.BytesIO(png.content)), dtype=np.float32)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    x = np.moveaxis(pixels, 2, 0) / np.float32(255)
    if color == "grey" and x.shape[0] == 3:
        x = np.tensordot(np.array([0.299, 0.587, 0.114], np.float32), x, axes=1)[None]
    if color == "rgb" and x.shape[0] == 1:
        x = np.repeat(x, 3, axis=0)
    request = PyramidRequest.model_validate(
        {"image": {"sample": sample}, "layers": layers or PYRAMID_LAYERS})
    _, outputs = engine.run_stack(x.astype(np.float32), to_engine_layers(request.layers))
    return [x.astype(np.float32), *outputs]


def _pyramid(client: TestClient, **fields: Any) -> Any:
    body = {"image": {"sample": "chelsea"}, "layers": PYRAMID_LAYERS, **fields}
    return client.post("/api/pyramid", json=body)


def test_tensor_of_every_layer_equals_run_stack_exactly(client: TestClient) -> None:
    expected = _expected(client, "chelsea")
    body = {"image": {"sample": "chelsea"}, "layers": PYRAMID_LAYERS}
    for layer, maps in enumerate(expected):
        r = client.post("/api/pyramid/tensor", json={**body, "layer": layer})
        assert r.status_code == 200, r.text
        header, values = read_tensor(r.content)
        assert header["layer"] == layer
        assert header["maps"] == list(range(maps.shape[0]))
        np.testing.assert_array_equal(values, maps)


def test_tensor_returns_the_chosen_maps_in_order(client: TestClient) -> None:
    expected = _expected(client, "chelsea")[2]
    body = {"image": {"sample": "chelsea"}, "layers": PYRAMID_LAYERS, "layer": 2,
            "maps": [5, 0]}
    header, values = read_tensor(client.post("/api/pyramid/tensor", json=body).content)
    assert header["shape"] == [2, *expected.shape[1:]]
    np.testing.assert_array_equal(values, expected[[5, 0]])


@pytest.mark.parametrize("preview", [8, 37, 128, 512, [110, 20, 512, 8, 37]])
def test_previews_are_block_means_within_half_a_step(client: TestClient,
                                                     preview: int | list[int]) -> None:
    expected = _expected(client, "chelsea")
    r = _pyramid(client, preview=preview)
    assert r.status_code == 200
    header, layers = read_pyramid(r.content)
    sides = preview if isinstance(preview, list) else [preview] * len(expected)
    for entry, maps, got, side in zip(header["layers"], expected, layers, sides, strict=True):
        k, h, w = maps.shape
        f = max(1, math.ceil(max(h, w) / side))
        assert entry["factor"] == f
        assert entry["preview_shape"] == [math.ceil(h / f), math.ceil(w / f)]
        assert entry["shape"] == [k, h, w]
        mins, maxs = maps.min(axis=(1, 2)), maps.max(axis=(1, 2))
        assert [m["min"] for m in entry["maps"]] == mins.tolist()
        assert [m["max"] for m in entry["maps"]] == maxs.tolist()
        assert entry["range"] == [float(mins.min()), float(maxs.max())]
        step = (maxs - mins)[:, None, None] / 255
        means = _slow_block_mean(maps, f)
        assert np.all(np.abs(got - means) <= step / 2 + 1e-6)


def _slow_block_mean(maps: np.ndarray, f: int) -> np.ndarray:
    k, h, w = maps.shape
    out = np.zeros((k, math.ceil(h / f), math.ceil(w / f)))
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            out[:, i, j] = maps[:, i * f:(i + 1) * f, j * f:(j + 1) * f].mean(axis=(1, 2))
    return out


def test_block_mean_averages_partial_blocks_over_their_cells() -> None:
    rng = np.random.default_rng(3)
    for shape, f in [((2, 7, 9), 3), ((1, 10, 10), 4), ((3, 5, 4), 2), ((1, 3, 17), 5)]:
        maps = rng.standard_normal(shape).astype(np.float32)
        np.testing.assert_allclose(block_mean(maps, f), _slow_block_mean(maps, f), atol=1e-6)


def test_header_describes_image_layers_weights_and_offsets(client: TestClient) -> None:
    header, _ = read_pyramid(_pyramid(client).content)
    samples = {s["name"]: s for s in client.get("/api/samples").json()}
    image = header["image"]
    assert image["id"] == samples["chelsea"]["id"]
    assert (image["width"], image["height"], image["channels"]) == (451, 300, 3)
    assert header["encoding"].startswith("uint8")
    assert header["elapsed_ms"] >= 0
    types = [layer["type"] for layer in header["layers"]]
    assert types == ["input", "conv", "conv", "relu", "maxpool"]
    assert [layer["index"] for layer in header["layers"]] == list(range(5))
    offsets = [m["offset"] for layer in header["layers"] for m in layer["maps"]]
    sizes = [math.prod(layer["preview_shape"]) for layer in header["layers"]
             for _ in layer["maps"]]
    assert offsets == [sum(sizes[:i]) for i in range(len(sizes))]
    assert header["bytes"] == sum(sizes)
    conv = header["layers"][1]
    weights = np.array(conv["weights"], dtype=np.float32)
    assert weights.shape == (4, 3, 3, 3)
    expected = engine.he_weights(maps=4, channels=3, size=(3, 3), seed=1)
    np.testing.assert_array_equal(weights, expected)
    assert conv["bias"] == [0.0] * 4
    assert "weights" not in header["layers"][3]


@pytest.mark.parametrize(("sample", "color", "channels"), [
    ("chelsea", "auto", 3), ("chelsea", "grey", 1), ("camera", "auto", 1),
    ("camera", "rgb", 3),
])
def test_color_mode_sets_the_input_channels(client: TestClient, sample: str, color: str,
                                            channels: int) -> None:
    layers = [{"type": "conv", "weights": {"preset": "sobel_x"}, "filters": 1}]
    body = {"image": {"sample": sample}, "color": color, "layers": layers, "layer": 0}
    _, x = read_tensor(client.post("/api/pyramid/tensor", json=body).content)
    expected = _expected(client, sample, color, layers)
    assert x.shape[0] == channels
    np.testing.assert_allclose(x, expected[0], rtol=1e-6, atol=1e-7)


def test_uploaded_image_by_id_gives_same_pyramid_as_sample(client: TestClient) -> None:
    png = client.get("/api/samples/coffee.png").content
    info = client.post("/api/images", files={"file": ("c.png", png, "image/png")}).json()
    by_sample = _pyramid(client, image={"sample": "coffee"}).content
    by_id = _pyramid(client, image={"id": info["id"]}).content
    assert read_pyramid(by_sample)[1][2].tolist() == read_pyramid(by_id)[1][2].tolist()


def test_tensor_after_pyramid_is_served_from_cache(client: TestClient,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _pyramid(client)
    calls: list[int] = []
    original = engine.run_planned

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(pyramid_module.engine, "run_planned", counting)
    body = {"image": {"sample": "chelsea"}, "layers": PYRAMID_LAYERS, "layer": 4}
    assert client.post("/api/pyramid/tensor", json=body).status_code == 200
    assert calls == []
    other = {**body, "layers": PYRAMID_LAYERS[:2], "layer": 2}
    assert client.post("/api/pyramid/tensor", json=other).status_code == 200
    assert calls == [1]


def test_pyramid_without_layers_is_just_the_input(client: TestClient) -> None:
    header, maps = read_pyramid(_pyramid(client, layers=[]).content)
    assert [layer["type"] for layer in header["layers"]] == ["input"]
    assert len(maps) == 1


def test_unknown_image_id_is_404_saying_upload_again(client: TestClient) -> None:
    r = _pyramid(client, image={"id": "ab" * 32})
    assert r.status_code == 404
    assert "upload it again" in r.json()["error"]["message"]


def test_unknown_sample_is_404_listing_the_samples(client: TestClient) -> None:
    r = _pyramid(client, image={"sample": "../../etc/passwd"})
    assert r.status_code == 404
    assert "astronaut" in r.json()["error"]["message"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"preview": 4}, "preview"), ({"preview": 513}, "preview"), ({"color": "cmyk"}, "color"),
    ({"preview": [128, 64]}, "preview"), ({"preview": [128, 64, 64, 64, 4]}, "preview[4]"),
    ({"preview": []}, "preview"),
    ({"image": {"id": "xyz"}}, "image.id"), ({"image": {}}, "image.sample"),
])
def test_bad_pyramid_fields_are_422(client: TestClient, fields: dict[str, Any],
                                    field: str) -> None:
    r = _pyramid(client, **fields)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == field


def test_tensor_layer_or_map_out_of_range_is_422(client: TestClient) -> None:
    body = {"image": {"sample": "chelsea"}, "layers": PYRAMID_LAYERS}
    r = client.post("/api/pyramid/tensor", json={**body, "layer": 5})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "layer"
    r = client.post("/api/pyramid/tensor", json={**body, "layer": 1, "maps": [0, 4]})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "maps"


def test_geometry_error_in_pyramid_names_the_layer(client: TestClient) -> None:
    layers = [*PYRAMID_LAYERS, {"type": "conv", "kernel_size": 200}]
    r = _pyramid(client, layers=layers)
    assert r.status_code == 422
    assert r.json()["error"]["layer"] == 4


# handled, so nothing in the server's log: neither NumPy's overflow warning nor Pydantic's
# on serializing array weights (the cache key) that it could not tell from recipes
@pytest.mark.filterwarnings("error")
def test_overflow_in_a_pyramid_is_422_naming_the_layer(client: TestClient) -> None:
    huge = {"type": "conv", "weights": [[[[3e38]]]]}
    grey_then_huge = [{"type": "conv", "weights": [[[[1.0]], [[1.0]], [[1.0]]]]}, huge, huge]
    for route, extra in (("/api/pyramid", {}), ("/api/pyramid/tensor", {"layer": 3})):
        r = client.post(route, json={"image": {"sample": "chelsea"}, "layers": grey_then_huge,
                                     **extra})
        assert r.status_code == 422, route
        assert r.json()["error"]["message"].startswith("layer 2: values overflow"), route


def test_array_json_reads_back_to_the_same_float32() -> None:
    rng = np.random.default_rng(5)
    tiny = np.float32(1.4e-45)  # the smallest denormal
    for scale in (1e-40, 1e-30, 1e-5, 1.0, 1e5, 1e37):
        values = (rng.standard_normal((10, 10, 10, 10)) * scale).astype(np.float32)
        values.flat[:6] = (0.0, -0.0, 1.0, tiny, np.finfo(np.float32).max, 1 / 3)
        text = array_json(values)
        back = np.asarray(json.loads(text), dtype=np.float32)  # what Math.fround does
        np.testing.assert_array_equal(back, values)
        assert np.signbit(back.flat[1])  # -0.0 stays negative
        numbers = re.findall(r"[-0-9.e+]+", text)
        digits = [len(n.split("e")[0].replace("-", "").replace(".", "").lstrip("0"))
                  for n in numbers]
        assert max(digits) <= 9  # float32 never needs more (float64 text would take 17)


def test_array_json_refuses_what_json_cannot_carry() -> None:
    for bad in (np.inf, -np.inf, np.nan):
        with pytest.raises(ValueError, match="not JSON compliant"):
            array_json(np.array([1.0, bad], np.float32))
