"""The pieces behind the routes: LRU bounds, the worker pool, the catch-all handler."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.errors import BusyError, field_path
from app.services.cache import LruCache
from app.services.images import StoredImage, as_tensor, make_image
from app.services.workers import WorkerPool

from .binary import read_tensor
from .conftest import PYRAMID_LAYERS


def _sized(max_entries: int, max_bytes: int) -> LruCache[str, bytes]:
    return LruCache(max_entries=max_entries, max_bytes=max_bytes, size_of=len)


def test_lru_evicts_least_recently_used_beyond_entries() -> None:
    cache = _sized(2, 100)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"  # a is now the most recent
    cache.put("c", b"3")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1", None, b"3")


def test_lru_evicts_until_bytes_fit_and_skips_oversized_values() -> None:
    cache = _sized(10, 10)
    cache.put("a", b"x" * 6)
    cache.put("b", b"y" * 6)
    assert cache.get("a") is None and cache.nbytes == 6
    cache.put("huge", b"z" * 11)
    assert cache.get("huge") is None and len(cache) == 1


def test_lru_replacing_a_key_keeps_the_byte_count_right() -> None:
    cache = _sized(10, 100)
    cache.put("a", b"x" * 50)
    cache.put("a", b"x" * 10)
    assert cache.nbytes == 10


def test_pool_refuses_beyond_workers_plus_queue_then_recovers() -> None:
    release = threading.Event()

    async def scenario() -> None:
        pool = WorkerPool(workers=1, queue_size=1, retry_after=2)
        jobs = [asyncio.ensure_future(pool.run(release.wait, 5)) for _ in range(2)]
        await asyncio.sleep(0.05)
        with pytest.raises(BusyError) as info:
            await pool.run(lambda: 1)
        assert info.value.headers == {"Retry-After": "2"}
        release.set()
        assert await asyncio.gather(*jobs) == [True, True]
        assert await pool.run(lambda: 7) == 7
        pool.shutdown()

    asyncio.run(scenario())


def test_pool_passes_worker_exceptions_to_the_caller() -> None:
    async def scenario() -> None:
        pool = WorkerPool(workers=1, queue_size=0, retry_after=1)
        with pytest.raises(ValueError, match="boom"):
            await pool.run(_raise, ValueError("boom"))
        assert await pool.run(lambda: 3) == 3  # the slot was released
        pool.shutdown()

    asyncio.run(scenario())


def _raise(exc: Exception) -> None:
    raise exc


def test_image_id_depends_on_shape_as_well_as_bytes() -> None:
    flat = np.zeros((2, 8, 1), np.uint8)
    tall = np.zeros((8, 2, 1), np.uint8)
    assert make_image(flat, name="a").id != make_image(tall, name="b").id
    assert make_image(flat, name="a").id == make_image(flat.copy(), name="c").id


def test_as_tensor_scales_to_unit_range_and_leaves_pixels_alone() -> None:
    pixels = np.array([[[0, 128, 255]]], np.uint8)
    image: StoredImage = make_image(pixels, name="p")
    x = as_tensor(image, color="auto")
    assert x.dtype == np.float32 and x.shape == (3, 1, 1)
    np.testing.assert_array_equal(x[:, 0, 0], np.array([0, 128, 255], np.float32) / 255)
    grey = as_tensor(image, color="grey")
    assert grey.shape == (1, 1, 1)
    assert grey[0, 0, 0] == pytest.approx((0.587 * 128 + 0.114 * 255) / 255, rel=1e-6)
    assert not image.pixels.flags.writeable


def test_encoding_never_changes_the_cached_maps(client: TestClient) -> None:
    body: dict[str, Any] = {"image": {"sample": "chelsea"}, "layers": PYRAMID_LAYERS}
    first = read_tensor(client.post("/api/pyramid/tensor", json={**body, "layer": 1}).content)
    for preview in (8, 100, 512):
        assert client.post("/api/pyramid", json={**body, "preview": preview}).status_code == 200
    again = read_tensor(client.post("/api/pyramid/tensor", json={**body, "layer": 1}).content)
    np.testing.assert_array_equal(first[1], again[1])


def test_unexpected_errors_are_500_json_without_traceback(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    monkeypatch.setattr(services.pyramids, "pyramid", lambda *a: _raise(RuntimeError("secret")))
    with TestClient(client.app, raise_server_exceptions=False) as quiet:
        r = quiet.post("/api/pyramid", json={"image": {"sample": "camera"}, "layers": []})
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal"
    assert "secret" not in r.text and "Traceback" not in r.text


@pytest.mark.parametrize(("loc", "path"), [
    (("body", "layers", 0, "conv", "stride", "constrained-int"), "layers[0].stride"),
    (("body", "layers", 2, "conv", "weights", "preset", "preset"), "layers[2].weights.preset"),
    (("body", "image", "id", "id"), "image.id"),
    (("body",), "body"),
])
def test_field_path_drops_union_tags(loc: tuple[Any, ...], path: str) -> None:
    assert field_path(loc) == path
