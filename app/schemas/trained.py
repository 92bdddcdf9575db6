"""The shipped trained networks as API layer specs, and ``{"model": ..., "layer": i}`` recipes
resolved to their trained arrays.

A trained layer fits a stack only where the stack hands it what it was trained on: the same
number of input channels for a conv layer, the same number of flattened inputs for the dense
classifier. Where it does not, :func:`check_fit` says exactly why, with both shapes, before
anything is computed (422, ``code: "shape"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
from pydantic import TypeAdapter

from .. import engine
from ..models import TrainedModel, get_model
from .layers import ConvLayer, DenseLayer, LayerSpec, ModelName, ModelRecipe

Shape3 = tuple[int, int, int]
RESET_HINT = "(reset to the trained network to use it)"
LAYER_SPEC: TypeAdapter[LayerSpec] = TypeAdapter(LayerSpec)


def _dims(shape: Sequence[int]) -> str:
    return " x ".join(str(n) for n in shape)


def _recipe(recipe: ModelRecipe) -> str:
    return f'{{"model": "{recipe.model}", "layer": {recipe.layer}}}'


@cache
def model_layer_specs(name: ModelName) -> tuple[LayerSpec, ...]:
    """The model's layers as the API takes them: conv and dense layers carry the recipe
    ``{"model": name, "layer": i}``; sent back unchanged, they compute the trained network."""
    return tuple(LAYER_SPEC.validate_python(_spec_json(name, index, layer))
                 for index, layer in enumerate(get_model(name).layers))


def _spec_json(name: str, index: int, layer: engine.Layer) -> dict[str, Any]:
    recipe = {"model": name, "layer": index}
    if isinstance(layer, engine.Conv):
        assert isinstance(layer.weights, np.ndarray)  # a shipped model has arrays
        k, _, kh, kw = (int(n) for n in layer.weights.shape)
        return {"type": "conv", "weights": recipe, "filters": k, "kernel_size": [kh, kw],
                "stride": _list(layer.stride, "stride"), "padding": _padding(layer.padding),
                "dilation": _list(layer.dilation, "dilation"), "activation": layer.activation}
    if isinstance(layer, engine.Dense):
        assert isinstance(layer.weights, np.ndarray)
        return {"type": "dense", "units": int(layer.weights.shape[0]), "weights": recipe,
                "activation": layer.activation}
    if isinstance(layer, engine.Pool):
        size = _list(layer.size, "size")
        return {"type": f"{layer.mode}pool", "size": size, "padding": _padding(layer.padding),
                "stride": size if layer.stride is None else _list(layer.stride, "stride")}
    return {"type": layer.name, "slope": layer.slope}


def _list(value: int | tuple[int, int], name: str) -> list[int]:
    return list(engine.as_pair(value, name=name))


def _padding(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


@cache
def trained_in_shapes(name: ModelName) -> tuple[Shape3, ...]:
    """The input shape ``(C, H, W)`` of each of the model's layers, on its own input."""
    model = get_model(name)
    return tuple(p.geometry.in_shape for p in engine.plan(list(model.layers),
                                                          model.input_shape))


def _what(layer: engine.Layer) -> str:
    if isinstance(layer, engine.Conv):
        return "conv"
    if isinstance(layer, engine.Dense):
        return "dense"
    return f"{layer.mode}pool" if isinstance(layer, engine.Pool) else layer.name


def trained_layer(spec: ConvLayer | DenseLayer, *, index: int) -> engine.Conv | engine.Dense:
    """The model's layer that ``spec.weights`` (a :class:`ModelRecipe`) names, checked to be
    of the same kind and to agree with the fields ``spec`` gives explicitly.

    Raises
    ------
    engine.ParameterError
        No such layer, a layer of another kind, or ``filters``/``kernel_size``/``units``
        that differ from the trained array's.
    """
    recipe = spec.weights
    assert isinstance(recipe, ModelRecipe)
    model = get_model(recipe.model)
    kind = spec.type
    with_weights = [i for i, layer in enumerate(model.layers) if _what(layer) == kind]
    where = f"{kind} layers of {recipe.model!r} are {', '.join(map(str, with_weights))}"
    prefix = f"layer {index + 1}: "
    if recipe.layer >= len(model.layers):
        raise engine.ParameterError(
            f"{prefix}{recipe.model!r} has {len(model.layers)} layers (0 to "
            f"{len(model.layers) - 1}); there is no layer {recipe.layer}; the {where}",
            field="weights.layer", value=recipe.layer, limit=f"< {len(model.layers)}",
            layer=index)
    trained = model.layers[recipe.layer]
    if not isinstance(trained, engine.Conv | engine.Dense) or _what(trained) != kind:
        raise engine.ParameterError(
            f"{prefix}{_recipe(recipe)} is a {_what(trained)} layer, not {kind}: the "
            f"{where}", field="weights.layer", value=recipe.layer,
            limit=" | ".join(map(str, with_weights)), layer=index)
    assert isinstance(trained.weights, np.ndarray)
    shape = trained.weights.shape
    given = spec.model_fields_set
    if isinstance(spec, ConvLayer):
        kernel = [int(shape[2]), int(shape[3])]
        asked = spec.kernel_size if isinstance(spec.kernel_size, list) else [spec.kernel_size] * 2
        for field, value, want in (("filters", spec.filters, int(shape[0])),
                                   ("kernel_size", asked, kernel)):
            if field in given and value != want:
                raise engine.ParameterError(
                    f"{prefix}the trained kernels {_recipe(recipe)} are {_dims(shape)}: "
                    f"{field} {value} does not match "
                    f"{want}; leave {field} out or send the weights as an array",
                    field=field, value=value, limit=f"= {want}", layer=index)
    elif "units" in given and spec.units != int(shape[0]):
        raise engine.ParameterError(
            f"{prefix}the trained classifier {_recipe(recipe)} has {shape[0]} units: units "
            f"{spec.units} does not match; leave units out or use random weights",
            field="units", value=spec.units, limit=f"= {shape[0]}", layer=index)
    return trained


