/**
 * One layer format for the page state and the API (#15 §5): a state (`?s=` or saved) whose
 * `layers` are written as the HTTP API writes them (`{"type": "conv", "filters": 8,
 * "kernel_size": 3, "weights": {"random": 7}}`, separate `maxpool` and `relu` layers, ...)
 * is turned into the page's blocks where the two map exactly, and refused, naming what
 * could not be read, where they do not. Never a silent substitution: a field the page would
 * have to change (clamp, drop, round) is a refusal too.
 *
 * The API layers are those of docs/api.md ("Layers"); the page blocks those of state.js.
 * The notebook helper (app/notebook.py) writes API layers into `s=` and relies on this module.
 * @module state-layers
 */

import { ACTIVATIONS, LIMITS, POOLINGS, PRESETS } from "./config.js";

/** A state the page cannot show as written; `message` says what and where. */
export class UnreadableState extends Error {
  /** @param {string[]} problems one sentence per problem */
  constructor(problems) {
    super(problems.join("; "));
    this.name = "UnreadableState";
    this.problems = problems;
  }
}

const API_ONLY_TYPES = ["relu", "leaky_relu", "sigmoid", "tanh", "none", "maxpool", "avgpool"];
const API_CONV_KEYS = ["filters", "kernel_size"];
const DEFAULT_LEAKY_SLOPE = 0.01;

/**
 * Whether a layer list is written in the API's format rather than as page blocks.
 * @param {unknown} layers
 * @returns {boolean}
 */
export function isApiLayerList(layers) {
  if (!Array.isArray(layers)) return false;
  return layers.some((l) => {
    if (!l || typeof l !== "object") return false;
    if (API_ONLY_TYPES.includes(l.type)) return true;
    if (l.type === "conv") {
      // a bare {"type": "conv"} reads the same either way: the page's (legacy) reading wins
      return API_CONV_KEYS.some((k) => k in l) || isRecipe(l.weights)
        || (Array.isArray(l.weights) && !("source" in l))
        || ["stride", "dilation"].some((k) => isInt(l[k]))
        || isInt(l.padding) || Array.isArray(l.padding);
    }
    return l.type === "dense" && ("weights" in l || "bias" in l) && !("seed" in l);
  });
}

const isRecipe = (w) => !!w && typeof w === "object" && !Array.isArray(w);
const isInt = (v) => Number.isInteger(v);
const depthOf = (v) => (Array.isArray(v) ? 1 + depthOf(v[0]) : 0);

/** An int or [a, b] as a pair of ints within 1..max; null (and a problem) otherwise. */
function pairOf(value, fallback, { name, where, max, problems }) {
  const v = value ?? fallback;
  const pair = isInt(v) ? [v, v] : v;
  if (Array.isArray(pair) && pair.length === 2 && pair.every((x) => isInt(x) && x >= 1 && x <= max)) {
    return pair;
  }
  problems.push(`${where}: ${name} ${JSON.stringify(value)} is not a whole number (or pair) `
    + `from 1 to ${max}`);
  return null;
}

function paddingOf(value, where, problems) {
  const v = value ?? "valid";
  if (["valid", "same", "full"].includes(v)) return { padding: v };
  const ok = (x) => isInt(x) && x >= 0 && x <= LIMITS.maxPadding;
  let pad = null;
  if (ok(v)) pad = [v, v, v, v];
  else if (Array.isArray(v) && v.length === 2 && v.every(ok)) pad = [v[0], v[0], v[1], v[1]];
  else if (Array.isArray(v) && v.length === 4 && v.every(ok)) pad = [...v];
  if (pad) return { padding: "custom", pad };
  problems.push(`${where}: padding ${JSON.stringify(value)} is not "valid", "same", "full" or `
    + `0..${LIMITS.maxPadding} cells (an int, [ph, pw] or [top, bottom, left, right])`);
  return {};
}

function activationOf(value, where, problems) {
  const v = value ?? "none";
  if (ACTIVATIONS.includes(v)) return v;
  problems.push(`${where}: activation ${JSON.stringify(value)} is not one of ${ACTIVATIONS.join(", ")}`);
  return "none";
}

