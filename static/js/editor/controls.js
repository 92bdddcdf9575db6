/**
 * Labelled form controls: every control gets a visible <label> whose text is its accessible
 * name ("Kernel size", "Stride", ...), and values are synced without stealing focus.
 * @module editor/controls
 */

import { h } from "../dom.js";

/**
 * A labelled field.
 * @param {{id: string, label: string, control: HTMLElement, hint?: string}} options
 */
export function field({ id, label, control, hint = "" }) {
  control.id = id;
  const hintEl = hint ? h("span", { class: "hint", id: `${id}-hint`, text: hint }) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: id, text: label }), control, hintEl);
}

/**
 * A <select>.
 * @param {{options: Array<{value: string, label: string}>, value: string,
 *   onChange: (value: string) => void}} options
 */
export function select({ options, value, onChange }) {
  const el = h("select", { on: { change: () => onChange(el.value) } },
    options.map((o) => h("option", { value: o.value, text: o.label })));
  el.value = value;
  return el;
}

/**
 * An integer <input type=number>; calls `onChange` with a clamped integer on every valid edit.
 * @param {{min: number, max: number, value: number, onChange: (value: number) => void,
 *   step?: number|string}} options
 */
export function integer({ min, max, value, onChange, step = 1 }) {
  const el = h("input", { type: "number", min, max, step, value: String(value),
    inputMode: "numeric" });
  el.addEventListener("input", () => {
    const v = Number(el.value);
    if (el.value === "" || !Number.isInteger(v) || v < min || v > max) {
      el.setAttribute("aria-invalid", "true");
      return;
    }
    el.removeAttribute("aria-invalid");
    onChange(v);
  });
  el.addEventListener("blur", () => {
    if (el.getAttribute("aria-invalid")) el.value = el.dataset.value ?? String(value);
    el.removeAttribute("aria-invalid");
  });
  return el;
}

/** Set a control's value unless the user is typing in it. */
export function syncValue(el, value) {
  const text = String(value);
  el.dataset.value = text;
  if (document.activeElement !== el && el.value !== text) el.value = text;
}

/**
 * Enable/disable options of a select and say why in their text and title.
 * @param {HTMLSelectElement} el
 * @param {(value: string) => string|null} reasonFor null = valid
 */
export function markOptions(el, reasonFor) {
  for (const option of el.options) {
    const reason = reasonFor(option.value);
    const base = option.dataset.label ?? option.textContent;
    option.dataset.label = base;
    option.disabled = Boolean(reason) && option.value !== el.value;
    option.title = reason ?? "";
    const text = reason ? `${base} (empties the output)` : base;
    if (option.textContent !== text) option.textContent = text;
  }
}
