/**
 * The trained network as the page's layer blocks, and the configuration of the digits view.
 * `GET /api/models` lists each network's layers as API layer specs whose weights are the
 * `{"model": NAME, "layer": i}` recipe; the page turns them into editor blocks (a conv layer
 * and the pooling after it make one block) with `source: "trained"`, `model` and
 * `trainedLayer` = i. Pure functions.
 * @module digits/model
 */

import { DIGITS, POOLINGS } from "../config.js";
import { toPair } from "../conv-math.js";
import { DEFAULT_SPEED } from "../patch/config.js";
import { convBlock, denseBlock } from "../state.js";

const POOL_TYPES = { maxpool: "max", avgpool: "avg" };

function paddingOf(spec) {
  if (typeof spec === "string") return { padding: spec };
  if (Number.isInteger(spec)) return { padding: "custom", pad: [spec, spec, spec, spec] };
  if (Array.isArray(spec) && spec.length === 2) {
    return { padding: "custom", pad: [spec[0], spec[0], spec[1], spec[1]] };
  }
  if (Array.isArray(spec) && spec.length === 4) return { padding: "custom", pad: [...spec] };
  return { padding: "valid" };
}

/**
 * The editor blocks of a trained network.
 * @param {{name: string, layers: object[]}} model an entry of `GET /api/models`
 * @returns {object[]} conv and dense blocks with `source: "trained"`
 * @throws {Error} when a layer has no block form (the contract says it always has)
 */
export function blocksFromModel(model) {
  const blocks = [];
  model.layers.forEach((layer, i) => {
    const trained = { source: "trained", model: model.name, trainedLayer: i };
    if (layer.type === "conv") {
      blocks.push(convBlock({ kernel: toPair(layer.kernel_size ?? 3), maps: layer.filters,
        stride: toPair(layer.stride ?? 1), ...paddingOf(layer.padding ?? "valid"),
        dilation: toPair(layer.dilation ?? 1), activation: layer.activation ?? "none",
        pool: "none", ...trained }));
    } else if (POOL_TYPES[layer.type]) {
      const [size] = toPair(layer.size ?? 2);
      const [stride] = toPair(layer.stride ?? size);
      const pool = POOLINGS.find((p) => p.mode === POOL_TYPES[layer.type] && p.size === size
        && p.stride === stride);
      const last = blocks.at(-1);
      if (!pool || last?.type !== "conv" || last.pool !== "none") {
        throw new Error(`layer ${i} of ${model.name} (${layer.type}) has no editor block`);
      }
      last.pool = pool.id;
    } else if (layer.type === "dense") {
      blocks.push(denseBlock({ units: layer.units, activation: layer.activation ?? "none",
        ...trained }));
    } else {
      throw new Error(`layer ${i} of ${model.name} (${layer.type}) has no editor block`);
    }
  });
  return blocks;
}

/**
 * The configuration of the digits view: the trained network on a held-out digit (or the
 * given image), layer 1's first map selected and ready to animate.
 * @param {{name: string, layers: object[]}} model
 * @param {{image?: object}} [options] default: held-out digit 0
 */
export function digitsConfig(model, { image = { digit: 0 } } = {}) {
  return {
    mode: "digits",
    image,
    color: "grey",
    layers: blocksFromModel(model),
    selected: { layer: 1, map: 0 },
    scale: "map",
    anim: { layer: 1, map: 0, step: 0, flip: 0, speed: DEFAULT_SPEED, playing: 0 },
    grid: null,
  };
}

/** The model an entry of `state.models` names (default: the digits network). */
export function findModel(models, name = DIGITS.model) {
  return (models ?? []).find((m) => m.name === name) ?? null;
}
