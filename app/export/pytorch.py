""""Copy as PyTorch": Python source that rebuilds a planned stack with its exact weights.

The generated module needs only ``torch`` and ``numpy``. ``build_model()`` returns an
``nn.Sequential`` with one entry per Convscope layer, so ``feature_maps(model, x)`` yields
the same ``(1, K, H_out, W_out)`` maps the engine computes, layer by layer:

* conv: ``nn.Conv2d`` with the padding it can express (equal on both sides of an axis);
  TensorFlow-"same" and other asymmetric padding become an explicit ``nn.ZeroPad2d`` in
  front of a ``padding=0`` conv;
* max pooling pads with ``-inf`` (padding never wins), average pooling ignores padding cells
  (``count_include_pad=False``, or a small helper module when the padding is asymmetric);
* dense: ``nn.Flatten`` + ``nn.Linear`` + ``nn.Unflatten`` back to ``(units, 1, 1)``.

Weights are embedded as base64 of float32 little-endian (exact), small ones as literals;
trained weights (a ``{"model": ...}`` recipe) are embedded the same way, so the file runs
without Convscope. A small input (a 28 x 28 digit) is embedded too, as ``example_input()``;
when the last layer is dense, ``probabilities(model, x)`` is its softmax and running the file
prints it, one line per class.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from app.engine import Activation, Conv, Dense, PlannedLayer, Pool

from .pytorch_text import (
    AVG_POOL_HELPER,
    EXAMPLE_INPUT,
    FEATURE_MAPS,
    HEADER,
    MAIN,
    PRINT_PROBABILITIES,
    PROBABILITIES,
)

# Arrays with at most this many values are written as readable literals.
LITERAL_MAX_VALUES = 32
# Characters per line of an embedded base64 string.
BASE64_LINE = 96
# Inputs with at most this many values are embedded as example_input().
EMBED_INPUT_MAX_VALUES = 64 * 64 * 3

ACTIVATION_MODULES = {
    "none": "nn.Identity()",
    "relu": "nn.ReLU()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
}
LEAKY_RELU_DEFAULT_SLOPE = 0.01


@dataclass(frozen=True)
class Head:
    """What the generated code says about a dense last layer: its class labels and whether
    its weights are trained (``model`` names the network) or random."""

    classes: tuple[str, ...]
    model: str | None = None


@dataclass
class _Emitter:
    """Accumulates the body of ``build_model()`` and which helpers it needs."""

    lines: list[str] = field(default_factory=list)
    needs_avg_helper: bool = False

    def add(self, line: str = "") -> None:
        self.lines.append(f"    {line}" if line else "")


def _array_expr(values: NDArray[np.float32]) -> str:
    shape = tuple(int(n) for n in values.shape)
    flat = np.ascontiguousarray(values, dtype="<f4").reshape(-1)
    if flat.size <= LITERAL_MAX_VALUES:
        literal = ", ".join(repr(float(v)) for v in flat)
        return f"_literal([{literal}], {shape})"
    text = base64.b64encode(flat.tobytes()).decode("ascii")
    chunks = [text[i:i + BASE64_LINE] for i in range(0, len(text), BASE64_LINE)]
    body = "".join(f'\n            "{c}",' for c in chunks)
    return f"_array([{body}\n        ], {shape})"


def _activation(name: str, *, slope: float = LEAKY_RELU_DEFAULT_SLOPE) -> str:
    if name == "leaky_relu":
        return f"nn.LeakyReLU({slope!r})"
    return ACTIVATION_MODULES[name]


def _resolved(value: object, length: int) -> tuple[int, ...]:
    """A geometry field that :func:`app.engine.plan` has already resolved to a tuple."""
    if not (isinstance(value, tuple) and len(value) == length):
        raise TypeError(f"expected a planned layer (a {length}-tuple), got {value!r}")
    return tuple(int(v) for v in value)


def _conv(out: _Emitter, var: str, layer: Conv) -> list[str]:
    assert isinstance(layer.weights, np.ndarray)  # resolved by plan()
    k, c, kh, kw = layer.weights.shape
    top, bottom, left, right = _resolved(layer.padding, 4)
    parts: list[str] = []
    if top == bottom and left == right:
        pad = f"({top}, {left})"
    else:
        parts.append(f"nn.ZeroPad2d(({left}, {right}, {top}, {bottom}))")
        pad = "0"
    has_bias = layer.bias is not None
    out.add(f"{var} = nn.Conv2d({c}, {k}, ({kh}, {kw}), stride={_resolved(layer.stride, 2)}, "
            f"padding={pad}, dilation={_resolved(layer.dilation, 2)}, bias={has_bias})")
    out.add(f"{var}.weight = nn.Parameter({_array_expr(layer.weights)})")
    if layer.bias is not None:
        out.add(f"{var}.bias = nn.Parameter({_array_expr(layer.bias)})")
    parts.append(var)
    if layer.activation != "none":
        parts.append(_activation(layer.activation))
    return parts


def _pool(out: _Emitter, layer: Pool) -> list[str]:
    top, bottom, left, right = _resolved(layer.padding, 4)
    size, stride = _resolved(layer.size, 2), _resolved(layer.stride, 2)
    kh, kw = size
    symmetric = top == bottom and left == right and 2 * top <= kh and 2 * left <= kw
    if layer.mode == "max":
        if symmetric:
            return [f"nn.MaxPool2d({size}, stride={stride}, padding=({top}, {left}))"]
        return [f"nn.ConstantPad2d(({left}, {right}, {top}, {bottom}), float('-inf'))",
                f"nn.MaxPool2d({size}, stride={stride})"]
    if symmetric:
        return [f"nn.AvgPool2d({size}, stride={stride}, padding=({top}, {left}), "
                f"count_include_pad=False)"]
    out.needs_avg_helper = True
    return [f"AvgPoolIgnoringPadding({size}, {stride}, ({left}, {right}, {top}, {bottom}))"]


def _dense(out: _Emitter, var: str, layer: Dense) -> list[str]:
    assert isinstance(layer.weights, np.ndarray)
    units, n_in = layer.weights.shape
    out.add(f"{var} = nn.Linear({n_in}, {units}, bias={layer.bias is not None})")
    out.add(f"{var}.weight = nn.Parameter({_array_expr(layer.weights)})")
    if layer.bias is not None:
        out.add(f"{var}.bias = nn.Parameter({_array_expr(layer.bias)})")
    parts = ["nn.Flatten()", var]
    if layer.activation != "none":
        parts.append(_activation(layer.activation))
    parts.append(f"nn.Unflatten(1, ({units}, 1, 1))")
    return parts


def _describe(step: PlannedLayer) -> str:
    g = step.geometry
    shape = "x".join(str(n) for n in g.out_shape)
    if g.kind in ("conv", "maxpool", "avgpool"):
        return (f"{g.kind} {g.kernel[0]}x{g.kernel[1]}, stride {list(g.stride)}, padding "
                f"(top, bottom, left, right) {list(g.padding)}, dilation {list(g.dilation)}"
                f" -> {shape}")
    return f"{g.kind} -> {shape}"


def pytorch_code(planned: list[PlannedLayer], *, input_shape: tuple[int, int, int],
                 title: str = "A Convscope stack rebuilt in PyTorch.",
                 example: NDArray[np.float32] | None = None,
                 trained: dict[int, str] | None = None, head: Head | None = None) -> str:
    """Python source rebuilding ``planned`` (from :func:`app.engine.plan`) in PyTorch.

    Parameters
    ----------
    planned : the planned stack (weights resolved to arrays).
    input_shape : ``(C, H, W)`` the stack was planned for.
    title : first line of the module docstring.
    example : ``(C, H, W)`` the input to embed as ``example_input()`` (and to run on when
        the file is run); ``None``: a random input of ``input_shape``.
    trained : ``{layer index: "the trained weights of 'digits' layer 0"}``, said in the code.
    head : when the last layer is dense, its classes and whether it is trained: adds
        ``probabilities(model, x)`` and prints them when the file is run.

    Returns
    -------
    The source of a module defining ``build_model()`` and ``feature_maps(model, x)``.
    """
    out = _Emitter()
    entries: list[str] = []
    for number, step in enumerate(planned, start=1):
        layer = step.layer
        out.add(f"# layer {number}: {_describe(step)}")
        if trained and number - 1 in trained:
            out.add(f"# {trained[number - 1]}")
        if isinstance(layer, Conv):
            parts = _conv(out, f"conv{number}", layer)
        elif isinstance(layer, Pool):
            parts = _pool(out, layer)
        elif isinstance(layer, Activation):
            parts = [_activation(layer.name, slope=layer.slope)]
        else:
            parts = _dense(out, f"dense{number}", layer)
        entries.append(f"nn.Sequential({', '.join(parts)}),  # layer {number}")
    out.add("return nn.Sequential(")
    for entry in entries:
        out.add(f"    {entry}")
    out.add(").eval()")
    safe_title = title.replace("\\", "\\\\").replace('"""', "'''")
    source = HEADER.format(title=safe_title, shape=tuple(input_shape))
    if out.needs_avg_helper:
        source += AVG_POOL_HELPER
    body = "\n".join(out.lines)
    source += ("\n\ndef build_model():\n"
               '    """One ``nn.Sequential`` per Convscope layer, with the exact weights."""\n'
               f"{body}\n")
    source += FEATURE_MAPS
    if example is not None:
        values = np.ascontiguousarray(example, dtype=np.float32)[np.newaxis]
        source += EXAMPLE_INPUT.format(values=_array_expr(values))
    dense_last = bool(planned) and isinstance(planned[-1].layer, Dense)
    if head is not None and dense_last:
        units = planned[-1].geometry.out_shape[0]
        said = (f"trained weights of {head.model!r}" if head.model is not None
                else "random, untrained weights: these scores mean nothing yet")
        source += PROBABILITIES.format(classes=repr(tuple(head.classes)), units=units,
                                       head=said)
    source += MAIN.format(input="example_input()" if example is not None
                          else "torch.rand(1, *INPUT_SHAPE)")
    if head is not None and dense_last:
        source += PRINT_PROBABILITIES
    return source
