/**
 * Layer 1's kernels as small pictures: each map's kh x kw weights (first input channel) on
 * one shared blue-white-red scale (white = 0), so a trained network's kernels show what they
 * learned to look for (strokes and edges at various angles). Clicking one animates its map in
 * the sliding-patch panel, over the digit on the pad.
 * @module digits/kernels
 */

import { lutIndex } from "../colormap.js";
import { DIGITS } from "../config.js";
import { h, setText } from "../dom.js";

/**
 * The shared scale of a set of kernels: symmetric around 0.
 * @param {number[][][][]} weights K x C x kh x kw
 * @returns {{kind: "diverging", lo: number, hi: number}}
 */
export function kernelScale(weights) {
  let a = 0;
  for (const k of weights) for (const row of k[0]) for (const v of row) a = Math.max(a, Math.abs(v));
  return { kind: "diverging", lo: -(a || 1), hi: a || 1 };
}

/**
 * @param {{onAnimate: (sel: {layer: number, map: number}) => void}} handlers
 * @returns {{el: HTMLElement, draw: (view: {layer: object|null, source: string|null,
 *   colormaps: object}) => void}}
 */
export function createKernelStrip({ onAnimate }) {
  const caption = h("p", { class: "kernel-strip-caption" });
  const strip = h("div", { class: "kernel-strip", role: "group",
    "aria-label": "Layer 1's kernels" });
  const el = h("div", { class: "kernel-strip-wrap" }, caption, strip);
  const memo = { weights: null };

  /** Draw layer 1's kernels (`layer` = the pyramid header's layer 1). */
  function draw({ layer, source, colormaps }) {
    const weights = layer?.type === "conv" ? layer.weights : null;
    el.hidden = !weights;
    if (!weights || weights === memo.weights) return;
    memo.weights = weights;
    const scale = kernelScale(weights);
    const lut = colormaps.diverging;
    const [kh, kw] = [weights[0][0].length, weights[0][0][0].length];
    strip.replaceChildren(...weights.map((kernel, m) => {
      const canvas = h("canvas", { width: kw, height: kh, style: {
        width: `${kw * DIGITS.kernelCellPx}px`, height: `${kh * DIGITS.kernelCellPx}px` } });
      const ctx = canvas.getContext("2d");
      const image = ctx.createImageData(kw, kh);
      kernel[0].flat().forEach((v, i) => {
        const at = lutIndex(v, scale) * 4;
        image.data.set([lut[at], lut[at + 1], lut[at + 2], 255], i * 4);
      });
      ctx.putImageData(image, 0, 0);
      return h("button", { type: "button", class: "kernel-pic", dataset: { map: String(m) },
        title: `map ${m + 1}: watch this kernel slide over the digit`,
        "aria-label": `Layer 1 kernel of map ${m + 1}: animate it`,
        on: { click: () => onAnimate({ layer: 1, map: m }) } }, canvas);
    }));
    const what = source === "trained" ? "trained" : source === "custom" ? "hand-edited" : source;
    setText(caption, `Layer 1's ${weights.length} ${what} kernels (${kh}×${kw}; red = `
      + "positive weight, blue = negative, white = 0). Each answers to its own kind of stroke "
      + "or edge: compare it with its map in Layer 1. Click one to watch it slide over the "
      + "digit.");
  }

  return { el, draw };
}
