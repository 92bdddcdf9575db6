"""Random dense weights are drawn once per (seed, units, inputs) and change nothing."""

from __future__ import annotations

import numpy as np
import pytest

from app import engine
from app.schemas import DenseLayer, PyramidRequest
from app.services import caps, draws
from app.settings import Settings

LAYERS = [
    {"type": "conv", "filters": 3, "kernel_size": 3, "stride": 2, "weights": {"random": 4}},
    {"type": "maxpool", "size": 2},
    {"type": "dense", "units": 10, "weights": {"random": 9}},
]


def test_a_kept_draw_is_the_engines_own_draw_read_only() -> None:
    first = draws.dense_weights(seed=123, units=7, inputs=301)
    np.testing.assert_array_equal(
        first, engine.dense_he_weights(units=7, inputs=301, seed=123))
    assert draws.dense_weights(seed=123, units=7, inputs=301) is first  # drawn once
    assert not first.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        first[0, 0] = 1.0


def test_a_stack_planned_with_kept_draws_is_the_engines_plan() -> None:
    request = PyramidRequest.model_validate({"image": {"sample": "camera"}, "layers": LAYERS})
    x = np.random.default_rng(2).random((3, 61, 47), dtype=np.float32)
    ours = caps.plan_tensor(request.layers, x, caps.Caps.from_settings(Settings()))
    again = caps.plan_tensor(request.layers, x, caps.Caps.from_settings(Settings()))
    theirs = engine.plan([*caps.to_engine_layers(request.layers)], tuple(x.shape))
    assert isinstance(request.layers[2], DenseLayer)
    for a, b in zip(ours, theirs, strict=True):
        assert a.geometry == b.geometry  # params count the zero bias, as the engine's do
        np.testing.assert_array_equal(getattr(a.layer, "weights", None),
                                      getattr(b.layer, "weights", None))
        np.testing.assert_array_equal(getattr(a.layer, "bias", None),
                                      getattr(b.layer, "bias", None))
    assert again[2].layer.weights is ours[2].layer.weights
    for got, want in zip(engine.run_planned(x, ours), engine.run_planned(x, theirs),
                         strict=True):
        np.testing.assert_array_equal(got, want)
