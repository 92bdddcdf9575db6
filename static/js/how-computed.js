/**
 * "How was this number computed?": the animation state that opens the sliding patch at
 * exactly one output cell of one map (issue 15 §0). Pure.
 *
 * The patch panel owns `state.anim` (patch/anim-state.js): `step` is the raster index of the
 * output cell (row * width + column, 0-based). On a map larger than a region can show, the
 * window would be a speck: the animation then zooms into a region around the cell (16 cells
 * a side, clamped into the map) so the window and its numbers are readable.
 * @module how-computed
 */

import { REGION_SIDE } from "./patch/region.js";

/**
 * The region (`[row, col, height, width]`, 0-based) of `side` cells around cell (i, j) of a
 * map of `[height, width]` cells, or null when the whole map is small enough to read.
 * @param {{i: number, j: number}} cell
 * @param {[number, number]} shape [H_out, W_out]
 * @param {number} [side]
 * @returns {number[]|null}
 */
export function regionAround({ i, j }, [height, width], side = REGION_SIDE.default) {
  if (Math.max(height, width) <= REGION_SIDE.max) return null;
  const clamp = (v, n) => Math.min(Math.max(v, 0), Math.max(n - side, 0));
  const half = Math.floor(side / 2);
  return [clamp(i - half, height), clamp(j - half, width), Math.min(side, height),
    Math.min(side, width)];
}

/**
 * The animation that shows how cell (i, j) of map `map` of layer `layer` was computed: that
 * layer and map, paused on that step, with the other settings (speed, flip, channel) kept.
 * @param {object|null} anim the current `state.anim`
 * @param {{layer: number, map: number, i: number, j: number, shape: [number, number]}} cell
 *   `shape` = the map's [H_out, W_out]
 * @returns {object} the new `state.anim`
 */
export function animAtCell(anim, { layer, map, i, j, shape }) {
  const [, width] = shape;
  const { region: _region, paint: _paint, ...rest } = anim ?? {};
  const region = regionAround({ i, j }, shape);
  return { ...rest, layer, map, step: i * width + j, playing: 0, ...(region ? { region } : {}) };
}
