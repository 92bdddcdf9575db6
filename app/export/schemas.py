"""Request bodies of the export endpoints: the ``/api/pyramid`` request plus what to export.

The image, colour mode and layers are the pyramid's own fields (same parsing, same bounds);
bounds that depend on settings (frames, GIF size, PNG pixels) are checked by
:mod:`app.export.service` and answered with a 422 naming the limit.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..schemas import MAX_STACK, ConvolveRequest, PyramidRequest, Strict

ColormapName = Literal["auto", "grey", "viridis", "diverging", "page"]
LayerIndex = Annotated[int, Field(ge=0, le=MAX_STACK,
                                  description="0 = the input image, 1 = the first layer.")]
MapIndex = Annotated[int, Field(ge=0, le=4096)]
DEFAULT_GIF_FRAMES = 60
DEFAULT_GIF_SIZE = 320


class PytorchExportRequest(PyramidRequest):
    """``POST /api/export/pytorch``: the stack as PyTorch source (``preview`` is ignored)."""


class MapExportRequest(PyramidRequest):
    """``POST /api/export/png`` and ``/api/export/npy``: one map, or every map of a layer."""

    layer: LayerIndex
    map: MapIndex | None = Field(None, description="One map; omitted = the whole layer.")
    colormap: ColormapName = Field("auto", description="PNG only: auto = diverging "
                                   "around zero for signed maps, viridis otherwise; page = "
                                   "the page's colours.")
    scale: Annotated[int, Field(ge=1, le=32)] = Field(
        1, description="PNG only: every cell becomes scale x scale pixels.")
    shared_range: bool = Field(False, description="PNG of a layer only: one colour range "
                               "for all maps, so brightness compares across maps.")


class GifOptions(Strict):
    """What to animate and how: the window of layer ``layer`` sliding to fill map ``map``."""

    layer: Annotated[int, Field(ge=1, le=MAX_STACK,
                                description="A conv or pooling layer (1 = the first).")]
    map: MapIndex = 0
    frames: Annotated[int, Field(ge=2)] | None = Field(
        None, description="Most output positions drawn (default 60); a larger map is shown "
                          "at evenly spaced positions, said in the caption. Capped by the "
                          "export_gif_max_frames setting.")
    size: Annotated[int, Field(ge=64)] | None = Field(
        None, description="Pixels of the longer side of the padded input panel (default "
                          "320). Capped by the export_gif_max_size setting.")
    frame_ms: Annotated[int, Field(ge=20, le=5000)] = 120
    colormap: ColormapName = Field("auto", description="page = the page's colours (the "
                                   "cells not computed yet show the finished map faintly).")
    numbers: bool = Field(True, description="Write each cell's value in it when the cells "
                          "are large enough and the input has one channel.")
    start: Annotated[int, Field(ge=0)] | None = Field(
        None, description="First output position drawn (row-major, 0-based; the page's "
                          "step N is N - 1). Earlier cells are drawn computed.")
    end: Annotated[int, Field(ge=0)] | None = Field(
        None, description="Last output position drawn (inclusive; default the last).")
    region: Annotated[list[Annotated[int, Field(ge=0, le=1_000_000)]],
                      Field(min_length=4, max_length=4)] | None = Field(
        None, description="[row, col, height, width] of the map (0-based): only the "
                          "region's cells, drawn large with the input its windows read.")
    arithmetic: bool = Field(False, description="Write each position's sum of products "
                             "(conv) or pooled value under the figure.")
    weights: bool = Field(False, description="Draw the kernel's weights (first 3 channels) "
                          "under the figure.")


class GifExportRequest(GifOptions, PyramidRequest):
    """``POST /api/export/gif``: the sliding window on an image."""


class GridGifExportRequest(GifOptions, ConvolveRequest):
    """``POST /api/export/gif/grid``: the sliding window on a small array, as in the
    convolution-arithmetic figures (the ``/api/convolve`` body plus the GIF options)."""
