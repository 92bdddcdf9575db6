/**
 * The animation's part of the URL state: `anim = {layer, map, step, flip, speed, playing}`,
 * plus `region` (`[row, col, height, width]` of the map, when the window moves over a region
 * only) and `paint` (1 while "Paint the whole map" plays).
 *
 * The page's store serialises it opaquely, so everything read back from a URL is untrusted:
 * {@link normaliseAnim} turns anything into a valid, compact object.
 */

import { DEFAULT_SPEED, SPEEDS } from "./config.js";
import { normaliseRegion, regionArray, stepView } from "./region.js";

/**
 * Conv layers of a decoded pyramid header that the animation can show (index >= 1).
 *
 * @param {{layers: object[]}|null|undefined} header the `/api/pyramid` header.
 * @returns {number[]} pyramid layer indices (0 = the input image, never included).
 */
export function animatableLayers(header) {
  if (!header || !Array.isArray(header.layers)) return [];
  return header.layers.filter((l) => l.index > 0 && l.type === "conv").map((l) => l.index);
}

/**
 * The nearest offered speed to `value` (steps per second).
 *
 * @param {unknown} value
 * @returns {number}
 */
export function nearestSpeed(value) {
  const v = Number(value);
  if (!Number.isFinite(v) || v <= 0) return DEFAULT_SPEED;
  return SPEEDS.reduce((best, s) => (Math.abs(Math.log(s / v)) < Math.abs(Math.log(best / v))
    ? s : best), SPEEDS[0]);
}

/**
 * A valid anim object for `header`: unknown layer -> the first conv layer; map, step clamped.
 *
 * @param {unknown} anim from the URL or a previous state.
 * @param {{header?: object|null, steps?: (layer: number) => number}} [context]
 *   `steps(layer)` returns the number of windows of that layer (clamps `step` when given).
 * @returns {{layer: number, map: number, step: number, flip: number, speed: number,
 *   playing: number, ch?: number, region?: number[], paint?: number}} compact: flags are
 *   0/1; `ch` (the input channel shown, -1 = the colour image) only when one was chosen;
 *   `region` only when one is set (then `step` lies inside it); `paint` only while painting.
 */
export function normaliseAnim(anim, { header = null, steps } = {}) {
  const a = anim && typeof anim === "object" ? anim : {};
  const layers = animatableLayers(header);
  const asInt = (v, fallback) => (Number.isInteger(Number(v)) ? Number(v) : fallback);
  let layer = asInt(a.layer, layers[0] ?? 1);
  if (layers.length && !layers.includes(layer)) layer = layers[0];
  const info = header?.layers?.[layer];
  const maps = info?.shape?.[0] ?? Infinity;
  const map = Math.min(Math.max(asInt(a.map, 0), 0), Math.max(maps - 1, 0));
  let step = Math.max(asInt(a.step, 0), 0);
  if (steps) step = Math.min(step, Math.max(steps(layer) - 1, 0));
  const out = {
    layer,
    map,
    step,
    flip: a.flip ? 1 : 0,
    speed: nearestSpeed(a.speed ?? DEFAULT_SPEED),
    playing: a.playing ? 1 : 0,
  };
  // `ch`: the input channel shown (-1 = colour image); absent means the default view.
  const ch = Number(a.ch);
  if (a.ch !== undefined && a.ch !== null && Number.isInteger(ch)) {
    const channels = info?.in_shape?.[0] ?? Infinity;
    out.ch = Math.min(Math.max(ch, -1), channels - 1);
  }
  const region = regionOf(a.region, info);
  if (region) {
    out.region = regionArray(region);
    const view = stepView(region, info ? info.shape.slice(1) : [Infinity, Infinity]);
    if (info && !view.contains(out.step)) out.step = view.toStep(view.toLocal(out.step));
  }
  if (a.paint && out.playing) out.paint = 1;
  return out;
}

/** The region of `value` on the layer `info` (unbounded while the header is unknown). */
function regionOf(value, info) {
  if (!Array.isArray(value) || value.length !== 4) return null;
  if (info?.shape) return normaliseRegion(value, info.shape.slice(1));
  const [row, col, height, width] = value.map(Number);
  const ok = [row, col, height, width].every(Number.isInteger) && row >= 0 && col >= 0
    && height > 0 && width > 0;
  return ok ? { row, col, height, width } : null;
}
