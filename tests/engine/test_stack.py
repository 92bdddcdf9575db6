"""Stacks: geometry known before running, outputs equal to layer-by-layer calls."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import (
    Activation,
    Conv,
    Dense,
    EngineError,
    GeometryError,
    Pool,
    PresetWeights,
    RandomWeights,
    conv2d,
    max_pool2d,
    plan,
    run_stack,
)

PYRAMID = [
    Conv(weights=RandomWeights(1), maps=8, padding="same", activation="relu"),
    Conv(weights=RandomWeights(2), maps=16, stride=2, padding="same", activation="relu"),
    Pool(mode="max", size=2),
    Conv(weights=PresetWeights(("sobel_x", "random")), maps=2, padding="valid"),
    Dense(units=10, weights=RandomWeights(3)),
]


def test_stack_outputs_equal_layer_by_layer_calls() -> None:
    x = np.random.default_rng(0).random((3, 40, 36), dtype=np.float32)
    planned, outputs = run_stack(x, PYRAMID)
    h = x
    for step, out in zip(planned, outputs, strict=True):
        layer = step.layer
        if isinstance(layer, Conv):
            h = conv2d(h, layer.weights, layer.bias, stride=layer.stride,  # type: ignore[arg-type]
                       padding=layer.padding, dilation=layer.dilation)
            h = np.maximum(h, 0) if layer.activation == "relu" else h
        elif isinstance(layer, Pool):
            h = max_pool2d(h, size=layer.size, stride=layer.stride)
        elif isinstance(layer, Dense):
            assert isinstance(layer.weights, np.ndarray) and layer.bias is not None
            h = (layer.weights @ h.reshape(-1) + layer.bias).reshape(-1, 1, 1)
        np.testing.assert_allclose(out, h, rtol=1e-5, atol=1e-5)
        assert out.shape == step.geometry.out_shape


def test_plan_gives_shapes_without_computing() -> None:
    planned = plan(PYRAMID, (3, 512, 512))
    assert [p.geometry.out_shape for p in planned] == [
        (8, 512, 512), (16, 256, 256), (16, 128, 128), (2, 126, 126), (10, 1, 1)]
    assert planned[1].geometry.padding == (0, 1, 0, 1)


def test_parameters_are_far_fewer_than_a_dense_layer() -> None:
    g = plan(PYRAMID[:1], (3, 512, 512))[0].geometry
    assert g.params == 8 * 3 * 3 * 3 + 8
    assert g.dense_params == (3 * 512 * 512) * (8 * 512 * 512) + 8 * 512 * 512
    assert g.macs == 8 * 512 * 512 * 27


def test_receptive_field_grows_with_stride_jumps() -> None:
    planned = plan(PYRAMID[:3], (3, 64, 64))
    assert [p.geometry.receptive_field for p in planned] == [(3, 3), (5, 5), (7, 7)]
    assert [p.geometry.jump for p in planned] == [(1, 1), (2, 2), (4, 4)]
    assert planned[0].geometry.origin == (-1, -1)


def test_receptive_field_matches_where_an_impulse_spreads() -> None:
    """Perturbing one output cell's receptive field corner changes it; outside does not."""
    layers = [Conv(weights=np.ones((1, 1, 3, 3), np.float32), stride=2, padding=[1, 1, 1, 1]),
              Conv(weights=np.ones((1, 1, 3, 3), np.float32), stride=1, padding="valid",
                   dilation=2)]
    planned = plan(layers, (1, 40, 40))
    g = planned[-1].geometry
    i, j = 3, 4
    top = g.origin[0] + i * g.jump[0]
    left = g.origin[1] + j * g.jump[1]
    for dy, dx, inside in [(0, 0, True), (g.receptive_field[0] - 1, 0, True),
                           (-1, 0, False), (0, g.receptive_field[1], False)]:
        x = np.zeros((1, 40, 40), np.float32)
        x[0, top + dy, left + dx] = 1
        _, outs = run_stack(x, layers)
        assert (outs[-1][0, i, j] != 0) == inside


def test_errors_say_which_layer() -> None:
    layers = [Conv(weights=RandomWeights(0), maps=2, stride=4, padding="valid"),
              Conv(weights=RandomWeights(0), maps=2, kernel_size=(9, 9))]
    with pytest.raises(GeometryError) as info:
        plan(layers, (1, 20, 20))
    assert info.value.layer == 1
    assert str(info.value).startswith("layer 2: ")


def test_preset_count_must_match_maps() -> None:
    with pytest.raises(EngineError, match="3 presets given for 2 feature maps"):
        plan([Conv(weights=PresetWeights(("sobel_x", "sobel_y", "emboss")), maps=2)], (1, 8, 8))


def test_only_dense_follows_dense() -> None:
    with pytest.raises(EngineError, match="only dense or activation"):
        plan([Dense(units=4), Pool()], (1, 8, 8))


def test_activation_layer_keeps_shape_and_field() -> None:
    planned = plan([Conv(maps=2), Activation("tanh")], (1, 9, 9))
    assert planned[1].geometry.out_shape == planned[0].geometry.out_shape
    assert planned[1].geometry.receptive_field == planned[0].geometry.receptive_field


def test_random_weights_are_reproducible() -> None:
    x = np.random.default_rng(0).random((3, 16, 16), dtype=np.float32)
    a = run_stack(x, PYRAMID[:2])[1][-1]
    b = run_stack(x, PYRAMID[:2])[1][-1]
    np.testing.assert_array_equal(a, b)


def test_non_finite_input_or_weights_are_refused_naming_them() -> None:
    """A stack checks its input and its weights once; later layers take its own outputs."""
    x = np.ones((1, 6, 6), np.float32)
    good = Conv(weights=np.ones((1, 1, 3, 3), np.float32), padding="same")
    x[0, 2, 3] = np.nan
    with pytest.raises(EngineError) as exc:
        run_stack(x, [good])
    assert exc.value.field == "input"
    bad = Conv(weights=np.full((1, 1, 3, 3), np.inf, np.float32), padding="same")
    with pytest.raises(EngineError) as exc:
        run_stack(np.ones((1, 6, 6), np.float32), [good, bad])
    assert (exc.value.field, exc.value.layer) == ("weights", 1)
    nan_bias = Conv(weights=np.ones((1, 1, 3, 3), np.float32), bias=np.array([np.nan]))
    with pytest.raises(EngineError) as exc:
        run_stack(np.ones((1, 6, 6), np.float32), [nan_bias])
    assert exc.value.field == "bias"


# passed on without a warning: callers check each output (a warning per request would fill
# the server's log)
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_an_overflowing_layer_passes_infinity_on_instead_of_failing_the_next() -> None:
    big = Conv(weights=np.full((1, 1, 1, 1), 3e38, np.float32))
    _, outputs = run_stack(np.full((1, 2, 2), 3e38, np.float32),
                           [big, Conv(weights=np.ones((1, 1, 1, 1), np.float32))])
    assert np.isinf(outputs[0]).all() and not np.isfinite(outputs[1]).any()
