"""The classifier on top of a stack: its class probabilities and whether it is trained.

Softmax is not a layer (the engine's dense layer gives raw scores): it is computed here,
in float64 after subtracting the largest score, so that no score overflows ``exp`` and the
probabilities sum to 1 to double rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import engine
from ..schemas import DenseLayer, LayerSpec, ModelRecipe


def softmax(scores: NDArray[np.floating[Any]]) -> list[float]:
    """``exp(s - max s) / sum(exp(s - max s))`` over the flattened ``scores``, in float64.

    Returns
    -------
    list of float
        K probabilities in [0, 1] summing to 1 (to float64 rounding).
    """
    wide = np.asarray(scores, dtype=np.float64).reshape(-1)
    shifted = np.exp(wide - wide.max())
    return [float(p) for p in shifted / shifted.sum()]


def ends_in_dense(planned: Sequence[engine.PlannedLayer]) -> bool:
    """The stack's last layer is dense: its outputs are class scores."""
    return bool(planned) and planned[-1].geometry.kind == "dense"


def head_info(specs: Sequence[LayerSpec]) -> dict[str, Any]:
    """``{"trained": bool, "model": name | None}`` of the last (dense) layer: trained means
    its weights are the ``{"model": ...}`` recipe."""
    last = specs[-1] if specs else None
    if isinstance(last, DenseLayer) and isinstance(last.weights, ModelRecipe):
        return {"trained": True, "model": last.weights.model}
    return {"trained": False, "model": None}


def classifier_fields(specs: Sequence[LayerSpec], planned: Sequence[engine.PlannedLayer],
                      outputs: Sequence[NDArray[np.float32]]) -> dict[str, Any]:
    """``{"probabilities", "head"}`` when the last layer is dense, else ``{}``."""
    if not ends_in_dense(planned) or len(outputs) < len(planned):
        return {}
    return {"probabilities": softmax(outputs[-1]), "head": head_info(specs)}
