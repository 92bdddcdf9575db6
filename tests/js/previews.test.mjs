// Each layer's previews asked at the size the pyramid view draws it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { INSPECTOR, LAYOUT, PREVIEW_BOUNDS } from "../../static/js/config.js";
import { pyramidLayout, previewSides, viewRows } from "../../static/js/render/layout.js";
import { createPipeline, plannedLayers } from "../../static/js/pipeline.js";
import { checkState } from "../../static/js/request.js";
import { convBlock, createStore, defaultConfig } from "../../static/js/state.js";

const samples = [{ name: "astronaut", width: 512, height: 512, channels: 3 }];
// S7 of issue 4: conv 3x3 same + ReLU with K = 8, 16, 32, 64 and strides 1, 2, 2, 2
const S7 = { ...defaultConfig(), samples, color: "rgb",
  layers: [[8, 1], [16, 2], [32, 2], [64, 2]].map(([maps, s], i) => convBlock({ maps,
    stride: [s, s], seed: i + 1 })) };
const layersOf = (state) => plannedLayers(state, checkState(state));
/** The server's reduction: f = ceil(max(H, W) / side), sent side ceil(max(H, W) / f). */
const sentSide = ([, h, w], side) => Math.ceil(Math.max(h, w) / Math.ceil(Math.max(h, w) / side));

test("the planned layers are the shapes the pyramid header will have", () => {
  assert.deepEqual(layersOf(S7).map((l) => [l.index, l.type, l.shape]), [
    [0, "input", [3, 512, 512]], [1, "conv", [8, 512, 512]], [2, "conv", [16, 256, 256]],
    [3, "conv", [32, 128, 128]], [4, "conv", [64, 64, 64]]]);
  assert.equal(layersOf({ ...S7, samples: [] }), null, "input size not known yet");
});

test("each preview is the largest block mean still at least as large as its canvas", () => {
  const layers = layersOf(S7);
  for (const dpr of [1, 1.5, 2, 3]) {
    const sides = previewSides(layers, { width: 556, dpr });
    const rows = viewRows(layers, { width: 556 });
    layers.slice(1).forEach((layer, i) => {
      const canvas = Math.max(...rows[i + 1].tile) - 2 * LAYOUT.tileBorderPx;
      const pixels = Math.round(canvas * dpr);
      const side = Math.max(...layer.shape.slice(1));
      const sent = sentSide(layer.shape, sides[i + 1]);
      assert.equal(sent, sides[i + 1], "the side asked is the side sent");
      assert.ok(sent >= Math.min(pixels, side), `dpr ${dpr}, layer ${i + 1}: ${sent} < ${pixels}`);
      const factor = Math.ceil(side / sent);
      assert.ok(sent <= PREVIEW_BOUNDS.min || Math.ceil(side / (factor + 1)) < pixels,
        `dpr ${dpr}, layer ${i + 1}: too fine`);
    });
  }
});

test("small tiles get small previews: S7's deep layers cost a few hundred bytes a map", () => {
  const layers = layersOf(S7);
  const sides = previewSides(layers, { width: 556, dpr: 1 });
  // canvases of 58, 28, 13 and 6 px (the pyramid's proportions kept, render/layout.js):
  // 512/8, 256/9, 128/10 cells, and the 8-cell floor of a preview for 64 x 64
  assert.deepEqual(sides.slice(1), [64, 29, 13, 8]);
  const bytes = layers.reduce((sum, l, i) => sum + l.shape[0] * sentSide(l.shape, sides[i]) ** 2,
    0);
  assert.ok(bytes < 200_000, `${bytes} bytes of previews`);
});

test("the input is sent at least as large as the inspector's photo thumbnail", () => {
  for (const dpr of [1, 2]) {
    const side = previewSides(layersOf(S7), { width: 556, dpr })[0];
    assert.ok(side >= dpr * INSPECTOR.inputThumbPx && side < 2 * dpr * INSPECTOR.inputThumbPx,
      `${side}`);
  }
});

test("sides grow with the device pixel ratio and stay within the server's bounds", () => {
  const layers = layersOf(S7);
  const one = previewSides(layers, { width: 556, dpr: 1 });
  const two = previewSides(layers, { width: 556, dpr: 2 });
  one.forEach((s, i) => assert.ok(two[i] > s || two[i] === 512, `${two} vs ${one}`));
  const huge = previewSides(layers, { width: 4000, dpr: 4 });
  assert.ok(huge.every((s) => s >= PREVIEW_BOUNDS.min && s <= PREVIEW_BOUNDS.max), huge);
});

test("the one-layer view lays out each layer alone, as the view draws it", () => {
  const layers = layersOf(S7);
  const rows = viewRows(layers, { width: 556, oneLayer: true });
  layers.forEach((layer, i) => {
    const alone = pyramidLayout({ layers: [layer] }, { width: 556 - LAYOUT.rowPaddingPx });
    assert.deepEqual(rows[i], alone.rows[0]);
  });
  assert.deepEqual(viewRows(layers, { width: 556 }),
    pyramidLayout({ layers }, { width: 556 - LAYOUT.rowPaddingPx }).rows);
});

test("a resize fetches again only when it changes the preview sizes", async () => {
  const frames = [];
  globalThis.requestAnimationFrame = (fn) => frames.push(fn);
  const flush = async () => {
    while (frames.length) frames.shift()();
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  const sent = [];
  const api = { fetchPyramid: async (request) => {
    sent.push(request);
    const shapes = plannedLayers(S7, checkState(S7)).map((l) => l.shape);
    return { request, bytes: 1, ms: 1, header: { layers: shapes.map((shape) => ({ shape })) } };
  } };
  const store = createStore({ ...S7, pyramid: null, status: "loading", error: null });
  const view = { width: 556 };
  const pipeline = createPipeline({ store, api, perf: {},
    previews: (state, layers) => previewSides(layers, { width: view.width }) });
  pipeline.schedule();
  await flush();
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].preview, previewSides(layersOf(S7), { width: 556 }));
  assert.equal(store.getState().status, "ready");
  view.width = 560; // the same tiles
  pipeline.recheck();
  await flush();
  assert.equal(sent.length, 1);
  view.width = 1100; // larger tiles: larger previews
  pipeline.recheck();
  await flush();
  assert.equal(sent.length, 2);
  assert.ok(sent[1].preview[1] > sent[0].preview[1], sent[1].preview);
  assert.equal(store.getState().pyramid.request, sent[1]);
  assert.equal(store.getState().status, "ready");
  delete globalThis.requestAnimationFrame;
});
