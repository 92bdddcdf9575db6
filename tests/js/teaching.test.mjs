// Issue 15 §0's pure parts: numbers in words, preset words, the "How was this number
// computed?" jump (the animation state for one cell) and the embed title of grid mode.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PRESETS } from "../../static/js/config.js";
import { EMBED } from "../../static/js/config.js";
import { defaultHeight, embedTitle } from "../../static/js/embed/snippet.js";
import { animAtCell, regionAround } from "../../static/js/how-computed.js";
import { cellAt } from "../../static/js/render/how-offer.js";
import { pyramidSummary } from "../../static/js/render/pyramid-why.js";
import { normaliseAnim } from "../../static/js/patch/anim-state.js";
import { PRESET_WORDS, numberInWords, presetName } from "../../static/js/words.js";

test("big numbers are written in words, small ones with every digit", () => {
  assert.equal(numberInWords(0), "0");
  assert.equal(numberInWords(912), "912");
  assert.equal(numberInWords(68_000), "68,000");
  assert.equal(numberInWords(999_999), "999,999");
  assert.equal(numberInWords(1_000_000), "1 million");
  assert.equal(numberInWords(7_412_000_000), "7.4 billion");
  assert.equal(numberInWords(64_000_000_000), "64 billion");
  assert.equal(numberInWords(2.5e12), "2.5 trillion");
  assert.doesNotMatch(numberInWords(7.4e9), /e\+/);
});

test("every preset has plain words; layer 1's defaults say what a student sees", () => {
  for (const id of PRESETS) assert.ok(PRESET_WORDS[id], id);
  assert.deepEqual(["sobel_x", "sobel_y", "laplacian", "gaussian_blur"].map((p) => PRESET_WORDS[p]),
    ["vertical edges", "horizontal edges", "outlines and spots", "blur"]);
  assert.equal(presetName("sobel_x"), "Sobel x");
  assert.equal(presetName("gaussian_blur"), "Gaussian blur");
});

test("a small map is shown whole; a large one zooms on a region holding the cell", () => {
  assert.equal(regionAround({ i: 3, j: 4 }, [32, 32]), null);
  assert.deepEqual(regionAround({ i: 100, j: 200 }, [512, 512]), [92, 192, 16, 16]);
  assert.deepEqual(regionAround({ i: 2, j: 510 }, [512, 512]), [0, 496, 16, 16]);
  for (const [i, j] of [[0, 0], [511, 511], [300, 7], [64, 1]]) {
    const [row, col, h, w] = regionAround({ i, j }, [512, 256 + 256]);
    assert.ok(i >= row && i < row + h && j >= col && j < col + w, `${i}, ${j}`);
  }
});

test("the jump opens the patch at exactly that cell, paused, other settings kept", () => {
  const before = { layer: 1, map: 0, step: 77, flip: 1, speed: 4, playing: 1, paint: 1,
    region: [0, 0, 16, 16] };
  const small = animAtCell(before, { layer: 3, map: 5, i: 6, j: 9, shape: [20, 30] });
  assert.deepEqual(small, { layer: 3, map: 5, step: 6 * 30 + 9, flip: 1, speed: 4,
    playing: 0 });
  const big = animAtCell(null, { layer: 1, map: 2, i: 241, j: 207, shape: [512, 512] });
  assert.equal(big.step, 241 * 512 + 207);
  // the panel's own normalisation keeps the step: the cell lies inside the region
  const header = { layers: [{ index: 0, type: "input", shape: [3, 512, 512] },
    { index: 1, type: "conv", shape: [4, 512, 512], in_shape: [3, 512, 512] }] };
  const shown = normaliseAnim(big, { header });
  assert.equal(shown.step, 241 * 512 + 207);
  assert.deepEqual(shown.region, big.region);
});

test("the grid embed has its own iframe title", () => {
  assert.match(embedTitle({ view: "grid" }), /grid mode/);
});

test("the starting height fits the piece: the wide measurement, or the phone's when narrow", () => {
  assert.equal(defaultHeight("patch", "100%"), EMBED.sizes.patch[1]);
  assert.equal(defaultHeight("patch", "960"), EMBED.sizes.patch[1]);
  assert.equal(defaultHeight("patch", "390"), EMBED.narrowHeights.patch);
  assert.equal(defaultHeight("grid", 360), EMBED.narrowHeights.grid);
  assert.equal(defaultHeight("nonsense", "100%"), EMBED.sizes.pyramid[1]);
  for (const view of EMBED.views) {
    assert.ok(EMBED.sizes[view][1] >= 800 && EMBED.narrowHeights[view] >= 800, view);
  }
  // measured in Chromium at 900 px: the patch view needs 1,709 px (1,100 was suggested)
  assert.ok(EMBED.sizes.patch[1] >= 1709);
});

test("the cell under a click on a tile: rows and columns by the tile's box, clamped", () => {
  const rect = { top: 100, left: 50, width: 64, height: 32 };
  assert.deepEqual(cellAt({ clientX: 50, clientY: 100 }, rect, [16, 32]), { i: 0, j: 0 });
  assert.deepEqual(cellAt({ clientX: 50 + 63.9, clientY: 131.9 }, rect, [16, 32]),
    { i: 15, j: 31 });
  assert.deepEqual(cellAt({ clientX: 50 + 33, clientY: 100 + 9 }, rect, [16, 32]),
    { i: 4, j: 16 });
  assert.deepEqual(cellAt({ clientX: 500, clientY: 0 }, rect, [16, 32]), { i: 0, j: 31 });
});

test("the pyramid's line names this stack's bottom, top and the top cell's field", () => {
  const layers = [{ index: 0, type: "input", shape: [3, 512, 512] },
    { index: 1, type: "conv", shape: [4, 512, 512], receptive_field: [3, 3] },
    { index: 2, type: "conv", shape: [8, 256, 256], receptive_field: [7, 7] },
    { index: 3, type: "maxpool", shape: [8, 128, 128], receptive_field: [9, 9] },
    { index: 4, type: "dense", shape: [10, 1, 1] }];
  assert.equal(pyramidSummary(layers), "Here: 512 × 512 × 3 at the bottom, 128 × 128 × 8 at "
    + "the top, where one cell sees a 9 × 9 patch of the photo.");
  assert.equal(pyramidSummary(layers.slice(0, 1)), "");
});
