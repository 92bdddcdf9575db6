"""The notebook examples in docs/notebook.md run against a live server and agree with the
engine; docs/deploy.md documents every setting, and its gallery recipe works."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app import engine
from app.imaging import decode_upload
from app.main import create_app
from app.schemas import ConvLayer, PoolLayer, to_engine_layers
from app.services.container import image_limits
from app.services.images import as_tensor, make_image
from app.settings import BUNDLED_SAMPLES, Settings

from .conftest import ROOT, start_app, stop

NOTEBOOK = ROOT / "docs" / "notebook.md"
DEPLOY = ROOT / "docs" / "deploy.md"
TESTED_BLOCK = re.compile(r"<!-- tested:[^>]*-->\s*```python\n(.*?)```", re.DOTALL)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    proc, base = start_app()
    yield base
    stop(proc)


def _run_block(index: int, base: str) -> tuple[dict[str, Any], str]:
    blocks = TESTED_BLOCK.findall(NOTEBOOK.read_text())
    source = blocks[index].replace('SERVER = "http://localhost:8000"', f'SERVER = "{base}"')
    namespace: dict[str, Any] = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, f"notebook.md block {index}", "exec"), namespace)
    return namespace, out.getvalue()


def test_convolve_example_matches_the_engine_and_its_printed_output(server: str) -> None:
    ns, printed = _run_block(0, server)
    layers = to_engine_layers([ConvLayer.model_validate(ns["layers"][0])])
    _, outputs = engine.run_stack(ns["x"], layers)
    np.testing.assert_array_equal(ns["y"], outputs[0])
    shown = re.search(r"It prints\s*```text\n(.*?)```", NOTEBOOK.read_text(), re.DOTALL)
    assert shown is not None and printed == shown.group(1)


def test_npy_example_gives_the_engine_maps_of_the_sample(server: str) -> None:
    ns, printed = _run_block(1, server)
    settings = Settings()
    data = (BUNDLED_SAMPLES / "camera.png").read_bytes()
    image = make_image(decode_upload(data, limits=image_limits(settings)).pixels, name="camera")
    specs = [ConvLayer.model_validate(ns["request"]["layers"][0]),
             PoolLayer.model_validate(ns["request"]["layers"][1])]
    _, outputs = engine.run_stack(as_tensor(image, color="auto"), to_engine_layers(specs))
    np.testing.assert_array_equal(ns["maps"], outputs[1])
    assert "float32" in printed


def test_deploy_doc_lists_every_setting() -> None:
    text = DEPLOY.read_text()
    missing = [f"CONVSCOPE_{name.upper()}" for name in Settings.model_fields
               if f"`CONVSCOPE_{name.upper()}`" not in text]
    assert not missing, f"document these in docs/deploy.md: {missing}"


def test_a_mounted_folder_becomes_the_gallery_by_file_name(tmp_path: Path) -> None:
    for index, name in enumerate(["harbour.jpg", "leaf.png"]):
        Image.new("RGB", (40, 30), (index * 90, 120, 60)).save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an image")
    with TestClient(create_app(Settings(samples_dir=tmp_path))) as client:
        names = [s["name"] for s in client.get("/api/samples").json()]
    assert names == ["harbour", "leaf"]
