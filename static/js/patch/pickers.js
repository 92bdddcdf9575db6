/**
 * The patch panel's pickers (animated layer, feature map, input channel shown, flip), filled
 * from the pyramid header and the current animation state. DOM only; no state of its own.
 * @module patch/pickers
 */

import { animatableLayers } from "./anim-state.js";
import { layerLabel } from "./scene.js";

/**
 * Fill the `<select>`s and the checkbox for `anim` on the pyramid described by `header`.
 * @param {{layer: HTMLSelectElement, map: HTMLSelectElement, shown: HTMLSelectElement,
 *   flip: HTMLInputElement}} pick
 * @param {object} header the decoded /api/pyramid header
 * @param {{layer: number, map: number, ch?: number, flip?: number}} anim
 */
export function fillPickers(pick, header, anim) {
  const layers = animatableLayers(header);
  pick.layer.innerHTML = layers.map((i) => `<option value="${i}">${
    layerLabel(header.layers[i])}</option>`).join("");
  pick.layer.value = String(anim.layer);
  const maps = header.layers[anim.layer]?.shape[0] ?? 0;
  pick.map.innerHTML = Array.from({ length: maps }, (_, k) =>
    `<option value="${k}">Map ${k + 1} of ${maps}</option>`).join("");
  pick.map.value = String(anim.map);
  const channels = header.layers[anim.layer]?.in_shape[0] ?? 0;
  const rgb = anim.layer === 1 && channels === 3;
  const names = rgb ? ["red", "green", "blue"] : null;
  pick.shown.innerHTML = (rgb ? '<option value="-1">colour image (R, G, B)</option>' : "")
    + Array.from({ length: channels }, (_, c) => `<option value="${c}">channel ${c + 1}${
      names ? ` (${names[c]})` : ""}</option>`).join("");
  const shown = anim.ch ?? (rgb ? -1 : 0);
  pick.shown.value = String(Math.min(shown, channels - 1));
  pick.flip.checked = Boolean(anim.flip);
}
