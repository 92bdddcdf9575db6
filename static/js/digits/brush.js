/**
 * The pad's brush: a soft round pen that leaves MNIST-like strokes (white on black, about two
 * cells wide, anti-aliased edges). A stroke segment inks every cell whose centre lies near it:
 * full ink within `coreRadius` cells of the segment, fading linearly to none at `edgeRadius`;
 * a cell keeps the brighter of its old and new ink, so going over a stroke does not saturate
 * its soft edge. Pure functions: a new array is returned, the input is never modified.
 * @module digits/brush
 */

import { DIGITS } from "../config.js";

/** Distance from point p to the segment a-b (all in cell units). */
export function segmentDistance(p, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.min(Math.max(((p.x - a.x) * dx + (p.y - a.y) * dy) / len2, 0), 1) : 0;
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/**
 * Ink (0..1) the brush leaves at distance `d` from the stroke.
 * @param {number} d cells
 * @param {{coreRadius?: number, edgeRadius?: number}} [brush]
 */
export function inkAt(d, { coreRadius = DIGITS.brush.coreRadius,
  edgeRadius = DIGITS.brush.edgeRadius } = {}) {
  if (d <= coreRadius) return 1;
  if (d >= edgeRadius) return 0;
  return (edgeRadius - d) / (edgeRadius - coreRadius);
}

/**
 * Draw one stroke segment (a dot when `from` equals `to`).
 * @param {Uint8Array} pixels side x side, 0..255, row-major
 * @param {{from: {x: number, y: number}, to: {x: number, y: number}, side?: number,
 *   brush?: {coreRadius: number, edgeRadius: number}}} options positions in cell units
 *   (0..side; the centre of cell (r, c) is (c + 0.5, r + 0.5))
 * @returns {Uint8Array} a new array
 */
export function stroke(pixels, { from, to, side = DIGITS.side, brush = DIGITS.brush }) {
  const out = Uint8Array.from(pixels);
  const reach = brush.edgeRadius;
  const r0 = Math.max(0, Math.floor(Math.min(from.y, to.y) - reach));
  const r1 = Math.min(side - 1, Math.ceil(Math.max(from.y, to.y) + reach));
  const c0 = Math.max(0, Math.floor(Math.min(from.x, to.x) - reach));
  const c1 = Math.min(side - 1, Math.ceil(Math.max(from.x, to.x) + reach));
  for (let r = r0; r <= r1; r += 1) {
    for (let c = c0; c <= c1; c += 1) {
      const ink = inkAt(segmentDistance({ x: c + 0.5, y: r + 0.5 }, from, to), brush);
      const v = Math.round(ink * 255);
      if (v > out[r * side + c]) out[r * side + c] = v;
    }
  }
  return out;
}
