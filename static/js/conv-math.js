/**
 * Pure shape formulas mirroring app/engine/shapes.py and app/engine/stack.py.
 *
 * One convention: a window of `k` taps spaced `dilation` apart slides over an input of length
 * `n` with `before` zeros in front and `after` zeros behind, `stride` cells at a time:
 *
 *     out = floor((n + before + after - dilation*(k - 1) - 1) / stride) + 1
 *
 * "same" is TensorFlow's rule for every stride (out = ceil(n / stride), the odd padding cell at
 * the bottom/right); "full" pads dilation*(k - 1) on each side. The page uses these to offer only
 * valid settings and to explain, with the numbers, why a setting would empty the output, before
 * asking the server. Each export is held against the engine's Python on random cases by
 * tests/test_js_conv_math.py; they are the page's only copy of these formulas.
 * @module conv-math
 */

/**
 * @typedef {[number, number]} Pair  (h, w)
 * @typedef {[number, number, number, number]} Padding4  (top, bottom, left, right)
 * @typedef {[number, number, number]} Shape3  (C, H, W)
 */

/** @param {number|number[]} value @returns {Pair} an int applies to both axes */
export function toPair(value) {
  return Array.isArray(value) ? [value[0], value[1]] : [value, value];
}

/** Span of a dilated window: dilation*(k-1)+1 cells. */
export function effectiveKernel(k, dilation = 1) {
  return dilation * (k - 1) + 1;
}

/** ceil(a / b) for positive integers. */
export function ceilDiv(a, b) {
  return Math.floor((a + b - 1) / b);
}

/**
 * TensorFlow "same" padding [before, after] for one axis; the odd cell goes after.
 * @param {number} n input length
 * @param {number} k kernel length
 * @param {{stride?: number, dilation?: number}} [options]
 * @returns {[number, number]}
 */