function countOf(value, fallback, { name, where, max, problems }) {
  const v = value ?? fallback;
  if (isInt(v) && v >= 1 && v <= max) return v;
  problems.push(`${where}: ${name} ${JSON.stringify(value)} is not a whole number from 1 to `
    + `${max} (the page's limit)`);
  return fallback;
}

function convWeightsOf(layer, where, problems) {
  const w = layer.weights ?? { random: 0 };
  const filters = layer.filters ?? 1;
  const kernel = pairOf(layer.kernel_size, 3, { name: "kernel_size", where, max: LIMITS.maxKernel,
    problems });
  if (Array.isArray(w)) {
    const four = depthOf(w) === 2 ? [[w]] : w;
    if (depthOf(four) !== 4) {
      problems.push(`${where}: weights must be K x C x kh x kw (or one kh x kw kernel)`);
      return {};
    }
    const [k, kh, kw] = [four.length, four[0][0].length, four[0][0][0].length];
    return { source: "custom", weights: four, bias: layer.bias ?? null, maps: k, kernel: [kh, kw] };
  }
  if (layer.bias !== undefined && layer.bias !== null) {
    problems.push(`${where}: a bias next to recipe weights has no place in the page `
      + "(write the weights as an array, or leave the bias out)");
  }
  if (isInt(w.random) && Object.keys(w).length === 1) {
    return { source: "random", seed: w.random, maps: filters, kernel };
  }
  if (typeof w.preset === "string" && Object.keys(w).length === 1 && PRESETS.includes(w.preset)) {
    return { source: "presets", presets: Array(filters).fill(w.preset), maps: filters, kernel };
  }
  if (Array.isArray(w.presets) && w.presets.length > 0
      && w.presets.every((p) => p === "random" || PRESETS.includes(p))) {
    if (w.presets.length !== filters) { // as the API: one preset per map, filters default 1
      problems.push(`${where}: ${w.presets.length} presets given for ${filters} feature maps `
        + `(set "filters": ${w.presets.length})`);
    }
    return { source: "presets", presets: [...w.presets], seed: w.seed ?? 0,
      maps: w.presets.length, kernel };
  }
  if (typeof w.model === "string" && isInt(w.layer)) {
    return { source: "trained", model: w.model, trainedLayer: w.layer, maps: filters, kernel };
  }
  problems.push(`${where}: weights ${JSON.stringify(w).slice(0, 80)} are not an array, `
    + '{"random": SEED}, {"preset": NAME} or {"presets": [...], "seed": S}');
  return {};
}

function convBlockOf(layer, where, problems) {
  const block = { type: "conv", ...convWeightsOf(layer, where, problems) };
  block.maps = countOf(block.maps, 1, { name: "filters", where, max: LIMITS.maxMaps, problems });
  block.stride = pairOf(layer.stride, 1, { name: "stride", where, max: LIMITS.maxStride, problems });
  block.dilation = pairOf(layer.dilation, 1, { name: "dilation", where, max: LIMITS.maxDilation,
    problems });
  Object.assign(block, paddingOf(layer.padding, where, problems));
  block.activation = activationOf(layer.activation, where, problems);
  block.pool = "none";
  return block;
}

function denseBlockOf(layer, where, problems) {
  const w = layer.weights ?? { random: 0 };
  const block = { type: "dense",
    units: countOf(layer.units, 10, { name: "units", where, max: LIMITS.maxUnits, problems }),
    activation: activationOf(layer.activation, where, problems) };
  if (layer.bias !== undefined && layer.bias !== null) {
    problems.push(`${where}: the page's classifier draws its bias; a given bias cannot be shown`);
  }
  if (isRecipe(w) && isInt(w.random)) return { ...block, seed: w.random };
  if (isRecipe(w) && typeof w.model === "string" && isInt(w.layer)) {
    return { ...block, source: "trained", model: w.model, trainedLayer: w.layer };
  }
  problems.push(`${where}: the page's classifier takes {"random": SEED} weights, not `
    + `${Array.isArray(w) ? "an array" : JSON.stringify(w).slice(0, 60)}`);
  return block;
}

