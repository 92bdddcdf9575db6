/**
 * A region of the animated map: the window moves only over its cells, drawn large enough to
 * read. Pure functions: the region <-> steps mapping, the default region, the region a drag
 * picks, and the input cells the region's windows read.
 *
 * A region is `{row, col, height, width}` in output cells of the animated map, 0-based (the
 * page writes them from 1). Steps stay the map's own raster steps (`row * W_out + col`), so
 * the numbers panel, the engine's map and the URL's `step` mean the same cell with or
 * without a region; the region's own cells are counted by a "local" index `0 .. h * w - 1`.
 * @module patch/region
 */

import { outputShape, stepOf, windowAt, windowSpan } from "./windows.js";

/** Sides of a region, in output cells: readable (<= max) yet showing a pattern (>= min). */
export const REGION_SIDE = Object.freeze({ min: 16, max: 48, default: 16 });

const toInt = (v) => (Number.isFinite(Number(v)) ? Math.trunc(Number(v)) : NaN);
const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), Math.max(hi, lo));

/**
 * A valid region on a map of `[height, width]` cells, or null. Sides are clamped to
 * [REGION_SIDE.min, REGION_SIDE.max] (never more than the map), the corner into the map.
 *
 * @param {unknown} region `{row, col, height, width}` or `[row, col, height, width]`.
 * @param {number[]} outShape `[H_out, W_out]`.
 * @returns {{row: number, col: number, height: number, width: number}|null}
 */
export function normaliseRegion(region, outShape) {
  if (!region || typeof region !== "object") return null;
  const [r, c, h, w] = Array.isArray(region) ? region
    : [region.row, region.col, region.height, region.width];
  const values = [r, c, h, w].map(toInt);
  if (values.some(Number.isNaN)) return null;
  const [oh, ow] = outShape;
  if (!(oh > 0 && ow > 0)) return null;
  const side = (v, n) => clamp(v, Math.min(REGION_SIDE.min, n), Math.min(REGION_SIDE.max, n));
  const height = side(values[2], oh);
  const width = side(values[3], ow);
  return { row: clamp(values[0], 0, oh - height), col: clamp(values[1], 0, ow - width),
    height, width };
}

/**
 * Compact form for the state and the URL: `[row, col, height, width]`.
 *
 * @param {{row: number, col: number, height: number, width: number}|null} region
 * @returns {number[]|null}
 */
export function regionArray(region) {
  return region ? [region.row, region.col, region.height, region.width] : null;
}

/**
 * The view the transport steps through: the whole map, or the region's cells in raster order.
 *
 * @param {{row: number, col: number, height: number, width: number}|null} region
 * @param {number[]} outShape `[H_out, W_out]` of the map.
 * @returns {{count: number, rowLength: number, toStep: (local: number) => number,
 *   toLocal: (step: number) => number, contains: (step: number) => boolean}}
 *   `toLocal` clamps a step outside the region to the nearest cell of the region.
 */
export function stepView(region, outShape) {
  const [oh, ow] = outShape;
  if (!region) {
    const count = oh * ow;
    return { count, rowLength: ow, toStep: (k) => k, toLocal: (s) => clamp(s, 0, count - 1),
      contains: (s) => s >= 0 && s < count };
  }
  const { row, col, height, width } = region;
  return {
    count: height * width,
    rowLength: width,
    toStep: (k) => (row + Math.floor(k / width)) * ow + col + (k % width),
    toLocal: (s) => {
      const r = clamp(Math.floor(s / ow) - row, 0, height - 1);
      const c = clamp((s % ow) - col, 0, width - 1);
      return r * width + c;
    },
    contains: (s) => {
      const r = Math.floor(s / ow) - row;
      const c = (s % ow) - col;
      return r >= 0 && r < height && c >= 0 && c < width;
    },
  };
}

/**
 * A square region of `side` cells around the liveliest part of the map: the largest sum of
 * |value - mean| (strong edges, spots), found with a summed-area table.
 *
 * @param {ArrayLike<number>} values the map, row-major `H_out x W_out`.
 * @param {number[]} outShape
 * @param {{side?: number}} [options]
 * @returns {{row: number, col: number, height: number, width: number}|null}
 */
