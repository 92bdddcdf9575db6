"""The fast kernels behind :func:`app.engine.conv.conv2d` (validated inputs only).

Two ideas keep NumPy close to a tuned framework:

* **Stride phases.** A stride-``s`` layer reads only every ``s``-th cell, and copying from a
  strided view is slow. The padded input is split once into its ``s x s`` phases
  ``xp[:, a::s, b::s]``; every kernel tap falls in exactly one phase at an integer offset, so
  each phase is read at unit stride, like a stride-1 layer.
* **Wide rows.** Output rows are computed ``Wq`` cells wide (the phase width) instead of
  ``W_out``: then the patch matrix row of tap ``(c, u, v)`` for a block of output rows is one
  contiguous run of the phase image, copied at memcpy speed. The few extra columns are
  computed and dropped.

Then one sgemm ``weights (K, depth) @ patches (depth, n)`` per block of output rows, a block
sized to stay in cache, so the patch matrix (im2col) of the whole image is never materialised
and memory stays bounded. The bias rides in the sgemm (a row of ones), ReLU is applied to the
block while it is in cache, and the blocks are shared out to the engine's threads
(:mod:`app.engine.threads`), OpenBLAS being held to one thread meanwhile. (A channels-last
layout, ``patches (n, depth) @ weights.T``, runs the sgemm faster for deep layers, but
building its patch matrix means copying runs of only ``C`` floats; measured on S2-S7 it lost
every time.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from math import gcd

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import NDArray

from . import threads

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
# Below these sizes a second thread costs more than it saves.
MIN_PARALLEL_COPY = 1 << 18
MIN_PARALLEL_BLOCKS = 8


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


@dataclass(frozen=True)
class _AxisPhase:
    """Taps of one axis that fall in phase ``phase``: kernel indices and offsets in the phase."""

    phase: int
    taps: tuple[int, ...]
    first: int  # offset of the first tap inside the phase image
    step: int  # offset between consecutive taps


def _axis_phases(k: int, stride: int, dilation: int) -> list[_AxisPhase]:
    phases = []
    step = dilation // gcd(stride, dilation)
    for a in range(stride):
        taps = tuple(u for u in range(k) if (u * dilation) % stride == a)
        if taps:
            phases.append(_AxisPhase(a, taps, (taps[0] * dilation) // stride, step))
    return phases


def correlate(x: Array, weight: Array, bias: Array | None, *, stride: tuple[int, int],
              dilation: tuple[int, int], padding: tuple[int, int, int, int],
              out_hw: tuple[int, int], relu: bool = False) -> Array:
    """Cross-correlation on validated float32 arrays; see :func:`app.engine.conv.conv2d`.

    The bias and, with ``relu``, ``max(., 0)`` are applied to each block while it is still in
    cache: a separate pass over a large output costs as much as a layer's arithmetic.
    """
    k_out, c, kh, kw = weight.shape
    h_out, w_out = out_hw
    rows_ph = _axis_phases(kh, stride[0], dilation[0])
    cols_ph = _axis_phases(kw, stride[1], dilation[1])
    # Phase images are Wq wide (all phases alike, so one output column index serves all) and
    # tall enough for the furthest tap plus one row, which the last wide run spills into.
    width = max(p.first + (len(p.taps) - 1) * p.step for p in cols_ph) + w_out
    height = max(p.first + (len(p.taps) - 1) * p.step for p in rows_ph) + h_out + 1
    phases = _phase_images(x, padding, stride, rows_ph, cols_ph, (height, width))
    out = np.empty((k_out, h_out, w_out), dtype=np.float32)
    depth = c * kh * kw
    block = BLOCK_BYTES_DEEP if depth >= DEEP_FROM else BLOCK_BYTES
    rows = max(1, min(h_out, block // (depth * width * 4)))
    small = SMALL_GEMM // (k_out * (depth + (bias is not None)) * width)
    if 2 * small >= rows:
        rows = max(1, min(rows, small))

    _run_blocks(phases, weight, bias, relu, out, rows_ph, cols_ph, rows, width)
    return out


def _phase_images(x: Array, padding: tuple[int, int, int, int], stride: tuple[int, int],
                  rows_ph: list[_AxisPhase], cols_ph: list[_AxisPhase],
                  size: tuple[int, int]) -> dict[tuple[int, int], Array]:
    """Zero-padded phase images ``{(a, b): (C, Hq, Wq)}`` of the padded input.

    A large input is copied by chunks of channels of every phase, which the engine's threads
    (when on) share out (so a stride-1 layer, which has one phase, splits too).
    """
    c = x.shape[0]
    images = {(rp.phase, cp.phase): np.empty((c, size[0], size[1]), dtype=np.float32)
              for rp in rows_ph for cp in cols_ph}

    def fill(channels: slice) -> None:
        for rp in rows_ph:
            for cp in cols_ph:
                _fill_phase(images[(rp.phase, cp.phase)][channels], x[channels], padding,
                            stride, (rp.phase, cp.phase))

    def fill_chunks(chunks: Iterator[slice]) -> None:
        for chunk in chunks:
            fill(chunk)

    if x.size < MIN_PARALLEL_COPY:
        fill(slice(None))  # all channels in one copy per phase
        return images
    # in chunks of channels even on one thread: a chunk of the input stays in cache while
    # all its phases are written (~5% faster on S3 and S7's layer 2 than whole channels)
    parts = min(c, 2 * threads.THREADS)
    threads.run_split(fill_chunks, [slice(c * i // parts, c * (i + 1) // parts)
                                    for i in range(parts)])
    return images


def _fill_phase(img: Array, x: Array, padding: tuple[int, int, int, int],
                stride: tuple[int, int], phase: tuple[int, int]) -> None:
    """Write phase ``(a, b)`` of ``x`` zero-padded by ``padding`` into ``img: (C, Hq, Wq)``."""
    _, h, w = x.shape
    top, _, left, _ = padding
    a, b = phase
    size = img.shape[1:]
    # input row i sits at padded row i + top, i.e. phase row (i + top - a) / s when
    # (i + top - a) is a multiple of s.
    i0 = (a - top) % stride[0]
    j0 = (b - left) % stride[1]
    q0 = min((i0 + top - a) // stride[0], size[0])
    p0 = min((j0 + left - b) // stride[1], size[1])
    ni = max(0, min(-(-(h - i0) // stride[0]), size[0] - q0))
    nj = max(0, min(-(-(w - j0) // stride[1]), size[1] - p0))
    if ni > 0 and nj > 0:
        rows_sel = slice(i0, i0 + (ni - 1) * stride[0] + 1, stride[0])
        cols_sel = slice(j0, j0 + (nj - 1) * stride[1] + 1, stride[1])
        img[:, q0:q0 + ni, p0:p0 + nj] = x[:, rows_sel, cols_sel]
    # zero only the frame around the copied cells: zeroing the whole image first would
    # write it twice
    img[:, :q0] = 0
    img[:, q0 + ni:] = 0
    img[:, q0:q0 + ni, :p0] = 0
    img[:, q0:q0 + ni, p0 + nj:] = 0


def _ordered_weights(weight: Array, rows_ph: list[_AxisPhase],
                     cols_ph: list[_AxisPhase]) -> Array:
    """Weights as ``(K, depth)`` with depth in the patch-matrix order (phase by phase)."""
    parts = []
    for rp in rows_ph:
        for cp in cols_ph:
            sub = weight[:, :, list(rp.taps)][:, :, :, list(cp.taps)]  # (K, C, nu, nv)
            parts.append(sub.reshape(weight.shape[0], -1))
    return np.ascontiguousarray(np.concatenate(parts, axis=1))


def _relu_in_place(block: Array, scratch: NDArray[np.int32], *, one_call: bool) -> None:
    """``max(x, 0)`` on float32, in place.

    One thread: by the bits (a word whose sign bit is set becomes +0), branch-free integer
    ops about twice as fast as ``np.maximum``, whose float loop handles NaN; equal to it on
    finite values. ``one_call`` (blocks shared by threads): ``np.maximum``, one call instead
    of three; NumPy holds the GIL for the ~2 us each call costs beyond its loop, so three
    short calls per block keep the threads waiting on each other (measured: 2.7 ms against
    1.9 ms on S7's layer 1).
    """
    if one_call:
        np.maximum(block, 0, out=block)
        return
    bits = block.view(np.int32)
    np.right_shift(bits, 31, out=scratch)  # -1 where negative, 0 elsewhere
    np.invert(scratch, out=scratch)
    np.bitwise_and(bits, scratch, out=bits)


class _BlockViews:
    """The views one block of ``rows`` output rows works through, made once per block size."""

    def __init__(self, patches: Array, wide: Array, sign: NDArray[np.int32],
                 views: list[Array], rows: int, width: int, w_out: int) -> None:
        self.n = n = rows * width
        self.patches = patches[:, :n]
        self.wide = wide[:, :n]
        self.sign = sign[:, :n]
        self.dests = []
        offset = 0
        for view in views:
            d = view.shape[0] * view.shape[1] * view.shape[2]
            self.dests.append(patches[offset:offset + d, :n].reshape((*view.shape[:3], n)))
            offset += d
        self.rows_out = self.wide.reshape(wide.shape[0], rows, width)[:, :, :w_out]


def _run_blocks(phases: dict[tuple[int, int], Array], weight: Array, bias: Array | None,
                relu: bool, out: Array, rows_ph: list[_AxisPhase], cols_ph: list[_AxisPhase],
                rows: int, width: int) -> None:
    k_out, c = weight.shape[:2]
    h_out, w_out = out.shape[1:]
    w2 = _ordered_weights(weight, rows_ph, cols_ph)
    views = []
    for rp in rows_ph:
        for cp in cols_ph:
            img = phases[(rp.phase, cp.phase)]
            sc, sh, sw = img.strides
            flat_len = img.shape[1] * img.shape[2]
            start = rp.first * img.shape[2] + cp.first
            base = img.reshape(c, flat_len)[:, start:]
            nu, nv = len(rp.taps), len(cp.taps)
            views.append(as_strided(base, shape=(c, nu, nv, flat_len - start - (
                (nu - 1) * rp.step * img.shape[2] + (nv - 1) * cp.step)),
                strides=(sc, rp.step * sh, cp.step * sw, sw), writeable=False))
    depth = w2.shape[1]
    if bias is not None:
        # the bias rides in the sgemm as one more column of weights against a row of ones:
        # cheaper than a pass adding it to every block
        w2 = np.concatenate([w2, bias[:, None]], axis=1)

    starts = range(0, h_out, rows)
    # few blocks (deep layers, small images): OpenBLAS's threads inside each product
    parallel = threads.THREADS > 1 and len(starts) >= MIN_PARALLEL_BLOCKS

    def run(starts: Iterator[int]) -> None:
        patches = np.empty((w2.shape[1], rows * width), dtype=np.float32)
        patches[depth:] = 1.0
        wide = np.empty((k_out, rows * width), dtype=np.float32)
        sign = np.empty((k_out, rows * width), dtype=np.int32)
        full = _BlockViews(patches, wide, sign, views, rows, width, w_out)
        for r0 in starts:
            r1 = min(h_out, r0 + rows)
            bv = full if r1 - r0 == rows else _BlockViews(patches, wide, sign, views, r1 - r0,
                                                          width, w_out)
            a = r0 * width
            for dest, view in zip(bv.dests, views, strict=True):
                np.copyto(dest, view[..., a:a + bv.n])
            np.matmul(w2, bv.patches, out=bv.wide)
            if relu:
                _relu_in_place(bv.wide, bv.sign, one_call=parallel)
            np.copyto(out[:, r0:r1, :], bv.rows_out)

    if parallel:
        threads.run_split(run, starts, blas=True)
    else:
        run(iter(starts))
