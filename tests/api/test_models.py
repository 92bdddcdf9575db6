"""The trained digits network through the API: GET /api/models, held-out digits, inline
drawings, ``{"model": ...}`` recipes and stacks, and the classifier's probabilities."""

from __future__ import annotations

import base64
import io
from typing import Any, get_args

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.engine import run_stack
from app.models import MODEL_NAMES, get_model
from app.schemas import ModelName
from app.schemas.trained import trained_in_shapes
from app.services.heads import softmax
from app.services.images import image_id

from .binary import read_pyramid, read_tensor
from .conftest import make_client

DIGIT = 3
FIRST_CONV_MAPS = int(get_model("digits").layers[0].weights.shape[0])  # type: ignore[union-attr]


def _model_layers(client: TestClient) -> list[dict[str, Any]]:
    (entry,) = client.get("/api/models").json()
    layers: list[dict[str, Any]] = entry["layers"]
    return layers


def _header(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/pyramid", json=body)
    assert r.status_code == 200, r.text
    return read_pyramid(r.content)[0]


def _engine_probabilities(index: int) -> list[float]:
    model = get_model("digits")
    x = model.heldout_pixels[index][np.newaxis].astype(np.float32) / np.float32(255)
    _, outputs = run_stack(x, list(model.layers))
    return softmax(outputs[-1])


def _error(r: Any, status: int = 422) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error: dict[str, Any] = r.json()["error"]
    return error


def test_schema_model_names_are_the_shipped_ones() -> None:
    assert get_args(ModelName) == MODEL_NAMES


def test_models_lists_the_digits_network_with_its_shape_classes_and_accuracy(
        client: TestClient) -> None:
    (entry,) = client.get("/api/models").json()
    model = get_model("digits")
    assert entry["name"] == "digits" and entry["title"] == model.title
    assert entry["input_shape"] == [1, 28, 28]
    assert entry["classes"] == [str(k) for k in range(10)]
    assert entry["heldout"] == 1000 and entry["accuracy"] == model.accuracy
    recipes = [layer["weights"] for layer in entry["layers"] if "weights" in layer]
    assert recipes == [{"model": "digits", "layer": i}
                       for i, layer in enumerate(entry["layers"])
                       if layer["type"] in ("conv", "dense")]
    assert entry["layers"][-1]["type"] == "dense" and entry["layers"][-1]["units"] == 10
    assert all("bias" not in layer for layer in entry["layers"])


def test_model_name_and_its_listed_layers_compute_the_same_pyramid(client: TestClient) -> None:
    by_name = client.post("/api/pyramid", json={"image": {"digit": DIGIT}, "model": "digits"})
    by_layers = client.post("/api/pyramid", json={"image": {"digit": DIGIT},
                                                  "layers": _model_layers(client)})
    (h1, maps1), (h2, maps2) = read_pyramid(by_name.content), read_pyramid(by_layers.content)
    assert h1["probabilities"] == h2["probabilities"]
    assert h1["head"] == h2["head"] == {"trained": True, "model": "digits"}
    for a, b in zip(maps1, maps2, strict=True):
        np.testing.assert_array_equal(a, b)


def test_pyramid_probabilities_are_the_engines_softmax_and_sum_to_one(
        client: TestClient) -> None:
    header = _header(client, {"image": {"digit": DIGIT}, "model": "digits"})
    probabilities = header["probabilities"]
    assert len(probabilities) == 10 and all(0 <= p <= 1 for p in probabilities)
    assert sum(probabilities) == pytest.approx(1, abs=1e-12)
    np.testing.assert_allclose(probabilities, _engine_probabilities(DIGIT), atol=1e-7)


def test_first_twenty_heldout_digits_are_classified_as_their_labels(client: TestClient) -> None:
    labels = get_model("digits").heldout_labels
    for index in range(20):
        header = _header(client, {"image": {"digit": index}, "model": "digits", "preview": 8})
        assert int(np.argmax(header["probabilities"])) == labels[index], f"digit {index}"


def test_heldout_page_is_the_models_pixels_and_labels(client: TestClient) -> None:
    model = get_model("digits")
    page = client.get("/api/models/digits/heldout", params={"start": 10, "count": 5}).json()
    assert (page["total"], page["start"], page["count"], page["shape"]) == (1000, 10, 5,
                                                                             [28, 28])
    pixels = np.frombuffer(base64.b64decode(page["pixels"]), np.uint8).reshape(5, 28, 28)
    np.testing.assert_array_equal(pixels, model.heldout_pixels[10:15])
    assert page["labels"] == model.heldout_labels[10:15].tolist()


def test_heldout_page_stops_at_the_end_and_refuses_past_it(client: TestClient) -> None:
    last = client.get("/api/models/digits/heldout", params={"start": 990, "count": 100})
    assert last.json()["count"] == 10 and len(last.json()["labels"]) == 10
    past = _error(client.get("/api/models/digits/heldout", params={"start": 1000}))
    assert (past["field"], past["value"], past["limit"]) == ("start", 1000, "< 1000")
    too_many = client.get("/api/models/digits/heldout", params={"count": 1001})
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["field"] == "count"
    unknown = _error(client.get("/api/models/cats/heldout"), 404)
    assert unknown["field"] == "name" and "digits" in unknown["message"]


def test_digit_and_the_same_pixels_inline_are_one_image_with_a_content_id(
        client: TestClient) -> None:
    pixels = get_model("digits").heldout_pixels[DIGIT]
    a = _header(client, {"image": {"digit": DIGIT}})
    b = _header(client, {"image": {"pixels": pixels.tolist()}})
    assert a["image"]["id"] == b["image"]["id"] == image_id(pixels[:, :, np.newaxis])
    assert (a["image"]["width"], a["image"]["height"], a["image"]["channels"]) == (28, 28, 1)
    r = client.post("/api/pyramid/tensor", json={"image": {"pixels": pixels.tolist()},
                                                 "layer": 0})
    np.testing.assert_array_equal(read_tensor(r.content)[1][0],
                                  pixels.astype(np.float32) / np.float32(255))


@pytest.mark.parametrize(("pixels", "field"), [
    ([[0] * 65], "image.pixels[0]"),
    ([[0]] * 65, "image.pixels"),
    ([[0, 256]], "image.pixels[0][1]"),
    ([[0, -1]], "image.pixels[0][1]"),
    ([[0, 1], [2]], "image.pixels"),
    ([], "image.pixels"),
    ([[0.5]], "image.pixels[0][0]"),
])
def test_inline_pixels_out_of_bounds_are_422_naming_the_field(
        client: TestClient, pixels: list[list[Any]], field: str) -> None:
    r = client.post("/api/pyramid", json={"image": {"pixels": pixels}})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == field


def test_digit_past_the_heldout_ones_is_422(client: TestClient) -> None:
    error = _error(client.post("/api/pyramid", json={"image": {"digit": 1000}}))
    assert (error["field"], error["value"], error["limit"]) == ("digit", 1000, "< 1000")
    r = client.post("/api/pyramid", json={"image": {"digit": -1}})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "image.digit"


def test_trained_classifier_after_a_stride_change_says_exactly_why(client: TestClient) -> None:
    layers = _model_layers(client)
    second_conv = [i for i, layer in enumerate(layers) if layer["type"] == "conv"][1]
    layers[second_conv]["stride"] = 2  # 14 x 14 -> 7 x 7, then the pool: 3 x 3
    maps = layers[second_conv]["filters"]
    c, h, w = trained_in_shapes("digits")[-1]  # what the classifier was trained on
    error = _error(client.post("/api/pyramid", json={"image": {"digit": 0}, "layers": layers}))
    assert error["code"] == "shape" and error["field"] == "weights"
    assert error["layer"] == len(layers) - 1
    assert error["value"] == maps * 3 * 3
    assert error["limit"] == f"{c * h * w} inputs ({c} x {h} x {w})"
    assert error["message"] == (
        f"layer {len(layers)}: the trained classifier of 'digits' takes {c * h * w} inputs "
        f"({c} x {h} x {w}) but this stack gives it {maps * 9} ({maps} x 3 x 3); the shapes "
        f"before it changed (reset to the trained network to use it)")


def test_trained_kernels_on_three_channels_say_which_channels_they_take(
        client: TestClient) -> None:
    error = _error(client.post("/api/pyramid", json={
        "image": {"digit": 0}, "color": "rgb", "model": "digits"}))
    assert (error["field"], error["value"], error["layer"]) == ("weights", 3, 0)
    assert "take 1 input channel (1 x 28 x 28) but this stack gives them 3 (3 x 28 x 28)" in (
        error["message"])
    assert '"color": "grey"' in error["message"]


def test_edit_that_still_fits_keeps_the_trained_head(client: TestClient) -> None:
    layers = _model_layers(client)
    layers[0]["activation"] = "none"
    header = _header(client, {"image": {"digit": 0}, "layers": layers})
    assert header["head"] == {"trained": True, "model": "digits"}
    assert header["probabilities"] != _header(client, {"image": {"digit": 0},
                                                       "model": "digits"})["probabilities"]


def test_explicit_bias_next_to_a_trained_recipe_is_refused(client: TestClient) -> None:
    layers = _model_layers(client)
    layers[-1]["bias"] = [0.0] * 10
    r = client.post("/api/pyramid", json={"image": {"digit": 0}, "layers": layers})
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["field"] == f"layers[{len(layers) - 1}].bias"
    assert "brings the trained bias" in detail["msg"]


@pytest.mark.parametrize(("layer", "field", "words"), [
    ({"type": "conv", "weights": {"model": "digits", "layer": 1}}, "weights.layer",
     "is a maxpool layer, not conv"),
    ({"type": "dense", "weights": {"model": "digits", "layer": 0}}, "weights.layer",
     "is a conv layer, not dense"),
    ({"type": "conv", "weights": {"model": "digits", "layer": 40}}, "weights.layer",
     "there is no layer 40"),
    ({"type": "conv", "weights": {"model": "digits", "layer": 0}, "filters": 3}, "filters",
     f"filters 3 does not match {FIRST_CONV_MAPS}"),
    ({"type": "conv", "weights": {"model": "digits", "layer": 0}, "kernel_size": 3},
     "kernel_size", "kernel_size [3, 3] does not match [5, 5]"),
])
def test_recipe_naming_the_wrong_layer_or_shape_is_422(client: TestClient, layer: dict[str, Any],
                                                       field: str, words: str) -> None:
    error = _error(client.post("/api/pyramid", json={"image": {"digit": 0}, "layers": [layer]}))
    assert error["field"] == field and error["layer"] == 0
    assert words in error["message"]


def test_unknown_model_name_is_422(client: TestClient) -> None:
    r = client.post("/api/pyramid", json={"image": {"digit": 0}, "model": "cats"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "model"


def test_model_and_layers_together_are_refused(client: TestClient) -> None:
    r = client.post("/api/pyramid", json={"image": {"digit": 0}, "model": "digits",
                                          "layers": []})
    assert r.status_code == 422
    assert 'give either "layers" or "model", not both' in r.json()["detail"][0]["msg"]
    r = client.post("/api/convolve", json={"input": [[0.0]]})
    assert r.status_code == 422 and '"layers"' in r.json()["detail"][0]["msg"]


def test_random_head_has_probabilities_and_says_it_is_untrained(client: TestClient) -> None:
    header = _header(client, {"image": {"sample": "camera"}, "layers": [
        {"type": "conv", "filters": 2, "stride": 4}, {"type": "maxpool", "size": 4},
        {"type": "dense", "units": 10, "weights": {"random": 3}}]})
    assert header["head"] == {"trained": False, "model": None}
    assert len(header["probabilities"]) == 10
    assert sum(header["probabilities"]) == pytest.approx(1, abs=1e-12)


def test_no_probabilities_when_the_last_layer_is_not_dense(client: TestClient) -> None:
    layers = _model_layers(client)[:-1]
    header = _header(client, {"image": {"digit": 0}, "layers": layers})
    assert "probabilities" not in header and "head" not in header


@pytest.mark.parametrize("wrap", [lambda x: x, lambda x: [x]])
def test_convolve_with_the_model_gives_every_layer_and_probabilities(
        client: TestClient, wrap: Any) -> None:
    x = (get_model("digits").heldout_pixels[DIGIT].astype(np.float32) / np.float32(255))
    r = client.post("/api/convolve", json={"input": wrap(x.tolist()), "model": "digits"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["layers"]) == len(get_model("digits").layers)
    np.testing.assert_allclose(body["probabilities"], _engine_probabilities(DIGIT), atol=1e-7)


@pytest.mark.parametrize("shape", [(3, 28, 28), (28, 27), (2, 28, 28), (1, 14, 14)])
def test_convolve_with_the_model_refuses_other_shapes_naming_the_expected_one(
        client: TestClient, shape: tuple[int, ...]) -> None:
    r = client.post("/api/convolve", json={"input": np.zeros(shape).tolist(),
                                           "model": "digits"})
    error = _error(r)
    assert error["field"] == "input" and error["limit"] == "1 x 28 x 28 (or 28 x 28)"
    assert "x".join(map(str, shape)).replace("x", " x ") in error["message"]


def test_convolve_gives_probabilities_for_any_dense_last_layer(client: TestClient) -> None:
    r = client.post("/api/convolve", json={"input": [[1.0, 2.0], [3.0, 4.0]], "layers": [
        {"type": "dense", "units": 3, "weights": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]]}]})
    e = np.exp([1.0, 2.0, 4.0])
    np.testing.assert_allclose(r.json()["probabilities"], e / e.sum(), rtol=1e-12)
    plain = client.post("/api/convolve", json={"input": [[1.0]], "layers": [{"type": "relu"}]})
    assert "probabilities" not in plain.json()


def test_cost_caps_apply_to_model_stacks() -> None:
    with make_client(max_macs=10_000) as small:
        error = _error(small.post("/api/pyramid", json={"image": {"digit": 0},
                                                        "model": "digits"}))
        assert error["code"] == "limit" and error["field"] == "macs"
    with make_client(max_layers=2) as few:
        error = _error(few.post("/api/convolve", json={"input": np.zeros((28, 28)).tolist(),
                                                       "model": "digits"}))
        assert error["field"] == "layers"


def test_tensor_of_the_models_last_layer_is_the_engines(client: TestClient) -> None:
    model = get_model("digits")
    x = model.heldout_pixels[DIGIT][np.newaxis].astype(np.float32) / np.float32(255)
    _, outputs = run_stack(x, list(model.layers))
    r = client.post("/api/pyramid/tensor", json={"image": {"digit": DIGIT}, "model": "digits",
                                                 "layer": len(outputs)})
    np.testing.assert_array_equal(read_tensor(r.content)[1], outputs[-1])


def test_softmax_is_stable_for_huge_scores_and_sums_to_one() -> None:
    p = softmax(np.array([1000.0, 0.0, -1000.0, 1000.0], np.float32))
    assert p[0] == p[3] == pytest.approx(0.5) and p[2] == 0.0
    assert sum(softmax(np.random.default_rng(0).standard_normal(10) * 50)) == pytest.approx(
        1, abs=1e-12)


def test_recent_digit_and_drawing_ids_work_as_ids_and_as_png(client: TestClient) -> None:
    pad = np.zeros((28, 28), np.uint8)
    pad[4:24, 12:15] = 255
    for ref, pixels in (({"digit": DIGIT}, get_model("digits").heldout_pixels[DIGIT]),
                        ({"pixels": pad.tolist()}, pad)):
        header = _header(client, {"image": ref})
        again = _header(client, {"image": {"id": header["image"]["id"]}, "model": "digits"})
        assert again["image"] == header["image"]
        png = client.get(f"/api/images/{header['image']['id']}")
        assert png.status_code == 200
        assert png.content.startswith(b"\x89PNG")
        np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png.content))), pixels)


def test_exports_take_digits_and_drawings(client: TestClient) -> None:
    pad = np.zeros((5, 7), np.uint8)
    pad[2, 1:6] = 200
    r = client.post("/api/export/npy", json={"image": {"pixels": pad.tolist()}, "layer": 0})
    assert r.status_code == 200, r.text
    values = np.load(io.BytesIO(r.content))
    np.testing.assert_array_equal(values[0], pad.astype(np.float32) / np.float32(255))
    r = client.post("/api/export/png", json={"image": {"digit": 1}, "model": "digits",
                                             "layer": 1})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
