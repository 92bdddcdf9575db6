/**
 * Request bodies of the export endpoints (docs/api.md, "Exports") built from what the page
 * shows: the drawn pyramid's request plus the layer, map and options. Pure functions.
 * @module exports/bodies
 */

import { EXPORTS } from "../config.js";

/** The /api/pyramid request without its preview size (exports ignore it). */
function stackOf(request) {
  const { preview, ...rest } = request;
  return rest;
}

/**
 * The PNG enlargement for maps of `[height, width]` cells: each cell becomes scale x scale
 * pixels so the longer side reaches `EXPORTS.pngMinSidePx` (whole cells, never blurred).
 * @param {[number, number]} shape
 * @returns {number} 1..EXPORTS.pngMaxScale
 */
export function pngScale([height, width]) {
  const side = Math.max(height, width, 1);
  return Math.min(Math.max(Math.ceil(EXPORTS.pngMinSidePx / side), 1), EXPORTS.pngMaxScale);
}

/**
 * Body of `/api/export/png` or `/api/export/npy`: one map, or the whole layer.
 * @param {object} request the drawn pyramid's request (request.js buildPyramidRequest)
 * @param {{layer: number, map?: number|null, shape: [number, number, number],
 *   colormap?: string, sharedRange?: boolean}} options `shape` is the layer's (K, H, W);
 *   the input (layer 0) is never coloured diverging: its pixels are 0..1, drawn grey
 * @returns {object}
 */
export function mapExportBody(request, { layer, map = null, shape, colormap = "diverging",
  sharedRange = false }) {
  const [, h, w] = shape;
  const body = { ...stackOf(request), layer,
    colormap: layer === 0 && colormap === "diverging" ? "grey" : colormap,
    scale: pngScale([h, w]), shared_range: Boolean(sharedRange) };
  if (map !== null && map !== undefined) body.map = map;
  return body;
}

/** Steps a GIF "from here" shows (every one of them: the server's default frame cap). */
export const GIF_RANGE_STEPS = 120;

/**
 * The GIF's frame duration for the page's speed (steps per second): one step per frame,
 * within what GIF viewers honour (20 ms, 50 steps/s at most) and the server's 5 s.
 * @param {number} speed
 * @returns {number} ms
 */
export function gifFrameMs(speed) {
  const ms = Math.round(1000 / (Number(speed) > 0 ? Number(speed) : 1));
  return Math.min(Math.max(ms, 20), 5000);
}

/**
 * Body of `/api/export/gif`: the sliding window of the animated layer filling its map, in
 * the page's colours and at its speed, over the chosen range.
 * @param {object} request the drawn pyramid's request
 * @param {{layer: number, map: number, step?: number, speed?: number,
 *   region?: number[]}} anim the patch panel's animation state
 * @param {{range?: "region"|"from"|"whole", count?: number, arithmetic?: boolean,
 *   weights?: boolean}} [options] `range`: the region's cells, GIF_RANGE_STEPS steps from
 *   the current one, or the whole map (sampled when big); `count` the map's steps
 * @returns {object}
 */
export function gifExportBody(request, { layer, map, step = 0, speed = 1, region = null },
  { range = "whole", count = 0, arithmetic = false, weights = false } = {}) {
  const body = { ...stackOf(request), layer, map, colormap: "page", frame_ms: gifFrameMs(speed) };
  if (range === "region" && region) body.region = region.slice();
  if (range === "from") {
    body.start = step;
    body.end = Math.max(Math.min(step + GIF_RANGE_STEPS - 1, count - 1), step);
  }
  if (arithmetic) body.arithmetic = true;
  if (weights) body.weights = true;
  return body;
}

/**
 * Body of `/api/export/gif/grid`: grid mode's `/api/convolve` body plus the GIF options.
 * @param {{input: Array, layers: object[]}} convolveBody grid/model.js convolveRequest
 * @returns {object}
 */
export function gridGifExportBody(convolveBody) {
  return { ...convolveBody, layer: 1, map: 0 };
}

/**
 * The file name of a `Content-Disposition` header, or `fallback`.
 * @param {string|null} header e.g. `attachment; filename="convscope-layer1-map0.png"`
 * @param {string} fallback
 * @returns {string} a plain name (no path separators, no quotes)
 */
export function filenameFrom(header, fallback) {
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(header ?? "");
  let name = m ? m[1] : "";
  try {
    name = decodeURIComponent(name);
  } catch {
    // not percent-encoded: keep as is
  }
  // control characters are exactly what this removes from a file name
  // eslint-disable-next-line no-control-regex
  name = name.replace(/[\\/\0-\x1f"]/g, "_").trim();
  return name && !/^\.+$/.test(name) ? name : fallback;
}

/** "12 kB", "1.4 MB": the size of a download, for the status line. */
export function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
