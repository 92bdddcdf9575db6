"""The shipped digits model and the engine's class scores for all its held-out digits."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from app import engine
from app.models import TrainedModel, get_model

PIXEL_SCALE = 255.0  # the app's images.as_tensor: the network sees pixel / 255


def engine_inputs(model: TrainedModel) -> NDArray[np.float32]:
    """The held-out digits as the engine gets them: ``(N, 1, 28, 28)`` float32 in [0, 1]."""
    return (model.heldout_pixels.astype(np.float32) / PIXEL_SCALE)[:, np.newaxis]


@pytest.fixture(scope="session")
def digits() -> TrainedModel:
    return get_model("digits")


@pytest.fixture(scope="session")
def engine_scores(digits: TrainedModel) -> NDArray[np.float32]:
    """``(N, 10)``: the last layer's outputs for every held-out digit, planned once and run
    the way the app runs a stack (``plan`` then ``run_planned``)."""
    planned = engine.plan(list(digits.layers), digits.input_shape)
    x = engine_inputs(digits)
    return np.stack([engine.run_planned(x[i], planned)[-1].reshape(-1) for i in range(len(x))])
