"""The JSON and binary endpoints (``docs/api.md``). Handlers are thin: the work is in
:mod:`app.services` and runs on the worker pool, never on the event loop.

The compute routes read their JSON body as bytes and parse it on the worker too: an 8 MiB
array is ~100 ms of parsing that must not stall ``/healthz``. Their request schemas are
still in the OpenAPI document (``json_body``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from ..imaging import encode_png, safe_display_name
from ..schemas import (
    ConvolveRequest,
    ConvolveResponse,
    DigitRef,
    ErrorResponse,
    Health,
    ImageInfo,
    PixelsRef,
    PyramidRequest,
    SampleInfo,
    SampleRef,
    TensorRequest,
    ValidationResponse,
)
from ..services import convolve as convolve_service
from ..services.container import Services, get_services
from ..services.images import StoredImage
from ..services.requests import json_body, parse_body
from ..services.uploads import FIELD, PREPARE, PREPARE_CHOICES, prepare_option, read_file_field
from .binary import cached_binary

router = APIRouter()
BODY_MODELS = (ConvolveRequest, PyramidRequest, TensorRequest)
ServicesDep = Annotated[Services, Depends(get_services)]
OCTET = "application/octet-stream"
IMMUTABLE = "public, max-age=31536000, immutable"  # ids are content hashes

INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ValidationResponse | ErrorResponse,
          "description": "The request does not fit the schema, the geometry is impossible "
                         "(the message shows the formula with the numbers) or the estimated "
                         "cost is over a limit."},
}
BUSY: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorResponse, "description": "Every worker is busy; retry after the "
          "`Retry-After` header's seconds.",
          "headers": {"Retry-After": {"schema": {"type": "integer"}}}},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "Unknown or evicted image (upload it "
          "again), or no such sample."},
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorResponse, "description": "The request body is over its size limit."},
}
CSP1 = ("`CSP1` binary: magic, uint32 LE header length, JSON header, zero padding to a "
        "multiple of 4, then uint8 previews (see docs/api.md).")
CST1 = ("`CST1` binary: magic, uint32 LE header length, JSON header, zero padding to a "
        "multiple of 4, then float32 LE maps at full resolution.")
PNG = {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
       "description": "The working image as PNG."}
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": [FIELD],
    "properties": {FIELD: {"type": "string", "format": "binary",
                           "description": "PNG, JPEG, WebP or GIF (first frame)."},
                   PREPARE: {"type": "string", "enum": list(PREPARE_CHOICES),
                             "description": "`digit`: prepare a photo of one handwritten "
                             "digit as MNIST's were (grey, inverted if the background is "
                             "light, cropped to the ink, scaled into 20 x 20 keeping its "
                             "aspect, centred by centre of mass in 28 x 28); the stored "
                             "image is then 28 x 28 x 1."}}}}}}}


def _binary(description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {OCTET: {"schema": {"type": "string", "format": "binary"}}},
                  "description": description}}


@router.get("/healthz", response_model=Health, tags=["health"])
async def healthz() -> Health:
    """Liveness: answered by the event loop even while every worker computes."""
    return Health(status="ok")


@router.post("/api/convolve", response_model=ConvolveResponse, tags=["compute"],
             openapi_extra=json_body(ConvolveRequest),
             responses={**INVALID, **TOO_LARGE, **BUSY})
async def convolve(request: Request, services: ServicesDep) -> Response:
    """Run an array (C x H x W, or H x W) through a stack; every layer's output and geometry.

    This is the numeric API for notebooks and exercises: outputs are exact float32 values.
    """
    raw = await request.body()

    def work() -> bytes:
        body = parse_body(ConvolveRequest, raw)
        convolve_service.check(body, services.caps)
        return convolve_service.convolve(body, services.caps)

    return Response(await services.pool.run(work), media_type="application/json")


@router.post("/api/images", response_model=ImageInfo, tags=["images"], status_code=200,
             openapi_extra=UPLOAD_BODY,
             responses={400: {"model": ErrorResponse, "description": "Empty file or not a "
                              "multipart form with a `file` field."},
                        **TOO_LARGE,
                        415: {"model": ErrorResponse, "description": "Not PNG, JPEG, WebP or "
                              "GIF; the message names the allowed formats."},
                        408: {"model": ErrorResponse, "description": "The body did not "
                              "arrive within `upload_read_seconds`."},
                        422: {"model": ErrorResponse, "description": "Corrupt or truncated "
                              "image; `prepare` other than `digit`; with `prepare=digit`, "
                              "an image with no ink (`code: nothing_drawn`, \"nothing "
                              "drawn: ...\")."},
                        **BUSY})
async def upload_image(request: Request, services: ServicesDep) -> ImageInfo:
    """Decode an upload into a working image (longest side ``working_size``) kept in memory;
    with the form field `prepare=digit`, a 28 x 28 MNIST-like digit (docs/api.md).

    Nothing is written to disk; the id is a content hash, so uploading the same photo again
    gives the same id.
    """
    body = await request.body()  # bounded, in slots and in time: app/http/limits.py
    content_type = request.headers.get("content-type")

    def work() -> StoredImage:
        upload = read_file_field(content_type, body)
        return services.decode(upload.data, safe_display_name(upload.filename),
                               prepare=prepare_option(upload))

    image = await services.pool.run(work)
    services.images.add(image)
    return ImageInfo.model_validate(image.info())


@router.get("/api/images/{image_id}", tags=["images"], response_class=Response,
            responses={200: PNG, **NOT_FOUND, **INVALID, **BUSY})
async def get_image(image_id: str, services: ServicesDep) -> Response:
    """The working image as PNG."""
    image = services.find_image(image_id)
    data = await services.pool.run(encode_png, image.pixels, compress_level=1)
    return Response(data, media_type="image/png", headers={"Cache-Control": IMMUTABLE})


@router.get("/api/samples", response_model=list[SampleInfo], tags=["images"],
            responses={**BUSY})
async def list_samples(services: ServicesDep) -> list[SampleInfo]:
    """The gallery: built-in photos (or the ``samples_dir`` folder), with credits."""
    samples = services.samples.all_cached()
    if samples is None:
        samples = await services.pool.run(services.samples.all)
    return [SampleInfo.model_validate(s.info()) for s in samples]


@router.get("/api/samples/{name}.png", tags=["images"], response_class=Response,
            responses={200: PNG, **NOT_FOUND, **BUSY})
async def get_sample(name: str, services: ServicesDep) -> Response:
    """A sample's working image as PNG (encoded once, then served from memory)."""
    data = services.samples.cached_png(name)
    if data is None:
        data = await services.pool.run(services.samples.png, name)
    return Response(data, media_type="image/png", headers={"Cache-Control": IMMUTABLE})


