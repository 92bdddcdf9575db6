"""Trained networks shipped with the app, as engine layers with their held-out examples.

Pure NumPy + :mod:`app.engine`: the weights were trained offline (``scripts/train_digits.py``,
PyTorch, developers only) and are only read here. Every array is read-only, so a caller
that edits a kernel must copy it first; one cached model serves every request.

The network sees exactly what the engine's input does for a grey image, ``pixel / 255``,
white ink on black as in MNIST; softmax is not a layer: the probabilities are the softmax
of the last layer's outputs. See ``docs/models/digits.md`` (the model card).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from app import engine

from .store import read_heldout_file, read_model_file

MODELS_DIR = Path(__file__).resolve().parent
MODEL_NAMES: tuple[str, ...] = ("digits",)


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """A trained network: its engine layers, classes and held-out examples.

    Attributes
    ----------
    name, title : str
        ``"digits"``; what the page calls it.
    input_shape : (C, H, W)
        What the first layer takes, e.g. ``(1, 28, 28)``.
    classes : tuple of str
        The label of each output of the last layer, in order.
    layers : tuple of engine layers
        With array weights and biases (float32, read-only), in order.
    accuracy : float
        Fraction of the held-out examples the engine classifies right with these weights.
    heldout_pixels : (N, H, W) uint8
        The held-out examples, never trained on: white ink (255) on black (0).
    heldout_labels : (N,) uint8
        Their true classes (indices into ``classes``).
    """

    name: str
    title: str
    input_shape: tuple[int, int, int]
    classes: tuple[str, ...]
    layers: tuple[engine.Layer, ...]
    accuracy: float
    heldout_pixels: NDArray[np.uint8]
    heldout_labels: NDArray[np.uint8]


@cache
def get_model(name: str) -> TrainedModel:
    """The shipped model ``name`` (one of :data:`MODEL_NAMES`), loaded once and cached.

    Raises
    ------
    KeyError
        ``name`` is not a shipped model; the message lists the ones there are.
    """
    if name not in MODEL_NAMES:
        raise KeyError(f"unknown model {name!r}: the trained models are "
                       f"{', '.join(repr(n) for n in MODEL_NAMES)}")
    meta, layers = read_model_file(MODELS_DIR / f"{name}.npz")
    pixels, labels = read_heldout_file(MODELS_DIR / f"{name}_heldout.npz")
    c, h, w = (int(v) for v in meta["input_shape"])
    if pixels.shape[1:] != (h, w):
        raise ValueError(f"{name}: held-out images are {pixels.shape[1:]}, the network takes "
                         f"{(h, w)}")
    return TrainedModel(name=meta["name"], title=meta["title"], input_shape=(c, h, w),
                        classes=tuple(str(k) for k in meta["classes"]), layers=layers,
                        accuracy=float(meta["accuracy"]), heldout_pixels=pixels,
                        heldout_labels=labels)
