// Pure edits of the layer stack, the pyramid layout and the layer labels.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  addBlock, removeBlock, moveBlock, setBlock, setWeight, toggleClassifier, apiLayerCount,
} from "../../static/js/editor/block-ops.js";
import { pyramidLayout } from "../../static/js/render/layout.js";
import { describeLayers } from "../../static/js/render/labels.js";
import { defaultConfig, convBlock } from "../../static/js/state.js";
import { LAYOUT, LIMITS } from "../../static/js/config.js";

test("a new conv layer goes below the classifier with twice the maps", () => {
  const next = addBlock(defaultConfig());
  assert.deepEqual(next.layers.map((b) => b.type), ["conv", "conv", "conv", "conv", "dense"]);
  assert.equal(next.layers[3].maps, 32);
});

test("the classifier never moves and nothing moves above it", () => {
  const state = defaultConfig();
  assert.equal(moveBlock(state, 2, 1), state);
  assert.equal(moveBlock(state, 3, -1), state);
  assert.equal(moveBlock(state, 0, -1), state);
  const moved = moveBlock(state, 1, -1);
  assert.deepEqual(moved.layers.map((b) => b.maps ?? b.units), [8, 4, 16, 10]);
});

test("removing keeps at least one conv layer and a valid selection", () => {
  let state = { ...defaultConfig(), selected: { layer: 5, map: 3 } };
  state = removeBlock(state, 3); // the classifier: top is now the pool (4)
  assert.deepEqual(state.selected, { layer: 4, map: 0 });
  state = removeBlock(removeBlock(state, 0), 0);
  assert.equal(state.layers.length, 1);
  assert.equal(removeBlock(state, 0), state);
});

test("the classifier toggles on top", () => {
  const without = toggleClassifier(defaultConfig());
  assert.ok(!without.layers.some((b) => b.type === "dense"));
  assert.equal(toggleClassifier(without).layers.at(-1).type, "dense");
});

test("edits never exceed the server's layer limit and never mutate", () => {
  let state = defaultConfig();
  const frozen = JSON.stringify(state);
  for (let i = 0; i < 20; i += 1) state = setBlock(addBlock(state), 0, { pool: "max2" });
  assert.ok(apiLayerCount(state.layers) <= LIMITS.maxApiLayers);
  assert.equal(JSON.stringify(defaultConfig()), frozen);
});

test("changing the maps resizes presets, hand-typed weights and biases", () => {
  const state = { ...defaultConfig(), layers: [convBlock({ maps: 2, source: "custom",
    weights: [[[[1]]], [[[2]]]], bias: [1, 2], kernel: [1, 1] })] };
  const fewer = setBlock(state, 0, { maps: 1 });
  assert.deepEqual(fewer.layers[0].weights, [[[[1]]]]);
  assert.deepEqual(fewer.layers[0].bias, [1]);
  const more = setBlock(state, 0, { maps: 3 });
  assert.deepEqual(more.layers[0].bias, [1, 2, 0]);
  assert.equal(more.layers[0].presets.length, 3);
});

test("typing one weight makes the layer hand-typed from the server's weights", () => {
  const state = { ...defaultConfig(), layers: [convBlock({ maps: 1, kernel: [1, 2],
    source: "random" })] };
  const base = { weights: [[[[0.5, -0.5]], [[1, 1]]]], bias: [0.25] };
  const next = setWeight(state, 0, { map: 0, channel: 1, row: 0, col: 1, value: 7, base,
    channels: 2 });
  assert.equal(next.layers[0].source, "custom");
  assert.deepEqual(next.layers[0].weights, [[[[0.5, -0.5]], [[1, 7]]]]);
  assert.deepEqual(next.layers[0].bias, [0.25]);
  assert.deepEqual(base.weights, [[[[0.5, -0.5]], [[1, 1]]]], "base untouched");
  const bias = setWeight(next, 0, { map: 0, channel: 0, row: null, col: null, value: -1, base,
    channels: 2 });
  assert.deepEqual(bias.layers[0].bias, [-1]);
  assert.deepEqual(bias.layers[0].weights, next.layers[0].weights);
});

const header = (layers) => ({ layers: layers.map(([type, shape], index) => ({ index, type, shape })) });

test("the pyramid layout draws every layer on one scale, smaller going up", () => {
  const { rows } = pyramidLayout(header([["input", [3, 512, 512]], ["conv", [4, 512, 512]],
    ["conv", [8, 256, 256]], ["maxpool", [8, 128, 128]], ["dense", [10, 1, 1]]]), { width: 600 });
  const sides = rows.map((r) => r.tile[0]);
  assert.ok(sides[0] === sides[1] && sides[1] > sides[2] && sides[2] > sides[3], sides);
  assert.equal(sides[1], 2 * sides[2]);
  assert.ok(rows[1].maps * (rows[1].tile[1] + LAYOUT.tileGapPx) <= 600);
  assert.ok(rows[4].dense);
  const tiny = pyramidLayout(header([["input", [1, 64, 64]], ["conv", [64, 2, 2]]]), { width: 300 });
  assert.equal(tiny.rows[1].tile[0], LAYOUT.tileFloorPx); // smaller than below, to the floor
});

test("a layer smaller than the one below never gets a tile as large: 16 maps keep the shape", () => {
  for (const width of [300, 450, 600, 900]) {
    const { rows } = pyramidLayout(header([["input", [3, 512, 512]], ["conv", [4, 512, 512]],
      ["conv", [8, 256, 256]], ["conv", [16, 128, 128]], ["maxpool", [16, 64, 64]],
      ["dense", [10, 1, 1]]]), { width });
    const sides = rows.slice(1, 5).map((r) => r.tile[0]);
    for (let i = 1; i < sides.length; i += 1) {
      assert.ok(sides[i] < sides[i - 1], `${width} px: ${sides}`);
      assert.ok(Math.abs(sides[i] - sides[i - 1] / 2) <= 1 || sides[i] === LAYOUT.tileFloorPx,
        `${width} px: ${sides} (each half the one below: half the width and height)`);
    }
  }
});

test("labels number every pyramid layer, a pooling layer included, as layer= does", () => {
  const request = [{ type: "conv", padding: "same", activation: "relu" },
    { type: "maxpool" }, { type: "conv", padding: [0, 1, 2, 3], activation: "none" },
    { type: "dense", units: 10, activation: "none" }];
  const geo = [null, { kernel: [3, 3], stride: [1, 1], dilation: [1, 1] },
    { kernel: [2, 2], stride: [2, 2] }, { kernel: [5, 3], stride: [2, 1], dilation: [2, 2] },
    { shape: [10, 1, 1] }];
  const infos = describeLayers(request, geo);
  assert.deepEqual(infos.map((i) => i.name), ["Input", "Layer 1", "Layer 2 · pool", "Layer 3",
    "Layer 4 · classifier"]);
  assert.deepEqual(infos.map((i) => i.block), [0, 1, 1, 2, 3]);
  assert.equal(infos[1].text, "conv 3×3, same padding, ReLU");
  assert.equal(infos[2].text, "max pool 2×2, stride 2");
  assert.equal(infos[3].text, "conv 5×3, stride 2×1, padding 0/1/2/3 (t/b/l/r), dilation 2");
});
