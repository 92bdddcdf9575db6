"""The fast kernels behind :func:`app.engine.conv.conv2d` (validated inputs only).

Strategy: im2col in row blocks small enough to stay in cache, one sgemm per block; the
im2col matrix of a whole image is never materialised, so memory stays bounded.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import NDArray

Array = NDArray[np.float32]

# Bytes of one im2col block: about the size of a core's L2 cache.
BLOCK_BYTES = 1 << 20


def pad_input(x: Array, padding: tuple[int, int, int, int]) -> Array:
    """Zero-pad ``x: (C, H, W)`` by ``(top, bottom, left, right)``; returns ``x`` if no padding."""
    top, bottom, left, right = padding
    if not any(padding):
        return x
    c, h, w = x.shape
    out = np.zeros((c, h + top + bottom, w + left + right), dtype=np.float32)
    out[:, top:top + h, left:left + w] = x
    return out


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


def correlate(x: Array, weight: Array, bias: Array | None, *, stride: tuple[int, int],
              dilation: tuple[int, int], padding: tuple[int, int, int, int],
              out_hw: tuple[int, int]) -> Array:
    """Cross-correlation on validated float32 arrays; see :func:`app.engine.conv.conv2d`."""
    k_out, c, kh, kw = weight.shape
    h_out, w_out = out_hw
    xp = pad_input(x, padding)
    view = window_view(xp, (kh, kw), stride=stride, dilation=dilation, out_hw=out_hw)
    w2 = np.ascontiguousarray(weight.reshape(k_out, c * kh * kw))
    out = np.empty((k_out, h_out, w_out), dtype=np.float32)
    depth = c * kh * kw
    rows = max(1, min(h_out, BLOCK_BYTES // max(1, depth * w_out * 4)))
    cols = np.empty((depth, rows * w_out), dtype=np.float32)
    for r0 in range(0, h_out, rows):
        r1 = min(h_out, r0 + rows)
        n = (r1 - r0) * w_out
        block = cols[:, :n]
        block.reshape(c, kh, kw, r1 - r0, w_out)[...] = view[:, :, :, r0:r1, :]
        np.matmul(w2, block, out=out[:, r0:r1, :].reshape(k_out, n))
    if bias is not None:
        out += bias[:, None, None]
    return out
