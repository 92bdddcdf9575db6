/**
 * Named constants of the page: limits the controls offer, sizes, colours, timings.
 *
 * The limits mirror the server's defaults (app/settings.py); the server stays the judge and
 * its 4xx message is shown if it disagrees. The lists both sides need (activations, kernel
 * presets, limits) are held equal to the engine's and the server's by
 * tests/test_js_shared_lists.py.
 * @module config
 */

/** Largest preview side asked of /api/pyramid (the server reduces maps above it) when the
 * page cannot yet tell how large it will draw each layer. */
export const PREVIEW_SIDE = 128;

/** Bounds of a preview side the server accepts (app/schemas.py PreviewSide). */
export const PREVIEW_BOUNDS = Object.freeze({ min: 8, max: 512 });
/**
 * Screen density the previews are asked for at most: a phone at 3x gets 2x previews, which
 * look the same on maps of a few hundred cells and weigh (2/3)^2 = 44 % as much.
 */
export const PREVIEW_MAX_DPR = 2;

/** Limits the layer editor offers (server defaults: max_kernel 15, max_stride 8, ...). */
export const LIMITS = Object.freeze({
  maxKernel: 15,
  maxStride: 8,
  maxDilation: 8,
  maxPadding: 16,
  maxMaps: 64,
  maxUnits: 100,
  maxApiLayers: 12,
  maxSeed: 2 ** 31 - 1,
});

