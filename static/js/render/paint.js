/**
 * Painting maps into canvases: uint8 previews through a 256-entry palette, exact float32 maps
 * through the colour LUT, and the input photo as RGB. Pure functions of their arguments (plus
 * the canvas they draw into).
 * @module render/paint
 */

import { lutIndex, paint, paletteFor, rangeFor, scaleFor } from "../colormap.js";
import { lineCoverage } from "./unreached.js";

/** Resize a canvas's bitmap only when it changes (resizing clears it and costs time). */
export function sizeCanvas(canvas, width, height) {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
}

/**
 * The colour scale map `k` of `layer` is drawn with, for a colour-range mode.
 * @param {object} layer a pyramid header layer
 * @param {number} k
 * @param {"map"|"layer"} mode
 */
export function mapScale(layer, k, mode) {
  const m = layer.maps[k];
  // a 1 x 1 map (a classifier's unit) has one value: over its own range it would be painted
  // at full strength by its sign alone (-0.00009 like -0.078), so 1 x 1 maps share their
  // layer's scale and a small value looks small
  const single = layer.shape && layer.shape[1] * layer.shape[2] === 1;
  return scaleFor(rangeFor(single ? "layer" : mode, { min: m.min, max: m.max }, layer.range));
}

/**
 * Paint one uint8 preview into `canvas` (bitmap = preview size).
 * @param {HTMLCanvasElement} canvas
 * @param {{q: Uint8Array, shape: [number, number], quant: {min: number, max: number},
 *   scale: object, colormaps: object}} options
 */
export function paintPreview(canvas, { q, shape: [h, w], quant, scale, colormaps }) {
  sizeCanvas(canvas, w, h);
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(w, h);
  paint(q, paletteFor(quant, scale, colormaps), new Uint32Array(image.data.buffer));
  ctx.putImageData(image, 0, 0);
}

/**
 * Paint the input photo (1 or 3 channels of uint8 previews over their [min, max]) as pixels.
 * @param {HTMLCanvasElement} canvas
 * @param {{channels: Uint8Array[], shape: [number, number], quants: Array<{min: number,
 *   max: number}>}} options values are in [0, 1] (pixel / 255)
 */
export function paintPhoto(canvas, { channels, shape: [h, w], quants }) {
  sizeCanvas(canvas, w, h);
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(w, h);
  const out = image.data;
  const tables = quants.map(({ min, max }) => Uint8ClampedArray.from({ length: 256 },
    (_, q) => Math.round((min + (q * (max - min)) / 255) * 255)));
  const pick = channels.length >= 3 ? [0, 1, 2] : [0, 0, 0];
  for (let i = 0, o = 0; i < h * w; i += 1, o += 4) {
    out[o] = tables[pick[0]][channels[pick[0]][i]];
    out[o + 1] = tables[pick[1]][channels[pick[1]][i]];
    out[o + 2] = tables[pick[2]][channels[pick[2]][i]];
    out[o + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/**
 * Paint one input channel as its own colour, black = 0 to full red/green/blue = 1 (grey for a
 * single channel), on the absolute 0..1 pixel scale.
 * @param {HTMLCanvasElement} canvas
 * @param {{q: Uint8Array, shape: [number, number], quant: {min: number, max: number},
 *   tint: [number, number, number]}} options
 */
export function paintChannel(canvas, { q, shape: [h, w], quant, tint }) {
  sizeCanvas(canvas, w, h);
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(w, h);
  const palette = new Uint32Array(256);
  for (let v = 0; v < 256; v += 1) {
    const value = Math.min(Math.max(quant.min + (v * (quant.max - quant.min)) / 255, 0), 1);
    const [r, g, b] = tint.map((c) => Math.round(c * value));
    palette[v] = (255 << 24 | b << 16 | g << 8 | r) >>> 0;
  }
  paint(q, palette, new Uint32Array(image.data.buffer));
  ctx.putImageData(image, 0, 0);
}

/** Tint of input channel `c` of `count`: red, green, blue, or grey. */
export function channelTint(c, count) {
  if (count !== 3) return [255, 255, 255];
  return [[255, 40, 40], [40, 220, 40], [60, 110, 255]][c];
}

/**
 * Paint exact float32 values at full resolution.
 * @param {HTMLCanvasElement} canvas
 * @param {{values: Float32Array, shape: [number, number], scale: object, colormaps: object}} o
 */
export function paintExact(canvas, { values, shape: [h, w], scale, colormaps }) {
  sizeCanvas(canvas, w, h);
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(w, h);
  const rgba = colormaps[scale.kind];
  const lut = new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.length / 4);
  const out = new Uint32Array(image.data.buffer);
  for (let i = 0; i < values.length; i += 1) out[i] = lut[lutIndex(values[i], scale)];
  ctx.putImageData(image, 0, 0);
}

/**
 * Shade never-read input rows and columns over `box` of a 2-D context: each display line is
 * filled in proportion to the input lines it shows that no window reads (see
 * unreached.js `lineCoverage`), so an isolated row stays visible on a reduced image and a
 * stride that skips every fourth row shades a quarter.
 * @param {CanvasRenderingContext2D} ctx
 * @param {{rows: number[], cols: number[], shape: [number, number], color: string,
 *   box: {x: number, y: number, width: number, height: number}, minPx?: number}} options
 *   `shape` is the input's (H, W); `box` where it is drawn, in the context's units; `minPx`
 *   the least width of a lone never-read line
 */
export function shadeUnreached(ctx, { rows, cols, shape: [h, w], color, box, minPx = 2 }) {
  const { x, y, width, height } = box;
  const lines = [
    [lineCoverage(rows, h, Math.max(Math.round(height), 1), { minPx }),
      (i) => [x, y + i, width, 1]],
    [lineCoverage(cols, w, Math.max(Math.round(width), 1), { minPx }),
      (i) => [x + i, y, 1, height]],
  ];
  ctx.save();
  ctx.fillStyle = color;
  for (const [cover, rect] of lines) {
    cover.forEach((c, i) => {
      if (c <= 0) return;
      ctx.globalAlpha = c;
      ctx.fillRect(...rect(i));
    });
  }
  ctx.restore();
}

/**
 * The photo overlay of never-read cells: `canvas` (laid over a tile of `size` CSS px) gets a
 * bitmap at the screen's resolution and the shading of `rows`/`cols` of an (H, W) map.
 * @param {HTMLCanvasElement} canvas
 * @param {{rows: number[], cols: number[], shape: [number, number], size: [number, number],
 *   color: string, scale?: number, minPx?: number}} options `scale`: device pixels per CSS
 *   pixel; `minPx`: least width in CSS px of a lone never-read line
 */
export function paintUnreached(canvas, { rows, cols, shape, size, color, scale = 1,
  minPx = 2 }) {
  const [height, width] = size.map((s) => Math.max(Math.round(s * scale), 1));
  sizeCanvas(canvas, width, height);
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, width, height);
  shadeUnreached(ctx, { rows, cols, shape, color, box: { x: 0, y: 0, width, height },
    minPx: minPx * scale });
}
