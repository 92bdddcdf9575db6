"""The whole pyramid as one PNG (#15 §4), made in the browser from what it drew: the figure
has the pyramid's size times the export scale, every tile's pixels are where the page shows
them, and the row labels are in it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .test_exports import download, exports_panel

SCALE = 2
MARGIN = 12


def test_pyramid_png_is_the_pyramid_as_drawn(loaded_page: Any, tmp_path: Path) -> None:
    page = loaded_page
    button = exports_panel(page).locator('[data-export="png-pyramid"]')
    assert button.inner_text() == "PNG"
    name, data = download(page, button, tmp_path)
    assert name == "convscope-pyramid.png"
    figure = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    box = page.evaluate("""() => { const r = document.getElementById('pyramid')
        .getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; }""")
    assert figure.shape[:2] == (round((box[3] + 2 * MARGIN) * SCALE),
                                round((box[2] + 2 * MARGIN) * SCALE))
    # the centre cell of some tiles: the figure's pixel is the tile canvas's pixel
    probes = page.evaluate("""() => [...document.querySelectorAll('#pyramid .tile-canvas')]
        .filter((_, i) => i % 5 === 0).map((c) => {
          const r = c.getBoundingClientRect();
          const px = c.getContext('2d').getImageData(Math.floor(c.width / 2),
                                                     Math.floor(c.height / 2), 1, 1).data;
          return { x: r.left + r.width / 2, y: r.top + r.height / 2, rgb: [px[0], px[1], px[2]] };
        })""")
    assert len(probes) >= 4
    for probe in probes:
        fx = int((probe["x"] - box[0] + MARGIN) * SCALE)
        fy = int((probe["y"] - box[1] + MARGIN) * SCALE)
        got = figure[fy - 1:fy + 2, fx - 1:fx + 2].reshape(-1, 3)
        assert any(np.abs(g.astype(int) - probe["rgb"]).max() <= 2 for g in got), (probe, got)
    assert "Saved convscope-pyramid.png" in exports_panel(page).locator(
        ".export-status").inner_text()


def test_pyramid_png_holds_the_row_labels(loaded_page: Any, tmp_path: Path) -> None:
    _, data = download(loaded_page, exports_panel(loaded_page).locator(
        '[data-export="png-pyramid"]'), tmp_path)
    figure = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
    label = loaded_page.evaluate("""() => { const p = document.getElementById('pyramid')
        .getBoundingClientRect(); const r = document.querySelector('#pyramid .row-name')
        .getBoundingClientRect(); return [r.left - p.left, r.top - p.top, r.width, r.height]; }""")
    x0, y0 = int((label[0] + MARGIN) * SCALE), int((label[1] + MARGIN) * SCALE)
    patch = figure[y0:y0 + int(label[3] * SCALE), x0:x0 + int(label[2] * SCALE)]
    assert (patch < 128).mean() > 0.02, "the first row's name is not written in the figure"
