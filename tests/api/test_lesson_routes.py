"""The lesson's pages: every step at its own URL, unknown steps 404 naming the range, one
step embeddable on its own, numbers computed for the image shown, Start here on ``/``."""

from __future__ import annotations

import base64
import json
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.lesson import load_lesson

from .conftest import make_client

TOTAL = len(load_lesson())


def frame_state(html: str) -> dict[str, Any]:
    """The ``s=`` configuration of the step's live view."""
    src = re.search(r'<iframe class="lesson-frame[^"]*" src="([^"]+)"', html)
    assert src, "the step has no live view"
    value = re.search(r"[?&]amp;s=([\w-]+)|[?&]s=([\w-]+)", src.group(1))
    assert value
    raw = value.group(1) or value.group(2)
    state: dict[str, Any] = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    return state


@pytest.mark.parametrize("number", range(1, TOTAL + 1))
def test_every_step_has_its_own_page_with_progress_view_and_answer(
        client: TestClient, number: int) -> None:
    r = client.get(f"/lesson/{number}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert f"Step {number} of {TOTAL}" in html
    assert html.count("<h1>") == 1
    assert re.search(r'<iframe class="lesson-frame[^"]*" src="/embed\?view=(patch|pyramid|layer)',
                     html)
    assert "<summary>Show the answer</summary>" in html
    assert "{{" not in html  # every quoted number was filled in
    back = f'href="/lesson/{number - 1}" data-key="ArrowLeft">Back</a>'
    forward = f'href="/lesson/{number + 1}" data-key="ArrowRight">Next</a>'
    assert (back in html) == (number > 1)
    assert (forward in html) == (number < TOTAL)
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert frame_state(html)["layers"], "the view carries the step's layers"


def test_lesson_without_a_number_is_step_one(client: TestClient) -> None:
    first = client.get("/lesson")
    assert first.status_code == 200
    assert f"Step 1 of {TOTAL}" in first.text
    assert frame_state(first.text) == frame_state(client.get("/lesson/1").text)


@pytest.mark.parametrize("bad", ["0", str(TOTAL + 1), "abc", "-1", "1.5"])
def test_unknown_step_is_a_404_naming_the_range(client: TestClient, bad: str) -> None:
    r = client.get(f"/lesson/{bad}")
    assert r.status_code == 404
    assert f"the steps are 1 to {TOTAL}" in r.text
    assert r.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("number", [1, TOTAL])
def test_embed_lesson_shows_one_step_with_a_heading_and_no_navigation(
        client: TestClient, number: int) -> None:
    r = client.get(f"/embed?lesson={number}")
    assert r.status_code == 200
    html = r.text
    assert html.count("<h1>") == 1 and f"step {number} of {TOTAL}" in html
    assert ">Next</a>" not in html and ">Back</a>" not in html
    assert frame_state(html) == frame_state(client.get(f"/lesson/{number}").text)
    assert f'href="/lesson/{number}"' in html


@pytest.mark.parametrize("bad", ["0", "99", "x"])
def test_embed_of_an_unknown_step_is_a_404_naming_the_range(client: TestClient,
                                                            bad: str) -> None:
    r = client.get(f"/embed?lesson={bad}")
    assert r.status_code == 404 and f"the steps are 1 to {TOTAL}" in r.text


def test_the_embed_without_lesson_is_still_the_visualizer(client: TestClient) -> None:
    r = client.get("/embed?view=patch")
    assert r.status_code == 200 and 'id="embed-root"' in r.text


def test_quoted_numbers_are_those_of_the_image_shown(tmp_path: Path) -> None:
    from PIL import Image
    Image.new("RGB", (40, 30), "white").save(tmp_path / "astronaut.png")
    with make_client(samples_dir=tmp_path) as c:
        html = c.get("/lesson/5").text  # valid vs same, with the formula
    assert "40 × 30" in html and "512" not in html
    assert "floor((30 + 0 + 0 - 1*(3 - 1) - 1) / 1) + 1 = 28" in html  # valid: n - k + 1
    assert "floor((30 + 1 + 1 - 1*(3 - 1) - 1) / 1) + 1 = 30" in html  # same: n


def test_weight_counts_on_the_page_are_the_engine_geometry(client: TestClient) -> None:
    html = client.get("/lesson/7").text
    # 4 kernels of 3 x 3 x 3 + 4 biases; dense: (512*512*3) x (512*512*4) + 512*512*4
    assert "112 weights and biases here" in html
    dense = 512 * 512 * 3 * 512 * 512 * 4 + 512 * 512 * 4
    assert f"{dense / 1e9:.1f} billion" in html


def test_main_page_has_the_start_here_guide_pointing_at_the_lesson(
        client: TestClient) -> None:
    html = client.get("/").text
    guide = html[html.index('id="start-here"'):html.index("</section>", html.index(
        'id="start-here"'))]
    assert 'href="/lesson"' in guide and 'href="#patch-panel"' in guide
    assert 'href="#grid-mode"' in guide and "Start here" in guide


@pytest.mark.parametrize("path", ["/lesson/5", "/embed?lesson=5", "/lesson/0"])
def test_headings_go_down_one_level_at_a_time(client: TestClient, path: str) -> None:
    levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", client.get(path).text)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in pairwise(levels))
