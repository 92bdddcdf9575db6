"""The sliding-window animation as an animated GIF, drawn on the server with Pillow.

Like the convolution-arithmetic figures, for any kernel, stride, padding and dilation and
for a real photo: on the left the layer's input with its padding ring, the window and its
taps; on the right the output map filling cell by cell (row-major), with the current cell
outlined and a line joining it to its window. Both panels share one scale, so a stride-2
output is visibly half the size of its input.

Every frame is a pure function of ``(figure, position)``; a big map is shown at evenly
spaced positions (at most ``max_frames``), and the caption says so. The page's GIF passes the
positions it animates (a range of steps, or a region's cells), its colours (``"page"``: the
cells not painted yet show the finished map faintly, as on the page), its own wording of each
position, and optionally each position's arithmetic and the kernel's weights.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from . import gif_text
from .colormap import colorize

Array = NDArray[np.float32]
Pair = tuple[int, int]
RGB = tuple[int, int, int]

MARGIN = 12
PANEL_GAP = 36
TEXT_HEIGHT = 20
FONT_SIZE = 13
MIN_WIDTH = 420
BACKGROUND: RGB = (255, 255, 255)
PADDING_CELL: RGB = (200, 214, 232)   # the padding ring: a pale blue, not a value colour
EMPTY_CELL: RGB = (236, 236, 236)     # output cells not computed yet
WINDOW: RGB = (255, 45, 85)
TAP: RGB = (255, 214, 10)
TEXT: RGB = (30, 30, 30)
UI_COLOURS = (BACKGROUND, PADDING_CELL, EMPTY_CELL, WINDOW, TAP, TEXT)
MIN_WINDOW_PIXELS = 7.0     # smallest window outline drawn
TAP_OUTLINE_MIN_SCALE = 3.0  # pixels per cell from which each tap gets its own outline
LAST_FRAME_HOLD = 8          # the finished map stays this many frame durations
GIF_COLOURS = 256
PALETTE_PIXELS = 50_000      # pixels the palette is chosen from
NUMBER_MIN_SCALE = 24.0      # pixels per cell from which cells show their values
NUMBER_FONT_PER_CELL = 0.3
LIGHT_CELL = 140             # luma above which a cell gets dark digits
PENDING_MIX = 0.35           # as the page (static/js/patch/config.js): faint finished map
PENDING_UNDER: RGB = (189, 189, 189)  # ... over the page's pending grey


@dataclass(frozen=True)
class Window:
    """The sliding geometry of one layer: all pairs are ``(h, w)``, padding is 4 sides."""

    kernel: Pair
    stride: Pair
    dilation: Pair
    padding: tuple[int, int, int, int]  # (top, bottom, left, right)

    def span(self) -> Pair:
        """Rows and columns one window covers: ``dilation * (k - 1) + 1``."""
        return (self.dilation[0] * (self.kernel[0] - 1) + 1,
                self.dilation[1] * (self.kernel[1] - 1) + 1)


def frame_positions(count: int, *, max_frames: int) -> list[int]:
    """Row-major output positions to draw: all of them, or ``max_frames`` evenly spaced.

    The last position (the finished map) is always included.
    """
    if count <= max_frames:
        return list(range(count))
    step = math.ceil(count / max_frames)
    positions = list(range(step - 1, count, step))
    if positions[-1] != count - 1:
        positions.append(count - 1)
    return positions


def _input_cells(x: Array, window: Window, *, as_rgb: bool) -> NDArray[np.uint8]:
    """``(Hp, Wp, 3)`` colours of the padded input: values in grey/RGB, padding tinted."""
    top, bottom, left, right = window.padding
    c, h, w = x.shape
    finite = np.where(np.isfinite(x), x, 0)
    low, high = float(finite.min()), float(finite.max())
    unit = (finite - low) / (high - low) if high > low else np.zeros_like(finite)
    if as_rgb and c == 3:
        # pixels in 0..1 are drawn as they are, as the page does; anything else stretched
        rgb = np.moveaxis(finite if low >= 0 and high <= 1 else unit, 0, -1)
    else:
        grey = unit.mean(axis=0)
        rgb = np.stack([grey, grey, grey], axis=-1)
    cells = np.empty((h + top + bottom, w + left + right, 3), dtype=np.uint8)
    cells[...] = PADDING_CELL
    cells[top:top + h, left:left + w] = np.round(rgb * 255).astype(np.uint8)
    return cells


def _number(value: float) -> str:
    if value.is_integer() and abs(value) < 10_000:
        return str(int(value))
    return f"{value:.2g}"


def _write_numbers(image: Image.Image, values: Array, *, origin: Pair, scale: float) -> None:
    """Each value at the centre of its cell, dark on light cells and light on dark ones."""
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(8, int(scale * NUMBER_FONT_PER_CELL)))
    pixels = image.load()
    assert pixels is not None
    for (i, j), value in np.ndenumerate(values):
        cx, cy = origin[0] + (j + 0.5) * scale, origin[1] + (i + 0.5) * scale
        r, g, b = pixels[int(cx), int(cy)][:3]  # type: ignore[index]
        ink = TEXT if 0.299 * r + 0.587 * g + 0.114 * b > LIGHT_CELL else BACKGROUND
        draw.text((cx, cy), _number(float(value)), fill=ink, font=font, anchor="mm")


def _resize(cells: NDArray[np.uint8], size: Pair) -> Image.Image:
    """Cells to a panel of ``size = (width, height)`` pixels; crisp when enlarging."""
    image = Image.fromarray(cells, mode="RGB")
    grow = size[0] >= cells.shape[1]
    return image.resize(size, Image.Resampling.NEAREST if grow else Image.Resampling.BOX)


@dataclass(frozen=True)
class _Figure:
    """Everything fixed across frames, as palette indices; :func:`_frame` adds the rest.

    Frames are drawn straight in palette space (one byte a pixel, no per-frame
    quantisation): the drawing colours are palette entries ``0..len(UI_COLOURS) - 1``.
    """

    base: NDArray[np.uint8]           # background, input panel, captions: (H, W) indices
    palette: list[int]                # flat RGB, GIF_COLOURS entries
    output_full: NDArray[np.uint8]    # the finished output panel, (h, w) indices
    output_pending: NDArray[np.uint8]  # the panel before any cell is computed
    output_index: NDArray[np.intp]    # row-major output cell under each panel pixel
    output_origin: Pair               # (x, y) of the output panel on the canvas
    input_origin: Pair
    input_size: Pair                  # (width, height) of the input panel
    scale: float                      # pixels per cell, both panels
    out_hw: Pair
    window: Window


def _ui(colour: RGB) -> int:
    """Palette index of a drawing colour."""
    return UI_COLOURS.index(colour)


def _build(x: Array, y: Array, window: Window, *, panel: int, as_rgb: bool,
           colormap: str, caption: str, note: str, numbers: bool, extra_lines: int = 0,
           kernel: Array | None = None,
           value_range: tuple[float, float] | None = None) -> _Figure:
    cells = _input_cells(x, window, as_rgb=as_rgb)
    hp, wp = cells.shape[:2]
    out_h, out_w = y.shape
    scale = panel / max(hp, wp)
    in_size = (max(1, round(wp * scale)), max(1, round(hp * scale)))
    out_size = (max(1, round(out_w * scale)), max(1, round(out_h * scale)))
    width = max(MIN_WIDTH, 2 * MARGIN + in_size[0] + PANEL_GAP + out_size[0])
    top = MARGIN + TEXT_HEIGHT
    weights = gif_text.kernel_size(kernel) if kernel is not None else (0, 0)
    width = max(width, 2 * MARGIN + weights[0])
    height = (top + max(in_size[1], out_size[1]) + (2 + extra_lines) * TEXT_HEIGHT + MARGIN
              + weights[1])
    base = Image.new("RGB", (width, height), BACKGROUND)
    base.paste(_resize(cells, in_size), (MARGIN, top))
    draw = ImageDraw.Draw(base)
    font = ImageFont.load_default(size=FONT_SIZE)
    draw.text((MARGIN, MARGIN), caption, fill=TEXT, font=font)
    if note:
        draw.text((MARGIN, height - MARGIN - TEXT_HEIGHT + 4), note, fill=TEXT, font=font)
    if kernel is not None:
        gif_text.draw_kernel(base, kernel, origin=(
            MARGIN, top + max(in_size[1], out_size[1]) + (1 + extra_lines) * TEXT_HEIGHT + 4))
    output_origin = (MARGIN + in_size[0] + PANEL_GAP, top)
    colours = colorize(y, colormap=colormap, value_range=value_range)
    output = _resize(colours, out_size)
    faint = colormap == "page"
    pending = _resize(np.round(colours * PENDING_MIX + np.array(PENDING_UNDER) * (
        1 - PENDING_MIX)).astype(np.uint8), out_size) if faint else None
    if numbers and scale >= NUMBER_MIN_SCALE and x.shape[0] == 1:
        pad_top, _, pad_left, _ = window.padding
        _write_numbers(base, x[0], scale=scale, origin=(
            round(MARGIN + pad_left * scale), round(top + pad_top * scale)))
        _write_numbers(output, y, origin=(0, 0), scale=scale)
    finished = base.copy()
    finished.paste(output, output_origin)
    if pending is not None:
        # the palette also holds the faint colours
        both = Image.new("RGB", (finished.width, finished.height + pending.height), BACKGROUND)
        both.paste(finished, (0, 0))
        both.paste(pending, (0, finished.height))
        palette = _palette(both)
    else:
        palette = _palette(finished)
    empty = np.full((out_size[1], out_size[0]), _ui(EMPTY_CELL), dtype=np.uint8)
    index = np.arange(out_h * out_w, dtype=np.intp).reshape(out_h, out_w)
    rows = np.minimum((np.arange(out_size[1]) / scale).astype(np.intp), out_h - 1)
    cols = np.minimum((np.arange(out_size[0]) / scale).astype(np.intp), out_w - 1)
    return _Figure(base=_indices(base, palette), palette=palette.getpalette() or [],
                   output_full=_indices(output, palette),
                   output_pending=empty if pending is None else _indices(pending, palette),
                   output_index=index[np.ix_(rows, cols)], output_origin=output_origin,
                   input_origin=(MARGIN, top), input_size=in_size, scale=scale,
                   out_hw=(out_h, out_w), window=window)


def _indices(image: Image.Image, palette: Image.Image) -> NDArray[np.uint8]:
    return np.asarray(image.quantize(palette=palette, dither=Image.Dither.NONE))


def _frame(fig: _Figure, position: int, *, label: str, arithmetic: str = "") -> Image.Image:
    """The figure with the output filled up to ``position`` and the window on it."""
    pixels = fig.base.copy()
    ox, oy = fig.output_origin
    h, w = fig.output_full.shape
    pixels[oy:oy + h, ox:ox + w] = np.where(fig.output_index <= position, fig.output_full,
                                            fig.output_pending)
    frame = Image.fromarray(pixels, mode="P")
    frame.putpalette(fig.palette)
    draw = ImageDraw.Draw(frame)
    s, win = fig.scale, fig.window
    i, j = divmod(position, fig.out_hw[1])
    r0, c0 = i * win.stride[0], j * win.stride[1]
    ix, iy = fig.input_origin
    span_h, span_w = win.span()
    box = _at_least((ix + c0 * s, iy + r0 * s, ix + (c0 + span_w) * s - 1,
                     iy + (r0 + span_h) * s - 1), MIN_WINDOW_PIXELS)
    if s >= TAP_OUTLINE_MIN_SCALE or win.dilation != (1, 1):
        for u in range(win.kernel[0]):
            for v in range(win.kernel[1]):
                ty, tx = iy + (r0 + u * win.dilation[0]) * s, ix + (c0 + v * win.dilation[1]) * s
                if s >= TAP_OUTLINE_MIN_SCALE:
                    draw.rectangle((tx + 1, ty + 1, tx + s - 2, ty + s - 2),
                                   outline=_ui(TAP))
                else:
                    draw.point((tx + s / 2, ty + s / 2), fill=_ui(TAP))
    draw.rectangle(box, outline=_ui(WINDOW), width=2)
    cell = (ox + j * s, oy + i * s, ox + max((j + 1) * s - 1, j * s + 2),
            oy + max((i + 1) * s - 1, i * s + 2))
    draw.rectangle(cell, outline=_ui(WINDOW), width=2 if s >= 4 else 1)
    draw.line(((box[2], (box[1] + box[3]) / 2), (cell[0], (cell[1] + cell[3]) / 2)),
              fill=_ui(WINDOW), width=1)
    font = ImageFont.load_default(size=FONT_SIZE)
    text_y = oy + max(fig.input_size[1], h) + 4
    draw.text((ix, text_y), label, fill=_ui(TEXT), font=font)
    if arithmetic:
        draw.text((ix, text_y + TEXT_HEIGHT), arithmetic, fill=_ui(TEXT), font=font)
    return frame


def _at_least(box: tuple[float, float, float, float],
              side: float) -> tuple[float, float, float, float]:
    """``box`` grown about its centre to at least ``side`` pixels a side, so a small window
    on a big photo stays visible (the caption gives its true size)."""
    x0, y0, x1, y1 = box
    grow_x, grow_y = max(0.0, side - (x1 - x0)) / 2, max(0.0, side - (y1 - y0)) / 2
    return (x0 - grow_x, y0 - grow_y, x1 + grow_x, y1 + grow_y)


def _palette(finished: Image.Image) -> Image.Image:
    """One palette for every frame (no flicker): the drawing colours exactly, then the
    finished figure's most representative colours."""
    # Median cut is quadratic-ish in pixels: choose the colours on a reduced copy.
    factor = max(1, math.ceil(math.sqrt(finished.width * finished.height / PALETTE_PIXELS)))
    content = finished.reduce(factor).quantize(colors=GIF_COLOURS - len(UI_COLOURS),
                                               method=Image.Quantize.MEDIANCUT)
    used = (content.getpalette() or [])[:3 * (GIF_COLOURS - len(UI_COLOURS))]
    flat = [v for colour in UI_COLOURS for v in colour] + used
    palette = Image.new("P", (1, 1))
    palette.putpalette(flat + [0] * (3 * GIF_COLOURS - len(flat)))
    return palette


