"""The lesson (``/lesson``): the lecture's ideas in order, one live view per step.

The text is data: ``lesson.md`` beside this module (format in :mod:`app.lesson.format` and
docs/lesson.md). :func:`load_lesson` reads and checks it once, when the app is built, so a
broken file stops the server with a message naming the step and the field;
:meth:`Lesson.render` fills a step's numbers for the image it shows.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .. import engine
from ..engine import EngineError
from ..models import get_model
from . import markup
from .format import LessonError, Step, parse_lesson
from .numbers import step_numbers, words
from .trained import blocks_from_layers

# a trained network's layers by name; KeyError if there is none
ModelLayers = Callable[[str], Sequence[engine.Layer]]


def shipped_models(name: str) -> Sequence[engine.Layer]:
    """The layers of a trained network shipped with the app (app/models)."""
    return get_model(name).layers

LESSON_FILE = Path(__file__).with_name("lesson.md")
# the shape the file is checked against at start-up (the samples are decoded later)
NOMINAL_SHAPE = (3, 512, 512)
DIGIT_SHAPE = (1, 28, 28)  # the held-out digits of a trained network (docs: CONTRACT)
# iframe heights that fit each embed view at ~900 px wide; a step's `height` overrides
VIEW_HEIGHTS = {"patch": 1150, "pyramid": 760, "layer": 820}
TEXT_FIELDS = (("text", "text"), ("try", "try_this"), ("answer", "answer"), ("title", "title"))


@dataclass(frozen=True)
class RenderedStep:
    """A step ready for the template: safe HTML and the live view's URL."""

    number: int
    total: int
    title: str
    text: Markup
    try_this: Markup
    answer: Markup
    view_url: str
    view_title: str
    height: int
    numbers: str | None
    facts: dict[str, Any]
    problem: str | None


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    env.filters["words"] = words
    return env


def view_state(step: Step) -> dict[str, Any]:
    """The page configuration (``s=``, static/js/state.js) the step's view opens on."""
    digits = step.digit is not None or step.model is not None
    image: dict[str, Any] = ({"digit": step.digit or 0} if digits else {"sample": step.image})
    # `mode` only for the digits view, as the page writes it (static/js/sanitize.js)
    return {**({"mode": "digits"} if digits else {}), "image": image,
            "color": "grey" if digits else step.color, "layers": list(step.layers),
            "selected": {"layer": step.layer, "map": step.map}, "scale": "map",
            "anim": {"layer": step.layer, "map": step.map, "step": step.step,
                     "flip": step.flip, "playing": 0},
            "grid": None}


def _encoded_state(step: Step) -> str:
    raw = json.dumps(view_state(step), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def view_url(step: Step) -> str:
    """``/embed?...`` showing the step's piece on its state."""
    query = {"view": step.view, "controls": step.controls, "s": _encoded_state(step)}
    if step.view != "pyramid":
        query |= {"layer": str(step.layer), "map": str(step.map)}
    return f"/embed?{urlencode(query)}"


def nominal_shape(step: Step) -> tuple[int, int, int]:
    """The input shape a step is checked against before any image is decoded."""
    return DIGIT_SHAPE if step.digit is not None or step.model is not None else NOMINAL_SHAPE


def _with_model(step: Step, models: ModelLayers | None) -> Step:
    if step.model is None:
        return step
    try:
        if models is None:
            raise KeyError(step.model)
        layers = models(step.model)
    except KeyError:
        raise LessonError(f"lesson step {step.number}, field 'model': no trained network "
                          f"called {step.model!r} in this installation") from None
    try:
        return replace(step, layers=blocks_from_layers(step.model, layers))
    except LessonError as exc:
        raise LessonError(f"lesson step {step.number}, field 'model': {exc}") from None


class Lesson:
    """The checked steps of a lesson file; ``models`` gives a trained network's layers to
    the steps that name one (``model:``)."""

    def __init__(self, steps: tuple[Step, ...], *, models: ModelLayers | None = None) -> None:
        self.steps = tuple(_with_model(s, models) for s in steps)
        self._env = _environment()
        self._templates = {(s.number, field): self._compile(s, field, getattr(s, attr))
                           for s in steps for field, attr in TEXT_FIELDS}

    def _compile(self, step: Step, field: str, text: str) -> Any:
        try:
            return self._env.from_string(text)
        except TemplateError as exc:
            raise LessonError(f"lesson step {step.number}, field '{field}': {exc}") from None

    def __len__(self) -> int:
        return len(self.steps)

    def step(self, number: int) -> Step:
        """Step ``number`` (1-based); ``KeyError`` outside ``1..len``."""
        if not 1 <= number <= len(self.steps):
            raise KeyError(number)
        return self.steps[number - 1]

    def render(self, number: int, shape: tuple[int, int, int] | None = None) -> RenderedStep:
        """Step ``number`` with its numbers computed for an input of ``shape`` ``(C, H, W)``.

        Raises
        ------
        LessonError
            A text quotes a number that does not exist (names the step and field).
        """
        step = self.step(number)
        shape = shape or nominal_shape(step)
        problem = None
        try:
            facts = step_numbers(step.layers, shape)
        except EngineError as exc:  # the file was checked on NOMINAL_SHAPE, not this image
            facts = {"input": {"w": shape[2], "h": shape[1], "d": shape[0]}, "layers": [],
                     "modes": []}
            problem = str(exc)
        texts = {}
        for field, _ in TEXT_FIELDS:
            try:
                texts[field] = self._templates[(number, field)].render(**facts)
            except (TemplateError, LookupError, TypeError, ValueError) as exc:
                if problem:
                    texts[field] = getattr(step, dict(TEXT_FIELDS)[field])
                    continue
                raise LessonError(f"lesson step {number}, field '{field}': {exc}") from None
        what = {"patch": "the sliding patch", "pyramid": "every layer",
                "layer": f"layer {step.layer}"}[step.view]
        return RenderedStep(
            number=number, total=len(self.steps), title=texts["title"],
            text=markup.render(texts["text"]), try_this=markup.inline(texts["try"]),
            answer=markup.render(texts["answer"]), view_url=view_url(step),
            view_title=f"Live view of step {number}: {what}",
            height=step.height or VIEW_HEIGHTS[step.view], numbers=step.numbers, facts=facts,
            problem=problem)


def load_lesson(path: Path | None = None, *,
                models: ModelLayers | None = shipped_models) -> Lesson:
    """Read and check a lesson file (default :data:`LESSON_FILE`): structure, fields,
    templates and every quoted number.

    Raises
    ------
    LessonError
        The first problem, naming the step and the field.
    """
    path = path or LESSON_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(f"cannot read the lesson file {path}: {exc}") from None
    lesson = Lesson(parse_lesson(text), models=models)
    for step in lesson.steps:
        rendered = lesson.render(step.number)
        if rendered.problem:
            c, h, w = nominal_shape(step)
            raise LessonError(f"lesson step {step.number}, field 'layers': {rendered.problem} "
                              f"(on a {w} x {h} x {c} image)")
    return lesson


__all__ = ["DIGIT_SHAPE", "LESSON_FILE", "Lesson", "LessonError", "ModelLayers", "RenderedStep",
           "Step", "load_lesson", "nominal_shape", "shipped_models", "view_state", "view_url"]
