/**
 * The choices beside the patch panel's "Download as GIF": which steps (the region, the next
 * steps from the current one, or the whole map), and whether frames show the arithmetic and
 * the kernel's weights. DOM only; bodies.js turns the choices into the request.
 * @module exports/gif-options
 */

import { exportButton, exportStatus } from "./action.js";
import { GIF_RANGE_STEPS, gifExportBody } from "./bodies.js";

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

/**
 * The patch panel's "Download as GIF" with its choices, in `container` (button, choices,
 * status line).
 * @param {HTMLElement} container
 * @param {{api: {exportFile: Function}, idPrefix: string, read: () => {request: object,
 *   anim: object, count: number}}} options `read` gives the drawn pyramid's request, the
 *   animation state and the map's steps at the moment of the click
 * @returns {{update: (view: {ready: boolean, region: boolean, count: number}) => void}}
 */
export function createGifExport(container, { api, idPrefix, read }) {
  const status = exportStatus();
  let choices = null;
  const button = exportButton({
    text: "Download as GIF",
    title: "An animated GIF of this window sliding over the input, in the page's colours and "
      + "at its speed, drawn by the server as PyTorch computes it (cross-correlation)",
    busyText: "Drawing the GIF on the server…",
    status,
    run: () => {
      const { request, anim, count } = read();
      return api.exportFile("gif", gifExportBody(request, anim, { ...choices.read(), count }));
    },
  });
  container.append(button);
  choices = createGifOptions(container, { idPrefix });
  container.append(status);
  return {
    update({ ready, region, count }) {
      button.disabled = !ready;
      choices.update({ region, count });
    },
  };
}
