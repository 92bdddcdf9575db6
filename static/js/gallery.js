/**
 * Which gallery image the page opens on (#15 §6): a teacher's own folder
 * (`CONVSCOPE_SAMPLES_DIR`) may not hold the default sample, and then the page opens on the
 * folder's first image instead of an error. The server writes the gallery's names into
 * `<meta name="convscope-samples">` (templates/base.html), on the page and the embed view.
 * @module gallery
 */

import { DEFAULT_SAMPLE } from "./config.js";

/**
 * The gallery's sample names, in order; null when the page does not say (then nothing is
 * changed).
 * @param {Document|undefined} doc
 * @returns {string[]|null}
 */
export function galleryNames(doc) {
  const content = doc?.querySelector?.('meta[name="convscope-samples"]')?.getAttribute("content");
  if (!content) return null;
  try {
    const names = JSON.parse(content);
    return Array.isArray(names) ? names.filter((n) => typeof n === "string") : null;
  } catch {
    return null;
  }
}

/**
 * `config` with the default sample replaced by the gallery's first image when the gallery
 * lacks it. A sample a link names explicitly is left alone (the server's message then says
 * which samples exist): only the page's own default is swapped.
 * @param {import("./state.js").Config} config
 * @param {string[]|null} names
 * @returns {import("./state.js").Config}
 */
export function withGallerySample(config, names) {
  const sample = config.image?.sample;
  if (!names?.length || sample !== DEFAULT_SAMPLE || names.includes(sample)) return config;
  return { ...config, image: { sample: names[0] } };
}
