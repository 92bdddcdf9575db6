"""Static exports of feature maps: PNG (one map, or a layer as a grid) and ``.npy`` numbers.

PNGs are for slides: each map is coloured by :mod:`app.export.colormap` and enlarged by an
integer factor with nearest-neighbour so every cell stays a crisp square. ``.npy`` files hold
the exact float32 values (``np.load`` gives back what the engine computed).
"""

from __future__ import annotations

import io
import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from .colormap import colorize

Array = NDArray[np.float32]

GRID_GAP = 2  # pixels between maps in a layer grid
GRID_BACKGROUND = (255, 255, 255)
PNG_COMPRESS_LEVEL = 6


def npy_bytes(values: Array) -> bytes:
    """``values`` as a ``.npy`` file (float32, C order, no pickle)."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(values, dtype=np.float32), allow_pickle=False)
    return buffer.getvalue()


def grid_columns(count: int) -> int:
    """Columns of a near-square grid of ``count`` maps."""
    return max(1, math.ceil(math.sqrt(count)))


def layer_png_size(shape: tuple[int, int, int], *, scale: int,
                   columns: int | None = None) -> tuple[int, int]:
    """``(width, height)`` in pixels of :func:`layer_png` for maps of ``shape: (K, H, W)``."""
    k, h, w = shape
    cols = min(k, columns or grid_columns(k))
    rows = math.ceil(k / cols)
    return (cols * w * scale + (cols - 1) * GRID_GAP, rows * h * scale + (rows - 1) * GRID_GAP)


def _encode(rgb: NDArray[np.uint8]) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb, mode="RGB").save(buffer, format="PNG",
                                          compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def _enlarge(rgb: NDArray[np.uint8], scale: int) -> NDArray[np.uint8]:
    if scale == 1:
        return rgb
    return np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)


def map_png(values: Array, *, colormap: str = "auto", scale: int = 1) -> bytes:
    """One feature map ``values: (H, W)`` as a PNG of ``(W * scale) x (H * scale)`` pixels."""
    if values.ndim != 2:
        raise ValueError(f"a feature map must be (H, W), got shape {values.shape}")
    return _encode(_enlarge(colorize(values, colormap=colormap), scale))


def layer_png(values: Array, *, colormap: str = "auto", scale: int = 1,
              shared_range: bool = False, columns: int | None = None) -> bytes:
    """Every map of ``values: (K, H, W)`` in a near-square grid, row-major by map index.

    Each map is coloured over its own min..max, or over the whole layer's when
    ``shared_range`` (then brightness compares across maps).
    """
    if values.ndim != 3:
        raise ValueError(f"a layer must be (K, H, W), got shape {values.shape}")
    k, h, w = values.shape
    cols = min(k, columns or grid_columns(k))
    width, height = layer_png_size((k, h, w), scale=scale, columns=cols)
    canvas = np.empty((height, width, 3), dtype=np.uint8)
    canvas[...] = GRID_BACKGROUND
    finite = values[np.isfinite(values)]
    layer_range = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    for index in range(k):
        row, col = divmod(index, cols)
        tile = _enlarge(colorize(values[index], colormap=colormap,
                                 value_range=layer_range if shared_range else None), scale)
        y0, x0 = row * (h * scale + GRID_GAP), col * (w * scale + GRID_GAP)
        canvas[y0:y0 + h * scale, x0:x0 + w * scale] = tile
    return _encode(canvas)
