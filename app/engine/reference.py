"""The definition of what the engine computes: a 2-D convolution in a few lines of NumPy.

Read this first. Every faster strategy (:mod:`app.engine.fast`) computes exactly this, and the
tests hold all of them, this one included, against a loop oracle.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

Array = NDArray[np.float32]


def conv2d_reference(x: Array, weight: Array, bias: Array | None = None, *,
                     stride: tuple[int, int] = (1, 1), dilation: tuple[int, int] = (1, 1),
                     padding: tuple[int, int, int, int] = (0, 0, 0, 0)) -> Array:
    """Cross-correlate ``x`` with ``K`` kernels, as ``torch.nn.functional.conv2d`` does.

    ``out[k, i, j] = bias[k] + sum_{c, u, v} weight[k, c, u, v]
    * x_pad[c, i * stride_h + u * dilation_h, j * stride_w + v * dilation_w]``,
    where ``x_pad`` is ``x`` with ``padding`` zeros around it. The kernel is not flipped.

    Parameters
    ----------
    x : (C, H, W) float32
        The input, channels first.
    weight : (K, C, kh, kw) float32
        One ``C x kh x kw`` kernel per output map.
    bias : (K,) float32, optional
        Added to every cell of map ``k``.
    stride, dilation : (h, w)
        Step between windows; spacing between kernel taps (1 = dense).
    padding : (top, bottom, left, right)
        Zeros added on each side (every padding mode resolves to this:
        :func:`app.engine.shapes.resolve_padding`).

    Returns
    -------
    (K, H_out, W_out) float32, ``H_out = (H + top + bottom - dilation_h * (kh - 1) - 1)
    // stride_h + 1``, likewise ``W_out``.
    """
    _, _, kh, kw = weight.shape
    top, bottom, left, right = padding
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right)))
    span = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    # every window of the dilated kernel's span, then every stride-th one and its kh x kw taps
    windows = sliding_window_view(xp, span, axis=(1, 2))  # (C, H', W', span_h, span_w)
    taps = windows[:, ::stride[0], ::stride[1], ::dilation[0], ::dilation[1]]
    # sum over c, u, v: (K, C, kh, kw) . (C, H_out, W_out, kh, kw) -> (K, H_out, W_out)
    out = np.tensordot(weight, taps, axes=([1, 2, 3], [0, 3, 4]))
    if bias is not None:
        out += bias[:, None, None]
    return np.asarray(out, dtype=np.float32)
