/**
 * The arithmetic of one window, as the engine does it, and the flipped-kernel variant.
 *
 * `out[k, i, j] = act(bias[k] + sum_c sum_{u,v} w[k, c, u, v] * x_pad[c, i*sh + u*dh,
 * j*sw + v*dw])`: cross-correlation, the kernel is NOT flipped (what PyTorch computes).
 * Values are float32: each product is exact in a double, the sums are accumulated in double
 * and rounded to float32 once (`Math.fround`), so the result is within a few float32 ulps of
 * any float32 summation order (the engine's BLAS order differs; see `matchesEngine`).
 */

import { outputShape, windowAt, windowTaps } from "./windows.js";

/**
 * Activations the engine applies after the bias, in float32.
 * @type {Readonly<Record<string, {label: string, fn: (x: number, slope: number) => number}>>}
 */
export const ACTIVATIONS = Object.freeze({
  none: { label: "", fn: (x) => x },
  relu: { label: "ReLU", fn: (x) => (x > 0 ? x : 0) },
  leaky_relu: { label: "LeakyReLU", fn: (x, slope) => (x > 0 ? x : Math.fround(slope * x)) },
  sigmoid: {
    label: "sigmoid",
    fn: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  },
  tanh: { label: "tanh", fn: (x) => Math.tanh(x) },
});

/** Default slope of leaky ReLU (PyTorch's and the engine's). */
export const LEAKY_SLOPE = 0.01;

/**
 * Apply the named activation in float32.
 *
 * @param {string} name one of {@link ACTIVATIONS} (unknown names act as `none`).
 * @param {number} x
 * @param {{slope?: number}} [options]
 * @returns {number}
 */
export function activate(name, x, { slope = LEAKY_SLOPE } = {}) {
  const entry = ACTIVATIONS[name] ?? ACTIVATIONS.none;
  return Math.fround(entry.fn(Math.fround(x), slope));
}

/**
 * Flatten nested weights `K x C x kh x kw` (or accept a typed array) into a Float32Array.
 *
 * @param {number[][][][] | Float32Array} weights
 * @returns {Float32Array}
 */
export function flattenWeights(weights) {
  if (weights instanceof Float32Array) return weights;
  return Float32Array.from(weights.flat(3));
}

/**
 * The `C x kh x kw` kernel of output map `map`, optionally rotated 180 degrees per channel.
 *
 * @param {{weights: Float32Array, shape: number[], map: number, flip?: boolean}} args
 *   `shape` is `[K, C, kh, kw]`.
 * @returns {Float32Array} length `C * kh * kw`, row-major.
 */
export function kernelOf({ weights, shape, map, flip = false }) {
  const [, c, kh, kw] = shape;
  const size = c * kh * kw;
  const own = weights.subarray(map * size, (map + 1) * size);
  return flip ? flipKernel(own, { channels: c, kh, kw }) : Float32Array.from(own);
}

/**
 * Rotate every `kh x kw` slice by 180 degrees: `g'[u, v] = g[kh-1-u, kw-1-v]`. Correlating
 * with the rotated kernel is the mathematical convolution with the original one.
 *
 * @param {Float32Array} kernel `C x kh x kw` row-major.
 * @param {{channels: number, kh: number, kw: number}} dims
 * @returns {Float32Array} a new array; the input is not modified.
 */
export function flipKernel(kernel, { channels, kh, kw }) {
  const out = new Float32Array(kernel.length);
  const plane = kh * kw;
  for (let c = 0; c < channels; c += 1) {
    for (let i = 0; i < plane; i += 1) out[c * plane + i] = kernel[c * plane + plane - 1 - i];
  }
  return out;
}

