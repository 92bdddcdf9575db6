/**
 * The controls of one conv block: kernel size, feature maps, stride, padding (with the four
 * sides when custom), dilation, activation, pooling, and where the kernels come from. Options
 * that would empty the output are disabled and say so.
 * @module editor/conv-fields
 */

import {
  ACTIVATIONS, DILATIONS, FIXED_SIZE_PRESETS, KERNEL_SIZES, LIMITS, PADDING_MODES, POOLINGS,
  PRESETS, STRIDES,
} from "../config.js";
import { planStack } from "../conv-plan.js";
import { h, pairText } from "../dom.js";
import { apiLayers } from "../request.js";
import { field, integer, markOptions, select, syncValue } from "./controls.js";

const pairValue = (p) => `${p[0]}x${p[1]}`;
const parsePair = (v) => v.split("x").map(Number);
/** The activation select's labels, one per config.js ACTIVATIONS (tests/test_js_shared_lists.py). */
export const ACTIVATION_LABELS = { none: "none (linear)", relu: "ReLU", leaky_relu: "leaky ReLU (0.01)",
  sigmoid: "sigmoid", tanh: "tanh" };
const PADDING_LABELS = { valid: "valid", same: "same", full: "full", custom: "custom" };
const SOURCE_LABELS = [
  { value: "presets", label: "presets" },
  { value: "random", label: "random (He)" },
  { value: "custom", label: "hand-typed" },
  { value: "trained", label: "trained" },
];

function pairOptions(pairs, describe) {
  return pairs.map((p) => ({ value: pairValue(p), label: describe(p) }));
}

/** Why `block` would fail on an input of `inShape` (null when it works). */
export function blockProblem(block, inShape) {
  if (!inShape) return null;
  const layers = apiLayers([{ ...block, source: "random" }], inShape[0]);
  return planStack(layers, inShape).error?.message ?? null;
}

/**
 * Build the controls of conv block `index`.
 * @param {{index: number, block: object, onPatch: (patch: object) => void}} options
 * @returns {{el: HTMLElement, sync: (view: {block: object, inShape: number[]|null}) => void}}
 */
