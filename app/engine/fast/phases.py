"""Stride phases of the padded input, for the im2col blocks (:mod:`app.engine.fast.blocks`).

Phase ``(a, b)`` of a stride-``s`` layer is ``xp[:, a::s, b::s]``: every kernel tap falls in
exactly one phase at an integer offset, so each phase is read at unit stride.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import gcd

import numpy as np
from numpy.typing import NDArray

from .columns import column_pieces, copy_cells, copy_target

Array = NDArray[np.float32]


@dataclass(frozen=True)
class AxisPhase:
    """Taps of one axis that fall in phase ``phase``: kernel indices and offsets in the phase."""

    phase: int
    taps: tuple[int, ...]
    first: int  # offset of the first tap inside the phase image
    step: int  # offset between consecutive taps


@lru_cache(maxsize=64)
def axis_phases(k: int, stride: int, dilation: int) -> tuple[AxisPhase, ...]:
    """The phases of one axis (kernel size ``k``) that hold at least one tap."""
    phases = []
    step = dilation // gcd(stride, dilation)
    for a in range(stride):
        taps = tuple(u for u in range(k) if (u * dilation) % stride == a)
        if taps:
            phases.append(AxisPhase(a, taps, (taps[0] * dilation) // stride, step))
    return tuple(phases)


@dataclass(frozen=True)
class Phase:
    """Phase ``(a, b)`` of the padded input, ``xp[:, a::s, b::s]``, and its taps.

    Phase row ``q`` is input row ``q * s + a - top`` (zero where that is outside the input),
    phase column ``p`` input column ``p * s + b - left``. Which columns hold input cells is
    the same for every block of rows: ``src_cols`` of the input land in ``dst_cols``.
    """

    rows: AxisPhase
    cols: AxisPhase
    row_stride: int
    row_shift: int  # input row of phase row q: q * row_stride + row_shift
    q_lo: int  # phase rows [q_lo, q_hi) hold input rows
    q_hi: int
    src_cols: slice
    dst_cols: slice

    @staticmethod
    def of(rp: AxisPhase, cp: AxisPhase, size: tuple[int, ...],
           padding: tuple[int, int, int, int], stride: tuple[int, int],
           width: int) -> Phase:
        h, w = size
        top, _, left, _ = padding
        sh, sw = stride
        shift = rp.phase - top
        # ceil(-shift / sh) and ceil((h - shift) / sh): the rows holding input rows 0..h-1
        q_lo, q_hi = -(shift // sh), -((shift - h) // sh)
        col_shift = cp.phase - left
        p_lo = max(0, -(col_shift // sw))
        p_hi = max(p_lo, min(width, -((col_shift - w) // sw)))
        j0 = p_lo * sw + col_shift
        src = slice(j0, j0 + (p_hi - p_lo - 1) * sw + 1, sw) if p_hi > p_lo else slice(0, 0)
        return Phase(rp, cp, sh, shift, max(0, q_lo), q_hi, src, slice(p_lo, p_hi))

    def empty(self, c: int, rows: int, width: int) -> Array:
        """A buffer for ``rows`` phase rows, its columns that never hold input cells zeroed."""
        buf = np.empty((c, rows, width), dtype=np.float32)
        buf[:, :, :self.dst_cols.start] = 0
        buf[:, :, self.dst_cols.stop:] = 0
        return buf

    def source(self, x: Array) -> list[NDArray[np.generic]] | None:
        """The input cells of this phase, as :func:`column_pieces` of ``x`` built once per
        call; None if the phase holds no input cell (all padding)."""
        n = self.dst_cols.stop - self.dst_cols.start
        if self.q_hi <= self.q_lo or n == 0:
            return None
        i0 = self.q_lo * self.row_stride + self.row_shift
        rows = slice(i0, i0 + (self.q_hi - self.q_lo - 1) * self.row_stride + 1,
                     self.row_stride)
        return column_pieces(x, rows, self.src_cols.start, n, self.src_cols.step)


class Fill:
    """Copies phase ``ph``'s input cells (``src = ph.source(x)``) into ``buf: (C, rows, Wq)``
    made by :meth:`Phase.empty`, the views of ``buf`` built once per call (a block's fill
    is a few copies of a few microseconds: rebuilding the views per block cost as much)."""

    __slots__ = ("buf", "copies", "ph")

    def __init__(self, ph: Phase, buf: Array, src: list[NDArray[np.generic]] | None) -> None:
        self.ph, self.buf = ph, buf
        # (destination, source) column ranges, each sliced by rows per block
        self.copies: list[tuple[NDArray[np.generic], NDArray[np.generic]]] = []
        col = ph.dst_cols.start
        for cells in src or []:
            m = cells.shape[2]
            self.copies.append((copy_target(buf[:, :, col:col + m], cells), cells))
            col += m

    def __call__(self, q0: int, n: int) -> None:
        """Write phase rows ``[q0, q0 + n)`` into the first ``n`` rows of the buffer (only
        the columns that hold input cells are written)."""
        ph = self.ph
        qa = min(max(q0, ph.q_lo), q0 + n)
        qb = max(min(q0 + n, ph.q_hi), qa)
        if qb > qa:
            rows = slice(qa - ph.q_lo, qb - ph.q_lo)
            dst = slice(qa - q0, qb - q0)
            for to, cells in self.copies:
                copy_cells(to[:, dst], cells[:, rows])
        if qa > q0:
            self.buf[:, :qa - q0] = 0
        if qb < q0 + n:
            self.buf[:, qb - q0:n] = 0
