"""A lone ``kh x kw`` kernel is accepted where the input has one channel (#15 §5), in
/api/convolve and /api/pyramid, and refused with a message saying how to write it where the
input has more."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient

from app import engine
from app.schemas import ConvLayer, to_engine_layers

SOBEL_X = [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]


def test_2d_kernel_gives_the_same_maps_as_its_4d_form(client: TestClient) -> None:
    x = np.random.default_rng(3).random((1, 7, 6)).astype(np.float32).tolist()
    answers = [client.post("/api/convolve", json={"input": x, "layers": [
        {"type": "conv", "weights": w, "stride": 2, "padding": "same"}]})
        for w in (SOBEL_X, [[SOBEL_X]])]
    assert [r.status_code for r in answers] == [200, 200]
    two_d, four_d = (r.json()["layers"][0] for r in answers)
    assert two_d["output"] == four_d["output"] and two_d["shape"] == [1, 4, 3]


def test_2d_kernel_matches_the_engine_on_an_h_by_w_input(client: TestClient) -> None:
    x = np.random.default_rng(4).random((5, 5)).astype(np.float32)
    kernel = [[1.0, 2.0], [3.0, 4.0]]
    response = client.post("/api/convolve", json={"input": x.tolist(), "layers": [
        {"type": "conv", "weights": kernel}]})
    assert response.status_code == 200
    layer = ConvLayer.model_validate({"type": "conv", "weights": [[kernel]]})
    _, outputs = engine.run_stack(x[None], to_engine_layers([layer]))
    np.testing.assert_array_equal(np.array(response.json()["layers"][0]["output"],
                                           dtype=np.float32), outputs[0])


def test_2d_kernel_on_a_grey_pyramid_is_accepted(client: TestClient) -> None:
    response = client.post("/api/pyramid", json={
        "image": {"sample": "camera"}, "color": "grey", "preview": 16,
        "layers": [{"type": "conv", "weights": SOBEL_X, "padding": "same"}]})
    assert response.status_code == 200, response.text


def test_2d_kernel_on_three_channels_says_how_to_write_it(client: TestClient) -> None:
    response = client.post("/api/pyramid", json={
        "image": {"sample": "astronaut"}, "color": "rgb", "preview": 16,
        "layers": [{"type": "conv", "weights": SOBEL_X}]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "weights" and "K x 3 x kh x kw" in error["message"]
    assert error["layer"] == 0


def test_a_3d_array_is_still_refused_naming_the_dimensions(client: TestClient) -> None:
    response = client.post("/api/convolve", json={"input": [[1.0, 2.0], [3.0, 4.0]],
                                                  "layers": [{"type": "conv",
                                                              "weights": [SOBEL_X]}]})
    assert response.status_code == 422
    assert "4 dimensions" in response.text
