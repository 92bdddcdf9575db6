/**
 * Grid mode's model: a small hand-typed input and kernel, their presets, padding resolution,
 * the output-size formula with the numbers, and the compact URL form. Pure functions only.
 *
 * The URL form (`grid` in the page state) is
 * `{h, w, c, x, kh, kw, k, b, s: [sh, sw], d: [dh, dw], p, step, flip, speed}` where `x` and
 * `k` are comma-separated numbers (`C x H x W` and `C x kh x kw`, row-major) and `p` is
 * `"valid" | "same" | "full" | [top, bottom, left, right]`.
 */

import { DEFAULT_SPEED, GRID_DEFAULTS, GRID_LIMITS } from "../patch/config.js";
import { nearestSpeed } from "../patch/anim-state.js";
import { effectiveKernel, outputLength, resolvePadding } from "../conv-math.js";

/** Input presets offered in the grid editor. */
export const INPUT_PRESETS = Object.freeze({
  ramp: "Ramp 0, 1, 2, …",
  ones: "All ones",
  random: "Random integers 0–9",
  zeros: "All zeros",
  checker: "Checkerboard",
});

/** Kernel presets offered in the grid editor. */
export const KERNEL_PRESETS = Object.freeze({
  ones: "All ones",
  random: "Random integers −2…2",
  identity: "Identity",
  edge_x: "Vertical edge (−1 0 1)",
  ramp: "Ramp 0, 1, 2, …",
});

/**
 * A seeded integer generator (mulberry32): the same seed gives the same numbers.
 *
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Values of an input preset, `C x H x W` row-major.
 *
 * @param {string} name a key of {@link INPUT_PRESETS}.
 * @param {{c: number, h: number, w: number, seed?: number}} dims
 * @returns {number[]}
 */
export function inputPreset(name, { c, h, w, seed = 1 }) {
  const n = c * h * w;
  const rand = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const y = Math.floor((i % (h * w)) / w);
    const x = i % w;
    switch (name) {
      case "ones": return 1;
      case "zeros": return 0;
      case "random": return Math.floor(rand() * 10);
      case "checker": return (x + y) % 2;
      default: return i % (h * w) + Math.floor(i / (h * w));
    }
  });
}

/**
 * Values of a kernel preset, `C x kh x kw` row-major.
 *
 * @param {string} name a key of {@link KERNEL_PRESETS}.
 * @param {{c: number, kh: number, kw: number, seed?: number}} dims
 * @returns {number[]}
 */
export function kernelPreset(name, { c, kh, kw, seed = 2 }) {
  const rand = seededRandom(seed);
  return Array.from({ length: c * kh * kw }, (_, i) => {
    const u = Math.floor((i % (kh * kw)) / kw);
    const v = i % kw;
    switch (name) {
      case "random": return Math.floor(rand() * 5) - 2;
      case "identity": return u === (kh - 1) >> 1 && v === (kw - 1) >> 1 ? 1 : 0;
      case "edge_x": return Math.sign(v - (kw - 1) / 2);
      case "ramp": return i % (kh * kw);
      default: return 1;
    }
  });
}

/**
 * Explicit `[top, bottom, left, right]` of a grid's padding mode or list (conv-math.js's
 * `resolvePadding`, TensorFlow's "same" as in the engine).
 *
 * @param {object} grid a normalised grid (see {@link normaliseGrid}).
 * @returns {number[]}
 */
export function gridPadding(grid) {
  return resolvePadding(grid.p, { inSize: [grid.h, grid.w], kernel: [grid.kh, grid.kw],
    stride: grid.s, dilation: grid.d });
}

/**
 * The window geometry of a grid (for `windows.js` and `arithmetic.js`).
 *
 * @param {object} grid normalised.
 * @returns {import('../patch/windows.js').WindowGeometry}
 */
