"""What the page's GIF shows: the positions (a range of steps or a region's cells), the part
of the input a region reads, the captions in the page's numbering (layers and maps from 1),
each position's arithmetic and the kernel's weights; then :func:`animation.sliding_gif` draws.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .. import engine
from ..errors import LimitError
from . import animation, gif_text
from .schemas import GifOptions

Array = NDArray[np.float32]


def region_crop(window: animation.Window, in_hw: tuple[int, int],
                region: tuple[int, int, int, int]) -> tuple[slice, slice, animation.Window]:
    """The input rows and columns a region's windows read, and the window on that crop.

    As static/js/patch/region.js ``regionCrop``: the crop keeps the padding its edge
    windows reach, so its output is exactly the region's ``height x width`` cells.
    """
    row, col, height, width = region
    top, _, left, _ = window.padding
    span_h, span_w = window.span()
    y_first, x_first = row * window.stride[0] - top, col * window.stride[1] - left
    y_end = (row + height - 1) * window.stride[0] - top + span_h
    x_end = (col + width - 1) * window.stride[1] - left + span_w
    h, w = in_hw
    y0, x0 = min(max(y_first, 0), h), min(max(x_first, 0), w)
    y1, x1 = min(max(y_end, y0), h), min(max(x_end, x0), w)
    crop = animation.Window(kernel=window.kernel, stride=window.stride,
                            dilation=window.dilation,
                            padding=(y0 - y_first, y_end - y1, x0 - x_first, x_end - x1))
    return slice(y0, y1), slice(x0, x1), crop


def _check_region(region: list[int], out_hw: tuple[int, int], *, layer: int) -> None:
    row, col, height, width = region
    oh, ow = out_hw
    if row + height > oh or col + width > ow or height < 1 or width < 1:
        raise LimitError(f"region rows {row}..{row + height - 1}, columns {col}.."
                         f"{col + width - 1} is not inside map of {oh} x {ow} cells",
                         field="region", value=region, limit=f"inside {oh} x {ow}",
                         layer=layer - 1)


def _range(request: GifOptions, count: int, *, layer: int) -> tuple[int, int]:
    start = 0 if request.start is None else request.start
    end = count - 1 if request.end is None else request.end
    for name, value in (("start", start), ("end", end)):
        if value >= count:
            raise LimitError(f"{name} {value} is past the last position {count - 1} of the "
                             f"map", field=name, value=value, limit=f"<= {count - 1}",
                             layer=layer - 1)
    if end < start:
        raise LimitError(f"end {end} is before start {start}", field="end", value=end,
                         limit=f">= {start}", layer=layer - 1)
    return start, end


def page_gif(request: GifOptions, *, x_in: Array, y: Array, planned: engine.PlannedLayer,
             panel: int, max_frames: int, as_rgb: bool) -> bytes:
    """The GIF of map ``request.map`` of layer ``request.layer``.

    ``x_in: (C, H, W)`` is the layer's input (one channel for pooling: the map's own),
    ``y: (H_out, W_out)`` the engine's map, ``planned`` the layer as the engine ran it.
    """
    g = planned.geometry
    layer, map_index = request.layer, request.map
    window = animation.Window(kernel=g.kernel, stride=g.stride, dilation=g.dilation,
                              padding=g.padding)
    out_h, out_w = int(y.shape[0]), int(y.shape[1])
    shown_x, shown_y, shown_window, origin = x_in, y, window, (0, 0)
    if request.region is not None:
        _check_region(request.region, (out_h, out_w), layer=layer)
        row, col, height, width = request.region
        rows, cols, shown_window = region_crop(window, (x_in.shape[1], x_in.shape[2]),
                                               (row, col, height, width))
        shown_x = x_in[:, rows, cols]
        shown_y = y[row:row + height, col:col + width]
        origin = (row, col)
    local_w = int(shown_y.shape[1])
    start, end = _range(request, out_h * out_w, layer=layer)

    def global_of(p: int) -> int:
        return (origin[0] + p // local_w) * out_w + origin[1] + p % local_w

    positions = [p for p in range(shown_y.size) if start <= global_of(p) <= end]
    if not positions:
        raise LimitError(f"no position of the region lies in steps {start + 1}..{end + 1}",
                         field="start", value=start, limit="a step inside the region",
                         layer=layer - 1)

    def label(p: int) -> str:
        q = global_of(p)
        return (f"step {q + 1:,} of {out_h * out_w:,}: output row {q // out_w + 1}, "
                f"column {q % out_w + 1}")

    conv = planned.layer if isinstance(planned.layer, engine.Conv) else None
    weights = None if conv is None else np.asarray(conv.weights, dtype=np.float32)[map_index]
    kind = {"conv": "conv", "maxpool": "max pool", "avgpool": "average pool"}[g.kind]
    arithmetic = _arithmetic(x_in, y, weights, conv, window=window, map_index=map_index,
                             kind=kind, global_of=global_of) if request.arithmetic else None
    caption = (f"Layer {layer}: {g.kernel[0]}x{g.kernel[1]} {kind}, stride "
               f"{_pair(g.stride)}, padding {list(g.padding)}"
               + (f", dilation {_pair(g.dilation)}" if g.dilation != (1, 1) else "")
               + f" · Map {map_index + 1} of {g.out_shape[0]}")
    if request.region is not None:
        row, col, height, width = request.region
        caption += (f" · rows {row + 1}-{row + height}, columns {col + 1}-{col + width} "
                    f"of {out_h} x {out_w}")
    return animation.sliding_gif(
        shown_x, shown_y, window=shown_window, panel=panel, max_frames=max_frames,
        frame_ms=request.frame_ms, as_rgb=as_rgb, colormap=request.colormap, caption=caption,
        numbers=request.numbers, positions=positions, label=label, arithmetic=arithmetic,
        kernel=weights if request.weights and weights is not None else None,
        value_range=_finite_range(y))


def _finite_range(y: Array) -> tuple[float, float]:
    finite = y[np.isfinite(y)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)


def _pair(values: tuple[int, int]) -> str:
    return str(values[0]) if values[0] == values[1] else f"{values[0]}x{values[1]}"


def _arithmetic(x_in: Array, y: Array, weights: Array | None, conv: engine.Conv | None, *,
                window: animation.Window, map_index: int, kind: str,
                global_of: Callable[[int], int]) -> Callable[[int], str]:
    """Each position's line: a conv's sum of products, or a pooling window's max/mean."""
    top, bottom, left, right = window.padding
    padded = np.pad(x_in, ((0, 0), (top, bottom), (left, right)))
    dh, dw = window.dilation
    kh, kw = window.kernel
    out_w = y.shape[1]

    def taps(q: int) -> Array:
        i, j = divmod(q, out_w)
        r, c = i * window.stride[0], j * window.stride[1]
        return padded[:, r:r + dh * (kh - 1) + 1:dh, c:c + dw * (kw - 1) + 1:dw]

    if conv is None or weights is None:
        def pooled(p: int) -> str:
            q = global_of(p)
            value = float(y[q // out_w, q % out_w])
            return f"{kind}: the {kh}x{kw} window's {kind.split()[0]} = {gif_text.number(value)}"

        return pooled
    bias = float(np.float32(0 if conv.bias is None else np.asarray(conv.bias)[map_index]))

    def line(p: int) -> str:
        text, _ = gif_text.arithmetic_line(taps(global_of(p)), weights, bias=bias,
                                           activation=conv.activation)
        return text

    return line
