"""Strided columns of the input, copied into both strategies' buffers.

A stride-2 layer reads every other column. A copy from a stride-2 view runs NumPy's
element-by-element gather loop; read as 8-byte float pairs whose low half is kept (a
``uint64 -> uint32`` cast, which truncates), the same cells come through a contiguous cast
loop instead. Why and how much: docs/perf.md ("Float pairs").
"""

from __future__ import annotations

import sys

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float32]

# A float32 pair read as one little-endian uint64 has its first float in the low 32 bits.
_PAIRS_OK = sys.byteorder == "little"


def column_pieces(x: Array, rows: slice, j0: int, n: int,
                  stride: int) -> list[NDArray[np.generic]]:
    """``x[:, rows, j0::stride]`` (``n`` columns) as consecutive pieces of columns to copy
    from: for stride 2 a uint64 view of float pairs (:func:`_float_pairs`), then the last
    column if no pair reaches it; otherwise the one strided view. Copy a piece with
    :func:`copy_cells`."""
    if stride == 2:
        pairs = _float_pairs(x, rows, j0, n)
        if pairs is not None:
            m = pairs.shape[2]
            return [pairs] if m == n else [pairs, x[:, rows, j0 + 2 * m:j0 + 2 * n - 1:2]]
    return [x[:, rows, j0:j0 + (n - 1) * stride + 1:stride]]


def copy_target(dst: NDArray[np.generic], cells: NDArray[np.generic]) -> NDArray[np.generic]:
    """``dst`` as the destination of a copy from ``cells``: viewed as uint32 when ``cells``
    are float pairs, whose uint64 -> uint32 cast keeps each pair's low half, the cell."""
    return dst.view(np.uint32) if cells.dtype == np.uint64 else dst


def copy_cells(dst: NDArray[np.generic], cells: NDArray[np.generic]) -> None:
    """Copy a piece of :func:`column_pieces` into ``dst``, a :func:`copy_target` of it
    (``casting="unsafe"``: the pairs' cast keeps each pair's low half, the cell)."""
    np.copyto(dst, cells, casting="unsafe")


def _float_pairs(x: Array, rows: slice, j0: int, n: int) -> NDArray[np.uint64] | None:
    """``x[:, rows, j0::2]`` (``n`` columns) as a uint64 view of float pairs whose low half is
    the cell, as many columns as end inside their row; None if ``x`` cannot be read so
    (rows not unit-stride runs, or a big-endian machine).

    Bits are copied as they are. The view is NumPy's own (``.view`` of a slice whose last
    axis is contiguous), unaligned when ``j0`` is odd. A last column whose pair would cross
    the row's end is left to a plain copy.
    """
    pairs = min(n, (x.shape[2] - j0) // 2)
    if not _PAIRS_OK or x.strides[2] != x.itemsize or pairs < 1:
        return None
    return x[:, rows, j0:j0 + 2 * pairs].view(np.uint64)
