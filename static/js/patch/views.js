/**
 * The photo animation's canvases. The input (with its padding ring) is painted once into an
 * offscreen canvas and drawn once into the base canvas; each frame only clears and redraws the
 * small overlay (window and taps), the magnifier, and copies the output cells that changed.
 */

import { COLORS, MAGNIFIER_CELL_PX, MAGNIFIER_MARGIN, MAGNIFIER_MAX_PX, MAGNIFIER_MIN_CELL,
  MAGNIFIER_MIN_CELL_PX, VIEW_MAX_PX } from "./config.js";
import { formatCompact } from "./format.js";
import { copyCells, cssOf } from "./paint.js";
import { shadeUnreached } from "../render/paint.js";
import { windowAt, windowSpan } from "./windows.js";

const MIN_MARK_PX = 6;

/** Black or white, whichever reads better on a packed RGBA background. */
export function textOn(packed) {
  const lum = (packed & 255) * 0.3 + ((packed >>> 8) & 255) * 0.59
    + ((packed >>> 16) & 255) * 0.11;
  return lum > 140 ? "#000" : "#fff";
}

/** Size a canvas to `cssW x cssH` CSS pixels at the device pixel ratio. */
function sizeCanvas(canvas, cssW, cssH) {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(cssW * dpr));
  canvas.height = Math.max(1, Math.round(cssH * dpr));
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/**
 * CSS px per cell for a grid of `rows x cols` cells in a `VIEW_MAX_PX` box.
 *
 * @param {number} rows
 * @param {number} cols
 * @returns {number}
 */
export function cellSize(rows, cols) {
  return Math.min(VIEW_MAX_PX / rows, VIEW_MAX_PX / cols, 48);
}

/**
 * Draw the static part of the input view: the padded input, cell lines when cells are big
 * enough, the image border, and the rows/columns no window reaches.
 *
 * @param {CanvasRenderingContext2D} ctx sized to the view.
 * @param {{image: HTMLCanvasElement, cell: number, geometry: object,
 *   unreached: {rows: number[], cols: number[]},
 *   coloring?: object|null}} args `image` is the native padded input; with `coloring`
 *   (see paint.js inputColoring) each cell's value is printed when cells are large.
 */
