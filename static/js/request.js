/**
 * From the page's configuration to the /api/pyramid request (docs/api.md), and the mapping
 * between editor blocks and pyramid layers. Pure functions.
 * @module request
 */

import { DIGITS, FIXED_SIZE_PRESETS, PREVIEW_SIDE, POOLINGS } from "./config.js";
import { planStack } from "./conv-plan.js";
import { decodePad, isBlank, padRows } from "./digits/codec.js";
import { trainedFit } from "./digits/fit.js";

/** Size of a held-out digit and of the drawing pad: 28 x 28, one channel. */
const DIGIT_META = Object.freeze({ width: DIGITS.side, height: DIGITS.side, channels: 1 });

/** True for the images of the digits view that are not uploads: a held-out digit, the pad. */
export const isDigitImage = (image) => image?.digit !== undefined || image?.pixels !== undefined;

/**
 * Channels of the working image as the stack sees it.
 * @param {string} color "auto" | "rgb" | "grey"
 * @param {{channels: number}|null} meta
 */
export function inputChannels(color, meta) {
  if (color === "grey") return 1;
  if (color === "rgb") return 3;
  return meta?.channels === 1 ? 1 : 3;
}

/**
 * Size and channels of the configured image if known: an upload carries them, a sample is
 * looked up in `state.samples`, else the last pyramid's header if it is the same image.
 * @returns {{width: number, height: number, channels: number}|null}
 */
export function imageMetaOf(state) {
  const { image } = state;
  if (isDigitImage(image)) return DIGIT_META;
  if (image.id && image.width) return image;
  const sample = image.sample && (state.samples ?? []).find((s) => s.name === image.sample);
  if (sample?.width) return sample;
  const seen = state.pyramid?.header?.image;
  if (seen && (seen.id === image.id || (image.sample && seen.name === image.sample))) return seen;
  return null;
}

/** Shape (C, H, W) of the stack's input, or null if the image size is not known yet. */
export function inputShapeOf(state) {
  const meta = imageMetaOf(state);
  if (!meta) return null;
  return [inputChannels(state.color, meta), meta.height, meta.width];
}

/**
 * Copy `weights` into a zero array of `shape` (K, C, kh, kw), kernels centred, so hand-typed
 * cells survive a change of kernel size, maps or input channels.
 * @param {number[][][][]|null} weights
 * @param {[number, number, number, number]} shape
 * @returns {number[][][][]}
 */
export function fitWeights(weights, [k, c, kh, kw]) {
  const src = weights ?? [];
  return Array.from({ length: k }, (_, m) => Array.from({ length: c }, (_, ch) => {
    const g = src[m]?.[ch] ?? [];
    const gh = g.length;
    const gw = g[0]?.length ?? 0;
    const dy = Math.floor((gh - kh) / 2);
    const dx = Math.floor((gw - kw) / 2);
    return Array.from({ length: kh }, (_, y) => Array.from({ length: kw },
      (_, x) => g[y + dy]?.[x + dx] ?? 0));
  }));
}

/** Bias of length k, keeping what exists. */
export function fitBias(bias, k) {
  return Array.from({ length: k }, (_, i) => bias?.[i] ?? 0);
}

/**
 * Where each editor block lands in the pyramid.
 * @param {object[]} blocks state.layers
 * @returns {Array<{block: number, conv: number, pool: number|null}>} pyramid indices (1-based)
 *   of the block's main layer (`conv`, also used for dense) and its pooling layer
 */
export function blockLayout(blocks) {
  const out = [];
  let index = 1;
  blocks.forEach((b, block) => {
    const pool = b.type === "conv" && b.pool !== "none";
    out.push({ block, conv: index, pool: pool ? index + 1 : null });
    index += pool ? 2 : 1;
  });
  return out;
}

/** The block (0-based) and role ("conv"/"pool"/"dense"/"input") of pyramid layer `index`. */
export function blockOfLayer(blocks, index) {
  if (index === 0) return { block: -1, role: "input" };
  for (const entry of blockLayout(blocks)) {
    if (entry.conv === index) return { block: entry.block, role: blocks[entry.block].type };
    if (entry.pool === index) return { block: entry.block, role: "pool" };
  }
  return null;
}

/** The `{"model", "layer"}` recipe of a trained block. */
const trainedRecipe = (block) => ({ model: block.model, layer: block.trainedLayer });

