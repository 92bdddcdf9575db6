"""The page's pure JS modules: their node tests, and conv-plan.js held against the engine."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.engine import EngineError, plan
from app.engine.layers import Activation, Conv, Dense, Layer, Pool, RandomWeights

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


@needs_node
def test_node_unit_tests_pass() -> None:
    result = subprocess.run([str(NODE), "--test", "tests/js/"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def _random_case(rng: np.random.Generator) -> tuple[list[dict[str, Any]], list[Layer],
                                                     tuple[int, int, int]]:
    shape = (int(rng.integers(1, 4)), int(rng.integers(3, 40)), int(rng.integers(3, 40)))
    api: list[dict[str, Any]] = []
    layers: list[Layer] = []
    for _ in range(int(rng.integers(1, 5))):
        kind = rng.choice(["conv", "conv", "pool", "relu"])
        if kind == "conv":
            k = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
            s = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
            d = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
            pad_choice = rng.integers(0, 4)
            pad: Any = (["valid", "same", "full"][pad_choice] if pad_choice < 3
                        else [int(v) for v in rng.integers(0, 3, size=4)])
            maps = int(rng.integers(1, 5))
            api.append({"type": "conv", "filters": maps, "kernel_size": list(k),
                        "stride": list(s), "dilation": list(d), "padding": pad,
                        "weights": {"random": 0}})
            layers.append(Conv(weights=RandomWeights(0), maps=maps, kernel_size=k, stride=s,
                               dilation=d, padding=pad if isinstance(pad, str) else tuple(pad)))
        elif kind == "pool":
            size = int(rng.integers(1, 4))
            api.append({"type": "maxpool", "size": size})
            layers.append(Pool(mode="max", size=size))
        else:
            api.append({"type": "relu"})
            layers.append(Activation("relu"))
    if rng.random() < 0.3:
        api.append({"type": "dense", "units": 3, "weights": {"random": 0}})
        layers.append(Dense(units=3))
    return api, layers, shape


@needs_node
def test_js_plan_matches_engine_plan_on_random_stacks() -> None:
    rng = np.random.default_rng(20240604)
    cases = [_random_case(rng) for _ in range(300)]
    payload = json.dumps({"cases": [{"layers": api, "input": list(shape)}
                                    for api, _, shape in cases]})
    result = subprocess.run([str(NODE), "tests/js/plan_cli.mjs"], cwd=ROOT, input=payload,
                            capture_output=True, text=True, timeout=60, check=True)
    js_plans = json.loads(result.stdout)
    checked_errors = 0
    for (_, layers, shape), js in zip(cases, js_plans, strict=True):
        try:
            planned = plan(layers, shape)
        except EngineError as exc:
            checked_errors += 1
            assert js["error"] is not None, exc
            assert js["error"]["layer"] == exc.layer
            continue
        assert js["error"] is None, js["error"]
        for step, geo in zip(planned, js["geometries"], strict=True):
            expected = step.geometry.as_dict()
            for key in ("in_shape", "padding", "unreached", "unreached_rows", "unreached_cols",
                        "receptive_field", "jump", "origin",
                        "params", "dense_params", "macs", "formula"):
                assert geo[key] == expected[key], (key, geo, expected)
            assert geo["shape"] == expected["out_shape"]
    assert checked_errors > 0, "the random cases should include impossible geometries"
