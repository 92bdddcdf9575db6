/**
 * Colour for the animation's canvases: whole maps to ImageData once, and the incremental
 * painting of the output map (only the cells that changed since the last frame are copied).
 */

import { lutIndex, scaleFor } from "../colormap.js";

/**
 * Smallest and largest value of an array (0, 0 for an empty one).
 *
 * @param {ArrayLike<number>} data
 * @returns {{min: number, max: number}}
 */
export function rangeOf(data) {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i += 1) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return data.length ? { min, max } : { min: 0, max: 0 };
}

/**
 * A function from value to packed RGBA (little-endian uint32) on the page's colour maps.
 *
 * @param {{min: number, max: number}} range
 * @param {import('../colormap.js').Colormaps} colormaps
 * @returns {(value: number) => number}
 */
export function colorFunction(range, colormaps) {
  const scale = scaleFor(range);
  const lut = colormaps[scale.kind];
  const packed = new Uint32Array(256);
  for (let i = 0; i < 256; i += 1) {
    packed[i] = ((255 << 24) | (lut[i * 4 + 2] << 16) | (lut[i * 4 + 1] << 8) | lut[i * 4]) >>> 0;
  }
  return (value) => packed[lutIndex(value, scale)];
}

/**
 * Packed RGBA of an RGB triple with values in [0, top].
 *
 * @param {number} r
 * @param {number} g
 * @param {number} b
 * @param {number} top 1 for [0, 1] images, 255 for [0, 255].
 * @returns {number}
 */
export function packRgb(r, g, b, top) {
  const q = (v) => Math.min(Math.max(Math.round((v / top) * 255), 0), 255);
  return ((255 << 24) | (q(b) << 16) | (q(g) << 8) | q(r)) >>> 0;
}

/**
 * Packed RGBA (little-endian uint32, opaque) of a `#rrggbb` colour.
 *
 * @param {string} hex
 * @returns {number}
 */
export function packHex(hex) {
  const n = Number.parseInt(hex.slice(1), 16);
  return ((255 << 24) | ((n & 255) << 16) | (n & 0xff00) | (n >>> 16)) >>> 0;
}

/**
 * A CSS colour from a packed RGBA value.
 *
 * @param {number} packed
 * @returns {string}
 */
export function cssOf(packed) {
  return `rgb(${packed & 255}, ${(packed >>> 8) & 255}, ${(packed >>> 16) & 255})`;
}

/**
 * Cell colours of one view of the input: channel `shown` through a colour map, or the RGB
 * colour when `shown` is -1 and there are 3 channels.
 *
 * @param {{data: Float32Array, shape: number[]}} input
 * @param {{shown: number, colormaps: object}} options
 * @returns {{colorAt: (y: number, x: number) => number, valueAt: (y: number, x: number)
 *   => number[]}} `valueAt` gives the values shown for a cell (3 for RGB, else 1).
 */
export function inputColoring(input, { shown, colormaps }) {
  const [c, h, w] = input.shape;
  const plane = h * w;
  const data = input.data;
  if (shown < 0 && c === 3) {
    const top = rangeOf(data).max > 1.0001 ? 255 : 1;
    return {
      colorAt: (y, x) => packRgb(data[y * w + x], data[plane + y * w + x],
        data[2 * plane + y * w + x], top),
      valueAt: (y, x) => [data[y * w + x], data[plane + y * w + x], data[2 * plane + y * w + x]],
    };
  }
  const ch = Math.min(Math.max(shown, 0), c - 1);
  const own = data.subarray(ch * plane, (ch + 1) * plane);
  const color = colorFunction(rangeOf(own), colormaps);
  return {
    colorAt: (y, x) => color(own[y * w + x]),
    valueAt: (y, x) => [own[y * w + x]],
  };
}

/**
 * ImageData of the input with its padding ring (native resolution: one pixel per cell).
 *
 * @param {{shape: number[]}} input
 * @param {{colorAt: (y: number, x: number) => number}} coloring
 * @param {{padding: number[], paddingColor: number}} options packed padding colour.
 * @returns {ImageData}
 */
export function paddedImage(input, coloring, { padding, paddingColor }) {
  const [, h, w] = input.shape;
  const [top, bottom, left, right] = padding;
  const pw = w + left + right;
  const ph = h + top + bottom;
  const image = new ImageData(pw, ph);
  const px = new Uint32Array(image.data.buffer);
  px.fill(paddingColor);
  for (let y = 0; y < h; y += 1) {
    const base = (y + top) * pw + left;
    for (let x = 0; x < w; x += 1) px[base + x] = coloring.colorAt(y, x);
  }
  return image;
}

/**
 * Copy cells `[from, to)` (raster order) of `source` into `ctx`: at most three rectangles
 * (a partial first row, whole middle rows, a partial last row).
 *
 * @param {CanvasRenderingContext2D} ctx a canvas of the same size as `source`.
 * @param {ImageData} source
 * @param {number} from
 * @param {number} to
 */
export function copyCells(ctx, source, from, to) {
  const w = source.width;
  if (to <= from) return;
  const rows = [];
  const firstRow = Math.floor(from / w);
  const lastRow = Math.floor((to - 1) / w);
  if (firstRow === lastRow) {
    rows.push([from % w, firstRow, to - from, 1]);
  } else {
    rows.push([from % w, firstRow, w - (from % w), 1]);
    if (lastRow - firstRow > 1) rows.push([0, firstRow + 1, w, lastRow - firstRow - 1]);
    rows.push([0, lastRow, to - lastRow * w, 1]);
  }
  for (const [x, y, dw, dh] of rows) ctx.putImageData(source, 0, 0, x, y, dw, dh);
}

/**
 * A packed colour `mix` of the way from `under` towards `over` (per channel, opaque).
 *
 * @param {number} over packed RGBA shown at strength `mix`.
 * @param {number} under packed RGBA shown at strength `1 - mix`.
 * @param {number} mix 0..1
 * @returns {number}
 */
export function mixPacked(over, under, mix) {
  let out = 255 << 24;
  for (let shift = 0; shift < 24; shift += 8) {
    const a = (over >>> shift) & 255;
    const b = (under >>> shift) & 255;
    out |= Math.round(a * mix + b * (1 - mix)) << shift;
  }
  return out >>> 0;
}

/**
 * ImageData of an output map (packed colours of every cell) and of the same map "not yet
 * computed": the finished map faintly (`pendingMix` of its colour over `pendingColor`), so
 * the output never looks empty, or one flat colour when `pendingMix` is 0.
 *
 * @param {{values: Float32Array, height: number, width: number, range: {min: number,
 *   max: number}, colormaps: object, pendingColor: number, pendingMix?: number}} args
 * @returns {{done: ImageData, pending: ImageData}}
 */
export function outputImages({ values, height, width, range, colormaps, pendingColor,
  pendingMix = 0 }) {
  const color = colorFunction(range, colormaps);
  const done = new ImageData(width, height);
  const pending = new ImageData(width, height);
  const d = new Uint32Array(done.data.buffer);
  const p = new Uint32Array(pending.data.buffer);
  for (let i = 0; i < values.length; i += 1) {
    d[i] = color(values[i]);
    p[i] = pendingMix > 0 ? mixPacked(d[i], pendingColor, pendingMix) : pendingColor;
  }
  return { done, pending };
}
