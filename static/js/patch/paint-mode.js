/**
 * "Paint the whole map": a playback that fills the map (or the region) row by row in a few
 * seconds, whatever its size, with the arithmetic paused. Pure: the speed that paints
 * `count` cells in `PAINT_SECONDS`, and how far the painting is after some time.
 * @module patch/paint-mode
 */

import { PAINT_SECONDS } from "./config.js";

/**
 * Steps per second that paint `count` cells in `seconds` (the first cell shows at once, the
 * last one after `seconds`).
 *
 * @param {number} count cells to paint.
 * @param {{seconds?: number}} [options]
 * @returns {number} > 0
 */
export function paintSpeed(count, { seconds = PAINT_SECONDS } = {}) {
  return Math.max(count - 1, 1) / seconds;
}

/**
 * The painting after `elapsedMs`: cells painted (raster order, so whole rows fill one after
 * the other), whole rows done, and whether the map is finished.
 *
 * @param {{count: number, rowLength: number, elapsedMs: number, seconds?: number}} args
 * @returns {{cells: number, rows: number, done: boolean}}
 */
export function paintProgress({ count, rowLength, elapsedMs, seconds = PAINT_SECONDS }) {
  const exact = (paintSpeed(count, { seconds }) * Math.max(elapsedMs, 0)) / 1000;
  const cells = Math.min(count, Math.floor(exact + 1e-9) + 1);
  return { cells, rows: Math.floor(cells / Math.max(rowLength, 1)), done: cells >= count };
}
