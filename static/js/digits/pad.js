/**
 * The drawing pad: 28 x 28 cells shown large, drawn with a mouse, a finger or a pen (pointer
 * events, coalesced moves for smooth strokes), white ink on black as MNIST has it, with the
 * 20 x 20 box MNIST centres its digits in drawn as a guide. From the keyboard: the arrow keys
 * move a cursor, Space lifts or lowers the pen (a lowered pen inks as it moves), Delete
 * clears. It shows whatever the network is reading (a drawing, a held-out digit, a prepared
 * photo); drawing on one of those starts from its pixels.
 * @module digits/pad
 */

import { DIGITS } from "../config.js";
import { h } from "../dom.js";
import { stroke } from "./brush.js";

/**
 * @param {{onDraw: (pixels: Uint8Array) => void, label?: string}} options `onDraw` gets a
 *   new array after every stroke segment (and a blank one on Clear)
 * @returns {{el: HTMLElement, canvas: HTMLCanvasElement, show: (pixels: Uint8Array|null) => void,
 *   clear: () => void, pixels: () => Uint8Array}}
 */
export function createPad({ onDraw, label = "Drawing pad" }) {
  const side = DIGITS.side;
  const px = side * DIGITS.padCellPx;
  const canvas = h("canvas", { class: "pad-canvas", width: side, height: side,
    style: { width: `${px}px`, height: `${px}px` } });
  const inset = ((side - DIGITS.guideBox) / 2 / side) * 100;
  const guide = h("span", { class: "pad-guide", "aria-hidden": "true",
    title: "MNIST digits fill this 20 × 20 box", style: { inset: `${inset}%` } });
  const cursor = h("span", { class: "pad-cursor", hidden: true, "aria-hidden": "true",
    style: { width: `${100 / side}%`, height: `${100 / side}%` } });
  const el = h("div", { class: "pad", tabIndex: 0, role: "application",
    "aria-roledescription": "drawing pad", "aria-label": `${label}: `
    + "draw a digit with the mouse, a finger or a pen; from the keyboard, the arrow keys move "
    + "the pen, Space puts it down or lifts it, Delete clears",
  style: { width: `${px}px`, height: `${px}px` } }, canvas, guide, cursor);
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(side, side);
  const pen = { pixels: new Uint8Array(side * side), last: null, id: null,
    key: { x: side / 2, y: side / 2, down: false } };

  function paint() {
    const out = image.data;
    for (let i = 0; i < pen.pixels.length; i += 1) {
      const v = pen.pixels[i];
      out[i * 4] = v;
      out[i * 4 + 1] = v;
      out[i * 4 + 2] = v;
      out[i * 4 + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }

  const cellOf = (ev) => {
    const rect = canvas.getBoundingClientRect();
    return { x: ((ev.clientX - rect.left) / rect.width) * side,
      y: ((ev.clientY - rect.top) / rect.height) * side };
  };

  function ink(points) {
    for (const p of points) {
      pen.pixels = stroke(pen.pixels, { from: pen.last ?? p, to: p });
      pen.last = p;
    }
    paint();
    onDraw(pen.pixels);
  }

  el.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0 && ev.pointerType === "mouse") return;
    ev.preventDefault();
    el.focus({ preventScroll: true });
    pen.id = ev.pointerId;
    try {
      el.setPointerCapture(ev.pointerId);
    } catch {
      // a synthetic pointer (a test) cannot be captured: strokes still follow it
    }
    pen.last = null;
    ink([cellOf(ev)]);
  });
  el.addEventListener("pointermove", (ev) => {
    if (ev.pointerId !== pen.id) return;
    const events = ev.getCoalescedEvents?.() ?? [];
    ink((events.length ? events : [ev]).map(cellOf));
  });
  const lift = (ev) => {
    if (ev.pointerId !== pen.id) return;
    pen.id = null;
    pen.last = null;
  };
  el.addEventListener("pointerup", lift);
  el.addEventListener("pointercancel", lift);

  const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  el.addEventListener("keydown", (ev) => {
    const k = pen.key;
    if (moves[ev.key]) {
      ev.preventDefault();
      const [dx, dy] = moves[ev.key];
      k.x = Math.min(Math.max(k.x + dx, 0.5), side - 0.5);
      k.y = Math.min(Math.max(k.y + dy, 0.5), side - 0.5);
      if (k.down) ink([{ x: k.x, y: k.y }]);
    } else if (ev.key === " " || ev.key === "Enter") {
      ev.preventDefault();
      k.down = !k.down;
      pen.last = null;
      if (k.down) ink([{ x: k.x, y: k.y }]);
    } else if (ev.key === "Delete" || ev.key === "Backspace") {
      ev.preventDefault();
      clear();
    } else {
      return;
    }
    cursor.hidden = false;
    cursor.classList.toggle("down", k.down);
    Object.assign(cursor.style, { left: `${((k.x - 0.5) / side) * 100}%`,
      top: `${((k.y - 0.5) / side) * 100}%` });
  });
  el.addEventListener("blur", () => { cursor.hidden = true; pen.key.down = false; });

  /** Show `pixels` (28 x 28, 0..255) without telling `onDraw`; null shows a blank pad. */
  function show(pixels) {
    if (pen.id !== null) return; // never under the pen
    pen.pixels = pixels ? Uint8Array.from(pixels) : new Uint8Array(side * side);
    paint();
  }

  function clear() {
    pen.pixels = new Uint8Array(side * side);
    pen.last = null;
    paint();
    onDraw(pen.pixels);
  }

  paint();
  return { el, canvas, show, clear, pixels: () => pen.pixels };
}
