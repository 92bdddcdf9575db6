"""Request and response models of the HTTP API (``docs/api.md``), with their static bounds.

Bounds that depend on settings (most filters, largest kernel, cost) are checked by
:mod:`app.services.caps` before any work; here are only the ones that never change
(stride >= 1, padding >= 0, ...). Every layer model converts itself to an engine layer.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
)

from . import engine
from .services.arrays import Image23, Tensor1, Tensor2, Tensor4

PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositivePair = PositiveInt | Annotated[list[PositiveInt], Field(min_length=2, max_length=2)]
PaddingMode = Literal["valid", "same", "full"]
Padding = (PaddingMode | NonNegativeInt
           | Annotated[list[NonNegativeInt], Field(min_length=2, max_length=4)])
ActivationName = Literal["none", "relu", "leaky_relu", "sigmoid", "tanh"]
PresetName = Literal["identity", "box_blur", "gaussian_blur", "sharpen", "laplacian", "sobel_x",
                     "sobel_y", "prewitt_x", "prewitt_y", "emboss", "gabor_0", "gabor_45",
                     "gabor_90", "gabor_135"]
Seed = Annotated[int, Field(ge=0, le=2**32 - 1)]
MAX_STACK = 64  # a hard ceiling for the schema; the real bound is the max_layers setting
PreviewSide = Annotated[int, Field(ge=8, le=512)]


class Strict(BaseModel):
    """Unknown keys are refused (a typo such as ``"strides"`` must not pass silently), and so
    are lax conversions: ``false`` is not the number 0, ``"3"`` is not the integer 3."""

    model_config = ConfigDict(extra="forbid", strict=True)


class RandomRecipe(Strict):
    """Seeded He-normal weights: ``{"random": SEED}``."""

    random: Seed


class PresetRecipe(Strict):
    """Every map uses the named 2-D kernel, applied as ``g / C`` to each input channel."""

    preset: PresetName


class PresetsRecipe(Strict):
    """One preset per map; ``"random"`` draws that map from He-normal with ``seed + map``."""

    presets: Annotated[list[PresetName | Literal["random"]], Field(min_length=1)]
    seed: Seed = 0


def _weights_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        return next((k for k in ("presets", "preset", "random") if k in value), None)
    if isinstance(value, RandomRecipe | PresetRecipe | PresetsRecipe):
        return ("random" if isinstance(value, RandomRecipe)
                else "preset" if isinstance(value, PresetRecipe) else "presets")
    # a list when validated, the float32 array it became when serialized again
    return "array" if isinstance(value, list | np.ndarray) else None


WEIGHTS_FORMS = ('weights must be a nested array, {"random": SEED}, {"preset": NAME} or '
                 '{"presets": [NAME, ...], "seed": S}')


ConvWeights = Annotated[
    Annotated[Tensor4, Tag("array")] | Annotated[RandomRecipe, Tag("random")]
    | Annotated[PresetRecipe, Tag("preset")] | Annotated[PresetsRecipe, Tag("presets")],
    Discriminator(_weights_kind, custom_error_type="weights_form",
                  custom_error_message=WEIGHTS_FORMS),
]
DenseWeights = Annotated[
    Annotated[Tensor2, Tag("array")] | Annotated[RandomRecipe, Tag("random")],
    Discriminator(_weights_kind, custom_error_type="weights_form",
                  custom_error_message='dense weights must be a units x N array or '
                                       '{"random": SEED}'),
]


def _pair(value: int | list[int]) -> int | tuple[int, int]:
    return value if isinstance(value, int) else (value[0], value[1])


def _padding(value: str | int | list[int]) -> str | int | tuple[int, ...]:
    return value if isinstance(value, str | int) else tuple(value)


class ConvLayer(Strict):
    """Convolution (cross-correlation, as in PyTorch), bias, then ``activation``."""

    type: Literal["conv"]
    weights: ConvWeights = Field(
        default_factory=lambda: RandomRecipe(random=0),
        description="K x C x kh x kw array; a lone kh x kw kernel (K = C = 1, for a "
                    "one-channel input); or a recipe (random, preset, presets).")
    bias: Tensor1 | None = None
    filters: PositiveInt = Field(1, description="K, used when weights is a recipe.")
    kernel_size: PositivePair = Field(3, description="Used when weights is a recipe.")
    stride: PositivePair = 1
    padding: Padding = "valid"
    dilation: PositivePair = 1
    activation: ActivationName = "none"

    @field_validator("weights", mode="before")
    @classmethod
    def _kernel_2d(cls, value: Any) -> Any:
        # A lone kh x kw kernel is one map of a one-channel input: K = C = 1. (On a C-channel
        # input the engine's shape error says to write K x C x kh x kw.)
        if isinstance(value, np.ndarray) and value.ndim == 2:
            return value[None, None]
        if (isinstance(value, list) and value and isinstance(value[0], list) and value[0]
                and not isinstance(value[0][0], list)):
            return [[value]]
        return value

    def to_engine(self) -> engine.Conv:
        """The engine's :class:`~app.engine.Conv`."""
        w = self.weights
        source: engine.layers.WeightSource
        if isinstance(w, RandomRecipe):
            source = engine.RandomWeights(seed=w.random)
        elif isinstance(w, PresetRecipe):
            source = engine.PresetWeights(names=(w.preset,))
        elif isinstance(w, PresetsRecipe):
            source = engine.PresetWeights(names=tuple(w.presets), seed=w.seed)
        else:
            source = w
        size = _pair(self.kernel_size)
        return engine.Conv(
            weights=source, bias=self.bias, maps=self.filters,
            kernel_size=(size, size) if isinstance(size, int) else size,
            stride=_pair(self.stride), padding=_padding(self.padding),
            dilation=_pair(self.dilation), activation=self.activation)


