// From the page's configuration to the API request; the client-side check before asking.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildPyramidRequest, blockLayout, blockOfLayer, checkState, fitWeights, inputChannels,
  requestKey,
} from "../../static/js/request.js";
import { defaultConfig, convBlock } from "../../static/js/state.js";

const samples = [{ name: "astronaut", width: 512, height: 512, channels: 3 }];

test("the default configuration asks for three conv layers, a pool and a classifier", () => {
  const request = buildPyramidRequest({ ...defaultConfig(), samples });
  assert.deepEqual(request.image, { sample: "astronaut" });
  assert.deepEqual(request.layers.map((l) => l.type),
    ["conv", "conv", "conv", "maxpool", "dense"]);
  assert.deepEqual(request.layers[0].weights,
    { presets: ["sobel_x", "sobel_y", "laplacian", "gaussian_blur"], seed: 0 });
  assert.equal(request.layers[0].padding, "same");
  assert.equal(request.layers[0].activation, "relu");
  assert.deepEqual(request.layers[1].stride, [2, 2]);
  assert.deepEqual(request.layers[3], { type: "maxpool", size: 2, stride: 2 });
  const { geometries, error } = checkState({ ...defaultConfig(), samples });
  assert.equal(error, null);
  assert.deepEqual(geometries.map((g) => g.shape),
    [[4, 512, 512], [8, 256, 256], [16, 128, 128], [16, 64, 64], [10, 1, 1]]);
});

test("blocks map to pyramid layers, a pooling block taking two", () => {
  const blocks = defaultConfig().layers;
  assert.deepEqual(blockLayout(blocks), [
    { block: 0, conv: 1, pool: null }, { block: 1, conv: 2, pool: null },
    { block: 2, conv: 3, pool: 4 }, { block: 3, conv: 5, pool: null }]);
  assert.deepEqual(blockOfLayer(blocks, 4), { block: 2, role: "pool" });
  assert.deepEqual(blockOfLayer(blocks, 5), { block: 3, role: "dense" });
  assert.deepEqual(blockOfLayer(blocks, 0), { block: -1, role: "input" });
});

test("hand-typed weights are fitted to the input channels and kernel size", () => {
  const state = { ...defaultConfig(), samples, color: "grey",
    layers: [convBlock({ maps: 1, kernel: [3, 3], source: "custom",
      weights: [[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], bias: [0.5] })] };
  const request = buildPyramidRequest(state);
  assert.deepEqual(request.layers[0].weights, [[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
  assert.deepEqual(request.layers[0].bias, [0.5]);
  const rgb = buildPyramidRequest({ ...state, color: "rgb" });
  assert.equal(rgb.layers[0].weights[0].length, 3);
  assert.deepEqual(rgb.layers[0].weights[0][2], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  assert.deepEqual(fitWeights([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], [1, 1, 1, 1]), [[[[5]]]]);
  assert.deepEqual(fitWeights([[[[5]]]], [1, 1, 3, 3]), [[[[0, 0, 0], [0, 5, 0], [0, 0, 0]]]]);
});

test("colour mode decides the input channels", () => {
  assert.equal(inputChannels("grey", { channels: 3 }), 1);
  assert.equal(inputChannels("rgb", { channels: 1 }), 3);
  assert.equal(inputChannels("auto", { channels: 1 }), 1);
  assert.equal(inputChannels("auto", null), 3);
});

test("a setting that empties a later layer is caught before the server is asked", () => {
  const state = { ...defaultConfig(), samples: [{ name: "astronaut", width: 8, height: 8,
    channels: 3 }], layers: [convBlock({ stride: [4, 4], padding: "valid" }),
    convBlock({ kernel: [5, 5], padding: "valid" })] };
  const { error } = checkState(state);
  assert.equal(error.layer, 2);
  assert.equal(error.block, 1);
  assert.match(error.message, /floor\(\(2 \+ 0 \+ 0 - 1\*\(5 - 1\) - 1\) \/ 1\) \+ 1 = -2/);
});

test("the request key ignores the preview size", () => {
  const a = buildPyramidRequest(defaultConfig(), { preview: 64 });
  const b = buildPyramidRequest(defaultConfig(), { preview: 128 });
  assert.equal(requestKey(a), requestKey(b));
});

test("a 3x3-only preset at another kernel size is explained before asking", () => {
  const state = { ...defaultConfig(), samples };
  const layers = [convBlock({ maps: 2, kernel: [5, 5], source: "presets",
    presets: ["gaussian_blur", "sobel_y"] })];
  const { error } = checkState({ ...state, layers });
  assert.equal(error.block, 0);
  assert.match(error.message, /sobel_y kernel of map 2 exists only as 3×3, not 5×5/);
  const fine = [convBlock({ maps: 2, kernel: [5, 5], source: "presets",
    presets: ["gaussian_blur", "gabor_45"] })];
  assert.equal(checkState({ ...state, layers: fine }).error, null);
});
