/**
 * The `<iframe>` snippet the Embed dialog writes for a course page, and the small host-side
 * script that grows the iframe to its content (docs/embedding.md). Pure functions: strings
 * in, a string out, every attribute value escaped.
 * @module embed/snippet
 */

import { EMBED } from "../config.js";
import { embedSearch } from "./options.js";

/** Escape text for a double-quoted HTML attribute or for element content. */
export function escapeHtml(text) {
  return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/**
 * A width or height as an iframe attribute: a whole number of px, or "100%".
 * @param {string|number} value
 * @param {{min: number, max: number, fallback: number, percent?: boolean}} bounds
 * @returns {string}
 */
export function sizeAttr(value, { min, max, fallback, percent = false }) {
  if (percent && String(value).trim() === "100%") return "100%";
  const n = Math.round(Number(value));
  return String(Number.isFinite(n) && n > 0 ? Math.min(Math.max(n, min), max) : fallback);
}

/**
 * The iframe height that fits a piece at a width: the measured height at 900 px, or at
 * 390 px when the width asked is a number of px narrower than EMBED.narrowBelowPx ("100%"
 * counts as wide: the host script grows the frame anyway).
 * @param {string} view
 * @param {string|number} width "100%" or px
 * @returns {number}
 */
export function defaultHeight(view, width) {
  const known = EMBED.sizes[view] ? view : "pyramid";
  const px = Number(String(width).trim());
  const narrow = Number.isFinite(px) && px > 0 && px < EMBED.narrowBelowPx;
  return narrow ? EMBED.narrowHeights[known] : EMBED.sizes[known][1];
}

/**
 * The absolute URL of an embed view.
 * @param {{base: string, view: string, layer?: number|null, map?: number|null,
 *   controls?: string, origin?: string|null, state: string}} options `base` is the app's
 *   origin (location.origin), `state` the encoded state (state.js encodeState)
 * @returns {string}
 */
export function embedUrl({ base, ...options }) {
  return new URL(`${EMBED.path}${embedSearch(options)}`, base).href;
}

/**
 * The `<iframe>` element for an embed URL.
 * @param {{url: string, title: string, width?: string|number, height?: string|number}} options
 *   `width` "100%" or px; `height` px (the starting height: the host script grows it)
 * @returns {string}
 */
export function iframeSnippet({ url, title, width = "100%", height = EMBED.sizes.pyramid[1] }) {
  const w = sizeAttr(width, { min: EMBED.minWidthPx, max: EMBED.maxWidthPx,
    fallback: EMBED.sizes.pyramid[0], percent: true });
  const h = sizeAttr(height, { min: EMBED.minHeightPx, max: EMBED.maxHeightPx,
    fallback: EMBED.sizes.pyramid[1] });
  return `<iframe class="${EMBED.iframeClass}" src="${escapeHtml(url)}" title="${
    escapeHtml(title)}" width="${w}" height="${h}" style="border: 0; max-width: 100%;" `
    + `loading="lazy"></iframe>`;
}

/**
 * The host page's script: grow each Convscope iframe to the height it reports, accepting
 * messages from the Convscope server's origin only.
 * @param {{appOrigin: string}} options e.g. "https://convscope.example.org"
 * @returns {string}
 */
export function hostScript({ appOrigin }) {
  return `<script>
  // Grow Convscope iframes to fit their content (docs/embedding.md).
  window.addEventListener("message", (event) => {
    if (event.origin !== ${JSON.stringify(appOrigin).replace(/</g, "\\u003c")}) return;
    const data = event.data || {};
    if (data.type !== "convscope:height") return;
    for (const frame of document.querySelectorAll("iframe.${EMBED.iframeClass}")) {
      if (frame.contentWindow === event.source) frame.style.height = data.height + "px";
    }
  });
</script>`;
}

/**
 * The whole snippet: the iframe, then (optionally) the host script.
 * @param {{url: string, title: string, width?: string|number, height?: string|number,
 *   appOrigin: string, withScript?: boolean}} options
 * @returns {string}
 */
export function embedSnippet({ withScript = true, appOrigin, ...frame }) {
  const iframe = iframeSnippet(frame);
  return withScript ? `${iframe}\n${hostScript({ appOrigin })}` : iframe;
}

/**
 * A title for the iframe (its accessible name) saying which piece it shows.
 * @param {{view: string, layerName?: string, map?: number|null}} options
 * @returns {string}
 */
export function embedTitle({ view, layerName = "", map = null }) {
  const mapText = map === null || map === undefined ? "" : `, map ${map + 1}`;
  if (view === "patch") {
    return `Convscope: the sliding patch of ${layerName || "a layer"}${mapText}`;
  }
  if (view === "layer") return `Convscope: the feature maps of ${layerName || "one layer"}`;
  if (view === "grid") return "Convscope: grid mode, a kernel sliding over a small grid";
  return "Convscope: every feature map of every layer";
}