/** Kernel sizes offered in the "Kernel size" select, as [h, w]. */
export const KERNEL_SIZES = Object.freeze([
  [1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [7, 7], [9, 9], [11, 11], [15, 15],
  [1, 3], [3, 1], [1, 5], [5, 1], [3, 5], [5, 3], [1, 7], [7, 1],
]);

/** Strides offered, as [h, w]. */
export const STRIDES = Object.freeze([[1, 1], [2, 2], [3, 3], [4, 4], [8, 8], [1, 2], [2, 1]]);

/** Dilations offered, as [h, w]. */
export const DILATIONS = Object.freeze([[1, 1], [2, 2], [3, 3], [4, 4], [8, 8]]);

/** Padding modes; "custom" reveals the four per-side inputs. */
export const PADDING_MODES = Object.freeze(["valid", "same", "full", "custom"]);

/** Activations the engine knows (app/engine/activations.py). */
export const ACTIVATIONS = Object.freeze(["none", "relu", "leaky_relu", "sigmoid", "tanh"]);

/** Pooling choices of a conv block: [mode, size, stride]; mode "none" adds no layer. */
export const POOLINGS = Object.freeze([
  { id: "none", label: "none" },
  { id: "max2", mode: "max", size: 2, stride: 2, label: "max 2×2, stride 2" },
  { id: "avg2", mode: "avg", size: 2, stride: 2, label: "average 2×2, stride 2" },
  { id: "max3", mode: "max", size: 3, stride: 2, label: "max 3×3, stride 2" },
  { id: "avg3", mode: "avg", size: 3, stride: 2, label: "average 3×3, stride 2" },
]);

/** Kernel presets of the library (docs/api.md); fixed ones exist only at 3x3. */
export const PRESETS = Object.freeze([
  "identity", "box_blur", "gaussian_blur", "sharpen", "laplacian", "sobel_x", "sobel_y",
  "prewitt_x", "prewitt_y", "emboss", "gabor_0", "gabor_45", "gabor_90", "gabor_135",
]);
export const FIXED_SIZE_PRESETS = Object.freeze([
  "sharpen", "laplacian", "sobel_x", "sobel_y", "prewitt_x", "prewitt_y", "emboss",
]);

/** The sample the page opens on. */
export const DEFAULT_SAMPLE = "astronaut";

/** Pyramid layout: display size of the input's longest side, bounds of a tile, gaps. */
export const LAYOUT = Object.freeze({
  inputMaxPx: 160,
  tileMinPx: 22,
  /** A tile smaller (in width x height) than the one below it may shrink to this, not less. */
  tileFloorPx: 8,
  tileMaxPx: 200,
  tileGapPx: 4,
  tileBorderPx: 1, // app.css .tile border: the canvas is the tile less twice this
  rowPaddingPx: 16,
  denseCellPx: 26,
  unreachedMinPx: 2,
});

/** Inspector: the enlarged map and the receptive-field thumbnail. */
export const INSPECTOR = Object.freeze({ mapMaxPx: 260, inputThumbPx: 110 });

/** Colour maps: diverging (signed) blue-white-red, sequential (non-negative) white-to-dark-red. */
export const COLORS = Object.freeze({
  divergingStops: [
    [0.0, [33, 102, 172]], [0.25, [103, 169, 207]], [0.5, [247, 247, 247]],
    [0.75, [239, 138, 98]], [1.0, [178, 24, 43]],
  ],
  // white = 0 in both maps; the sequential one runs through yellow and orange to dark red
  sequentialStops: [
    [0.0, [255, 255, 255]], [0.2, [254, 230, 150]], [0.45, [253, 160, 70]],
    [0.7, [227, 26, 28]], [1.0, [110, 0, 30]],
  ],
  lutSize: 256,
  receptiveField: "#ffd400",
  hoverCell: "#00e5ff",
  unreached: "rgba(255, 0, 140, 0.55)",
});

/** Timings. */
/**
 * `exactSettleMs`: how long a new pyramid must stay (no newer change in flight) before the
 * selected map's exact values are fetched: longer than a held key's repeat (~33 ms), short
 * enough that a single change sharpens the enlarged map within about a tenth of a second.
 * `exactSettleDrawingMs`: the same on the digits pad, where the pen moves on every frame: the
 * exact values wait until the pen pauses, so they never compete with the next stroke's maps.
 */
export const TIMING = Object.freeze({ urlWriteMs: 150, hoverFetchDelayMs: 40,
  exactSettleMs: 60, exactSettleDrawingMs: 300 });

/** How many uploaded originals the browser keeps for re-upload. */
/**
 * When every convolution worker is busy the server answers 503 with Retry-After: wait that
 * long (capped, plus a little jitter so a class does not come back in step) and try again,
 * a few times, before showing the error.
 */
export const BUSY_RETRY = Object.freeze({ retries: 3, maxWaitMs: 4000, jitterMs: 300 });

export const BLOB_KEEP = 8;

/** localStorage key of the mirrored state. */
export const STORAGE_KEY = "convscope:state:v1";

/**
 * The embed view (`/embed?view=...&controls=...&s=...`): the pieces it can show, how its
 * controls can be pinned by the page author, and the iframe size the Embed dialog proposes.
 */
export const EMBED = Object.freeze({
  views: Object.freeze(["patch", "pyramid", "layer", "grid"]),
  defaultView: "pyramid",
  /** on = usable; locked = shown but disabled; hidden = not rendered. */
  controls: Object.freeze(["on", "locked", "hidden"]),
  defaultControls: "on",
  /**
   * Starting [width, height] in CSS px of the iframe for each piece (the host script then
   * grows it): the height the default view needs at 900 px wide, measured in Chromium
   * (patch 1,709, pyramid 873, layer 1,234, grid 1,454) plus a little room.
   */
  sizes: Object.freeze({ patch: [960, 1740], pyramid: [900, 900], layer: [760, 1270],
    grid: [900, 1490] }),
  /** The same, for a frame narrower than `narrowBelowPx` (measured at 390 px: a phone). */
  narrowHeights: Object.freeze({ patch: 2960, pyramid: 960, layer: 2090, grid: 2330 }),
  narrowBelowPx: 600,
  /** theme=light|dark (absent: the reader's prefers-color-scheme). */
  themes: Object.freeze(["light", "dark"]),
  minWidthPx: 280,
  maxWidthPx: 4000,
  minHeightPx: 200,
  maxHeightPx: 10000,
  /** Messages to the host page are at most this often, and only when something changed. */
  stateDebounceMs: 200,
  /** The path of the embed view and the class the host script finds its iframes by. */
  path: "/embed",
  iframeClass: "convscope-embed",
});

/** Exports: PNG cells are enlarged so the longer side of a map is at least this many px. */
export const EXPORTS = Object.freeze({
  pngMinSidePx: 512,
  pngMaxScale: 32,
  /** Colour maps offered for PNG downloads: [id sent to the server, label]. */
  pngColormaps: Object.freeze([
    ["diverging", "white = 0, as on the page"],
    ["viridis", "viridis (min to max)"],
    ["grey", "grey (min to max)"],
  ]),
  /** How long a "Copied" acknowledgement stays on a button. */
  ackMs: 1500,
});

/**
 * The trained digit network (issue 14): the drawing pad and its brush, the held-out gallery,
 * the classifier's bars. The brush is a soft round pen about two cells wide: full ink inside
 * `coreRadius` cells of the stroke's centre line, fading linearly to nothing at `edgeRadius`
 * (MNIST's strokes are anti-aliased, 2-3 pixels wide, white on black).
 */
export const DIGITS = Object.freeze({
  model: "digits",
  side: 28,
  /** The box MNIST scales each digit into (centred in 28 x 28 by centre of mass). */
  guideBox: 20,
  /** Ink levels kept in the URL: 16 (0, 17, ..., 255). */
  levels: 16,
  brush: Object.freeze({ coreRadius: 0.75, edgeRadius: 1.65 }),
  padCellPx: 7,
  galleryPage: 60,
  galleryMax: 1000,
  galleryCellPx: 2,
  kernelCellPx: 7,
  barWidthPx: 150,
  colors: Object.freeze({ guide: "rgba(255, 212, 0, 0.55)", grid: "rgba(255, 255, 255, 0.06)",
    winner: "#1f7a3a", bar: "#8aa4c2", untrained: "#b8b8b8" }),
});
