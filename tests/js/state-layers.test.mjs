// One layer format (#15 §5): API-style layers in a page state become the same stack, or the
// state is refused naming what the page cannot show; never four random maps in silence.
import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultConfig, readSearch, sanitizeConfig, STATE_PARAM } from "../../static/js/state.js";
import { apiLayers } from "../../static/js/request.js";
import { UnreadableState, isApiLayerList } from "../../static/js/state-layers.js";
import { galleryNames, withGallerySample } from "../../static/js/gallery.js";

const SOBEL = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]];
const search = (config) => `?${STATE_PARAM}=${Buffer.from(JSON.stringify(config))
  .toString("base64url")}`;

test("api layers in a state give the same request the api layers describe", () => {
  const api = [
    { type: "conv", filters: 8, kernel_size: 5, weights: { random: 7 }, stride: 2,
      padding: "same" },
    { type: "relu" },
    { type: "maxpool", size: 2 },
    { type: "conv", filters: 2, weights: { presets: ["sobel_x", "random"], seed: 3 },
      padding: [1, 2],
      dilation: [2, 1], activation: "tanh" },
    { type: "dense", units: 4, weights: { random: 9 } },
  ];
  const { layers } = sanitizeConfig({ layers: api });
  assert.deepEqual(apiLayers(layers, 3), [
    { type: "conv", filters: 8, kernel_size: [5, 5], stride: [2, 2], padding: "same",
      dilation: [1, 1], activation: "relu", weights: { random: 7 } },
    { type: "maxpool", size: 2, stride: 2 },
    { type: "conv", filters: 2, kernel_size: [3, 3], stride: [1, 1], padding: [1, 1, 2, 2],
      dilation: [2, 1], activation: "tanh", weights: { presets: ["sobel_x", "random"], seed: 3 } },
    { type: "dense", units: 4, weights: { random: 9 }, activation: "none" },
  ]);
});

test("api defaults are the api's, not the editor's (valid padding, no activation, one map)", () => {
  const [block] = sanitizeConfig({ layers: [{ type: "conv", weights: { random: 1 } }] }).layers;
  assert.equal(block.padding, "valid");
  assert.equal(block.activation, "none");
  assert.equal(block.maps, 1);
  assert.deepEqual(block.kernel, [3, 3]);
});

test("a 2-d kernel and a 4-d array become hand-typed weights with their bias", () => {
  const [two, four] = sanitizeConfig({ layers: [
    { type: "conv", weights: SOBEL },
    { type: "conv", weights: [[SOBEL], [SOBEL]], bias: [0.5, -1] },
  ] }).layers;
  assert.equal(two.source, "custom");
  assert.deepEqual(two.weights, [[SOBEL]]);
  assert.equal(four.maps, 2);
  assert.deepEqual(four.bias, [0.5, -1]);
});

test("a single preset fills every map", () => {
  const [block] = sanitizeConfig({ layers: [
    { type: "conv", filters: 3, weights: { preset: "laplacian" } }] }).layers;
  assert.deepEqual(block.presets, ["laplacian", "laplacian", "laplacian"]);
  assert.equal(block.source, "presets");
});

for (const [name, layers, words] of [
  ["a pooling size the page does not offer", [{ type: "conv" }, { type: "maxpool", size: 4 }],
    "layer 2 (maxpool): maxpool size 4"],
  ["a pooling without a conv before it", [{ type: "avgpool" }], "must follow a conv layer"],
  ["a leaky relu slope", [{ type: "conv", filters: 1 }, { type: "leaky_relu", slope: 0.2 }],
    "slope 0.2"],
  ["a bias next to a recipe", [{ type: "conv", weights: { random: 1 }, bias: [1] }],
    "a bias next to recipe weights"],
  ["more maps than the page offers", [{ type: "conv", filters: 500, weights: { random: 1 } }],
    "filters 500"],
  ["presets that do not match filters", [{ type: "conv", weights: { presets: ["sobel_x",
    "sobel_y"] } }], "2 presets given for 1 feature maps"],
  ["an unknown preset", [{ type: "conv", weights: { preset: "sobel_z" } }], "sobel_z"],
  ["a dense layer with array weights", [{ type: "dense", units: 2, weights: [[1, 2]] }],
    "not an array"],
  ["a layer above the classifier", [{ type: "dense", weights: { random: 1 } },
    { type: "relu" }], "nothing above the dense"],
]) {
  test(`api layers with ${name} are refused naming it`, () => {
    assert.throws(() => sanitizeConfig({ layers }), (err) => err instanceof UnreadableState
      && err.message.includes(words));
    const read = readSearch(search({ layers }));
    assert.equal(read.config, null);
    assert.match(read.problem, /cannot be shown exactly/);
    assert.ok(read.problem.includes(words), read.problem);
  });
}

test("page blocks are not taken for api layers, and still round-trip", () => {
  const config = defaultConfig();
  assert.equal(isApiLayerList(config.layers), false);
  assert.deepEqual(sanitizeConfig(config).layers, config.layers);
  assert.equal(isApiLayerList([{ type: "conv", filters: 2 }]), true);
});

test("a state that is not base64 json is reported, not silently ignored", () => {
  assert.deepEqual(readSearch(`?${STATE_PARAM}=%%%`).config, null);
  assert.match(readSearch(`?${STATE_PARAM}=%%%`).problem, /base64url/);
  assert.deepEqual(readSearch("?other=1"), { config: null, problem: null });
});

test("any gallery file name survives the state, spaces and accents included", () => {
  for (const sample of ["my photo", "café au lait", "harbour-2024 (1)"]) {
    assert.deepEqual(sanitizeConfig({ image: { sample } }).image, { sample });
  }
  assert.notEqual(sanitizeConfig({ image: { sample: "../etc/passwd" } }).image.sample,
    "../etc/passwd");
});

test("a gallery without the default sample opens on its first image", () => {
  const names = ["harbour", "leaf"];
  assert.deepEqual(withGallerySample(defaultConfig(), names).image, { sample: "harbour" });
  const chosen = { ...defaultConfig(), image: { sample: "leaf" } };
  assert.equal(withGallerySample(chosen, names), chosen);
  assert.equal(withGallerySample(defaultConfig(), null).image.sample, "astronaut");
  const doc = { querySelector: () => ({ getAttribute: () => '["a b", "c"]' }) };
  assert.deepEqual(galleryNames(doc), ["a b", "c"]);
  assert.equal(galleryNames(undefined), null);
});

test("a bare conv, or one with page keys, keeps the page's reading", () => {
  assert.equal(isApiLayerList([{ type: "conv" }]), false);
  assert.equal(isApiLayerList([{ type: "conv", maps: 2, stride: [2, 2], padding: "same" }]), false);
  assert.equal(isApiLayerList([{ type: "conv", stride: 2 }]), true);
  assert.equal(isApiLayerList([{ type: "conv", weights: [[SOBEL]] }]), true);
});
