/**
 * The page's store and the state <-> URL serialisation.
 *
 * State = the configuration (what the URL holds: image, colour mode, layer blocks, selection,
 * colour-scale mode, and the opaque `anim` / `grid` sub-objects owned by the patch panel and
 * the grid mode) + data derived from it (the decoded pyramid, status, hover). Only the
 * configuration keys in {@link CONFIG_KEYS} go to the URL and to localStorage.
 *
 * Store API (used by main.js, the patch panel and the grid mode):
 * - `store.getState()` -> the current state object (treat it as immutable);
 * - `store.setState(patch)` shallow-merges `patch` into the state;
 * - `store.update(fn)` replaces the state by `fn(state)`;
 * - `store.subscribe(fn)` calls `fn(state, previous)` after every change; returns unsubscribe.
 *
 * `state.pyramid` holds the last decoded /api/pyramid response ({header, data, request, ...},
 * see api.js `decodePyramid`); `buildPyramidRequest(state)` (request.js) builds the request.
 * @module state
 */

import { DEFAULT_SAMPLE, LIMITS, PADDING_MODES, ACTIVATIONS, POOLINGS, PRESETS } from "./config.js";
import { DEFAULT_SPEED } from "./patch/config.js";
import { UnreadableState, blocksFromApiLayers, checkNothingChanged, isApiLayerList }
  from "./state-layers.js";

/**
 * @typedef {Object} ConvBlock  a conv layer, optionally followed by a pooling layer
 * @property {"conv"} type
 * @property {[number, number]} kernel  (kh, kw)
 * @property {number} maps  feature maps K
 * @property {[number, number]} stride
 * @property {"valid"|"same"|"full"|"custom"} padding
 * @property {[number, number, number, number]} pad  (top, bottom, left, right) when "custom"
 * @property {[number, number]} dilation
 * @property {string} activation
 * @property {string} pool  an id of config.POOLINGS ("none", "max2", ...)
 * @property {"presets"|"random"|"custom"} source  where the kernels come from
 * @property {string[]} presets  one preset name (or "random") per map, when source = presets
 * @property {number} seed  seed of random kernels
 * @property {number[][][][]|null} weights  hand-typed K x C x kh x kw, when source = custom
 * @property {number[]|null} bias  hand-typed [K], when source = custom
 *
 * @typedef {Object} DenseBlock  the classifier on top: flatten + dense
 * @property {"dense"} type
 * @property {number} units
 * @property {number} seed
 * @property {string} activation
 *
 * @typedef {Object} Anim  owned by the patch panel; round-tripped as is
 * @property {number} layer  pyramid layer index (1..N) of the animated conv layer
 * @property {number} map
 * @property {number} step  position of the window in raster order
 * @property {boolean} flip  true = show the mathematical convolution (flipped kernel)
 * @property {number} speed
 *
 * @typedef {Object} Config
 * @property {{sample: string}|{id: string, name: string, width: number, height: number,
 *   channels: number}} image
 * @property {"auto"|"rgb"|"grey"} color
 * @property {Array<ConvBlock|DenseBlock>} layers
 * @property {{layer: number, map: number}} selected  pyramid layer (0 = input) and map
 * @property {"map"|"layer"} scale  colour range per map or per layer
 * @property {Anim|null} anim
 * @property {object|null} grid  owned by the grid mode; round-tripped as is
 */

/** Keys of the state that are configuration (URL + localStorage). */
export const CONFIG_KEYS = Object.freeze(["image", "color", "layers", "selected", "scale",
  "anim", "grid"]);

/** Name of the query parameter that carries the state. */
export const STATE_PARAM = "s";

/** A conv block with the editor's defaults, overridden by `options`. @returns {ConvBlock} */
export function convBlock(options = {}) {
  const block = { type: "conv", kernel: [3, 3], maps: 4, stride: [1, 1], padding: "same",
    pad: [1, 1, 1, 1], dilation: [1, 1], activation: "relu", pool: "none", source: "random",
    presets: [], seed: 0, weights: null, bias: null, ...options };
  return { ...block, presets: fitPresets(block.presets, block.maps) };
}

/** A dense classifier block. @returns {DenseBlock} */
export function denseBlock(options = {}) {
  return { type: "dense", units: 10, seed: 0, activation: "none", ...options };
}

/** Per-map preset list of length `maps` (new maps draw random kernels). */
export function fitPresets(presets, maps) {
  return Array.from({ length: maps }, (_, i) => presets[i] ?? "random");
}

/**
 * The configuration the page opens on: astronaut through three conv layers + a classifier,
 * the first layer's first map (Sobel x) selected and ready to animate, paused at step 0.
 */
