// The digits view's pure parts: the pad's URL encoding, the brush, the trained-head fit check,
// the classifier's bars and the trained network as editor blocks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodePad, encodePad, isBlank, padRows, quantize } from "../../static/js/digits/codec.js";
import { inkAt, stroke } from "../../static/js/digits/brush.js";
import { blocksFromModel, digitsConfig } from "../../static/js/digits/model.js";
import { trainedFit } from "../../static/js/digits/fit.js";
import { classifierBars, flattenText, softmax, UNTRAINED_NOTE } from "../../static/js/digits/bars.js";
import { apiLayers, buildPyramidRequest, checkState, isBlankPad } from "../../static/js/request.js";
import { searchToConfig, stateToSearch, sanitizeConfig } from "../../static/js/state.js";
import { setBlock } from "../../static/js/editor/block-ops.js";
import { seededRandom } from "../../static/js/grid/model.js";

/** The contract's example network, as GET /api/models lists it. */
const MODEL = Object.freeze({
  name: "digits", title: "Handwritten digits (MNIST), trained", input_shape: [1, 28, 28],
  classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], accuracy: 0.98, heldout: 1000,
  layers: [
    { type: "conv", filters: 8, kernel_size: [5, 5], stride: 1, padding: "same",
      activation: "relu", weights: { model: "digits", layer: 0 } },
    { type: "maxpool", size: 2, stride: 2 },
    { type: "conv", filters: 16, kernel_size: [3, 3], stride: 1, padding: "same",
      activation: "relu", weights: { model: "digits", layer: 2 } },
    { type: "maxpool", size: 2, stride: 2 },
    { type: "dense", units: 10, activation: "none", weights: { model: "digits", layer: 4 } },
  ],
});

const digitsState = (over = {}) => ({ ...digitsConfig(MODEL), models: [MODEL], samples: [],
  pyramid: null, ...over });

test("pad encoding round-trips every drawing at its 16 ink levels", () => {
  const next = seededRandom(14);
  for (let trial = 0; trial < 50; trial += 1) {
    const pixels = new Uint8Array(784);
    const inked = Math.floor(next() * 300);
    for (let n = 0; n < inked; n += 1) pixels[Math.floor(next() * 784)] = Math.floor(next() * 256);
    const text = encodePad(pixels);
    assert.match(text, /^[0-9a-z]*$/);
    assert.deepEqual(decodePad(text), Uint8Array.from(pixels, quantize));
    assert.equal(encodePad(decodePad(text)), text);
  }
});

test("pad encoding of a blank pad is empty and a full pad stays under 784 characters", () => {
  assert.equal(encodePad(new Uint8Array(784)), "");
  assert.ok(isBlank(decodePad("")));
  assert.equal(encodePad(new Uint8Array(784).fill(255)), "f".repeat(784));
});

test("pad decoding refuses what is not a pad", () => {
  assert.equal(decodePad("ABC"), null);
  assert.equal(decodePad("f".repeat(785)), null);
  assert.equal(decodePad(null), null);
});

test("quantize keeps the ends and rounds to multiples of 17", () => {
  assert.equal(quantize(0), 0);
  assert.equal(quantize(255), 255);
  assert.equal(quantize(9), 17);
  assert.equal(quantize(8), 0);
  assert.equal(quantize(300), 255);
});

test("padRows gives 28 rows of 28 integers", () => {
  const rows = padRows(decodePad("gggf"));
  assert.equal(rows.length, 28);
  assert.ok(rows.every((r) => r.length === 28));
  assert.equal(rows[0][3], 255);
});

test("brush ink is full at the centre line and fades to nothing past the edge", () => {
  assert.equal(inkAt(0), 1);
  assert.equal(inkAt(5), 0);
  assert.ok(inkAt(1.2) > 0 && inkAt(1.2) < 1);
  assert.ok(inkAt(1.0) > inkAt(1.4));
});

test("brush stroke is about two cells wide with soft edges, and leaves its input alone", () => {
  const blank = new Uint8Array(784);
  const out = stroke(blank, { from: { x: 14, y: 4 }, to: { x: 14, y: 24 } });
  assert.ok(isBlank(blank));
  const row = Array.from(out.subarray(14 * 28, 15 * 28));
  const full = row.filter((v) => v === 255).length;
  const soft = row.filter((v) => v > 0 && v < 255).length;
  assert.ok(full >= 1 && full <= 3, `full cells across: ${full}`);
  assert.ok(soft >= 1, "an anti-aliased edge");
  assert.ok(row.filter((v) => v > 0).length <= 5);
  assert.equal(out[0], 0);
});