function convWeights(block, channels) {
  if (block.source === "trained") return { weights: trainedRecipe(block) };
  if (block.source === "custom") {
    const shape = [block.maps, channels, block.kernel[0], block.kernel[1]];
    return { weights: fitWeights(block.weights, shape), bias: fitBias(block.bias, block.maps) };
  }
  if (block.source === "presets") {
    return { weights: { presets: block.presets.slice(0, block.maps), seed: block.seed } };
  }
  return { weights: { random: block.seed } };
}

function apiPadding(block) {
  return block.padding === "custom" ? [...block.pad] : block.padding;
}

/**
 * The API layers of a list of blocks on an input with `channels` channels.
 * @param {object[]} blocks
 * @param {number} channels
 * @returns {object[]}
 */
export function apiLayers(blocks, channels) {
  const layers = [];
  let c = channels;
  for (const b of blocks) {
    if (b.type === "dense") {
      layers.push({ type: "dense", units: b.units, activation: b.activation,
        weights: b.source === "trained" ? trainedRecipe(b) : { random: b.seed } });
      continue;
    }
    layers.push({ type: "conv", filters: b.maps, kernel_size: [...b.kernel],
      stride: [...b.stride], padding: apiPadding(b), dilation: [...b.dilation],
      activation: b.activation, ...convWeights(b, c) });
    const pool = POOLINGS.find((p) => p.id === b.pool);
    if (pool?.mode) {
      layers.push({ type: `${pool.mode}pool`, size: pool.size, stride: pool.stride });
    }
    c = b.maps;
  }
  return layers;
}

/**
 * The API's reference to an image: `{id}`, `{sample}`, `{digit}` or `{pixels: [[...]]}`.
 * @param {object} image state.image
 */
export function imageRef(image) {
  if (image.id) return { id: image.id };
  if (image.digit !== undefined) return { digit: image.digit };
  if (image.pixels !== undefined) return { pixels: padRows(decodePad(image.pixels) ?? []) };
  return { sample: image.sample };
}

/** True when the image is the drawing pad with nothing drawn on it (nothing to classify). */
export function isBlankPad(image) {
  if (image?.pixels === undefined) return false;
  const pixels = decodePad(image.pixels);
  return !pixels || isBlank(pixels);
}

/**
 * The /api/pyramid request of a state.
 * @param {object} state
 * @param {{preview?: number}} [options]
 * @returns {{image: object, color: string, layers: object[], preview: number}}
 */
export function buildPyramidRequest(state, { preview = PREVIEW_SIDE } = {}) {
  const meta = imageMetaOf(state);
  return { image: imageRef(state.image), color: state.color,
    layers: apiLayers(state.layers, inputChannels(state.color, meta)), preview };
}

/**
 * Check a state's stack before asking the server.
 * @returns {{geometries: object[], error: null|{layer: number, block: number, field: string,
 *   message: string}}} `error.layer` is the pyramid index (1-based), `error.block` the editor's
 */
export function checkState(state) {
  const presetError = presetProblem(state.layers);
  if (presetError) return { geometries: [], error: presetError };
  const shape = inputShapeOf(state);
  if (!shape) return { geometries: [], error: null };
  const request = buildPyramidRequest(state);
  const { geometries, error } = planStack(request.layers, shape);
  if (!error) {
    const fit = state.models ? trainedFit(state.layers, { models: state.models,
      inputShape: shape }) : null;
    return { geometries, error: fit };
  }
  const where = blockOfLayer(state.layers, error.layer + 1);
  return { geometries, error: { ...error, layer: error.layer + 1, block: where?.block ?? -1 } };
}

/**
 * A fixed-size preset (Sobel, Laplacian, ...) asked at another kernel size, as an error naming
 * the block and the map; null if none.
 * @param {object[]} blocks
 */
export function presetProblem(blocks) {
  const layout = blockLayout(blocks);
  for (const [b, block] of blocks.entries()) {
    if (block.type !== "conv" || block.source !== "presets") continue;
    if (block.kernel[0] === 3 && block.kernel[1] === 3) continue;
    const m = block.presets.slice(0, block.maps).findIndex((p) => FIXED_SIZE_PRESETS.includes(p));
    if (m >= 0) {
      return { layer: layout[b].conv, block: b, field: "weights",
        message: `the ${block.presets[m]} kernel of map ${m + 1} exists only as 3×3, not `
          + `${block.kernel[0]}×${block.kernel[1]}: pick kernel size 3×3, or another kernel `
          + "(identity, blurs, Gabor and random take any size)" };
    }
  }
  return null;
}

/** A stable cache key of a request, ignoring the preview size. */
export function requestKey(request) {
  const { preview, ...rest } = request;
  return JSON.stringify(rest);
}
