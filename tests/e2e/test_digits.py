"""The digits view in Chromium (issue 14): the trained network on held-out digits and on
digits drawn with the mouse, the classifier's answer, the explanation when an edit no longer
fits the trained head, the blank pad, and a drawn digit round-tripping through the URL.

The expected answers come from the engine itself (``app.engine.run_stack`` on the shipped
weights), so the test checks that the page shows what the network computes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tests.e2e.conftest import page_state, poll, settle

models = pytest.importorskip("app.models", reason="the trained digit network is not here")

from app.engine import run_stack  # noqa: E402 - after the skip

GALLERY_PICKS = 24
# the highlighted class, once the bars are those of the pyramid the current settings asked for
WINNER = """() => { const s = window.__convscope.store.getState();
  const panel = document.getElementById('classifier');
  return s.status === 'ready' && s.pyramid
    && panel.dataset.pyramidAt === String(s.pyramid.changedAt)
    && (panel.querySelector('.prob-bar.winner')?.dataset.cls ?? null); }"""


def engine_prediction(n: int) -> tuple[int, int]:
    """The engine's class for held-out digit n, and its label."""
    model = models.get_model("digits")
    x = (model.heldout_pixels[n].astype(np.float32) / 255)[None]
    _, outputs = run_stack(x, list(model.layers))
    return int(np.argmax(outputs[-1].reshape(-1))), int(model.heldout_labels[n])


@pytest.fixture
def digits_page(page: Any, live_server: str) -> Iterator[Any]:
    """The page switched to "Digits (trained)" with its first pyramid drawn."""
    page.goto(f"{live_server}/")
    settle(page)
    page.get_by_role("button", name="Digits (trained)").click()
    poll(page, "() => window.__convscope.store.getState().mode === 'digits'")
    settle(page)
    yield page


def winner(page: Any) -> str:
    """The class the classifier panel highlights, once the current input is drawn."""
    settle(page)
    value: str = poll(page, WINNER)
    return value


def draw(page: Any, strokes: list[list[tuple[float, float]]]) -> None:
    """Draw strokes on the pad with the mouse; points in cell units (0..28)."""
    box = page.locator("#digits-panel .pad").bounding_box()
    cell = box["width"] / 28
    for path in strokes:
        page.mouse.move(box["x"] + path[0][0] * cell, box["y"] + path[0][1] * cell)
        page.mouse.down()
        for x, y in path[1:]:
            page.mouse.move(box["x"] + x * cell, box["y"] + y * cell, steps=2)
        page.mouse.up()


def one_stroke() -> list[list[tuple[float, float]]]:
    """A '1' as a person draws it: one slightly slanted downstroke."""
    return [[(15.0 - 0.12 * k, 4.5 + k) for k in range(0, 20)]]


def zero_stroke() -> list[list[tuple[float, float]]]:
    """A '0': one closed oval, started at the top, drawn anticlockwise."""
    return [[(14 - 5.5 * math.sin(a), 14 - 8.5 * math.cos(a))
             for a in np.linspace(0, 2 * math.pi + 0.3, 40)]]


def test_picking_held_out_digits_shows_the_engines_class(digits_page: Any) -> None:
    page = digits_page
    buttons = page.locator("#digits-panel .digit")
    poll(page, f"() => document.querySelectorAll('#digits-panel .digit').length >= {GALLERY_PICKS}")
    picks = [int(buttons.nth(k).get_attribute("data-digit")) for k in range(GALLERY_PICKS)]
    right = 0
    classes = set()
    for k, n in enumerate(picks):
        pred, label = engine_prediction(n)
        assert buttons.nth(k).get_attribute("data-label") == str(label)
        buttons.nth(k).click()
        poll(page, f"() => window.__convscope.store.getState().image.digit === {n}")
        shown = winner(page)
        assert page_state(page)["request"]["image"] == {"digit": n}
        assert shown == str(pred), f"held-out digit {n}"
        right += shown == str(label)
        classes.add(label)
    assert right >= 20, f"only {right} of {GALLERY_PICKS} held-out digits read right"
    assert len(classes) >= 8, f"the first gallery digits show only the classes {classes}"


def test_trained_head_is_named_and_the_flatten_step_counted(digits_page: Any) -> None:
    panel = digits_page.locator("#classifier")
    assert panel.locator(".prob-bar").count() == 10
    assert panel.locator(".classifier-note").is_hidden()
    header = page_state(digits_page)["header"]
    assert header["head"]["trained"] is True
    assert abs(sum(header["probabilities"]) - 1) < 1e-5
    c, hh, w = header["layers"][-1]["in_shape"]
    assert f"{hh}×{w}×{c} = {c * hh * w:,} numbers" in panel.locator(".flatten").inner_text()
    assert digits_page.locator(".kernel-pic").count() == header["layers"][1]["shape"][0]


def test_drawn_one_and_zero_are_read_right(digits_page: Any) -> None:
    page = digits_page
    for strokes, digit in ((one_stroke(), "1"), (zero_stroke(), "0")):
        page.get_by_role("button", name="Clear").click()
        settle(page, status="blank")
        draw(page, strokes)
        assert "pixels" in page_state(page)["request"]["image"]
        assert winner(page) == digit


