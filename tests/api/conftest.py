"""Fixtures of the API tests: an app per test with small, fast settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

PYRAMID_LAYERS: list[dict[str, Any]] = [
    {"type": "conv", "weights": {"random": 1}, "filters": 4, "padding": "same",
     "activation": "relu"},
    {"type": "conv", "weights": {"random": 2}, "filters": 6, "stride": 2, "padding": "same"},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
]


def make_client(**overrides: Any) -> TestClient:
    """A client of a fresh app whose settings take ``overrides``."""
    return TestClient(create_app(Settings(**overrides)))


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A client of a fresh app with the default settings."""
    with make_client() as c:
        yield c
