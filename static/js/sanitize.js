/**
 * The URL is user input: every field of a configuration read from it (or from
 * localStorage) is checked and clamped to what the editor offers, and unknown or broken
 * fields fall back to defaults. Pure functions.
 * @module sanitize
 */

import { ACTIVATIONS, DEFAULT_SAMPLE, LIMITS, PADDING_MODES, POOLINGS, PRESETS } from "./config.js";
import { MAX_PAD_TEXT } from "./digits/codec.js";
import { convBlock, defaultConfig, denseBlock } from "./state.js";
import { blocksFromApiLayers, checkNothingChanged, isApiLayerList } from "./state-layers.js";

const isInt = (v) => Number.isInteger(v);
const clampInt = (v, lo, hi, fallback) => (isInt(v) ? Math.min(Math.max(v, lo), hi) : fallback);
const pairOf = (v, lo, hi, fallback) => (Array.isArray(v) && v.length === 2
  ? [clampInt(v[0], lo, hi, fallback[0]), clampInt(v[1], lo, hi, fallback[1])] : fallback);
const oneOf = (v, allowed, fallback) => (allowed.includes(v) ? v : fallback);
const isNumberArray = (v, depth) => (depth === 0 ? typeof v === "number" && Number.isFinite(v)
  : Array.isArray(v) && v.length > 0 && v.every((x) => isNumberArray(x, depth - 1)));

function sanitizeConv(raw) {
  const d = convBlock();
  const maps = clampInt(raw.maps, 1, LIMITS.maxMaps, d.maps);
  const trained = trainedOf(raw);
  const source = oneOf(raw.source, ["presets", "random", "custom", ...(trained ? ["trained"] : [])],
    "random");
  // a block copied from a trained layer remembers it, so "trained" can be picked again
  const custom = source === "custom" && isNumberArray(raw.weights, 4);
  return convBlock({
    kernel: pairOf(raw.kernel, 1, LIMITS.maxKernel, d.kernel),
    maps,
    stride: pairOf(raw.stride, 1, LIMITS.maxStride, d.stride),
    padding: oneOf(raw.padding, PADDING_MODES, d.padding),
    pad: Array.isArray(raw.pad) && raw.pad.length === 4
      ? raw.pad.map((p) => clampInt(p, 0, LIMITS.maxPadding, 0)) : d.pad,
    dilation: pairOf(raw.dilation, 1, LIMITS.maxDilation, d.dilation),
    activation: oneOf(raw.activation, ACTIVATIONS, d.activation),
    pool: oneOf(raw.pool, POOLINGS.map((p) => p.id), "none"),
    source: source === "custom" && !custom ? "random" : source,
    presets: Array.isArray(raw.presets)
      ? raw.presets.map((p) => oneOf(p, [...PRESETS, "random"], "random")) : [],
    seed: clampInt(raw.seed, 0, LIMITS.maxSeed, 0),
    weights: custom ? raw.weights : null,
    bias: custom && isNumberArray(raw.bias, 1) ? raw.bias : null,
    ...(trained ?? {}),
  });
}

/** `{model, trainedLayer}` of a block that names a trained layer validly, else null (the
 * block's source may be another: a trained block edited by hand keeps where it came from). */
function trainedOf(raw) {
  if (typeof raw?.model !== "string"
    || !/^[a-z0-9_-]{1,40}$/.test(raw.model) || !isInt(raw.trainedLayer)
    || raw.trainedLayer < 0 || raw.trainedLayer > 64) return null;
  return { model: raw.model, trainedLayer: raw.trainedLayer };
}

function sanitizeBlock(raw) {
  if (raw?.type === "dense") {
    const trained = trainedOf(raw);
    return denseBlock({ units: clampInt(raw.units, 1, LIMITS.maxUnits, 10),
      seed: clampInt(raw.seed, 0, LIMITS.maxSeed, 0),
      activation: oneOf(raw.activation, ACTIVATIONS, "none"),
      ...(trained ? { source: raw.source === "trained" ? "trained" : "random", ...trained }
        : {}) });
  }
  return sanitizeConv(raw ?? {});
}

function sanitizeImage(raw) {
  // any gallery file name (spaces, accents, ...); control characters and slashes never are
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (typeof raw?.sample === "string" && /^[^\u0000-\u001f\u007f/\\]{1,100}$/u.test(raw.sample)) {
    return { sample: raw.sample };
  }
  if (typeof raw?.id === "string" && /^[0-9a-f]{16,128}$/.test(raw.id)) {
    return { id: raw.id, name: String(raw.name ?? "upload").slice(0, 200),
      width: clampInt(raw.width, 1, 1e5, 0), height: clampInt(raw.height, 1, 1e5, 0),
      channels: clampInt(raw.channels, 1, 4, 3),
      ...(raw.prepared === "digit" ? { prepared: "digit" } : {}) };
  }
  if (isInt(raw?.digit) && raw.digit >= 0 && raw.digit < 100000) return { digit: raw.digit };
  if (typeof raw?.pixels === "string" && raw.pixels.length <= MAX_PAD_TEXT
    && /^[0-9a-z]*$/.test(raw.pixels)) return { pixels: raw.pixels };
  return { sample: DEFAULT_SAMPLE };
}

/**
 * A configuration with every field checked and clamped to what the editor offers; unknown or
 * broken fields fall back to defaults (the URL is user input).
 * @param {object} raw
 * @returns {Config}
 */
export function sanitizeConfig(raw) {
  if (!raw || typeof raw !== "object") return defaultConfig();
  const d = defaultConfig();
  // layers written as the API writes them become blocks, or the state is refused (throws)
  const fromApi = isApiLayerList(raw.layers) ? blocksFromApiLayers(raw.layers) : null;
  const rawLayers = fromApi ?? raw.layers;
  const layers = Array.isArray(rawLayers) ? rawLayers.slice(0, LIMITS.maxApiLayers)
    .map(sanitizeBlock) : d.layers;
  // a dense block only at the top
  const denseAt = layers.findIndex((b) => b.type === "dense");
  const cleanLayers = denseAt >= 0 ? layers.slice(0, denseAt + 1) : layers;
  if (fromApi) checkNothingChanged(fromApi, cleanLayers);
  const sel = raw.selected ?? {};
  const image = sanitizeImage(raw.image);
  const digitImage = image.digit !== undefined || image.pixels !== undefined;
  return {
    // written only for the digits view (state.js configOf): absent = the photos
    ...(raw.mode === "digits" || digitImage ? { mode: "digits" } : {}),
    image,
    color: oneOf(raw.color, ["auto", "rgb", "grey"], "auto"),
    layers: cleanLayers,
    selected: { layer: clampInt(sel.layer, 0, 64, 1), map: clampInt(sel.map, 0, 4096, 0) },
    scale: oneOf(raw.scale, ["map", "layer"], "map"),
    anim: raw.anim && typeof raw.anim === "object" ? raw.anim : null,
    grid: raw.grid && typeof raw.grid === "object" ? raw.grid : null,
  };
}
