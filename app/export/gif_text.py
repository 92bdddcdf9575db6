"""The words and weights of the page's GIF: each position's arithmetic as one line, and the
kernel's weights drawn as small grids with their values. Pure functions of the numbers."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

Array = NDArray[np.float32]

WEIGHT_CELL = 48           # pixels per weight in the kernel grids (room for "-0.3333")
WEIGHT_FONT = 10
WEIGHT_TITLE = 16          # pixels above each grid for its title
GRID_GAP = 18
MAX_KERNEL_GRIDS = 3       # channels drawn (as the page tabulates at most 3)
MAX_WRITTEN_TERMS = 9      # products written one by one; beyond, their sum only
INK = (30, 30, 30)
LINE = (8, 48, 107)
NEGATIVE = (209, 229, 240)
POSITIVE = (253, 219, 199)
ZERO = (247, 247, 247)


def number(value: float) -> str:
    """A short decimal, as the page writes values (4 significant digits, no ``-0``)."""
    if value == 0:
        return "0"
    text = f"{value:.4g}"
    return "0" if text in ("-0", "0") else text


def arithmetic_line(window: Array, weights: Array, *, bias: float, activation: str,
                    slope: float = 0.01) -> tuple[str, float]:
    """The arithmetic of one output cell and its value (float32 as the engine sums).

    Parameters
    ----------
    window : (C, kh, kw) float32
        The input values under the window's taps (padding zeros included).
    weights : (C, kh, kw) float32
        The kernel of the map.
    bias : the map's bias.
    activation : "none", "relu", "leaky_relu", "sigmoid" or "tanh".

    Returns
    -------
    The line, e.g. ``"0.5*1 + 0.2*-1 + ... + bias 0 = 0.3 -> ReLU = 0.3"``, and the value.
    """
    products = (window.astype(np.float32) * weights.astype(np.float32)).ravel()
    total = float(np.float32(products.sum(dtype=np.float32)))
    pre = float(np.float32(total + np.float32(bias)))
    if products.size <= MAX_WRITTEN_TERMS:
        terms = " + ".join(f"{number(float(v))}*{number(float(w))}"
                           for v, w in zip(window.ravel(), weights.ravel(), strict=True))
    else:
        terms = f"sum of {products.size} inputs * weights ({number(total)})"
    line = f"{terms} + bias {number(float(bias))} = {number(pre)}"
    value = _activate(pre, activation, slope)
    if activation != "none":
        line += f" -> {_NAMES.get(activation, activation)} = {number(value)}"
    return line, value


_NAMES = {"relu": "ReLU", "leaky_relu": "leaky ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}


def _activate(pre: float, activation: str, slope: float) -> float:
    x = np.float32(pre)
    if activation == "relu":
        return float(max(x, np.float32(0)))
    if activation == "leaky_relu":
        return float(x if x >= 0 else np.float32(x * np.float32(slope)))
    if activation == "sigmoid":
        return float(np.float32(1) / (np.float32(1) + np.exp(-x, dtype=np.float32)))
    if activation == "tanh":
        return float(np.tanh(x, dtype=np.float32))
    return float(x)


def kernel_size(kernel: Array) -> tuple[int, int]:
    """``(width, height)`` in pixels of :func:`draw_kernel`'s grids."""
    grids = min(kernel.shape[0], MAX_KERNEL_GRIDS)
    _, kh, kw = kernel.shape
    return (grids * kw * WEIGHT_CELL + (grids - 1) * GRID_GAP,
            WEIGHT_TITLE + kh * WEIGHT_CELL + 4)


def draw_kernel(image: Image.Image, kernel: Array, *, origin: tuple[int, int]) -> None:
    """The weights of the first channels as ``kh x kw`` grids, each cell with its value,
    tinted by sign (blue negative, red positive) like the page's weights."""
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=WEIGHT_FONT)
    kw = kernel.shape[2]
    x0, y0 = origin
    for c in range(min(kernel.shape[0], MAX_KERNEL_GRIDS)):
        left = x0 + c * (kw * WEIGHT_CELL + GRID_GAP)
        title = f"weights, channel {c + 1}" if kernel.shape[0] > 1 else "weights"
        draw.text((left, y0), title, fill=INK, font=font)
        for (u, v), w in np.ndenumerate(kernel[c]):
            box = (left + v * WEIGHT_CELL, y0 + WEIGHT_TITLE + u * WEIGHT_CELL,
                   left + (v + 1) * WEIGHT_CELL - 1, y0 + WEIGHT_TITLE + (u + 1) * WEIGHT_CELL - 1)
            fill = NEGATIVE if w < 0 else POSITIVE if w > 0 else ZERO
            draw.rectangle(box, fill=fill, outline=LINE)
            draw.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), number(float(w)),
                      fill=INK, font=font, anchor="mm")