export function gridGeometry(grid) {
  return { inShape: [grid.c, grid.h, grid.w], kernel: [grid.kh, grid.kw], stride: grid.s,
    dilation: grid.d, padding: gridPadding(grid) };
}

/**
 * The output-size formula with the numbers for both axes, and why the output is empty.
 *
 * @param {object} grid normalised.
 * @returns {{axes: {axis: string, text: string, size: number}[], empty: string|null}}
 *   `empty` explains the first axis on which no window fits, or is null.
 */
export function formulaLines(grid) {
  const [top, bottom, left, right] = gridPadding(grid);
  const axes = [
    { axis: "height", n: grid.h, k: grid.kh, stride: grid.s[0], dilation: grid.d[0],
      before: top, after: bottom },
    { axis: "width", n: grid.w, k: grid.kw, stride: grid.s[1], dilation: grid.d[1],
      before: left, after: right },
  ];
  let empty = null;
  const lines = axes.map((a) => {
    const size = outputLength(a.n, a.k, a);
    const span = effectiveKernel(a.k, a.dilation);
    const padded = a.n + a.before + a.after;
    const inner = padded - span;
    const text = `${a.axis}: floor((${a.n} + ${a.before} + ${a.after} − ${a.dilation}·(${a.k} − 1)`
      + ` − 1) / ${a.stride}) + 1 = ${size > 0 ? `floor(${inner} / ${a.stride}) + 1 = ${size}`
        : "no window fits"}`;
    if (size === 0 && empty === null) {
      empty = `Empty output: along the ${a.axis} the dilated kernel spans ${span} cells `
        + `(${a.dilation}·(${a.k} − 1) + 1) but the padded input has only ${padded} `
        + `(${a.n} + ${a.before} + ${a.after}). Add padding, or use a smaller kernel or `
        + "dilation.";
    }
    return { axis: a.axis, text, size };
  });
  return { axes: lines, empty };
}

const clampInt = (value, lo, hi, fallback) => {
  const v = Number(value);
  return Number.isInteger(v) ? Math.min(Math.max(v, lo), hi) : fallback;
};

const clampPair = (value, lo, hi, fallback) => {
  const pair = Array.isArray(value) ? value : [value, value];
  return [clampInt(pair[0], lo, hi, fallback), clampInt(pair[1] ?? pair[0], lo, hi, fallback)];
};

const parseValues = (text, length, fallback) => {
  const parts = typeof text === "string" ? text.split(",").map(Number) : [];
  if (parts.length !== length || parts.some((v) => !Number.isFinite(v))) return fallback();
  return parts.map((v) => Math.min(Math.max(v, -GRID_LIMITS.maxAbsValue),
    GRID_LIMITS.maxAbsValue));
};

/**
 * A valid grid from anything (a URL, an edit): sizes clamped to the limits, values that do not
 * match the sizes replaced by the default presets.
 *
 * @param {unknown} raw
 * @returns {{h: number, w: number, c: number, x: number[], kh: number, kw: number,
 *   k: number[], b: number, s: number[], d: number[], p: string|number[], step: number,
 *   flip: number, speed: number}}
 */
