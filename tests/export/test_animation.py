"""The sliding-window GIF: one frame per output position (or an even subsample), the output
filling row-major, the window drawn where the engine's formula puts it."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from app.engine import Conv, run_stack
from app.errors import LimitError
from app.export.animation import (
    EMPTY_CELL,
    MARGIN,
    PANEL_GAP,
    PENDING_MIX,
    PENDING_UNDER,
    TEXT_HEIGHT,
    WINDOW,
    Window,
    frame_positions,
    sliding_gif,
)
from app.export.colormap import PAGE_DIVERGING_STOPS, PAGE_SEQUENTIAL_STOPS, colorize
from app.export.gif_plan import page_gif, region_crop
from app.export.gif_text import arithmetic_line, number
from app.export.schemas import GifOptions


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


# --- the page's GIF (app/export/gif_plan.py): checked frame by frame against the engine ---

def _page_case(*, stride: int = 1, activation: str = "relu", channels: int = 1,
               side: int = 24) -> tuple[np.ndarray, np.ndarray, Any]:
    x = np.random.default_rng(7).standard_normal((channels, side, side)).astype(np.float32)
    planned, outs = run_stack(x, [Conv(maps=2, kernel_size=(3, 3), stride=stride,
                                       padding="same", activation=activation)])
    return x, outs[0], planned[0]


def _request(**fields: Any) -> GifOptions:
    return GifOptions.model_validate({"layer": 1, "colormap": "page", **fields})


def _near(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int32) - b.astype(np.int32)).max())


@pytest.mark.parametrize("stride", [1, 2])
def test_page_gif_region_frames_paint_the_engines_map_in_the_page_colours(stride: int) -> None:
    x, y, planned = _page_case(stride=stride, side=40)
    region = [2, 3, 16, 16]
    scale = 20
    rows, cols, crop = region_crop(Window(planned.geometry.kernel, planned.geometry.stride,
                                          planned.geometry.dilation, planned.geometry.padding),
                                   (40, 40), (2, 3, 16, 16))
    padded_w = (cols.stop - cols.start) + crop.padding[2] + crop.padding[3]
    padded_h = (rows.stop - rows.start) + crop.padding[0] + crop.padding[1]
    data = page_gif(_request(map=1, region=region), x_in=x, y=y[1], planned=planned,
                    panel=scale * max(padded_w, padded_h), max_frames=1000, as_rgb=False)
    frames = _frames(data)
    assert len(frames) == 16 * 16  # every cell of the region, none of the rest
    whole = y[1]
    low, high = float(whole.min()), float(whole.max())
    done = colorize(whole, colormap="page", value_range=(low, high))[2:18, 3:19]
    faint = np.round(done * PENDING_MIX + np.array(PENDING_UNDER) * (1 - PENDING_MIX))
    ox, oy = MARGIN + scale * padded_w + PANEL_GAP, MARGIN + TEXT_HEIGHT
    ix = MARGIN
    for position, frame in enumerate(frames):
        i, j = divmod(position, 16)
        for cell in range(0, 256, 5):
            ci, cj = divmod(cell, 16)
            # a quarter in: off the line joining the window to its cell
            centre = frame[oy + ci * scale + scale // 4, ox + cj * scale + scale // 2]
            if centre.tolist() == list(WINDOW):
                continue  # the diagonal line joining the window to its cell crosses here
            painted = _near(centre, done[ci, cj]) < _near(centre, faint[ci, cj])
            assert painted == (cell <= position), (position, cell)
            # a GIF holds 256 colours: the page's colour, within the palette's rounding
            assert _near(centre, done[ci, cj] if painted else faint[ci, cj]) <= 32
        # the window sits where the engine's formula puts it, on the cropped input
        left, top = ix + j * stride * scale, MARGIN + TEXT_HEIGHT + i * stride * scale
        assert frame[top + 3 * scale // 2, left].tolist() == list(WINDOW), position


def test_page_gif_range_draws_exactly_the_steps_asked_for() -> None:
    x, y, planned = _page_case()
    data = page_gif(_request(start=30, end=79), x_in=x, y=y[0], planned=planned, panel=240,
                    max_frames=1000, as_rgb=False)
    frames = _frames(data)
    assert len(frames) == 50
    scale = 240 / 26
    ox, oy = MARGIN + round(26 * scale) + PANEL_GAP, MARGIN + TEXT_HEIGHT
    done = colorize(y[0], colormap="page")
    first = frames[0]
    # before the range: already computed; after it: faint
    for cell in (0, 29, 30, 31, 80, 575):
        ci, cj = divmod(cell, 24)
        centre = first[int(oy + (ci + 0.25) * scale), int(ox + (cj + 0.5) * scale)]
        assert (_near(centre, done[ci, cj]) <= 32) == (cell <= 30), cell


@pytest.mark.parametrize(("activation", "channels"), [("relu", 1), ("none", 3), ("tanh", 2)])
def test_page_gif_arithmetic_gives_the_engines_value_at_every_position(activation: str,
                                                                        channels: int) -> None:
    x, y, planned = _page_case(activation=activation, channels=channels, side=9)
    conv = planned.layer
    weights = np.asarray(conv.weights, dtype=np.float32)[1]
    bias = float(np.asarray(conv.bias)[1]) if conv.bias is not None else 0.0
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    for (i, j), value in np.ndenumerate(y[1]):
        line, computed = arithmetic_line(padded[:, i:i + 3, j:j + 3], weights, bias=bias,
                                         activation=activation)
        assert abs(computed - float(value)) <= 1e-5 * max(1.0, abs(float(value))), (i, j)
        assert line.endswith(f"= {number(computed)}")
        assert (line.count("*") == 9) == (channels == 1)


def test_page_gif_numbers_layers_and_maps_from_one_and_says_where_each_frame_is() -> None:
    x, y, planned = _page_case()
    captions: list[str] = []
    labels: list[str] = []

    def spy(*args: Any, **kwargs: Any) -> bytes:
        captions.append(kwargs["caption"])
        labels.extend(kwargs["label"](p) for p in kwargs["positions"])
        return b""

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("app.export.gif_plan.animation.sliding_gif", spy)
        page_gif(_request(map=1, start=0, end=1), x_in=x, y=y[1], planned=planned, panel=240,
                 max_frames=10, as_rgb=False)
    assert "Layer 1: 3x3 conv" in captions[0] and "Map 2 of 2" in captions[0]
    assert labels == ["step 1 of 576: output row 1, column 1",
                      "step 2 of 576: output row 1, column 2"]


@pytest.mark.parametrize(("fields", "field"), [({"start": 576}, "start"), ({"end": 900}, "end"),
                                               ({"start": 9, "end": 3}, "end"),
                                               ({"region": [20, 0, 16, 16]}, "region")])
def test_page_gif_refuses_a_range_outside_the_map_naming_the_field(fields: dict[str, Any],
                                                                     field: str) -> None:
    x, y, planned = _page_case()
    with pytest.raises(LimitError) as error:
        page_gif(_request(**fields), x_in=x, y=y[0], planned=planned, panel=240,
                 max_frames=10, as_rgb=False)
    assert error.value.field == field


def test_page_colours_are_the_pages_stops() -> None:
    """static/js/config.js holds the page's colour stops; the GIF's must be the same."""
    text = (Path(__file__).resolve().parents[2] / "static/js/config.js").read_text()
    for name, stops in (("divergingStops", PAGE_DIVERGING_STOPS),
                        ("sequentialStops", PAGE_SEQUENTIAL_STOPS)):
        block = re.search(name + r":\s*\[(.*?)\n\s*\],", text, re.S)
        assert block is not None, name
        found = [(float(p), tuple(int(v) for v in rgb.split(","))) for p, rgb in
                 re.findall(r"\[([\d.]+),\s*\[([\d,\s]+)\]\]", block.group(1))]
        assert found == [(p, tuple(c)) for p, c in stops], name
