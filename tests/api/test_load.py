"""Cost caps (422 before any work), the bounded queue (503 + Retry-After) and a live
``/healthz`` while every worker computes."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

from .conftest import PYRAMID_LAYERS, make_client


def _conv(**fields: Any) -> dict[str, Any]:
    return {"type": "conv", "weights": {"random": 0}, **fields}


@pytest.mark.parametrize(("setting", "layer", "field"), [
    ({"max_filters": 4}, _conv(filters=5), "filters"),
    ({"max_kernel": 3}, _conv(kernel_size=[3, 5]), "kernel_size"),
    ({"max_kernel": 3}, {"type": "conv", "weights": np.zeros((1, 1, 4, 4)).tolist()},
     "kernel_size"),
    ({"max_stride": 2}, _conv(stride=3), "stride"),
    ({"max_padding": 2}, _conv(padding=[0, 3]), "padding"),
    ({"max_dilation": 2}, _conv(dilation=3), "dilation"),
    ({"max_kernel": 3}, {"type": "maxpool", "size": 4}, "size"),
    ({"max_filters": 4}, {"type": "dense", "units": 5}, "units"),
])
def test_fields_over_the_settings_are_422_with_value_and_limit(
        setting: dict[str, int], layer: dict[str, Any], field: str) -> None:
    with make_client(**setting) as client:
        r = client.post("/api/convolve", json={"input": np.zeros((20, 20)).tolist(),
                                               "layers": [{"type": "relu"}, layer]})
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert (err["code"], err["field"], err["layer"]) == ("limit", field, 1)
        limit = next(iter(setting.values()))
        assert err["limit"] == f"<= {limit}"
        assert str(limit) in err["message"]


def test_too_many_layers_is_422() -> None:
    with make_client(max_layers=2) as client:
        r = client.post("/api/convolve", json={"input": [[1.0]], "layers": [{"type": "relu"}] * 3})
        assert r.status_code == 422
        assert r.json()["error"]["field"] == "layers"


def test_input_side_over_the_limit_is_422() -> None:
    with make_client(max_input_side=8) as client:
        r = client.post("/api/convolve", json={"input": np.zeros((4, 9)).tolist(),
                                               "layers": [{"type": "relu"}]})
        assert r.status_code == 422
        assert r.json()["error"]["field"] == "input"


@pytest.mark.parametrize(("setting", "field"), [
    ({"max_macs": 1000}, "macs"),
    ({"max_output_values": 1000}, "output_values"),
    ({"max_response_bytes": 20_000}, "response_bytes"),
])
def test_cost_over_a_cap_is_422_with_the_estimate(setting: dict[str, int], field: str) -> None:
    with make_client(**setting) as client:
        r = client.post("/api/pyramid", json={"image": {"sample": "camera"},
                                              "layers": PYRAMID_LAYERS})
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["field"] == field
        assert err["value"] > next(iter(setting.values()))
        assert "limit" in err["message"] and "about" in err["message"]


def test_huge_random_dense_layer_is_refused_before_its_weights_exist() -> None:
    with make_client(max_macs=10_000) as client:
        r = client.post("/api/convolve", json={"input": np.zeros((50, 50)).tolist(),
                                               "layers": [{"type": "dense", "units": 10}]})
        assert r.status_code == 422
        assert r.json()["error"]["field"] == "units"


def test_full_queue_answers_503_with_retry_after_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    started = threading.Event()
    with make_client(workers=1, queue_size=1, retry_after_seconds=3) as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        original = services.pyramids.pyramid

        def slow(*args: Any) -> bytes:
            started.set()
            release.wait(10)
            return original(*args)  # type: ignore[no-any-return]

        monkeypatch.setattr(services.pyramids, "pyramid", slow)
        body = {"image": {"sample": "camera"}, "layers": PYRAMID_LAYERS[:1]}
        client.get("/api/samples")  # decode the samples before the workers are taken
        results: list[int] = []

        def post() -> None:
            results.append(client.post("/api/pyramid", json=body).status_code)

        threads = [threading.Thread(target=post) for _ in range(2)]
        for t in threads:
            t.start()
        assert started.wait(10)
        time.sleep(0.2)  # the second request is now waiting in the queue
        t0 = time.perf_counter()
        r = client.post("/api/pyramid", json=body)
        elapsed = time.perf_counter() - t0
        assert r.status_code == 503
        assert r.headers["retry-after"] == "3"
        assert r.json()["error"]["code"] == "busy"
        assert elapsed < 0.5
        assert client.get("/healthz").status_code == 200
        release.set()
        for t in threads:
            t.join(10)
        assert results == [200, 200]
        # Work done, slots are free again.
        assert client.post("/api/pyramid", json=body).status_code == 200


def test_healthz_answers_fast_while_workers_compute() -> None:
    """Real convolutions on both workers and a full queue; /healthz stays quick."""
    app = create_app(Settings(workers=2, queue_size=4, max_macs=10**10))

    def heavy(seed: int) -> dict[str, Any]:
        return {"image": {"sample": "astronaut"}, "color": "grey",
                # 1.2 G multiply-adds each: long enough that /healthz is asked several times
                # while they run, however fast the engine
                "layers": [{"type": "conv", "weights": {"random": seed + i}, "filters": 16,
                            "kernel_size": 3, "padding": "same"} for i in range(3)]}

    async def scenario() -> tuple[list[float], list[int]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.get("/api/samples")
            jobs = [asyncio.create_task(client.post("/api/pyramid", json=heavy(10 * i),
                                                    timeout=120)) for i in range(6)]
            await asyncio.sleep(0.05)  # every request is admitted; the workers are busy
            latencies = []
            while not all(j.done() for j in jobs):
                t0 = time.perf_counter()
                r = await client.get("/healthz")
                latencies.append(time.perf_counter() - t0)
                assert r.json() == {"status": "ok"}
                await asyncio.sleep(0.01)
            assert len(latencies) >= 3, "the convolutions finished before /healthz was measured"
            statuses = [(await j).status_code for j in jobs]
            return latencies, statuses

    latencies, statuses = asyncio.run(scenario())
    assert sorted(statuses) == [200] * 6
    print(f"healthz under load: median {np.median(latencies) * 1000:.1f} ms, "
          f"{len(latencies)} asked")
    assert np.median(latencies) < 0.1, latencies


def test_failed_request_leaves_the_server_as_it_was(client: TestClient) -> None:
    good = {"input": [[1.0, 2.0], [3.0, 4.0]], "layers": [{"type": "relu"}]}
    before = client.post("/api/convolve", json=good).json()
    bad = {"input": [[1.0, 2.0], [3.0, 4.0]], "layers": [_conv(kernel_size=9)]}
    for _ in range(5):
        assert client.post("/api/convolve", json=bad).status_code == 422
    assert client.post("/api/convolve", json=good).json() == before
