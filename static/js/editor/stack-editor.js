/**
 * The layer stack editor: one fieldset per block, named "Layer 1", "Layer 2", ...; add, remove
 * and reorder with buttons or Alt+Arrow keys; the classifier on top can be added or removed.
 * Controls are rebuilt only when the list of blocks changes; otherwise values are synced in
 * place, so typing never loses focus.
 * @module editor/stack-editor
 */

import { LIMITS } from "../config.js";
import { h, setText, shapeText } from "../dom.js";
import { blockLayout, imageMetaOf, inputChannels, inputShapeOf } from "../request.js";
import {
  addBlock, apiLayerCount, moveBlock, removeBlock, setBlock, setWeight, toggleClassifier,
} from "./block-ops.js";
import { field, integer, select, syncValue } from "./controls.js";
import { convFields } from "./conv-fields.js";
import { kernelGrid } from "./kernel-grid.js";

function denseFields({ index, block, onPatch }) {
  const id = (name) => `b${index}-${name}`;
  const units = integer({ min: 1, max: LIMITS.maxUnits, value: block.units,
    onChange: (v) => onPatch({ units: v }) });
  const seed = integer({ min: 0, max: LIMITS.maxSeed, value: block.seed,
    onChange: (v) => onPatch({ seed: v }) });
  const activation = select({ options: [["none", "none (scores)"], ["sigmoid", "sigmoid"],
    ["relu", "ReLU"], ["tanh", "tanh"]].map(([value, label]) => ({ value, label })),
  value: block.activation, onChange: (v) => onPatch({ activation: v }) });
  const source = select({ options: [{ value: "random", label: "random (untrained)" },
    { value: "trained", label: `trained (${block.model ?? "none"})` }],
  value: block.source ?? "random", onChange: (v) => onPatch({ source: v }) });
  const sourceField = field({ id: id("dsource"), label: "Weights", control: source,
    hint: "random weights give meaningless scores" });
  const seedField = field({ id: id("dseed"), label: "Random seed", control: seed });
  const el = h("div", { class: "field-grid" },
    field({ id: id("units"), label: "Units", control: units, hint: "outputs (classes)" }),
    sourceField, seedField,
    field({ id: id("dactivation"), label: "Activation", control: activation }));
  return { el, sync: ({ block: b }) => {
    syncValue(units, b.units);
    syncValue(seed, b.seed);
    syncValue(activation, b.activation);
    syncValue(source, b.source ?? "random");
    sourceField.hidden = !b.model;
    seedField.hidden = b.source === "trained";
  } };
}

/**
 * @param {HTMLElement} root
 * @param {{store: object, only?: (state: object) => number|null, tools?: boolean}} deps
 *   `only(state)` names the one block to show (null: all); `tools: false` leaves out adding,
 *   removing and moving layers (the embed view pins the stack's structure)
 * @returns {{sync: (view: {state: object, check: object}) => void}}
 */
