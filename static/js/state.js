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

import { DEFAULT_SAMPLE } from "./config.js";
import { DEFAULT_SPEED } from "./patch/config.js";
import { sanitizeConfig } from "./sanitize.js";
import { UnreadableState } from "./state-layers.js";

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
 * @property {"presets"|"random"|"custom"|"trained"} source  where the kernels come from
 *   ("trained": the weights and bias of layer `trainedLayer` of the trained network `model`)
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
 * @property {"random"|"trained"} [source]  "trained": layer `trainedLayer` of network `model`
 *
 * @typedef {Object} Anim  owned by the patch panel; round-tripped as is
 * @property {number} layer  pyramid layer index (1..N) of the animated conv layer
 * @property {number} map
 * @property {number} step  position of the window in raster order
 * @property {boolean} flip  true = show the mathematical convolution (flipped kernel)
 * @property {number} speed
 *
 * @typedef {Object} Config
 * @property {"photos"|"digits"} [mode]  the photo gallery (absent), or the trained digit
 *   network
 * @property {{sample: string}|{digit: number}|{pixels: string}|{id: string, name: string,
 *   width: number, height: number, channels: number, prepared?: "digit"}} image  `digit` =
 *   a held-out digit of the trained network; `pixels` = the drawing pad (digits/codec.js)
 * @property {"auto"|"rgb"|"grey"} color
 * @property {Array<ConvBlock|DenseBlock>} layers
 * @property {{layer: number, map: number}} selected  pyramid layer (0 = input) and map
 * @property {"map"|"layer"} scale  colour range per map or per layer
 * @property {Anim|null} anim
 * @property {object|null} grid  owned by the grid mode; round-tripped as is
 */

/** Keys of the state that are configuration (URL + localStorage). */
export const CONFIG_KEYS = Object.freeze(["mode", "image", "color", "layers", "selected",
  "scale", "anim", "grid"]);

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

/**
 * The configuration part of a state. `mode` is written only for the digits view, so a
 * photo view's link is the same as before the digits view existed.
 * @returns {Config}
 */
export function configOf(state) {
  return Object.fromEntries(CONFIG_KEYS.filter((k) => k !== "mode" || state.mode === "digits")
    .map((k) => [k, state[k] ?? null]));
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

export { sanitizeConfig } from "./sanitize.js";
