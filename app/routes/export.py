"""Exports for slides and handouts: ``/api/export/{pytorch,png,npy,gif}``.

Each takes the ``/api/pyramid`` request (image, colour, layers) plus what to export, runs on
the worker pool and answers a file with a ``Content-Disposition`` name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response

from ..export import service
from ..export.schemas import (
    GifExportRequest,
    GridGifExportRequest,
    MapExportRequest,
    PytorchExportRequest,
)
from ..schemas import PyramidRequest
from ..services.container import Services
from ..services.images import StoredImage
from ..services.requests import json_body, parse_body
from .api import BUSY, INVALID, NOT_FOUND, TOO_LARGE, ServicesDep
from .api import _image_of as image_of

M = TypeVar("M", bound=PyramidRequest)
#: Request models parsed on the worker, for OpenAPI's components (see app.main).
BODY_MODELS = (PytorchExportRequest, MapExportRequest, GifExportRequest, GridGifExportRequest)

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


async def _on_worker(request: Request, services: Services,
                     work: Callable[[bytes], service.Export]) -> Response:
    """Read the body here, then parse, check and export on a worker: a large body's JSON
    and validation never stall the event loop (as the pyramid routes do)."""
    raw = await request.body()
    return _send(await services.pool.run(work, raw))


def _image_request(model: type[M], raw: bytes, services: Services) -> tuple[M, StoredImage]:
    body = parse_body(model, raw)
    services.pyramids.check(body)
    return body, image_of(body, services)


@router.post("/pytorch", response_class=Response, openapi_extra=json_body(PytorchExportRequest),
             responses={**_file("text/x-python", "Python source: `build_model()` and "
                                "`feature_maps(model, x)`."), **ERRORS})
async def export_pytorch(request: Request, services: ServicesDep) -> Response:
    """"Copy as PyTorch": code that rebuilds the stack with its exact weights.

    `torch.nn.Conv2d` with explicit `ZeroPad2d` where TensorFlow-"same" or other asymmetric
    padding needs it; its `feature_maps` equal Convscope's to float32 rounding.
    """
    def work(raw: bytes) -> service.Export:
        body, image = _image_request(PytorchExportRequest, raw, services)
        return service.export_pytorch(body, image, services.caps)

    return await _on_worker(request, services, work)


@router.post("/png", response_class=Response, openapi_extra=json_body(MapExportRequest),
             responses={**_file("image/png", "One map, or every map of the layer in a grid, "
                                "coloured."), **ERRORS})
async def export_png(request: Request, services: ServicesDep) -> Response:
    """A feature map (``map``) or a whole layer as PNG, each cell ``scale`` pixels wide."""
    def work(raw: bytes) -> service.Export:
        body, image = _image_request(MapExportRequest, raw, services)
        return service.export_png(body, image, services.caps, services.settings)

    return await _on_worker(request, services, work)


@router.post("/npy", response_class=Response, openapi_extra=json_body(MapExportRequest),
             responses={**_file("application/octet-stream", "NumPy `.npy`: float32 `(H, W)` "
                                "for one map, `(K, H, W)` for a layer, exact."), **ERRORS})
async def export_npy(request: Request, services: ServicesDep) -> Response:
    """The exact numbers of a map or a layer (layer 0 = the input image) as ``.npy``."""
    def work(raw: bytes) -> service.Export:
        body, image = _image_request(MapExportRequest, raw, services)
        return service.export_npy(body, image, services.caps)

    return await _on_worker(request, services, work)


@router.post("/gif", response_class=Response, openapi_extra=json_body(GifExportRequest),
             responses={**_file("image/gif", "Animated GIF of the sliding window."), **ERRORS})
async def export_gif(request: Request, services: ServicesDep) -> Response:
    """The sliding window of a conv or pooling layer filling one output map, as a GIF.

    A big map is drawn at ``frames`` evenly spaced positions (the caption says so); frames
    and panel size are capped by settings (422 over the cap).
    """
    def work(raw: bytes) -> service.Export:
        body, image = _image_request(GifExportRequest, raw, services)
        return service.export_gif(body, image, services.caps, services.settings)

    return await _on_worker(request, services, work)


@router.post("/gif/grid", response_class=Response,
             openapi_extra=json_body(GridGifExportRequest),
             responses={**_file("image/gif", "Animated GIF of the sliding window."),
                        **GRID_ERRORS})
async def export_grid_gif(request: Request, services: ServicesDep) -> Response:
    """The sliding window on a small array (the ``/api/convolve`` body): the
    convolution-arithmetic figures for any kernel, stride, padding and dilation, with each
    cell's value written in it when the cells are large enough."""
    def work(raw: bytes) -> service.Export:
        body = parse_body(GridGifExportRequest, raw)
        return service.export_grid_gif(body, services.caps, services.settings)

    return await _on_worker(request, services, work)
