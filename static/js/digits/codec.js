/**
 * The drawing pad's compact text encoding, kept in the URL (`image: {pixels: TEXT}`).
 *
 * A pad is 28 x 28 grey cells, 0 (black) to 255 (white ink), stored at 16 ink levels
 * (0, 17, 34, ..., 255). The text lists the cells in row-major order: a non-zero level is one
 * hex digit `1`-`f`; a run of 1 to 20 blank cells is one letter `g` (1) to `z` (20); blank
 * cells at the end are left out. A blank pad is the empty string. A drawn digit takes about
 * 150-250 characters (base64 of the raw bytes would take 1,046). Pure functions.
 * @module digits/codec
 */

import { DIGITS } from "../config.js";

const CELLS = DIGITS.side * DIGITS.side;
const STEP = 255 / (DIGITS.levels - 1); // 17
const RUN_BASE = "g".charCodeAt(0) - 1; // "g" = a run of 1
const MAX_RUN = "z".charCodeAt(0) - RUN_BASE; // 20

/** Longest text a pad can encode to (every cell inked): what the URL sanitiser accepts. */
export const MAX_PAD_TEXT = CELLS;

/**
 * A pixel value (0..255) rounded to the nearest of the 16 ink levels the URL keeps.
 * @param {number} value
 * @returns {number} 0, 17, ..., 255
 */
export function quantize(value) {
  const v = Math.min(Math.max(Number(value) || 0, 0), 255);
  return Math.round(v / STEP) * STEP;
}

/**
 * The text of a pad.
 * @param {ArrayLike<number>} pixels 784 values 0..255, row-major (quantised on the way)
 * @returns {string}
 */
export function encodePad(pixels) {
  let out = "";
  let run = 0;
  const flush = () => {
    while (run > 0) {
      const n = Math.min(run, MAX_RUN);
      out += String.fromCharCode(RUN_BASE + n);
      run -= n;
    }
  };
  for (let i = 0; i < CELLS; i += 1) {
    const level = Math.round(quantize(pixels[i] ?? 0) / STEP);
    if (level === 0) {
      run += 1;
      continue;
    }
    flush();
    out += level.toString(16);
  }
  return out; // the trailing run is left out
}

/**
 * The pixels of a pad's text, or null if it is not one.
 * @param {string} text
 * @returns {Uint8Array|null} 784 values 0..255, row-major
 */
export function decodePad(text) {
  if (typeof text !== "string" || !/^[0-9a-z]*$/.test(text)) return null;
  const pixels = new Uint8Array(CELLS);
  let i = 0;
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code > RUN_BASE) {
      i += code - RUN_BASE;
    } else {
      if (i < CELLS) pixels[i] = Number.parseInt(ch, 16) * STEP;
      i += 1;
    }
    if (i > CELLS) return null;
  }
  return pixels;
}

/**
 * True when no cell has ink.
 * @param {ArrayLike<number>} pixels
 */
export function isBlank(pixels) {
  for (let i = 0; i < pixels.length; i += 1) if (pixels[i] > 0) return false;
  return true;
}

/**
 * The pixels as the API's inline image (`{"pixels": [[0..255]]}`, 28 rows of 28).
 * @param {ArrayLike<number>} pixels
 * @returns {number[][]}
 */
export function padRows(pixels) {
  const side = DIGITS.side;
  return Array.from({ length: side }, (_, r) => Array.from({ length: side },
    (_, c) => pixels[r * side + c]));
}
