"""The row strategy: one small sgemm per output row, a chunk's rows in one ``matmul`` call.

For a layer without row dilation, output row ``y`` is

``out[:, y, j] = sum_{u, c, v} weight[:, c, u, v] * x_pad[c, y * s_h + u, j * s_w + v * d_w]``

Each padded input row ``i`` is copied once into a buffer as ``C * kw`` sub-rows, one per
channel and column tap, ``P[i, (c, v), j] = x_pad[c, i, j * s_w + v * d_w]``, followed by a
sub-row of ones if there is a bias. Row ``y``'s ``kh`` input rows are then ``kh * sub``
consecutive sub-rows of ``P``: a ``(depth, W_out)`` matrix at a uniform row stride, a strided
*view* that BLAS reads as it is. ``np.matmul`` takes the views of a chunk's rows as one stack
(each starts ``s_h`` buffer rows after the last), so a single call runs a sgemm per row in C.
Against the im2col blocks of :mod:`app.engine.fastconv`:

* the copy is ``kw / s_w`` times the input, not ``kh * kw / (s_h * s_w)`` times plus a phase
  fill (a 3x3 layer: a third; S3's 5x5 stride-2 layer: 2.5x instead of 6.25x + 1);
* a chunk is a few NumPy calls of ~0.1 ms, not a dozen of a few microseconds;
* but each row's product is small, so OpenBLAS runs it on one thread, where the blocks'
  products run on two, and fast only on the cores for which OpenBLAS has a "direct"
  sgemm (AVX-512). Hence :func:`fits`: layers with few maps, whose copy outweighs the
  product, run here where that sgemm exists; the others stay with the blocks.

Every row is the same product whatever chunk or thread computes it (OpenBLAS held to one
thread), so the numbers do not depend on the thread count or the chunk size.

Measured on 2-core AVX-512 VMs, in the benchmark's regime (blocks of runs after pauses,
PyTorch interleaved), 15 rounds, against the blocks: S1 -29 %, S2 -21 %, S3 -37 %, S4 -28 %,
S5 -6 %; S7 about even (-6 % to +11 % from run to run; its last layer, 64 maps, in blocks).
Two engine threads sharing the chunks (``CONVSCOPE_ENGINE_THREADS=2``) won 35-45 % more when
run back to back, but nothing after pauses: see :mod:`app.engine.threads`. Measured and
dropped: a tap's sub-row copied from the sub-row of the tap ``s_w / d_w`` before it, one
column on (a copy in cache instead of a cast from the input): no faster in that regime.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache, lru_cache

import numpy as np
from numpy.typing import NDArray

from . import threads
from .fastconv import column_pieces, copy_target

Array = NDArray[np.float32]

# Layers of at most this many maps run here, however narrow (3x3 layers of 8-32 maps,
# 16 to 512 wide: 14-35 % faster than the blocks). With more, the product outweighs the
# copy this strategy saves, and the im2col blocks run it on OpenBLAS's two threads, where
# the per-row products here run on one: 3x3 layers of 64 maps ran 17-56 % slower here
# (S6 about even).
MAX_MAPS = 32
# Bytes of one chunk's buffer, written once and read by the chunk's products right after.
# Measured from 128 KiB to 16 MiB on one thread: larger chunks (fewer calls) won up to
# 2 MiB on every layer tried (S2-S4, S7's first two); beyond, S3 and S4 gained a little
# more and S7's first two layers lost (from 4 and 8 MiB).
CHUNK_BYTES = 1 << 21
# Multiply-adds of one chunk, at least: below this a second thread costs more than it saves.
MIN_CHUNK_MACS = 2_000_000


# OpenBLAS's kernels that run a small product straight from its operands ("direct sgemm",
# written for these AVX-512 cores only; measured on SkylakeX). Elsewhere each row's
# product packs its operands and pays a full call: with OPENBLAS_CORETYPE=Haswell, the
# AVX2 kernels of the perf-notes' Zen 3 machines, rows were slower than the blocks (S2
# +50 %, S3 +24 %, S5 +25 %), so there every layer runs in the blocks.
DIRECT_SGEMM_CORES = frozenset({"skylakex", "cooperlake", "sapphirerapids"})


@cache
def direct_products() -> bool:
    """Whether NumPy's BLAS runs small products directly (see ``DIRECT_SGEMM_CORES``)."""
    arch = threads.blas_architecture()
    return arch is not None and arch.lower() in DIRECT_SGEMM_CORES