class ActivationLayer(Strict):
    """Element-wise activation; ``slope`` is leaky ReLU's slope for negative inputs."""

    type: ActivationName
    slope: float = Field(0.01, ge=-100, le=100)

    def to_engine(self) -> engine.Activation:
        """The engine's :class:`~app.engine.Activation`."""
        return engine.Activation(name=self.type, slope=self.slope)


class PoolLayer(Strict):
    """Max or average pooling; padding cells never win a max nor count in a mean."""

    type: Literal["maxpool", "avgpool"]
    size: PositivePair = 2
    stride: PositivePair | None = Field(None, description="Defaults to size.")
    padding: Padding = "valid"

    def to_engine(self) -> engine.Pool:
        """The engine's :class:`~app.engine.Pool`."""
        return engine.Pool(mode=self.type.removesuffix("pool"), size=_pair(self.size),
                           stride=None if self.stride is None else _pair(self.stride),
                           padding=_padding(self.padding))


class DenseLayer(Strict):
    """Flatten, then a fully connected layer with ``units`` outputs."""

    type: Literal["dense"]
    units: PositiveInt = 10
    weights: DenseWeights = Field(default_factory=lambda: RandomRecipe(random=0))
    bias: Tensor1 | None = None
    activation: ActivationName = "none"

    def to_engine(self) -> engine.Dense:
        """The engine's :class:`~app.engine.Dense`."""
        w = self.weights
        source = engine.RandomWeights(seed=w.random) if isinstance(w, RandomRecipe) else w
        return engine.Dense(units=self.units, weights=source, bias=self.bias,
                            activation=self.activation)


LayerSpec: TypeAlias = Annotated[ConvLayer | ActivationLayer | PoolLayer | DenseLayer,
                                 Field(discriminator="type")]
Layers = Annotated[list[LayerSpec], Field(max_length=MAX_STACK)]


def to_engine_layers(layers: list[LayerSpec]) -> list[engine.Layer]:
    """Convert validated layer specs to engine layers, in order."""
    return [layer.to_engine() for layer in layers]


# Requests ---------------------------------------------------------------------------------

class ConvolveRequest(Strict):
    """``POST /api/convolve``: an array through a stack, every layer's output back."""

    input: Image23
    layers: Annotated[list[LayerSpec], Field(min_length=1, max_length=MAX_STACK)]


class SampleRef(Strict):
    """A built-in sample, by name."""

    sample: Annotated[str, Field(min_length=1, max_length=100)]


class ImageIdRef(Strict):
    """An uploaded image, by the id ``POST /api/images`` returned."""

    id: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def _image_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "id" if "id" in value else "sample"
    return "id" if isinstance(value, ImageIdRef) else "sample"


ImageRef = Annotated[Annotated[SampleRef, Tag("sample")] | Annotated[ImageIdRef, Tag("id")],
                     Discriminator(_image_kind)]


class PyramidRequest(Strict):
    """``POST /api/pyramid``: every map of every layer on an image, as uint8 previews."""

    image: ImageRef
    color: Literal["auto", "rgb", "grey"] = "auto"
    layers: Layers = Field(default_factory=list)
    preview: PreviewSide | Annotated[list[PreviewSide],
                                     Field(min_length=1, max_length=MAX_STACK + 1)] = Field(
        default=128, description="Largest side of a map as sent: one for every layer, or one "
        "per layer with the input image first (len(layers) + 1 values).")

    @field_validator("preview")
    @classmethod
    def _one_side_per_layer(cls, value: int | list[int],
                            info: ValidationInfo) -> int | list[int]:
        layers = info.data.get("layers")
        if isinstance(value, list) and layers is not None and len(value) != len(layers) + 1:
            raise ValueError(f"preview as a list gives one side per layer, the input image "
                             f"first: {len(layers) + 1} values for {len(layers)} layers, "
                             f"not {len(value)}")
        return value

    def preview_sides(self) -> list[int]:
        """The largest side of each layer's maps as sent, the input image first."""
        if isinstance(self.preview, list):
            return list(self.preview)
        return [self.preview] * (len(self.layers) + 1)


class TensorRequest(PyramidRequest):
    """``POST /api/pyramid/tensor``: exact float32 maps of one layer (0 = the input image)."""

    layer: Annotated[int, Field(ge=0, le=MAX_STACK)]
    maps: Annotated[list[NonNegativeInt], Field(min_length=1, max_length=4096)] | None = None


# Responses --------------------------------------------------------------------------------

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
    unreached: list[int] = Field(
        description="How many input [rows, cols] no tap of any window reads.")
    unreached_rows: list[int] = Field(description="Indices of those input rows, ascending.")
    unreached_cols: list[int] = Field(description="Indices of those input columns, ascending.")
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
    """Every layer's output, in order."""

    layers: list[ConvolveLayerOut]


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
