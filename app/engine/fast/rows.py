"""The row strategy, one of the engine's two fast strategies (validated inputs only).

For a layer without row dilation, output row ``y`` is

``out[:, y, j] = sum_{u, c, v} weight[:, c, u, v] * x_pad[c, y * s_h + u, j * s_w + v * d_w]``

Each padded input row ``i`` is copied once into a buffer as ``C * kw`` sub-rows, one per
channel and column tap, ``P[i, (c, v), j] = x_pad[c, i, j * s_w + v * d_w]``, followed by a
sub-row of ones if there is a bias. Row ``y``'s ``kh`` input rows are then ``kh * sub``
consecutive sub-rows of ``P``: a ``(depth, W_out)`` matrix at a uniform row stride, a strided
*view* that BLAS reads as it is. ``np.matmul`` takes the views of a chunk's rows as one stack,
so a single call runs a sgemm per row in C.

Against the im2col blocks (:mod:`app.engine.fast.blocks`) the copy is ``kw / s_w`` times the
input, not ``kh * kw / (s_h * s_w)`` times, but each row's product is small: fast only where
BLAS runs small products directly (:func:`app.engine.fast.choose.choose_strategy`). Every row
is the same product whatever chunk computes it, so the numbers do not depend on the chunk
size. Measurements: docs/perf.md ("Rows").
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from ..shapes import ceil_div
from .columns import column_pieces, copy_cells, copy_target

Array = NDArray[np.float32]

# Bytes of one chunk's buffer, written once and read by the chunk's products right after
# (2 MiB: measured best from 128 KiB to 16 MiB, docs/perf.md).
CHUNK_BYTES = 1 << 21
# Multiply-adds of one chunk, at least (binds only on layers of one or two maps).
MIN_CHUNK_MACS = 2_000_000


@lru_cache(maxsize=256)
def _column_taps(w: int, kw: int, stride: int, dilation: int, left: int,
                 w_out: int) -> tuple[tuple[int, int, int], ...]:
    """Per column tap ``v``: output columns ``[lo, hi)`` whose input column is inside the
    input, and the input column of ``lo``. The others read padding: zeros."""
    taps = []
    for v in range(kw):
        off = v * dilation - left  # input column of output column j: j * stride + off
        lo = min(w_out, -(off // stride) if off < 0 else 0)
        hi = min(w_out, max(lo, -((off - w) // stride)))
        taps.append((lo, hi, lo * stride + off))
    return tuple(taps)


def _row_weights(weight: Array, bias: Array | None) -> Array:
    """Weights as ``(K, kh * sub)`` in the buffer's order: per kernel row ``u``, channel then
    column tap, then the ones sub-row, which carries the bias for ``u = 0`` only."""
    k_out, c, kh, kw = weight.shape
    sub = c * kw + (bias is not None)
    w2 = np.zeros((k_out, kh, sub), dtype=np.float32)
    w2[:, :, :c * kw] = weight.transpose(0, 2, 1, 3).reshape(k_out, kh, c * kw)
    if bias is not None:
        w2[:, 0, c * kw] = bias
    return w2.reshape(k_out, kh * sub)


def _row_width(w_out: int) -> tuple[int, int]:
    """Columns each row's product computes, and the length of a buffer sub-row.

    A width of a multiple of 4 (the few extra columns are computed and never shown), and
    sub-rows not a multiple of 512 bytes apart (their rows would fall in the same cache
    sets): both faster products in OpenBLAS (docs/perf.md, "Rows").
    """
    width = ceil_div(w_out, 4) * 4
    return width, width + 4 if width % 128 == 0 else width


def _chunk_rows(row_bytes: int, row_macs: int, h_out: int) -> int:
    """Output rows per chunk, each row costing ``row_bytes`` of buffer and ``row_macs``
    multiply-adds: a buffer of about ``CHUNK_BYTES`` but at least ``MIN_CHUNK_MACS`` of
    work, in chunks of even sizes."""
    rows = max(CHUNK_BYTES // row_bytes, ceil_div(MIN_CHUNK_MACS, row_macs), 1)
    chunks = ceil_div(h_out, min(rows, h_out))
    return ceil_div(h_out, chunks)


def correlate(x: Array, weight: Array, bias: Array | None, *, stride: tuple[int, int],
              dilation: tuple[int, int], padding: tuple[int, int, int, int],
              out_hw: tuple[int, int], relu: bool = False) -> Array:
    """:func:`app.engine.reference.conv2d_reference` on validated float32 arrays of a layer
    without row dilation, then ``max(., 0)`` with ``relu``; ``out_hw`` is ``(H_out, W_out)``.

    The bias rides in the products, ReLU is applied to each chunk's rows while they are in
    cache."""
    k_out, c, kh, kw = weight.shape
    h, w = x.shape[1:]
    h_out, w_out = out_hw
    width, pitch = _row_width(w_out)
    sh = stride[0]
    top = padding[0]
    sub = c * kw + (bias is not None)
    depth = kh * sub
    cols = _column_taps(w, kw, stride[1], dilation[1], padding[2], width)
    w2 = _row_weights(weight, bias)
    rows = _chunk_rows(sub * pitch * 4 * sh, k_out * depth * width, h_out)
    out = np.empty((k_out, h_out, width), dtype=np.float32)
    # ReLU's other operand: one map's chunk of rows, broadcast over the maps (a whole
    # chunk of zeros would be read from outside L2 with every chunk)
    zeros = np.zeros(rows * width if relu else 0, dtype=np.float32)

    def fill(data: Array, i0: int, n: int) -> None:
        """Buffer rows ``[0, n)`` from padded input rows ``[i0, i0 + n)`` (``i0`` counted
        from the first input row; rows outside the input are zeros)."""
        ia, ib = max(0, i0), min(h, i0 + n)
        if ia > i0:
            data[:ia - i0] = 0
        if ib < i0 + n:
            data[max(0, ib - i0):n] = 0
        if ib <= ia:
            return
        rows_in = slice(ia - i0, ib - i0)
        for v, (lo, hi, j0) in enumerate(cols):
            if hi > lo:
                _copy_columns(data[rows_in, :, v, lo:hi], x, slice(ia, ib), j0, stride[1])

    rows_in = (rows - 1) * sh + kh
    buf = np.empty((rows_in, sub, pitch), dtype=np.float32)
    data = buf[:, :c * kw].reshape(rows_in, c, kw, pitch)
    for v, (lo, hi, _) in enumerate(cols):  # columns that read padding: zero for good
        data[:, :, v, :lo] = 0
        data[:, :, v, hi:width] = 0
    if bias is not None:
        buf[:, c * kw, :width] = 1.0
    for y0 in range(0, h_out, rows):
        y1 = min(h_out, y0 + rows)
        fill(data, y0 * sh - top, (y1 - y0 - 1) * sh + kh)
        # row y reads buffer rows [(y - y0) * sh, ... + kh): depth sub-rows from there
        # (np.ndarray checks the view against buf's memory; as_strided would not)
        patches = np.ndarray((y1 - y0, depth, width), dtype=np.float32, buffer=buf,
                             strides=(buf.strides[0] * sh, buf.strides[1], buf.strides[2]))
        patches.flags.writeable = False
        block = out[:, y0:y1]
        np.matmul(w2, patches, out=block.transpose(1, 0, 2))
        if relu:  # block's rows are contiguous in each map: (K, rows * width)
            flat = block.reshape(k_out, -1)
            np.maximum(flat, zeros[:flat.shape[1]], out=flat)
    return out[:, :, :w_out] if width > w_out else out


def _copy_columns(dst: NDArray[np.float32], x: Array, rows: slice, j0: int,
                  stride: int) -> None:
    """``dst (rows, C, n) = x[:, rows, j0::stride]`` (``n`` columns), stride-2 columns
    through float pairs (:func:`app.engine.fast.columns.column_pieces`)."""
    col = 0
    for cells in column_pieces(x, rows, j0, dst.shape[2], stride):
        m = cells.shape[2]
        copy_cells(copy_target(dst[:, :, col:col + m], cells), cells.transpose(1, 0, 2))
        col += m
