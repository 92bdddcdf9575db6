"""Nothing lost: a failed request leaves the server as it was; a restart loses no user work.

"As it was" is observed from outside and from the caches: after each kind of failure (422
schema, geometry and cost, 413, 415, corrupt and empty files, 404, non-UTF-8 body, 503) the
same valid requests give byte-identical answers, no worker slot leaks (one worker, no
queue: a leaked slot would turn the next request into a 503), and the image store and the
pyramid cache hold what they held. After a restart the server has no image but says so in a
way the page acts on (404, "upload it again"), and the re-upload gets the same id.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from app.settings import Settings

from .binary import read_frame

KIB = 1024
#: One worker and no queue: any slot a failure forgot to give back shows as a 503 at once.
SETTINGS: dict[str, Any] = {"working_size": 64, "workers": 1, "queue_size": 0,
                            "max_upload_bytes": 64 * KIB, "max_json_bytes": 64 * KIB,
                            "max_macs": 5_000_000}
LAYERS: list[dict[str, Any]] = [
    {"type": "conv", "weights": {"random": 3}, "filters": 4, "padding": "same",
     "activation": "relu"},
    {"type": "conv", "weights": {"random": 4}, "filters": 6, "stride": 2, "padding": "same"},
    {"type": "maxpool", "size": 2},
]
CONVOLVE = {"input": np.arange(20.0).reshape(4, 5).tolist(),
            "layers": [{"type": "conv", "weights": {"preset": "sobel_x"}}]}


def photo(*, seed: int, fmt: str = "PNG", name: str = "photo.png", **save: Any) -> tuple[
        str, bytes, str]:
    """A 40 x 56 RGB noise photo as a ``files=`` entry."""
    pixels = np.random.default_rng(seed).integers(0, 256, (40, 56, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt, **save)
    return name, out.getvalue(), f"image/{fmt.lower()}"


def upload(client: TestClient, file: tuple[str, bytes, str]) -> str:
    reply = client.post("/api/images", files={"file": file})
    assert reply.status_code == 200, reply.text
    image_id: str = reply.json()["id"]
    return image_id


def pyramid(client: TestClient, image: dict[str, str]) -> tuple[dict[str, Any], bytes]:
    """Header (without the timing) and data section of a pyramid on ``image``."""
    reply = client.post("/api/pyramid", json={"image": image, "layers": LAYERS})
    assert reply.status_code == 200, reply.text
    header, data = read_frame(reply.content, b"CSP1")
    header.pop("elapsed_ms")
    return header, bytes(data)


def snapshot(client: TestClient, image_id: str) -> dict[str, Any]:
    """Every answer a returning student depends on, byte for byte."""
    tensor = client.post("/api/pyramid/tensor", json={
        "image": {"id": image_id}, "layers": LAYERS, "layer": 2, "maps": [1, 5]})
    assert tensor.status_code == 200, tensor.text
    png = client.get(f"/api/images/{image_id}")
    assert png.status_code == 200
    convolve = client.post("/api/convolve", json=CONVOLVE)
    assert convolve.status_code == 200
    return {"pyramid": pyramid(client, {"id": image_id}),
            "sample": pyramid(client, {"sample": "camera"}),
            "tensor": tensor.content, "png": png.content, "convolve": convolve.content}


def caches(client: TestClient) -> tuple[int, int, int, int]:
    """Entries and bytes of the image store and the pyramid cache (white-box, on purpose)."""
    services = client.app.state.services  # type: ignore[attr-defined]
    images, pyramids = services.images._cache, services.pyramids._cache
    return len(images), images.nbytes, len(pyramids), pyramids.nbytes


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(**SETTINGS))) as c:
        yield c


Send = Callable[[TestClient], Any]


def _post_pyramid(**body: Any) -> Send:
    return lambda c: c.post("/api/pyramid", json={"image": {"sample": "camera"}, **body})


def _post_file(file: tuple[str, bytes, str]) -> Send:
    return lambda c: c.post("/api/images", files={"file": file})


FAILURES: dict[str, tuple[Send, int]] = {
    "schema": (_post_pyramid(layers=[{"type": "conv", "stride": 0}]), 422),
    "geometry": (_post_pyramid(layers=[{"type": "conv", "kernel_size": 9,
                                        "dilation": 8}]), 422),
    "cost": (_post_pyramid(layers=[{"type": "conv", "filters": 200, "kernel_size": 15,
                                    "padding": "same"}]), 422),
    "tensor layer": (lambda c: c.post("/api/pyramid/tensor", json={
        "image": {"sample": "camera"}, "layers": LAYERS, "layer": 9}), 422),
    "ragged array": (lambda c: c.post("/api/convolve", json={
        "input": [[1.0, 2.0], [3.0]], "layers": [{"type": "relu"}]}), 422),
    "non-finite weights": (lambda c: c.post("/api/convolve", json={
        "input": [[1e38, 1e38], [1e38, 1e38]],
        "layers": [{"type": "conv", "weights": [[[[1e38, 1e38], [1e38, 1e38]]]]}]}), 422),
    "not utf-8": (lambda c: c.post("/api/pyramid", content=b'{"image": "\xff"}',
                                   headers={"content-type": "application/json"}), 422),
    "json too large": (lambda c: c.post("/api/pyramid", content=b" " * (65 * KIB),
                                        headers={"content-type": "application/json"}), 413),
    "file too large": (_post_file(("big.png", bytes(70 * KIB), "image/png")), 413),
    "upload body too large": (_post_file(("huge.png", bytes(140 * KIB), "image/png")), 413),
    "not an image": (_post_file(("notes.jpg", b"not a picture\n" * 50, "image/jpeg")), 415),
    "truncated": (_post_file(("cut.png", photo(seed=9)[1][:300], "image/png")), 422),
    "empty": (_post_file(("empty.png", b"", "image/png")), 400),
    "unknown id": (_post_pyramid(image={"id": "0" * 64}), 404),
    "unknown sample": (lambda c: c.get("/api/samples/nobody.png"), 404),
}


@pytest.mark.parametrize("kind", list(FAILURES))
def test_failed_request_leaves_answers_and_caches_as_they_were(client: TestClient,
                                                               kind: str) -> None:
    image_id = upload(client, photo(seed=1))
    before, held = snapshot(client, image_id), caches(client)
    send, status = FAILURES[kind]
    for _ in range(3):  # more failures than the pool has slots
        assert send(client).status_code == status
    assert caches(client) == held
    assert snapshot(client, image_id) == before
    assert caches(client) == held


def test_busy_server_503s_leave_answers_caches_and_slots_as_they_were(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    image_id = upload(client, photo(seed=1))
    before, held = snapshot(client, image_id), caches(client)
    services = client.app.state.services  # type: ignore[attr-defined]
    original, started, release = services.pyramids.pyramid, threading.Event(), threading.Event()

    def slow(*args: Any) -> bytes:
        started.set()
        release.wait(10)
        return original(*args)  # type: ignore[no-any-return]

    monkeypatch.setattr(services.pyramids, "pyramid", slow)
    blocked: list[int] = []
    # previews not asked before: an answered request would come from the response cache
    worker = threading.Thread(target=lambda: blocked.append(
        client.post("/api/pyramid", json={"image": {"id": image_id}, "layers": LAYERS,
                                          "preview": 40}).status_code))
    worker.start()
    try:
        assert started.wait(10)
        busy = [client.post("/api/images", files={"file": photo(seed=2)}),
                client.post("/api/pyramid", json={"image": {"id": image_id}, "layers": LAYERS,
                                                  "preview": 48}),
                client.post("/api/pyramid/tensor", json={
                    "image": {"id": image_id}, "layers": LAYERS, "layer": 1}),
                client.post("/api/convolve", json=CONVOLVE),
                client.get(f"/api/images/{image_id}")]
    finally:
        release.set()
        worker.join(10)
    assert [r.status_code for r in busy] == [503] * len(busy)
    assert all(r.headers["retry-after"] == "1" for r in busy)
    assert blocked == [200]
    monkeypatch.undo()
    assert caches(client) == held
    assert snapshot(client, image_id) == before


def test_after_a_restart_an_old_image_id_is_404_asking_for_the_upload_again() -> None:
    with TestClient(create_app(Settings(**SETTINGS))) as before_restart:
        image_id = upload(before_restart, photo(seed=1))
    body = {"image": {"id": image_id}, "layers": LAYERS}
    with TestClient(create_app(Settings(**SETTINGS))) as restarted:
        replies = [restarted.post("/api/pyramid", json=body),
                   restarted.post("/api/pyramid/tensor", json={**body, "layer": 1}),
                   restarted.post("/api/export/npy", json={**body, "layer": 1}),
                   restarted.get(f"/api/images/{image_id}")]
    for reply in replies:
        assert reply.status_code == 404
        error = reply.json()["error"]
        assert error["code"] == "not_found"
        assert error["field"] == "id"
        assert error["value"] == image_id
        assert "upload it again" in error["message"]


def test_reupload_after_a_restart_gives_the_same_id_and_the_same_maps() -> None:
    with TestClient(create_app(Settings(**SETTINGS))) as before_restart:
        image_id = upload(before_restart, photo(seed=1))
        before = snapshot(before_restart, image_id)
    with TestClient(create_app(Settings(**SETTINGS))) as restarted:
        assert upload(restarted, photo(seed=1)) == image_id
        assert snapshot(restarted, image_id) == before


def test_same_pixels_in_another_file_give_the_same_id(client: TestClient) -> None:
    # The page may re-upload from another copy (another name, another encoder setting):
    # the id hashes the working pixels, not the file.
    ids = {upload(client, photo(seed=1)),
           upload(client, photo(seed=1, name="IMG_0042.PNG", compress_level=9)),
           upload(client, photo(seed=1, fmt="WEBP", name="copy.webp", lossless=True))}
    assert len(ids) == 1
    assert upload(client, photo(seed=2)) not in ids
