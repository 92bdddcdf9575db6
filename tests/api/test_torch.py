"""``/api/convolve`` against ``torch.nn.functional`` on randomised stacks (dev only)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

torch = pytest.importorskip("torch")
F = torch.nn.functional

pytestmark = pytest.mark.torch

ACTIVATIONS = {
    "relu": F.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "leaky_relu": lambda t: F.leaky_relu(t, 0.01),
    "none": lambda t: t,
}


def _random_conv(rng: np.random.Generator, channels: int, side: int) -> dict[str, Any]:
    k = [int(rng.integers(1, 5)), int(rng.integers(1, 5))]
    dilation = [int(rng.integers(1, 3)), int(rng.integers(1, 3))]
    padding: Any = rng.choice(["valid", "same", "full", "int", "quad"])
    if padding == "int":
        padding = int(rng.integers(0, 3))
    elif padding == "quad":
        padding = [int(v) for v in rng.integers(0, 3, 4)]
    else:
        padding = str(padding)
    span = max(d * (n - 1) + 1 for d, n in zip(dilation, k, strict=True))
    if padding == "valid" and span > side:
        padding = "same"
    filters = int(rng.integers(1, 6))
    return {"type": "conv",
            "weights": rng.standard_normal((filters, channels, *k)).astype(np.float32).tolist(),
            "bias": rng.standard_normal(filters).astype(np.float32).tolist(),
            "stride": [int(rng.integers(1, 3)), int(rng.integers(1, 3))],
            "dilation": dilation, "padding": padding,
            "activation": str(rng.choice(list(ACTIVATIONS)))}


def _torch_stack(x: Any, layers: list[dict[str, Any]], geometry: list[dict[str, Any]]) -> list[Any]:
    outs = []
    for layer, geo in zip(layers, geometry, strict=True):
        top, bottom, left, right = geo["padding"]
        if layer["type"] == "conv":
            w = torch.tensor(layer["weights"])
            b = torch.tensor(layer["bias"])
            x = F.conv2d(F.pad(x, (left, right, top, bottom)), w, b,
                         stride=tuple(layer["stride"]), dilation=tuple(layer["dilation"]))
            x = ACTIVATIONS[layer["activation"]](x)
        else:  # maxpool: padding never wins a max
            padded = F.pad(x, (left, right, top, bottom), value=float("-inf"))
            x = F.max_pool2d(padded, kernel_size=tuple(geo["kernel"]),
                             stride=tuple(geo["stride"]))
        outs.append(x)
    return outs


@pytest.mark.parametrize("seed", range(25))
def test_convolve_matches_torch_conv2d_on_random_stacks(client: TestClient, seed: int) -> None:
    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    channels, side = int(rng.integers(1, 4)), int(rng.integers(8, 24))
    x = rng.standard_normal((channels, side, side + int(rng.integers(0, 5)))).astype(np.float32)
    layers = []
    c, s = channels, side
    for _ in range(int(rng.integers(1, 4))):
        if layers and rng.random() < 0.3:
            layers.append({"type": "maxpool", "size": 2, "padding": "same"})
            continue
        conv = _random_conv(rng, c, s)
        layers.append(conv)
        c = len(conv["weights"])
        s = max(3, s // 2)
    r = client.post("/api/convolve", json={"input": x.tolist(), "layers": layers})
    if r.status_code == 422:  # a random stack whose geometry cannot work: that is fine
        assert r.json()["error"]["code"] == "geometry"
        return
    assert r.status_code == 200, r.text
    got = r.json()["layers"]
    expected = _torch_stack(torch.tensor(x)[None], layers, got)
    for g, e in zip(got, expected, strict=True):
        e = e[0].numpy()
        out = np.array(g["output"], dtype=np.float32)
        assert out.shape == e.shape
        np.testing.assert_allclose(out, e, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(e).max()))
