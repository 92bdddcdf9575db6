"""The "Copy as PyTorch" source rebuilds a stack that computes the engine's feature maps."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from app.engine import Activation, Conv, Dense, Layer, Pool, PresetWeights, plan, run_stack
from app.export import pytorch_code

STACKS: dict[str, list[Layer]] = {
    "same_stride2_is_asymmetric": [
        Conv(maps=4, kernel_size=(3, 3), stride=2, padding="same", activation="relu"),
    ],
    "full_padding_dilation_and_leaky_relu": [
        Conv(maps=3, kernel_size=(3, 2), padding="full", dilation=(2, 1),
             activation="leaky_relu"),
        Activation("tanh"),
    ],
    "explicit_four_sided_padding_and_rectangular_stride": [
        Conv(maps=2, kernel_size=(5, 3), stride=(2, 3), padding=(2, 0, 1, 3),
             activation="sigmoid"),
    ],
    "presets_and_pools_with_padding": [
        Conv(weights=PresetWeights(("sobel_x", "sobel_y", "random"), seed=4), maps=3,
             kernel_size=(3, 3), padding="same"),
        Pool(mode="max", size=3, stride=2, padding="same"),
        Pool(mode="avg", size=2, stride=1, padding=1),
        Pool(mode="avg", size=3, stride=2, padding=(0, 2, 1, 0)),
    ],
    "symmetric_max_pool_padding_wider_than_half_window": [
        Pool(mode="max", size=3, stride=2, padding=(2, 2, 0, 0)),
        Activation("leaky_relu", slope=0.2),
    ],
    "small_net_with_dense_head": [
        Conv(maps=6, kernel_size=(5, 5), stride=2, padding="same", activation="relu"),
        Pool(mode="max", size=2),
        Conv(maps=8, kernel_size=(3, 3), activation="tanh"),
        Dense(units=10, activation="relu"),
        Dense(units=3),
    ],
}


def _input(shape: tuple[int, int, int], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("name", sorted(STACKS))
def test_generated_code_is_valid_python_that_needs_only_torch_and_numpy(name: str) -> None:
    planned = plan(STACKS[name], (3, 23, 19))
    tree = ast.parse(pytorch_code(planned, input_shape=(3, 23, 19)))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import | ast.ImportFrom)
                for alias in (node.names if isinstance(node, ast.Import) else
                              [ast.alias(node.module or "")])}
    assert imported <= {"base64", "numpy", "torch"}


def test_weights_round_trip_exactly_through_base64() -> None:
    torch = pytest.importorskip("torch")
    planned = plan([Conv(maps=16, kernel_size=(3, 3))], (3, 8, 8))
    namespace: dict[str, object] = {}
    exec(compile(pytorch_code(planned, input_shape=(3, 8, 8)), "<export>", "exec"), namespace)
    model = namespace["build_model"]()  # type: ignore[operator]
    conv = model[0][0]
    assert isinstance(conv, torch.nn.Conv2d)
    np.testing.assert_array_equal(conv.weight.detach().numpy(), planned[0].layer.weights)


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(STACKS))
@pytest.mark.parametrize("shape", [(3, 23, 19), (1, 16, 16)])
def test_pytorch_code_reproduces_every_feature_map(name: str,
                                                   shape: tuple[int, int, int]) -> None:
    torch = pytest.importorskip("torch")
    x = _input(shape)
    planned, outputs = run_stack(x, STACKS[name])
    namespace: dict[str, object] = {}
    exec(compile(pytorch_code(planned, input_shape=shape), "<export>", "exec"), namespace)
    model = namespace["build_model"]()  # type: ignore[operator]
    maps = namespace["feature_maps"](model, torch.from_numpy(x)[None])  # type: ignore[operator]
    assert len(maps) == len(outputs)
    for index, (got, want) in enumerate(zip(maps, outputs, strict=True)):
        got_np = got[0].numpy()
        assert got_np.shape == want.shape, f"layer {index + 1}"
        finite = np.abs(want[np.isfinite(want)])
        scale = max(float(finite.max()) if finite.size else 0.0, 1e-6)
        np.testing.assert_allclose(got_np, want, rtol=1e-4, atol=1e-4 * scale,
                                   err_msg=f"layer {index + 1} of {name}")
