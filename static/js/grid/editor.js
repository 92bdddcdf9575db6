/**
 * Grid mode's controls: sizes, stride, padding (valid / same / full / custom per side),
 * dilation, bias, presets, and the cells of the input and the kernel typed one by one.
 * Every control has a visible label; the editor never holds state of its own: it renders a
 * grid and reports edits as a new grid through `onChange`.
 */

import { GRID_LIMITS } from "../patch/config.js";
import { INPUT_PRESETS, KERNEL_PRESETS, inputPreset, kernelPreset, normaliseGrid,
  resizeGrid, gridPadding } from "./model.js";

const number = (id, label, value, { min, max, step = 1 }) => `
  <span class="grid-field"><label for="${id}">${label}</label>
  <input id="${id}" type="number" min="${min}" max="${max}" step="${step}" value="${value}"
    data-field="${id.split("-").slice(1).join("-")}"></span>`;

const options = (entries, selected) => Object.entries(entries).map(([value, label]) =>
  `<option value="${value}"${value === selected ? " selected" : ""}>${label}</option>`).join("");

const cellTable = ({ role, rows, cols, values, offset, label }) => `
  <table class="grid-cells" data-role="${role}">
    <tbody>${Array.from({ length: rows }, (_, y) => `<tr>${Array.from({ length: cols },
      (_, x) => `<td><input type="number" step="any" value="${values[offset + y * cols + x]}"
        data-index="${offset + y * cols + x}"
        aria-label="${label}, row ${y + 1}, column ${x + 1}"></td>`).join("")}</tr>`).join("")}
    </tbody>
  </table>`;

/**
 * Create the editor: geometry controls in `controls`, the typed cells in `cells`.
 *
 * @param {{controls: HTMLElement, cells: HTMLElement}} containers
 * @param {{onChange: (grid: object) => void, onShownChannel: (c: number) => void}} options
 * @returns {{render: (grid: object, view: {shown: number}) => void, destroy: () => void}}
 */
