"""A lesson step that shows a trained network (``model:``): its layers become the page's
trained blocks, its numbers are those of a 28 x 28 digit, and a missing network or a
layer the page cannot express stops the lesson with the step and field named."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from app import engine
from app.lesson import Lesson, LessonError, load_lesson, view_url
from app.lesson.format import parse_lesson
from app.lesson.trained import blocks_from_layers

RNG = np.random.default_rng(14)


def digits_like() -> tuple[engine.Layer, ...]:
    """The contract's shape of the digits network: conv 5x5 same, pool, conv 3x3, pool, dense."""
    w = lambda *shape: RNG.standard_normal(shape).astype(np.float32)  # noqa: E731
    return (engine.Conv(weights=w(8, 1, 5, 5), bias=w(8), padding="same", activation="relu"),
            engine.Pool(mode="max", size=2),
            engine.Conv(weights=w(16, 8, 3, 3), bias=w(16), padding=(1, 1),
                        activation="relu"),
            engine.Pool(mode="max", size=2),
            engine.Dense(units=10, weights=w(10, 784), bias=w(10)))


STEP = ("---\ntitle: The classifier\nview: pyramid\nmodel: digits\ndigit: 7\n"
        "try: How many inputs does the classifier read?\n"
        "answer: {{ layers[-1].in_w * layers[-1].in_h * layers[-1].in_d }}\n---\nText.\n")


def test_trained_layers_become_the_page_trained_blocks() -> None:
    blocks = blocks_from_layers("digits", digits_like())
    assert [b["type"] for b in blocks] == ["conv", "conv", "dense"]
    first, second, dense = blocks
    assert first == {"type": "conv", "kernel": [5, 5], "maps": 8, "stride": [1, 1],
                          "padding": "same", "dilation": [1, 1], "activation": "relu",
                          "pool": "max2", "source": "trained", "model": "digits",
                          "trainedLayer": 0}
    assert second["padding"] == "custom" and second["pad"] == [1, 1, 1, 1]
    assert second["trainedLayer"] == 2 and second["pool"] == "max2"
    assert dense == {"type": "dense", "units": 10, "activation": "none", "source": "trained",
                     "model": "digits", "trainedLayer": 4}


def test_a_model_step_shows_the_digit_and_quotes_the_trained_shapes() -> None:
    lesson = Lesson(parse_lesson(STEP), models=lambda name: digits_like())
    rendered = lesson.render(1)
    assert "784" in rendered.answer  # 16 x 7 x 7 into the classifier
    s = parse_qs(urlparse(view_url(lesson.step(1))).query)["s"][0]
    state = json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    assert state["mode"] == "digits" and state["image"] == {"digit": 7}
    assert state["color"] == "grey" and state["layers"][2]["source"] == "trained"


def test_a_missing_trained_network_names_the_step_and_field(tmp_path: Path) -> None:
    path = tmp_path / "lesson.md"
    path.write_text(STEP, encoding="utf-8")
    with pytest.raises(LessonError, match="lesson step 1, field 'model': no trained network "
                                          "called 'digits'"):
        load_lesson(path, models=None)

    def none(name: str) -> tuple[engine.Layer, ...]:
        raise KeyError(name)

    with pytest.raises(LessonError, match="field 'model'"):
        load_lesson(path, models=none)
    assert len(load_lesson(path, models=lambda name: digits_like())) == 1
    assert len(load_lesson(path)) == 1  # the shipped digits network


def test_model_and_layers_together_are_refused() -> None:
    text = STEP.replace("model: digits\n", 'model: digits\nlayers: [{"type": "conv"}]\n')
    with pytest.raises(LessonError, match="give 'model' or 'layers', not both"):
        parse_lesson(text)


@pytest.mark.parametrize("layers", [
    (engine.Pool(mode="max", size=2),),
    (engine.Conv(maps=2), engine.Pool(mode="max", size=4)),
    (engine.Conv(maps=2), engine.Activation("relu")),
])
def test_layers_the_page_cannot_express_are_refused(layers: tuple[engine.Layer, ...]) -> None:
    with pytest.raises(LessonError, match="has no form in the page"):
        blocks_from_layers("digits", layers)
