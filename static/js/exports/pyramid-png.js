/**
 * The whole pyramid as one PNG, as drawn (#15 §4): every row's name, shape and explanation,
 * every map tile and legend bar, at their places on the page, composed on one canvas in the
 * browser (the previews are already here; no request). Selection, hover and receptive-field
 * marks are left out: a figure for slides shows the maps, not the pointer.
 *
 * `figurePlan` is pure (positions in, drawing operations out) and unit-tested; `pyramidPng`
 * reads the DOM and paints the plan.
 * @module exports/pyramid-png
 */

/** Figure pixels per CSS pixel: sharp on a projector and in a printed handout. */
export const PYRAMID_PNG_SCALE = 2;
/** White margin around the figure, CSS pixels. */
export const PYRAMID_PNG_MARGIN = 12;
const BACKGROUND = "#ffffff";

/** Text pieces of a row, drawn in this order. */
const TEXT_SELECTORS = [".row-name", ".row-shape", ".row-text", ".row-legend .legend-text"];
/** Pictures of a row: the maps and the legend bar. */
const IMAGE_SELECTORS = [".tile-canvas", ".row-legend .legend-bar:not([hidden])"];

/**
 * @typedef {{left: number, top: number, width: number, height: number}} Rect
 * @typedef {{kind: "image", source: any, x: number, y: number, w: number, h: number}
 *   | {kind: "text", text: string, font: string, color: string, x: number, y: number,
 *     w: number, lineHeight: number}} Item
 */

/**
 * Where each piece goes on the figure: page rectangles relative to `frame`, plus the margin,
 * times `scale`. Pieces outside the frame or of no size are dropped.
 * @param {Rect} frame the pyramid's box on the page
 * @param {Array<{kind: "image"|"text", rect: Rect} & object>} pieces
 * @param {{scale?: number, margin?: number}} [options]
 * @returns {{width: number, height: number, items: Item[]}} figure size in pixels
 */
export function figurePlan(frame, pieces, { scale = PYRAMID_PNG_SCALE,
  margin = PYRAMID_PNG_MARGIN } = {}) {
  const at = (v, origin) => Math.round((v - origin + margin) * scale);
  const items = [];
  for (const { rect, ...piece } of pieces) {
    if (rect.width <= 0 || rect.height <= 0) continue;
    if (rect.left + rect.width <= frame.left || rect.left >= frame.left + frame.width
      || rect.top + rect.height <= frame.top || rect.top >= frame.top + frame.height) continue;
    const x = at(rect.left, frame.left);
    const y = at(rect.top, frame.top);
    if (piece.kind === "image") {
      items.push({ ...piece, x, y, w: Math.round(rect.width * scale),
        h: Math.round(rect.height * scale) });
    } else {
      items.push({ ...piece, x, y, w: Math.round(rect.width * scale),
        lineHeight: Math.round((piece.lineHeight ?? rect.height) * scale),
        font: scaleFont(piece.font, scale) });
    }
  }
  return { width: Math.round((frame.width + 2 * margin) * scale),
    height: Math.round((frame.height + 2 * margin) * scale), items };
}

/** A CSS font shorthand with its pixel size multiplied by `scale`. */
export function scaleFont(font, scale) {
  return font.replace(/(\d+(?:\.\d+)?)px/, (_, px) => `${Number(px) * scale}px`);
}

/**
 * Words of `text` in lines no wider than `width` (one word may overflow on its own).
 * @param {string} text
 * @param {number} width
 * @param {(s: string) => number} measure
 * @returns {string[]}
 */
export function wrapText(text, width, measure) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && measure(next) > width) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function rectOf(el) {
  const r = el.getBoundingClientRect();
  return { left: r.left, top: r.top, width: r.width, height: r.height };
}

function piecesOf(root, win) {
  const pieces = [];
  // the selected row's accent colour is a pointer mark too: read every row unselected
  const selected = [...root.querySelectorAll(".pyr-row.selected")];
  selected.forEach((row) => row.classList.remove("selected"));
  try {
    for (const row of root.querySelectorAll(".pyr-row")) pieces.push(...rowPieces(row, win));
  } finally {
    selected.forEach((row) => row.classList.add("selected"));
  }
  return pieces;
}

function rowPieces(row, win) {
  const pieces = [];
  for (const el of row.querySelectorAll(IMAGE_SELECTORS.join(","))) {
    pieces.push({ kind: "image", source: el, rect: rectOf(el) });
  }
  for (const el of row.querySelectorAll(TEXT_SELECTORS.join(","))) {
    const text = el.textContent.trim();
    if (!text || el.closest("[hidden]")) continue;
    const style = win.getComputedStyle(el);
    const lineHeight = Number.parseFloat(style.lineHeight)
      || Number.parseFloat(style.fontSize) * 1.25;
    pieces.push({ kind: "text", text, rect: rectOf(el), color: style.color, lineHeight,
      font: `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}` });
  }
  return pieces;
}

function paint(ctx, plan) {
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, plan.width, plan.height);
  ctx.imageSmoothingEnabled = false; // every cell stays a crisp block, as on the page
  ctx.textBaseline = "top";
  for (const item of plan.items) {
    if (item.kind === "image") {
      ctx.drawImage(item.source, item.x, item.y, item.w, item.h);
      continue;
    }
    ctx.font = item.font;
    ctx.fillStyle = item.color;
    const lines = wrapText(item.text, item.w + 1, (s) => ctx.measureText(s).width);
    lines.forEach((line, i) => ctx.fillText(line, item.x, item.y + i * item.lineHeight));
  }
}

/**
 * The pyramid under `root` as a PNG file.
 * @param {HTMLElement} root `#pyramid`
 * @param {{win?: Window, scale?: number}} [options]
 * @returns {Promise<{blob: Blob, filename: string, width: number, height: number}>}
 */
export async function pyramidPng(root, { win = window, scale = PYRAMID_PNG_SCALE } = {}) {
  if (!root?.querySelector(".pyr-row")) throw new Error("the pyramid is not drawn yet");
  const plan = figurePlan(rectOf(root), piecesOf(root, win), { scale });
  const canvas = root.ownerDocument.createElement("canvas");
  canvas.width = plan.width;
  canvas.height = plan.height;
  paint(canvas.getContext("2d"), plan);
  const blob = await new Promise((resolve, reject) => canvas.toBlob(
    (b) => (b ? resolve(b) : reject(new Error("the browser could not encode the PNG"))),
    "image/png"));
  return { blob, filename: "convscope-pyramid.png", width: plan.width, height: plan.height };
}
