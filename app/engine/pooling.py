"""Max and average pooling over each channel, with the same window/stride/padding rules as conv.

Padding cells never win a max and never count in an average (TensorFlow's ``"SAME"`` pooling;
PyTorch's ``max_pool2d`` and ``avg_pool2d(count_include_pad=False)``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import NDArray

from .errors import ParameterError, ShapeError
from .shapes import PaddingSpec, as_pair, conv_output_size, resolve_padding

Array = NDArray[np.float32]


def window_view(xp: Array, kernel: tuple[int, int], *, stride: tuple[int, int],
                dilation: tuple[int, int], out_hw: tuple[int, int]) -> Array:
    """Read-only view ``(C, kh, kw, H_out, W_out)`` of the padded input under every window tap."""
    c = xp.shape[0]
    sc, sh, sw = xp.strides
    return as_strided(
        xp,
        shape=(c, kernel[0], kernel[1], out_hw[0], out_hw[1]),
        strides=(sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1]),
        writeable=False,
    )


def check_pool_padding(padding: tuple[int, int, int, int], size: tuple[int, int]) -> None:
    """Refuse padding that would give a window with no real cell in it (max of nothing)."""
    limits = (size[0], size[0], size[1], size[1])
    if any(p >= lim for p, lim in zip(padding, limits, strict=True)):
        raise ParameterError(
            f"pooling padding {list(padding)} must be smaller than the window "
            f"{size[0]}x{size[1]} on every side, or some window would hold only padding",
            field="padding", value=list(padding), limit=f"< {list(size)} per side",
        )


def _pool(x: Array, *, size: int | Sequence[int], stride: int | Sequence[int] | None,
          padding: PaddingSpec, mode: str) -> Array:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3:
        raise ShapeError(f"input must be (C, H, W), got shape {x.shape}", field="input",
                         value=list(x.shape), limit="3 dimensions")
    kernel = as_pair(size, name="size")
    st = as_pair(kernel if stride is None else stride, name="stride")
    c, h, w = x.shape
    pad = resolve_padding(padding, in_size=(h, w), kernel=kernel, stride=st, dilation=(1, 1))
    check_pool_padding(pad, kernel)
    out_hw = conv_output_size((h, w), kernel, stride=st, dilation=(1, 1), padding=pad)
    top, bottom, left, right = pad
    fill = -np.inf if mode == "max" else 0.0
    xp = np.full((c, h + top + bottom, w + left + right), fill, dtype=np.float32)
    xp[:, top:top + h, left:left + w] = x
    view = window_view(xp, kernel, stride=st, dilation=(1, 1), out_hw=out_hw)
    if mode == "max":
        out: Array = view.max(axis=(1, 2))
        return np.ascontiguousarray(out)
    total = view.sum(axis=(1, 2), dtype=np.float32)
    ones = np.zeros((1, h + top + bottom, w + left + right), dtype=np.float32)
    ones[:, top:top + h, left:left + w] = 1
    count = window_view(ones, kernel, stride=st, dilation=(1, 1), out_hw=out_hw).sum(axis=(1, 2))
    return np.ascontiguousarray(total / count, dtype=np.float32)


def max_pool2d(x: Array, *, size: int | Sequence[int] = 2,
               stride: int | Sequence[int] | None = None,
               padding: PaddingSpec = "valid") -> Array:
    """Max over each ``size`` window of each channel.

    ``x: (C, H, W)`` -> ``(C, H_out, W_out)``, sizes by the conv formula with dilation 1;
    ``stride`` defaults to ``size``.
    """
    return _pool(x, size=size, stride=stride, padding=padding, mode="max")


def avg_pool2d(x: Array, *, size: int | Sequence[int] = 2,
               stride: int | Sequence[int] | None = None,
               padding: PaddingSpec = "valid") -> Array:
    """Mean over the real (non-padding) cells of each window; shapes as :func:`max_pool2d`."""
    return _pool(x, size=size, stride=stride, padding=padding, mode="avg")
