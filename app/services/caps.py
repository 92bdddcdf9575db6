"""Per-field bounds and compute-cost caps, checked before any work (issue 6).

Field bounds (kernel, filters, layers, stride, padding, dilation, input side) are checked on
the validated request; cost (weights, multiply-adds, output values, response bytes) on the
engine's plan, which knows every shape without computing a map, first with stand-in weights
so that a refused request draws none, then, within the caps, once with the real ones. Over a
cap -> 422 with the estimate and the limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .. import engine
from ..errors import LimitError
from ..schemas import (
    ConvLayer,
    DenseLayer,
    LayerSpec,
    ModelRecipe,
    PoolLayer,
    RandomRecipe,
    check_fit,
    to_engine_layers,
)
from ..schemas.trained import trained_layer
from ..settings import Settings
from .draws import with_dense_drawn


@dataclass(frozen=True)
class Caps:
    """The bounds of one request, from the settings."""

    max_layers: int
    max_filters: int
    max_kernel: int
    max_stride: int
    max_padding: int
    max_dilation: int
    max_input_side: int
    max_macs: int
    max_weights: int
    max_output_values: int
    max_response_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Caps:
        """Read every bound from ``settings``."""
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__})


def _ints(value: int | Sequence[int] | str | None) -> list[int]:
    if value is None or isinstance(value, str):
        return []
    return [value] if isinstance(value, int) else list(value)


def _over(caps_value: int, values: list[int], *, field: str, index: int, what: str) -> None:
    if values and max(values) > caps_value:
        raise LimitError(
            f"layer {index + 1}: {what} {max(values)} is over this server's limit of "
            f"{caps_value}", field=field, value=max(values), limit=f"<= {caps_value}",
            layer=index)


def check_fields(layers: Sequence[LayerSpec], caps: Caps) -> None:
    """Refuse a stack whose fields exceed the configured bounds (before planning)."""
    if len(layers) > caps.max_layers:
        raise LimitError(f"{len(layers)} layers is over this server's limit of "
                         f"{caps.max_layers}", field="layers", value=len(layers),
                         limit=f"<= {caps.max_layers}")
    for i, layer in enumerate(layers):
        if isinstance(layer, ConvLayer):
            w = layer.weights
            if isinstance(w, ModelRecipe):  # the trained array's own shape
                w = _trained_array(layer, i)
            if isinstance(w, np.ndarray):
                maps, kernel = int(w.shape[0]), [int(n) for n in w.shape[2:]]
            else:
                maps, kernel = layer.filters, _ints(layer.kernel_size)
            _over(caps.max_filters, [maps], field="filters", index=i, what="feature maps")
            _over(caps.max_kernel, kernel, field="kernel_size", index=i, what="kernel side")
            _over(caps.max_stride, _ints(layer.stride), field="stride", index=i, what="stride")
            _over(caps.max_dilation, _ints(layer.dilation), field="dilation", index=i,
                  what="dilation")
            _over(caps.max_padding, _ints(layer.padding), field="padding", index=i,
                  what="padding")
        elif isinstance(layer, PoolLayer):
            _over(caps.max_kernel, _ints(layer.size), field="size", index=i, what="pool size")
            _over(caps.max_stride, _ints(layer.stride), field="stride", index=i, what="stride")
            _over(caps.max_padding, _ints(layer.padding), field="padding", index=i,
                  what="padding")
        elif isinstance(layer, DenseLayer):
            w = layer.weights
            if isinstance(w, ModelRecipe):
                w = _trained_array(layer, i)
            units = int(w.shape[0]) if isinstance(w, np.ndarray) else layer.units
            _over(caps.max_filters, [units], field="units", index=i, what="units")


def _trained_array(layer: ConvLayer | DenseLayer, index: int) -> np.ndarray:
    weights = trained_layer(layer, index=index).weights
    assert isinstance(weights, np.ndarray)  # a shipped model has arrays
    return weights


def check_input(shape: tuple[int, int, int], caps: Caps) -> None:
    """Refuse an ``/api/convolve`` input larger than the bounds."""
    c, h, w = shape
    if max(h, w) > caps.max_input_side:
        raise LimitError(f"the input is {h}x{w}; its longest side may be at most "
                         f"{caps.max_input_side}", field="input", value=[h, w],
                         limit=f"<= {caps.max_input_side}")
    if c > caps.max_filters:
        raise LimitError(f"the input has {c} channels; at most {caps.max_filters}",
                         field="input", value=c, limit=f"<= {caps.max_filters}")


def _stand_in(layer: engine.Layer, in_shape: tuple[int, int, int]) -> engine.Layer:
    """``layer`` with recipe weights replaced by zeros of the same shape that take no memory
    (a zero-stride view): its plan has the real geometry, parameters and cost."""
    c, h, w = in_shape
    if isinstance(layer, engine.Conv) and not isinstance(layer.weights, np.ndarray):
        shape = (layer.maps, c, *engine.as_pair(layer.kernel_size, name="kernel_size"))
        bias = layer.bias if layer.bias is not None else np.zeros(layer.maps, np.float32)
        return replace(layer, weights=np.broadcast_to(np.float32(0), shape), bias=bias)
    if isinstance(layer, engine.Dense) and not isinstance(layer.weights, np.ndarray):
        bias = layer.bias if layer.bias is not None else np.zeros(layer.units, np.float32)
        return replace(layer, weights=np.broadcast_to(np.float32(0), (layer.units, c * h * w)),
                       bias=bias)
    return layer


def dry_plan(layers: list[engine.Layer], shape: tuple[int, int, int], *,
             specs: Sequence[LayerSpec] | None = None) -> list[engine.PlannedLayer]:
    """The plan of ``layers`` on ``shape`` without drawing a single weight.

    Recipe weights are replaced by stand-ins (:func:`_stand_in`) and the stack is planned
    once. A conv stand-in needs only its input's channels, known without planning; a random
    dense layer needs its input's height and width too, so the layers before it are planned
    for that (a stack has one or two). A trained layer of ``specs`` that does not fit what
    the stack hands it is refused saying why (:func:`app.schemas.check_fit`) rather than with
    the engine's bare shape error.
    """
    stand_ins: list[engine.Layer] = []
    channels = shape[0]
    for layer in layers:
        if isinstance(layer, engine.Dense) and not isinstance(layer.weights, np.ndarray):
            prefix = _planned(stand_ins, shape, specs)
            in_shape = prefix[-1].geometry.out_shape if prefix else shape
        else:
            in_shape = (channels, *shape[1:])  # only the channels matter to a conv stand-in
        stand_ins.append(_stand_in(layer, in_shape))
        channels = _channels_after(layer, channels)
    return _planned(stand_ins, shape, specs)


def _channels_after(layer: engine.Layer, channels: int) -> int:
    if isinstance(layer, engine.Conv):
        return int(layer.weights.shape[0]) if isinstance(layer.weights, np.ndarray) else (
            layer.maps)
    if isinstance(layer, engine.Dense):
        return int(layer.weights.shape[0]) if isinstance(layer.weights, np.ndarray) else (
            layer.units)
    return channels


def _planned(layers: list[engine.Layer], shape: tuple[int, int, int],
             specs: Sequence[LayerSpec] | None) -> list[engine.PlannedLayer]:
    """:func:`engine.plan`; a trained layer it refuses is refused by ``check_fit``'s words."""
    try:
        return engine.plan(layers, shape)
    except engine.EngineError as exc:
        index = exc.layer
        if specs is None or index is None:
            raise
        before = engine.plan(layers[:index], shape) if index else []
        check_fit(specs, index, before[-1].geometry.out_shape if before else shape)
        raise


