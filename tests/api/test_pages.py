"""The HTML pages render with the gallery and carry the security headers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .conftest import make_client

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.skipif(not (TEMPLATES / "index.html").exists(), reason="templates not written")
@pytest.mark.parametrize("path", ["/", "/embed"])
def test_page_renders_with_csp(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]


@pytest.mark.skipif(not (TEMPLATES / "index.html").exists(), reason="templates not written")
def test_index_lists_the_samples_escaped(tmp_path: Path) -> None:
    from PIL import Image
    Image.new("RGB", (4, 4)).save(tmp_path / "<b>bold<i>.png")
    with make_client(samples_dir=tmp_path, frame_ancestors="'self' https://lms.example") as c:
        r = c.get("/")
        assert "&lt;b&gt;bold&lt;i&gt;" in r.text and "<b>bold" not in r.text
        assert "frame-ancestors 'self' https://lms.example" in r.headers[
            "content-security-policy"]


def test_unknown_path_is_a_json_404(client: TestClient) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
