"""Response models of the HTTP API (``docs/api.md``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from .layers import LayerSpec


class Formula(BaseModel):
    """The output-size formula per axis, written out with the numbers."""

    height: str
    width: str


class GeometryOut(BaseModel):
    """A layer's geometry (``docs/api.md``, "Geometry of a layer")."""

    type: str
    shape: list[int] = Field(description="[K, H_out, W_out]")
    in_shape: list[int] = Field(description="[C, H, W]")
    kernel: list[int]
    stride: list[int]
    dilation: list[int]
    padding: list[int] = Field(description="[top, bottom, left, right]")
    unreached: list[int] = Field(description="Input [rows, cols] no window reaches.")
    receptive_field: list[int]
    jump: list[int]
    origin: list[int]
    params: int
    dense_params: int
    macs: int
    formula: Formula


class ConvolveLayerOut(GeometryOut):
    """One layer of ``/api/convolve``'s answer: its geometry and its output."""

    output: list[list[list[float]]] = Field(description="K x H_out x W_out")


class ConvolveResponse(BaseModel):
    """Every layer's output, in order; ``probabilities`` when the last layer is dense."""

    layers: list[ConvolveLayerOut]
    probabilities: list[float] | None = Field(
        None, description="Softmax of the last layer's outputs, present only when the last "
        "layer is dense (trained or random): K floats summing to 1.")


class ImageInfo(BaseModel):
    """A working image held by the server."""

    id: str = Field(description="SHA-256 hex of the working image.")
    width: int
    height: int
    channels: int
    name: str


class SampleInfo(ImageInfo):
    """A gallery photo."""

    title: str
    credit: str
    licence: str
    url: str


class Health(BaseModel):
    """The server is up."""

    status: Literal["ok"]


class ErrorInfo(BaseModel):
    """What went wrong: ``field`` named, ``value`` given, ``limit`` accepted."""

    code: str
    message: str
    field: str | None = None
    value: Any = None
    limit: str | int | None = None
    layer: int | None = Field(None, description="0-based index of the layer at fault.")


class ErrorResponse(BaseModel):
    """A domain error."""

    error: ErrorInfo


class ValidationDetail(BaseModel):
    """One schema violation; ``msg`` starts with the field's path."""

    loc: list[int | str]
    field: str
    msg: str
    type: str


class ValidationResponse(BaseModel):
    """The request does not fit the schema."""

    detail: list[ValidationDetail]


class ModelInfo(BaseModel):
    """A trained network shipped with the server (``GET /api/models``)."""

    name: str = Field(description='What requests call it: `"model": "digits"`.')
    title: str
    input_shape: list[int] = Field(description="[C, H, W] the network takes.")
    classes: list[str] = Field(description="The label of each output of the last layer.")
    accuracy: float = Field(description="Held-out accuracy as a fraction, computed by the "
                            "engine from the shipped weights.")
    heldout: int = Field(description="Number of held-out examples (GET "
                         "/api/models/{name}/heldout).")
    layers: list[LayerSpec] = Field(description='The layer list to send back as `layers`: '
                                    'conv and dense layers carry `{"model": name, "layer": '
                                    'i}` weights.')


class HeldoutPage(BaseModel):
    """Held-out examples ``start`` to ``start + count - 1``."""

    name: str
    total: int = Field(description="Held-out examples in all.")
    start: int
    count: int = Field(description="Examples in this page (fewer at the end).")
    shape: list[int] = Field(description="[H, W] of one example.")
    labels: list[int] = Field(description="True class of each example (index into classes).")
    pixels: str = Field(description="Base64 of count x H x W uint8, row-major, white ink "
                        "(255) on black (0).")