def plan_tensor(specs: Sequence[LayerSpec], x: np.ndarray, caps: Caps,
                ) -> list[engine.PlannedLayer]:
    """The request's stack planned on the tensor ``x`` ``(C, H, W)`` within the caps: the one
    planning step of ``/api/convolve``, the pyramids, the exports and ``convscope render``."""
    return plan_within_caps(specs, to_engine_layers(specs),
                            (int(x.shape[0]), int(x.shape[1]), int(x.shape[2])), caps)


def plan_within_caps(specs: Sequence[LayerSpec], layers: list[engine.Layer],
                     shape: tuple[int, int, int], caps: Caps) -> list[engine.PlannedLayer]:
    """Plan ``layers`` on ``shape`` once the weights, multiply-adds and output values of the
    whole stack are known to be within the caps: a refused request draws no weight. A
    trained layer that does not fit what the stack hands it is refused first, saying why
    (:func:`app.schemas.check_fit`)."""
    dry = dry_plan(layers, shape, specs=specs)
    for i, (spec, planned) in enumerate(zip(specs, dry, strict=True)):
        g = planned.geometry
        if isinstance(spec, DenseLayer) and isinstance(spec.weights, RandomRecipe) and (
                g.macs > min(caps.max_macs, caps.max_weights)):
            c, h, w = g.in_shape
            limit = min(caps.max_macs, caps.max_weights)
            raise LimitError(
                f"layer {i + 1}: a dense layer of {spec.units} units on {c}x{h}x{w} "
                f"inputs needs {g.macs:,} weights, over this server's limit of {limit:,}",
                field="units", value=spec.units, limit=f"units x inputs <= {limit}", layer=i)
    weights = sum(p.geometry.params for p in dry)
    if weights > caps.max_weights:
        raise LimitError(f"this stack needs {weights:,} weights, over this server's limit of "
                         f"{caps.max_weights:,}; use fewer or smaller kernels",
                         field="weights", value=weights, limit=f"<= {caps.max_weights}")
    check_cost(dry, caps, response_bytes=0)
    return engine.plan(with_dense_drawn(layers, dry), shape)


def check_cost(planned: Sequence[engine.PlannedLayer], caps: Caps, *,
               response_bytes: int) -> None:
    """Refuse a planned stack whose estimated cost exceeds the caps."""
    macs = sum(p.geometry.macs for p in planned)
    values = sum(int(np.prod(p.geometry.out_shape)) for p in planned)
    for field, estimate, limit, what in (
        ("macs", macs, caps.max_macs, "multiply-adds"),
        ("output_values", values, caps.max_output_values, "output values"),
        ("response_bytes", response_bytes, caps.max_response_bytes, "response bytes"),
    ):
        if estimate > limit:
            raise LimitError(
                f"this request would cost about {estimate:,} {what}, over this server's "
                f"limit of {limit:,}; use a smaller input, fewer or smaller layers, or a "
                f"larger stride", field=field, value=estimate, limit=f"<= {limit}")


def check_overflow(ranges: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
    """Refuse a run whose layer ``i`` (``ranges[i]``: its maps' lowest and highest values,
    NaN and infinity included) left the float32 range."""
    for index, (lows, highs) in enumerate(ranges):
        if not (np.isfinite(lows).all() and np.isfinite(highs).all()):
            raise LimitError(f"layer {index + 1}: values overflow float32 (over 3.4e38); "
                             f"use smaller weights", field="weights", value=None,
                             limit="|value| < 3.4e38", layer=index)
