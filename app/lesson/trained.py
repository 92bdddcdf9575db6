"""A trained network's engine layers as the page's layer blocks, for a lesson step that
shows it (``model: digits`` in the lesson file).

The blocks are those the page builds from ``GET /api/models`` (static/js/digits/model.js):
a conv layer and the pooling after it make one block; every conv and dense block has
``source: "trained"``, ``model`` and ``trainedLayer`` (its index in the network's layer list),
which the page turns into the ``{"model": NAME, "layer": i}`` weight recipe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import engine
from ..engine import as_pair
from .format import LessonError

POOL_IDS = {("max", 2, 2): "max2", ("avg", 2, 2): "avg2", ("max", 3, 2): "max3",
            ("avg", 3, 2): "avg3"}


def _padding(spec: engine.shapes.PaddingSpec) -> dict[str, Any]:
    if isinstance(spec, str):
        return {"padding": spec}
    values = [spec] * 4 if isinstance(spec, int) else [int(v) for v in spec]
    pad = [values[0], values[0], values[1], values[1]] if len(values) == 2 else values
    return {"padding": "custom", "pad": pad}


def _conv(layer: engine.Conv, trained: dict[str, Any]) -> dict[str, Any]:
    shape = getattr(layer.weights, "shape", None)
    maps, kernel = ((int(shape[0]), [int(shape[2]), int(shape[3])]) if shape is not None
                    else (layer.maps, list(as_pair(layer.kernel_size, name="kernel_size"))))
    return {"type": "conv", "kernel": kernel, "maps": maps,
            "stride": list(as_pair(layer.stride, name="stride")), **_padding(layer.padding),
            "dilation": list(as_pair(layer.dilation, name="dilation")),
            "activation": layer.activation, "pool": "none", **trained}


def blocks_from_layers(name: str, layers: Sequence[engine.Layer]) -> tuple[dict[str, Any], ...]:
    """The page's blocks for the trained network ``name`` made of ``layers``.

    Raises
    ------
    LessonError
        A layer the page's editor cannot express (an activation layer on its own, a pooling
        layer that follows no conv layer or is not one of the editor's poolings).
    """
    blocks: list[dict[str, Any]] = []
    for i, layer in enumerate(layers):
        trained = {"source": "trained", "model": name, "trainedLayer": i}
        if isinstance(layer, engine.Conv):
            blocks.append(_conv(layer, trained))
        elif isinstance(layer, engine.Dense):
            blocks.append({"type": "dense", "units": layer.units,
                           "activation": layer.activation, **trained})
        elif isinstance(layer, engine.Pool):
            size = as_pair(layer.size, name="size")[0]
            stride = as_pair(layer.stride if layer.stride is not None else layer.size,
                             name="stride")[0]
            pool = POOL_IDS.get((layer.mode, size, stride))
            if pool is None or not blocks or blocks[-1]["type"] != "conv" or \
                    blocks[-1]["pool"] != "none":
                raise LessonError(f"layer {i + 1} of the trained network {name!r} ({layer.mode} "
                                  f"pooling {size}, stride {stride}) has no form in the page")
            blocks[-1]["pool"] = pool
        else:
            raise LessonError(f"layer {i + 1} of the trained network {name!r} "
                              f"({type(layer).__name__}) has no form in the page")
    return tuple(blocks)