def fits(k_out: int, dilation: tuple[int, int]) -> bool:
    """Whether a layer runs in this strategy: few maps, no row dilation, and a BLAS that
    runs small products directly."""
    return dilation[0] == 1 and k_out <= MAX_MAPS and direct_products()


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

    Both are measured choices of OpenBLAS's speed on these products: a width of a multiple
    of 4 (the few extra columns are computed and never shown: S4's 127 -> 128 made its
    products 16 % faster per column), and sub-rows that are not a multiple of 512 bytes
    apart, whose rows the products read would fall in the same cache sets (512 -> 516:
    16-21 % faster, 256 -> 260: 18 %; S5, 128 wide, 1.04 -> 0.86 ms with 132). The maps
    themselves stay ``width`` apart: written ``pitch`` apart, S7 ran 7-11 % slower.
    """
    width = -(-w_out // 4) * 4
    return width, width + 4 if width % 128 == 0 else width


def _chunk_rows(row_bytes: int, row_macs: int, h_out: int, workers: int) -> int:
    """Output rows per chunk, each row costing ``row_bytes`` of buffer and ``row_macs``
    multiply-adds: a buffer of about ``CHUNK_BYTES`` but at least ``MIN_CHUNK_MACS`` of
    work, and as many chunks for every thread (a thread hand-off costs ~25 us; an odd chunk
    out would leave one thread idle while another runs it)."""
    rows = max(CHUNK_BYTES // row_bytes, -(-MIN_CHUNK_MACS // row_macs), 1)
    chunks = -(-h_out // min(rows, h_out))
    if chunks > 1:
        chunks = -(-chunks // workers) * workers
    return -(-h_out // min(chunks, h_out))


def correlate(x: Array, weight: Array, bias: Array | None, *, stride: tuple[int, int],
              dilation: tuple[int, int], padding: tuple[int, int, int, int],
              out_hw: tuple[int, int], relu: bool = False) -> Array:
    """Cross-correlation on validated float32 arrays (a layer that :func:`fits`); see
    :func:`app.engine.conv.conv2d`. The bias rides in the products, ReLU is applied to each
    chunk's rows while they are in cache."""
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
    rows = _chunk_rows(sub * pitch * 4 * sh, k_out * depth * width, h_out, threads.THREADS)
    out = np.empty((k_out, h_out, width), dtype=np.float32)
    # ReLU's other operand, one map's chunk of rows, broadcast over the maps: a whole
    # chunk of zeros (1.6 MB for S7's first layer) was read from outside L2 with every
    # chunk (L1 9.6 % faster, 12 rounds in the benchmark's regime; L2, L3 within noise)
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

    def run(starts: Iterator[int]) -> None:
        rows_in = (rows - 1) * sh + kh
        buf = np.empty((rows_in, sub, pitch), dtype=np.float32)
        data = buf[:, :c * kw].reshape(rows_in, c, kw, pitch)
        for v, (lo, hi, _) in enumerate(cols):  # columns that read padding: zero for good
            data[:, :, v, :lo] = 0
            data[:, :, v, hi:width] = 0
        if bias is not None:
            buf[:, c * kw, :width] = 1.0
        for y0 in starts:
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

    with threads.one_blas_thread():
        threads.run_split(run, range(0, h_out, rows), blas=True)
    return out[:, :, :w_out] if width > w_out else out


def _copy_columns(dst: NDArray[np.float32], x: Array, rows: slice, j0: int,
                  stride: int) -> None:
    """``dst (rows, C, n) = x[:, rows, j0::stride]`` (``n`` columns), stride-2 columns
    through float pairs (:func:`app.engine.fastconv.column_pieces`)."""
    col = 0
    for cells in column_pieces(x, rows, j0, dst.shape[2], stride):
        m = cells.shape[2]
        np.copyto(copy_target(dst[:, :, col:col + m], cells), cells.transpose(1, 0, 2),
                  casting="unsafe")
        col += m
