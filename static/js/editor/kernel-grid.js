/**
 * Type a kernel cell by cell: pick a feature map and an input channel, edit its kh × kw weights
 * and the map's bias. The first edit turns the block's kernels into hand-typed ones, starting
 * from the exact weights the server resolved for the preset or random recipe.
 * @module editor/kernel-grid
 */

import { formatFloat32, formatValue } from "../colormap.js";
import { h } from "../dom.js";
import { fitBias, fitWeights } from "../request.js";
import { field, select, syncValue } from "./controls.js";

const numberInput = (label, onValue) => {
  const el = h("input", { type: "number", step: "any", class: "weight", "aria-label": label });
  el.addEventListener("input", () => {
    const v = Number(el.value);
    if (el.value.trim() === "" || !Number.isFinite(v)) {
      el.setAttribute("aria-invalid", "true");
      return;
    }
    el.removeAttribute("aria-invalid");
    onValue(v);
  });
  return el;
};

/**
 * @param {{index: number, onEdit: (edit: {map: number, channel: number, row: number|null,
 *   col: number|null, value: number}) => void}} options `row` null = the bias
 * @returns {{el: HTMLElement, sync: (view: {block: object, channels: number,
 *   base: {weights: number[][][][], bias: number[]}|null}) => void}}
 */
export function kernelGrid({ index, onEdit }) {
  const id = (name) => `b${index}-${name}`;
  const pick = { map: 0, channel: 0 };
  const mapSelect = select({ options: [], value: "0", onChange: (v) => { pick.map = Number(v); redraw(); } });
  const channelSelect = select({ options: [], value: "0",
    onChange: (v) => { pick.channel = Number(v); redraw(); } });
  const caption = h("p", { class: "kernel-caption", id: id("grid-caption") });
  const grid = h("div", { class: "kernel-grid", role: "group", "aria-labelledby": caption.id });
  const bias = numberInput("Bias", (v) => onEdit({ ...pick, row: null, col: null, value: v }));
  const status = h("p", { class: "muted" });
  const body = h("div", { class: "kernel-body" },
    h("div", { class: "field-grid" },
      field({ id: id("edit-map"), label: "Map to edit", control: mapSelect }),
      field({ id: id("edit-channel"), label: "Input channel", control: channelSelect })),
    caption, grid,
    field({ id: id("bias"), label: "Bias", control: bias, hint: "added after summing the channels" }),
    status);
  const el = h("details", { class: "kernel-editor" },
    h("summary", { text: "Type the kernel weights by hand" }), body);
  const memo = { key: null, view: null, inputs: [] };

  function rebuild(block, channels) {
    const [kh, kw] = block.kernel;
    pick.map = Math.min(pick.map, block.maps - 1);
    pick.channel = Math.min(pick.channel, channels - 1);
    const names = channels === 3 ? ["red", "green", "blue"] : null;
    mapSelect.replaceChildren(...Array.from({ length: block.maps },
      (_, m) => h("option", { value: String(m), text: `map ${m + 1}` })));
    channelSelect.replaceChildren(...Array.from({ length: channels },
      (_, c) => h("option", { value: String(c), text: names ? `${c + 1} (${names[c]})` : `${c + 1}` })));
    mapSelect.value = String(pick.map);
    channelSelect.value = String(pick.channel);
    memo.inputs = [];
    grid.style.gridTemplateColumns = `repeat(${kw}, minmax(3.6rem, 1fr))`;
    grid.replaceChildren(...Array.from({ length: kh * kw }, (_, n) => {
      const r = Math.floor(n / kw);
      const c = n % kw;
      const input = numberInput(`Weight row ${r + 1}, column ${c + 1}`,
        (v) => onEdit({ ...pick, row: r, col: c, value: v }));
      input.id = id(`w${r}-${c}`);
      memo.inputs.push(input);
      return input;
    }));
  }

  function redraw() {
    const view = memo.view;
    if (!view) return;
    const { block, channels, base } = view;
    const shape = [block.maps, channels, block.kernel[0], block.kernel[1]];
    const source = block.source === "custom" ? { weights: block.weights, bias: block.bias } : base;
    const weights = source ? fitWeights(source.weights, shape) : null;
    const biases = source ? fitBias(source.bias, block.maps) : null;
    const g = weights?.[pick.map]?.[pick.channel];
    caption.textContent = `Kernel weights of map ${pick.map + 1} on input channel `
      + `${pick.channel + 1} (${block.kernel[0]} rows × ${block.kernel[1]} columns)`;
    // 4 significant digits fit the cells; the exact float32 is in the tooltip and in the state
    memo.inputs.forEach((input, n) => {
      const r = Math.floor(n / block.kernel[1]);
      const c = n % block.kernel[1];
      syncValue(input, g ? formatValue(g[r][c]) : "");
      input.title = g ? `exactly ${formatFloat32(g[r][c])}` : "";
    });
    syncValue(bias, biases ? formatValue(biases[pick.map]) : "");
    const split = block.source === "presets" && channels > 1
      ? ` A preset is shared by the ${channels} input channels: each gets the preset / ${channels}.`
      : "";
    status.textContent = (block.source === "custom"
      ? "Hand-typed: these numbers are sent to the server."
      : source ? "The weights the server resolved; typing one makes this layer hand-typed."
        : "Waiting for the server's weights; typing starts from zeros.") + split;
  }

  /** Show the weights of the picked map and channel. */
  function sync(view) {
    memo.view = view;
    const key = JSON.stringify([view.block.maps, view.channels, view.block.kernel]);
    if (key !== memo.key) {
      memo.key = key;
      rebuild(view.block, view.channels);
    }
    if (el.open) redraw();
  }
  el.addEventListener("toggle", redraw);

  return { el, sync };
}