def _image_of(request: PyramidRequest, services: Services) -> StoredImage:
    """The request's image (blocking: a sample may need its first decode, a held-out digit
    the model's first load)."""
    if isinstance(request.image, SampleRef):
        return services.samples.get(request.image.sample).image
    if isinstance(request.image, DigitRef | PixelsRef):
        return services.inline_image(request.image)
    return services.find_image(request.image.id)


@router.post("/api/pyramid", tags=["compute"], response_class=Response,
             openapi_extra=json_body(PyramidRequest),
             responses={**_binary(CSP1), **NOT_FOUND, **INVALID, **TOO_LARGE, **BUSY})
async def pyramid(request: Request, services: ServicesDep) -> Response:
    """Every feature map of every layer on an image, as uint8 previews with exact ranges."""
    raw = await request.body()

    def work() -> bytes:
        body = parse_body(PyramidRequest, raw)
        services.pyramids.check(body)
        return services.pyramids.pyramid(body, _image_of(body, services))

    return await cached_binary(request, services, raw, work)


@router.post("/api/pyramid/tensor", tags=["compute"], response_class=Response,
             openapi_extra=json_body(TensorRequest),
             responses={**_binary(CST1), **NOT_FOUND, **INVALID, **TOO_LARGE, **BUSY})
async def pyramid_tensor(request: Request, services: ServicesDep) -> Response:
    """Exact float32 maps of one layer (0 = the input image) at full resolution."""
    raw = await request.body()

    def work() -> bytes:
        body = parse_body(TensorRequest, raw)
        services.pyramids.check(body)
        return services.pyramids.tensor(body, _image_of(body, services))

    return await cached_binary(request, services, raw, work)