export function defaultRegion(values, outShape, { side = REGION_SIDE.default } = {}) {
  const [oh, ow] = outShape;
  const shape = normaliseRegion([0, 0, side, side], outShape);
  if (!shape) return null;
  let mean = 0;
  for (let i = 0; i < oh * ow; i += 1) mean += Number.isFinite(values[i]) ? values[i] : 0;
  mean /= oh * ow;
  const sat = new Float64Array((oh + 1) * (ow + 1));
  for (let y = 0; y < oh; y += 1) {
    let line = 0;
    for (let x = 0; x < ow; x += 1) {
      const v = values[y * ow + x];
      line += Number.isFinite(v) ? Math.abs(v - mean) : 0;
      sat[(y + 1) * (ow + 1) + x + 1] = sat[y * (ow + 1) + x + 1] + line;
    }
  }
  const { height: h, width: w } = shape;
  let best = { score: -1, row: 0, col: 0 };
  for (let y = 0; y + h <= oh; y += 1) {
    for (let x = 0; x + w <= ow; x += 1) {
      const score = sat[(y + h) * (ow + 1) + x + w] - sat[y * (ow + 1) + x + w]
        - sat[(y + h) * (ow + 1) + x] + sat[y * (ow + 1) + x];
      if (score > best.score + 1e-9) best = { score, row: y, col: x };
    }
  }
  return { ...shape, row: best.row, col: best.col };
}

/**
 * The region a drag from cell `a` to cell `b` picks: the dragged rectangle, its sides
 * brought into [min, max] around its centre (a click picks the default side around it).
 *
 * @param {{row: number, col: number}} a
 * @param {{row: number, col: number}} b
 * @param {number[]} outShape
 * @returns {{row: number, col: number, height: number, width: number}|null}
 */
export function regionFromDrag(a, b, outShape) {
  const span = (p, q) => Math.abs(q - p) + 1;
  const click = span(a.row, b.row) < 3 && span(a.col, b.col) < 3;
  const height = click ? REGION_SIDE.default : span(a.row, b.row);
  const width = click ? REGION_SIDE.default : span(a.col, b.col);
  const fitted = normaliseRegion([0, 0, height, width], outShape);
  if (!fitted) return null;
  const centre = (p, q, n) => Math.round((p + q) / 2 - (n - 1) / 2);
  return normaliseRegion([centre(a.row, b.row, fitted.height), centre(a.col, b.col,
    fitted.width), fitted.height, fitted.width], outShape);
}

/**
 * The part of the layer's input the region's windows read, as a geometry of its own: the
 * cropped input, with the padding its edge windows reach. Its raster steps are the region's
 * local steps (same taps, same values), so the figure can draw the region alone, large.
 *
 * @param {import('./windows.js').WindowGeometry} geometry the layer's.
 * @param {{row: number, col: number, height: number, width: number}} region
 * @returns {{geometry: import('./windows.js').WindowGeometry, y0: number, x0: number}}
 *   `y0`, `x0`: input cell of the crop's first real row and column.
 */
export function regionCrop(geometry, region) {
  const [c, h, w] = geometry.inShape;
  const first = windowAt(geometry, stepOf(geometry, region));
  const last = windowAt(geometry, stepOf(geometry, { row: region.row + region.height - 1,
    col: region.col + region.width - 1 }));
  const span = windowSpan(geometry);
  const top = first.top;
  const left = first.left;
  const bottom = last.top + span[0];
  const right = last.left + span[1];
  const y0 = clamp(top, 0, h);
  const x0 = clamp(left, 0, w);
  const y1 = clamp(bottom, y0, h);
  const x1 = clamp(right, x0, w);
  const crop = { ...geometry, inShape: [c, y1 - y0, x1 - x0],
    padding: [y0 - top, bottom - y1, x0 - left, right - x1] };
  const [oh, ow] = outputShape(crop);
  if (oh !== region.height || ow !== region.width) {
    throw new Error(`region crop gives ${oh}x${ow} cells, not ${region.height}x${region.width}`);
  }
  return { geometry: crop, y0, x0 };
}
