"""``POST /api/convolve``: values equal the engine's, geometry is reported, bad input is 422."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app import engine
from app.schemas import PresetName


def _post(client: TestClient, x: Any, layers: list[dict[str, Any]]) -> Any:
    return client.post("/api/convolve", json={"input": x, "layers": layers})


def test_outputs_equal_run_stack_layer_by_layer(client: TestClient) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 9, 11)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 2)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    layers = [
        {"type": "conv", "weights": w.tolist(), "bias": b.tolist(), "stride": [2, 1],
         "padding": "same", "dilation": [1, 2]},
        {"type": "leaky_relu", "slope": 0.1},
        {"type": "avgpool", "size": 2, "padding": [0, 1, 0, 1]},
        {"type": "conv", "weights": {"random": 7}, "filters": 5, "kernel_size": [2, 3]},
        {"type": "dense", "units": 3, "weights": {"random": 3}, "activation": "sigmoid"},
    ]
    r = _post(client, x.tolist(), layers)
    assert r.status_code == 200, r.text
    _, expected = engine.run_stack(x, [
        engine.Conv(weights=w, bias=b, stride=(2, 1), padding="same", dilation=(1, 2)),
        engine.Activation(name="leaky_relu", slope=0.1),
        engine.Pool(mode="avg", size=2, padding=(0, 1, 0, 1)),
        engine.Conv(weights=engine.RandomWeights(7), maps=5, kernel_size=(2, 3)),
        engine.Dense(units=3, weights=engine.RandomWeights(3), activation="sigmoid"),
    ])
    got = r.json()["layers"]
    assert [g["type"] for g in got] == ["conv", "leaky_relu", "avgpool", "conv", "dense"]
    for g, e in zip(got, expected, strict=True):
        assert g["shape"] == list(e.shape)
        np.testing.assert_array_equal(np.array(g["output"], dtype=np.float32), e)


def test_geometry_fields_describe_the_layer(client: TestClient) -> None:
    r = _post(client, np.zeros((6, 6)).tolist(),
              [{"type": "conv", "weights": {"random": 0}, "filters": 2, "stride": 2,
                "padding": "same"}])
    layer = r.json()["layers"][0]
    assert layer["in_shape"] == [1, 6, 6]
    assert layer["shape"] == [2, 3, 3]
    assert layer["padding"] == [0, 1, 0, 1]  # TF same: the odd row goes to the bottom
    assert layer["params"] == 2 * 9 + 2
    assert layer["macs"] == 2 * 3 * 3 * 9
    assert layer["formula"]["height"].endswith("= 3")
    for key in ("kernel", "stride", "dilation", "unreached", "receptive_field", "jump",
                "origin", "dense_params"):
        assert key in layer


def test_unreached_lists_every_row_a_long_stride_steps_over(client: TestClient) -> None:
    # 8 x 8, 3 x 3, stride 4, valid: windows read rows 0-2 and 4-6; 3 and 7 are never read
    r = _post(client, np.zeros((8, 8)).tolist(),
              [{"type": "conv", "weights": {"random": 0}, "filters": 1, "stride": 4}])
    layer = r.json()["layers"][0]
    assert layer["unreached"] == [2, 2]
    assert layer["unreached_rows"] == [3, 7]
    assert layer["unreached_cols"] == [3, 7]


def test_two_dimensional_input_means_one_channel(client: TestClient) -> None:
    r = _post(client, [[1, 2], [3, 4]], [{"type": "conv", "weights": [[[[1.0]]]]}])
    assert r.json()["layers"][0]["output"] == [[[1.0, 2.0], [3.0, 4.0]]]


@pytest.mark.parametrize("name", PresetName.__args__)
def test_every_preset_is_accepted(client: TestClient, name: str) -> None:
    r = _post(client, np.ones((3, 8, 8)).tolist(),
              [{"type": "conv", "weights": {"preset": name}, "filters": 2}])
    assert r.status_code == 200, r.text


def test_preset_names_are_the_engines() -> None:
    assert set(PresetName.__args__) == set(engine.PRESETS)


def test_kernel_larger_than_padded_input_names_layer_and_formula(client: TestClient) -> None:
    r = _post(client, np.zeros((4, 4)).tolist(),
              [{"type": "relu"}, {"type": "conv", "weights": {"random": 0}, "kernel_size": 5,
                                  "padding": [0, 0, 1, 1]}])
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "geometry"
    assert err["layer"] == 1
    assert err["message"].startswith("layer 2:")
    assert "floor((4 + 0 + 0 - 1*(5 - 1) - 1) / 1) + 1" in err["message"]
    assert err["field"] == "kernel_size"


@pytest.mark.parametrize(("layer", "field", "fragment"), [
    ({"type": "conv", "stride": 0}, "layers[0].stride", "greater than or equal to 1"),
    ({"type": "conv", "stride": [1, 0]}, "layers[0].stride", "greater than or equal to 1"),
    ({"type": "conv", "padding": -1}, "layers[0].padding", "greater than or equal to 0"),
    ({"type": "conv", "padding": [1, 2, 3]}, "layers[0].padding", "2 values [ph, pw] or 4"),
    ({"type": "conv", "padding": "middle"}, "layers[0].padding", "'valid', 'same' or 'full'"),
    ({"type": "conv", "dilation": 0}, "layers[0].dilation", "greater than or equal to 1"),
    ({"type": "conv", "weights": {"preset": "blurry"}}, "layers[0].weights.preset", "sobel_x"),
    ({"type": "conv", "weights": {"presets": ["sobel_x", "nope"]}},
     "layers[0].weights.presets[1]", "sobel_x"),
    ({"type": "conv", "weights": {"seed": 1}}, "layers[0].weights", "nested array"),
    ({"type": "conv", "strides": 2}, "layers[0].strides", "not permitted"),
    ({"type": "conv", "activation": "gelu"}, "layers[0].activation", "relu"),
    ({"type": "softmax"}, "layers[0]", "does not match"),
    ({"type": "maxpool", "size": 0}, "layers[0].size", "greater than or equal to 1"),
    ({"type": "dense", "units": 0}, "layers[0].units", "greater than or equal to 1"),
])
def test_bad_layer_fields_get_422_naming_the_field(client: TestClient, layer: dict[str, Any],
                                                   field: str, fragment: str) -> None:
    r = _post(client, np.zeros((5, 5)).tolist(), [layer])
    assert r.status_code == 422, r.text
    assert any(f.startswith(field) and fragment in m for f, m in _problems(r.json())), r.json()


def _problems(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(field path, message) of either error shape; a domain error's field gets its layer."""
    if "detail" in body:
        return [(d["field"], d["msg"]) for d in body["detail"]]
    err = body["error"]
    return [(f"layers[{err['layer']}].{err['field']}", err["message"])]


