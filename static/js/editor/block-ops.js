/**
 * Pure edits of the layer stack: each takes a state and returns the next one. The classifier
 * (dense block) always stays on top.
 * @module editor/block-ops
 */

import { LIMITS } from "../config.js";
import { convBlock, denseBlock, fitPresets } from "../state.js";
import { blockLayout, fitBias, fitWeights } from "../request.js";

const isDense = (b) => b.type === "dense";

function withLayers(state, layers) {
  const last = blockLayout(layers).at(-1);
  const top = last ? (last.pool ?? last.conv) : 0;
  const selected = state.selected.layer > top ? { layer: top, map: 0 } : state.selected;
  return { ...state, layers, selected };
}

/** Count of API layers the blocks make (a pooling block makes two). */
export function apiLayerCount(layers) {
  return layers.reduce((n, b) => n + (b.type === "conv" && b.pool !== "none" ? 2 : 1), 0);
}

/**
 * Change fields of block `index`; keeps per-map presets and hand-typed weights the right size.
 * @param {object} state
 * @param {number} index
 * @param {object} patch
 */
export function setBlock(state, index, patch) {
  const layers = state.layers.map((b, i) => {
    if (i !== index) return b;
    const next = { ...b, ...patch };
    if (next.type === "conv") {
      next.presets = fitPresets(next.presets, next.maps);
      if (next.bias) next.bias = fitBias(next.bias, next.maps);
      if (next.weights) next.weights = next.weights.slice(0, next.maps);
    }
    return next;
  });
  if (apiLayerCount(layers) > LIMITS.maxApiLayers) return state;
  return withLayers(state, layers);
}

/** Insert a conv block below the classifier (twice the maps of the block before it). */
export function addBlock(state) {
  const convs = state.layers.filter((b) => !isDense(b));
  const prev = convs.at(-1);
  const block = convBlock({ maps: Math.min((prev?.maps ?? 4) * 2, LIMITS.maxMaps),
    stride: [1, 1], seed: convs.length + 10 });
  const at = state.layers.findIndex(isDense);
  const layers = [...state.layers];
  layers.splice(at < 0 ? layers.length : at, 0, block);
  if (apiLayerCount(layers) > LIMITS.maxApiLayers) return state;
  return withLayers(state, layers);
}

/** Remove block `index` (the last conv block stays: a pyramid needs one layer). */
export function removeBlock(state, index) {
  const layers = state.layers.filter((_, i) => i !== index);
  if (!layers.some((b) => !isDense(b))) return state;
  return withLayers(state, layers);
}

/**
 * Move block `index` by `delta` (-1 = down the pyramid, towards the input; +1 = up).
 * The classifier cannot move and nothing moves above it.
 */
export function moveBlock(state, index, delta) {
  const to = index + delta;
  const layers = [...state.layers];
  if (to < 0 || to >= layers.length || isDense(layers[index]) || isDense(layers[to])) return state;
  [layers[index], layers[to]] = [layers[to], layers[index]];
  return withLayers(state, layers);
}

/** Add the classifier on top, or remove it. */
export function toggleClassifier(state) {
  const has = state.layers.some(isDense);
  const layers = has ? state.layers.filter((b) => !isDense(b))
    : [...state.layers, denseBlock({ units: 10, seed: 3 })];
  return withLayers(state, layers);
}

/**
 * Type one weight (or the bias when `row` is null) of block `index`: the block's kernels become
 * hand-typed, starting from `base` (the weights the server resolved, or the block's own).
 * @param {object} state
 * @param {number} index
 * @param {{map: number, channel: number, row: number|null, col: number|null, value: number,
 *   base: {weights: number[][][][]|null, bias: number[]|null}, channels: number}} edit
 */
export function setWeight(state, index, { map, channel, row, col, value, base, channels }) {
  const block = state.layers[index];
  const shape = [block.maps, channels, block.kernel[0], block.kernel[1]];
  const weights = fitWeights(block.source === "custom" ? block.weights : base.weights, shape);
  const bias = fitBias(block.source === "custom" ? block.bias : base.bias, block.maps);
  if (row === null) bias[map] = value;
  else weights[map][channel][row][col] = value;
  return setBlock(state, index, { source: "custom", weights, bias });
}
