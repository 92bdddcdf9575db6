"""Random dense weights, drawn once per (seed, units, inputs) and shared read-only.

A random classifier on a 512 px photo is 10 x 65,536 He-normal weights: drawing them costs
~8 ms, as much as the three convolutions under it, and a student keeps that layer's seed
while editing the convolutions (so does a class on the same stack). The draw is a pure
function of its key (:func:`app.engine.dense_he_weights`), so keeping it changes no value.
Convolution weights are a few thousand numbers and are drawn each time.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .. import engine
from .cache import LruCache

MIB = 1024 * 1024
DRAWS: LruCache[tuple[int, int, int], np.ndarray] = LruCache(
    max_entries=16, max_bytes=32 * MIB, size_of=lambda a: int(a.nbytes))


def dense_weights(*, seed: int, units: int, inputs: int) -> np.ndarray:
    """:func:`app.engine.dense_he_weights`, kept (read-only) for the next request."""
    key = (seed, units, inputs)
    weights = DRAWS.get(key)
    if weights is None:
        weights = engine.dense_he_weights(units=units, inputs=inputs, seed=seed)
        weights.flags.writeable = False
        DRAWS.put(key, weights)
    return weights


def with_dense_drawn(layers: list[engine.Layer],
                     planned: list[engine.PlannedLayer]) -> list[engine.Layer]:
    """``layers`` with each random dense layer's weights (and zero bias) filled in from
    :func:`dense_weights`; ``planned`` is any plan of the same shapes (a dry plan will do)."""
    out: list[engine.Layer] = []
    for layer, plan in zip(layers, planned, strict=True):
        if isinstance(layer, engine.Dense) and isinstance(layer.weights, engine.RandomWeights):
            weights = dense_weights(seed=layer.weights.seed, units=layer.units,
                                    inputs=math.prod(plan.geometry.in_shape))
            bias = (np.zeros(layer.units, np.float32) if layer.bias is None
                    else layer.bias)
            layer = replace(layer, weights=weights, bias=bias)
        out.append(layer)
    return out