/**
 * Everything the numbers panel shows for one step.
 *
 * @param {object} args
 * @param {{data: Float32Array, shape: number[]}} args.input the layer's input `C x H x W`.
 * @param {Float32Array} args.kernel `C x kh x kw` (from {@link kernelOf}).
 * @param {number} args.bias
 * @param {import('./windows.js').WindowGeometry} args.geometry
 * @param {number} args.step
 * @param {string} [args.activation]
 * @param {number} [args.slope]
 * @returns {{row: number, col: number, taps: object[], channels: {values: Float32Array,
 *   weights: Float32Array, products: Float32Array, sum: number}[], total: number,
 *   bias: number, preActivation: number, output: number, magnitude: number}}
 *   `magnitude` = sum of |products| + |bias|: the scale of the rounding error.
 */
export function windowArithmetic({ input, kernel, bias, geometry, step, activation = "none",
  slope = LEAKY_SLOPE }) {
  const [channels, h, w] = input.shape;
  const taps = windowTaps(geometry, step);
  const plane = taps.length;
  const channelRows = [];
  let total = 0;
  let magnitude = Math.abs(bias);
  for (let c = 0; c < channels; c += 1) {
    const values = new Float32Array(plane);
    const weights = kernel.subarray(c * plane, (c + 1) * plane);
    const products = new Float32Array(plane);
    let sum = 0;
    for (let t = 0; t < plane; t += 1) {
      const { y, x, inside } = taps[t];
      values[t] = inside ? input.data[(c * h + y) * w + x] : 0;
      const exact = values[t] * weights[t];
      products[t] = exact;
      sum += exact;
      magnitude += Math.abs(exact);
    }
    channelRows.push({ values, weights: Float32Array.from(weights), products,
      sum: Math.fround(sum) });
    total += sum;
  }
  const { row, col } = windowAt(geometry, step);
  const preActivation = Math.fround(total + Math.fround(bias));
  return {
    row, col, taps, channels: channelRows, total: Math.fround(total), bias: Math.fround(bias),
    preActivation, output: activate(activation, preActivation, { slope }), magnitude,
  };
}

/**
 * Whether a JS value agrees with the engine's float32 value up to summation-order rounding.
 *
 * @param {number} js
 * @param {number} engine
 * @param {{magnitude: number, terms: number}} scale sum of |terms| and their count.
 * @returns {boolean}
 */
export function matchesEngine(js, engine, { magnitude, terms }) {
  const eps = 2 ** -23;
  const tolerance = Math.max(4 * eps * Math.max(terms, 1) * magnitude, 1e-7);
  return Math.abs(js - engine) <= tolerance;
}

/**
 * The whole output map for one kernel (used for the flipped "true convolution" map, and as
 * the grid mode's cross-check): `H_out x W_out` float32.
 *
 * @param {object} args same as {@link windowArithmetic} minus `step`.
 * @returns {Float32Array}
 */
export function correlateMap({ input, kernel, bias, geometry, activation = "none",
  slope = LEAKY_SLOPE }) {
  const [channels, h, w] = input.shape;
  const [oh, ow] = outputShape(geometry);
  const [kh, kw] = geometry.kernel;
  const [sh, sw] = geometry.stride;
  const [dh, dw] = geometry.dilation;
  const top = geometry.padding[0];
  const left = geometry.padding[2];
  const out = new Float32Array(oh * ow);
  const data = input.data;
  for (let i = 0; i < oh; i += 1) {
    for (let j = 0; j < ow; j += 1) {
      let sum = 0;
      for (let c = 0; c < channels; c += 1) {
        for (let u = 0; u < kh; u += 1) {
          const y = i * sh - top + u * dh;
          if (y < 0 || y >= h) continue;
          const rowBase = (c * h + y) * w;
          const kBase = (c * kh + u) * kw;
          for (let v = 0; v < kw; v += 1) {
            const x = j * sw - left + v * dw;
            if (x >= 0 && x < w) sum += data[rowBase + x] * kernel[kBase + v];
          }
        }
      }
      out[i * ow + j] = activate(activation, Math.fround(sum + bias), { slope });
    }
  }
  return out;
}
