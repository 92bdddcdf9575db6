/**
 * Where the pyramid's tiles go: one scale (screen px per image cell) for every layer, so a
 * layer that is half as wide is drawn half as wide; a layer whose maps cannot all fit on one
 * line at that scale wraps at the smallest readable tile. Pure function of the header and the
 * available width.
 * @module render/layout
 */

import { LAYOUT } from "../config.js";

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
  return { scale, rows };
}