test("brush keeps the brighter ink where strokes cross", () => {
  const once = stroke(new Uint8Array(784), { from: { x: 5, y: 5 }, to: { x: 20, y: 5 } });
  const twice = stroke(once, { from: { x: 5, y: 5 }, to: { x: 20, y: 5 } });
  assert.deepEqual(twice, once);
});

test("the trained network becomes trained editor blocks and back into its own API layers", () => {
  const blocks = blocksFromModel(MODEL);
  assert.equal(blocks.length, 3);
  assert.deepEqual(blocks.map((b) => b.source), ["trained", "trained", "trained"]);
  assert.deepEqual(blocks.map((b) => b.pool ?? null), ["max2", "max2", null]);
  const layers = apiLayers(blocks, 1);
  assert.deepEqual(layers.map((l) => l.weights ?? null), MODEL.layers.map((l) => l.weights ?? null));
  assert.deepEqual(layers.map((l) => l.type), MODEL.layers.map((l) => l.type));
});

test("fit check: the trained network as shipped fits", () => {
  assert.equal(trainedFit(digitsState().layers, { models: [MODEL], inputShape: [1, 28, 28] }), null);
  assert.equal(checkState(digitsState()).error, null);
});

test("fit check: stride 2 in layer 1 says what the classifier now receives", () => {
  const s = setBlock(digitsState(), 0, { stride: [2, 2] });
  const err = checkState(s).error;
  assert.equal(err.kind, "fit");
  assert.equal(err.block, 2);
  assert.equal(err.message, "stride 2 in layer 1 gives the classifier 3×3×16 = 144 inputs; "
    + "it was trained on 7×7×16 = 784");
});

test("fit check: valid padding in layer 2 and more maps in layer 1 are explained", () => {
  const valid = checkState(setBlock(digitsState(), 1, { padding: "valid" })).error;
  assert.match(valid.message, /^valid padding in layer 2 gives the classifier 6×6×16 = 576/);
  const maps = checkState(setBlock(digitsState(), 0, { maps: 4 })).error;
  assert.equal(maps.block, 0);
  assert.match(maps.message, /layer 1 asks for 4 maps; its trained kernels are 8/);
});

test("fit check: hand-typed kernels in layer 1 keep the trained head fitting", () => {
  const s = setBlock(digitsState(), 0, { source: "custom",
    weights: Array.from({ length: 8 }, () => [Array.from({ length: 5 }, () => [0, 0, 1, 0, 0])]),
    bias: Array(8).fill(0) });
  assert.equal(checkState(s).error, null);
  assert.deepEqual(buildPyramidRequest(s).layers.at(-1).weights, { model: "digits", layer: 4 });
});

test("fit check waits for the model list: without it the server judges", () => {
  const s = { ...setBlock(digitsState(), 0, { stride: [2, 2] }), models: null };
  assert.equal(checkState(s).error, null);
});

test("a drawn pad is sent inline as 28 rows; a blank pad is recognised", () => {
  const text = encodePad(stroke(new Uint8Array(784), { from: { x: 14, y: 5 }, to: { x: 14, y: 22 } }));
  const req = buildPyramidRequest(digitsState({ image: { pixels: text } }));
  assert.equal(req.image.pixels.length, 28);
  assert.equal(req.color, "grey");
  assert.ok(isBlankPad({ pixels: "" }));
  assert.ok(!isBlankPad({ pixels: text }));
  assert.ok(!isBlankPad({ digit: 3 }));
  assert.deepEqual(buildPyramidRequest(digitsState({ image: { digit: 7 } })).image, { digit: 7 });
});

test("the digits view, its drawn digit and its gallery pick round-trip through the URL", () => {
  const text = encodePad(stroke(new Uint8Array(784), { from: { x: 9, y: 9 }, to: { x: 19, y: 20 } }));
  for (const image of [{ pixels: text }, { digit: 123 }, { pixels: "" }]) {
    const state = digitsState({ image });
    const back = searchToConfig(stateToSearch("", state));
    assert.equal(back.mode, "digits");
    assert.deepEqual(back.image, image);
    assert.deepEqual(back.layers, state.layers);
  }
});

