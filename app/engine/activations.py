"""Element-wise activations. Each returns a new float32 array; the input is never modified."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .errors import ParameterError

Array = NDArray[np.float32]

LEAKY_RELU_DEFAULT_SLOPE = 0.01


def identity(x: Array) -> Array:
    """No activation: a copy of ``x``."""
    return np.array(x, dtype=np.float32, copy=True)


def relu(x: Array) -> Array:
    """``max(x, 0)``."""
    return np.maximum(x, np.float32(0))


def leaky_relu(x: Array, *, slope: float = LEAKY_RELU_DEFAULT_SLOPE) -> Array:
    """``x`` where positive, ``slope * x`` elsewhere (PyTorch's default slope 0.01)."""
    return np.where(x > 0, x, np.float32(slope) * x).astype(np.float32, copy=False)


def sigmoid(x: Array) -> Array:
    """``1 / (1 + exp(-x))``, computed without overflow for large ``|x|``."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(np.float32, copy=False)


def tanh(x: Array) -> Array:
    """Hyperbolic tangent."""
    return np.tanh(x).astype(np.float32, copy=False)


ACTIVATIONS: dict[str, Callable[[Array], Array]] = {
    "none": identity,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "sigmoid": sigmoid,
    "tanh": tanh,
}


def apply_activation(name: str, x: Array, *, slope: float = LEAKY_RELU_DEFAULT_SLOPE) -> Array:
    """Apply the activation called ``name`` (one of :data:`ACTIVATIONS`)."""
    if name not in ACTIVATIONS:
        raise ParameterError(
            f"activation must be one of {', '.join(ACTIVATIONS)}, got {name!r}",
            field="activation", value=name, limit=" | ".join(ACTIVATIONS),
        )
    if name == "leaky_relu":
        return leaky_relu(x, slope=slope)
    return ACTIVATIONS[name](x)
