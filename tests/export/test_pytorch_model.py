""""Copy as PyTorch" of a stack with trained weights: run as a script, the copied code prints
the same class probabilities as the API."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.models import get_model
from app.settings import Settings
from tests.api.binary import read_pyramid

PROBABILITY_LINE = re.compile(r"^P\((.+)\) = ([0-9.e-]+)$", re.MULTILINE)
RANDOM_HEAD: list[dict[str, Any]] = [
    {"type": "conv", "weights": {"model": "digits", "layer": 0}, "padding": "same",
     "activation": "relu", "stride": 2},
    {"type": "maxpool", "size": 2},
    {"type": "dense", "units": 4, "weights": {"random": 5}},
]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as c:
        yield c


def _api_probabilities(client: TestClient, body: dict[str, Any]) -> list[float]:
    r = client.post("/api/pyramid", json=body)
    assert r.status_code == 200, r.text
    probabilities: list[float] = read_pyramid(r.content)[0]["probabilities"]
    return probabilities


def _run_copied_code(client: TestClient, body: dict[str, Any],
                     tmp_path: Path) -> dict[str, float]:
    r = client.post("/api/export/pytorch", json=body)
    assert r.status_code == 200, r.text
    script = tmp_path / "convscope_stack.py"
    script.write_text(r.text)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path, check=True)
    return {label: float(p) for label, p in PROBABILITY_LINE.findall(out.stdout)}


def test_copied_code_names_the_trained_layers_and_defines_probabilities(
        client: TestClient) -> None:
    code = client.post("/api/export/pytorch", json={"image": {"digit": 0},
                                                    "model": "digits"}).text
    assert "the trained weights and bias of 'digits', its layer 0" in code
    assert "def probabilities(model, x):" in code and "def example_input():" in code
    assert "CLASSES = ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')" in code
    no_head = client.post("/api/export/pytorch", json={"image": {"digit": 0},
                                                       "layers": RANDOM_HEAD[:2]}).text
    assert "def probabilities" not in no_head and "P(" not in no_head


@pytest.mark.torch
@pytest.mark.parametrize("image", [{"digit": 7}, {"pixels": "drawn"}])
def test_copied_trained_network_prints_the_apis_probabilities(
        client: TestClient, tmp_path: Path, image: dict[str, Any]) -> None:
    pytest.importorskip("torch")
    if image.get("pixels") == "drawn":  # a "1" as the drawing pad sends it
        pad = np.zeros((28, 28), np.uint8)
        pad[5:23, 13:16] = 255
        image = {"pixels": pad.tolist()}
    body = {"image": image, "model": "digits"}
    printed = _run_copied_code(client, body, tmp_path)
    assert list(printed) == list(get_model("digits").classes)
    np.testing.assert_allclose(list(printed.values()), _api_probabilities(client, body),
                               atol=1e-4)


@pytest.mark.torch
def test_copied_random_head_prints_the_apis_probabilities(client: TestClient,
                                                          tmp_path: Path) -> None:
    pytest.importorskip("torch")
    body = {"image": {"digit": 2}, "layers": RANDOM_HEAD}
    printed = _run_copied_code(client, body, tmp_path)
    assert list(printed) == ["0", "1", "2", "3"]
    np.testing.assert_allclose(list(printed.values()), _api_probabilities(client, body),
                               atol=1e-4)
    code = client.post("/api/export/pytorch", json=body).text
    assert "random, untrained weights: these scores mean nothing yet" in code
