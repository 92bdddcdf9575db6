"""The sliding-window GIF: one frame per output position (or an even subsample), the output
filling row-major, the window drawn where the engine's formula puts it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from app.engine import Conv, run_stack
from app.export.animation import (
    EMPTY_CELL,
    MARGIN,
    PANEL_GAP,
    TEXT_HEIGHT,
    WINDOW,
    Window,
    frame_positions,
    sliding_gif,
)


@pytest.mark.parametrize(("count", "cap"), [(1, 5), (9, 9), (10, 9), (10_000, 120), (121, 120)])
def test_frame_positions_are_bounded_ordered_and_end_on_the_last_cell(count: int,
                                                                      cap: int) -> None:
    positions = frame_positions(count, max_frames=cap)
    assert len(positions) <= cap + 1
    assert positions == sorted(set(positions))
    assert positions[-1] == count - 1
    if count <= cap:
        assert positions == list(range(count))


def _small_case(stride: int = 2, padding: int = 1,
                dilation: int = 1) -> tuple[np.ndarray, np.ndarray, Window]:
    x = np.random.default_rng(3).random((1, 5, 5), dtype=np.float32)
    planned, outs = run_stack(x, [Conv(maps=1, kernel_size=(3, 3), stride=stride,
                                       padding=padding, dilation=dilation)])
    g = planned[0].geometry
    return x, outs[0][0], Window(g.kernel, g.stride, g.dilation, g.padding)


def _frames(data: bytes) -> list[np.ndarray]:
    image = Image.open(io.BytesIO(data))
    frames = []
    for index in range(image.n_frames):
        image.seek(index)
        frames.append(np.asarray(image.convert("RGB")))
    return frames


def test_output_fills_row_major_one_cell_per_frame() -> None:
    x, y, window = _small_case()
    panel = 210  # padded input 7 cells -> 30 px per cell
    frames = _frames(sliding_gif(x, y, window=window, panel=panel, colormap="viridis"))
    assert len(frames) == y.size == 9
    ox, oy = MARGIN + panel + PANEL_GAP, MARGIN + TEXT_HEIGHT
    for position, frame in enumerate(frames):
        for cell in range(y.size):
            i, j = divmod(cell, y.shape[1])
            centre = frame[oy + i * 30 + 15, ox + j * 30 + 15]
            empty = bool((centre == EMPTY_CELL).all())
            assert empty == (cell > position), (position, cell)


@pytest.mark.parametrize(("stride", "padding", "dilation"), [(2, 1, 1), (1, 0, 2), (1, 2, 1)])
def test_window_outline_starts_at_stride_times_position(stride: int, padding: int,
                                                         dilation: int) -> None:
    x, y, window = _small_case(stride=stride, padding=padding, dilation=dilation)
    hp = 5 + 2 * padding
    scale = 30
    frames = _frames(sliding_gif(x, y, window=window, panel=scale * hp))
    ix, iy = MARGIN, MARGIN + TEXT_HEIGHT
    span = window.span()[0]
    for position, frame in enumerate(frames):
        i, j = divmod(position, y.shape[1])
        left, top = ix + j * stride * scale, iy + i * stride * scale
        mid_y = top + span * scale // 2
        assert frame[mid_y, left].tolist() == list(WINDOW), position
        assert frame[top, left + span * scale // 2].tolist() == list(WINDOW), position


def test_big_maps_are_subsampled_to_the_frame_cap_and_say_so() -> None:
    x = np.random.default_rng(0).random((3, 64, 64), dtype=np.float32)
    planned, outs = run_stack(x, [Conv(maps=1, kernel_size=(3, 3), padding="same")])
    g = planned[0].geometry
    data = sliding_gif(x, outs[0][0], window=Window(g.kernel, g.stride, g.dilation, g.padding),
                       max_frames=25, as_rgb=True)
    image = Image.open(io.BytesIO(data))
    assert image.n_frames <= 26
    assert image.info.get("loop") == 0


@pytest.mark.parametrize(("value", "text"), [(3.0, "3"), (-12.0, "-12"), (0.123, "0.12"),
                                             (0.00274, "0.0027"), (123456.0, "1.2e+05")])
def test_cell_numbers_are_short(value: float, text: str) -> None:
    from app.export.animation import _number

    assert _number(value) == text
