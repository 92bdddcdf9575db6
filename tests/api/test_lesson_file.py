"""The lesson file loader (app/lesson): the shipped lesson loads, broken files are refused
with messages naming the step and the field, texts are escaped, numbers are computed."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.lesson import LESSON_FILE, Lesson, LessonError, load_lesson, view_state
from app.lesson.format import parse_lesson
from app.lesson.markup import inline, render
from app.lesson.numbers import step_numbers, words

CONV = '[{"type": "conv", "kernel": [3, 3], "maps": 4, "padding": "same"}]'


def step(title: str = "A step", *, extra: str = "", layers: str = CONV,
         answer: str = "Four.", body: str = "Some text.") -> str:
    """One step of a lesson file."""
    return (f"---\ntitle: {title}\nview: layer\nlayers: {layers}\ntry: How many?\n"
            f"answer: {answer}\n{extra}---\n{body}\n")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lesson.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_lesson_has_eight_to_ten_steps_that_all_render() -> None:
    lesson = load_lesson()
    assert 8 <= len(lesson) <= 10
    for s in lesson.steps:
        rendered = lesson.render(s.number, (3, 64, 48))
        assert rendered.problem is None and rendered.title and rendered.answer
        assert "{{" not in rendered.text and "{{" not in rendered.answer


def test_steps_are_numbered_by_their_position_so_moving_a_block_reorders(
        tmp_path: Path) -> None:
    first, second = step("First"), step("Second")
    assert [s.title for s in load_lesson(write(tmp_path, first + second)).steps] == [
        "First", "Second"]
    assert [s.title for s in load_lesson(write(tmp_path, second + first)).steps] == [
        "Second", "First"]


@pytest.mark.parametrize(("text", "expected"), [
    (step() + step(extra="", answer=""), "lesson step 2, field 'answer': missing"),
    (step() + step(extra="colour: red\n"), "lesson step 2, field 'colour': unknown field"),
    (step(extra="view: patch\n"), "lesson step 1, field 'view': given twice"),
    (step().replace("view: layer", "view: movie"), "lesson step 1, field 'view': 'movie' is "
     "not one of patch, pyramid, layer"),
    (step(layers="[{type: conv}]"), "lesson step 1, field 'layers': not valid JSON"),
    (step(layers="[]"), "lesson step 1, field 'layers': must be a JSON list"),
    (step(layers='[{"type": "pool"}]'), "lesson step 1, field 'layers': layer 1 must be"),
    (step(layers='[{"type": "dense"}, {"type": "conv"}]'), "layer 1 is dense, which can "
     "only be the last layer"),
    (step(extra="map: two\n"), "lesson step 1, field 'map': 'two' is not a whole number"),
    (step(extra="height: 9\n"), "field 'height': '9' is not a whole number from 200"),
    (step(body=""), "lesson step 1, field 'text': the step has no text"),
    (step() + "---\ntitle: Half\n", "lesson step 2: its front-matter opened by '---' on line"),
    ("Intro\n" + step(), "must start with a '---' line"),
    ("no steps at all\n", "the lesson file has no step"),
    (step() + step(extra="just words\n"), "lesson step 2: the front-matter line 'just words'"),
    (step() + step(answer="{{ nope }}"), "lesson step 2, field 'answer': 'nope' is undefined"),
    (step(answer="{{ layers[0].w "), "lesson step 1, field 'answer':"),
    (step() + step(layers='[{"type": "conv", "kernel": [9, 9], "padding": "valid"}]'), None),
    (step(layers='[{"type": "conv", "kernel": [600, 3], "padding": "valid"}]'),
     "lesson step 1, field 'layers': layer 1: kernel height 600"),
])
def test_malformed_lesson_files_are_refused_naming_step_and_field(
        tmp_path: Path, text: str, expected: str | None) -> None:
    path = write(tmp_path, text)
    if expected is None:
        assert len(load_lesson(path)) == 2
        return
    with pytest.raises(LessonError) as info:
        load_lesson(path)
    assert expected in str(info.value)


def test_unreadable_lesson_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(LessonError, match="cannot read the lesson file"):
        load_lesson(tmp_path / "missing.md")


def test_quoted_numbers_follow_the_input_not_the_text() -> None:
    lesson = Lesson(parse_lesson(step(answer="{{ input.w }} to {{ layers[0].w }} x "
                                             "{{ layers[0].d }}")))
    assert "100 to 100 x 4" in lesson.render(1, (3, 80, 100)).answer
    assert "30 to 30 x 4" in lesson.render(1, (1, 20, 30)).answer


def test_a_stack_that_cannot_run_on_the_image_is_reported_not_raised() -> None:
    lesson = Lesson(parse_lesson(step(layers='[{"type": "conv", "kernel": [7, 7], '
                                             '"padding": "valid"}]', answer="Plain.")))
    rendered = lesson.render(1, (3, 5, 5))
    assert rendered.problem and "kernel height 7" in rendered.problem


@pytest.mark.parametrize(("n", "k", "s"), [(512, 3, 1), (28, 5, 2), (7, 3, 3), (224, 7, 2)])
def test_padding_modes_follow_the_usual_output_sizes(n: int, k: int, s: int) -> None:
    layers = ({"type": "conv", "kernel": [k, k], "stride": [s, s], "padding": "same"},)
    modes = {m["mode"]: m for m in step_numbers(layers, (3, n, n))["modes"]}
    assert modes["valid"]["h"] == (n - k) // s + 1
    assert modes["same"]["h"] == -(-n // s)
    assert modes["full"]["h"] == (n + k - 2) // s + 1
    assert modes["valid"]["formula_h"].endswith(f"= {(n - k) // s + 1}")


def test_weight_counts_are_kernel_sized_and_dense_counts_are_input_times_output() -> None:
    layers = ({"type": "conv", "kernel": [3, 5], "maps": 6, "stride": [2, 2],
               "padding": "same", "pool": "max2"}, {"type": "dense", "units": 10})
    conv, pool, dense = step_numbers(layers, (3, 20, 16))["layers"]
    assert (conv["d"], conv["h"], conv["w"]) == (6, 10, 8)
    assert conv["params"] == 3 * 5 * 3 * 6 + 6
    assert conv["dense_params"] == (3 * 20 * 16) * (6 * 10 * 8) + 6 * 10 * 8
    assert (pool["kind"], pool["h"], pool["w"]) == ("maxpool", 5, 4)
    assert dense["params"] == 6 * 5 * 4 * 10 + 10 and dense["d"] == 10


@pytest.mark.parametrize(("value", "text"), [(112, "112"), (65536, "65,536"),
                                              (2_400_000, "2.4 million"),
                                              (7_362_000_000, "7.4 billion"),
                                              (3_000_000_000_000, "3 trillion")])
def test_big_counts_are_written_in_words(value: int, text: str) -> None:
    assert words(value) == text


def test_lesson_text_is_escaped_and_only_the_markdown_subset_is_markup() -> None:
    html = str(render("A <script>x</script> **bold** *em* `a<b` [lesson](/lesson/2)\n\n"
                      "- one\n- two [bad](javascript:alert(1))"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert "<code>a&lt;b</code>" in html and '<a href="/lesson/2">lesson</a>' in html
    assert "<ul><li>one</li><li>two [bad](javascript:alert(1))</li></ul>" in html
    assert str(inline("2 * 3 * 4")) == "2 * 3 * 4"


def test_view_state_opens_the_step_layers_on_its_layer_and_map() -> None:
    (s,) = parse_lesson(step(extra="map: 2\nlayer: 1\nflip: 1\nimage: chelsea\n"))
    state = view_state(s)
    assert state["image"] == {"sample": "chelsea"}
    assert state["selected"] == {"layer": 1, "map": 2}
    assert state["anim"]["flip"] == 1 and state["layers"][0]["maps"] == 4


def test_the_shipped_file_is_the_default() -> None:
    assert LESSON_FILE.name == "lesson.md" and LESSON_FILE.exists()


def test_a_broken_lesson_file_stops_the_app_at_start_up(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import app.lesson
    from app.main import create_app
    from app.settings import Settings

    broken = write(tmp_path, step() + step(extra="view: patch\n"))
    monkeypatch.setattr(app.lesson, "LESSON_FILE", broken)
    with pytest.raises(LessonError, match="lesson step 2, field 'view': given twice"):
        create_app(Settings())
