/**
 * The input rows and columns a layer never reads, in words and as shading: pure helpers shared
 * by the geometry panel, the photo overlay, the sliding-patch view and grid mode.
 *
 * The cells themselves come from the engine's geometry (`unreached_rows`/`unreached_cols`) or
 * from conv-math.js `unreachedIndices`, which is held against it.
 * @module render/unreached
 */

import { effectiveKernel, outputLength } from "../conv-math.js";

/**
 * @typedef {{n: number, k: number, stride: number, dilation: number, before: number,
 *   after: number}} Axis  one axis of a window geometry
 * @typedef {{rows: number[], cols: number[], axes: [Axis, Axis]}} Unreached  never-read input
 *   rows and columns (ascending) with the geometry of both axes
 */

/**
 * The never-read lines of a geometry as the server (or conv-plan.js) sends it.
 * @param {{in_shape: number[], kernel: number[], stride: number[], dilation: number[],
 *   padding: number[], unreached_rows?: number[], unreached_cols?: number[]}} geo
 * @returns {Unreached}
 */
export function unreachedOfGeometry(geo) {
  return {
    rows: geo.unreached_rows ?? [],
    cols: geo.unreached_cols ?? [],
    axes: [0, 1].map((a) => ({ n: geo.in_shape[1 + a], k: geo.kernel[a], stride: geo.stride[a],
      dilation: geo.dilation[a], before: geo.padding[2 * a], after: geo.padding[2 * a + 1] })),
  };
}

/**
 * The rows or columns of 0-based `indices` as the page writes them, counted from 1 (as the
 * hover, the animation and the grid do): "4", "4 and 8", "2, 3, 5 and 6", or
 * "1, 5, 9, …, 509" when there are more than `max`.
 * @param {number[]} indices 0-based
 * @param {number} [max]
 */
export function indexList(indices, max = 6) {
  const n = indices.map((i) => i + 1);
  if (n.length <= 1) return n.join("");
  if (n.length <= max) return `${n.slice(0, -1).join(", ")} and ${n[n.length - 1]}`;
  return `${n.slice(0, 3).join(", ")}, …, ${n[n.length - 1]}`;
}

/**
 * How many of an axis's never-read cells lie past the last window (dropped by the floor) and
 * how many lie before or between windows or taps (stepped over).
 * @param {number[]} indices
 * @param {Axis} axis
 * @returns {{trailing: number, skipped: number}}
 */
export function unreachedCauses(indices, axis) {
  const out = outputLength(axis.n, axis.k, axis);
  const end = (out - 1) * axis.stride + effectiveKernel(axis.k, axis.dilation) - axis.before;
  const trailing = indices.filter((i) => i >= end).length;
  return { trailing, skipped: indices.length - trailing };
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function causeText(indices, axis, { along, end }) {
  const { trailing, skipped } = unreachedCauses(indices, axis);
  const span = effectiveKernel(axis.k, axis.dilation);
  const parts = [];
  if (skipped) {
    parts.push(axis.stride > span
      ? `the stride ${axis.stride} is longer than the window (${span} ${along}), so it steps `
        + "over cells between windows"
      : `the dilated taps (${axis.dilation} apart) leave holes no window fills`);
  }
  if (trailing) {
    parts.push(`the floor in the formula drops the last ${trailing === 1 ? "one" : trailing} `
      + `at the ${end}`);
  }
  return parts.join(", and ");
}

/**
 * One sentence: how many rows and columns are never read, which ones, and why.
 * @param {Unreached} lines
 * @param {{subject?: string}} [options] what they belong to ("this layer's input")
 * @returns {string|null} null when every cell is read
 */
export function unreachedSentence({ rows, cols, axes }, { subject = "the input" } = {}) {
  if (!rows.length && !cols.length) return null;
  const parts = [];
  if (rows.length) parts.push(`${plural(rows.length, "row")} (${indexList(rows)})`);
  if (cols.length) parts.push(`${plural(cols.length, "column")} (${indexList(cols)})`);
  const alike = rows.length && cols.length && indexList(rows) === indexList(cols)
    && JSON.stringify(axes[0]) === JSON.stringify(axes[1]);
  const reasons = alike ? [causeText(rows, axes[0], { along: "cells", end: "bottom and right" })]
    : [rows.length && causeText(rows, axes[0], { along: "rows", end: "bottom" }),
      cols.length && causeText(cols, axes[1], { along: "columns", end: "right" })]
      .filter(Boolean).map((text, i, all) => (all.length > 1
        ? `${["rows", "columns"][i]}: ${text}` : text));
  return `${parts.join(" and ")} of ${subject} ${rows.length + cols.length > 1 ? "are" : "is"} `
    + `never read by any window: ${reasons.join("; ")}.`;
}

/**
 * How much of each of `size` display lines is covered by never-read input lines, when `n`
 * input lines are drawn over `size` pixels: 0 (none) to 1 (all). A thin run with room around
 * it is widened to `minPx` so a single row stays visible on a reduced image; runs too close to
 * widen give their true share, so a stride that skips every fourth row shades a quarter.
 * @param {number[]} indices never-read input lines, ascending
 * @param {number} n input lines
 * @param {number} size display lines (pixels)
 * @param {{minPx?: number}} [options]
 * @returns {Float32Array} length `size`
 */
export function lineCoverage(indices, n, size, { minPx = 2 } = {}) {
  const cover = new Float32Array(size);
  const scale = size / n;
  const runs = [];
  for (const i of indices) {
    const last = runs[runs.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  runs.forEach(([a, b], r) => {
    let lo = a * scale;
    let hi = b * scale;
    const gapBefore = r > 0 ? (a - runs[r - 1][1]) * scale : Infinity;
    const gapAfter = r < runs.length - 1 ? (runs[r + 1][0] - b) * scale : Infinity;
    if (hi - lo < minPx && gapBefore >= minPx && gapAfter >= minPx) {
      lo = Math.min(Math.max(lo - (minPx - (hi - lo)) / 2, 0), Math.max(size - minPx, 0));
      hi = Math.min(lo + minPx, size);
    }
    for (let y = Math.floor(lo); y < Math.min(Math.ceil(hi), size); y += 1) {
      cover[y] += Math.min(hi, y + 1) - Math.max(lo, y);
    }
  });
  return cover.map((c) => Math.min(c, 1));
}
