// The store and state <-> URL: a link or a reload brings back exactly the same configuration.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createStore, defaultConfig, convBlock, denseBlock, stateToSearch, searchToConfig,
  sanitizeConfig, configOf, parseConfig, serializeConfig, STATE_PARAM,
} from "../../static/js/state.js";

function richConfig() {
  const config = defaultConfig();
  return {
    ...config,
    image: { id: "ab".repeat(32), name: "my café.png", width: 300, height: 200, channels: 3 },
    color: "grey",
    layers: [
      convBlock({ kernel: [5, 3], maps: 2, stride: [2, 1], padding: "custom", pad: [0, 1, 2, 3],
        dilation: [2, 1], activation: "leaky_relu", pool: "avg3", source: "custom",
        weights: [[[[0.1, -0.25, 1e-3], [1, 2, 3], [0, 0, 0], [4, 5, 6], [7, 8, 0.33333334]]],
          [[[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]]]],
        bias: [0.5, -1] }),
      convBlock({ maps: 3, source: "presets", presets: ["sobel_x", "random", "gabor_45"],
        seed: 7, padding: "full" }),
      denseBlock({ units: 5, seed: 9, activation: "sigmoid" }),
    ],
    selected: { layer: 2, map: 1 },
    scale: "layer",
    anim: { layer: 1, map: 1, step: 17, flip: true, speed: 4 },
    grid: { input: [[1, 2], [3, 4]], anything: { nested: true } },
  };
}

test("the URL round trip returns the same configuration", () => {
  const config = richConfig();
  const search = stateToSearch("", { ...config, pyramid: { big: "data" }, status: "idle" });
  const back = searchToConfig(search);
  assert.deepEqual(back, configOf(config));
});

test("the default configuration survives the URL round trip", () => {
  const config = defaultConfig();
  assert.deepEqual(searchToConfig(stateToSearch("", config)), config);
});

test("derived data never goes into the URL", () => {
  const search = stateToSearch("", { ...defaultConfig(), pyramid: { secret: 123 } });
  const json = JSON.stringify(searchToConfig(search));
  assert.ok(!json.includes("secret"));
});

test("other query parameters are kept", () => {
  const search = stateToSearch("?view=pyramid&lock=1", defaultConfig());
  const params = new URLSearchParams(search);
  assert.equal(params.get("view"), "pyramid");
  assert.equal(params.get("lock"), "1");
  assert.ok(params.get(STATE_PARAM));
});

test("a URL without state or with garbage gives null, not an exception", () => {
  assert.equal(searchToConfig(""), null);
  assert.equal(searchToConfig("?s=%%%"), null);
  assert.equal(searchToConfig("?s=bm90IGpzb24"), null);
});

test("sanitising clamps out-of-range fields and drops unknown values", () => {
  const config = sanitizeConfig({
    image: { sample: "../../etc/passwd" },
    color: "purple",
    layers: [{ type: "conv", kernel: [99, 0], maps: 1e6, stride: [0, 2], activation: "x",
      padding: "weird", pool: "huge", source: "custom", weights: "nope", presets: ["evil"] },
    { type: "dense", units: -3 }, { type: "conv" }],
    selected: { layer: -1, map: "a" },
    scale: "both",
  });
  assert.deepEqual(config.image, { sample: "astronaut" });
  assert.equal(config.color, "auto");
  const [conv, dense] = config.layers;
  assert.equal(config.layers.length, 2, "nothing after the dense classifier");
  assert.deepEqual(conv.kernel, [15, 1]);
  assert.equal(conv.maps, 64);
  assert.deepEqual(conv.stride, [1, 2]);
  assert.equal(conv.activation, "relu");
  assert.equal(conv.padding, "same");
  assert.equal(conv.pool, "none");
  assert.equal(conv.source, "random");
  assert.equal(conv.weights, null);
  assert.equal(conv.presets.length, 64);
  assert.equal(dense.units, 1);
  assert.deepEqual(config.selected, { layer: 0, map: 0 });
  assert.equal(config.scale, "map");
});

test("localStorage text parses like the URL", () => {
  const config = richConfig();
  assert.deepEqual(parseConfig(serializeConfig(config)), configOf(config));
  assert.equal(parseConfig(null), null);
  assert.equal(parseConfig("{broken"), null);
});

test("the store notifies subscribers with the new and previous state", () => {
  const store = createStore({ a: 1, b: { c: 2 } });
  const seen = [];
  const off = store.subscribe((s, prev) => seen.push([s.a, prev.a]));
  store.setState({ a: 2 });
  store.update((s) => ({ ...s, a: s.a + 1 }));
  assert.deepEqual(store.getState().b, { c: 2 });
  off();
  store.setState({ a: 10 });
  assert.deepEqual(seen, [[2, 1], [3, 2]]);
});

test("setState never mutates the previous state", () => {
  const first = { a: 1 };
  const store = createStore(first);
  store.setState({ a: 2 });
  assert.equal(first.a, 1);
});

test("preset lists follow the number of maps", () => {
  assert.deepEqual(convBlock({ maps: 3, presets: ["sobel_x"] }).presets,
    ["sobel_x", "random", "random"]);
  assert.deepEqual(convBlock({ maps: 1, presets: ["sobel_x", "sobel_y"] }).presets, ["sobel_x"]);
});
