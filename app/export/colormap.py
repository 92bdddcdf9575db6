"""Colour maps for exported feature maps: values -> uint8 RGB, a pure function of the data.

``"grey"`` maps min..max to black..white; ``"viridis"`` is perceptually uniform for maps of
one sign; ``"diverging"`` puts zero at white, negatives in blue and positives in red, with a
range symmetric around zero so the sign reads at a glance. ``"auto"`` picks ``"diverging"``
when a map has both signs and ``"viridis"`` otherwise.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# Anchor colours, evenly spaced over 0..1 (matplotlib's viridis and ColorBrewer's RdBu).
VIRIDIS_STOPS = ("#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
                 "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725")
DIVERGING_STOPS = ("#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7",
                   "#f4a582", "#d6604d", "#b2182b")
COLORMAPS = ("auto", "grey", "viridis", "diverging")
LUT_SIZE = 256


def _hex_rgb(code: str) -> tuple[int, int, int]:
    return int(code[1:3], 16), int(code[3:5], 16), int(code[5:7], 16)


def _lut(stops: tuple[str, ...]) -> NDArray[np.uint8]:
    anchors = np.array([_hex_rgb(s) for s in stops], dtype=np.float64)
    at = np.linspace(0, 1, len(stops))
    t = np.linspace(0, 1, LUT_SIZE)
    lut = np.stack([np.interp(t, at, anchors[:, c]) for c in range(3)], axis=1)
    return np.round(lut).astype(np.uint8)


def lookup_table(name: str) -> NDArray[np.uint8]:
    """``(256, 3)`` uint8 RGB table of the colour map ``name`` (not ``"auto"``)."""
    if name == "grey":
        ramp = np.arange(LUT_SIZE, dtype=np.uint8)
        return np.stack([ramp, ramp, ramp], axis=1)
    if name == "viridis":
        return _lut(VIRIDIS_STOPS)
    if name == "diverging":
        return _lut(DIVERGING_STOPS)
    raise ValueError(f"colormap must be one of {', '.join(COLORMAPS)}, got {name!r}")


def resolve(name: str, *, low: float, high: float) -> str:
    """The concrete colour map for ``name`` on data spanning ``low..high``."""
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
    unit = to_unit(finite, low=low, high=high, diverging=name == "diverging")
    index = np.round(unit * (LUT_SIZE - 1)).astype(np.intp)
    return lookup_table(name)[index]
