/**
 * Where the pyramid's tiles go: one scale (screen px per image cell) for every layer, so a
 * layer that is half as wide is drawn half as wide; a layer whose maps cannot all fit on one
 * line at that scale wraps at the smallest readable tile. Pure function of the header and the
 * available width.
 * @module render/layout
 */

import { INSPECTOR, LAYOUT, PREVIEW_BOUNDS } from "../config.js";

/**
 * @param {{layers: object[]}} header the pyramid header
 * @param {{width: number}} options available width in CSS px
 * @returns {{scale: number, rows: Array<{index: number, maps: number, tile: [number, number],
 *   dense: boolean}>}} `tile` is [height, width] in CSS px
 */
export function pyramidLayout(header, { width }) {
  const layers = header.layers;
  const [, h0, w0] = layers[0].shape;
  let scale = LAYOUT.inputMaxPx / Math.max(h0, w0);
  for (const layer of layers) {
    if (layer.type === "dense") continue;
    const [c, , w] = layer.shape;
    // the input row shows the photo and, for colour, each channel
    const k = layer.index === 0 ? (c > 1 ? c + 1 : 1) : c;
    const perTile = width / k - LAYOUT.tileGapPx;
    if (perTile >= LAYOUT.tileMinPx) scale = Math.min(scale, perTile / w);
  }
  const rows = layers.map((layer) => {
    const [k, h, w] = layer.shape;
    if (layer.type === "dense") {
      return { index: layer.index, maps: k, tile: [LAYOUT.denseCellPx, LAYOUT.denseCellPx],
        dense: true };
    }
    const big = Math.max(h, w) * scale;
    const fit = Math.min(Math.max(big, LAYOUT.tileMinPx), LAYOUT.tileMaxPx) / big;
    return { index: layer.index, maps: k,
      tile: [Math.max(1, Math.round(h * scale * fit)), Math.max(1, Math.round(w * scale * fit))],
      dense: false };
  });
  return { scale, rows: keepProportions(rows, layers) };
}

/**
 * The readable minimum must not hide the pyramid's shape: a layer with a smaller width x
 * height than the one below it never gets a tile as large as that one's (a 64 x 64 pool over
 * a 128 x 128 conv gets half its side, even when both would be raised to the minimum), down to
 * LAYOUT.tileFloorPx.
 */
function keepProportions(rows, layers) {
  let below = null;
  return rows.map((row, i) => {
    if (row.dense) return row;
    const [, h, w] = layers[i].shape;
    let tile = row.tile;
    if (below && h * w < below.h * below.w) {
      const ratio = Math.sqrt((h * w) / (below.h * below.w));
      const cap = Math.max(LAYOUT.tileFloorPx, Math.floor(Math.max(...below.tile) * ratio));
      const side = Math.max(...tile);
      if (side > cap) tile = tile.map((px) => Math.max(1, Math.round((px * cap) / side)));
    }
    below = { h, w, tile };
    return { ...row, tile };
  });
}

/**
 * The tile of every layer as the pyramid view draws it: the whole pyramid's layout, or, with
 * `oneLayer` (the embed's one-layer view), each layer laid out as if it were alone.
 * @param {object[]} layers header layers (or the planned stack: `index`, `type`, `shape`)
 * @param {{width: number, oneLayer?: boolean}} options `width` of the pyramid panel, CSS px
 * @returns {Array<{index: number, maps: number, tile: [number, number], dense: boolean}>}
 */
export function viewRows(layers, { width, oneLayer = false }) {
  const inner = width - LAYOUT.rowPaddingPx;
  if (!oneLayer) return pyramidLayout({ layers }, { width: inner }).rows;
  return layers.map((layer) => pyramidLayout({ layers: [layer] }, { width: inner }).rows[0]);
}

/**
 * The preview side to ask of each layer (the request's `preview`, input first), from the
 * longest side of its tile's canvas in device pixels: the server reduces a map by the largest
 * whole block that still leaves it at least that large, so the browser only ever scales a
 * preview down, never blows a coarse one up, and sends no bytes and draws no bitmap much
 * larger than what the screen shows. The input also feeds the inspector's photo thumbnail.
 * @param {object[]} layers as for `viewRows`
 * @param {{width: number, oneLayer?: boolean, dpr?: number}} options `dpr` =
 *   window.devicePixelRatio
 * @returns {number[]}
 */
export function previewSides(layers, { width, oneLayer = false, dpr = 1 }) {
  return viewRows(layers, { width, oneLayer }).map((row, i) => {
    const css = Math.max(...row.tile) - 2 * LAYOUT.tileBorderPx;
    const pixels = Math.max(1, Math.round((i === 0 ? Math.max(css, INSPECTOR.inputThumbPx) : css)
      * dpr));
    const [, h, w] = layers[i].shape;
    const side = Math.max(h, w);
    // the server reduces by ceil(side / preview), which sends exactly `preview` cells a side
    // the largest block that still leaves `pixels` cells (floor(side / pixels) can be one
    // short: 128 cells on 10 px -> 12, though 13 blocks still leave ceil(128 / 13) = 10)
    let factor = Math.max(1, Math.floor(side / pixels));
    while (Math.ceil(side / (factor + 1)) >= pixels && factor + 1 <= side) factor += 1;
    const preview = Math.ceil(side / factor);
    return Math.min(Math.max(preview, PREVIEW_BOUNDS.min), PREVIEW_BOUNDS.max);
  });
}