def test_the_keyboard_draws_on_the_pad_and_picks_from_the_gallery(digits_page: Any) -> None:
    page = digits_page
    page.get_by_role("button", name="Clear").click()
    page.locator("#digits-panel .pad").focus()
    for key in ["ArrowUp"] * 9 + ["Space"] + ["ArrowDown"] * 17 + ["Space"]:
        page.keyboard.press(key)
    assert winner(page) == "1"
    first = page.locator("#digits-panel .digit").first
    first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    second = page.locator("#digits-panel .digit").nth(1)
    n = int(second.get_attribute("data-digit"))
    poll(page, f"() => window.__convscope.store.getState().image.digit === {n}")
    assert second.get_attribute("tabindex") == "0"
    assert first.get_attribute("tabindex") == "-1"


def test_empty_pad_says_nothing_drawn_and_sends_nothing(digits_page: Any) -> None:
    page = digits_page
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/api/pyramid" in r.url else None)
    page.get_by_role("button", name="Clear").click()
    settle(page, status="blank")
    answer = page.locator("#classifier .classifier-answer")
    assert answer.inner_text().startswith("Nothing drawn")
    assert page.locator("#classifier .prob-bars").is_hidden()
    page.wait_for_timeout(300)
    assert sent == []


def test_an_edit_that_breaks_the_trained_head_is_explained_and_reset(digits_page: Any) -> None:
    page = digits_page
    page.locator("#b0-stride").select_option("2x2")
    settle(page, status="invalid")
    fit = page.locator("#classifier .classifier-fit")
    text = fit.inner_text()
    assert "stride 2 in layer 1 gives the classifier" in text
    assert "it was trained on" in text
    page.get_by_role("button", name="Reset to the trained network").click()
    settle(page)
    assert fit.is_hidden()
    assert page_state(page)["header"]["head"]["trained"] is True


def test_a_kernel_edit_keeps_the_head_trained(digits_page: Any) -> None:
    page = digits_page
    before = page_state(page)["header"]["probabilities"]
    page.locator("#block-0 summary").click()
    cell = page.locator("#b0-w2-2")
    cell.fill("3")
    settle(page)
    state = page_state(page)
    assert state["layers"][0]["source"] == "custom"
    assert state["header"]["head"]["trained"] is True
    assert state["header"]["probabilities"] != before
    assert page.locator("#classifier .classifier-note").is_hidden()


def handwritten_four() -> bytes:
    """A photo-like '4': dark ink on light, unevenly lit paper, 600 x 450 JPEG."""
    import io

    from PIL import Image, ImageDraw, ImageFilter

    yy, xx = np.mgrid[0:450, 0:600]
    paper = (215 + 25 * (xx / 600) - 15 * (yy / 450)).astype(np.uint8)
    img = Image.fromarray(np.stack([paper, paper - 4, paper - 12], axis=-1), "RGB")
    pen = ImageDraw.Draw(img)
    for line in (((330, 90), (240, 270), (380, 270)), ((340, 180), (335, 380))):
        pen.line(line, fill=(40, 40, 70), width=22, joint="curve")
    out = io.BytesIO()
    img.filter(ImageFilter.GaussianBlur(1.5)).save(out, format="JPEG", quality=90)
    return out.getvalue()


def test_a_photo_of_a_handwritten_digit_is_prepared_and_read(digits_page: Any) -> None:
    page = digits_page
    page.set_input_files("#file", files=[{"name": "four.jpg", "mimeType": "image/jpeg",
                                          "buffer": handwritten_four()}])
    page.wait_for_selector("#digits-panel .pad-reads >> text=prepared as MNIST")
    state = page_state(page)
    assert state["image"]["prepared"] == "digit"
    assert (state["image"]["width"], state["image"]["height"]) == (28, 28)
    assert winner(page) == "4"
    # the pad shows the 28 x 28 picture the network reads
    inked = page.evaluate("""() => { const c = document.querySelector('#digits-panel .pad canvas');
      const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
      let n = 0; for (let i = 0; i < d.length; i += 4) n += d[i] > 64; return n; }""")
    assert 40 < inked < 400


def test_photo_stack_says_its_head_is_untrained(loaded_page: Any) -> None:
    note = loaded_page.locator("#classifier .classifier-note")
    assert "random, untrained weights: these scores mean nothing yet" in note.inner_text().lower()


def test_a_drawn_digit_round_trips_through_the_url(digits_page: Any, browser: Any) -> None:
    page = digits_page
    page.get_by_role("button", name="Clear").click()
    draw(page, zero_stroke())
    shown = winner(page)
    pixels = page_state(page)["image"]["pixels"]
    url = poll(page, f"() => location.search.length > 10 && "
                     f"window.__convscope.store.getState().image.pixels === {pixels!r} "
                     f"&& location.href")
    page.wait_for_timeout(400)  # the URL is written 150 ms after the last change
    url = page.evaluate("() => location.href")
    other = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    try:
        other.goto(url)
        settle(other)
        assert page_state(other)["image"] == {"pixels": pixels}
        assert other.evaluate("() => window.__convscope.store.getState().mode") == "digits"
        assert winner(other) == shown
        embed = url.replace("/?", "/embed?view=pyramid&")
        other.goto(embed)
        other.wait_for_selector('#embed-root[data-status="ready"]', state="attached")
        assert poll(other, WINNER) == shown
    finally:
        other.context.close()
