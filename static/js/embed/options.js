/**
 * The embed view's own URL parameters, next to the state (`?s=`, state.js): which piece it
 * shows and how its controls are pinned. Pure functions.
 *
 * `/embed?view=patch|pyramid|layer|grid&layer=L&map=M&controls=on|locked|hidden&theme=T
 *   &compact=1&origin=O&s=...`
 * - `view`: the sliding-patch animation, the whole pyramid, one layer or grid mode (default
 *   pyramid);
 * - `layer`, `map`: pyramid layer number, as the page writes it ("Layer 4 · pool" is
 *   `layer=4`; 1 = the first layer above the input) and map (0-based) of the layer view, or
 *   the animated ones of the patch view (default: the state's own selection / animation);
 * - `theme`: light or dark (default: the reader's `prefers-color-scheme`);
 * - `compact=1`: no explanations nor legends, only the figure and its controls;
 * - `controls`: on (usable), locked (visible, disabled) or hidden (not rendered);
 * - `origin`: the embedding page's origin, the target of the messages posted to it.
 * @module embed/options
 */

import { EMBED } from "../config.js";
import { STATE_PARAM } from "../state.js";

/**
 * @typedef {Object} EmbedOptions
 * @property {"patch"|"pyramid"|"layer"} view
 * @property {number|null} layer  pyramid layer index >= 1, or null for the state's own
 * @property {number|null} map  0-based map, or null for the state's own
 * @property {"on"|"locked"|"hidden"} controls
 * @property {string|null} origin  a serialised http(s) origin, or null
 * @property {"light"|"dark"|null} theme  null: follow the reader's preference
 * @property {boolean} compact
 */

const MAX_LAYER = 64;
const MAX_MAP = 4096;

function intParam(value, lo, hi) {
  if (value === null || !/^\d{1,5}$/.test(value)) return null;
  const n = Number(value);
  return n >= lo && n <= hi ? n : null;
}

/**
 * The origin (`scheme://host[:port]`) of an http(s) URL, or null for anything else (other
 * schemes, opaque origins, garbage).
 * @param {string|null|undefined} text
 * @returns {string|null}
 */
export function originOf(text) {
  if (!text || typeof text !== "string") return null;
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * The embed options of a query string; unknown or out-of-range values fall back to defaults
 * (the URL is user input).
 * @param {string} search e.g. location.search
 * @returns {EmbedOptions}
 */
export function parseEmbedOptions(search) {
  const params = new URLSearchParams(search);
  const view = params.get("view");
  const controls = params.get("controls");
  return {
    view: EMBED.views.includes(view) ? view : EMBED.defaultView,
    layer: intParam(params.get("layer"), 1, MAX_LAYER),
    map: intParam(params.get("map"), 0, MAX_MAP),
    controls: EMBED.controls.includes(controls) ? controls : EMBED.defaultControls,
    origin: originOf(params.get("origin")),
    theme: EMBED.themes.includes(params.get("theme")) ? params.get("theme") : null,
    compact: params.get("compact") === "1",
  };
}

/**
 * The query string of an embed view: its options first (readable), the state last.
 * Defaults are left out (`controls=on`, no layer, no theme, not compact, no origin).
 * @param {{view: string, layer?: number|null, map?: number|null, controls?: string,
 *   theme?: string|null, compact?: boolean, origin?: string|null, state: string}} options
 *   `state` is the encoded state (encodeState)
 * @returns {string} "?view=...&s=..."
 */
export function embedSearch({ view, layer = null, map = null, controls = EMBED.defaultControls,
  theme = null, compact = false, origin = null, state }) {
  const params = new URLSearchParams();
  params.set("view", EMBED.views.includes(view) ? view : EMBED.defaultView);
  if (layer !== null && layer !== undefined) params.set("layer", String(layer));
  if (map !== null && map !== undefined) params.set("map", String(map));
  if (controls && controls !== EMBED.defaultControls) params.set("controls", controls);
  if (EMBED.themes.includes(theme)) params.set("theme", theme);
  if (compact) params.set("compact", "1");
  const target = originOf(origin);
  if (target) params.set("origin", target);
  params.set(STATE_PARAM, state);
  return `?${params.toString()}`;
}