export function createStackEditor(root, { store, only = () => null, tools = true }) {
  const list = h("ol", { class: "blocks" });
  const addButton = h("button", { type: "button", text: "Add a conv layer",
    on: { click: () => store.update(addBlock) } });
  const classifierButton = h("button", { type: "button",
    on: { click: () => store.update(toggleClassifier) } });
  root.replaceChildren(list, ...(tools ? [h("div", { class: "stack-tools" }, addButton,
    classifierButton), h("p", { class: "muted hint", text: "Alt+↑ / Alt+↓ inside a layer "
      + "moves it; the page redraws as you change anything." })] : []));
  const memo = { key: null, blocks: [] };

  // a change selects the layer it was made in, so its formula is in view
  const focusLayer = (s, index) => {
    const at = blockLayout(s.layers)[index];
    if (!at || s.selected.layer === at.conv || s.selected.layer === at.pool) return s;
    return { ...s, selected: { layer: at.conv, map: 0 } };
  };
  const patch = (index) => (p) => store.update((s) => focusLayer(setBlock(s, index, p), index));
  const move = (index, delta) => {
    store.update((s) => moveBlock(s, index, delta));
    requestAnimationFrame(() => document.getElementById(`block-${index + delta}`)
      ?.querySelector(delta < 0 ? ".move-up" : ".move-down")?.focus());
  };

  function build(state) {
    const count = state.layers.length;
    memo.blocks = state.layers.map((block, index) => {
      const dense = block.type === "dense";
      const name = `Layer ${index + 1}`;
      const fields = dense ? denseFields({ index, block, onPatch: patch(index) })
        : convFields({ index, block, onPatch: patch(index) });
      const grid = dense ? null : kernelGrid({ index, onEdit: (edit) => {
        const view = memo.blocks[index].view;
        store.update((s) => setWeight(s, index, { ...edit, base: view.base ?? {},
          channels: view.channels }));
      } });
      const desc = h("p", { class: "block-shape", id: `block-${index}-desc` });
      const error = h("p", { class: "block-error", role: "alert", hidden: true });
      const blockTools = tools && h("div", { class: "block-tools" },
        dense ? null : h("button", { type: "button", class: "move-up", text: "↑",
          "aria-label": `Move ${name} up (earlier)`, disabled: index === 0,
          on: { click: () => move(index, -1) } }),
        dense ? null : h("button", { type: "button", class: "move-down", text: "↓",
          "aria-label": `Move ${name} down (later)`,
          disabled: index === count - 1 || state.layers[index + 1]?.type === "dense",
          on: { click: () => move(index, 1) } }),
        h("button", { type: "button", class: "remove", text: "✕",
          "aria-label": `Remove ${name}`,
          on: { click: () => store.update((s) => (dense ? toggleClassifier(s) : removeBlock(s, index))) } }));
      const legend = h("legend", { text: name });
      const el = h("fieldset", { class: `block${dense ? " dense" : ""}`, id: `block-${index}`,
        "aria-describedby": desc.id }, legend,
      h("div", { class: "block-head" }, desc, blockTools),
      fields.el, grid?.el, error);
      el.addEventListener("keydown", (ev) => {
        if (!ev.altKey || dense || !tools) return;
        if (ev.key === "ArrowUp") { ev.preventDefault(); move(index, -1); }
        if (ev.key === "ArrowDown") { ev.preventDefault(); move(index, 1); }
      });
      el.addEventListener("focusin", () => store.update((s) => focusLayer(s, index)));
      return { el, item: h("li", {}, el), fields, grid, desc, error, view: {} };
    });
    list.replaceChildren(...memo.blocks.map((b) => b.item));
  }

  /**
   * @param {{state: object, check: {geometries: object[], error: object|null}}} view
   */
  function sync({ state, check }) {
    const key = JSON.stringify(state.layers.map((b) => b.type));
    if (key !== memo.key) {
      const focused = document.activeElement?.id;
      build(state);
      memo.key = key;
      if (focused) document.getElementById(focused)?.focus();
    }
    const layout = blockLayout(state.layers);
    const header = state.pyramid?.header;
    let channels = inputChannels(state.color, imageMetaOf(state));
    state.layers.forEach((block, index) => {
      const b = memo.blocks[index];
      const at = layout[index];
      const geo = check.geometries[at.conv - 1];
      const pooled = at.pool ? check.geometries[at.pool - 1] : null;
      const hl = header?.layers?.[at.conv];
      const base = hl?.type === "conv" && hl.weights?.length === block.maps
        && hl.weights[0]?.length === channels ? { weights: hl.weights, bias: hl.bias } : null;
      b.view = { block, channels, base };
      const inShape = at.conv === 1 ? inputShapeOf(state) : check.geometries[at.conv - 2]?.shape;
      b.fields.sync({ block, inShape: inShape ?? null, padding: geo?.padding ?? null });
      b.grid?.sync(b.view);
      const out = pooled ?? geo;
      const kind = block.type === "dense" ? "classifier" : "conv";
      setText(b.desc, out ? `${kind}: ${shapeText(geo.in_shape)} → `
        + `${pooled ? `${shapeText(geo.shape)} → ` : ""}${shapeText(out.shape)}`
        : `${kind}: shape unknown until the layers below work`);
      const err = check.error && check.error.block === index ? check.error : null;
      b.error.hidden = !err;
      setText(b.error, err ? `This setting cannot work: ${err.message}` : "");
      b.el.classList.toggle("invalid", Boolean(err));
      b.el.classList.toggle("selected", state.selected.layer === at.conv
        || state.selected.layer === at.pool);
      if (block.type === "conv") channels = block.maps;
    });
    const convCount = state.layers.filter((b) => b.type === "conv").length;
    const shown = only(state);
    memo.blocks.forEach((b, index) => {
      const remove = b.el.querySelector(".remove");
      if (remove && state.layers[index].type === "conv") remove.disabled = convCount < 2;
      b.item.hidden = shown !== null && index !== shown;
    });
    const hasDense = state.layers.some((b) => b.type === "dense");
    setText(classifierButton, hasDense ? "Remove the classifier" : "Add a classifier on top");
    addButton.disabled = apiLayerCount(state.layers) >= LIMITS.maxApiLayers;
  }

  return { sync };
}
