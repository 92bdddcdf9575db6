"""The kernel library: named 2-D presets and seeded random (He) weights.

How a 2-D preset ``g: (kh, kw)`` applies to a ``C``-channel input: every channel gets
``g / C``, i.e. ``weight[k, c] = g / C``. The map is then exactly ``g`` correlated with the
mean of the channels, so an RGB photo and its grey version give the same picture and the
numbers keep the preset's familiar scale.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .errors import ParameterError

Array = NDArray[np.float32]

IDENTITY_3 = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float32)
SHARPEN = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float32)
LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float32)
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32)
SOBEL_Y = SOBEL_X.T.copy()
PREWITT_X = np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], dtype=np.float32)
PREWITT_Y = PREWITT_X.T.copy()
EMBOSS = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=np.float32)

GAUSSIAN_SIGMA_PER_SIZE = 1 / 6  # sigma = size / 6: the window spans +-3 sigma
GABOR_WAVELENGTH_PER_SIZE = 1 / 2
GABOR_ORIENTATIONS = {"gabor_0": 0.0, "gabor_45": 45.0, "gabor_90": 90.0, "gabor_135": 135.0}


def identity(size: tuple[int, int]) -> Array:
    """1 at the centre tap (the top-left of the centre for even sizes), 0 elsewhere."""
    g = np.zeros(size, dtype=np.float32)
    g[(size[0] - 1) // 2, (size[1] - 1) // 2] = 1
    return g


def box_blur(size: tuple[int, int]) -> Array:
    """Mean of the window: every tap ``1 / (kh * kw)``."""
    return np.full(size, 1 / (size[0] * size[1]), dtype=np.float32)


def gaussian_blur(size: tuple[int, int]) -> Array:
    """Normalised Gaussian with ``sigma = size / 6`` per axis (sums to 1)."""
    axes = []
    for n in size:
        t = np.arange(n, dtype=np.float64) - (n - 1) / 2
        sigma = max(n * GAUSSIAN_SIGMA_PER_SIZE, 0.5)
        axes.append(np.exp(-(t**2) / (2 * sigma**2)))
    g = np.outer(axes[0], axes[1])
    out: Array = (g / g.sum()).astype(np.float32)
    return out


def gabor(size: tuple[int, int], *, degrees: float) -> Array:
    """Zero-mean Gabor filter: a cosine grating at ``degrees`` under a Gaussian envelope."""
    y = np.arange(size[0], dtype=np.float64) - (size[0] - 1) / 2
    x = np.arange(size[1], dtype=np.float64) - (size[1] - 1) / 2
    yy, xx = np.meshgrid(y, x, indexing="ij")
    theta = np.deg2rad(degrees)
    along = xx * np.cos(theta) + yy * np.sin(theta)
    sigma = max(max(size) * GAUSSIAN_SIGMA_PER_SIZE * 1.5, 0.5)
    wavelength = max(max(size) * GABOR_WAVELENGTH_PER_SIZE, 2.0)
    g = np.exp(-(xx**2 + yy**2) / (2 * sigma**2)) * np.cos(2 * np.pi * along / wavelength)
    g -= g.mean()
    norm = np.abs(g).sum()
    out: Array = (g / norm if norm > 0 else g).astype(np.float32)
    return out


def _fixed(kernel: Array) -> Callable[[tuple[int, int]], Array]:
    def make(size: tuple[int, int]) -> Array:
        if size != kernel.shape:
            raise ParameterError(
                f"this preset is {kernel.shape[0]}x{kernel.shape[1]}; kernel size "
                f"{size[0]}x{size[1]} does not fit it",
                field="kernel_size", value=list(size), limit=f"{list(kernel.shape)}",
            )
        return kernel.copy()
    return make


def _gabor_at(degrees: float) -> Callable[[tuple[int, int]], Array]:
    return lambda size: gabor(size, degrees=degrees)


PRESETS: dict[str, Callable[[tuple[int, int]], Array]] = {
    "identity": identity,
    "box_blur": box_blur,
    "gaussian_blur": gaussian_blur,
    "sharpen": _fixed(SHARPEN),
    "laplacian": _fixed(LAPLACIAN),
    "sobel_x": _fixed(SOBEL_X),
    "sobel_y": _fixed(SOBEL_Y),
    "prewitt_x": _fixed(PREWITT_X),
    "prewitt_y": _fixed(PREWITT_Y),
    "emboss": _fixed(EMBOSS),
    **{name: _gabor_at(deg) for name, deg in GABOR_ORIENTATIONS.items()},
}
FIXED_SIZE_PRESETS = ("sharpen", "laplacian", "sobel_x", "sobel_y", "prewitt_x", "prewitt_y",
                      "emboss")


def preset_2d(name: str, size: tuple[int, int] = (3, 3)) -> Array:
    """The 2-D kernel ``(kh, kw)`` called ``name`` (one of :data:`PRESETS`)."""
    if name not in PRESETS:
        raise ParameterError(
            f"unknown kernel preset {name!r}; choose one of {', '.join(PRESETS)} or random",
            field="preset", value=name, limit=" | ".join(PRESETS),
        )
    return PRESETS[name](size)


def preset_weights(name: str, *, maps: int, channels: int,
                   size: tuple[int, int] = (3, 3)) -> Array:
    """``(K, C, kh, kw)`` weights with every map the preset, each channel ``g / C``."""
    g = preset_2d(name, size) / np.float32(channels)
    return np.ascontiguousarray(np.broadcast_to(g, (maps, channels, *size)), dtype=np.float32)


def he_weights(*, maps: int, channels: int, size: tuple[int, int], seed: int) -> Array:
    """Seeded He-normal weights ``(K, C, kh, kw)``: std ``sqrt(2 / (C * kh * kw))``."""
    rng = np.random.default_rng(seed)
    std = np.sqrt(2.0 / (channels * size[0] * size[1]))
    out: Array = (rng.standard_normal((maps, channels, *size)) * std).astype(np.float32)
    return out


def dense_he_weights(*, units: int, inputs: int, seed: int) -> Array:
    """Seeded He-normal dense weights ``(units, inputs)``: std ``sqrt(2 / inputs)``."""
    rng = np.random.default_rng(seed)
    out: Array = (rng.standard_normal((units, inputs)) * np.sqrt(2.0 / inputs)).astype(
        np.float32)
    return out