export function createGridEditor({ controls, cells }, { onChange, onShownChannel }) {
  const containers = [controls, cells];
  const within = (node) => containers.some((c) => c.contains(node));
  const all = (selector) => containers.flatMap((c) => [...c.querySelectorAll(selector)]);
  const one = (selector) => all(selector)[0] ?? null;
  let grid = null;
  let seed = 1;
  let structure = "";
  const L = GRID_LIMITS;

  /** Update values in place (keeps focus while tabbing through cells). */
  function refresh(next) {
    const pad = gridPadding(next);
    const fields = { h: next.h, w: next.w, c: next.c, kh: next.kh, kw: next.kw, sh: next.s[0],
      sw: next.s[1], dh: next.d[0], dw: next.d[1], b: next.b,
      "pad-0": pad[0], "pad-1": pad[1], "pad-2": pad[2], "pad-3": pad[3] };
    all("input[data-field]").forEach((input) => {
      const value = String(fields[input.dataset.field]);
      if (input !== document.activeElement && input.value !== value) input.value = value;
    });
    const sets = [["input-cells", next.x], ["kernel-cells", next.k]];
    for (const [role, values] of sets) {
      all(`[data-role="${role}"] input`).forEach((input) => {
        const value = String(values[Number(input.dataset.index)]);
        if (input !== document.activeElement && input.value !== value) input.value = value;
      });
    }
  }

  function render(next, { shown }) {
    grid = next;
    const custom = Array.isArray(next.p);
    const key = JSON.stringify([next.h, next.w, next.c, next.kh, next.kw, shown, custom,
      custom ? "" : next.p]);
    if (key === structure) {
      refresh(next);
      return;
    }
    structure = key;
    const focusedId = document.activeElement && within(document.activeElement)
      ? document.activeElement.id || document.activeElement.getAttribute("aria-label") : null;
    build(next, { shown, custom });
    if (focusedId) {
      const again = one(`[id="${focusedId}"]`) ?? one(`[aria-label="${focusedId}"]`);
      again?.focus();
    }
  }

  function build(next, { shown, custom }) {
    const pad = gridPadding(next);
    const sides = ["top", "bottom", "left", "right"];
    controls.innerHTML = `
      <div class="grid-controls" role="group" aria-label="Grid geometry">
        ${number("grid-h", "Input height", next.h, { min: 1, max: L.maxSide })}
        ${number("grid-w", "Input width", next.w, { min: 1, max: L.maxSide })}
        ${number("grid-c", "Channels", next.c, { min: 1, max: L.maxChannels })}
        ${number("grid-kh", "Kernel height", next.kh, { min: 1, max: L.maxKernel })}
        ${number("grid-kw", "Kernel width", next.kw, { min: 1, max: L.maxKernel })}
      </div>
      <div class="grid-controls" role="group" aria-label="Stride, padding and dilation">
        ${number("grid-sh", "Stride (rows)", next.s[0], { min: 1, max: L.maxStride })}
        ${number("grid-sw", "Stride (columns)", next.s[1], { min: 1, max: L.maxStride })}
        <span class="grid-field"><label for="grid-padding">Padding</label>
        <select id="grid-padding" data-field="padding">
          ${options({ valid: "valid (none)", same: "same", full: "full",
            custom: "custom per side" }, custom ? "custom" : next.p)}
        </select></span>
        <span class="grid-pads">${sides.map((side, i) => `
          <span class="grid-field"><label for="grid-pad-${side}">Padding ${side}</label>
          <input id="grid-pad-${side}" type="number" min="0" max="${L.maxPadding}"
            value="${pad[i]}" data-field="pad-${i}"${custom ? "" : " disabled"}></span>`).join("")}
        </span>
        ${number("grid-dh", "Dilation (rows)", next.d[0], { min: 1, max: L.maxDilation })}
        ${number("grid-dw", "Dilation (columns)", next.d[1], { min: 1, max: L.maxDilation })}
        ${number("grid-b", "Bias", next.b, { min: -L.maxAbsValue, max: L.maxAbsValue,
          step: "any" })}
      </div>`;
    cells.innerHTML = `
      <div class="grid-editors">
        <fieldset>
          <legend>Input values</legend>
          <div class="grid-controls">
            <label for="grid-shown">Channel shown and edited</label>
            <select id="grid-shown" data-field="shown">${Array.from({ length: next.c },
              (_, c) => `<option value="${c}"${c === shown ? " selected" : ""}>channel ${c + 1}`
                + "</option>").join("")}</select>
            <label for="grid-input-preset">Input preset</label>
            <select id="grid-input-preset">${options(INPUT_PRESETS, "ramp")}</select>
            <button type="button" data-act="fill-input">Fill the input</button>
          </div>
          ${cellTable({ role: "input-cells", rows: next.h, cols: next.w, values: next.x,
            offset: shown * next.h * next.w, label: `Input channel ${shown + 1}` })}
        </fieldset>
        <fieldset>
          <legend>Kernel weights (channel ${shown + 1})</legend>
          <div class="grid-controls">
            <label for="grid-kernel-preset">Kernel preset</label>
            <select id="grid-kernel-preset">${options(KERNEL_PRESETS, "ones")}</select>
            <button type="button" data-act="fill-kernel">Fill the kernel</button>
          </div>
          ${cellTable({ role: "kernel-cells", rows: next.kh, cols: next.kw, values: next.k,
            offset: shown * next.kh * next.kw, label: `Kernel channel ${shown + 1}` })}
        </fieldset>
      </div>`;
  }

  const onInput = (event) => {
    const target = event.target;
    if (!grid) return;
    const table = target.closest("table")?.dataset.role;
    if (table) {
      const value = Number(target.value);
      if (target.value === "" || !Number.isFinite(value)) return;
      const key = table === "input-cells" ? "x" : "k";
      const values = grid[key].slice();
      values[Number(target.dataset.index)] = value;
      onChange(normaliseGrid({ ...grid, [key]: values }));
      return;
    }
    const field = target.dataset.field;
    if (!field || event.type === "input" && target.tagName === "SELECT") return;
    const n = Number(target.value);
    if (field !== "padding" && field !== "shown" && (target.value === "" || !Number.isFinite(n))) {
      return;
    }
    if (field === "shown") { onShownChannel(n); return; }
    const sizes = { h: "h", w: "w", c: "c", kh: "kh", kw: "kw" };
    if (sizes[field]) { onChange(resizeGrid(grid, { [field]: n })); return; }
    const next = { ...grid };
    if (field === "sh") next.s = [n, grid.s[1]];
    if (field === "sw") next.s = [grid.s[0], n];
    if (field === "dh") next.d = [n, grid.d[1]];
    if (field === "dw") next.d = [grid.d[0], n];
    if (field === "b") next.b = n;
    if (field === "padding") {
      next.p = target.value === "custom" ? gridPadding(grid) : target.value;
    }
    if (field.startsWith("pad-")) {
      const p = gridPadding(grid);
      p[Number(field.slice(4))] = n;
      next.p = p;
    }
    onChange(normaliseGrid(next));
  };

  const onClick = (event) => {
    const act = event.target.closest?.("button[data-act]")?.dataset.act;
    if (!act || !grid) return;
    seed += 1;
    if (act === "fill-input") {
      const name = one("#grid-input-preset").value;
      onChange(normaliseGrid({ ...grid, x: inputPreset(name, { c: grid.c, h: grid.h, w: grid.w,
        seed: Date.now() % 100000 + seed }) }));
    }
    if (act === "fill-kernel") {
      const name = one("#grid-kernel-preset").value;
      onChange(normaliseGrid({ ...grid, k: kernelPreset(name, { c: grid.c, kh: grid.kh,
        kw: grid.kw, seed: Date.now() % 100000 + seed }) }));
    }
  };

  for (const c of containers) {
    c.addEventListener("change", onInput);
    c.addEventListener("click", onClick);
  }
  return {
    render,
    destroy() {
      for (const c of containers) {
        c.removeEventListener("change", onInput);
        c.removeEventListener("click", onClick);
        c.innerHTML = "";
      }
    },
  };
}
