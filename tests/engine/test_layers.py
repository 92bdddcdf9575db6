"""Pooling, activations and the kernel library."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine import (
    ACTIVATIONS,
    PRESETS,
    ParameterError,
    apply_activation,
    avg_pool2d,
    he_weights,
    max_pool2d,
    preset_2d,
    preset_weights,
    resolve_padding,
)
from app.engine.kernels import FIXED_SIZE_PRESETS, SOBEL_X

from .reference import pool_loops


@settings(max_examples=120, deadline=None)
@given(c=st.integers(1, 3), h=st.integers(2, 11), w=st.integers(2, 11),
       size=st.integers(1, 3), stride=st.integers(1, 3),
       padding=st.sampled_from(["valid", "same"]), mode=st.sampled_from(["max", "avg"]),
       seed=st.integers(0, 1000))
def test_pooling_matches_loop_reference(c: int, h: int, w: int, size: int, stride: int,
                                        padding: str, mode: str, seed: int) -> None:
    size = min(size, h, w)
    x = np.random.default_rng(seed).standard_normal((c, h, w)).astype(np.float32)
    pool = max_pool2d if mode == "max" else avg_pool2d
    got = pool(x, size=size, stride=stride, padding=padding)
    pad = resolve_padding(padding, in_size=(h, w), kernel=(size, size), stride=(stride, stride))
    want = pool_loops(x, (size, size), (stride, stride), pad, mode)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_max_pool_never_picks_padding_over_negative_values() -> None:
    x = -np.ones((1, 3, 3), np.float32)
    assert max_pool2d(x, size=2, stride=2, padding="same").max() == -1


def test_pool_padding_as_large_as_window_is_refused() -> None:
    with pytest.raises(ParameterError, match="only padding"):
        max_pool2d(np.zeros((1, 4, 4), np.float32), size=2, padding=2)


@pytest.mark.torch
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pooling_matches_torch(mode: str) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((4, 17, 14)).astype(np.float32)
    xt = torch.from_numpy(x)[None]
    if mode == "max":
        want = torch.nn.functional.max_pool2d(xt, 3, 2, padding=1)[0].numpy()
        got = max_pool2d(x, size=3, stride=2, padding=1)
    else:
        want = torch.nn.functional.avg_pool2d(xt, 3, 2, padding=1, count_include_pad=False)[0]
        want = want.numpy()
        got = avg_pool2d(x, size=3, stride=2, padding=1)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_leave_input_unchanged_and_keep_shape(name: str) -> None:
    x = np.linspace(-5, 5, 24, dtype=np.float32).reshape(2, 3, 4)
    before = x.copy()
    y = apply_activation(name, x)
    np.testing.assert_array_equal(x, before)
    assert y.shape == x.shape and y.dtype == np.float32


def test_activation_values() -> None:
    x = np.array([-2.0, 0.0, 3.0], np.float32)
    np.testing.assert_allclose(apply_activation("relu", x), [0, 0, 3])
    np.testing.assert_allclose(apply_activation("leaky_relu", x), [-0.02, 0, 3], rtol=1e-6)
    np.testing.assert_allclose(apply_activation("sigmoid", x), 1 / (1 + np.exp(-x)), rtol=1e-6)
    np.testing.assert_allclose(apply_activation("tanh", x), np.tanh(x), rtol=1e-6)
    assert np.isfinite(apply_activation("sigmoid", np.array([-1e4, 1e4], np.float32))).all()


def test_unknown_activation_names_the_choices() -> None:
    with pytest.raises(ParameterError, match="relu"):
        apply_activation("swish", np.zeros(1, np.float32))


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_finite_at_its_natural_size(name: str) -> None:
    g = preset_2d(name, (3, 3))
    assert g.shape == (3, 3) and g.dtype == np.float32 and np.isfinite(g).all()


@pytest.mark.parametrize("name", ["identity", "box_blur", "gaussian_blur", "gabor_45"])
def test_resizable_presets_take_any_kernel_size(name: str) -> None:
    assert preset_2d(name, (5, 7)).shape == (5, 7)


@pytest.mark.parametrize("name", FIXED_SIZE_PRESETS)
def test_fixed_presets_refuse_other_sizes(name: str) -> None:
    with pytest.raises(ParameterError, match="3x3"):
        preset_2d(name, (5, 5))


def test_blurs_sum_to_one_and_gabors_to_zero() -> None:
    for name in ("box_blur", "gaussian_blur"):
        assert preset_2d(name, (5, 5)).sum() == pytest.approx(1, abs=1e-6)
    for deg in (0, 45, 90, 135):
        assert preset_2d(f"gabor_{deg}", (7, 7)).sum() == pytest.approx(0, abs=1e-6)


def test_preset_on_c_channels_is_the_preset_on_the_channel_mean() -> None:
    w = preset_weights("sobel_x", maps=2, channels=3)
    assert w.shape == (2, 3, 3, 3)
    np.testing.assert_allclose(w.sum(axis=1)[0], SOBEL_X)
    np.testing.assert_allclose(w[0, 1], SOBEL_X / 3)


def test_he_weights_are_seeded_and_scaled() -> None:
    a = he_weights(maps=64, channels=16, size=(3, 3), seed=5)
    b = he_weights(maps=64, channels=16, size=(3, 3), seed=5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, he_weights(maps=64, channels=16, size=(3, 3), seed=6))
    assert a.std() == pytest.approx(np.sqrt(2 / (16 * 9)), rel=0.05)


def test_unknown_preset_lists_the_library() -> None:
    with pytest.raises(ParameterError, match="sobel_x"):
        preset_2d("sobel_z")
