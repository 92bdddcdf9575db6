"""Obviously correct, slow loop implementations: the oracle the fast engine is held against."""

from __future__ import annotations

import numpy as np


def conv2d_loops(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
                 stride: tuple[int, int], dilation: tuple[int, int],
                 padding: tuple[int, int, int, int]) -> np.ndarray:
    """Cross-correlation by the definition, one multiply-add at a time, in float64."""
    c, h, w = x.shape
    k_out, _, kh, kw = weight.shape
    top, bottom, left, right = padding

    def at(ch: int, i: int, j: int) -> float:
        r, s = i - top, j - left
        return float(x[ch, r, s]) if 0 <= r < h and 0 <= s < w else 0.0

    h_out = (h + top + bottom - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    w_out = (w + left + right - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((k_out, h_out, w_out))
    for k in range(k_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0 if bias is None else float(bias[k])
                for ch in range(c):
                    for u in range(kh):
                        for v in range(kw):
                            r = i * stride[0] + u * dilation[0]
                            s = j * stride[1] + v * dilation[1]
                            total += float(weight[k, ch, u, v]) * at(ch, r, s)
                out[k, i, j] = total
    return out


def pool_loops(x: np.ndarray, size: tuple[int, int], stride: tuple[int, int],
               padding: tuple[int, int, int, int], mode: str) -> np.ndarray:
    """Max or mean over the real cells of each window (padding never counts)."""
    c, h, w = x.shape
    top, bottom, left, right = padding
    h_out = (h + top + bottom - size[0]) // stride[0] + 1
    w_out = (w + left + right - size[1]) // stride[1] + 1
    out = np.zeros((c, h_out, w_out))
    for ch in range(c):
        for i in range(h_out):
            for j in range(w_out):
                vals = [float(x[ch, r, s])
                        for r in range(i * stride[0] - top, i * stride[0] - top + size[0])
                        for s in range(j * stride[1] - left, j * stride[1] - left + size[1])
                        if 0 <= r < h and 0 <= s < w]
                out[ch, i, j] = max(vals) if mode == "max" else sum(vals) / len(vals)
    return out
