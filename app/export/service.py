"""The work behind ``/api/export/*``: resolve the stack on the image, check caps, draw.

Every function here is blocking and runs on the worker pool. The stack is parsed, bounded
and planned exactly as for ``/api/pyramid`` (:mod:`app.services.caps`); only the layers up
to the one exported are computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .. import engine
from ..errors import LimitError
from ..models import get_model
from ..schemas import DenseLayer, LayerSpec, ModelRecipe, PyramidRequest
from ..services import caps
from ..services.images import StoredImage, as_tensor
from ..services.pyramid import check_layer_index
from ..settings import Settings
from . import figures, gif_plan
from .pytorch import EMBED_INPUT_MAX_VALUES, Head, pytorch_code
from .schemas import (
    DEFAULT_GIF_FRAMES,
    DEFAULT_GIF_SIZE,
    GifExportRequest,
    GifOptions,
    GridGifExportRequest,
    MapExportRequest,
)

Array = NDArray[np.float32]
WINDOW_KINDS = ("conv", "maxpool", "avgpool")
#: Base64 of float32 plus quotes and line breaks, per weight; and the code around them.
CODE_BYTES_PER_WEIGHT = 6
CODE_BYTES_PER_LAYER = 600
NPY_HEADER_BYTES = 128


@dataclass(frozen=True)
class Export:
    """A file to send: its bytes, media type and a suggested file name."""

    data: bytes
    media_type: str
    filename: str


@dataclass(frozen=True)
class Stack:
    """The input tensor of a request and the planned stack on it."""

    x: Array
    planned: list[engine.PlannedLayer]

    def run(self, layers: int) -> list[Array]:
        """Maps of layers 0 (the input) to ``layers``."""
        return [self.x, *engine.run_planned(self.x, self.planned[:layers])]


def plan_stack(request: PyramidRequest, image: StoredImage, limits: caps.Caps) -> Stack:
    """Parse and plan the request's layers on its image (no convolution yet)."""
    x = as_tensor(image, color=request.color)
    return Stack(x=x, planned=caps.plan_tensor(request.layers, x, limits))


def _check_map(index: int | None, maps: int, *, layer: int) -> None:
    if index is not None and index >= maps:
        raise LimitError(f"layer {layer} has {maps} maps (0 to {maps - 1}); map {index} does "
                         f"not exist", field="map", value=index, limit=f"< {maps}")


def _check_cap(estimate: int, limit: int, *, field: str, value: int, what: str) -> None:
    if estimate > limit:
        raise LimitError(f"{field} {value}: this export would be {estimate:,} {what}, over "
                         f"this server's limit of {limit:,}", field=field, value=value,
                         limit=f"<= {limit}")


def _finite(maps: Array, *, layer: int) -> None:
    if not (np.isfinite(maps.min()) and np.isfinite(maps.max())):
        raise LimitError(f"layer {layer}: some values are not finite (overflow, or a pooling "
                         f"window entirely in padding)", field="layer", value=layer,
                         limit="finite values", layer=max(layer - 1, 0))


def _layer_maps(request: MapExportRequest, stack: Stack, limits: caps.Caps) -> Array:
    check_layer_index(request.layer, len(stack.planned))
    needed = stack.planned[:request.layer]
    k, h, w = needed[-1].geometry.out_shape if needed else stack.x.shape
    _check_map(request.map, k, layer=request.layer)
    count = 1 if request.map is not None else k
    caps.check_cost(needed, limits, response_bytes=count * h * w * 4 + NPY_HEADER_BYTES)
    maps = stack.run(request.layer)[request.layer]
    return maps if request.map is None else maps[request.map]


def _stem(request: MapExportRequest) -> str:
    which = "all" if request.map is None else f"map{request.map}"
    return f"convscope-layer{request.layer}-{which}"


def export_npy(request: MapExportRequest, image: StoredImage, limits: caps.Caps) -> Export:
    """The exact float32 values: ``(H, W)`` for one map, ``(K, H, W)`` for a layer."""
    values = _layer_maps(request, plan_stack(request, image, limits), limits)
    return Export(figures.npy_bytes(values), "application/octet-stream",
                  f"{_stem(request)}.npy")


def export_png(request: MapExportRequest, image: StoredImage, limits: caps.Caps,
               settings: Settings) -> Export:
    """One map, or the layer as a grid of maps, coloured and enlarged by ``scale``."""
    stack = plan_stack(request, image, limits)
    check_layer_index(request.layer, len(stack.planned))
    needed = stack.planned[:request.layer]
    k, h, w = needed[-1].geometry.out_shape if needed else stack.x.shape
    _check_map(request.map, k, layer=request.layer)
    width, height = (w * request.scale, h * request.scale) if request.map is not None else (
        figures.layer_png_size((k, h, w), scale=request.scale))
    _check_cap(width * height, settings.export_png_max_pixels, field="scale",
               value=request.scale, what=f"pixels ({width} x {height})")
    values = _layer_maps(request, stack, limits)
    _finite(values, layer=request.layer)
    if request.map is not None:
        data = figures.map_png(values, colormap=request.colormap, scale=request.scale)
    else:
        data = figures.layer_png(values, colormap=request.colormap, scale=request.scale,
                                 shared_range=request.shared_range)
    return Export(data, "image/png", f"{_stem(request)}.png")


