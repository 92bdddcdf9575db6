/**
 * Colour maps as 256-entry lookup tables, and the scale a map or a layer is drawn with.
 *
 * Signed values get a diverging map centred on 0 (blue = negative, white = 0, red = positive)
 * over [-a, a] with a = max(|min|, |max|); non-negative values a sequential map over [0, max],
 * so 0 always means "nothing here". Previews arrive as uint8 q per map with
 * value = min + q * (max - min) / 255; `paletteFor` folds that dequantisation and the colour
 * scale into one 256-entry table, so painting a map is one lookup per pixel.
 * @module colormap
 */

import { COLORS } from "./config.js";

/**
 * @typedef {{kind: "diverging"|"sequential", lo: number, hi: number}} Scale
 * @typedef {{diverging: Uint8ClampedArray, sequential: Uint8ClampedArray}} Colormaps
 */

/**
 * RGBA lookup table interpolated linearly between colour stops.
 * @param {Array<[number, number[]]>} stops [position 0..1, [r, g, b]] sorted by position
 * @param {{size?: number}} [options]
 * @returns {Uint8ClampedArray} size * 4 bytes
 */
export function makeLut(stops, { size = COLORS.lutSize } = {}) {
  const lut = new Uint8ClampedArray(size * 4);
  for (let i = 0; i < size; i += 1) {
    const t = i / (size - 1);
    let s = 0;
    while (s < stops.length - 2 && t > stops[s + 1][0]) s += 1;
    const [t0, c0] = stops[s];
    const [t1, c1] = stops[s + 1];
    const f = t1 > t0 ? Math.min(Math.max((t - t0) / (t1 - t0), 0), 1) : 0;
    for (let ch = 0; ch < 3; ch += 1) lut[i * 4 + ch] = Math.round(c0[ch] + f * (c1[ch] - c0[ch]));
    lut[i * 4 + 3] = 255;
  }
  return lut;
}

/** The page's two colour maps (build once, pass around). @returns {Colormaps} */
export function createColormaps() {
  return { diverging: makeLut(COLORS.divergingStops), sequential: makeLut(COLORS.sequentialStops) };
}

/**
 * The colour scale for values in [min, max].
 * @param {{min: number, max: number}} range
 * @returns {Scale}
 */
export function scaleFor({ min, max }) {
  if (min < 0) {
    const a = Math.max(Math.abs(min), Math.abs(max)) || 1;
    return { kind: "diverging", lo: -a, hi: a };
  }
  return { kind: "sequential", lo: 0, hi: max > 0 ? max : 1 };
}

/** Position 0..1 of `value` on `scale`, clamped. */
export function scalePosition(value, scale) {
  const t = (value - scale.lo) / (scale.hi - scale.lo);
  return Math.min(Math.max(t, 0), 1);
}

/** LUT index 0..255 of `value` on `scale`. */
export function lutIndex(value, scale, size = COLORS.lutSize) {
  return Math.round(scalePosition(value, scale) * (size - 1));
}

/**
 * 256 packed RGBA colours (little-endian uint32, as ImageData's Uint32Array view reads them)
 * for q = 0..255 of a map quantised over [qMin, qMax], drawn on `scale`.
 * @param {{min: number, max: number}} quant the map's own min and max
 * @param {Scale} scale
 * @param {Colormaps} colormaps
 * @returns {Uint32Array}
 */
export function paletteFor(quant, scale, colormaps) {
  const lut = colormaps[scale.kind];
  const palette = new Uint32Array(256);
  const step = (quant.max - quant.min) / 255;
  for (let q = 0; q < 256; q += 1) {
    const i = lutIndex(quant.min + q * step, scale) * 4;
    palette[q] = (255 << 24 | lut[i + 2] << 16 | lut[i + 1] << 8 | lut[i]) >>> 0;
  }
  return palette;
}

/**
 * Paint uint8 previews through a palette into a Uint32Array view of ImageData.
 * @param {Uint8Array} q
 * @param {Uint32Array} palette
 * @param {Uint32Array} out same length as q
 */
export function paint(q, palette, out) {
  for (let i = 0; i < q.length; i += 1) out[i] = palette[q[i]];
}

/** CSS colour of `value` on `scale`. */
export function cssColor(value, scale, colormaps) {
  const lut = colormaps[scale.kind];
  const i = lutIndex(value, scale) * 4;
  return `rgb(${lut[i]}, ${lut[i + 1]}, ${lut[i + 2]})`;
}

/**
 * Ticks of a legend: the ends and 0 (diverging) or the middle (sequential).
 * @param {Scale} scale
 * @returns {Array<{value: number, t: number}>}
 */
export function legendTicks(scale) {
  const mid = (scale.lo + scale.hi) / 2;
  return [scale.lo, mid, scale.hi].map((value) => ({ value, t: scalePosition(value, scale) }));
}

/**
 * The range a map is drawn with: its own, or its layer's (switchable in the page).
 * @param {"map"|"layer"} mode
 * @param {{min: number, max: number}} map
 * @param {[number, number]} layerRange
 */
export function rangeFor(mode, map, layerRange) {
  return mode === "layer" ? { min: layerRange[0], max: layerRange[1] } : map;
}

/** A value with 4 significant digits, no exponent for everyday magnitudes. */
export function formatValue(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(4)));
  return v.toExponential(3);
}

/**
 * The shortest decimal that reads back as the same float32: the exact value as PyTorch would
 * print it with enough digits (a float32 widened to a JS number shows noise digits).
 * @param {number} v a float32 value
 */
export function formatFloat32(v) {
  if (!Number.isFinite(v)) return String(v);
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p += 1) {
    const text = f.toPrecision(p);
    if (Math.fround(Number(text)) === f) return String(Number(text));
  }
  return String(f);
}
