"""The OpenAPI document: every status each route can return, binary formats described."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.cli import build_parser
from app.settings import Settings, get_settings

EXPECTED = {
    ("post", "/api/convolve"): {"200", "413", "422", "503"},
    ("post", "/api/images"): {"200", "400", "413", "415", "422", "503"},
    ("get", "/api/models"): {"200", "503"},
    ("get", "/api/models/{name}/heldout"): {"200", "404", "422", "503"},
    ("get", "/api/images/{image_id}"): {"200", "404", "422", "503"},
    ("get", "/api/samples"): {"200", "503"},
    ("get", "/api/samples/{name}.png"): {"200", "404", "422", "503"},
    ("post", "/api/pyramid"): {"200", "404", "413", "422", "503"},
    ("post", "/api/pyramid/tensor"): {"200", "404", "413", "422", "503"},
    ("get", "/healthz"): {"200"},
}


@pytest.fixture
def schema(client: TestClient) -> dict:  # type: ignore[type-arg]
    return client.get("/openapi.json").json()  # type: ignore[no-any-return]


def test_every_route_documents_every_status(schema: dict) -> None:  # type: ignore[type-arg]
    for (method, path), statuses in EXPECTED.items():
        documented = set(schema["paths"][path][method]["responses"])
        assert statuses <= documented, (path, statuses - documented)


def test_pages_are_not_in_the_api_schema(schema: dict) -> None:  # type: ignore[type-arg]
    assert "/" not in schema["paths"] and "/embed" not in schema["paths"]


@pytest.mark.parametrize(("path", "magic"), [("/api/pyramid", "CSP1"),
                                             ("/api/pyramid/tensor", "CST1")])
def test_binary_responses_are_octet_streams_with_their_format(
        schema: dict, path: str, magic: str) -> None:  # type: ignore[type-arg]
    ok = schema["paths"][path]["post"]["responses"]["200"]
    assert list(ok["content"]) == ["application/octet-stream"]
    assert magic in ok["description"]


def test_upload_documents_a_multipart_file_field(schema: dict) -> None:  # type: ignore[type-arg]
    body = schema["paths"]["/api/images"]["post"]["requestBody"]["content"]
    assert body["multipart/form-data"]["schema"]["required"] == ["file"]


def test_upload_documents_the_prepare_digit_field(schema: dict) -> None:  # type: ignore[type-arg]
    body = schema["paths"]["/api/images"]["post"]["requestBody"]["content"]
    prepare = body["multipart/form-data"]["schema"]["properties"]["prepare"]
    assert prepare["enum"] == ["digit"] and "28 x 28" in prepare["description"]


def test_new_image_references_and_model_field_are_in_the_schema(
        schema: dict) -> None:  # type: ignore[type-arg]
    components = schema["components"]["schemas"]
    assert {"DigitRef", "PixelsRef", "ModelRecipe", "ModelInfo", "HeldoutPage"} <= set(
        components)
    for request in ("PyramidRequest", "TensorRequest", "ConvolveRequest",
                    "PytorchExportRequest"):
        assert "model" in components[request]["properties"], request
    pixels = components["PixelsRef"]["properties"]["pixels"]
    assert (pixels["maxItems"], pixels["items"]["maxItems"]) == (64, 64)
    assert pixels["items"]["items"]["maximum"] == 255


def test_503_documents_retry_after(schema: dict) -> None:  # type: ignore[type-arg]
    busy = schema["paths"]["/api/pyramid"]["post"]["responses"]["503"]
    assert "Retry-After" in busy["headers"]


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVSCOPE_PORT", "9123")
    monkeypatch.setenv("CONVSCOPE_MAX_KERNEL", "7")
    monkeypatch.setenv("CONVSCOPE_ALLOWED_FORMATS", '["PNG"]')
    settings = Settings()
    assert (settings.port, settings.max_kernel, settings.allowed_formats) == (9123, 7, ("PNG",))
    get_settings.cache_clear()
    try:
        assert get_settings().port == 9123
    finally:
        get_settings.cache_clear()


def test_cli_serve_takes_host_port_and_workers() -> None:
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9000",
                                      "--workers", "3"])
    assert (args.command, args.host, args.port, args.workers) == ("serve", "0.0.0.0", 9000, 3)
    defaults = build_parser().parse_args(["serve"])
    assert defaults.port is None  # falls back to CONVSCOPE_PORT, then 8000


def test_security_headers_on_api_responses(client: TestClient) -> None:
    r = client.get("/healthz")
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_no_api_docs_page_that_the_csp_would_break(client: TestClient) -> None:
    """FastAPI's /docs and /redoc load their UI from a CDN: not served, /openapi.json is."""
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200