function poolIdOf(layer, where, previous, problems) {
  const size = layer.size ?? 2;
  const stride = layer.stride ?? size;
  const mode = layer.type.replace("pool", "");
  const match = POOLINGS.find((p) => p.mode === mode && p.size === size && p.stride === stride);
  const padded = layer.padding !== undefined && layer.padding !== "valid" && layer.padding !== 0;
  if (!previous || previous.type !== "conv" || previous.pool !== "none") {
    problems.push(`${where}: a ${layer.type} layer must follow a conv layer in the page`);
  } else if (!match || padded) {
    const offered = POOLINGS.filter((p) => p.mode).map((p) => p.label).join(" / ");
    problems.push(`${where}: ${layer.type} size ${JSON.stringify(size)} stride `
      + `${JSON.stringify(stride)}${padded ? " with padding" : ""} is not one the page offers `
      + `(${offered})`);
  } else {
    previous.pool = match.id;
  }
}

function mergeActivation(layer, where, previous, problems) {
  const slope = layer.slope ?? DEFAULT_LEAKY_SLOPE;
  if (layer.type === "none") return;
  if (layer.type === "leaky_relu" && slope !== DEFAULT_LEAKY_SLOPE) {
    problems.push(`${where}: leaky_relu slope ${slope}: the page uses ${DEFAULT_LEAKY_SLOPE} only`);
  } else if (previous?.type === "conv" && previous.pool === "none"
             && previous.activation === "none") {
    previous.activation = layer.type; // conv, then the activation: the same as a fused one
  } else {
    problems.push(`${where}: a separate ${layer.type} layer must directly follow a conv layer `
      + "without its own activation or pooling");
  }
}

/**
 * Page blocks (raw, for state.js to sanitise) of a layer list in the API's format.
 * @param {object[]} layers API layers (docs/api.md)
 * @returns {object[]} blocks
 * @throws {UnreadableState} naming every layer the page cannot show exactly
 */
export function blocksFromApiLayers(layers) {
  const problems = [];
  const blocks = [];
  layers.forEach((layer, i) => {
    const where = `layer ${i + 1} (${String(layer?.type ?? "no type").slice(0, 20)})`;
    const previous = blocks.at(-1);
    if (previous?.type === "dense") {
      problems.push(`${where}: the page has nothing above the dense classifier`);
    } else if (layer?.type === "conv") {
      blocks.push(convBlockOf(layer, where, problems));
    } else if (layer?.type === "dense") {
      blocks.push(denseBlockOf(layer, where, problems));
    } else if (layer?.type === "maxpool" || layer?.type === "avgpool") {
      poolIdOf(layer, where, previous, problems);
    } else if (ACTIVATIONS.includes(layer?.type) || layer?.type === "leaky_relu") {
      mergeActivation(layer, where, previous, problems);
    } else {
      problems.push(`${where}: not a layer type (conv, dense, maxpool, avgpool or an activation)`);
    }
  });
  if (blocks.length > LIMITS.maxApiLayers) {
    problems.push(`${blocks.length} blocks: the page shows at most ${LIMITS.maxApiLayers}`);
  }
  if (problems.length) throw new UnreadableState(problems);
  return blocks;
}

const CHECKED = ["maps", "kernel", "stride", "dilation", "padding", "pad", "activation", "pool",
  "source", "seed", "units", "presets", "model", "trainedLayer"];

/**
 * Refuse, naming the fields, if sanitising changed a converted block (a preset the page does
 * not know, a source it cannot draw yet, ...): the page must show what the state says.
 * @param {object[]} converted blocks from {@link blocksFromApiLayers}
 * @param {object[]} sanitized the same blocks after state.js sanitised them
 * @throws {UnreadableState}
 */
export function checkNothingChanged(converted, sanitized) {
  const problems = [];
  converted.forEach((block, i) => {
    const got = sanitized[i] ?? {};
    for (const key of CHECKED) {
      if (!(key in block)) continue;
      if (key === "pad" && block.padding !== "custom") continue;
      if (JSON.stringify(block[key]) !== JSON.stringify(got[key])) {
        problems.push(`block ${i + 1}: ${key} ${JSON.stringify(block[key]).slice(0, 60)} cannot `
          + "be shown by this page");
      }
    }
  });
  if (problems.length) throw new UnreadableState(problems);
}
