"""The convolution engine: pure NumPy, no web imports.

What it computes, in one formula (cross-correlation as in PyTorch/TensorFlow, dilation 1 =
dense, explicit (top, bottom, left, right) zero padding underneath every padding mode)::

    out[k, i, j] = bias[k] + sum_{c, u, v} weight[k, c, u, v]
                   * x_pad[c, i * stride_h + u * dilation_h, j * stride_w + v * dilation_w]

Read in this order:

* ``reference``: that formula in a few lines of NumPy, the definition every strategy matches;
* ``shapes``: output sizes and padding modes; ``errors``: the typed errors;
* ``conv``: :func:`conv2d`, which checks its arguments and runs a strategy;
* ``layers``, ``stack``: a stack of layers, planned (shapes only) then run;
* ``pooling``, ``activations``, ``kernels``: the other layers and the preset kernels;
* ``fast/``: the fast strategies (rows, blocks) and the one function that chooses between
  them; how they were measured is in docs/perf.md.
"""

from .activations import ACTIVATIONS, apply_activation
from .conv import conv2d
from .errors import DomainError, EngineError, GeometryError, ParameterError, ShapeError
from .kernels import PRESETS, dense_he_weights, he_weights, preset_2d, preset_weights
from .layers import Activation, Conv, Dense, Layer, Pool, PresetWeights, RandomWeights
from .pooling import avg_pool2d, max_pool2d
from .reference import conv2d_reference
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
    "conv2d_reference",
    "dense_he_weights",
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
