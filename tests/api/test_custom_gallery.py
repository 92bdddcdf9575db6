"""A teacher's own gallery (``CONVSCOPE_SAMPLES_DIR``, #15 §6): any file name works, files
that are not images are not listed, and the page learns the gallery's names so it can open on
the first image when the default sample is absent."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from app.settings import Settings

NAMES_META = re.compile(r"<meta name=\"convscope-samples\" content='([^']*)'>")


def _gallery(folder: Path) -> Path:
    Image.new("RGB", (40, 30), (200, 120, 60)).save(folder / "my harbour.png")
    Image.new("L", (20, 20), 90).save(folder / "l'été.jpg")
    (folder / "notes.png").write_text("not an image, whatever its name says")
    (folder / "half.gif").write_bytes(b"GIF89a")  # a header and nothing else
    return folder


def test_files_that_are_not_images_are_not_listed_anywhere(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(samples_dir=_gallery(tmp_path)))) as client:
        listed = [s["name"] for s in client.get("/api/samples").json()]
        page = client.get("/").text
    assert listed == ["l'été", "my harbour"]
    assert "notes" not in page and 'data-sample="half"' not in page


def test_the_page_is_told_the_gallery_names_in_order(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(samples_dir=_gallery(tmp_path)))) as client:
        for path in ("/", "/embed"):
            found = NAMES_META.search(client.get(path).text)
            assert found is not None, path
            assert json.loads(html.unescape(found.group(1))) == ["l'été", "my harbour"]


def test_a_name_with_a_space_or_accent_works_in_every_route(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(samples_dir=_gallery(tmp_path)))) as client:
        for name in ("my harbour", "l'été"):
            assert client.get(f"/api/samples/{quote(name)}.png").status_code == 200
            response = client.post("/api/pyramid", json={
                "image": {"sample": name}, "preview": 16,
                "layers": [{"type": "conv", "weights": {"random": 1}}]})
            assert response.status_code == 200, response.text


def test_an_absent_sample_is_a_404_naming_the_gallery(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(samples_dir=_gallery(tmp_path)))) as client:
        response = client.post("/api/pyramid", json={"image": {"sample": "astronaut"}})
    assert response.status_code == 404
    assert "my harbour" in response.json()["error"]["message"]
