"""Lists the page and the server both need are the same on both sides.

The page offers only what the server accepts: the activations (named in the engine, the
schemas, the error tags, and on the page in config.js, the arithmetic of the sliding patch,
the layer labels and the editor's select), the kernel presets, the padding modes, and the
limits of the editor and of grid mode (at most the server's, equal where the page promises the
server's bound).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, get_args

import pytest

from app.engine import activations, kernels, shapes
from app.errors import LAYER_TAGS
from app.schemas.layers import ActivationName, PresetName, PreviewSide, Seed
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")

READ_PAGE = """
const load = (path) => import(new URL(path, `file://${process.cwd()}/`).href);
const config = await load("static/js/config.js");
const patch = await load("static/js/patch/config.js");
const arithmetic = await load("static/js/patch/arithmetic.js");
const labels = await load("static/js/render/labels.js");
const fields = await load("static/js/editor/conv-fields.js");
const plan = await load("static/js/conv-plan.js");
const acts = Object.fromEntries(config.ACTIVATIONS.map((a) => [a, plan.planLayer({ type: a },
  [1, 2, 2], { field: [1, 1], jump: [1, 1], origin: [0, 0] }).error ?? null]));
process.stdout.write(JSON.stringify({
  activations: config.ACTIVATIONS, planned: acts,
  arithmetic: Object.keys(arithmetic.ACTIVATIONS), labels: Object.keys(labels.ACTIVATION_NAMES),
  select: Object.keys(fields.ACTIVATION_LABELS),
  presets: config.PRESETS, fixed: config.FIXED_SIZE_PRESETS, limits: config.LIMITS,
  padding: config.PADDING_MODES,
  preview: config.PREVIEW_BOUNDS, grid: patch.GRID_LIMITS }));
"""


@pytest.fixture(scope="module")
def page() -> dict[str, Any]:
    if NODE is None:
        pytest.skip("node is not installed")
    result = subprocess.run([str(NODE), "--input-type=module", "-e", READ_PAGE], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=True)
    lists: dict[str, Any] = json.loads(result.stdout)
    return lists


def test_the_activations_are_one_list_everywhere(page: dict[str, Any]) -> None:
    engine = list(activations.ACTIVATIONS)
    assert list(get_args(ActivationName)) == engine
    assert set(engine) <= LAYER_TAGS
    assert page["activations"] == engine
    for where in ("arithmetic", "labels", "select"):
        assert sorted(page[where]) == sorted(engine), where
    assert page["planned"] == dict.fromkeys(engine), "conv-plan.js plans every activation"


def test_the_kernel_presets_are_the_engines(page: dict[str, Any]) -> None:
    assert page["presets"] == list(kernels.PRESETS)
    assert list(get_args(PresetName)) == list(kernels.PRESETS)
    assert page["fixed"] == list(kernels.FIXED_SIZE_PRESETS)


def test_the_padding_modes_are_the_engines_and_custom(page: dict[str, Any]) -> None:
    assert page["padding"] == [*shapes.PADDING_MODES, "custom"]


def _bounds(annotated: Any) -> tuple[int, int]:
    field = get_args(annotated)[1]
    lower = next(m.ge for m in field.metadata if hasattr(m, "ge"))
    upper = next(m.le for m in field.metadata if hasattr(m, "le"))
    return int(lower), int(upper)


def test_the_page_limits_are_the_servers_defaults(page: dict[str, Any]) -> None:
    server = Settings()
    limits = page["limits"]
    assert limits["maxKernel"] == server.max_kernel
    assert limits["maxStride"] == server.max_stride
    assert limits["maxDilation"] == server.max_dilation
    assert limits["maxPadding"] == server.max_padding
    assert limits["maxApiLayers"] == server.max_layers
    assert limits["maxMaps"] <= server.max_filters
    assert limits["maxUnits"] <= server.max_filters
    assert 0 < limits["maxSeed"] <= _bounds(Seed)[1]
    assert (page["preview"]["min"], page["preview"]["max"]) == _bounds(PreviewSide)


def test_grid_mode_offers_only_what_the_server_accepts(page: dict[str, Any]) -> None:
    server = Settings()
    grid = page["grid"]
    assert grid["maxSide"] <= server.max_input_side
    assert grid["maxKernel"] <= server.max_kernel
    assert grid["maxStride"] <= server.max_stride
    assert grid["maxDilation"] <= server.max_dilation
    assert grid["maxPadding"] <= server.max_padding
