/**
 * The animation's own URL parameters, for the page and the embed (docs/embedding.md):
 * `step=N` (the step the page writes, from 1), `autoplay=1|0|paint`, `speed=S` (steps per
 * second, the nearest offered), `region=row,col,height,width` (output cells, rows and columns
 * from 1). They are applied once over the state's `anim` (`s=`). Pure functions.
 * @module patch/anim-params
 */

/** The parameters this module reads (and the page drops once applied). */
export const ANIM_PARAMS = Object.freeze(["step", "autoplay", "speed", "region"]);

const MAX_STEP = 1e9;

/**
 * The anim fields a query string asks for; absent or malformed parameters are left out.
 *
 * @param {string} search e.g. `location.search`.
 * @returns {{step?: number, playing?: number, paint?: number, speed?: number,
 *   region?: number[]|null}} `step` 0-based; `region` 0-based `[row, col, height, width]`
 *   (null for `region=none`, the whole map). Clamping to a layer is normaliseAnim's job.
 */
export function animParams(search) {
  const params = new URLSearchParams(search);
  const out = {};
  const step = params.get("step");
  if (step !== null && /^\d{1,10}$/.test(step) && Number(step) >= 1) {
    out.step = Math.min(Number(step), MAX_STEP) - 1;
  }
  const autoplay = params.get("autoplay");
  if (autoplay === "paint") Object.assign(out, { playing: 1, paint: 1 });
  else if (autoplay === "1" || autoplay === "true") Object.assign(out, { playing: 1, paint: 0 });
  else if (autoplay === "0" || autoplay === "false") Object.assign(out, { playing: 0 });
  const speed = Number(params.get("speed"));
  if (params.get("speed") !== null && Number.isFinite(speed) && speed > 0) out.speed = speed;
  const region = params.get("region");
  if (region === "none") out.region = null;
  else if (region !== null && /^\d{1,5}(,\d{1,5}){2,3}$/.test(region)) {
    const [row, col, height, width = height] = region.split(",").map(Number);
    if (row >= 1 && col >= 1) out.region = [row - 1, col - 1, height, width];
  }
  return out;
}

/**
 * `search` without the animation parameters (once they are in the state, the state rules).
 *
 * @param {string} search
 * @returns {string} `""` or `"?..."`
 */
export function withoutAnimParams(search) {
  const params = new URLSearchParams(search);
  ANIM_PARAMS.forEach((name) => params.delete(name));
  const rest = params.toString();
  return rest ? `?${rest}` : "";
}

/**
 * The query string of the animation parameters of `anim` (for links and docs examples).
 *
 * @param {{step?: number, playing?: number, paint?: number, speed?: number,
 *   region?: number[]|null}} anim
 * @returns {string} e.g. `step=5&autoplay=paint&region=10,20,16,16` (no leading `?`)
 */
export function animSearch(anim) {
  const params = new URLSearchParams();
  if (Number.isInteger(anim.step)) params.set("step", String(anim.step + 1));
  if (anim.playing) params.set("autoplay", anim.paint ? "paint" : "1");
  if (anim.speed) params.set("speed", String(anim.speed));
  if (anim.region) {
    const [row, col, height, width] = anim.region;
    params.set("region", `${row + 1},${col + 1},${height},${width}`);
  }
  return params.toString();
}
