"""Layer specifications of the HTTP API (``docs/api.md``, "Layers"), with their static bounds.

Bounds that depend on settings (most filters, largest kernel, cost) are checked by
:mod:`app.services.caps` before any work; here are only the ones that never change
(stride >= 1, padding >= 0, ...). Every layer model converts itself to an engine layer; a
``{"model": ..., "layer": i}`` recipe is resolved to the trained arrays by
:mod:`app.schemas.trained`.
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

from .. import engine
from .arrays import Array, Tensor1, Tensor2, Tensor4

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
#: The shipped trained networks (``app.models.MODEL_NAMES``; a test holds them equal).
ModelName = Literal["digits"]
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


class ModelRecipe(Strict):
    """The trained weights AND bias of layer ``layer`` (0-based) of a shipped network."""

    model: ModelName
    layer: Annotated[int, Field(ge=0, le=MAX_STACK, description="0-based index into the "
                                "model's layer list (GET /api/models).")]


class PresetsRecipe(Strict):
    """One preset per map; ``"random"`` draws that map from He-normal with ``seed + map``."""

    presets: Annotated[list[PresetName | Literal["random"]], Field(min_length=1)]
    seed: Seed = 0


RECIPE_KINDS: dict[str, type[Strict]] = {"random": RandomRecipe, "preset": PresetRecipe,
                                         "presets": PresetsRecipe, "model": ModelRecipe}


def _weights_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        return next((k for k in ("presets", "preset", "random", "model") if k in value), None)
    kind = next((k for k, cls in RECIPE_KINDS.items() if isinstance(value, cls)), None)
    if kind is not None:
        return kind
    # a list when validated, the float32 array it became when serialized again
    return "array" if isinstance(value, list | np.ndarray) else None


WEIGHTS_FORMS = ('weights must be a nested array, {"random": SEED}, {"preset": NAME}, '
                 '{"presets": [NAME, ...], "seed": S} or {"model": "digits", "layer": I}')


ConvWeights = Annotated[
    Annotated[Tensor4, Tag("array")] | Annotated[RandomRecipe, Tag("random")]
    | Annotated[PresetRecipe, Tag("preset")] | Annotated[PresetsRecipe, Tag("presets")]
    | Annotated[ModelRecipe, Tag("model")]
    # a lone kh x kw kernel: in the schema so clients may send it; the "before" validator
    # of ConvLayer has made it 1 x 1 x kh x kw by the time the discriminator looks
    | Annotated[Tensor2, Tag("kernel2d")],
    Discriminator(_weights_kind, custom_error_type="weights_form",
                  custom_error_message=WEIGHTS_FORMS),
]
DenseWeights = Annotated[
    Annotated[Tensor2, Tag("array")] | Annotated[RandomRecipe, Tag("random")]
    | Annotated[ModelRecipe, Tag("model")],
    Discriminator(_weights_kind, custom_error_type="weights_form",
                  custom_error_message='dense weights must be a units x N array, '
                                       '{"random": SEED} or {"model": "digits", "layer": I}'),
]


def _pair(value: int | list[int]) -> int | tuple[int, int]:
    return value if isinstance(value, int) else (value[0], value[1])


def _padding(value: str | int | list[int]) -> str | int | tuple[int, ...]:
    return value if isinstance(value, str | int) else tuple(value)


def _no_bias_with_trained(bias: Array | None, info: ValidationInfo) -> Array | None:
    """A trained recipe brings its own bias: an explicit one next to it is refused."""
    weights = info.data.get("weights")
    if bias is not None and isinstance(weights, ModelRecipe):
        raise ValueError(f'the recipe {{"model": "{weights.model}", "layer": '
                         f'{weights.layer}}} brings the trained bias with the trained '
                         f'weights; leave "bias" out (or send the weights as an array)')
    return bias


class ConvLayer(Strict):
    """Convolution (cross-correlation, as in PyTorch), bias, then ``activation``."""

    type: Literal["conv"]
    weights: ConvWeights = Field(
        default_factory=lambda: RandomRecipe(random=0),
        description="K x C x kh x kw array; a lone kh x kw kernel (K = C = 1, for a "
                    "one-channel input); or a recipe (random, preset, presets, model).")
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

    @field_validator("bias")
    @classmethod
    def _bias(cls, bias: Array | None, info: ValidationInfo) -> Array | None:
        return _no_bias_with_trained(bias, info)

    def to_engine(self, *, trained: engine.Conv | None = None) -> engine.Conv:
        """The engine's :class:`~app.engine.Conv`; ``trained`` is the model's layer that a
        :class:`ModelRecipe` names (its weights and bias, this layer's geometry)."""
        w = self.weights
        source: engine.layers.WeightSource
        bias = self.bias
        if isinstance(w, ModelRecipe):
            if trained is None or not isinstance(trained.weights, np.ndarray):
                raise TypeError("a trained recipe needs the trained layer to resolve")
            source, bias = trained.weights, trained.bias
        elif isinstance(w, RandomRecipe):
            source = engine.RandomWeights(seed=w.random)
        elif isinstance(w, PresetRecipe):
            source = engine.PresetWeights(names=(w.preset,))
        elif isinstance(w, PresetsRecipe):
            source = engine.PresetWeights(names=tuple(w.presets), seed=w.seed)
        else:
            source = w
        size = _pair(self.kernel_size)
        return engine.Conv(
            weights=source, bias=bias, maps=self.filters,
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

    @field_validator("bias")
    @classmethod
    def _bias(cls, bias: Array | None, info: ValidationInfo) -> Array | None:
        return _no_bias_with_trained(bias, info)

    def to_engine(self, *, trained: engine.Dense | None = None) -> engine.Dense:
        """The engine's :class:`~app.engine.Dense`; ``trained`` as for
        :meth:`ConvLayer.to_engine`."""
        w = self.weights
        if isinstance(w, ModelRecipe):
            if trained is None or not isinstance(trained.weights, np.ndarray):
                raise TypeError("a trained recipe needs the trained layer to resolve")
            return engine.Dense(units=int(trained.weights.shape[0]), weights=trained.weights,
                                bias=trained.bias, activation=self.activation)
        source = engine.RandomWeights(seed=w.random) if isinstance(w, RandomRecipe) else w
        return engine.Dense(units=self.units, weights=source, bias=self.bias,
                            activation=self.activation)


LayerSpec: TypeAlias = Annotated[ConvLayer | ActivationLayer | PoolLayer | DenseLayer,
                                 Field(discriminator="type")]
Layers = Annotated[list[LayerSpec], Field(max_length=MAX_STACK)]

