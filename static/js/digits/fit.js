/**
 * Does the trained network still fit the stack? After an edit (maps, stride, padding, kernel
 * size, pooling, a layer added or removed) a block whose weights are the trained recipe may
 * receive another shape than the one it was trained on. This says so, in the student's words,
 * before anything is sent (the server answers the same case with a 422, shown if it
 * disagrees). Shapes come from conv-plan.js `planStack` (the one copy of the formulas).
 * Pure functions.
 * @module digits/fit
 */

import { planStack } from "../conv-plan.js";
import { apiLayers, blockOfLayer } from "../request.js";
import { blocksFromModel } from "./model.js";

const count = (n) => n.toLocaleString("en-US");
/** "7×7×16" (height × width × depth, as the lecture writes a stack of maps). */
export const hwdText = ([d, hh, w]) => `${hh}×${w}×${d}`;

/**
 * The weight shapes of a trained network's layers, from its own plan.
 * @param {{layers: object[], input_shape: number[]}} model
 * @returns {Map<number, {type: "conv"|"dense", maps: number, channels: number,
 *   kernel: number[], inShape: number[]}>} by layer index
 */
export function trainedShapes(model) {
  const { geometries } = planStack(model.layers, model.input_shape);
  const out = new Map();
  geometries.forEach((geo, i) => {
    if (geo.type !== "conv" && geo.type !== "dense") return;
    out.set(i, { type: geo.type, maps: geo.shape[0], channels: geo.in_shape[0],
      kernel: geo.kernel, inShape: geo.in_shape });
  });
  return out;
}

const POOL_WORDS = { none: "no pooling", max2: "max pooling 2×2", avg2: "average pooling 2×2",
  max3: "max pooling 3×3", avg3: "average pooling 3×3" };

function fieldChanges(block, was) {
  const pair = (p) => (p[0] === p[1] ? String(p[0]) : `${p[0]}×${p[1]}`);
  const out = [];
  if (String(block.kernel) !== String(was.kernel)) out.push(`kernel ${block.kernel.join("×")}`);
  if (block.maps !== was.maps) out.push(`${block.maps} maps`);
  if (String(block.stride) !== String(was.stride)) out.push(`stride ${pair(block.stride)}`);
  if (block.padding !== was.padding || (block.padding === "custom"
    && String(block.pad) !== String(was.pad))) {
    out.push(block.padding === "custom" ? `padding ${block.pad.join("/")}`
      : `${block.padding} padding`);
  }
  if (String(block.dilation) !== String(was.dilation)) out.push(`dilation ${pair(block.dilation)}`);
  if (block.pool !== was.pool) out.push(POOL_WORDS[block.pool] ?? block.pool);
  return out;
}

/**
 * What changed below block `upTo` compared with the trained network, e.g. "stride 2 in
 * layer 1"; null when nothing did.
 * @param {object[]} blocks
 * @param {object[]} trainedBlocks
 * @param {number} upTo
 */
export function changeCause(blocks, trainedBlocks, upTo) {
  const convs = blocks.slice(0, upTo).filter((b) => b.type === "conv").length;
  const wasConvs = trainedBlocks.filter((b) => b.type === "conv").length;
  for (let i = 0; i < upTo; i += 1) {
    const b = blocks[i];
    const was = b && trainedBlocks.find((t) => t.trainedLayer === b.trainedLayer
      && b.trainedLayer !== undefined) || trainedBlocks[i];
    if (!b || b.type !== "conv" || !was || was.type !== "conv") continue;
    const changes = fieldChanges(b, was);
    if (changes.length) return `${changes.join(", ")} in layer ${i + 1}`;
  }
  if (upTo === blocks.length - 1 && convs !== wasConvs) {
    return convs > wasConvs ? "adding a layer" : "removing a layer";
  }
  return null;
}

function problemFor({ shape, trained, geo, index, cause }) {
  const where = `layer ${index}`;
  if (trained.type !== geo.type) {
    return `${where} is a ${geo.type} layer; the trained layer it names is ${trained.type}`;
  }
  if (trained.type === "dense") {
    const n = geo.in_shape.reduce((a, b) => a * b, 1);
    const want = trained.inShape.reduce((a, b) => a * b, 1);
    if (n === want && geo.shape[0] === trained.maps) return null;
    if (n !== want) {
      return `${cause ?? "the layers below"} ${cause ? "gives" : "give"} the classifier `
        + `${hwdText(geo.in_shape)} = ${count(n)} inputs; it was trained on `
        + `${hwdText(trained.inShape)} = ${count(want)}`;
    }
    return `the classifier has ${geo.shape[0]} outputs; it was trained with ${trained.maps}`;
  }
  if (shape.maps !== trained.maps) {
    return `${where} asks for ${shape.maps} maps; its trained kernels are ${trained.maps}`;
  }
  if (String(geo.kernel) !== String(trained.kernel)) {
    return `${where} has ${geo.kernel.join("×")} kernels; its trained kernels are `
      + `${trained.kernel.join("×")}`;
  }
  if (geo.in_shape[0] !== trained.channels) {
    const c = geo.in_shape[0];
    const channels = `${c} input channel${c === 1 ? "" : "s"}`;
    if (index === 1) {
      return `${where} now reads the image's ${channels}; its trained kernels read `
        + `${trained.channels}`;
    }
    return `${cause ?? "the layers below"} ${cause ? "gives" : "give"} ${where} ${channels}; `
      + `its trained kernels read ${trained.channels}`;
  }
  return null;
}

/**
 * The first block whose trained weights no longer fit the stack, or null.
 * @param {object[]} blocks state.layers
 * @param {{models: object[], inputShape: number[]}} options `models` = `GET /api/models`
 * @returns {null|{layer: number, block: number, field: "weights", kind: "fit",
 *   message: string}} `layer` is the pyramid index (1-based), `block` the editor's
 */
export function trainedFit(blocks, { models, inputShape }) {
  if (!blocks.some((b) => b.source === "trained")) return null;
  const layers = apiLayers(blocks, inputShape[0]);
  const { geometries } = planStack(layers, inputShape);
  const cache = new Map();
  for (const [i, layer] of layers.entries()) {
    const recipe = layer.weights;
    const geo = geometries[i];
    if (!geo || !recipe || typeof recipe.model !== "string") continue;
    const model = (models ?? []).find((m) => m.name === recipe.model);
    if (!model) continue; // not known yet: the server judges
    if (!cache.has(model.name)) {
      cache.set(model.name, { shapes: trainedShapes(model), blocks: blocksFromModel(model) });
    }
    const { shapes, blocks: trainedBlocks } = cache.get(model.name);
    const trained = shapes.get(recipe.layer);
    const at = blockOfLayer(blocks, i + 1);
    const block = at?.block ?? -1;
    const cause = changeCause(blocks, trainedBlocks, block);
    const message = trained ? problemFor({ shape: { maps: layer.filters ?? layer.units },
      trained, geo, index: block + 1, cause }) : `${model.name} has no trained layer ${recipe.layer}`;
    if (message) return { layer: i + 1, block, field: "weights", kind: "fit", message };
  }
  return null;
}
