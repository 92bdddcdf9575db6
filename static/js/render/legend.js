/**
 * Colour legends: a bar of the colour map with the values at its ends (and 0 in the middle of
 * a diverging one).
 * @module render/legend
 */

import { formatValue, legendTicks } from "../colormap.js";
import { h } from "../dom.js";
import { sizeCanvas } from "./paint.js";

/**
 * Paint the colour bar of `scale` into `canvas` (its bitmap width = CSS width).
 * @param {HTMLCanvasElement} canvas
 * @param {{kind: string}} scale
 * @param {object} colormaps
 */
export function drawLegendBar(canvas, scale, colormaps) {
  const lut = colormaps[scale.kind];
  const w = canvas.width || 96;
  sizeCanvas(canvas, w, canvas.height || 8);
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(w, canvas.height);
  for (let x = 0; x < w; x += 1) {
    const i = Math.round((x / (w - 1)) * (lut.length / 4 - 1)) * 4;
    for (let y = 0; y < canvas.height; y += 1) {
      image.data.set(lut.subarray(i, i + 4), (y * w + x) * 4);
    }
  }
  ctx.putImageData(image, 0, 0);
}

/**
 * A legend element: colour bar with tick values below.
 * @param {{kind: string, lo: number, hi: number}} scale
 * @param {object} colormaps
 * @param {{caption?: string, width?: number}} [options]
 * @returns {HTMLElement}
 */
export function legendElement(scale, colormaps, { caption = "", width = 200 } = {}) {
  const bar = h("canvas", { class: "legend-big", width, height: 10, "aria-hidden": "true" });
  drawLegendBar(bar, scale, colormaps);
  const ticks = legendTicks(scale);
  const words = scale.kind === "diverging" ? ["negative", "0", "positive"] : ["0", "", "high"];
  return h("figure", { class: "legend" },
    bar,
    h("div", { class: "legend-ticks" }, ticks.map((t, i) => h("span", {
      text: i === 1 && scale.kind === "diverging" ? "0" : formatValue(t.value),
      title: words[i] }))),
    caption ? h("figcaption", { text: caption }) : null);
}
