"""Plan and run a stack of layers: geometry of every layer without computing, then the maps.

Receptive field bookkeeping (per axis, on the original image): a layer with window span
``s = dilation * (k - 1) + 1``, stride ``t`` and leading padding ``p`` maps
``rf' = rf + (s - 1) * jump``, ``jump' = jump * t``, ``origin' = origin - p * jump``. Output cell
``i`` then sees original cells ``origin' + i * jump'`` to ``origin' + i * jump' + rf' - 1``
(clip to the image: the rest is padding).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import activations, kernels
from .conv import conv2d_planned, require_finite
from .errors import EngineError, ParameterError, ShapeError
from .layers import Activation, Conv, Dense, Layer, Pool, RandomWeights
from .pooling import avg_pool2d, check_pool_padding, max_pool2d
from .shapes import (
    Padding4,
    Pair,
    as_pair,
    conv_output_size,
    formula_text,
    resolve_padding,
    unreached_indices,
)

Array = NDArray[np.float32]
Shape3 = tuple[int, int, int]


@dataclass(frozen=True)
class Geometry:
    """Everything about one layer's shapes, known before any arithmetic.

    ``in_shape``/``out_shape`` are ``(C, H, W)``; ``padding`` is ``(top, bottom, left, right)``;
    ``unreached`` counts the input ``(rows, cols)`` that no tap of any window reads, and
    ``unreached_rows``/``unreached_cols`` list their indices (ascending; see
    :func:`~app.engine.shapes.unreached_indices`);
    ``receptive_field``, ``jump`` and ``origin`` are ``(h, w)`` on the original image;
    ``params`` counts weights + biases and ``dense_params`` what a dense layer joining the
    same input and output would need; ``macs`` counts multiply-adds.
    """

    kind: str
    in_shape: Shape3
    out_shape: Shape3
    kernel: Pair
    stride: Pair
    dilation: Pair
    padding: Padding4
    unreached: Pair
    receptive_field: Pair
    jump: Pair
    origin: Pair
    params: int
    dense_params: int
    macs: int
    formula: dict[str, str]
    unreached_rows: tuple[int, ...] = ()
    unreached_cols: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples become lists)."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class PlannedLayer:
    """A layer with its weights resolved to arrays, and its geometry."""

    layer: Layer
    geometry: Geometry


def _resolve_conv_weights(layer: Conv, channels: int) -> tuple[Array, Array | None]:
    src = layer.weights
    if isinstance(src, np.ndarray):
        return src.astype(np.float32, copy=False), layer.bias
    size = as_pair(layer.kernel_size, name="kernel_size")
    maps = layer.maps
    if maps < 1:
        raise ParameterError(f"feature maps must be at least 1, got {maps}", field="maps",
                             value=maps, limit=">= 1")
    if isinstance(src, RandomWeights):
        weight = kernels.he_weights(maps=maps, channels=channels, size=size, seed=src.seed)
    else:
        names = src.names if len(src.names) != 1 else src.names * maps
        if len(names) != maps:
            raise ShapeError(f"{len(names)} presets given for {maps} feature maps",
                             field="weights", value=len(names), limit=f"1 or {maps} names")
        per_map = [
            kernels.he_weights(maps=1, channels=channels, size=size, seed=src.seed + i)[0]
            if name == "random"
            else kernels.preset_weights(name, maps=1, channels=channels, size=size)[0]
            for i, name in enumerate(names)
        ]
        weight = np.stack(per_map).astype(np.float32)
    bias = layer.bias if layer.bias is not None else np.zeros(maps, dtype=np.float32)
    return weight, bias


def _window_geometry(kind: str, in_shape: Shape3, out_c: int, kernel: Pair, stride: Pair,
                     dilation: Pair, padding: Padding4, rf: tuple[Pair, Pair, Pair],
                     params: int) -> Geometry:
    c, h, w = in_shape
    out_h, out_w = conv_output_size((h, w), kernel, stride=stride, dilation=dilation,
                                    padding=padding)
    field_, jump, origin = rf
    spans = [dilation[a] * (kernel[a] - 1) + 1 for a in range(2)]
    befores = (padding[0], padding[2])
    afters = (padding[1], padding[3])
    sizes = (h, w)
    rows, cols = (
        unreached_indices(sizes[a], kernel[a], stride=stride[a], dilation=dilation[a],
                          before=befores[a], after=afters[a]) for a in range(2)
    )
    out_shape = (out_c, out_h, out_w)
    n_in, n_out = c * h * w, out_c * out_h * out_w
    per_out = c * kernel[0] * kernel[1] if kind == "conv" else 0
    return Geometry(
        kind=kind, in_shape=in_shape, out_shape=out_shape, kernel=kernel, stride=stride,
        dilation=dilation, padding=padding, unreached=(len(rows), len(cols)),
        unreached_rows=rows, unreached_cols=cols,
        receptive_field=(field_[0] + (spans[0] - 1) * jump[0],
                         field_[1] + (spans[1] - 1) * jump[1]),
        jump=(jump[0] * stride[0], jump[1] * stride[1]),
        origin=(origin[0] - padding[0] * jump[0], origin[1] - padding[2] * jump[1]),
        params=params, dense_params=n_in * n_out + n_out, macs=n_out * per_out,
        formula={
            axis: formula_text(sizes[a], kernel[a], stride=stride[a], dilation=dilation[a],
                               before=befores[a], after=afters[a])
            for a, axis in enumerate(("height", "width"))
        },
    )


def _plan_one(layer: Layer, in_shape: Shape3,
              rf: tuple[Pair, Pair, Pair]) -> PlannedLayer:
    c, h, w = in_shape
    if isinstance(layer, Conv):
        activations.apply_activation(layer.activation, np.zeros(1, np.float32))  # validates
        weight, bias = _resolve_conv_weights(layer, c)
        if weight.ndim != 4 or weight.shape[1] != c:
            raise ShapeError(
                f"weights must be K x {c} x kh x kw for an input with {c} channels, got "
                f"{list(weight.shape)}", field="weights", value=list(weight.shape),
                limit=f"K x {c} x kh x kw")
        if bias is not None and bias.shape != (weight.shape[0],):
            raise ShapeError(f"bias needs {weight.shape[0]} values, got {list(bias.shape)}",
                             field="bias", value=list(bias.shape),
                             limit=f"length {weight.shape[0]}")
        kernel = (weight.shape[2], weight.shape[3])
        stride = as_pair(layer.stride, name="stride")
        dilation = as_pair(layer.dilation, name="dilation")
        padding = resolve_padding(layer.padding, in_size=(h, w), kernel=kernel, stride=stride,
                                  dilation=dilation)
        require_finite(weight, name="weights")
        if bias is not None:
            bias = np.asarray(bias, dtype=np.float32)
            require_finite(bias, name="bias")
        resolved = replace(layer, weights=weight, bias=bias, maps=weight.shape[0],
                           kernel_size=kernel, stride=stride, dilation=dilation, padding=padding)
        params = weight.size + (0 if bias is None else bias.size)
        geo = _window_geometry("conv", in_shape, weight.shape[0], kernel, stride, dilation,
                               padding, rf, params)
        return PlannedLayer(resolved, geo)
    if isinstance(layer, Pool):
        if layer.mode not in ("max", "avg"):
            raise ParameterError(f"pooling must be max or avg, got {layer.mode!r}",
                                 field="type", value=layer.mode, limit="maxpool | avgpool")
        kernel = as_pair(layer.size, name="size")
        stride = as_pair(kernel if layer.stride is None else layer.stride, name="stride")
        padding = resolve_padding(layer.padding, in_size=(h, w), kernel=kernel, stride=stride)
        check_pool_padding(padding, kernel)
        resolved_pool = replace(layer, size=kernel, stride=stride, padding=padding)
        geo = _window_geometry(f"{layer.mode}pool", in_shape, c, kernel, stride, (1, 1),
                               padding, rf, 0)
        return PlannedLayer(resolved_pool, geo)
    if isinstance(layer, Activation):
        activations.apply_activation(layer.name, np.zeros(1, np.float32))  # validates the name
        field_, jump, origin = rf
        geo = Geometry(kind=layer.name, in_shape=in_shape, out_shape=in_shape, kernel=(1, 1),
                       stride=(1, 1), dilation=(1, 1), padding=(0, 0, 0, 0), unreached=(0, 0),
                       receptive_field=field_, jump=jump, origin=origin, params=0,
                       dense_params=0, macs=0, formula={"height": str(h), "width": str(w)})
        return PlannedLayer(layer, geo)
    return _plan_dense(layer, in_shape, rf)


def _plan_dense(layer: Dense, in_shape: Shape3, rf: tuple[Pair, Pair, Pair]) -> PlannedLayer:
    n_in = in_shape[0] * in_shape[1] * in_shape[2]
    bias: Array | None
    if isinstance(layer.weights, RandomWeights):
        if layer.units < 1:
            raise ParameterError(f"units must be at least 1, got {layer.units}", field="units",
                                 value=layer.units, limit=">= 1")
        weight = kernels.dense_he_weights(units=layer.units, inputs=n_in,
                                          seed=layer.weights.seed)
        bias = layer.bias if layer.bias is not None else np.zeros(layer.units, np.float32)
    else:
        weight, bias = layer.weights.astype(np.float32, copy=False), layer.bias
    if weight.ndim != 2 or weight.shape[1] != n_in:
        raise ShapeError(f"dense weights must be units x {n_in} (the flattened input), got "
                         f"{list(weight.shape)}", field="weights", value=list(weight.shape),
                         limit=f"units x {n_in}")
    units = weight.shape[0]
    if bias is not None and bias.shape != (units,):
        raise ShapeError(f"bias needs {units} values, got {list(bias.shape)}", field="bias",
                         value=list(bias.shape), limit=f"length {units}")
    activations.apply_activation(layer.activation, np.zeros(1, np.float32))
    _, h, w = in_shape
    params = weight.size + (0 if bias is None else units)
    geo = Geometry(kind="dense", in_shape=in_shape, out_shape=(units, 1, 1), kernel=(h, w),
                   stride=(1, 1), dilation=(1, 1), padding=(0, 0, 0, 0), unreached=(0, 0),
                   receptive_field=(h * rf[1][0] + rf[0][0] - rf[1][0],
                                    w * rf[1][1] + rf[0][1] - rf[1][1]),
                   jump=rf[1], origin=rf[2], params=params, dense_params=params,
                   macs=weight.size, formula={"height": "1", "width": "1"})
    return PlannedLayer(replace(layer, weights=weight, bias=bias, units=units), geo)


def plan(layers: list[Layer], input_shape: Shape3) -> list[PlannedLayer]:
    """Resolve weights and compute the geometry of every layer, without running any.

    Raises
    ------
    EngineError
        The first layer that cannot work, with ``layer`` set to its 0-based index.
    """
    planned: list[PlannedLayer] = []
    shape = input_shape
    rf: tuple[Pair, Pair, Pair] = ((1, 1), (1, 1), (0, 0))
    for index, layer in enumerate(layers):
        if planned and planned[-1].geometry.kind == "dense" and not isinstance(layer,
                                                                                (Dense,
                                                                                 Activation)):
            raise ParameterError(f"layer {index + 1}: only dense or activation layers can "
                                 f"follow a dense layer", field="type", value=None,
                                 limit="dense | activation", layer=index)
        try:
            step = _plan_one(layer, shape, rf)
        except EngineError as exc:
            raise exc.in_layer(index) from None
        planned.append(step)
        g = step.geometry
        shape = g.out_shape
        rf = (g.receptive_field, g.jump, g.origin)
    return planned


def run_planned(x: Array, planned: list[PlannedLayer]) -> list[Array]:
    """Run an already planned stack on ``x: (C, H, W)``; returns every layer's output.

    ``x`` is checked for NaN and infinity once; later layers take the engine's own outputs
    unchecked. A layer whose values overflow float32 passes infinities (or NaN) on, without
    NumPy's warning: callers check each output (the API answers 422 naming the first such
    layer; a warning per request would only fill the server's log).
    """
    current = np.asarray(x, dtype=np.float32)
    require_finite(current, name="input")
    outputs: list[Array] = []
    with np.errstate(over="ignore", invalid="ignore"):
        for step in planned:
            current = _run_one(step, current)
            outputs.append(current)
    return outputs


def _run_one(step: PlannedLayer, x: Array) -> Array:
    layer = step.layer
    if isinstance(layer, Conv):
        # weights and bias were resolved and checked by plan(), the geometry resolved there
        assert isinstance(layer.weights, np.ndarray)
        g = step.geometry
        return conv2d_planned(x, layer.weights, layer.bias, stride=g.stride,
                              dilation=g.dilation, padding=g.padding,
                              out_hw=(g.out_shape[1], g.out_shape[2]),
                              activation=layer.activation)
    if isinstance(layer, Pool):
        pool = max_pool2d if layer.mode == "max" else avg_pool2d
        return pool(x, size=layer.size, stride=layer.stride, padding=layer.padding)
    if isinstance(layer, Activation):
        return activations.apply_activation(layer.name, x, slope=layer.slope)
    assert isinstance(layer.weights, np.ndarray)
    flat = x.reshape(-1)
    y = layer.weights @ flat
    if layer.bias is not None:
        y = y + layer.bias
    y = activations.apply_activation(layer.activation, y.astype(np.float32))
    return y.reshape(-1, 1, 1)


def run_stack(x: Array, layers: list[Layer]) -> tuple[list[PlannedLayer], list[Array]]:
    """Plan and run ``layers`` on ``x: (C, H, W)``; returns (plan, output of every layer)."""
    xa = np.asarray(x, dtype=np.float32)
    if xa.ndim != 3:
        raise ShapeError(f"input must be (C, H, W), got shape {xa.shape}", field="input",
                         value=list(xa.shape), limit="3 dimensions")
    planned = plan(layers, (xa.shape[0], xa.shape[1], xa.shape[2]))
    return planned, run_planned(xa, planned)
