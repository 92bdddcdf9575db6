"""Security headers on every response: CSP without inline code, frame-ancestors from the
allow-list setting, nosniff, a referrer policy, and no X-Frame-Options to contradict them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.http.security import content_security_policy
from app.main import create_app
from app.settings import Settings

from .conftest import ROOT

ALLOWED = "'self' https://course.example.org http://127.0.0.2:8080"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(frame_ancestors=ALLOWED, max_upload_bytes=4096)),
                    raise_server_exceptions=False) as c:
        yield c


def _directives(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        out[name] = value
    return out


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/", {}),
    ("GET", "/embed", {}),
    ("GET", "/healthz", {}),
    ("GET", "/api/samples", {}),
    ("GET", "/static/does-not-exist.js", {}),                      # 404
    ("GET", "/api/images/" + "0" * 64, {}),                        # 404, domain error
    ("POST", "/api/pyramid", {"json": {"image": {"sample": 1}}}),  # 422, validation
    ("POST", "/api/images", {"files": {"file": ("a.png", b"x" * 20_000)}}),  # 413
    ("DELETE", "/healthz", {}),                                    # 405
    ("GET", "/openapi.json", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), REQUESTS,
                         ids=[f"{m} {p[:30]}" for m, p, _ in REQUESTS])
def test_every_response_has_the_security_headers(client: TestClient, method: str, path: str,
                                                 kwargs: dict[str, Any]) -> None:
    response = client.request(method, path, **kwargs)
    csp = _directives(response.headers["content-security-policy"])
    assert csp["frame-ancestors"] == ALLOWED
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "x-frame-options" not in response.headers


def test_headers_appear_once(client: TestClient) -> None:
    response = client.get("/healthz")
    assert len(response.headers.get_list("content-security-policy")) == 1


def test_empty_allow_list_means_no_framing_at_all() -> None:
    assert _directives(content_security_policy(""))["frame-ancestors"] == "'none'"
    assert _directives(content_security_policy("  'self'\n https://a.b  "))[
        "frame-ancestors"] == "'self' https://a.b"


def test_default_allow_list_is_same_origin_only() -> None:
    assert Settings.model_fields["frame_ancestors"].default == "'self'"


INLINE_CODE = [
    (r"<script(?![^>]*\bsrc=)[^>]*>", "inline <script>"),
    (r"<style\b", "<style> block"),
    (r"\sstyle\s*=", "style= attribute"),
    (r"\son[a-z]+\s*=", "inline event handler"),
    (r"javascript:", "javascript: URL"),
]


@pytest.mark.parametrize("template", sorted(p.name for p in (ROOT / "templates").glob("*.html")))
def test_templates_hold_no_inline_code_the_policy_would_block(template: str) -> None:
    text = (ROOT / "templates" / template).read_text()
    for pattern, what in INLINE_CODE:
        match = re.search(pattern, text, flags=re.IGNORECASE)
        context = "" if match is None else text[max(0, match.start() - 40):match.end() + 40]
        assert match is None, f"{template}: {what} at {context!r}"