def sliding_gif(x: Array, y: Array, *, window: Window, panel: int = 320,
                max_frames: int = 60, frame_ms: int = 120, as_rgb: bool = False,
                colormap: str = "auto", caption: str = "", numbers: bool = True,
                positions: Sequence[int] | None = None,
                label: Callable[[int], str] | None = None,
                arithmetic: Callable[[int], str] | None = None,
                kernel: Array | None = None,
                value_range: tuple[float, float] | None = None) -> bytes:
    """Animated GIF of ``window`` sliding over ``x`` and filling the map ``y``.

    Parameters
    ----------
    x : (C, H, W) float32
        The layer's input (drawn in RGB when ``as_rgb`` and C = 3, else the channel mean).
    y : (H_out, W_out) float32
        The output map being filled; its shape must match ``window`` on ``x``.
    window : the layer's kernel, stride, dilation and explicit padding.
    panel : pixels of the longer side of the padded input panel.
    max_frames : the most output positions drawn (then evenly spaced, said in the caption).
    frame_ms : duration of one frame.
    numbers : write each cell's value in it, when cells are large enough and the input is
        one channel (small grids, as in the convolution-arithmetic figures).
    positions : the row-major positions of ``y`` to animate (default: all), in order; cells
        before the first are drawn computed. More than ``max_frames`` are evenly subsampled.
    label : the line under the figure at a position (default: its row and column from 1).
    arithmetic : a second line at a position, e.g. its sum of products.
    kernel : ``(C, kh, kw)`` weights drawn under the figure, each with its value.
    value_range : the colours' ``(low, high)`` (default ``y``'s own): a region of a map is
        coloured as the whole map.
    """
    out_h, out_w = y.shape
    wanted = list(range(out_h * out_w)) if positions is None else list(positions)
    picked = [wanted[i] for i in frame_positions(len(wanted), max_frames=max_frames)]
    note = "" if len(picked) == len(wanted) else (
        f"showing {len(picked)} of {len(wanted)} positions "
        f"(one in {math.ceil(len(wanted) / max_frames)})")
    fig = _build(x, y, window, panel=panel, as_rgb=as_rgb, colormap=colormap,
                 caption=caption, note=note, numbers=numbers,
                 extra_lines=1 if arithmetic else 0, kernel=kernel, value_range=value_range)
    name = label or (lambda p: f"output row {p // out_w + 1}, column {p % out_w + 1} of "
                     f"{out_h} x {out_w}")
    indexed = [_frame(fig, p, label=name(p), arithmetic=arithmetic(p) if arithmetic else "")
               for p in picked]
    durations = [frame_ms] * (len(indexed) - 1) + [frame_ms * LAST_FRAME_HOLD]
    buffer = io.BytesIO()
    indexed[0].save(buffer, format="GIF", save_all=True, append_images=indexed[1:],
                    duration=durations, loop=0)
    return buffer.getvalue()
