"""Exports for slides and handouts: ``/api/export/{pytorch,png,npy,gif}``.

Each takes the ``/api/pyramid`` request (image, colour, layers) plus what to export, runs on
the worker pool and answers a file with a ``Content-Disposition`` name.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from ..export import service
from ..export.schemas import (
    GifExportRequest,
    GridGifExportRequest,
    MapExportRequest,
    PytorchExportRequest,
)
from ..schemas import PyramidRequest
from ..services.images import StoredImage
from .api import BUSY, INVALID, NOT_FOUND, TOO_LARGE, ServicesDep, _resolve

router = APIRouter(prefix="/api/export", tags=["export"])
ERRORS: dict[int | str, dict[str, Any]] = {**NOT_FOUND, **INVALID, **TOO_LARGE, **BUSY}
GRID_ERRORS: dict[int | str, dict[str, Any]] = {**INVALID, **TOO_LARGE, **BUSY}


def _file(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    schema = {"type": "string"} if media_type.startswith("text/") else {
        "type": "string", "format": "binary"}
    return {200: {"content": {media_type: {"schema": schema}}, "description": description,
                  "headers": {"Content-Disposition": {
                      "schema": {"type": "string"},
                      "description": "attachment; filename=\"...\""}}}}


def _send(export: service.Export) -> Response:
    return Response(export.data, media_type=export.media_type, headers={
        "Content-Disposition": f'attachment; filename="{export.filename}"'})


async def _image(body: PyramidRequest, services: ServicesDep) -> StoredImage:
    services.pyramids.check(body)
    return await _resolve(body, services)


@router.post("/pytorch", response_class=Response,
             responses={**_file("text/x-python", "Python source: `build_model()` and "
                                "`feature_maps(model, x)`."), **ERRORS})
async def export_pytorch(body: PytorchExportRequest, services: ServicesDep) -> Response:
    """"Copy as PyTorch": code that rebuilds the stack with its exact weights.

    `torch.nn.Conv2d` with explicit `ZeroPad2d` where TensorFlow-"same" or other asymmetric
    padding needs it; its `feature_maps` equal Convscope's to float32 rounding.
    """
    image = await _image(body, services)
    return _send(await services.pool.run(service.export_pytorch, body, image, services.caps))


@router.post("/png", response_class=Response,
             responses={**_file("image/png", "One map, or every map of the layer in a grid, "
                                "coloured."), **ERRORS})
async def export_png(body: MapExportRequest, services: ServicesDep) -> Response:
    """A feature map (``map``) or a whole layer as PNG, each cell ``scale`` pixels wide."""
    image = await _image(body, services)
    return _send(await services.pool.run(service.export_png, body, image, services.caps,
                                         services.settings))


@router.post("/npy", response_class=Response,
             responses={**_file("application/octet-stream", "NumPy `.npy`: float32 `(H, W)` "
                                "for one map, `(K, H, W)` for a layer, exact."), **ERRORS})
async def export_npy(body: MapExportRequest, services: ServicesDep) -> Response:
    """The exact numbers of a map or a layer (layer 0 = the input image) as ``.npy``."""
    image = await _image(body, services)
    return _send(await services.pool.run(service.export_npy, body, image, services.caps))


@router.post("/gif", response_class=Response,
             responses={**_file("image/gif", "Animated GIF of the sliding window."), **ERRORS})
async def export_gif(body: GifExportRequest, services: ServicesDep) -> Response:
    """The sliding window of a conv or pooling layer filling one output map, as a GIF.

    A big map is drawn at ``frames`` evenly spaced positions (the caption says so); frames
    and panel size are capped by settings (422 over the cap).
    """
    image = await _image(body, services)
    return _send(await services.pool.run(service.export_gif, body, image, services.caps,
                                         services.settings))


@router.post("/gif/grid", response_class=Response,
             responses={**_file("image/gif", "Animated GIF of the sliding window."),
                        **GRID_ERRORS})
async def export_grid_gif(body: GridGifExportRequest, services: ServicesDep) -> Response:
    """The sliding window on a small array (the ``/api/convolve`` body): the
    convolution-arithmetic figures for any kernel, stride, padding and dilation, with each
    cell's value written in it when the cells are large enough."""
    return _send(await services.pool.run(service.export_grid_gif, body, services.caps,
                                         services.settings))
