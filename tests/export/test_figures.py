"""PNG and .npy exports of feature maps: exact numbers, crisp cells, a predictable grid."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from app.export.colormap import colorize, lookup_table, resolve
from app.export.figures import GRID_GAP, layer_png, layer_png_size, map_png, npy_bytes


def _maps(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("shape", [(7, 5), (3, 4, 6)])
def test_npy_holds_the_exact_float32_values(shape: tuple[int, ...]) -> None:
    values = _maps(shape)
    loaded = np.load(io.BytesIO(npy_bytes(values)), allow_pickle=False)
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, values)


@pytest.mark.parametrize("scale", [1, 3])
def test_map_png_is_every_cell_as_a_square_of_scale_pixels(scale: int) -> None:
    values = _maps((4, 6))
    image = Image.open(io.BytesIO(map_png(values, colormap="viridis", scale=scale)))
    assert image.size == (6 * scale, 4 * scale)
    pixels = np.asarray(image.convert("RGB"))
    want = colorize(values, colormap="viridis")
    np.testing.assert_array_equal(pixels[::scale, ::scale], want)
    np.testing.assert_array_equal(pixels[scale - 1::scale, scale - 1::scale], want)


def test_colormap_ends_are_the_map_minimum_and_maximum() -> None:
    values = np.array([[0.0, 0.5, 2.0]], dtype=np.float32)
    rgb = colorize(values, colormap="grey")
    assert rgb[0, 0].tolist() == [0, 0, 0]
    assert rgb[0, 2].tolist() == [255, 255, 255]


def test_auto_colormap_is_diverging_around_zero_for_signed_maps() -> None:
    assert resolve("auto", low=-1.0, high=3.0) == "diverging"
    assert resolve("auto", low=0.0, high=3.0) == "viridis"
    rgb = colorize(np.array([[-1.0, 0.0, 4.0]], dtype=np.float32))
    white = lookup_table("diverging")[128]
    assert np.abs(rgb[0, 1].astype(int) - white.astype(int)).max() <= 4  # zero is the middle


def test_constant_map_does_not_divide_by_zero() -> None:
    rgb = colorize(np.full((3, 3), 7.0, dtype=np.float32), colormap="grey")
    assert (rgb == rgb[0, 0]).all()


@pytest.mark.parametrize("k", [1, 5, 9])
def test_layer_png_places_map_k_at_row_major_grid_cell_k(k: int) -> None:
    values = _maps((k, 3, 4), seed=k)
    scale = 2
    png = layer_png(values, colormap="viridis", scale=scale)
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    width, height = layer_png_size(values.shape, scale=scale)
    assert image.shape == (height, width, 3)
    cols = int(np.ceil(np.sqrt(k)))
    for index in range(k):
        row, col = divmod(index, cols)
        y0, x0 = row * (3 * scale + GRID_GAP), col * (4 * scale + GRID_GAP)
        tile = image[y0:y0 + 3 * scale:scale, x0:x0 + 4 * scale:scale]
        np.testing.assert_array_equal(tile, colorize(values[index], colormap="viridis"))


def test_shared_range_makes_brightness_comparable_across_maps() -> None:
    values = np.stack([np.zeros((2, 2)), np.ones((2, 2))]).astype(np.float32)
    png = layer_png(values, colormap="grey", shared_range=True)
    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    assert image[0, 0] == 0 and image[0, 2 + GRID_GAP] == 255