export function normaliseGrid(raw) {
  const g = raw && typeof raw === "object" ? raw : {};
  const L = GRID_LIMITS;
  const D = GRID_DEFAULTS;
  const h = clampInt(g.h, 1, L.maxSide, D.h);
  const w = clampInt(g.w, 1, L.maxSide, D.w);
  const c = clampInt(g.c, 1, L.maxChannels, D.c);
  const kh = clampInt(g.kh, 1, L.maxKernel, D.kh);
  const kw = clampInt(g.kw, 1, L.maxKernel, D.kw);
  const x = Array.isArray(g.x) && g.x.length === c * h * w ? g.x.map(Number)
    : parseValues(g.x, c * h * w, () => inputPreset(D.preset, { c, h, w }));
  const k = Array.isArray(g.k) && g.k.length === c * kh * kw ? g.k.map(Number)
    : parseValues(g.k, c * kh * kw, () => kernelPreset(D.kernelPreset, { c, kh, kw }));
  let p = D.padding;
  if (["valid", "same", "full"].includes(g.p)) p = g.p;
  else if (Array.isArray(g.p) && g.p.length === 4) {
    p = g.p.map((v) => clampInt(v, 0, L.maxPadding, 0));
  }
  const b = Number.isFinite(Number(g.b)) ? Number(g.b) : 0;
  return {
    h, w, c, x, kh, kw, k, b,
    s: clampPair(g.s ?? D.stride, 1, L.maxStride, 1),
    d: clampPair(g.d ?? D.dilation, 1, L.maxDilation, 1),
    p,
    step: clampInt(g.step, 0, 1e6, 0),
    flip: g.flip ? 1 : 0,
    speed: nearestSpeed(g.speed ?? DEFAULT_SPEED),
  };
}

/**
 * The compact URL form of a normalised grid (values joined by commas).
 *
 * @param {ReturnType<typeof normaliseGrid>} grid
 * @returns {object}
 */
export function compactGrid(grid) {
  return { ...grid, x: grid.x.join(","), k: grid.k.join(",") };
}

/** Whether cell `i` of the resized `[c1, h1, w1]` grid lies outside the old `[c0, h0, w0]`. */
function isNew(i, [c0, h0, w0], [, h1, w1]) {
  const ch = Math.floor(i / (h1 * w1));
  const y = Math.floor((i % (h1 * w1)) / w1);
  return !(ch < c0 && y < h0 && i % w1 < w0);
}

/**
 * Resize a grid keeping the values that still fit: used when a size changes. New input cells
 * continue the ramp (their index in the channel plus the channel), so cells added by growing
 * the input never read as a ring of padding zeros; new kernel taps are 0.
 *
 * @param {ReturnType<typeof normaliseGrid>} grid
 * @param {{h?: number, w?: number, c?: number, kh?: number, kw?: number}} size
 * @returns {ReturnType<typeof normaliseGrid>}
 */
export function resizeGrid(grid, size) {
  const next = { ...grid, ...size };
  const carry = (values, [c0, h0, w0], [c1, h1, w1]) => Array.from({ length: c1 * h1 * w1 },
    (_, i) => {
      const ch = Math.floor(i / (h1 * w1));
      const y = Math.floor((i % (h1 * w1)) / w1);
      const xx = i % w1;
      return ch < c0 && y < h0 && xx < w0 ? values[(ch * h0 + y) * w0 + xx] : 0;
    });
  const ramp = inputPreset("ramp", { c: next.c, h: next.h, w: next.w });
  const x = carry(grid.x, [grid.c, grid.h, grid.w], [next.c, next.h, next.w])
    .map((v, i) => (isNew(i, [grid.c, grid.h, grid.w], [next.c, next.h, next.w]) ? ramp[i] : v));
  const k = carry(grid.k, [grid.c, grid.kh, grid.kw], [next.c, next.kh, next.kw]);
  return normaliseGrid({ ...next, x, k });
}

/**
 * The `/api/convolve` request body for a grid: one conv layer, one output map, explicit
 * padding (so the server and the figure agree on every side).
 *
 * @param {ReturnType<typeof normaliseGrid>} grid
 * @returns {object}
 */
export function convolveRequest(grid) {
  const plane = (values, h, w) => Array.from({ length: values.length / (h * w) },
    (_, ch) => Array.from({ length: h }, (_, y) => values.slice((ch * h + y) * w,
      (ch * h + y + 1) * w)));
  return {
    input: plane(grid.x, grid.h, grid.w),
    layers: [{
      type: "conv",
      weights: [plane(grid.k, grid.kh, grid.kw)],
      bias: [grid.b],
      stride: grid.s,
      dilation: grid.d,
      padding: gridPadding(grid),
    }],
  };
}
