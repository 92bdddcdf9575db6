"""Compute cost: a request is priced from its geometry before any weight is drawn.

A refused request must cost (almost) nothing, and no request may hold more memory than the
caps say. Memory is what tracemalloc sees NumPy allocate while the request runs (timing
would be meaningless on a shared machine).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

MIB = 1 << 20


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as c:
        c.get("/api/samples")  # decode the samples first: their pixels are not the request's
        yield c


def post_measuring(client: TestClient, path: str, body: dict[str, Any]) -> tuple[Any, int]:
    """The reply and the peak bytes allocated while it was computed."""
    tracemalloc.start()
    try:
        reply = client.post(path, json=body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return reply, peak


def conv(seed: int, **fields: Any) -> dict[str, Any]:
    return {"type": "conv", "weights": {"random": seed}, "padding": "same", **fields}


def test_stack_over_the_caps_is_refused_before_its_weights_are_drawn(
        client: TestClient) -> None:
    # 12 layers of 256 x 256 x 15 x 15 random kernels: 177 M weights (708 MB of float32)
    # were drawn, and 3.6 s spent, before the 422 for its 4e13 multiply-adds.
    layers = [conv(i, filters=256, kernel_size=15) for i in range(12)]
    reply, peak = post_measuring(client, "/api/pyramid",
                                 {"image": {"sample": "astronaut"}, "layers": layers})
    assert reply.status_code == 422
    assert reply.json()["error"]["field"] in ("weights", "macs")
    assert peak < 32 * MIB, f"{peak / MIB:.0f} MiB allocated for a refused request"


def test_random_dense_layer_within_the_multiply_add_cap_is_still_bounded_in_weights(
        client: TestClient) -> None:
    # 256 units on the 3 x 512 x 512 astronaut: 201 M weights, under the 2e9 multiply-add
    # cap, took one request to 2.4 GB (float64 draw, then float32): over the 1 GiB target.
    reply, peak = post_measuring(client, "/api/pyramid", {
        "image": {"sample": "astronaut"}, "layers": [{"type": "dense", "units": 256}]})
    assert reply.status_code == 422
    error = reply.json()["error"]
    assert error["field"] == "units"
    assert error["layer"] == 0
    assert "weights" in error["message"]
    assert peak < 32 * MIB, f"{peak / MIB:.0f} MiB allocated for a refused request"


@pytest.mark.parametrize("path", ["/api/pyramid", "/api/pyramid/tensor", "/api/export/npy"])
def test_the_page_default_stack_is_within_every_cap(client: TestClient, path: str) -> None:
    layers = [conv(0, filters=4, activation="relu"),
              conv(1, filters=8, stride=2, activation="relu"),
              conv(2, filters=16, stride=2, activation="relu"),
              {"type": "maxpool", "size": 2},
              {"type": "dense", "units": 10, "weights": {"random": 3}}]
    body: dict[str, Any] = {"image": {"sample": "astronaut"}, "layers": layers}
    reply = client.post(path, json=body if path == "/api/pyramid" else {**body, "layer": 5})
    assert reply.status_code == 200, reply.text


def test_ten_units_straight_on_the_photo_are_within_the_caps(client: TestClient) -> None:
    # The largest dense layer a lesson plausibly asks for: 10 classes on the raw pixels.
    reply = client.post("/api/pyramid", json={
        "image": {"sample": "astronaut"}, "layers": [{"type": "dense", "units": 10}]})
    assert reply.status_code == 200, reply.text


@pytest.fixture
def plan_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of the stack of every call of the engine's ``plan`` from now on."""
    from app import engine

    calls: list[int] = []
    real_plan = engine.plan

    def counting_plan(layers: list[engine.Layer], shape: tuple[int, int, int]) -> Any:
        calls.append(len(layers))
        return real_plan(layers, shape)

    monkeypatch.setattr(engine, "plan", counting_plan)
    return calls


@pytest.mark.parametrize(("path", "extra"), [
    ("/api/pyramid", {"image": {"sample": "astronaut"}}),
    ("/api/pyramid/tensor", {"image": {"sample": "astronaut"}, "layer": 3}),
    ("/api/export/npy", {"image": {"sample": "astronaut"}, "layer": 3}),
    ("/api/convolve", {"input": [[0.5] * 16] * 16}),
])
@pytest.mark.parametrize("depth", [1, 8])
def test_a_request_is_planned_once_with_stand_ins_and_once_for_real(
        client: TestClient, plan_calls: list[int], path: str, extra: dict[str, Any],
        depth: int) -> None:
    # Planning a stack of n layers used to run the engine's plan n + 1 times (n growing
    # prefixes of stand-ins, then the real one); now twice whatever the depth.
    seed = 1000 * len(path)  # a stack of its own: a cached pyramid is not planned again
    layers = [conv(seed + i, filters=2, kernel_size=3) for i in range(depth)]
    layers += [{"type": "relu"}] * 3
    reply = client.post(path, json={**extra, "layers": layers})
    assert reply.status_code == 200, reply.text
    assert plan_calls == [depth + 3, depth + 3]


def test_a_random_dense_layer_adds_one_plan_of_the_layers_before_it(
        client: TestClient, plan_calls: list[int]) -> None:
    layers = [conv(1, filters=2, kernel_size=3), {"type": "maxpool", "size": 2},
              {"type": "dense", "units": 10, "weights": {"random": 3}}]
    reply = client.post("/api/convolve", json={"input": [[0.5] * 16] * 16, "layers": layers})
    assert reply.status_code == 200, reply.text
    assert plan_calls == [2, 3, 3]  # its input size, then the stand-ins, then the real weights
