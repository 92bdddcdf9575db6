"""The engine's class scores for the shipped weights are PyTorch's, to 1e-4."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from app import engine
from app.models import TrainedModel

from .conftest import engine_inputs

COMPARED = 200


def _torch_scores(torch: Any, digits: TrainedModel, x: NDArray[np.float32]) -> Any:
    """The shipped layers written with PyTorch's own operators, padding as the engine plans it."""
    planned = engine.plan(list(digits.layers), digits.input_shape)
    functional = torch.nn.functional
    h = torch.from_numpy(x)
    for step in planned:
        layer, g = step.layer, step.geometry
        if isinstance(layer, engine.Conv):
            top, bottom, left, right = g.padding
            h = functional.conv2d(functional.pad(h, (left, right, top, bottom)),
                                  torch.from_numpy(np.array(layer.weights)),
                                  torch.from_numpy(np.array(layer.bias)),
                                  stride=g.stride, dilation=g.dilation)
            assert layer.activation in ("relu", "none")
            h = torch.relu(h) if layer.activation == "relu" else h
        elif isinstance(layer, engine.Pool):
            assert layer.mode == "max" and g.padding == (0, 0, 0, 0)
            h = functional.max_pool2d(h, g.kernel, g.stride)
        elif isinstance(layer, engine.Dense):
            assert layer.activation == "none"
            h = functional.linear(torch.nn.Flatten()(h), torch.from_numpy(np.array(layer.weights)),
                                  torch.from_numpy(np.array(layer.bias)))
        else:
            raise AssertionError(f"no PyTorch twin for {layer}")
    return h


@pytest.mark.torch
def test_engine_class_scores_equal_pytorchs(digits: TrainedModel,
                                            engine_scores: NDArray[np.float32]) -> None:
    torch = pytest.importorskip("torch")
    with torch.no_grad():
        want = _torch_scores(torch, digits, engine_inputs(digits)[:COMPARED]).numpy()
    assert want.shape == (COMPARED, len(digits.classes))
    np.testing.assert_allclose(engine_scores[:COMPARED], want, rtol=0, atol=1e-4)
    np.testing.assert_array_equal(engine_scores[:COMPARED].argmax(1), want.argmax(1))