export function samePadding(n, k, { stride = 1, dilation = 1 } = {}) {
  const out = ceilDiv(n, stride);
  const total = Math.max((out - 1) * stride + effectiveKernel(k, dilation) - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** "full" padding on each side of one axis: dilation*(k-1). */
export function fullPadding(k, dilation = 1) {
  return dilation * (k - 1);
}

/**
 * Resolve any padding form to [top, bottom, left, right], like resolve_padding.
 * @param {string|number|number[]} spec "valid" | "same" | "full" | int | [ph, pw] | [t, b, l, r]
 * @param {{inSize: Pair, kernel: Pair, stride?: Pair, dilation?: Pair}} options
 * @returns {Padding4}
 */
export function resolvePadding(spec, { inSize, kernel, stride = [1, 1], dilation = [1, 1] }) {
  if (typeof spec === "string") {
    if (spec === "valid") return [0, 0, 0, 0];
    if (spec === "same") {
      const [top, bottom] = samePadding(inSize[0], kernel[0],
        { stride: stride[0], dilation: dilation[0] });
      const [left, right] = samePadding(inSize[1], kernel[1],
        { stride: stride[1], dilation: dilation[1] });
      return [top, bottom, left, right];
    }
    if (spec === "full") {
      const ph = fullPadding(kernel[0], dilation[0]);
      const pw = fullPadding(kernel[1], dilation[1]);
      return [ph, ph, pw, pw];
    }
    throw new Error(`padding must be valid, same, full or numbers, got ${spec}`);
  }
  if (typeof spec === "number") return [spec, spec, spec, spec];
  if (spec.length === 2) return [spec[0], spec[0], spec[1], spec[1]];
  return [spec[0], spec[1], spec[2], spec[3]];
}

/**
 * Output cells along one axis: floor((n + before + after - dilation*(k - 1) - 1) / stride) + 1,
 * or 0 when the dilated kernel does not fit in the padded input (where the engine's
 * `output_length` raises a GeometryError; {@link emptyReason} then says why).
 * @param {number} n
 * @param {number} k
 * @param {{stride: number, dilation: number, before: number, after: number}} options
 * @returns {number} >= 0
 */
export function outputLength(n, k, { stride, dilation, before, after }) {
  return Math.max(formulaValue(n, k, { stride, dilation, before, after }), 0);
}

/** The formula's value as written, which is <= 0 when the output would be empty. */
function formulaValue(n, k, { stride, dilation, before, after }) {
  return Math.floor((n + before + after - effectiveKernel(k, dilation)) / stride) + 1;
}

/**
 * The formula written out with the numbers, ending in its value (which is <= 0 for an empty
 * output, as in the engine's error message; the engine's `formula_text` raises there).
 */
export function formulaText(n, k, { stride, dilation, before, after }) {
  const out = formulaValue(n, k, { stride, dilation, before, after });
  return `floor((${n} + ${before} + ${after} - ${dilation}*(${k} - 1) - 1) / ${stride}) + 1 = ${out}`;
}

/**
 * Why one axis would be empty, in words and numbers (null when it is not).
 * @param {number} n
 * @param {number} k
 * @param {{stride: number, dilation: number, before: number, after: number, axis?: string}} options
 * @returns {string|null}
 */
export function emptyReason(n, k, { stride, dilation, before, after, axis = "height" }) {
  const span = effectiveKernel(k, dilation);
  const padded = n + before + after;
  if (span <= padded) return null;
  const out = formulaValue(n, k, { stride, dilation, before, after });
  return `kernel ${axis} ${k} (dilated span ${span}) is larger than the padded input ${axis} `
    + `${padded} = ${n} + ${before} + ${after}: floor((${n} + ${before} + ${after} - `
    + `${dilation}*(${k} - 1) - 1) / ${stride}) + 1 = ${out} cells: the output would be empty`;
}

/**
 * Input cells (0 <= i < n, ascending) that no tap of any window reads, along one axis, like
 * the engine's `unreached_indices`: window j reads padded cells j*stride + t*dilation for the
 * taps 0 <= t < k, and input cell i is padded cell i + before. The floor drops cells at the
 * end, a stride longer than the dilated span steps over cells between windows, and dilation
 * leaves holes between taps; padding is never reported. Every cell when the output is empty.
 * Example: n=8, k=3, stride 4, valid: windows read 0-2 and 4-6 -> [3, 7].
 * @param {number} n
 * @param {number} k
 * @param {{stride: number, dilation: number, before: number, after: number}} options
 * @returns {number[]}
 */
export function unreachedIndices(n, k, { stride, dilation, before, after }) {
  const out = outputLength(n, k, { stride, dilation, before, after });
  const read = new Uint8Array(n + before + after);
  for (let t = 0; t < k; t += 1) {
    for (let j = 0, p = t * dilation; j < out; j += 1, p += stride) read[p] = 1;
  }
  const never = [];
  for (let i = 0; i < n; i += 1) if (!read[i + before]) never.push(i);
  return never;
}

/**
 * How many input cells no tap of any window reads: `unreachedIndices(...).length`.
 * @param {number} n
 * @param {number} k
 * @param {{stride: number, dilation: number, before: number, after: number}} options
 */
export function unreachedCells(n, k, { stride, dilation, before, after }) {
  return unreachedIndices(n, k, { stride, dilation, before, after }).length;
}

/**
 * Rows [first, last] (inclusive, in the layer's input coordinates, may fall in the padding) that
 * output cell `i` reads along one axis.
 * @returns {[number, number]}
 */
export function windowSpan(i, { kernel, stride, dilation, before }) {
  const first = i * stride - before;
  return [first, first + effectiveKernel(kernel, dilation) - 1];
}

/**
 * Where output cell (i, j) looks on the original image: the receptive field box from the
 * layer's `origin`, `jump` and `receptive_field`, clipped to the image.
 * @param {{origin: Pair, jump: Pair, receptive_field: Pair}} geo
 * @param {number} i row of the output cell
 * @param {number} j column of the output cell
 * @param {{height: number, width: number}} image
 * @returns {{top: number, left: number, bottom: number, right: number, clipped: boolean}}
 *   inclusive rows/cols on the image; `clipped` when part of the field lies in the padding
 */
export function receptiveFieldBox(geo, i, j, { height, width }) {
  const top = geo.origin[0] + i * geo.jump[0];
  const left = geo.origin[1] + j * geo.jump[1];
  const bottom = top + geo.receptive_field[0] - 1;
  const right = left + geo.receptive_field[1] - 1;
  const box = {
    top: Math.max(top, 0), left: Math.max(left, 0),
    bottom: Math.min(bottom, height - 1), right: Math.min(right, width - 1),
  };
  return { ...box, clipped: box.top !== top || box.left !== left || box.bottom !== bottom
    || box.right !== right };
}

/**
 * Back-project output cells rows [r0, r1] x cols [c0, c1] of layer `index` (1-based, as in the
 * pyramid) onto every lower layer: the cells of each layer's output that can influence them.
 * @param {object[]} geometries geometry of layers 1..N (index 0 of the array = layer 1)
 * @param {number} index layer of the cells (1..N)
 * @param {{r0: number, r1: number, c0: number, c1: number}} cells inclusive ranges
 * @returns {Map<number, {r0: number, r1: number, c0: number, c1: number}>} layer -> region,
 *   clipped to that layer's output (layer 0 = the input image)
 */
export function backProject(geometries, index, cells) {
  const regions = new Map();
  let region = { ...cells };
  for (let layer = index; layer >= 1; layer -= 1) {
    const geo = geometries[layer - 1];
    const [, h, w] = geo.in_shape;
    if (geo.type === "dense") {
      region = { r0: 0, r1: h - 1, c0: 0, c1: w - 1 };
    } else {
      const [top, , left] = geo.padding;
      const [r0] = windowSpan(region.r0, { kernel: geo.kernel[0], stride: geo.stride[0],
        dilation: geo.dilation[0], before: top });
      const [, r1] = windowSpan(region.r1, { kernel: geo.kernel[0], stride: geo.stride[0],
        dilation: geo.dilation[0], before: top });
      const [c0] = windowSpan(region.c0, { kernel: geo.kernel[1], stride: geo.stride[1],
        dilation: geo.dilation[1], before: left });
      const [, c1] = windowSpan(region.c1, { kernel: geo.kernel[1], stride: geo.stride[1],
        dilation: geo.dilation[1], before: left });
      region = { r0: Math.max(r0, 0), r1: Math.min(r1, h - 1),
        c0: Math.max(c0, 0), c1: Math.min(c1, w - 1) };
    }
    regions.set(layer - 1, region);
  }
  return regions;
}

export { planStack, planLayer } from "./conv-plan.js";