test("the URL sanitiser drops a trained source that names no valid layer", () => {
  const raw = { ...digitsConfig(MODEL), layers: [{ ...blocksFromModel(MODEL)[0], model: "../x" }] };
  assert.equal(sanitizeConfig(raw).layers[0].source, "random");
  assert.equal(sanitizeConfig({ image: { pixels: "QQ" } }).image.sample, "astronaut");
});

test("softmax sums to 1 and survives large scores", () => {
  const p = softmax([1000, 1001, 999]);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(p[1] > p[0] && p[0] > p[2]);
});

const denseHeader = ({ scores, trained, probabilities }) => ({
  layers: [{ index: 0, type: "input", shape: [1, 28, 28] },
    { index: 1, type: "conv", shape: [8, 28, 28], in_shape: [1, 28, 28], params: 208 },
    { index: 2, type: "maxpool", shape: [8, 14, 14], in_shape: [8, 28, 28], params: 0 },
    { index: 3, type: "conv", shape: [16, 14, 14], in_shape: [8, 14, 14], params: 1168 },
    { index: 4, type: "maxpool", shape: [16, 7, 7], in_shape: [16, 14, 14], params: 0 },
    { index: 5, type: "dense", shape: [10, 1, 1], in_shape: [16, 7, 7], params: 7850,
      maps: scores.map((v) => ({ min: v, max: v })) }],
  ...(probabilities ? { probabilities } : {}),
  head: { trained, model: trained ? "digits" : null },
});

test("bars: a trained head names the classes and highlights the winner", () => {
  const scores = [0, 1, 2, 9, 0, 0, 0, 0, 0, -1];
  const view = classifierBars({ header: denseHeader({ scores, trained: true }),
    classes: MODEL.classes });
  assert.equal(view.winner, 3);
  assert.equal(view.note, null);
  assert.deepEqual(view.bars.map((b) => b.label), MODEL.classes);
  assert.equal(view.bars.filter((b) => b.winner).length, 1);
  assert.equal(view.bars[9].score, -1);
});

test("bars: the server's probabilities are used as they are", () => {
  const probabilities = [0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0];
  const view = classifierBars({ header: denseHeader({ scores: Array(10).fill(0), trained: true,
    probabilities }), classes: MODEL.classes });
  assert.deepEqual(view.bars.map((b) => b.p), probabilities);
});

test("bars: an untrained head says so and does not borrow the class names", () => {
  const view = classifierBars({ header: denseHeader({ scores: [1e-4, -9e-5, 0, 0, 0, 0, 0, 0, 0, 0],
    trained: false }), classes: MODEL.classes });
  assert.equal(view.note, UNTRAINED_NOTE);
  assert.equal(view.bars[0].label, "unit 1");
  assert.ok(view.bars.every((b) => Math.abs(b.p - 0.1) < 1e-3), "near-equal scores, near-equal bars");
});

test("bars: none when the last layer is not dense", () => {
  const header = denseHeader({ scores: [0], trained: false });
  header.layers.pop();
  assert.equal(classifierBars({ header }), null);
  assert.equal(flattenText(header), null);
});

test("flatten step is named with its numbers", () => {
  const text = flattenText(denseHeader({ scores: Array(10).fill(0), trained: true }));
  assert.equal(text.inputs, 784);
  assert.equal(text.weights, 7850);
  assert.match(text.flatten, /7×7×16 = 784 numbers .* 784 × 10 weights \+ 10 biases = 7,850/);
  assert.match(text.compare, /with 1,376 weights/);
  assert.match(text.compare, /784 × 784 \+ 784 = 615,440/);
});

