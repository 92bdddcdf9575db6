"""Layer specifications: plain, immutable descriptions of what each layer of a stack does.

Weights may be given as arrays or as recipes (a preset name, a seeded random draw) that are
resolved once the number of input channels is known (see :func:`app.engine.stack.plan`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

from .shapes import PaddingSpec, Pair

Array = NDArray[np.float32]


@dataclass(frozen=True)
class RandomWeights:
    """Seeded He-normal weights; bias zero."""

    seed: int = 0


@dataclass(frozen=True)
class PresetWeights:
    """Named 2-D presets, one per feature map (a single name applies to every map).

    An entry ``"random"`` draws that map's kernel from He-normal, seeded by ``seed + map``.
    """

    names: tuple[str, ...]
    seed: int = 0


WeightSource: TypeAlias = Array | RandomWeights | PresetWeights


@dataclass(frozen=True)
class Conv:
    """Convolution with ``maps`` kernels of ``kernel_size`` (ignored when weights is an array)."""

    weights: WeightSource = field(default_factory=RandomWeights)
    bias: Array | None = None
    maps: int = 1
    kernel_size: Pair = (3, 3)
    stride: int | Pair = 1
    padding: PaddingSpec = "valid"
    dilation: int | Pair = 1
    activation: str = "none"


@dataclass(frozen=True)
class Activation:
    """Element-wise activation: one of :data:`app.engine.activations.ACTIVATIONS`."""

    name: str = "relu"
    slope: float = 0.01


@dataclass(frozen=True)
class Pool:
    """Max (``mode="max"``) or average pooling; ``stride`` defaults to ``size``."""

    mode: str = "max"
    size: int | Pair = 2
    stride: int | Pair | None = None
    padding: PaddingSpec = "valid"


@dataclass(frozen=True)
class Dense:
    """Flatten then a fully connected layer with ``units`` outputs: the classifier on top."""

    units: int = 10
    weights: Array | RandomWeights = field(default_factory=RandomWeights)
    bias: Array | None = None
    activation: str = "none"


Layer: TypeAlias = Conv | Activation | Pool | Dense