def export_gif(request: GifExportRequest, image: StoredImage, limits: caps.Caps,
               settings: Settings) -> Export:
    """The sliding-window animation of one map of a conv or pooling layer on the image."""
    return _gif(request, plan_stack(request, image, limits), limits, settings)


def export_grid_gif(request: GridGifExportRequest, limits: caps.Caps,
                    settings: Settings) -> Export:
    """The same animation on a small array (the ``/api/convolve`` input)."""
    x = request.input if request.input.ndim == 3 else request.input[np.newaxis]
    shape = (x.shape[0], x.shape[1], x.shape[2])
    caps.check_input(shape, limits)
    caps.check_fields(request.layers, limits)
    return _gif(request, Stack(x=x, planned=caps.plan_tensor(request.layers, x, limits)),
                limits, settings)


def _gif(request: GifOptions, stack: Stack, limits: caps.Caps, settings: Settings) -> Export:
    frames = min(DEFAULT_GIF_FRAMES, settings.export_gif_max_frames) if (
        request.frames is None) else request.frames
    size = min(DEFAULT_GIF_SIZE, settings.export_gif_max_size) if (
        request.size is None) else request.size
    _check_cap(frames, settings.export_gif_max_frames, field="frames", value=frames,
               what="frames")
    _check_cap(size, settings.export_gif_max_size, field="size", value=size,
               what="pixels of panel side")
    check_layer_index(request.layer, len(stack.planned))
    g = stack.planned[request.layer - 1].geometry
    if g.kind not in WINDOW_KINDS:
        raise LimitError(f"layer {request.layer} is {g.kind}: only conv and pooling layers "
                         f"slide a window", field="layer", value=request.layer,
                         limit="a conv, maxpool or avgpool layer", layer=request.layer - 1)
    _check_map(request.map, g.out_shape[0], layer=request.layer)
    caps.check_cost(stack.planned[:request.layer], limits, response_bytes=0)
    maps = stack.run(request.layer)
    x_in, y = maps[request.layer - 1], maps[request.layer][request.map]
    _finite(y, layer=request.layer)
    pooling = g.kind != "conv"
    shown = x_in[request.map:request.map + 1] if pooling else x_in
    ranged = request.region is not None or request.start is not None or request.end is not None
    data = gif_plan.page_gif(
        request, x_in=shown, y=y, planned=stack.planned[request.layer - 1], panel=size,
        max_frames=settings.export_gif_max_frames if ranged and request.frames is None
        else frames, as_rgb=isinstance(request, GifExportRequest) and request.layer == 1
        and x_in.shape[0] == 3)
    return Export(data, "image/gif",
                  f"convscope-layer{request.layer}-map{request.map}-sliding.gif")


def export_pytorch(request: PyramidRequest, image: StoredImage, limits: caps.Caps) -> Export:
    """Python source rebuilding the stack in PyTorch with its exact weights."""
    stack = plan_stack(request, image, limits)
    weights = sum(p.geometry.params for p in stack.planned)
    caps.check_cost([], limits, response_bytes=weights * CODE_BYTES_PER_WEIGHT
                    + CODE_BYTES_PER_LAYER * (len(stack.planned) + 1))
    c, h, w = stack.x.shape
    title = (f"A Convscope stack rebuilt in PyTorch (image {image.name!r}, colour "
             f"{request.color!r}).\n\nx is the working image as float32 pixel / 255, "
             f"shape (1, {c}, {h}, {w}); POST /api/export/npy with layer 0 gives it exactly.")
    example = stack.x if stack.x.size <= EMBED_INPUT_MAX_VALUES else None
    if example is not None:
        title += "\nexample_input() is that image, embedded."
    code = pytorch_code(stack.planned, input_shape=(c, h, w), title=title, example=example,
                        trained=_trained_layers(request.layers), head=_head(request.layers))
    return Export(code.encode(), "text/x-python", "convscope_stack.py")


def _trained_layers(specs: list[LayerSpec]) -> dict[int, str]:
    """``{index: what the code says}`` for the layers whose weights are a trained recipe."""
    said = {}
    for index, spec in enumerate(specs):
        recipe = getattr(spec, "weights", None)
        if isinstance(recipe, ModelRecipe):
            said[index] = (f"the trained weights and bias of {recipe.model!r}, its layer "
                           f"{recipe.layer} (0-based)")
    return said


def _head(specs: list[LayerSpec]) -> Head | None:
    """The classes of a dense last layer: the model's labels when it is trained, else its
    output numbers."""
    last = specs[-1] if specs else None
    if not isinstance(last, DenseLayer):
        return None
    if isinstance(last.weights, ModelRecipe):
        return Head(classes=get_model(last.weights.model).classes, model=last.weights.model)
    units = last.units if not isinstance(last.weights, np.ndarray) else last.weights.shape[0]
    return Head(classes=tuple(str(k) for k in range(units)))
