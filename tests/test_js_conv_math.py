"""Every export of static/js/conv-math.js held against the engine's Python on random cases.

The formulas exist once per language (app/engine/shapes.py, static/js/conv-math.js); this runs
the JavaScript ones in node (tests/js/conv-math-cli.mjs) and compares each result with what
the engine computes for the same numbers. Where the engine raises (an empty output), the
JavaScript contract is stated: 0 cells, every input cell unreached, and the same message.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.engine import EngineError, plan
from app.engine.errors import GeometryError
from app.engine.layers import Conv, RandomWeights
from app.engine.shapes import (
    as_pair,
    effective_kernel,
    formula_text,
    output_length,
    resolve_padding,
    same_padding,
    unreached_cells,
    unreached_indices,
)
from app.engine.stack import Geometry
from tests.test_js_unit import _random_case

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")
CASES_PER_FUNCTION = 200

Call = tuple[str, list[Any], Any]


def _axis(rng: np.random.Generator) -> tuple[int, int, dict[str, int]]:
    n, k = int(rng.integers(1, 40)), int(rng.integers(1, 8))
    opts = {"stride": int(rng.integers(1, 7)), "dilation": int(rng.integers(1, 5)),
            "before": int(rng.integers(0, 5)), "after": int(rng.integers(0, 5))}
    return n, k, opts


def _engine(fn: Callable[..., Any], n: int, k: int, o: dict[str, int], empty: Any) -> Any:
    """The engine's ``fn`` on one axis, or the JavaScript contract's value where it raises."""
    try:
        return fn(n, k, stride=o["stride"], dilation=o["dilation"], before=o["before"],
                  after=o["after"])
    except GeometryError:
        return empty


def _geometry_json(g: Geometry) -> dict[str, Any]:
    """A geometry as the API sends it (``type`` for ``kind``, ``shape`` for ``out_shape``)."""
    d = g.as_dict()
    return {"type": d.pop("kind"), "shape": d.pop("out_shape"), **d}


def _back_project(geos: list[dict[str, Any]], index: int,
                  cells: dict[str, int]) -> dict[str, dict[str, int]]:
    """Loop oracle: the cells of every lower layer that output cells ``cells`` of layer
    ``index`` read, from the engine's geometry: window ``i`` spans ``i*s - before`` to
    ``i*s - before + d*(k-1)``; clipped to each layer's input."""
    out: dict[str, dict[str, int]] = {}
    region = dict(cells)
    for layer in range(index, 0, -1):
        g = geos[layer - 1]
        _, h, w = g["in_shape"]
        if g["type"] == "dense":
            region = {"r0": 0, "r1": h - 1, "c0": 0, "c1": w - 1}
        else:
            first = [region["r0"], region["c0"]]
            last = [region["r1"], region["c1"]]
            before = [g["padding"][0], g["padding"][2]]
            lo = [first[a] * g["stride"][a] - before[a] for a in range(2)]
            hi = [last[a] * g["stride"][a] - before[a]
                  + effective_kernel(g["kernel"][a], g["dilation"][a]) - 1 for a in range(2)]
            region = {"r0": max(lo[0], 0), "r1": min(hi[0], h - 1),
                      "c0": max(lo[1], 0), "c1": min(hi[1], w - 1)}
        out[str(layer - 1)] = region
    return out


