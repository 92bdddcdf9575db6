/**
 * Visual and timing constants of the sliding-patch animation and the grid mode.
 *
 * Kept beside the modules that use them (the page's own constants live in
 * `static/js/config.js`) so the two halves of the page can change independently.
 */

/** Speeds offered by the speed control, in window positions (output cells) per second. */
export const SPEEDS = Object.freeze([
  0.5, 1, 2, 4, 8, 15, 30, 60, 120, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000,
]);
/** Default speed: slow enough to follow the numbers. */
export const DEFAULT_SPEED = 2;
/** While playing, the numbers panel is refreshed at most this often (per second). */
export const NUMBERS_MAX_HZ = 20;
/** A frame longer than this (ms) is treated as a pause (tab hidden): no catch-up burst. */
export const MAX_FRAME_GAP_MS = 250;
/** How many recent frame times `window.__convscopePatch` keeps. */
export const FRAME_SAMPLES = 600;

/** Largest side (CSS px) of the input and output views of the photo animation. */
export const VIEW_MAX_PX = 360;
/** Largest side (CSS px) of each view of a region (a few dozen cells, drawn large). */
export const REGION_VIEW_PX = 480;
/** Largest side (CSS px) of the whole-map overview beside a region. */
export const OVERVIEW_PX = 200;
/** "Paint the whole map" fills the map (or the region) in this many seconds. */
export const PAINT_SECONDS = 6;
/** Under the cells not yet painted, the finished map shows at this strength (0..1). */
export const PENDING_MIX = 0.35;
/** Below this many CSS px per input cell the magnifier is shown. */
export const MAGNIFIER_MIN_CELL_PX = 26;
/** CSS px per cell inside the magnifier. */
export const MAGNIFIER_CELL_PX = 40;
/** Extra cells shown around the window in the magnifier (0: it fits beside the window). */
export const MAGNIFIER_MARGIN = 0;
/** The magnifier shrinks its cells to stay within this side (CSS px) ... */
export const MAGNIFIER_MAX_PX = 170;
/** ... but never below this cell size, where the numbers would stop being readable. */
export const MAGNIFIER_MIN_CELL = 30;
/** Channels whose full window arithmetic is tabulated; the rest are summarised per channel. */
export const MAX_CHANNEL_TABLES = 3;
/** Channels listed one by one in the "sum over channels" line before abbreviating. */
export const MAX_LISTED_CHANNEL_SUMS = 8;

/** Colours of the drawings (the arithmetic-guide palette: blue input, green output). */
export const COLORS = Object.freeze({
  input: "#9ecae1",
  inputStroke: "#3b7bb0",
  padding: "#ffffff",
  paddingStroke: "#7a8a99",
  paddingRing: "rgba(255, 196, 0, 0.55)",
  window: "rgba(8, 48, 107, 0.35)",
  windowStroke: "#08306b",
  tap: "rgba(8, 48, 107, 0.22)",
  output: "#a1d99b",
  outputStroke: "#31a354",
  outputCurrent: "#238b45",
  pending: "#bdbdbd",
  text: "#111111",
  weight: "#08306b",
  unreached: "rgba(200, 0, 0, 0.18)",
});

/** Grid mode limits: the input is typed by hand. */
export const GRID_LIMITS = Object.freeze({
  maxSide: 16,
  maxChannels: 3,
  maxKernel: 7,
  maxStride: 4,
  maxDilation: 4,
  maxPadding: 6,
  maxAbsValue: 999,
});
/** CSS px per cell in the grid figure. */
export const GRID_CELL_PX = 44;
/** Grid mode's default configuration (4x4 input, 3x3 kernel: the guide's first figure). */
export const GRID_DEFAULTS = Object.freeze({
  h: 5, w: 5, c: 1, kh: 3, kw: 3, stride: [1, 1], dilation: [1, 1], padding: "valid",
  preset: "ramp", kernelPreset: "ones",
});
