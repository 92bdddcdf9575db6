"""Request bodies of the compute endpoints: an image (or an array), a stack or a trained
model's name, and what to send back."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .arrays import Image23
from .layers import MAX_STACK, Layers, LayerSpec, ModelName, PreviewSide, Strict
from .trained import model_layer_specs

#: Largest side of an image sent inline as ``{"pixels": ...}`` (the drawing pad is 28 x 28).
MAX_INLINE_SIDE = 64
#: A static ceiling for ``{"digit": N}``; the real bound is the model's held-out count.
MAX_DIGIT = 99_999
PixelValue = Annotated[int, Field(ge=0, le=255)]
PixelRow = Annotated[list[PixelValue], Field(min_length=1, max_length=MAX_INLINE_SIDE)]


class SampleRef(Strict):
    """A built-in sample, by name."""

    sample: Annotated[str, Field(min_length=1, max_length=100)]


class ImageIdRef(Strict):
    """An uploaded image, by the id ``POST /api/images`` returned."""

    id: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class DigitRef(Strict):
    """Held-out digit ``N`` of the digits model (``GET /api/models/digits/heldout``): a
    28 x 28 grey image, white ink on black."""

    digit: Annotated[int, Field(ge=0, le=MAX_DIGIT, description="0 <= N < the model's "
                                "held-out count (1000); past it -> 422.")]


class PixelsRef(Strict):
    """A small grey image sent inline (the drawing pad): H x W integers 0-255, row-major,
    1 <= H, W <= 64. Its id is the content hash, as for an upload."""

    pixels: Annotated[list[PixelRow], Field(min_length=1, max_length=MAX_INLINE_SIDE)]

    @field_validator("pixels")
    @classmethod
    def _rectangular(cls, rows: list[list[int]]) -> list[list[int]]:
        width = len(rows[0])
        bad = next((i for i, row in enumerate(rows) if len(row) != width), None)
        if bad is not None:
            raise ValueError(f"every row needs the same length: row {bad} has "
                             f"{len(rows[bad])} values, row 0 has {width}")
        return rows


IMAGE_KINDS: dict[str, type[Strict]] = {"id": ImageIdRef, "sample": SampleRef,
                                        "digit": DigitRef, "pixels": PixelsRef}


def _image_kind(value: Any) -> str:
    if isinstance(value, dict):
        return next((k for k in IMAGE_KINDS if k in value), "sample")
    return next((k for k, cls in IMAGE_KINDS.items() if isinstance(value, cls)), "sample")


ImageRef = Annotated[Annotated[SampleRef, Tag("sample")] | Annotated[ImageIdRef, Tag("id")]
                     | Annotated[DigitRef, Tag("digit")] | Annotated[PixelsRef, Tag("pixels")],
                     Discriminator(_image_kind)]
ModelField = Field(None, description='A trained network ("digits") in place of `layers`: the '
                   'server expands it to the model\'s layers (GET /api/models). Exactly one '
                   'of the two.')


def _expand_model(request: ConvolveRequest | PyramidRequest, *, required: bool) -> None:
    """``model`` -> its layers; exactly one of ``layers`` and ``model``."""
    if request.model is not None:
        if "layers" in request.model_fields_set:
            raise ValueError(f'give either "layers" or "model", not both: "model": '
                             f'"{request.model}" stands for that network\'s own layers')
        request.layers = list(model_layer_specs(request.model))
    elif required and "layers" not in request.model_fields_set:
        raise ValueError('give "layers" (a list of layers) or "model" (a trained network, '
                         'e.g. "digits")')


class ConvolveRequest(Strict):
    """``POST /api/convolve``: an array through a stack, every layer's output back."""

    input: Image23
    layers: Annotated[list[LayerSpec], Field(min_length=1, max_length=MAX_STACK)] = Field(
        default_factory=list)
    model: ModelName | None = ModelField

    @model_validator(mode="after")
    def _one_stack(self) -> ConvolveRequest:
        _expand_model(self, required=True)
        return self


class PyramidRequest(Strict):
    """``POST /api/pyramid``: every map of every layer on an image, as uint8 previews."""

    image: ImageRef
    color: Literal["auto", "rgb", "grey"] = "auto"
    layers: Layers = Field(default_factory=list)
    model: ModelName | None = ModelField
    preview: PreviewSide | Annotated[list[PreviewSide],
                                     Field(min_length=1, max_length=MAX_STACK + 1)] = Field(
        default=128, description="Largest side of a map as sent: one for every layer, or one "
        "per layer with the input image first (len(layers) + 1 values).")

    @field_validator("preview")
    @classmethod
    def _one_side_per_layer(cls, value: int | list[int],
                            info: ValidationInfo) -> int | list[int]:
        model, layers = info.data.get("model"), info.data.get("layers")
        if model is not None:
            layers = model_layer_specs(model)
        if isinstance(value, list) and layers is not None and len(value) != len(layers) + 1:
            raise ValueError(f"preview as a list gives one side per layer, the input image "
                             f"first: {len(layers) + 1} values for {len(layers)} layers, "
                             f"not {len(value)}")
        return value

    @model_validator(mode="after")
    def _one_stack(self) -> PyramidRequest:
        _expand_model(self, required=False)
        return self

    def preview_sides(self) -> list[int]:
        """The largest side of each layer's maps as sent, the input image first."""
        if isinstance(self.preview, list):
            return list(self.preview)
        return [self.preview] * (len(self.layers) + 1)


class TensorRequest(PyramidRequest):
    """``POST /api/pyramid/tensor``: exact float32 maps of one layer (0 = the input image)."""

    layer: Annotated[int, Field(ge=0, le=MAX_STACK)]
    maps: Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=1,
                                                             max_length=4096)] | None = None