export function drawInputBase(ctx, { image, cell, geometry, unreached, coloring = null }) {
  const [, h, w] = geometry.inShape;
  const [top, , left] = geometry.padding;
  const pw = image.width;
  const ph = image.height;
  ctx.clearRect(0, 0, pw * cell, ph * cell);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(image, 0, 0, pw * cell, ph * cell);
  if (cell >= 4) {
    ctx.strokeStyle = "rgba(0, 0, 0, 0.18)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let y = 0; y <= ph; y += 1) { ctx.moveTo(0, y * cell); ctx.lineTo(pw * cell, y * cell); }
    for (let x = 0; x <= pw; x += 1) { ctx.moveTo(x * cell, 0); ctx.lineTo(x * cell, ph * cell); }
    ctx.stroke();
  }
  if (pw > w || ph > h) {
    // The padding ring: dashed cells holding zeros.
    ctx.save();
    ctx.strokeStyle = COLORS.paddingStroke;
    ctx.setLineDash([3, 3]);
    ctx.strokeRect(0.5, 0.5, pw * cell - 1, ph * cell - 1);
    if (cell >= 14) {
      ctx.fillStyle = COLORS.paddingStroke;
      ctx.font = `${Math.min(cell * 0.45, 14)}px system-ui, sans-serif`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      for (let y = 0; y < ph; y += 1) {
        for (let x = 0; x < pw; x += 1) {
          const inside = y >= top && y < top + h && x >= left && x < left + w;
          if (!inside) ctx.fillText("0", (x + 0.5) * cell, (y + 0.5) * cell);
        }
      }
    }
    ctx.restore();
  }
  ctx.strokeStyle = COLORS.inputStroke;
  ctx.lineWidth = 2;
  ctx.strokeRect(left * cell, top * cell, w * cell, h * cell);
  shadeUnreached(ctx, { rows: unreached.rows, cols: unreached.cols, shape: [h, w],
    color: COLORS.unreached, box: { x: left * cell, y: top * cell, width: w * cell,
      height: h * cell } });
  if (coloring && cell >= MAGNIFIER_MIN_CELL_PX) {
    ctx.font = `${Math.min(cell * 0.3, 12)}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let y = 0; y < h; y += 1) {
      for (let x = 0; x < w; x += 1) {
        const v = coloring.valueAt(y, x);
        if (v.length === 1) {
          ctx.fillStyle = textOn(coloring.colorAt(y, x));
          ctx.fillText(formatCompact(v[0]), (x + left + 0.5) * cell,
            (y + top + 0.5) * cell);
        }
      }
    }
  }
}

/**
 * The window's outline and taps at `step`, in padded-canvas coordinates.
 *
 * @param {CanvasRenderingContext2D} ctx
 * @param {{geometry: object, step: number, cell: number}} args
 * @returns {{x: number, y: number, w: number, h: number}} the window's box in CSS px.
 */
export function drawWindow(ctx, { geometry, step, cell }) {
  const { top, left } = windowAt(geometry, step);
  const [sh, sw] = windowSpan(geometry);
  const x0 = (left + geometry.padding[2]) * cell;
  const y0 = (top + geometry.padding[0]) * cell;
  const box = { x: x0, y: y0, w: sw * cell, h: sh * cell };
  ctx.fillStyle = COLORS.tap;
  ctx.strokeStyle = COLORS.windowStroke;
  ctx.lineWidth = 1.5;
  if (cell >= 3) {
    for (let u = 0; u < geometry.kernel[0]; u += 1) {
      for (let v = 0; v < geometry.kernel[1]; v += 1) {
        const tx = x0 + v * geometry.dilation[1] * cell;
        const ty = y0 + u * geometry.dilation[0] * cell;
        ctx.fillRect(tx, ty, cell, cell);
        if (cell >= 8) ctx.strokeRect(tx + 1, ty + 1, cell - 2, cell - 2);
      }
    }
  }
  // Keep the mark visible on a big image where the window is smaller than a few pixels.
  const grow = (size) => Math.max(size, MIN_MARK_PX);
  const mw = grow(box.w);
  const mh = grow(box.h);
  ctx.strokeStyle = COLORS.windowStroke;
  ctx.lineWidth = 2;
  ctx.strokeRect(box.x + box.w / 2 - mw / 2, box.y + box.h / 2 - mh / 2, mw, mh);
  ctx.strokeStyle = "#ffffff";
  ctx.lineWidth = 1;
  ctx.strokeRect(box.x + box.w / 2 - mw / 2 - 1.5, box.y + box.h / 2 - mh / 2 - 1.5, mw + 3,
    mh + 3);
  return box;
}

/**
 * Cells the magnifier shows around the window at `step` (input coordinates).
 *
 * @param {object} geometry
 * @param {number} step
 * @returns {{y0: number, x0: number, rows: number, cols: number, dy: number, dx: number}}
 *   `dy`, `dx`: where the window's top-left tap is inside the region.
 */
export function magnifierRegion(geometry, step) {
  const { top, left } = windowAt(geometry, step);
  const span = windowSpan(geometry);
  const [, h, w] = geometry.inShape;
  const [pt, pb, pl, pr] = geometry.padding;
  const m = MAGNIFIER_MARGIN;
  // The window plus a margin, clipped to the padded input (nothing exists beyond it).
  const y0 = Math.max(top - m, -pt);
  const x0 = Math.max(left - m, -pl);
  const y1 = Math.min(top + span[0] + m, h + pb);
  const x1 = Math.min(left + span[1] + m, w + pr);
  return { y0, x0, rows: y1 - y0, cols: x1 - x0, dy: top - y0, dx: left - x0 };
}

/**
 * Draw the magnifier: the cells around the window, large, with their values, the padding
 * zeros dashed, the taps outlined and (for a single channel) the weights beside them.
 *
 * @param {HTMLCanvasElement} canvas
 * @param {{geometry: object, step: number, coloring: object, kernel: Float32Array|null,
 *   shownChannel: number}} args `kernel` is the `kh x kw` slice of the shown channel.
 * @returns {{width: number, height: number}} CSS size.
 */
export function drawMagnifier(canvas, { geometry, step, coloring, kernel }) {
  const region = magnifierRegion(geometry, step);
  const [, h, w] = geometry.inShape;
  const biggest = Math.max(region.rows, region.cols);
  const rgb = coloring.valueAt(0, 0).length === 3;
  // Room for three values (R, G, B) or a value above its tap's weight.
  const base = MAGNIFIER_CELL_PX + (rgb || kernel ? 12 : 0);
  const cell = Math.max(Math.min(base, Math.floor(MAGNIFIER_MAX_PX / biggest)),
    MAGNIFIER_MIN_CELL);
  const cssW = region.cols * cell;
  const cssH = region.rows * cell;
  const dpr = window.devicePixelRatio || 1;
  const ctx = canvas.width === Math.round(cssW * dpr) && canvas.height === Math.round(cssH * dpr)
    ? canvas.getContext("2d") : sizeCanvas(canvas, cssW, cssH);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  const fontPx = Math.max(Math.min(Math.round(cell * 0.26), 12), 8);
  const isTap = (r, c) => {
    const du = r - region.dy;
    const dv = c - region.dx;
    return du >= 0 && dv >= 0 && du % geometry.dilation[0] === 0
      && dv % geometry.dilation[1] === 0 && du / geometry.dilation[0] < geometry.kernel[0]
      && dv / geometry.dilation[1] < geometry.kernel[1];
  };
  for (let r = 0; r < region.rows; r += 1) {
    for (let c = 0; c < region.cols; c += 1) {
      const y = region.y0 + r;
      const x = region.x0 + c;
      const px = c * cell;
      const py = r * cell;
      // Leave the bottom of a tap for its weight.
      const top = kernel && isTap(r, c) ? cell * 0.78 : cell;
      if (y >= 0 && y < h && x >= 0 && x < w) {
        const packed = coloring.colorAt(y, x);
        ctx.fillStyle = cssOf(packed);
        ctx.fillRect(px, py, cell, cell);
        ctx.fillStyle = textOn(packed);
        const values = coloring.valueAt(y, x);
        ctx.font = `${fontPx}px system-ui, sans-serif`;
        values.forEach((v, i) => ctx.fillText(formatCompact(v), px + cell / 2,
          py + top * ((i + 1) / (values.length + 1))));
      } else {
        ctx.fillStyle = COLORS.padding;
        ctx.fillRect(px, py, cell, cell);
        ctx.save();
        ctx.setLineDash([4, 3]);
        ctx.strokeStyle = COLORS.paddingStroke;
        ctx.strokeRect(px + 1.5, py + 1.5, cell - 3, cell - 3);
        ctx.restore();
        ctx.fillStyle = COLORS.paddingStroke;
        ctx.font = `${fontPx}px system-ui, sans-serif`;
        ctx.fillText("0", px + cell / 2, py + top / 2);
      }
    }
  }
  ctx.lineWidth = 3;
  for (let u = 0; u < geometry.kernel[0]; u += 1) {
    for (let v = 0; v < geometry.kernel[1]; v += 1) {
      const px = (region.dx + v * geometry.dilation[1]) * cell;
      const py = (region.dy + u * geometry.dilation[0]) * cell;
      if (kernel) {
        const band = cell * 0.24;
        ctx.fillStyle = COLORS.windowStroke;
        ctx.fillRect(px, py + cell - band, cell, band);
        ctx.fillStyle = "#ffffff";
        ctx.font = `bold ${Math.max(fontPx - 1, 8)}px system-ui, sans-serif`;
        ctx.fillText(`×${formatCompact(kernel[u * geometry.kernel[1] + v])}`, px + cell / 2,
          py + cell - band / 2);
      }
      ctx.strokeStyle = COLORS.windowStroke;
      ctx.strokeRect(px + 1.5, py + 1.5, cell - 3, cell - 3);
    }
  }
  return { width: cssW, height: cssH };
}

/**
 * Paint the output map up to and including `step`: copies only the cells between the last
 * painted count and the new one (forward: computed colours; backward: the pending colour).
 *
 * @param {CanvasRenderingContext2D} ctx native-size output canvas.
 * @param {{done: ImageData, pending: ImageData}} images
 * @param {{painted: number, step: number}} args `painted` cells already shown.
 * @returns {number} the new painted count (`step + 1`).
 */
export function paintOutputTo(ctx, images, { painted, step }) {
  const target = step + 1;
  if (target > painted) copyCells(ctx, images.done, painted, target);
  else if (target < painted) copyCells(ctx, images.pending, target, painted);
  return target;
}

export { sizeCanvas };
