"""Two replicas, no sticky sessions: a whole classroom session alternates between two app
processes (and survives one of them restarting) with no error.

The client does what the page does: every request carries the full state (image id + layers);
when a replica answers 404 for an image id it has never seen, the client uploads the image
to that replica again and repeats the request.
"""

from __future__ import annotations

import io
import itertools
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from .conftest import start_app, stop

ENV = {"CONVSCOPE_WORKING_SIZE": "96", "CONVSCOPE_WORKERS": "1"}
FIRST_LAYERS: list[dict[str, Any]] = [
    {"type": "conv", "weights": {"preset": "sobel_x"}, "filters": 1, "kernel_size": 3,
     "padding": "same"},
]
TWEAKED_LAYERS: list[dict[str, Any]] = [
    {"type": "conv", "weights": {"presets": ["sobel_x", "sobel_y", "random"], "seed": 2},
     "filters": 3, "kernel_size": 3, "stride": 2, "padding": "same", "activation": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "conv", "weights": {"random": 4}, "filters": 4, "kernel_size": 3, "dilation": 2},
]


def _photo(seed: int = 7) -> bytes:
    """A smooth, photo-like 160 x 120 RGB PNG (gradients plus noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:120, 0:160]
    rgb = np.stack([x / 160, y / 120, (x + y) / 280], axis=-1) * 200
    rgb += rng.normal(0, 12, rgb.shape)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _tensor(body: bytes) -> np.ndarray:
    assert body[:4] == b"CST1"
    (length,) = struct.unpack("<I", body[4:8])
    header = json.loads(body[8:8 + length])
    start = 8 + length + (-(8 + length) % 4)
    return np.frombuffer(body[start:], dtype="<f4").reshape(header["shape"])


@dataclass
class Student:
    """A browser session as the page runs it, spread over replicas round-robin."""

    replicas: list[str]
    photo: bytes
    image_id: str = ""
    statuses: list[tuple[str, str, int]] = field(default_factory=list)
    reuploads: int = 0

    def __post_init__(self) -> None:
        self._next = itertools.cycle(range(len(self.replicas)))
        self.http = httpx.Client(timeout=30)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        base = self.replicas[next(self._next)]
        response = self.http.request(method, base + path, **kwargs)
        self.statuses.append((base, path, response.status_code))
        assert response.status_code < 500, (base, path, response.text)
        return response

    def upload(self, base: str | None = None) -> str:
        files = {"file": ("class-photo.png", self.photo, "image/png")}
        if base is None:
            response = self._send("POST", "/api/images", files=files)
        else:
            response = self.http.post(base + "/api/images", files=files)
            self.statuses.append((base, "/api/images", response.status_code))
        assert response.status_code == 200, response.text
        self.image_id = response.json()["id"]
        return self.image_id

    def with_image(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """POST ``body`` for our image; on 404 upload to that replica and retry once."""
        full = {"image": {"id": self.image_id}, "color": "auto", **body}
        response = self._send("POST", path, json=full)
        if response.status_code == 404:
            assert "upload" in response.json()["error"]["message"]
            self.reuploads += 1
            base = self.statuses[-1][0]
            assert self.upload(base) == full["image"]["id"]  # content-addressed: same id
            response = self.http.post(base + path, json=full)
            self.statuses.append((base, path, response.status_code))
        assert response.status_code == 200, (path, response.text)
        return response

    def session(self, layers_steps: list[list[dict[str, Any]]]) -> dict[str, np.ndarray]:
        """Gallery, upload, then per layer stack: pyramid, the animation's two tensors,
        and the exports. Returns the exact maps seen, by step."""
        assert self._send("GET", "/api/samples").status_code == 200
        assert self._send("GET", "/healthz").json() == {"status": "ok"}
        self.upload()
        seen: dict[str, np.ndarray] = {}
        for step, layers in enumerate(layers_steps):
            pyramid = self.with_image("/api/pyramid", {"layers": layers, "preview": 64})
            assert pyramid.content[:4] == b"CSP1"
            last = len(layers)
            for layer in (last - 1, last):  # the animation: a layer's input and output
                body = self.with_image("/api/pyramid/tensor", {"layers": layers,
                                                               "layer": layer})
                seen[f"{step}:{layer}"] = _tensor(body.content)
            npy = self.with_image("/api/export/npy", {"layers": layers, "layer": last})
            np.testing.assert_array_equal(np.load(io.BytesIO(npy.content)),
                                          seen[f"{step}:{last}"])
            gif = self.with_image("/api/export/gif", {"layers": layers, "layer": 1,
                                                      "frames": 6, "size": 96})
            assert gif.content[:6] == b"GIF89a"
            code = self.with_image("/api/export/pytorch", {"layers": layers})
            compile(code.text, "stack.py", "exec")
        sample = self._send("POST", "/api/pyramid/tensor", json={
            "image": {"sample": "camera"}, "layers": FIRST_LAYERS, "layer": 1})
        assert sample.status_code == 200
        return seen


@pytest.fixture
def replicas() -> Iterator[list[Any]]:
    """Two independent app processes (own memory, own caches), as behind a load balancer."""
    started: list[Any] = []
    try:
        started.extend([start_app(env=ENV), start_app(env=ENV)])
        yield started
    finally:
        for proc, _ in started:
            stop(proc)


def test_a_session_alternating_between_two_replicas_has_no_error(
        replicas: list[Any]) -> None:
    student = Student([base for _, base in replicas], _photo())
    seen = student.session([FIRST_LAYERS, TWEAKED_LAYERS])
    statuses = [s for _, _, s in student.statuses]
    assert set(statuses) <= {200, 404}
    assert student.reuploads >= 1  # the replica without the image said 404; we recovered
    bases = {b for b, _, _ in student.statuses}
    assert bases == {base for _, base in replicas}
    assert seen["1:3"].shape[0] == 4


def test_replicas_compute_identical_maps(replicas: list[Any]) -> None:
    one, two = (Student([base], _photo()) for _, base in replicas)
    np.testing.assert_equal(one.session([TWEAKED_LAYERS]), two.session([TWEAKED_LAYERS]))


def test_a_replica_restart_mid_session_loses_no_work(replicas: list[Any]) -> None:
    student = Student([base for _, base in replicas], _photo())
    before = student.session([TWEAKED_LAYERS])
    proc, base = replicas[0]
    stop(proc)  # the restarted replica comes back with an empty image store
    replicas[0] = start_app(env=ENV, port=int(base.rsplit(":", 1)[1]))
    reuploads = student.reuploads
    last = len(TWEAKED_LAYERS)
    for _ in range(2):  # one request to each replica, without uploading first
        body = student.with_image("/api/pyramid/tensor", {"layers": TWEAKED_LAYERS,
                                                          "layer": last})
        np.testing.assert_array_equal(_tensor(body.content), before[f"0:{last}"])
    assert student.reuploads == reuploads + 1
