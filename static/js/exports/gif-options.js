/**
 * The choices beside the patch panel's "Download as GIF": which steps (the region, the next
 * steps from the current one, or the whole map), and whether frames show the arithmetic and
 * the kernel's weights. DOM only; bodies.js turns the choices into the request.
 * @module exports/gif-options
 */

import { GIF_RANGE_STEPS } from "./bodies.js";

/**
 * Create the choices in `container`.
 * @param {HTMLElement} container
 * @param {{idPrefix: string}} options unique prefix for element ids
 * @returns {{read: () => {range: string, arithmetic: boolean, weights: boolean},
 *   update: (view: {region: boolean, count: number}) => void}}
 */
export function createGifOptions(container, { idPrefix }) {
  const el = container.ownerDocument.createElement("div");
  el.className = "patch-gif-options";
  el.innerHTML = `
    <label for="${idPrefix}-gif-range">GIF of</label>
    <select id="${idPrefix}-gif-range" data-role="gif-range">
      <option value="region">the region</option>
      <option value="from">${GIF_RANGE_STEPS} steps from this one</option>
      <option value="whole">the whole map</option>
    </select>
    <label><input type="checkbox" data-role="gif-arithmetic"> with the arithmetic</label>
    <label><input type="checkbox" data-role="gif-weights"> with the weights</label>`;
  container.append(el);
  const range = el.querySelector('[data-role="gif-range"]');
  const regionOption = range.querySelector('option[value="region"]');
  const arithmetic = el.querySelector('[data-role="gif-arithmetic"]');
  const weights = el.querySelector('[data-role="gif-weights"]');
  let view = { region: false, count: 0 };
  let chosen = false; // the student picked a range: keep it

  range.addEventListener("change", () => { chosen = true; });
  return {
    read: () => ({ range: range.value, arithmetic: arithmetic.checked,
      weights: weights.checked }),
    update(next) {
      const changed = next.region !== view.region;
      view = next;
      regionOption.disabled = !next.region;
      if (!next.region && range.value === "region") range.value = "from";
      // The natural choice: the region when there is one; a small map whole, else from here.
      if (!chosen || changed) {
        range.value = next.region ? "region" : next.count <= GIF_RANGE_STEPS ? "whole" : "from";
      }
    },
  };
}
