"""``/api/convolve``: a numeric array through a stack, every layer's output as JSON."""

from __future__ import annotations

import json

import numpy as np

from .. import engine
from ..models import get_model
from ..schemas import ConvolveRequest
from . import caps
from .encoding import geometry_json, map_ranges
from .heads import ends_in_dense, softmax

#: JSON bytes budgeted per output value (``-0.123456789012345678,`` is 22 at most) and layer.
JSON_BYTES_PER_VALUE = 22
JSON_BYTES_PER_LAYER = 1024


def check(request: ConvolveRequest, limits: caps.Caps) -> None:
    """The field bounds and input size, checked before a worker is taken."""
    caps.check_input(_shape(request), limits)
    if request.model is not None:
        _check_model_input(request.model, _shape(request), raw=list(request.input.shape))
    caps.check_fields(request.layers, limits)


def _check_model_input(name: str, shape: tuple[int, int, int], *, raw: list[int]) -> None:
    """A trained network takes exactly its input shape (C x H x W, or H x W when C = 1)."""
    want = get_model(name).input_shape
    if shape != want:
        c, h, w = want
        also = f" (or {h} x {w})" if c == 1 else ""
        raise engine.ShapeError(
            f"input: the {name!r} network takes {c} x {h} x {w}{also} values as it sees "
            f"them (pixel / 255, 0..1), got {' x '.join(map(str, raw))}", field="input",
            value=raw, limit=f"{c} x {h} x {w}{also}")


def _shape(request: ConvolveRequest) -> tuple[int, int, int]:
    x = request.input
    return (1, *x.shape) if x.ndim == 2 else (x.shape[0], x.shape[1], x.shape[2])


def convolve(request: ConvolveRequest, limits: caps.Caps) -> bytes:
    """The response body, JSON-encoded here on the worker (blocking)."""
    x = request.input.reshape(_shape(request))
    planned = caps.plan_tensor(request.layers, x, limits)
    values = sum(int(np.prod(p.geometry.out_shape)) for p in planned)
    caps.check_cost(planned, limits, response_bytes=values * JSON_BYTES_PER_VALUE
                    + len(planned) * JSON_BYTES_PER_LAYER)
    outputs = engine.run_planned(x, planned)
    caps.check_overflow([map_ranges(out) for out in outputs])
    layers = [{**geometry_json(step.geometry), "output": out.tolist()}
              for step, out in zip(planned, outputs, strict=True)]
    body: dict[str, object] = {"layers": layers}
    if ends_in_dense(planned):
        body["probabilities"] = softmax(outputs[-1])
    return json.dumps(body, separators=(",", ":")).encode()
