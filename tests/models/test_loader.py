"""``app.models``: what ``get_model`` hands the app, and the file format it reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app import engine
from app.models import MODEL_NAMES, MODELS_DIR, TrainedModel, get_model, store

MAX_PARAMS = 20_000


def test_model_names_are_the_shipped_files() -> None:
    assert MODEL_NAMES == ("digits",)
    for name in MODEL_NAMES:
        assert (MODELS_DIR / f"{name}.npz").is_file()
        assert (MODELS_DIR / f"{name}_heldout.npz").is_file()
    assert (MODELS_DIR / "LICENSE-MNIST.md").is_file()


def test_get_model_is_cached() -> None:
    assert get_model("digits") is get_model("digits")


def test_unknown_model_is_a_key_error_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"unknown model 'cats'.*'digits'"):
        get_model("cats")


def test_digits_describes_itself(digits: TrainedModel) -> None:
    assert digits.name == "digits"
    assert digits.title == "Handwritten digits (MNIST), trained"
    assert digits.input_shape == (1, 28, 28)
    assert digits.classes == tuple(str(d) for d in range(10))
    assert 0.975 <= digits.accuracy <= 1.0


def test_layers_are_the_pyramid_of_engine_layers(digits: TrainedModel) -> None:
    kinds = [type(layer) for layer in digits.layers]
    assert kinds == [engine.Conv, engine.Pool, engine.Conv, engine.Pool, engine.Dense]
    planned = engine.plan(list(digits.layers), digits.input_shape)
    shapes = [step.geometry.out_shape for step in planned]
    heights = [s[1] for s in shapes if s[1] > 1]
    assert heights == sorted(heights, reverse=True)  # space shrinks
    assert shapes[-1] == (len(digits.classes), 1, 1)
    for layer in digits.layers:
        if isinstance(layer, engine.Conv):
            assert layer.padding == "same" and layer.activation == "relu"
            assert layer.stride == 1 and layer.dilation == 1
        if isinstance(layer, engine.Pool):
            assert (layer.mode, layer.size, layer.stride) == ("max", 2, None)


def test_network_has_fewer_than_20k_parameters(digits: TrainedModel) -> None:
    planned = engine.plan(list(digits.layers), digits.input_shape)
    assert 0 < sum(step.geometry.params for step in planned) < MAX_PARAMS


def test_weights_are_float32_finite_and_read_only(digits: TrainedModel) -> None:
    for layer in digits.layers:
        if isinstance(layer, engine.Conv | engine.Dense):
            for array in (layer.weights, layer.bias):
                assert isinstance(array, np.ndarray)
                assert array.dtype == np.float32
                assert np.isfinite(array).all() and np.abs(array).max() > 0
                assert not array.flags.writeable
                with pytest.raises(ValueError, match="read-only"):
                    array[...] = 0


def test_heldout_digits_are_read_only_uint8_white_on_black(digits: TrainedModel) -> None:
    pixels, labels = digits.heldout_pixels, digits.heldout_labels
    assert pixels.shape == (1000, 28, 28) and pixels.dtype == np.uint8
    assert labels.shape == (1000,) and labels.dtype == np.uint8
    assert not pixels.flags.writeable and not labels.flags.writeable
    assert set(np.unique(labels)) == set(range(10))
    assert np.bincount(labels).min() >= 50
    # MNIST: black background (the border is empty), white ink in the middle
    border = np.concatenate([pixels[:, :2].ravel(), pixels[:, -2:].ravel(),
                             pixels[:, :, :2].ravel(), pixels[:, :, -2:].ravel()])
    assert np.mean(border == 0) > 0.99
    assert pixels.max(axis=(1, 2)).min() > 128


def test_shipped_files_are_small() -> None:
    assert (MODELS_DIR / "digits.npz").stat().st_size < 100_000
    assert (MODELS_DIR / "digits_heldout.npz").stat().st_size < 400_000


def test_loading_models_imports_no_training_library() -> None:
    code = ("import sys, app.models; app.models.get_model('digits'); "
            "print(','.join(m for m in ('torch', 'mlxtend', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_model_file_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    arrays = {"layer0.weights": rng.standard_normal((2, 1, 3, 3)).astype(np.float32),
              "layer0.bias": np.zeros(2, np.float32),
              "layer2.weights": rng.standard_normal((3, 2 * 2 * 2)).astype(np.float32),
              "layer2.bias": np.ones(3, np.float32)}
    meta = {"name": "t", "layers": [{"type": "conv", "padding": "valid"},
                                    {"type": "avgpool", "size": 2}, {"type": "dense"}]}
    store.write_model_file(tmp_path / "t.npz", meta=meta, arrays=arrays)
    got_meta, layers = store.read_model_file(tmp_path / "t.npz")
    assert got_meta == meta
    assert isinstance(layers[1], engine.Pool) and layers[1].mode == "avg"
    assert isinstance(layers[2], engine.Dense) and isinstance(layers[2].weights, np.ndarray)
    np.testing.assert_array_equal(layers[2].weights, arrays["layer2.weights"])
    _, outputs = engine.run_stack(np.ones((1, 6, 6), np.float32), list(layers))
    assert outputs[-1].shape == (3, 1, 1)


def test_model_file_without_a_layers_weights_is_refused(tmp_path: Path) -> None:
    meta = {"layers": [{"type": "dense"}]}
    with pytest.raises(ValueError, match=r"layer 0 \(dense\): missing array 'layer0\.weights'"):
        store.write_model_file(tmp_path / "t.npz", meta=meta, arrays={})


def test_unknown_layer_type_is_refused() -> None:
    with pytest.raises(ValueError, match="layer 0: unknown layer type 'lstm'"):
        store.layers_from_spec([{"type": "lstm"}], {})
