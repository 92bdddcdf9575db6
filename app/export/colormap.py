"""Colour maps for exported feature maps: values -> uint8 RGB, a pure function of the data.

``"grey"`` maps min..max to black..white; ``"viridis"`` is perceptually uniform for maps of
one sign; ``"diverging"`` puts zero at white, negatives in blue and positives in red, with a
range symmetric around zero so the sign reads at a glance. ``"auto"`` picks ``"diverging"``
when a map has both signs and ``"viridis"`` otherwise. ``"page"`` is the page's own colours
(static/js/config.js, static/js/colormap.js): a map with a negative value is diverging over
``-m..m`` (blue, white, red), any other map sequential over ``0..max`` (white through yellow
and orange to dark red), so 0 is white in both.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# Anchor colours, evenly spaced over 0..1 (matplotlib's viridis and ColorBrewer's RdBu).
VIRIDIS_STOPS = ("#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
                 "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725")
DIVERGING_STOPS = ("#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7",
                   "#f4a582", "#d6604d", "#b2182b")
# The page's colour stops (static/js/config.js COLORS.divergingStops / sequentialStops).
PAGE_DIVERGING_STOPS = ((0.0, (33, 102, 172)), (0.25, (103, 169, 207)), (0.5, (247, 247, 247)),
                        (0.75, (239, 138, 98)), (1.0, (178, 24, 43)))
PAGE_SEQUENTIAL_STOPS = ((0.0, (255, 255, 255)), (0.2, (254, 230, 150)), (0.45, (253, 160, 70)),
                         (0.7, (227, 26, 28)), (1.0, (110, 0, 30)))
COLORMAPS = ("auto", "grey", "viridis", "diverging", "page")
LUT_SIZE = 256


def _hex_rgb(code: str) -> tuple[int, int, int]:
    return int(code[1:3], 16), int(code[3:5], 16), int(code[5:7], 16)


def _lut(stops: tuple[str, ...]) -> NDArray[np.uint8]:
    anchors = np.array([_hex_rgb(s) for s in stops], dtype=np.float64)
    at = np.linspace(0, 1, len(stops))
    t = np.linspace(0, 1, LUT_SIZE)
    lut = np.stack([np.interp(t, at, anchors[:, c]) for c in range(3)], axis=1)
    return np.round(lut).astype(np.uint8)


def _page_lut(stops: tuple[tuple[float, tuple[int, int, int]], ...]) -> NDArray[np.uint8]:
    """As colormap.js ``makeLut``: linear between stops, rounded half up (``Math.round``)."""
    at = np.array([p for p, _ in stops])
    anchors = np.array([c for _, c in stops], dtype=np.float64)
    t = np.arange(LUT_SIZE) / (LUT_SIZE - 1)
    lut = np.stack([np.interp(t, at, anchors[:, c]) for c in range(3)], axis=1)
    return np.floor(lut + 0.5).astype(np.uint8)


def lookup_table(name: str) -> NDArray[np.uint8]:
    """``(256, 3)`` uint8 RGB table of the colour map ``name`` (not ``"auto"`` nor ``"page"``,
    which resolve to a concrete table)."""
    if name == "grey":
        ramp = np.arange(LUT_SIZE, dtype=np.uint8)
        return np.stack([ramp, ramp, ramp], axis=1)
    if name == "viridis":
        return _lut(VIRIDIS_STOPS)
    if name == "diverging":
        return _lut(DIVERGING_STOPS)
    if name == "page-diverging":
        return _page_lut(PAGE_DIVERGING_STOPS)
    if name == "page-sequential":
        return _page_lut(PAGE_SEQUENTIAL_STOPS)
    raise ValueError(f"colormap must be one of {', '.join(COLORMAPS)}, got {name!r}")


def resolve(name: str, *, low: float, high: float) -> str:
    """The concrete colour map for ``name`` on data spanning ``low..high``."""
    if name == "page":
        return "page-diverging" if low < 0 else "page-sequential"
    if name != "auto":
        return name
    return "diverging" if low < 0 < high else "viridis"


def to_unit(values: NDArray[np.float32], *, low: float, high: float,
            diverging: bool) -> NDArray[np.float64]:
    """Scale ``values`` to 0..1: min..max, or ``-m..m`` with ``m = max(|low|, |high|)``."""
    if diverging:
        m = max(abs(low), abs(high))
        low, high = -m, m
    span = high - low
    if span <= 0:
        return np.full(values.shape, 0.5 if diverging else 0.0)
    return np.clip((values.astype(np.float64) - low) / span, 0.0, 1.0)


def colorize(values: NDArray[np.float32], *, colormap: str = "auto",
             value_range: tuple[float, float] | None = None) -> NDArray[np.uint8]:
    """Map ``values: (H, W)`` to ``(H, W, 3)`` uint8 RGB.

    ``value_range`` fixes ``(low, high)`` (shared across the maps of a layer, say); by default
    it is the map's own min and max. Non-finite values are drawn as the low end.
    """
    finite = np.where(np.isfinite(values), values, 0).astype(np.float32)
    low, high = value_range if value_range is not None else (
        float(finite.min()) if finite.size else 0.0, float(finite.max()) if finite.size else 0.0)
    name = resolve(colormap, low=low, high=high)
    if name == "page-sequential":
        # the page's sequential scale starts at 0 (0 = nothing here), up to max (or 1)
        low, high = 0.0, high if high > 0 else 1.0
    unit = to_unit(finite, low=low, high=high, diverging=name.endswith("diverging"))
    scaled = unit * (LUT_SIZE - 1)
    # the page rounds half up (colormap.js lutIndex): the same cell, the same colour
    rounded = np.floor(scaled + 0.5) if name.startswith("page") else np.round(scaled)
    index: NDArray[np.intp] = rounded.astype(np.intp)
    table: NDArray[np.uint8] = lookup_table(name)
    return table[index]
