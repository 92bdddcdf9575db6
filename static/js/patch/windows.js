/**
 * Where the kernel window is at each step of the animation: pure geometry.
 *
 * Convention (as the engine, PyTorch and TensorFlow): the window has `kh x kw` taps spaced
 * `dilation` apart; the input gets `padding = [top, bottom, left, right]` zeros; the window
 * moves `stride` cells at a time in raster order (left to right, then down). Step `s`
 * produces output cell `(row, col) = (floor(s / W_out), s % W_out)`, whose top-left tap sits
 * on input cell `(row * sh - top, col * sw - left)` (negative = in the padding).
 *
 * The formulas themselves (output size, span, unreached cells) are conv-math.js's, shared with
 * the rest of the page and held against the engine's Python; this module applies them to a
 * window geometry.
 */

import { effectiveKernel, outputLength, unreachedIndices } from "../conv-math.js";

/**
 * @typedef {object} WindowGeometry
 * @property {number[]} inShape `[C, H, W]` of the layer's input.
 * @property {number[]} kernel `[kh, kw]`.
 * @property {number[]} stride `[sh, sw]`.
 * @property {number[]} dilation `[dh, dw]`.
 * @property {number[]} padding `[top, bottom, left, right]`.
 */

/**
 * One axis of a window geometry in conv-math.js's terms: axis 0 = height, 1 = width.
 *
 * @param {WindowGeometry} geo
 * @param {number} a
 * @returns {{n: number, k: number, stride: number, dilation: number, before: number,
 *   after: number}}
 */
export function axisOf(geo, a) {
  return { n: geo.inShape[1 + a], k: geo.kernel[a], stride: geo.stride[a],
    dilation: geo.dilation[a], before: geo.padding[2 * a], after: geo.padding[2 * a + 1] };
}

/**
 * `[H_out, W_out]` of a window geometry (0 on an axis where the kernel does not fit).
 *
 * @param {WindowGeometry} geo
 * @returns {number[]}
 */
export function outputShape(geo) {
  return [0, 1].map((a) => {
    const axis = axisOf(geo, a);
    return outputLength(axis.n, axis.k, axis);
  });
}

/**
 * Span `[h, w]` in input cells of the dilated window: `dilation * (k - 1) + 1`.
 *
 * @param {WindowGeometry} geo
 * @returns {number[]}
 */
export function windowSpan(geo) {
  return [0, 1].map((a) => effectiveKernel(geo.kernel[a], geo.dilation[a]));
}

/**
 * Number of steps of the animation: one per output cell.
 *
 * @param {WindowGeometry} geo
 * @returns {number}
 */
export function stepCount(geo) {
  const [oh, ow] = outputShape(geo);
  return oh * ow;
}

/**
 * Clamp a step into `[0, count - 1]` (0 when there are no steps).
 *
 * @param {number} step
 * @param {number} count
 * @returns {number}
 */
export function clampStep(step, count) {
  if (!(count > 0) || !Number.isFinite(step)) return 0;
  return Math.min(Math.max(Math.trunc(step), 0), count - 1);
}

/**
 * The window at step `step`: the output cell it produces and its top-left tap on the input.
 *
 * @param {WindowGeometry} geo
 * @param {number} step in `[0, stepCount(geo))`.
 * @returns {{step: number, row: number, col: number, top: number, left: number}}
 *   `top`/`left` are input coordinates (negative or past the edge inside the padding).
 */
export function windowAt(geo, step) {
  const [, ow] = outputShape(geo);
  const row = Math.floor(step / ow);
  const col = step - row * ow;
  return {
    step,
    row,
    col,
    top: row * geo.stride[0] - geo.padding[0],
    left: col * geo.stride[1] - geo.padding[2],
  };
}

/**
 * The taps of the window at `step`: kernel index `(u, v)`, input cell `(y, x)` and whether
 * that cell is a real input cell (`inside`) or a padding zero.
 *
 * @param {WindowGeometry} geo
 * @param {number} step
 * @returns {{u: number, v: number, y: number, x: number, inside: boolean}[]} row-major in
 *   kernel order.
 */
export function windowTaps(geo, step) {
  const { top, left } = windowAt(geo, step);
  const [, h, w] = geo.inShape;
  const taps = [];
  for (let u = 0; u < geo.kernel[0]; u += 1) {
    for (let v = 0; v < geo.kernel[1]; v += 1) {
      const y = top + u * geo.dilation[0];
      const x = left + v * geo.dilation[1];
      taps.push({ u, v, y, x, inside: y >= 0 && y < h && x >= 0 && x < w });
    }
  }
  return taps;
}

/**
 * The step whose window produces output cell `(row, col)`.
 *
 * @param {WindowGeometry} geo
 * @param {{row: number, col: number}} cell
 * @returns {number}
 */
export function stepOf(geo, { row, col }) {
  const [, ow] = outputShape(geo);
  return row * ow + col;
}

/**
 * Input rows and columns that no tap of any window reads (every one, not only those the
 * floor drops at the bottom/right: a long stride or a dilation can skip interior ones).
 *
 * @param {WindowGeometry} geo
 * @returns {{rows: number[], cols: number[], axes: object[]}} ascending input indices, and
 *   both axes (see {@link axisOf}) for render/unreached.js's sentence
 */
export function unreachedLines(geo) {
  const axes = [axisOf(geo, 0), axisOf(geo, 1)];
  const [rows, cols] = axes.map((axis) => unreachedIndices(axis.n, axis.k, axis));
  return { rows, cols, axes };
}
