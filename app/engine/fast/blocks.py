"""The im2col blocks, one of the engine's two fast strategies (validated inputs only).

Per block of output rows, sized to stay in cache: copy its patch matrix (im2col) and run one
sgemm ``weights (K, depth) @ patches (depth, n)`` into the output, so the patch matrix of
the whole image is never made. Two ideas keep it close to a tuned framework:

* **Stride phases.** A stride-``s`` layer reads every ``s``-th cell, and copying from a
  strided view is slow. The padded input is split into its ``s x s`` phases
  ``xp[:, a::s, b::s]``; every kernel tap falls in exactly one phase at an integer offset, so
  each phase is read at unit stride, like a stride-1 layer. Each block cuts the phase rows it
  needs right before using them, so they are read back from cache.
* **Wide rows.** Output rows are computed ``Wq`` cells wide (the phase width), not
  ``W_out``: the patch matrix row of tap ``(c, u, v)`` for a block is then one contiguous run
  of the phase image, copied at memcpy speed. The sgemm writes the wide rows straight into
  the layer's output; the maps returned are its ``[:, :, :W_out]`` view.

The bias rides in the sgemm (a row of ones), ReLU is applied to each block while it is in
cache. What each choice gained, and what was tried and dropped: docs/perf.md ("Blocks").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from ..shapes import ceil_div
from .phases import Fill, Phase, axis_phases

Array = NDArray[np.float32]

# Bytes of one block of the patch matrix: inside a core's L2 cache; deep patch matrices
# (many channels x taps) in larger blocks, where sgemm amortises its packing over more columns.
BLOCK_BYTES = 1 << 19
BLOCK_BYTES_DEEP = 1 << 21
DEEP_FROM = 64
# OpenBLAS (SkylakeX and newer kernels) runs products of M*N*K <= 1e6 through a small-matrix
# kernel without packing: blocks are cut to fit it when that at most doubles their number.
SMALL_GEMM = 1_000_000


def correlate(x: Array, weight: Array, bias: Array | None, *, stride: tuple[int, int],
              dilation: tuple[int, int], padding: tuple[int, int, int, int],
              out_hw: tuple[int, int], relu: bool = False) -> Array:
    """:func:`app.engine.reference.conv2d_reference` on validated float32 arrays, then
    ``max(., 0)`` with ``relu``; ``out_hw`` is the output's ``(H_out, W_out)``.

    The bias and ReLU are applied to each block while it is still in cache: a separate pass
    over a large output costs as much as a layer's arithmetic.
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
            w_out: int) -> tuple[tuple[Phase, ...], int, int]:
    """A layer's phases, wide row width ``Wq`` and halo rows: worked out once per geometry
    (a stack runs the same layers on every request)."""
    rows_ph = axis_phases(kh, stride[0], dilation[0])
    cols_ph = axis_phases(kw, stride[1], dilation[1])
    # Phase images are Wq wide (all phases alike, so one output column index serves all);
    # a block of output rows needs its rows plus the furthest tap plus one row, which the
    # last wide run spills into.
    width = max(p.first + (len(p.taps) - 1) * p.step for p in cols_ph) + w_out
    halo = max(p.first + (len(p.taps) - 1) * p.step for p in rows_ph) + 1
    phases = tuple(Phase.of(rp, cp, (h, w), padding, stride, width)
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
    blocks = ceil_div(h_out, rows)
    return ceil_div(h_out, blocks)  # the same number of blocks, of even sizes


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


def _ordered_weights(weight: Array, bias: Array | None, phases: Sequence[Phase]) -> Array:
    """Weights as ``(K, depth)`` in the patch-matrix order, and the bias as one more column
    if there is one.

    One gather of the flattened weights by a (cached) permutation of their columns, cheaper
    than fancy-indexing each phase's taps.
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

    Against an array, ``np.maximum`` runs its SIMD loop; against the scalar 0 it takes a slow
    path (docs/perf.md, "ReLU"). NaN stays NaN, as in PyTorch.
    """
    np.maximum(block, zeros, out=block)


@dataclass(frozen=True)
class _Blocks:
    """One patch matrix for blocks of ``n`` wide output cells, and the views it is copied
    through.

    ``dests[i]`` is the part of ``patches`` that phase ``i``'s taps fill, and ``views[i]`` the
    view of phase buffer ``i`` under those taps, one contiguous wide run per tap; a block at
    flat offset ``a`` of the buffers copies ``views[i][..., a:a + n]``. ``zeros`` is ReLU's
    other operand (:func:`_relu_in_place`), empty without ReLU.
    """

    n: int
    patches: Array
    zeros: Array
    views: list[Array]
    dests: list[Array]

    @staticmethod
    def build(phases: Sequence[Phase], bufs: list[Array], depth: int, k_out: int, n: int,
              width: int, *, relu: bool) -> _Blocks:
        """The patch matrix ``(depth, n)`` and its views for phase buffers ``bufs``."""
        patches = np.empty((depth, n), dtype=np.float32)
        views: list[Array] = []
        dests: list[Array] = []
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
            views.append(view)
            d = c * nu * nv
            dests.append(patches[offset:offset + d].reshape(c, nu, nv, n))
            offset += d
        patches[offset:] = 1.0  # the bias row, if any
        zeros = np.zeros((k_out, n) if relu else (k_out, 0), dtype=np.float32)
        return _Blocks(n, patches, zeros, views, dests)

    def part(self, n: int) -> _Blocks:
        """The same buffers for a shorter (last) block of ``n`` columns."""
        return _Blocks(n, self.patches[:, :n], self.zeros[:, :n], self.views,
                       [v[..., :n] for v in self.dests])


def _run_blocks(x: Array, phases: Sequence[Phase], weight: Array, bias: Array | None,
                relu: bool, wide: Array, rows: int, halo: int) -> None:
    """Each block: its phase rows, its patch matrix, one sgemm into ``wide``, ReLU.

    With a stride, each block cuts its own phase rows from the input right before it copies
    its patch matrix from them, so they are still in cache. Without a stride the one phase
    is the padded input, copied whole at memcpy speed (blocks of few rows would copy their
    halo rows again). The sgemm writes the block's wide output rows in place, ``(K, rows *
    Wq)`` at a row stride of the whole map: no copy from a block buffer into the maps.
    """
    k_out, c = weight.shape[:2]
    h_out, width = wide.shape[1:]
    flat = wide.reshape(k_out, h_out * width)
    w2 = _ordered_weights(weight, bias, phases)
    whole = len(phases) == 1
    if whole:
        bufs = [phases[0].empty(c, h_out + halo, width)]
        Fill(phases[0], bufs[0], phases[0].source(x))(0, h_out + halo)
        fills = []
    else:
        bufs = [ph.empty(c, rows + halo, width) for ph in phases]
        fills = [Fill(ph, buf, ph.source(x)) for ph, buf in zip(phases, bufs, strict=True)]
    full = _Blocks.build(phases, bufs, w2.shape[1], k_out, rows * width, width, relu=relu)
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