export function convFields({ index, block, onPatch }) {
  const id = (name) => `b${index}-${name}`;
  // the latest block and its resolved padding, for handlers that derive from them
  const state = { block, resolvedPad: null };
  const kernel = select({ options: pairOptions(KERNEL_SIZES, pairText), value: pairValue(block.kernel),
    onChange: (v) => onPatch({ kernel: parsePair(v) }) });
  const maps = integer({ min: 1, max: LIMITS.maxMaps, value: block.maps,
    onChange: (v) => onPatch({ maps: v }) });
  const stride = select({ options: pairOptions(STRIDES, (p) => (p[0] === p[1] ? String(p[0])
    : `${p[0]} down × ${p[1]} across`)), value: pairValue(block.stride),
  onChange: (v) => onPatch({ stride: parsePair(v) }) });
  const padding = select({ options: PADDING_MODES.map((m) => ({ value: m, label: PADDING_LABELS[m] })),
    value: block.padding,
    onChange: (v) => onPatch(v === "custom" && state.resolvedPad
      ? { padding: v, pad: [...state.resolvedPad] } : { padding: v }) });
  const sides = ["top", "bottom", "left", "right"].map((side, s) => integer({ min: 0,
    max: LIMITS.maxPadding, value: block.pad[s],
    onChange: (v) => onPatch({ pad: state.block.pad.map((p, i) => (i === s ? v : p)) }) }));
  const custom = h("fieldset", { class: "custom-pad", hidden: block.padding !== "custom" },
    h("legend", { text: "Zeros on each side" }),
    sides.map((el, s) => field({ id: id(`pad${s}`),
      label: `Pad ${["top", "bottom", "left", "right"][s]}`, control: el })));
  const dilation = select({ options: pairOptions(DILATIONS, (p) => String(p[0])),
    value: pairValue(block.dilation), onChange: (v) => onPatch({ dilation: parsePair(v) }) });
  const activation = select({ options: ACTIVATIONS.map((a) => ({ value: a, label: ACTIVATION_LABELS[a] })),
    value: block.activation, onChange: (v) => onPatch({ activation: v }) });
  const pool = select({ options: POOLINGS.map((p) => ({ value: p.id, label: p.label })),
    value: block.pool, onChange: (v) => onPatch({ pool: v }) });
  const source = select({ options: SOURCE_LABELS, value: block.source,
    onChange: (v) => onPatch({ source: v }) });
  const seed = integer({ min: 0, max: LIMITS.maxSeed, value: block.seed,
    onChange: (v) => onPatch({ seed: v }) });
  const seedField = field({ id: id("seed"), label: "Random seed", control: seed,
    hint: "same seed, same kernels" });
  const presetList = h("div", { class: "preset-list" });

  function buildPresets(b) {
    const options = [...PRESETS, "random"].map((p) => ({ value: p, label: p.replace(/_/g, " ") }));
    const rows = b.presets.slice(0, b.maps).map((name, m) => field({ id: id(`preset${m}`),
      label: `Map ${m + 1} kernel`, control: select({ options, value: name,
        onChange: (v) => onPatch({ presets: state.block.presets.map((p, i) => (i === m ? v : p)) }) }) }));
    presetList.replaceChildren(...rows);
    presetList.dataset.key = JSON.stringify([b.maps]);
  }
  buildPresets(block);

  const el = h("div", { class: "conv-fields" },
    h("div", { class: "field-grid" },
      field({ id: id("kernel"), label: "Kernel size", control: kernel, hint: "height × width" }),
      field({ id: id("maps"), label: "Feature maps", control: maps, hint: `kernels K, 1–${LIMITS.maxMaps}` }),
      field({ id: id("stride"), label: "Stride", control: stride, hint: "cells per step" }),
      field({ id: id("padding"), label: "Padding", control: padding, hint: "zeros around the input" }),
      field({ id: id("dilation"), label: "Dilation", control: dilation, hint: "spacing of the taps" }),
      field({ id: id("activation"), label: "Activation", control: activation, hint: "after the bias" }),
      field({ id: id("pool"), label: "Pooling", control: pool, hint: "adds a pooling layer" }),
      field({ id: id("source"), label: "Kernels", control: source, hint: "where the weights come from" })),
    custom,
    h("div", { class: "source-row" }, seedField),
    presetList);

  /**
   * Bring the controls in line with `view.block`; disable options that empty the output.
   * @param {{block: object, inShape: number[]|null, padding: number[]|null}} view `padding`
   *   is the block's resolved (top, bottom, left, right), when known
   */
  function sync({ block: b, inShape, padding: resolved }) {
    state.block = b;
    state.resolvedPad = resolved;
    syncValue(kernel, pairValue(b.kernel));
    syncValue(maps, b.maps);
    syncValue(stride, pairValue(b.stride));
    syncValue(padding, b.padding);
    b.pad.forEach((p, s) => syncValue(sides[s], p));
    syncValue(dilation, pairValue(b.dilation));
    syncValue(activation, b.activation);
    syncValue(pool, b.pool);
    syncValue(source, b.source);
    // "trained" only for a block that came from a trained network
    const trainedOption = source.querySelector('option[value="trained"]');
    if (trainedOption) {
      trainedOption.hidden = !b.model;
      trainedOption.disabled = !b.model;
      trainedOption.textContent = b.model ? `trained (${b.model})` : "trained";
    }
    syncValue(seed, b.seed);
    custom.hidden = b.padding !== "custom";
    seedField.hidden = !(b.source === "random"
      || (b.source === "presets" && b.presets.slice(0, b.maps).includes("random")));
    presetList.hidden = b.source !== "presets";
    if (b.source === "presets" && presetList.dataset.key !== JSON.stringify([b.maps])) buildPresets(b);
    if (b.source === "presets") {
      presetList.querySelectorAll("select").forEach((s, m) => {
        syncValue(s, b.presets[m]);
        markOptions(s, (v) => (FIXED_SIZE_PRESETS.includes(v) && (b.kernel[0] !== 3 || b.kernel[1] !== 3)
          ? "exists only as 3×3" : null));
      });
    }
    const why = (patch) => blockProblem({ ...b, ...patch }, inShape);
    markOptions(kernel, (v) => why({ kernel: parsePair(v) }));
    markOptions(dilation, (v) => why({ dilation: parsePair(v) }));
    markOptions(padding, (v) => why({ padding: v }));
    markOptions(pool, (v) => why({ pool: v }));
    markOptions(stride, (v) => why({ stride: parsePair(v) }));
  }

  return { el, sync };
}