def _axis_calls(rng: np.random.Generator) -> list[Call]:
    calls: list[Call] = []
    for _ in range(CASES_PER_FUNCTION):
        n, k, o = _axis(rng)
        s, d, b, a = o["stride"], o["dilation"], o["before"], o["after"]
        axis = str(rng.choice(["height", "width"]))
        calls += [
            ("effectiveKernel", [k, d], effective_kernel(k, d)),
            ("ceilDiv", [n, s], -(-n // s)),
            ("samePadding", [n, k, {"stride": s, "dilation": d}],
             list(same_padding(n, k, stride=s, dilation=d))),
            ("fullPadding", [k, d],
             resolve_padding("full", in_size=(n, n), kernel=(k, k), dilation=(d, d))[0]),
            ("outputLength", [n, k, o], _engine(output_length, n, k, o, 0)),
            ("unreachedIndices", [n, k, o],
             list(_engine(unreached_indices, n, k, o, range(n)))),
            ("unreachedCells", [n, k, o], _engine(unreached_cells, n, k, o, n)),
        ]
        try:
            output_length(n, k, stride=s, dilation=d, before=b, after=a, axis=axis)
            reason = None
            calls.append(("formulaText", [n, k, o], _engine(formula_text, n, k, o, None)))
        except GeometryError as exc:
            reason = exc.message
        calls.append(("emptyReason", [n, k, {**o, "axis": axis}], reason))
        value: Any = (int(rng.integers(1, 9)) if rng.random() < 0.5
                      else [int(v) for v in rng.integers(1, 9, size=2)])
        calls.append(("toPair", [value], list(as_pair(value, name="value"))))
    return calls


def _padding_calls(rng: np.random.Generator) -> list[Call]:
    calls: list[Call] = []
    for _ in range(CASES_PER_FUNCTION):
        size = [int(v) for v in rng.integers(1, 40, size=2)]
        kernel = [int(v) for v in rng.integers(1, 8, size=2)]
        stride = [int(v) for v in rng.integers(1, 5, size=2)]
        dilation = [int(v) for v in rng.integers(1, 4, size=2)]
        form = int(rng.integers(0, 6))
        spec: Any = (["valid", "same", "full"][form] if form < 3
                     else int(rng.integers(0, 5)) if form == 3
                     else [int(v) for v in rng.integers(0, 5, size=2 if form == 4 else 4)])
        expected = resolve_padding(spec if not isinstance(spec, list) else tuple(spec),
                                   in_size=(size[0], size[1]), kernel=(kernel[0], kernel[1]),
                                   stride=(stride[0], stride[1]),
                                   dilation=(dilation[0], dilation[1]))
        calls.append(("resolvePadding", [spec, {"inSize": size, "kernel": kernel,
                                                "stride": stride, "dilation": dilation}],
                      list(expected)))
    return calls


def _window_calls(rng: np.random.Generator) -> list[Call]:
    """windowSpan against one conv layer's receptive field as the engine plans it."""
    calls: list[Call] = []
    for _ in range(CASES_PER_FUNCTION):
        n, k, o = _axis(rng)
        padding = (o["before"], o["after"], 0, 0)
        try:
            (step,) = plan([Conv(weights=RandomWeights(0), maps=1, kernel_size=(k, 1),
                                 stride=(o["stride"], 1), dilation=(o["dilation"], 1),
                                 padding=padding)], (1, n, 1))
        except EngineError:
            continue
        g = step.geometry
        i = int(rng.integers(0, g.out_shape[1]))
        first = g.origin[0] + i * g.jump[0]
        calls.append(("windowSpan", [i, {"kernel": k, "stride": o["stride"],
                                         "dilation": o["dilation"], "before": o["before"]}],
                      [first, first + g.receptive_field[0] - 1]))
    return calls


def _stack_calls(rng: np.random.Generator) -> list[Call]:
    """receptiveFieldBox, backProject, planLayer and planStack on random planned stacks."""
    calls: list[Call] = []
    while len(calls) < 4 * CASES_PER_FUNCTION:
        api, layers, shape = _random_case(rng)
        try:
            planned = plan(layers, shape)
        except EngineError:
            continue
        geos = [_geometry_json(p.geometry) for p in planned]
        index = int(rng.integers(1, len(geos) + 1))
        g = geos[index - 1]
        i, j = int(rng.integers(0, g["shape"][1])), int(rng.integers(0, g["shape"][2]))
        top, left = g["origin"][0] + i * g["jump"][0], g["origin"][1] + j * g["jump"][1]
        bottom = top + g["receptive_field"][0] - 1
        right = left + g["receptive_field"][1] - 1
        box = {"top": max(top, 0), "left": max(left, 0), "bottom": min(bottom, shape[1] - 1),
               "right": min(right, shape[2] - 1)}
        box["clipped"] = (box["top"], box["left"], box["bottom"], box["right"]) != (
            top, left, bottom, right)
        image = {"height": shape[1], "width": shape[2]}
        cells = {"r0": i, "r1": i, "c0": j, "c1": j}
        rf = {"field": [1, 1], "jump": [1, 1], "origin": [0, 0]}
        calls += [
            ("receptiveFieldBox", [g, i, j, image], box),
            ("backProject", [geos, index, cells], _back_project(geos, index, cells)),
            ("planLayer", [api[0], list(shape), rf], geos[0]),
            ("planStack", [api, list(shape)], {"geometries": geos, "error": None}),
        ]
    return calls


def _same(js: Any, expected: Any) -> bool:
    """Equal, reading a geometry's `shape` (the JavaScript side) for ``out_shape``."""
    if isinstance(expected, dict) and isinstance(js, dict):
        return all(key in js and _same(js[key], value) for key, value in expected.items())
    return bool(js == expected)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_every_conv_math_export_matches_the_engine_on_random_cases() -> None:
    rng = np.random.default_rng(20261204)
    calls = (_axis_calls(rng) + _padding_calls(rng) + _window_calls(rng)
             + _stack_calls(rng))
    payload = json.dumps({"calls": [[name, args] for name, args, _ in calls]})
    result = subprocess.run([str(NODE), "tests/js/conv-math-cli.mjs"], cwd=ROOT, input=payload,
                            capture_output=True, text=True, timeout=120, check=True)
    answer = json.loads(result.stdout)
    tested = {name for name, _, _ in calls}
    assert set(answer["exports"]) == tested, "every export of conv-math.js needs a case here"
    for (name, args, expected), js in zip(calls, answer["results"], strict=True):
        assert _same(js, expected), (name, args, js, expected)
    empty = sum(1 for name, _, expected in calls if name == "emptyReason" and expected)
    assert empty > 20, "the random cases should include empty outputs"
