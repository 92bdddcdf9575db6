"""2-D convolution (cross-correlation, as in PyTorch and TensorFlow): checks, then a strategy.

``out[k, i, j] = bias[k] + sum_{c, u, v} weight[k, c, u, v]
                 * x_pad[c, i * stride_h + u * dilation_h, j * stride_w + v * dilation_w]``

where ``x_pad`` is ``x`` with explicit zero padding (top, bottom, left, right): the definition
is :func:`app.engine.reference.conv2d_reference`. :func:`conv2d` validates and resolves its
arguments, then runs the strategy :func:`app.engine.fast.choose_strategy` picks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .activations import ACTIVATIONS, apply_activation
from .errors import ParameterError, ShapeError
from .fast import STRATEGIES, Strategy, blocks, choose_strategy, direct_sgemm, rows
from .reference import conv2d_reference
from .shapes import PaddingSpec, as_pair, conv_output_size, resolve_padding

Array = NDArray[np.float32]


def _as_float32(value: ArrayLike, *, name: str, ndim: int) -> Array:
    try:
        arr = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name} must be an array of numbers: {exc}", field=name,
                             value=None, limit="numbers") from exc
    if arr.ndim != ndim:
        raise ShapeError(f"{name} must have {ndim} dimensions, got shape {arr.shape}",
                         field=name, value=list(arr.shape), limit=f"{ndim} dimensions")
    require_finite(arr, name=name)
    return arr


def require_finite(arr: Array, *, name: str) -> None:
    """Refuse ``arr`` (named ``name`` in the error) if it holds NaN or infinity."""
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} contains NaN or infinity", field=name, value=None,
                             limit="finite numbers")


def conv2d(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = "valid",
    dilation: int | Sequence[int] = 1,
    activation: str = "none",
    strategy: Strategy | None = None,
) -> Array:
    """Cross-correlate ``x`` with ``K`` kernels, exactly as ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    x : (C, H, W) array
        The input, channels first.
    weight : (K, C, kh, kw) array
        One ``C x kh x kw`` kernel per output map.
    bias : (K,) array, optional
        Added to every cell of map ``k``.
    stride, dilation : int or (h, w)
        Step between windows; spacing between kernel taps (1 = dense).
    padding : ``"valid" | "same" | "full" | int | (ph, pw) | (top, bottom, left, right)``
        See :mod:`app.engine.shapes`; ``"same"`` follows TensorFlow for every stride.
    activation : str
        Applied after the bias (one of :data:`app.engine.activations.ACTIVATIONS`); the fast
        strategies apply ReLU while the output is in cache.
    strategy : ``"reference" | "rows" | "blocks"``, optional
        Force a strategy (the tests run each); by default :func:`app.engine.fast.choose_strategy`
        picks one. Every strategy gives the same numbers up to float32 rounding.

    Returns
    -------
    (K, H_out, W_out) float32, with
    ``H_out = floor((H + top + bottom - dilation_h*(kh - 1) - 1) / stride_h) + 1``
    and likewise for ``W_out``.
    """
    xa = _as_float32(x, name="input", ndim=3)
    wa = _as_float32(weight, name="weights", ndim=4)
    k_out, c_w, kh, kw = wa.shape
    c_in, height, width = xa.shape
    if min(xa.shape) < 1 or min(wa.shape) < 1:
        raise ShapeError(f"input {xa.shape} and weights {wa.shape} must not be empty",
                         field="weights", value=list(wa.shape), limit="every axis >= 1")
    if c_w != c_in:
        raise ShapeError(
            f"weights have {c_w} input channels but the input has {c_in}: weights must be "
            f"K x {c_in} x kh x kw, got {list(wa.shape)}",
            field="weights", value=list(wa.shape), limit=f"K x {c_in} x kh x kw",
        )
    ba: Array | None = None
    if bias is not None:
        ba = _as_float32(bias, name="bias", ndim=1)
        if ba.shape[0] != k_out:
            raise ShapeError(f"bias needs one value per feature map ({k_out}), got {ba.shape[0]}",
                             field="bias", value=ba.shape[0], limit=f"length {k_out}")
    st = as_pair(stride, name="stride")
    dl = as_pair(dilation, name="dilation")
    pad = resolve_padding(padding, in_size=(height, width), kernel=(kh, kw), stride=st,
                          dilation=dl)
    out_hw = conv_output_size((height, width), (kh, kw), stride=st, dilation=dl, padding=pad)
    if activation not in ACTIVATIONS:
        apply_activation(activation, np.zeros(1, np.float32))  # raises, naming the choices
    if strategy is not None and strategy not in STRATEGIES:
        raise ParameterError(f"strategy must be one of {', '.join(STRATEGIES)}, got "
                             f"{strategy!r}", field="strategy", value=strategy,
                             limit=" | ".join(STRATEGIES))
    if strategy == "rows" and dl[0] != 1:
        raise ParameterError(f"the rows strategy reads whole input rows: row dilation must be "
                             f"1, got {dl[0]}", field="dilation", value=dl[0], limit="1")
    return conv2d_planned(xa, wa, ba, stride=st, dilation=dl, padding=pad, out_hw=out_hw,
                          activation=activation, strategy=strategy)


def conv2d_planned(x: Array, weight: Array, bias: Array | None, *, stride: tuple[int, int],
                   dilation: tuple[int, int], padding: tuple[int, int, int, int],
                   out_hw: tuple[int, int], activation: str,
                   strategy: Strategy | None = None) -> Array:
    """:func:`conv2d` on arguments already checked and resolved (a planned layer of a stack):
    float32 arrays of matching shapes, explicit padding, a known activation.

    Nothing is validated here; in particular the input is not scanned for NaN or infinity
    (a pass over it costs ~5 % of a pyramid). A stack's input is checked once, its later
    inputs are the engine's own outputs, whose overflow its callers report per layer.
    """
    if strategy is None:
        strategy = choose_strategy(maps=weight.shape[0], row_dilation=dilation[0],
                                   direct_sgemm=direct_sgemm())
    if strategy == "reference":
        out = conv2d_reference(x, weight, bias, stride=stride, dilation=dilation,
                               padding=padding)
        return out if activation == "none" else apply_activation(activation, out)
    correlate = rows.correlate if strategy == "rows" else blocks.correlate
    out = correlate(x, weight, bias, stride=stride, dilation=dilation, padding=padding,
                    out_hw=out_hw, relu=activation == "relu")
    if activation in ("none", "relu"):
        return out
    return apply_activation(activation, out)
