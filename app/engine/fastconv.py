"""The im2col blocks, one of the engine's two strategies (validated inputs only).

Layers of many maps (more than :data:`app.engine.rowconv.MAX_MAPS`) and row dilations run
here, and every layer where OpenBLAS has no direct sgemm; layers of few maps run in
:mod:`app.engine.rowconv`, which copies less but runs its products on one thread
(:func:`app.engine.conv.conv2d_planned` chooses).

Two ideas keep NumPy close to a tuned framework:

* **Stride phases.** A stride-``s`` layer reads only every ``s``-th cell, and copying from a
  strided view is slow. The padded input is split into its ``s x s`` phases
  ``xp[:, a::s, b::s]``; every kernel tap falls in exactly one phase at an integer offset, so
  each phase is read at unit stride, like a stride-1 layer. Each block of output rows cuts
  the phase rows it needs right before using them, so they are read back from cache; a
  stride-2 phase's columns are read as float pairs (:func:`column_pieces`).
* **Wide rows.** Output rows are computed ``Wq`` cells wide (the phase width) instead of
  ``W_out``: then the patch matrix row of tap ``(c, u, v)`` for a block of output rows is one
  contiguous run of the phase image, copied at memcpy speed. The sgemm writes the wide rows
  straight into the layer's output, and the maps returned are the ``[:, :, :W_out]`` view
  of it; the few extra columns are computed and never shown.

Then one sgemm ``weights (K, depth) @ patches (depth, n)`` per block of output rows, a block
sized to stay in cache, so the patch matrix (im2col) of the whole image is never materialised
and memory stays bounded. The bias rides in the sgemm (a row of ones), ReLU is applied to the
block while it is in cache. The blocks run on the calling thread, OpenBLAS's threads inside
each product.

Measured and dropped (alternating A/B on S1-S7, 2-core AVX-512 VM):

* A channels-last layout, ``patches (n, depth) @ weights.T``: its sgemm is faster for deep
  layers, but building its patch matrix means copying runs of only ``C`` floats.
* Phase images of the whole input, made in a pass of their own: 10-20 % slower on the
  stride-2 layers than cutting each block's rows (they went out to memory and back).
* Keeping a phase's first-tap rows in place in the patch matrix (4 of the 9 copies of a
  3x3 stride-2 layer saved): 0-5 % on some layers, 6 % lost on S6.
* A second thread running the sgemms while the first copies the next block's patches, and
  two threads each running whole blocks (``CONVSCOPE_ENGINE_THREADS=2``, until 2026-11-26):
  both slower. NumPy calls of a few microseconds each hand the GIL back and forth, and a
  thread woken on this VM waits tens of microseconds for its core; two threads only pay
  off for long calls (sgemm, big copies).
* ReLU as ``np.maximum`` against the scalar 0 (float or int32), ``np.clip`` or a masked
  store: slower than three integer passes on the bits, which were in turn 3.4x slower than
  ``np.maximum`` against an array of zeros (:func:`_relu_in_place`).
* Products cut into column chunks that fit OpenBLAS's small-matrix kernel: 9 % faster on
  the 8-map sgemms but no faster overall than two OpenBLAS threads on the whole block.
* Consecutive layers of a stack run block by block, interleaved, so that each block reads
  input rows the layer before has just written (from cache, not memory): 3 % slower on
  S7, the layers' patch matrices evicting each other; smaller blocks made it worse.
* Products of the row strategy's buffer per kernel row, ``kh`` sgemms on OpenBLAS's two
  threads with their sums added up: 40-70 % slower than both strategies.
* A helper *process* (its own interpreter, so no GIL) sharing each layer's blocks through
  a shared-memory arena, OpenBLAS on one thread in each process (branch
  ``experiment/helper-process``; bit-exact): S7 -10 % against this engine with OpenBLAS on
  two threads (ratio 1.41-1.52 against 1.58-1.67 in the same runs), -23 % with OpenBLAS
  on one thread; S3 and S4 unchanged (an input must first be copied into the arena), S2
  and S5 slower. The two processes' copies contend for memory: together they do ~10 %
  more work than one. Not worth a second process per server.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import gcd

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import NDArray

Array = NDArray[np.float32]

# Bytes of one block of the patch matrix: inside a core's L2 cache. Deep patch matrices
# (many channels x taps) run better in larger blocks: sgemm amortises its packing over more
# columns (measured with benchmarks/engine.py).
BLOCK_BYTES = 1 << 19
BLOCK_BYTES_DEEP = 1 << 21
DEEP_FROM = 64
# OpenBLAS (SkylakeX and newer kernels) runs products of M*N*K <= 1e6 through a small-matrix
# kernel without packing, up to 2x faster for the few-map layers: blocks are cut to fit it
# when that does not more than double their number.
SMALL_GEMM = 1_000_000


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


@dataclass(frozen=True)
class _AxisPhase:
    """Taps of one axis that fall in phase ``phase``: kernel indices and offsets in the phase."""

    phase: int
    taps: tuple[int, ...]
    first: int  # offset of the first tap inside the phase image
    step: int  # offset between consecutive taps


@lru_cache(maxsize=64)
def _axis_phases(k: int, stride: int, dilation: int) -> tuple[_AxisPhase, ...]:
    phases = []
    step = dilation // gcd(stride, dilation)
    for a in range(stride):
        taps = tuple(u for u in range(k) if (u * dilation) % stride == a)
        if taps:
            phases.append(_AxisPhase(a, taps, (taps[0] * dilation) // stride, step))
    return tuple(phases)


def correlate(x: Array, weight: Array, bias: Array | None, *, stride: tuple[int, int],
              dilation: tuple[int, int], padding: tuple[int, int, int, int],
              out_hw: tuple[int, int], relu: bool = False) -> Array:
    """Cross-correlation on validated float32 arrays; see :func:`app.engine.conv.conv2d`.

    The bias and, with ``relu``, ``max(., 0)`` are applied to each block while it is still in
    cache: a separate pass over a large output costs as much as a layer's arithmetic.
    """
    k_out, c, kh, kw = weight.shape
    h, w = x.shape[1:]
    phases, width, halo = _layout(h, w, kh, kw, stride, dilation, padding, out_hw[1])
    rows = _block_rows(c * kh * kw, bias is not None, k_out, width, out_hw[0])
    # the products are written straight into wide output rows; the maps are a view of them
    wide = np.empty((k_out, out_hw[0], width), dtype=np.float32)
    _run_blocks(x, phases, weight, bias, relu, wide, rows, halo)
    return wide[:, :, :out_hw[1]]


@lru_cache(maxsize=256)
def _layout(h: int, w: int, kh: int, kw: int, stride: tuple[int, int],
            dilation: tuple[int, int], padding: tuple[int, int, int, int],
            w_out: int) -> tuple[tuple[_Phase, ...], int, int]:
    """A layer's phases, wide row width ``Wq`` and halo rows: they depend on its geometry
    only, so they are worked out once per geometry (a stack runs the same layers on every
    request; working them out cost ~15 us a call)."""
    rows_ph = _axis_phases(kh, stride[0], dilation[0])
    cols_ph = _axis_phases(kw, stride[1], dilation[1])
    # Phase images are Wq wide (all phases alike, so one output column index serves all);
    # a block of output rows needs its rows plus the furthest tap plus one row, which the
    # last wide run spills into.
    width = max(p.first + (len(p.taps) - 1) * p.step for p in cols_ph) + w_out
    halo = max(p.first + (len(p.taps) - 1) * p.step for p in rows_ph) + 1
    phases = tuple(_Phase.of(rp, cp, (h, w), padding, stride, width)
                   for rp in rows_ph for cp in cols_ph)
    return phases, width, halo


def _block_rows(depth: int, bias: bool, k_out: int, width: int, h_out: int) -> int:
    """Output rows per block: the block's patch matrix ``(depth, rows * width)`` fits
    ``BLOCK_BYTES`` (``BLOCK_BYTES_DEEP`` for deep ones), cut to fit the small-matrix kernel
    when that at most doubles the number of blocks (``bias``: one more row, of ones)."""
    block = BLOCK_BYTES_DEEP if depth >= DEEP_FROM else BLOCK_BYTES
    rows = max(1, min(h_out, block // (depth * width * 4)))
    small = SMALL_GEMM // (k_out * (depth + bias) * width)
    if 2 * small >= rows:
        rows = max(1, min(rows, small))
    blocks = -(-h_out // rows)
    return -(-h_out // blocks)  # the same number of blocks, of even sizes


@dataclass(frozen=True)
class _Phase:
    """Phase ``(a, b)`` of the padded input, ``xp[:, a::s, b::s]``, and its taps.

    Phase row ``q`` is input row ``q * s + a - top`` (zero where that is outside the input),
    phase column ``p`` input column ``p * s + b - left``. Which columns hold input cells is
    the same for every block of rows: ``src_cols`` of the input land in ``dst_cols``.
    """

    rows: _AxisPhase
    cols: _AxisPhase
    row_stride: int
    row_shift: int  # input row of phase row q: q * row_stride + row_shift
    q_lo: int  # phase rows [q_lo, q_hi) hold input rows
    q_hi: int
    src_cols: slice
    dst_cols: slice

    @staticmethod
    def of(rp: _AxisPhase, cp: _AxisPhase, size: tuple[int, ...],
           padding: tuple[int, int, int, int], stride: tuple[int, int],
           width: int) -> _Phase:
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
        return _Phase(rp, cp, sh, shift, max(0, q_lo), q_hi, src, slice(p_lo, p_hi))

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


class _Fill:
    """Copies phase ``ph``'s input cells (``src = ph.source(x)``) into ``buf: (C, rows, Wq)``
    made by :meth:`_Phase.empty`, the views of ``buf`` built once per call (a block's fill
    is a few copies of a few microseconds each; rebuilding its views cost as much)."""

    __slots__ = ("buf", "copies", "ph")

    def __init__(self, ph: _Phase, buf: Array, src: list[NDArray[np.generic]] | None) -> None:
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
                # unsafe: the pairs' uint64 -> uint32 cast keeps each pair's low half, the cell
                np.copyto(to[:, dst], cells[:, rows], casting="unsafe")
        if qa > q0:
            self.buf[:, :qa - q0] = 0
        if qb < q0 + n:
            self.buf[:, qb - q0:n] = 0


# A float32 pair read as one little-endian uint64 has its first float in the low 32 bits.
_PAIRS_OK = sys.byteorder == "little"


def column_pieces(x: Array, rows: slice, j0: int, n: int,
                  stride: int) -> list[NDArray[np.generic]]:
    """``x[:, rows, j0::stride]`` (``n`` columns) as consecutive pieces of columns to copy
    from: for stride 2 a uint64 view of float pairs (:func:`_float_pairs`), then the last
    column if no pair reaches it; otherwise the one strided view. Copy a piece into
    :func:`copy_target` of its columns, with ``casting="unsafe"``."""
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


def _float_pairs(x: Array, rows: slice, j0: int, n: int) -> NDArray[np.uint64] | None:
    """``x[:, rows, j0::2]`` (``n`` columns) as a uint64 view of float pairs whose low half is
    the cell, as many columns as end inside their row; None if ``x`` cannot be read so.

    A copy from a stride-2 view runs NumPy's element-by-element gather loop. Read as 8-byte
    pairs whose low half is kept (a uint64 -> uint32 cast, which truncates), the same cells
    come through a contiguous cast loop: ~1.6x faster, measured on the phases of S3 and S7's
    second layer. Bits are copied as they are. The view is NumPy's own (``.view`` of a slice
    whose last axis is contiguous), unaligned when ``j0`` is odd (no slower, measured). A
    last column whose pair would cross the row's end is left to a plain copy.
    """
    pairs = min(n, (x.shape[2] - j0) // 2)
    if not _PAIRS_OK or x.strides[2] != x.itemsize or pairs < 1:
        return None
    return x[:, rows, j0:j0 + 2 * pairs].view(np.uint64)


@lru_cache(maxsize=256)
def _tap_order(c: int, kh: int, kw: int,
               taps: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]) -> NDArray[np.intp]:
    """Columns of the flattened ``(K, C * kh * kw)`` weights in patch-matrix order: phase by
    phase (``taps`` gives each phase's row and column taps), then channel, then tap."""
    channels = np.arange(c)[:, None] * (kh * kw)
    per_phase = []
    for rows, cols in taps:
        offsets = np.add.outer(np.asarray(rows) * kw, np.asarray(cols)).ravel()
        per_phase.append((channels + offsets).ravel())
    order = np.concatenate(per_phase)
    order.flags.writeable = False
    return order


def _ordered_weights(weight: Array, bias: Array | None, phases: Sequence[_Phase]) -> Array:
    """Weights as ``(K, depth)`` in the patch-matrix order, and the bias as one more column
    if there is one.

    One gather of the flattened weights by a (cached) permutation of their columns:
    fancy-indexing each phase's rows and columns of taps cost ~100 us on S6's weights, a
    fifth of the layer.
    """
    k_out, c, kh, kw = weight.shape
    order = _tap_order(c, kh, kw, tuple((ph.rows.taps, ph.cols.taps) for ph in phases))
    w2 = np.empty((k_out, order.size + (bias is not None)), dtype=np.float32)
    np.take(weight.reshape(k_out, -1), order, axis=1, out=w2[:, :order.size])
    if bias is not None:
        # the bias rides in the sgemm as one more column of weights against a row of ones:
        # cheaper than a pass adding it to every block
        w2[:, order.size] = bias
    return w2


def _relu_in_place(block: Array, zeros: Array) -> None:
    """``max(x, 0)`` on float32, in place; ``zeros`` an array of zeros shaped like ``block``.

    Against an array, ``np.maximum`` runs its SIMD loop: 3.4x as fast as three branch-free
    integer passes on the bits (the engine's ReLU before 2026-11-26), which were themselves
    faster than ``np.maximum(block, 0)``, whose scalar operand takes a slow path (measured
    on S7's blocks, e.g. 8 x 4112: 1.8 us, 6.1 us, 11 us). Same bits as those integer
    passes on every value but NaN, which now stays NaN, as in PyTorch (the integer passes
    turned a NaN with its sign bit set, x86's default NaN, into 0).
    """
    np.maximum(block, zeros, out=block)


class _Blocks:
    """One thread's patch matrix for blocks of ``n`` wide output cells, and the views it is
    copied through.

    ``dests[i]`` is the part of the patch matrix that phase ``i``'s taps fill, and
    ``views[i]`` the view of phase buffer ``bufs[i]`` under those taps, one contiguous wide
    run per tap; a block at flat offset ``a`` of the buffers copies ``views[i][..., a:a + n]``.
    """

    def __init__(self, phases: Sequence[_Phase], bufs: list[Array], depth: int, k_out: int,
                 n: int, width: int, *, relu: bool) -> None:
        self.n = n
        self.patches = np.empty((depth, n), dtype=np.float32)
        # ReLU's other operand (np.maximum against an array, see _relu_in_place)
        self.zeros = np.zeros((k_out, n) if relu else (k_out, 0), dtype=np.float32)
        self.views: list[Array] = []
        self.dests: list[Array] = []
        offset = 0
        for ph, buf in zip(phases, bufs, strict=True):
            c = buf.shape[0]
            sc, sh, sw = buf.strides
            nu, nv = len(ph.rows.taps), len(ph.cols.taps)
            first = ph.rows.first * width + ph.cols.first
            length = (buf.shape[1] * width - first - (nu - 1) * ph.rows.step * width
                      - (nv - 1) * ph.cols.step)
            # (np.ndarray checks the view against buf's memory; as_strided would not)
            view = np.ndarray((c, nu, nv, length), dtype=np.float32, buffer=buf,
                              offset=first * sw,
                              strides=(sc, ph.rows.step * sh, ph.cols.step * sw, sw))
            view.flags.writeable = False
            self.views.append(view)
            d = c * nu * nv
            self.dests.append(self.patches[offset:offset + d].reshape(c, nu, nv, n))
            offset += d
        self.patches[offset:] = 1.0  # the bias row, if any

    def part(self, n: int) -> _Blocks:
        """The same buffers for a shorter (last) block of ``n`` columns."""
        short = object.__new__(_Blocks)
        short.n = n
        short.patches = self.patches[:, :n]
        short.zeros = self.zeros[:, :n]
        short.views = self.views
        short.dests = [v[..., :n] for v in self.dests]
        return short


def _run_blocks(x: Array, phases: Sequence[_Phase], weight: Array, bias: Array | None,
                relu: bool, wide: Array, rows: int, halo: int) -> None:
    """Each block: its phase rows, its patch matrix, one sgemm into ``wide``, ReLU.

    With a stride, each block cuts its own phase rows from the input right before it copies
    its patch matrix from them, so they are still in cache (phase images of the whole input,
    made in a pass of their own, went out to memory and were read back: 10-20 % slower on
    S3, S4 and S7's stride-2 layers). Without a stride the one phase is the padded input,
    copied whole at memcpy speed: blocks of few rows would copy their halo rows again.
    The sgemm writes the block's wide output rows in place, ``(K, rows * Wq)`` at a row
    stride of the whole map: no copy from a block buffer into the maps (S2 14 % faster).
    """
    k_out, c = weight.shape[:2]
    h_out, width = wide.shape[1:]
    flat = wide.reshape(k_out, h_out * width)
    w2 = _ordered_weights(weight, bias, phases)
    whole = len(phases) == 1
    if whole:
        bufs = [phases[0].empty(c, h_out + halo, width)]
        _Fill(phases[0], bufs[0], phases[0].source(x))(0, h_out + halo)
        fills = []
    else:
        bufs = [ph.empty(c, rows + halo, width) for ph in phases]
        fills = [_Fill(ph, buf, ph.source(x)) for ph, buf in zip(phases, bufs, strict=True)]
    full = _Blocks(phases, bufs, w2.shape[1], k_out, rows * width, width, relu=relu)
    for r0 in range(0, h_out, rows):
        r1 = min(h_out, r0 + rows)
        bl = full if r1 - r0 == rows else full.part((r1 - r0) * width)
        a = r0 * width if whole else 0
        for fill in fills:
            fill(r0, r1 - r0 + halo)
        for dest, view in zip(bl.dests, bl.views, strict=True):
            np.copyto(dest, view[..., a:a + bl.n])
        block = flat[:, r0 * width:r1 * width]
        np.matmul(w2, bl.patches, out=block)
        if relu:
            _relu_in_place(block, bl.zeros)