export function defaultConfig() {
  return {
    image: { sample: DEFAULT_SAMPLE },
    color: "auto",
    layers: [
      convBlock({ maps: 4, source: "presets",
        presets: ["sobel_x", "sobel_y", "laplacian", "gaussian_blur"], seed: 0 }),
      convBlock({ maps: 8, stride: [2, 2], seed: 1 }),
      convBlock({ maps: 16, stride: [2, 2], seed: 2, pool: "max2" }),
      denseBlock({ units: 10, seed: 3 }),
    ],
    selected: { layer: 1, map: 0 },
    scale: "map",
    anim: { layer: 1, map: 0, step: 0, flip: 0, speed: DEFAULT_SPEED, playing: 0 },
    grid: null,
  };
}

/**
 * A store: one state object, replaced (never mutated) on every change.
 * @param {object} initial
 * @returns {{getState: () => object, setState: (patch: object) => void,
 *   update: (fn: (s: object) => object) => void,
 *   subscribe: (fn: (s: object, prev: object) => void) => () => void}}
 */
export function createStore(initial) {
  let state = initial;
  const listeners = new Set();
  const commit = (next) => {
    if (next === state) return;
    const previous = state;
    state = next;
    for (const fn of [...listeners]) fn(state, previous);
  };
  return {
    getState: () => state,
    setState: (patch) => commit({ ...state, ...patch }),
    update: (fn) => commit(fn(state)),
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

/** The configuration part of a state. @returns {Config} */
export function configOf(state) {
  return Object.fromEntries(CONFIG_KEYS.map((k) => [k, state[k] ?? null]));
}

function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The configuration as a JSON string (stable key order). */
export function serializeConfig(state) {
  return JSON.stringify(configOf(state));
}

/**
 * The configuration as a URL query string value: base64url of its JSON.
 * @param {object} state
 * @returns {string}
 */
export function encodeState(state) {
  return toBase64Url(serializeConfig(state));
}

/**
 * Merge the state into an existing query string, keeping parameters that are not ours (the
 * embed view's options, for instance).
 * @param {string} search e.g. location.search
 * @param {object} state
 * @returns {string} "?..." query string
 */
export function stateToSearch(search, state) {
  const params = new URLSearchParams(search);
  params.set(STATE_PARAM, encodeState(state));
  return `?${params.toString()}`;
}

/**
 * The configuration held by a query string, sanitised; null if it holds none or garbage.
 * @param {string} search
 * @returns {Config|null}
 */
export function searchToConfig(search) {
  return readSearch(search).config;
}

/**
 * Like {@link searchToConfig}, and why a state present in the URL could not be read:
 * `problem` is null when there is no state or it was read, else a sentence for the visitor
 * (API-style layers the page cannot show exactly, see state-layers.js, or an unreadable value).
 * @param {string} search
 * @returns {{config: Config|null, problem: string|null}}
 */
export function readSearch(search) {
  const value = new URLSearchParams(search).get(STATE_PARAM);
  if (!value) return { config: null, problem: null };
  try {
    return { config: sanitizeConfig(JSON.parse(fromBase64Url(value))), problem: null };
  } catch (err) {
    const problem = err instanceof UnreadableState ? `its layers cannot be shown exactly: ${
      err.message}` : "it is not base64url-encoded JSON";
    return { config: null, problem };
  }
}

/** Parse a JSON configuration (localStorage), sanitised; null on garbage. */
export function parseConfig(text) {
  try {
    return text ? sanitizeConfig(JSON.parse(text)) : null;
  } catch {
    return null;
  }
}

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
  const source = oneOf(raw.source, ["presets", "random", "custom"], "random");
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
  });
}

function sanitizeBlock(raw) {
  if (raw?.type === "dense") {
    return denseBlock({ units: clampInt(raw.units, 1, LIMITS.maxUnits, 10),
      seed: clampInt(raw.seed, 0, LIMITS.maxSeed, 0),
      activation: oneOf(raw.activation, ACTIVATIONS, "none") });
  }
  return sanitizeConv(raw ?? {});
}

function sanitizeImage(raw) {
  // any gallery file name (spaces, accents, ...); control characters and slashes never are
  if (typeof raw?.sample === "string" && /^[^\u0000-\u001f\u007f/\\]{1,100}$/u.test(raw.sample)) {
    return { sample: raw.sample };
  }
  if (typeof raw?.id === "string" && /^[0-9a-f]{16,128}$/.test(raw.id)) {
    return { id: raw.id, name: String(raw.name ?? "upload").slice(0, 200),
      width: clampInt(raw.width, 1, 1e5, 0), height: clampInt(raw.height, 1, 1e5, 0),
      channels: clampInt(raw.channels, 1, 4, 3) };
  }
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
  return {
    image: sanitizeImage(raw.image),
    color: oneOf(raw.color, ["auto", "rgb", "grey"], "auto"),
    layers: cleanLayers,
    selected: { layer: clampInt(sel.layer, 0, 64, 1), map: clampInt(sel.map, 0, 4096, 0) },
    scale: oneOf(raw.scale, ["map", "layer"], "map"),
    anim: raw.anim && typeof raw.anim === "object" ? raw.anim : null,
    grid: raw.grid && typeof raw.grid === "object" ? raw.grid : null,
  };
}