test("gallery pages mix the whole held-out set and never overlap or run past it", async () => {
  const { galleryPage } = await import("../../static/js/digits/gallery.js");
  const seen = new Set();
  for (let page = 0; page < 30; page += 1) {
    for (const { start, count } of galleryPage({ total: 1000, page, per: 6 })) {
      for (let n = start; n < start + count; n += 1) {
        assert.ok(!seen.has(n) && n < 1000);
        seen.add(n);
      }
    }
  }
  assert.equal(seen.size, 1000);
  const first = galleryPage({ total: 1000, page: 0, per: 6 });
  assert.deepEqual(first.map((p) => p.start), [0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
});

test("pen strokes: one pyramid request in flight at most, the latest drawing sent next", async () => {
  const { createPipeline } = await import("../../static/js/pipeline.js");
  const { createStore } = await import("../../static/js/state.js");
  globalThis.requestAnimationFrame = (fn) => setTimeout(fn, 0);
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  const calls = [];
  const api = { fetchPyramid: (request) => new Promise((resolve) => {
    calls.push({ request, resolve: () => resolve({ request, bytes: 1, ms: 1,
      header: { layers: [{ shape: [1, 28, 28] }] } }) });
  }) };
  const store = createStore({ ...digitsState({ image: { pixels: "" } }), status: "loading",
    error: null });
  createPipeline({ store, api, perf: {} }).schedule();
  await tick();
  assert.equal(store.getState().status, "blank");
  assert.equal(calls.length, 0, "a blank pad sends nothing");
  const texts = [1, 2, 3, 4].map((n) => encodePad(stroke(new Uint8Array(784),
    { from: { x: 8, y: 8 }, to: { x: 8 + n * 3, y: 20 } })));
  store.setState({ image: { pixels: texts[0] } });
  await tick();
  for (const text of texts.slice(1)) {
    store.setState({ image: { pixels: text } });
    await tick();
  }
  assert.equal(calls.length, 1, "the first stroke is in flight; the next ones wait");
  calls[0].resolve();
  await tick();
  await tick();
  assert.equal(calls.length, 2);
  assert.deepEqual(calls[1].request.image.pixels, padRows(decodePad(texts[3])),
    "the latest drawing, not the ones in between");
  assert.equal(store.getState().pyramid.request, calls[0].request, "the first answer is drawn");
  calls[1].resolve();
  await tick();
  await tick();
  assert.equal(calls.length, 2);
  assert.equal(store.getState().status, "ready");
  delete globalThis.requestAnimationFrame;
});

test("an embed URL carries the digits view: this drawn digit through the trained network", async () => {
  const { embedSearch, parseEmbedOptions } = await import("../../static/js/embed/options.js");
  const { encodeState } = await import("../../static/js/state.js");
  const text = encodePad(stroke(new Uint8Array(784), { from: { x: 18, y: 6 }, to: { x: 11, y: 23 } }));
  const state = digitsState({ image: { pixels: text } });
  const search = embedSearch({ view: "pyramid", controls: "locked", state: encodeState(state) });
  assert.equal(parseEmbedOptions(search).controls, "locked");
  const back = searchToConfig(search);
  assert.equal(back.mode, "digits");
  assert.deepEqual(back.image, { pixels: text });
  assert.deepEqual(buildPyramidRequest({ ...back, models: [MODEL], samples: [] }).layers
    .map((l) => l.weights ?? null), MODEL.layers.map((l) => l.weights ?? null));
});

test("fit check: removing or adding a layer is named as the cause", async () => {
  const { addBlock, removeBlock } = await import("../../static/js/editor/block-ops.js");
  assert.match(checkState(addBlock(digitsState())).error.message,
    /^adding a layer gives the classifier 7×7×32 = 1,568 inputs; it was trained on 7×7×16 = 784$/);
  assert.equal(checkState(removeBlock(digitsState(), 0)).error.message,
    "layer 1 now reads the image's 1 input channel; its trained kernels read 8");
});

test("1 x 1 maps share their layer's scale: a tiny score looks tiny", async () => {
  const { mapScale } = await import("../../static/js/render/paint.js");
  const layer = { shape: [10, 1, 1], range: [-0.078, 0.05],
    maps: [{ min: -0.00009, max: -0.00009 }, { min: -0.078, max: -0.078 }] };
  const tiny = mapScale(layer, 0, "map");
  assert.equal(tiny.kind, "diverging");
  assert.equal(tiny.lo, -0.078);
  assert.deepEqual(mapScale(layer, 1, "map"), tiny);
  const wide = { shape: [2, 4, 4], range: [-1, 1], maps: [{ min: -0.1, max: 0.1 }] };
  assert.equal(mapScale(wide, 0, "map").lo, -0.1, "larger maps keep their own range");
});
