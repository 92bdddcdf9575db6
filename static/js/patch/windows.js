/**
 * Where the kernel window is at each step of the animation: pure geometry.
 *
 * Convention (as the engine, PyTorch and TensorFlow): the window has `kh x kw` taps spaced
 * `dilation` apart; the input gets `padding = [top, bottom, left, right]` zeros; the window
 * moves `stride` cells at a time in raster order (left to right, then down). Step `s`
 * produces output cell `(row, col) = (floor(s / W_out), s % W_out)`, whose top-left tap sits
 * on input cell `(row * sh - top, col * sw - left)` (negative = in the padding).
 */

/**
 * @typedef {object} WindowGeometry
 * @property {number[]} inShape `[C, H, W]` of the layer's input.
 * @property {number[]} kernel `[kh, kw]`.
 * @property {number[]} stride `[sh, sw]`.
 * @property {number[]} dilation `[dh, dw]`.
 * @property {number[]} padding `[top, bottom, left, right]`.
 */

/**
 * Cells along one axis: `floor((n + before + after - dilation*(k-1) - 1) / stride) + 1`,
 * or 0 when the dilated kernel does not fit in the padded input.
 *
 * @param {{n: number, k: number, stride: number, dilation: number, before: number,
 *   after: number}} axis
 * @returns {number}
 */
export function outputLength({ n, k, stride, dilation, before, after }) {
  const span = dilation * (k - 1) + 1;
  const padded = n + before + after;
  if (span > padded) return 0;
  return Math.floor((padded - span) / stride) + 1;
}

/**
 * `[H_out, W_out]` of a window geometry (0 on an axis where the kernel does not fit).
 *
 * @param {WindowGeometry} geo
 * @returns {number[]}
 */
export function outputShape(geo) {
  const [, h, w] = geo.inShape;
  const [top, bottom, left, right] = geo.padding;
  return [
    outputLength({ n: h, k: geo.kernel[0], stride: geo.stride[0], dilation: geo.dilation[0],
      before: top, after: bottom }),
    outputLength({ n: w, k: geo.kernel[1], stride: geo.stride[1], dilation: geo.dilation[1],
      before: left, after: right }),
  ];
}

/**
 * Span `[h, w]` in input cells of the dilated window: `dilation * (k - 1) + 1`.
 *
 * @param {WindowGeometry} geo
 * @returns {number[]}
 */
export function windowSpan(geo) {
  return [0, 1].map((a) => geo.dilation[a] * (geo.kernel[a] - 1) + 1);
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
 * Input rows and columns at the bottom/right that no window reaches (the floor's remainder).
 *
 * @param {WindowGeometry} geo
 * @returns {number[]} `[rows, cols]`
 */
export function unreached(geo) {
  const [oh, ow] = outputShape(geo);
  const span = windowSpan(geo);
  const [, h, w] = geo.inShape;
  const ends = [
    (oh - 1) * geo.stride[0] + span[0] - geo.padding[0],
    (ow - 1) * geo.stride[1] + span[1] - geo.padding[2],
  ];
  if (oh === 0 || ow === 0) return [0, 0];
  return [Math.max(0, h - Math.max(ends[0], 0)), Math.max(0, w - Math.max(ends[1], 0))];
}
