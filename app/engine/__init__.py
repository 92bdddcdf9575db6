"""The convolution engine: pure NumPy, no web imports.

One convention throughout: cross-correlation as in PyTorch/TensorFlow, dilation 1 = dense,
explicit (top, bottom, left, right) padding underneath every padding mode.
"""

from .activations import ACTIVATIONS, apply_activation
from .conv import conv2d
from .errors import DomainError, EngineError, GeometryError, ParameterError, ShapeError
from .kernels import PRESETS, he_weights, preset_2d, preset_weights
from .layers import Activation, Conv, Dense, Layer, Pool, PresetWeights, RandomWeights
from .pooling import avg_pool2d, max_pool2d
from .shapes import as_pair, output_length, resolve_padding, same_padding
from .stack import Geometry, PlannedLayer, plan, run_planned, run_stack

__all__ = [
    "ACTIVATIONS",
    "PRESETS",
    "Activation",
    "Conv",
    "Dense",
    "DomainError",
    "EngineError",
    "Geometry",
    "GeometryError",
    "Layer",
    "ParameterError",
    "PlannedLayer",
    "Pool",
    "PresetWeights",
    "RandomWeights",
    "ShapeError",
    "apply_activation",
    "as_pair",
    "avg_pool2d",
    "conv2d",
    "he_weights",
    "max_pool2d",
    "output_length",
    "plan",
    "preset_2d",
    "preset_weights",
    "resolve_padding",
    "run_planned",
    "run_stack",
    "same_padding",
]
