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

/**
 * Body of `/api/export/gif`: the sliding window of the animated layer filling its map.
 * @param {object} request the drawn pyramid's request
 * @param {{layer: number, map: number}} anim the patch panel's animation state
 * @returns {object}
 */
export function gifExportBody(request, { layer, map }) {
  return { ...stackOf(request), layer, map };
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
  name = name.replace(/[\\/\0-\x1f"]/g, "_").trim();
  return name && !/^\.+$/.test(name) ? name : fallback;
}

/** "12 kB", "1.4 MB": the size of a download, for the status line. */
export function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
