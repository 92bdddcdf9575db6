"""Uploads, the image store and the gallery."""

from __future__ import annotations

import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from .conftest import make_client


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(client: TestClient, data: bytes, name: str = "photo.png") -> object:
    return client.post("/api/images", files={"file": (name, data, "image/png")})


def test_upload_then_png_round_trips_the_working_pixels(client: TestClient) -> None:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    r = client.post("/api/images", files={"file": ("cat.png", _png(pixels), "image/png")})
    assert r.status_code == 200, r.text
    info = r.json()
    assert (info["width"], info["height"], info["channels"]) == (60, 40, 3)
    assert info["name"] == "cat.png"
    assert len(info["id"]) == 64
    got = client.get(f"/api/images/{info['id']}")
    assert got.headers["content-type"] == "image/png"
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(got.content))), pixels)


def test_same_image_uploaded_twice_gets_the_same_id(client: TestClient) -> None:
    data = _png(np.full((8, 8), 7, np.uint8))
    first = client.post("/api/images", files={"file": ("a.png", data)}).json()
    again = client.post("/api/images", files={"file": ("b.png", data)}).json()
    assert first["id"] == again["id"]
    assert first["channels"] == 1


def test_large_upload_is_reduced_to_the_working_size() -> None:
    with make_client(working_size=64) as client:
        data = _png(np.zeros((300, 200, 3), np.uint8))
        info = client.post("/api/images", files={"file": ("big.png", data)}).json()
        assert (info["width"], info["height"]) == (43, 64)


def test_evicted_image_is_404_saying_upload_again() -> None:
    with make_client(image_cache_entries=1) as client:
        first = client.post("/api/images", files={"file": ("a.png", _png(
            np.zeros((4, 4), np.uint8)))}).json()
        client.post("/api/images", files={"file": ("b.png", _png(np.ones((4, 4), np.uint8)))})
        r = client.get(f"/api/images/{first['id']}")
        assert r.status_code == 404
        assert "upload it again" in r.json()["error"]["message"]


def test_unknown_image_is_404(client: TestClient) -> None:
    assert client.get("/api/images/" + "f" * 64).status_code == 404


def test_filename_is_cleaned_before_it_is_echoed(client: TestClient) -> None:
    data = _png(np.zeros((4, 4), np.uint8))
    r = client.post("/api/images",
                    files={"file": ("../../<script>alert(1)</script>.png", data)})
    assert r.status_code == 200
    assert "<" not in r.json()["name"] and "/" not in r.json()["name"]


@pytest.mark.parametrize(("data", "status", "code"), [
    (b"", 400, "empty_file"),
    (b"hello, not an image", 415, "unsupported_format"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", 415, "unsupported_format"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 30, 422, "corrupt_image"),
])
def test_bad_files_get_4xx_with_the_imaging_message(client: TestClient, data: bytes,
                                                   status: int, code: str) -> None:
    r = client.post("/api/images", files={"file": ("x.png", data, "image/png")})
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert (err["code"], err["field"]) == (code, "file")


def test_form_without_file_field_is_400(client: TestClient) -> None:
    r = client.post("/api/images", files={"picture": ("x.png", b"123")})
    assert r.status_code == 400
    assert "'file'" in r.json()["error"]["message"]


def test_body_that_is_not_multipart_is_400(client: TestClient) -> None:
    r = client.post("/api/images", content=b"raw", headers={"content-type": "image/png"})
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "file"


def test_upload_over_the_byte_limit_is_413_before_decoding() -> None:
    with make_client(max_upload_bytes=2048) as client:
        r = client.post("/api/images", files={"file": ("x.png", b"\0" * 200_000)})
        assert r.status_code == 413
        assert r.json()["error"]["field"] == "file"


def test_json_body_over_its_limit_is_413() -> None:
    with make_client(max_json_bytes=4096) as client:
        r = client.post("/api/convolve", json={"input": [[0.5] * 2000], "layers": []})
        assert r.status_code == 413


def test_samples_list_the_bundled_photos_with_credits(client: TestClient) -> None:
    samples = client.get("/api/samples").json()
    assert [s["name"] for s in samples] == ["astronaut", "camera", "chelsea", "coffee",
                                            "rocket"]
    for s in samples:
        assert s["title"] and s["credit"] and s["licence"] in ("CC0", "Public domain")
        assert max(s["width"], s["height"]) <= 512
        png = client.get(s["url"])
        assert png.status_code == 200
        image = Image.open(io.BytesIO(png.content))
        assert image.size == (s["width"], s["height"])
        assert len(image.getbands()) == s["channels"]


def test_sample_id_also_works_as_an_image_id(client: TestClient) -> None:
    sample = client.get("/api/samples").json()[0]
    assert client.get(f"/api/images/{sample['id']}").status_code == 200


def test_samples_dir_serves_a_teachers_own_photos(tmp_path: object) -> None:
    from pathlib import Path
    folder = Path(str(tmp_path))
    Image.fromarray(np.zeros((10, 20, 3), np.uint8)).save(folder / "my leaf.jpg")
    (folder / "notes.txt").write_text("not an image")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    with make_client(samples_dir=folder) as client:
        samples = client.get("/api/samples").json()
        assert [(s["name"], s["title"]) for s in samples] == [("my leaf", "my leaf")]
        assert samples[0]["url"] == "/api/samples/my%20leaf.png"
        assert client.get(samples[0]["url"]).status_code == 200
        assert client.get("/api/samples/astronaut.png").status_code == 404
