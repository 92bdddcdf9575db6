"""The lesson in Chromium: Back/Next links, arrow keys, reload keeps the step, the step's
live view gets ready, the answer opens on demand, one step embedded on its own, and the
main page's Start-here guide stays hidden once dismissed."""

from __future__ import annotations

import time
from typing import Any

from app.lesson import load_lesson

TOTAL = len(load_lesson())
READY = "() => document.getElementById('embed-root')?.dataset.status"


def view_frame(page: Any) -> Any:
    """The step's live view (the /embed?view=... iframe) once it has navigated."""
    for _ in range(300):
        frame = next((f for f in page.frames if "/embed?view=" in f.url), None)
        if frame is not None:
            return frame
        page.wait_for_timeout(100)
    raise AssertionError("the step's live view never loaded")


def wait_ready(frame: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while frame.evaluate(READY) != "ready":
        if time.monotonic() > deadline:
            raise AssertionError(f"the live view stayed {frame.evaluate(READY)!r}")
        time.sleep(0.1)


def step_of(page: Any) -> int:
    return int(page.locator("#lesson").get_attribute("data-step"))


def test_next_and_back_links_walk_the_steps_with_progress(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/lesson")
    assert page.get_by_text(f"Step 1 of {TOTAL}", exact=True).is_visible()
    assert page.get_by_role("link", name="Back").get_attribute("aria-disabled") == "true"
    page.get_by_role("link", name="Next").click()
    page.wait_for_url(f"{live_server}/lesson/2")
    assert page.get_by_text(f"Step 2 of {TOTAL}", exact=True).is_visible()
    page.get_by_role("link", name="Next").click()
    page.wait_for_url(f"{live_server}/lesson/3")
    page.get_by_role("link", name="Back").click()
    page.wait_for_url(f"{live_server}/lesson/2")
    assert step_of(page) == 2
    assert page.locator('.step-dots a[aria-current="step"]').get_attribute("href") == "/lesson/2"


def test_arrow_keys_move_between_steps_but_not_from_a_control(page: Any,
                                                              live_server: str) -> None:
    page.goto(f"{live_server}/lesson/4")
    page.locator("h1").click()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(f"{live_server}/lesson/5")
    page.locator("h1").click()
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(f"{live_server}/lesson/4")
    # focus in a control (the answer's summary): the arrows stay with it
    page.locator("details.answer summary").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(400)
    assert page.url == f"{live_server}/lesson/4"
    # the last step has no Next: the right arrow goes nowhere
    page.goto(f"{live_server}/lesson/{TOTAL}")
    page.locator("h1").click()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(400)
    assert page.url == f"{live_server}/lesson/{TOTAL}"


def test_reload_keeps_the_step(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/lesson/6")
    title = page.locator("h1").inner_text()
    page.reload()
    assert step_of(page) == 6 and page.locator("h1").inner_text() == title


def test_the_step_live_view_gets_ready_and_fits_its_frame(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/lesson/3")
    frame = view_frame(page)
    wait_ready(frame)
    # the layer view of layer 1, 4 maps, as the step's text says
    assert frame.locator('#pyramid .tile[data-layer="1"]').count() == 4
    # the iframe grew to its content (the embed's height message)
    deadline = time.monotonic() + 10
    while True:
        box = page.locator("iframe.lesson-frame").bounding_box()
        inner = frame.evaluate("() => document.documentElement.scrollHeight")
        if abs(box["height"] - inner) <= 4:
            break
        assert time.monotonic() < deadline, (box, inner)
        time.sleep(0.1)


def test_the_answer_is_revealed_on_demand(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/lesson/7")
    answer = page.locator("details.answer .answer-body")
    assert not answer.is_visible()
    page.get_by_text("Show the answer").click()
    assert answer.is_visible()
    assert "112 weights and biases" in answer.inner_text()


def test_one_step_embedded_has_a_heading_and_a_ready_view(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/embed?lesson=9")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Convolution")
    assert page.get_by_role("link", name="Next").count() == 0
    frame = view_frame(page)
    wait_ready(frame)
    assert frame.get_by_label("Flip the kernel (true convolution)").is_checked()


def test_start_here_guide_points_at_the_lesson_and_stays_dismissed(
        page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/")
    guide = page.get_by_role("region", name="Start here")
    guide.wait_for()
    assert guide.get_by_role("link", name="Take the lesson").get_attribute("href") == "/lesson"
    guide.get_by_role("button", name="Hide").click()
    assert page.locator("#start-here").count() == 0
    page.reload()
    page.wait_for_selector("#pyramid[data-status]", state="attached")
    page.wait_for_timeout(300)
    assert page.locator("#start-here").count() == 0 or not page.locator(
        "#start-here").is_visible()
    # the lesson stays one click away, in the top bar
    assert page.get_by_role("link", name="Lesson", exact=True).get_attribute("href") == "/lesson"


def test_start_here_takes_the_student_to_the_lesson_in_one_click(
        page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Take the lesson").click()
    page.wait_for_url(f"{live_server}/lesson")
    assert page.get_by_text(f"Step 1 of {TOTAL}", exact=True).is_visible()


COURSE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Week 3</title>
</head><body><h1>Week 3</h1>
<iframe id="step" src="{src}" title="Convscope lesson step" width="900" height="300"></iframe>
<script>
  window.heights = [];
  window.addEventListener("message", (event) => {{
    if (event.origin !== "{app}" || event.data.type !== "convscope:height") return;
    window.heights.push(event.data.height);
    document.getElementById("step").style.height = event.data.height + "px";
  }});
</script></body></html>"""


def test_an_embedded_step_in_a_course_page_reports_its_height(page: Any,
                                                            embed_sites: Any) -> None:
    app, host = embed_sites.app, embed_sites.host
    host.pages["/week3.html"] = COURSE_PAGE.format(src=f"{app}/embed?lesson=4", app=app)
    page.goto(f"{host.origin}/week3.html")
    frame = next(f for f in page.frames if f.url.startswith(f"{app}/embed?lesson=4"))
    assert frame.get_by_role("heading", level=1).inner_text().startswith("Stride")
    wait_ready(view_frame(page))
    # the step grows as its own live view reports in: the course page follows every change
    deadline = time.monotonic() + 20
    while True:
        last = page.evaluate("() => window.heights.at(-1) ?? 0")
        inner = frame.evaluate("() => document.documentElement.scrollHeight")
        shown = page.evaluate("() => document.getElementById('step').clientHeight")
        if last > 600 and abs(inner - last) <= 4 and shown == last:
            break
        assert time.monotonic() < deadline, (last, inner, shown)
        time.sleep(0.1)


def test_the_classifier_step_shows_the_trained_network_answering(page: Any,
                                                                 live_server: str) -> None:
    page.goto(f"{live_server}/lesson/8")
    frame = view_frame(page)
    wait_ready(frame)
    answer = frame.locator("#classifier")
    answer.wait_for(state="visible")
    deadline = time.monotonic() + 20
    while "The network says 7" not in answer.inner_text():
        assert time.monotonic() < deadline, answer.inner_text()
        time.sleep(0.1)
    page.get_by_text("Show the answer").click()
    assert "It answers 7" in page.locator("details.answer").inner_text()


def test_keyboard_focus_is_visible_on_the_lesson_links(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/lesson/2")
    page.get_by_role("link", name="Back").focus()
    page.keyboard.press("Tab")  # from Back to Next, by keyboard
    focused = page.evaluate("() => { const s = getComputedStyle(document.activeElement); "
                            "return [document.activeElement.textContent.trim(), s.outlineStyle, "
                            "parseFloat(s.outlineWidth)]; }")
    assert focused[0] == "Next" and focused[1] != "none" and focused[2] >= 2