def to_engine_layers(layers: Sequence[LayerSpec]) -> list[engine.Layer]:
    """Convert validated layer specs to engine layers, in order; trained recipes become the
    trained arrays (with this stack's stride, padding, dilation and activation)."""
    out: list[engine.Layer] = []
    for index, spec in enumerate(layers):
        if isinstance(spec, ConvLayer) and isinstance(spec.weights, ModelRecipe):
            conv = trained_layer(spec, index=index)
            assert isinstance(conv, engine.Conv)
            out.append(spec.to_engine(trained=conv))
        elif isinstance(spec, DenseLayer) and isinstance(spec.weights, ModelRecipe):
            dense = trained_layer(spec, index=index)
            assert isinstance(dense, engine.Dense)
            out.append(spec.to_engine(trained=dense))
        else:
            out.append(spec.to_engine())
    return out


def check_fit(specs: Sequence[LayerSpec], index: int, in_shape: Shape3) -> None:
    """Refuse a trained layer at ``specs[index]`` that would get ``in_shape`` when it was
    trained on something else, saying exactly why (both shapes as C x H x W).

    Raises
    ------
    engine.ShapeError
        ``field="weights"``, ``value`` what the stack gives, ``limit`` what it was trained on.
    """
    spec = specs[index]
    recipe = getattr(spec, "weights", None)
    if not isinstance(recipe, ModelRecipe) or not isinstance(spec, ConvLayer | DenseLayer):
        return
    trained = trained_layer(spec, index=index)
    assert isinstance(trained.weights, np.ndarray)
    want = trained_in_shapes(recipe.model)[recipe.layer]
    name = repr(recipe.model)
    if isinstance(spec, DenseLayer):
        n_want, n_got = int(trained.weights.shape[1]), int(np.prod(in_shape))
        if n_got != n_want:
            raise engine.ShapeError(
                f"layer {index + 1}: the trained classifier of {name} takes {n_want} inputs "
                f"({_dims(want)}) but this stack gives it {n_got} "
                f"({_dims(in_shape)}); the shapes before it changed {RESET_HINT}",
                field="weights", value=n_got, limit=f"{n_want} inputs ({_dims(want)})",
                layer=index)
        return
    c_want = int(trained.weights.shape[1])
    if in_shape[0] != c_want:
        hint = ('; send "color": "grey" for a photo' if index == 0 and c_want == 1
                else f"; the shapes before it changed {RESET_HINT}")
        raise engine.ShapeError(
            f"layer {index + 1}: the trained {_dims(trained.weights.shape[2:])} kernels of "
            f"{name} take {c_want} input channel"
            f"{'s' if c_want != 1 else ''} ({_dims(want)}) but this stack gives them "
            f"{in_shape[0]} ({_dims(in_shape)}){hint}", field="weights", value=in_shape[0],
            limit=f"{c_want} channels ({_dims(want)})", layer=index)


def describe(model: TrainedModel) -> dict[str, object]:
    """The ``GET /api/models`` entry of ``model``."""
    name: ModelName = model.name  # type: ignore[assignment]
    return {"name": model.name, "title": model.title, "input_shape": list(model.input_shape),
            "classes": list(model.classes), "accuracy": model.accuracy,
            "heldout": int(model.heldout_labels.shape[0]),
            "layers": [s.model_dump(mode="json", exclude_none=True)
                       for s in model_layer_specs(name)]}