@pytest.mark.parametrize(("x", "fragment"), [
    ([[1, 2], [3]], "rectangular"),
    ([[1, "a"], [3, 4]], "only numbers"),
    ([[1, None], [3, 4]], "only numbers"),
    ([[True, False]], "only numbers"),
    ([[[[1.0]]]], "3 or 2 dimensions"),
    ([1, 2, 3], "3 or 2 dimensions"),
    ([[]], "must not be empty"),
    ([[1e39]], "finite"),
    ("abc", "nested array"),
])
def test_ragged_or_non_numeric_input_gets_422_naming_input(client: TestClient, x: Any,
                                                           fragment: str) -> None:
    r = _post(client, x, [{"type": "relu"}])
    assert r.status_code == 422, r.text
    (detail,) = r.json()["detail"]
    assert detail["field"] == "input"
    assert fragment in detail["msg"]


def test_ragged_weights_get_422_naming_weights(client: TestClient) -> None:
    r = _post(client, [[1, 2], [3, 4]],
              [{"type": "conv", "weights": [[[[1, 2], [3]]]]}])
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "layers[0].weights"


def test_mismatched_weight_channels_name_layer_and_shapes(client: TestClient) -> None:
    r = _post(client, np.zeros((3, 4, 4)).tolist(),
              [{"type": "conv", "weights": np.zeros((2, 1, 3, 3)).tolist()}])
    assert r.status_code == 422
    err = r.json()["error"]
    assert (err["code"], err["field"], err["layer"]) == ("shape", "weights", 0)
    assert "K x 3 x kh x kw" in err["message"]


def test_mismatched_bias_length_names_bias(client: TestClient) -> None:
    r = _post(client, np.zeros((4, 4)).tolist(),
              [{"type": "conv", "weights": np.zeros((2, 1, 3, 3)).tolist(), "bias": [1.0]}])
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "bias"


def test_layer_after_dense_must_be_dense_or_activation(client: TestClient) -> None:
    r = _post(client, np.zeros((4, 4)).tolist(),
              [{"type": "dense", "units": 2}, {"type": "conv"}])
    assert r.status_code == 422
    assert r.json()["error"]["layer"] == 1


# a warning on every overflowing request would fill the server's log: it is handled
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_overflowing_values_are_422_not_500(client: TestClient) -> None:
    r = _post(client, [[3e38, 3e38]], [{"type": "conv", "weights": [[[[3e38]]]]}])
    assert r.status_code == 422
    assert "overflow" in r.json()["error"]["message"]


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_overflow_is_reported_at_the_layer_where_it_happened(client: TestClient) -> None:
    conv = {"type": "conv", "weights": [[[[3e38]]]]}
    r = _post(client, [[3e38, 3e38]], [conv, {"type": "relu"}, conv])
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith("layer 1: values overflow")


def test_malformed_json_is_422(client: TestClient) -> None:
    r = client.post("/api/convolve", content=b"{not json",
                    headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_huge_error_inputs_are_not_echoed_back(client: TestClient) -> None:
    x = [[0.5] * 200] * 199 + [[0.5] * 3]
    r = _post(client, x, [{"type": "relu"}])
    assert r.status_code == 422
    assert len(r.content) < 1000
