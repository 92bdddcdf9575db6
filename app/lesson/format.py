"""The lesson file: steps of ``---``-fenced front-matter, each followed by its text.

The format (docs/lesson.md has the teacher's version)::

    ---
    title: A patch through a tiny network
    view: patch
    layers: [{"type": "conv", "maps": 4, "source": "presets", "presets": ["sobel_x"]}]
    try: How many numbers come out of one patch?
    answer: {{ layers[0].d }}, one per feature map.
    ---
    The step's text: paragraphs of Markdown (a small subset, see :mod:`app.lesson.markup`).

Front-matter lines are ``key: value`` (one line each; ``#`` starts a comment line). Steps are
numbered by their position in the file, so moving a block reorders the lesson. ``layers`` is
JSON in the page's layer schema (docs/embedding.md); the other values are plain text or
integers. Everything is checked here, once, with errors that name the step and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

FENCE = "---"
VIEWS = ("patch", "pyramid", "layer")
NUMBERS = ("geometry", "padding", "weights")
COLORS = ("auto", "rgb", "grey")
REQUIRED = ("title", "view", "layers", "try", "answer")
OPTIONAL = ("layer", "map", "image", "digit", "color", "step", "flip", "numbers", "height",
            "controls", "model")
CONTROLS = ("on", "locked", "hidden")
INT_FIELDS = {"layer": (1, 64), "map": (0, 4095), "step": (0, 10**7), "flip": (0, 1),
              "height": (200, 4000), "digit": (0, 999)}
MAX_STEPS = 30


class LessonError(ValueError):
    """A lesson file that cannot be used; the message names the step and the field."""


@dataclass(frozen=True)
class Step:
    """One step of the lesson as written in the file (texts are still templates)."""

    number: int  # 1-based position in the file
    title: str
    text: str  # Markdown subset with ``{{ ... }}`` numbers
    view: str
    layers: tuple[dict[str, Any], ...]
    try_this: str
    answer: str
    layer: int = 1
    map: int = 0
    image: str = "astronaut"
    digit: int | None = None
    color: str = "auto"
    step: int = 0
    flip: int = 0
    numbers: str | None = None
    height: int | None = None
    controls: str = "on"
    model: str | None = None  # a trained network: its layers, filled in by the Lesson


def _where(number: int, field: str) -> str:
    return f"lesson step {number}, field '{field}'"


def _split(text: str) -> list[tuple[int, list[str], list[str]]]:
    """``(step number, front-matter lines, body lines)`` for every fenced block."""
    lines = text.splitlines()
    fences = [i for i, line in enumerate(lines) if line.rstrip() == FENCE]
    if not fences:
        raise LessonError(f"the lesson file has no step: each step starts with a line '{FENCE}', "
                          f"its 'key: value' lines, and another '{FENCE}' line")
    if any(line.strip() for line in lines[:fences[0]]):
        raise LessonError(f"the lesson file must start with a '{FENCE}' line (text was found "
                          f"before the first step, line 1)")
    if len(fences) % 2:
        raise LessonError(f"lesson step {len(fences) // 2 + 1}: its front-matter opened by "
                          f"'{FENCE}' on line {fences[-1] + 1} is never closed by another "
                          f"'{FENCE}' line")
    blocks = []
    for n, at in enumerate(range(0, len(fences), 2), start=1):
        start, end = fences[at], fences[at + 1]
        body_end = fences[at + 2] if at + 2 < len(fences) else len(lines)
        blocks.append((n, lines[start + 1:end], lines[end + 1:body_end]))
    return blocks


def _fields(number: int, lines: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not key.replace("_", "").isalnum():
            raise LessonError(f"lesson step {number}: the front-matter line {line.strip()!r} is "
                              f"not 'key: value'")
        if key not in REQUIRED + OPTIONAL:
            raise LessonError(f"{_where(number, key)}: unknown field; the fields are "
                              f"{', '.join(REQUIRED + OPTIONAL)}")
        if key in fields:
            raise LessonError(f"{_where(number, key)}: given twice")
        fields[key] = value.strip()
    if fields.get("model") and "layers" in fields:
        raise LessonError(f"{_where(number, 'layers')}: a step with a trained 'model' takes "
                          f"its layers from it: give 'model' or 'layers', not both")
    for key in REQUIRED:
        if key == "layers" and fields.get("model"):
            continue
        if not fields.get(key):
            raise LessonError(f"{_where(number, key)}: missing (every step needs "
                              f"{', '.join(REQUIRED)})")
    return fields


def _int(number: int, key: str, value: str) -> int:
    lo, hi = INT_FIELDS[key]
    if not value.lstrip("-").isdigit() or not lo <= int(value) <= hi:
        raise LessonError(f"{_where(number, key)}: {value!r} is not a whole number from {lo} "
                          f"to {hi}")
    return int(value)


def _choice(number: int, key: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise LessonError(f"{_where(number, key)}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _layers(number: int, value: str) -> tuple[dict[str, Any], ...]:
    try:
        layers = json.loads(value)
    except json.JSONDecodeError as exc:
        raise LessonError(f"{_where(number, 'layers')}: not valid JSON ({exc.msg} at column "
                          f"{exc.colno})") from None
    if not isinstance(layers, list) or not layers:
        raise LessonError(f"{_where(number, 'layers')}: must be a JSON list of at least one "
                          f"layer")
    for i, layer in enumerate(layers, start=1):
        kind = layer.get("type") if isinstance(layer, dict) else None
        if kind not in ("conv", "dense"):
            raise LessonError(f"{_where(number, 'layers')}: layer {i} must be an object with "
                              f"\"type\": \"conv\" or \"dense\", got {json.dumps(layer)[:60]}")
        if kind == "dense" and i != len(layers):
            raise LessonError(f"{_where(number, 'layers')}: layer {i} is dense, which can only "
                              f"be the last layer")
    return tuple(layers)


def parse_lesson(text: str) -> tuple[Step, ...]:
    """Every step of a lesson file, checked.

    Raises
    ------
    LessonError
        With a message naming the step (1-based) and the field at fault.
    """
    steps = []
    for number, head, body in _split(text):
        f = _fields(number, head)
        text_body = "\n".join(body).strip()
        if not text_body:
            raise LessonError(f"{_where(number, 'text')}: the step has no text after its "
                              f"front-matter")
        opts: dict[str, Any] = {k: _int(number, k, f[k]) for k in INT_FIELDS if k in f}
        if "color" in f:
            opts["color"] = _choice(number, "color", f["color"], COLORS)
        if "numbers" in f:
            opts["numbers"] = _choice(number, "numbers", f["numbers"], NUMBERS)
        if "controls" in f:
            opts["controls"] = _choice(number, "controls", f["controls"], CONTROLS)
        if "image" in f:
            opts["image"] = f["image"]
        if "model" in f:
            opts["model"] = f["model"]
        steps.append(Step(number=number, title=f["title"], text=text_body,
                          view=_choice(number, "view", f["view"], VIEWS),
                          layers=_layers(number, f["layers"]) if "layers" in f else (),
                          try_this=f["try"],
                          answer=f["answer"], **opts))
    if len(steps) > MAX_STEPS:
        raise LessonError(f"the lesson has {len(steps)} steps; at most {MAX_STEPS} are allowed")
    return tuple(steps)
