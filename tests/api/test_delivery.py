"""What goes over the wire: gzip where it pays, static files under a content version that may
be cached for a year, gallery thumbnails, repeated compute answers from memory, HEAD on the
pages."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path

import numpy as np
import pytest
import zstandard
from fastapi.testclient import TestClient
from PIL import Image

from app.main import STATIC_DIR
from app.static_assets import StaticAssets

from .conftest import PYRAMID_LAYERS

GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}
PYRAMID = {"image": {"sample": "camera"}, "layers": PYRAMID_LAYERS, "preview": 64}


def _static_links(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_the_page_links_static_files_only_under_the_current_version(
        client: TestClient) -> None:
    version = client.app.state.assets.version  # type: ignore[attr-defined]
    for page in ("/", "/embed"):
        links = _static_links(client.get(page).text)
        assert links and all(link.startswith(f"/static/{version}/") for link in links), links


def test_versioned_static_files_are_immutable_and_gzipped_when_accepted(
        client: TestClient) -> None:
    version = client.app.state.assets.version  # type: ignore[attr-defined]
    url = f"/static/{version}/js/main.js"
    packed = client.get(url, headers=GZIP)
    plain = client.get(url, headers=PLAIN)
    assert packed.status_code == plain.status_code == 200
    assert "immutable" in packed.headers["cache-control"]
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert packed.content == plain.content == (STATIC_DIR / "js" / "main.js").read_bytes()
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    assert packed.headers["content-type"].startswith("text/javascript")


def test_unversioned_and_stale_versions_still_answer_but_are_revalidated(
        client: TestClient) -> None:
    for url in ("/static/css/app.css", "/static/000000000000/css/app.css"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-cache"
        again = client.get(url, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304
    assert client.get("/static/nope.js").status_code == 404


def test_the_version_changes_with_any_file_and_only_then(tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("export const A = 1;\n")
    (tmp_path / "app.css").write_text("body { color: red; }\n")
    first = StaticAssets(tmp_path).version
    assert StaticAssets(tmp_path).version == first
    (tmp_path / "js" / "a.js").write_text("export const A = 2;\n")
    assert StaticAssets(tmp_path).version != first


def test_modules_import_each_other_by_relative_url_only() -> None:
    # so that /static/<version>/js/main.js pulls its imports from the same version
    pattern = re.compile(r"""(?:import|export)[^'"]*?from\s*["']([^"']+)["']"""
                         r"""|import\(\s*["']([^"']+)["']""")
    for path in (STATIC_DIR / "js").rglob("*.js"):
        for match in pattern.finditer(path.read_text()):
            target = match.group(1) or match.group(2)
            assert target.startswith("."), f"{path.name} imports {target!r}"


def test_the_html_page_is_gzipped_for_browsers_that_accept_it(client: TestClient) -> None:
    packed = client.get("/", headers=GZIP)
    plain = client.get("/", headers=PLAIN)
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert packed.text == plain.text
    assert int(packed.headers["content-length"]) < len(plain.content) / 2


def test_pyramids_and_tensors_are_gzipped_and_decode_to_the_same_bytes(
        client: TestClient) -> None:
    tensor = {**PYRAMID, "layer": 1}
    tensor.pop("preview")
    for path, body in (("/api/pyramid", PYRAMID), ("/api/pyramid/tensor", tensor)):
        packed = client.post(path, json=body, headers=GZIP)
        plain = client.post(path, json=body, headers=PLAIN)
        assert packed.status_code == plain.status_code == 200
        assert packed.headers["content-encoding"] == "gzip"
        assert "content-encoding" not in plain.headers
        assert int(packed.headers["content-length"]) < 0.9 * len(plain.content)
        assert packed.content == plain.content  # httpx undid the gzip


def test_a_repeated_request_is_answered_without_a_worker(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    first = client.post("/api/pyramid", json=PYRAMID)
    assert first.status_code == 200
    services = client.app.state.services  # type: ignore[attr-defined]

    def no_worker(*_: object) -> None:
        raise AssertionError("a repeat should not need a worker")

    monkeypatch.setattr(services.pool, "run", no_worker)
    again = client.post("/api/pyramid", json=PYRAMID)
    assert again.status_code == 200 and again.content == first.content


def test_binary_gzip_level_zero_sends_them_as_they_are() -> None:
    from .conftest import make_client

    with make_client(binary_gzip_level=0) as plain_client:
        response = plain_client.post("/api/pyramid", json=PYRAMID, headers=GZIP)
        assert response.status_code == 200 and "content-encoding" not in response.headers


def test_gallery_thumbnails_are_small_jpeg_squares(client: TestClient) -> None:
    html = client.get("/").text
    thumbs = re.findall(r'<img src="(/api/samples/[^"]+/thumbnail\.jpg)"', html)
    assert len(thumbs) == 5
    for url in thumbs:
        response = client.get(url)
        assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
        assert len(response.content) < 12_000
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "JPEG" and image.size == (120, 120)
    assert client.get("/api/samples/nope/thumbnail.jpg").status_code == 404


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_pages_answer_head_like_get(client: TestClient, path: str) -> None:
    head = client.head(path)
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/html")
    assert head.content == b""


def test_gzip_helper_keeps_only_what_saves_space() -> None:
    from app.services.responses import gzip_bytes

    assert gzip_bytes(b"", level=1) is None
    assert gzip_bytes(bytes(1000), level=0) is None
    packed = gzip_bytes(bytes(1000), level=1)
    assert packed is not None and gzip.decompress(packed) == bytes(1000)
    noise = np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    assert gzip_bytes(noise, level=1) is None  # incompressible: sent as it is


def test_answers_computed_while_others_wait_for_a_worker_are_not_gzipped(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    monkeypatch.setattr(services.pool, "waiting", lambda: 1)
    busy = client.post("/api/pyramid", json={**PYRAMID, "preview": 72}, headers=GZIP)
    assert busy.status_code == 200 and "content-encoding" not in busy.headers


def test_the_pool_counts_the_jobs_waiting_for_a_worker() -> None:
    import asyncio
    import threading

    from app.services.workers import WorkerPool

    pool = WorkerPool(workers=1, queue_size=4, retry_after=1)
    release = threading.Event()

    async def scenario() -> list[int]:
        seen = [pool.waiting()]
        jobs = [asyncio.ensure_future(pool.run(release.wait, 5)) for _ in range(3)]
        await asyncio.sleep(0.1)
        seen.append(pool.waiting())
        release.set()
        await asyncio.gather(*jobs)
        seen.append(pool.waiting())
        return seen

    try:
        assert asyncio.run(scenario()) == [0, 2, 0]
    finally:
        pool.shutdown()


ZSTD = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # Chromium over HTTPS or localhost


@pytest.mark.parametrize("path", ["/api/pyramid", "/api/pyramid/tensor"])
def test_clients_that_accept_zstd_get_it_and_it_decodes_to_the_same_bytes(
        client: TestClient, path: str) -> None:
    body = {"image": {"sample": "coffee"}, "layers": PYRAMID_LAYERS, "preview": 96,
            **({"layer": 1} if path.endswith("tensor") else {})}
    packed = client.post(path, json=body, headers=ZSTD)
    plain = client.post(path, json=body, headers=PLAIN)
    assert packed.status_code == plain.status_code == 200
    assert packed.headers["content-encoding"] == "zstd"
    assert int(packed.headers["content-length"]) < 0.9 * len(plain.content)
    assert unzstd(packed.content) == plain.content


def unzstd(data: bytes) -> bytes:
    """A zstd body as the browser decodes it (the test client leaves zstd as it came)."""
    assert data[:4] == b"\x28\xb5\x2f\xfd"  # a zstd frame
    return zstandard.ZstdDecompressor().decompress(data)


def test_a_kept_answer_is_sent_in_the_form_each_client_accepts(client: TestClient) -> None:
    body = {"image": {"sample": "rocket"}, "layers": PYRAMID_LAYERS, "preview": 80}
    first = client.post("/api/pyramid", json=body, headers=ZSTD)  # kept with its zstd
    assert first.headers["content-encoding"] == "zstd"
    for headers in (GZIP, PLAIN, {"Accept-Encoding": "zstd;q=0, gzip"}):
        again = client.post("/api/pyramid", json=body, headers=headers)
        assert "content-encoding" not in again.headers  # no gzip kept: sent as it is
        assert again.content == unzstd(first.content)
    assert client.post("/api/pyramid", json=body,
                       headers={"Accept-Encoding": "*"}).headers["content-encoding"] == "zstd"


def test_binary_zstd_level_zero_falls_back_to_gzip() -> None:
    from .conftest import make_client

    with make_client(binary_zstd_level=0) as gzip_client:
        response = gzip_client.post("/api/pyramid", json=PYRAMID, headers=ZSTD)
        assert response.status_code == 200 and response.headers["content-encoding"] == "gzip"


def test_zstd_helper_keeps_only_what_saves_space() -> None:
    from app.services.responses import zstd_bytes

    assert zstd_bytes(b"", level=1) is None
    assert zstd_bytes(bytes(1000), level=0) is None
    packed = zstd_bytes(bytes(1000), level=1)
    assert packed is not None and zstandard.ZstdDecompressor().decompress(packed) == bytes(1000)
    noise = np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    assert zstd_bytes(noise, level=1) is None


@pytest.mark.parametrize(("header", "coding", "allowed"), [
    ("gzip", "gzip", True),
    ("GZIP;Q=0.5", "gzip", True),  # a weight under 1 still allows it
    ("gzip;q=0", "gzip", False),
    ("gzip; q=0.0, zstd", "gzip", False),
    ("deflate, br", "gzip", False),
    ("*", "zstd", True),
    ("*;q=0", "zstd", False),
    ("*, zstd;q=0", "zstd", False),  # named beats the wildcard
    ("gzip;q=bad", "gzip", False),
    ("", "gzip", False),
])
def test_one_accept_encoding_parser(header: str, coding: str, allowed: bool) -> None:
    from app.http.compression import accepts

    assert accepts(header, coding) is allowed


def test_the_page_is_gzipped_for_a_client_that_weighs_gzip_under_one(
        client: TestClient) -> None:
    # the page's own middleware read "gzip;q=0.5" as a refusal ("q=0" in "q=0.5")
    packed = client.get("/", headers={"Accept-Encoding": "gzip;q=0.5, identity"})
    assert packed.status_code == 200 and packed.headers["content-encoding"] == "gzip"
