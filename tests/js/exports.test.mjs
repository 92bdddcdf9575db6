// Export request bodies, download names and server error messages: pure functions.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  filenameFrom, gifExportBody, gridGifExportBody, mapExportBody, pngScale, sizeText,
} from "../../static/js/exports/bodies.js";
import { exportTarget } from "../../static/js/exports/panel.js";
import { validationMessage } from "../../static/js/api.js";
import { EXPORTS } from "../../static/js/config.js";

const REQUEST = { image: { sample: "astronaut" }, color: "auto",
  layers: [{ type: "conv", filters: 4 }], preview: 128 };

test("PNG cells are enlarged to whole pixels up to the minimum side", () => {
  assert.equal(pngScale([512, 512]), 1);
  assert.equal(pngScale([64, 64]), EXPORTS.pngMinSidePx / 64);
  assert.equal(pngScale([100, 30]), Math.ceil(EXPORTS.pngMinSidePx / 100));
  assert.equal(pngScale([1, 1]), EXPORTS.pngMaxScale);
  assert.equal(pngScale([4000, 10]), 1);
});

test("a map export names its layer and map and drops the preview size", () => {
  const body = mapExportBody(REQUEST, { layer: 1, map: 2, shape: [4, 64, 64] });
  assert.deepEqual(body, { image: { sample: "astronaut" }, color: "auto",
    layers: REQUEST.layers, layer: 1, map: 2, colormap: "diverging", scale: 8,
    shared_range: false });
  assert.equal(REQUEST.preview, 128, "the request is not modified");
});

test("a layer export has no map; the input is never coloured diverging", () => {
  const layer = mapExportBody(REQUEST, { layer: 1, map: null, shape: [4, 512, 512],
    sharedRange: true });
  assert.ok(!("map" in layer));
  assert.equal(layer.shared_range, true);
  assert.equal(mapExportBody(REQUEST, { layer: 0, map: 0, shape: [3, 8, 8] }).colormap, "grey");
  assert.equal(mapExportBody(REQUEST, { layer: 0, shape: [3, 8, 8], colormap: "viridis" })
    .colormap, "viridis");
});

test("GIF bodies: the animated layer and map, or grid mode's array", () => {
  assert.deepEqual(gifExportBody(REQUEST, { layer: 1, map: 3, step: 9, flip: 1 }),
    { image: { sample: "astronaut" }, color: "auto", layers: REQUEST.layers, layer: 1, map: 3,
      colormap: "page", frame_ms: 1000 });
  const grid = { input: [[[1, 2], [3, 4]]], layers: [{ type: "conv" }] };
  assert.deepEqual(gridGifExportBody(grid), { ...grid, layer: 1, map: 0 });
});

test("download names come from Content-Disposition, sanitised", () => {
  assert.equal(filenameFrom('attachment; filename="convscope-layer1-map0.png"', "x"),
    "convscope-layer1-map0.png");
  assert.equal(filenameFrom("attachment; filename*=UTF-8''caf%C3%A9.npy", "x"), "café.npy");
  assert.equal(filenameFrom('attachment; filename="../../etc/passwd"', "x"), ".._.._etc_passwd");
  assert.equal(filenameFrom(null, "fallback.bin"), "fallback.bin");
  assert.equal(filenameFrom('attachment; filename=".."', "fallback.bin"), "fallback.bin");
});

test("sizes are written for people", () => {
  assert.equal(sizeText(500), "500 bytes");
  assert.equal(sizeText(2048), "2 kB");
  assert.equal(sizeText(3 * 1024 * 1024), "3.0 MB");
});

test("validation messages are not prefixed twice with their field", () => {
  assert.equal(validationMessage([{ loc: ["body", "layers", 0, "stride"],
    field: "layers[0].stride", msg: "layers[0].stride: must be >= 1" }]),
  "layers[0].stride: must be >= 1");
  assert.equal(validationMessage([{ field: "scale", msg: "too big" },
    { msg: "layer: missing" }]), "scale: too big; layer: missing");
});

test("the export panel targets the selected map of the drawn pyramid", () => {
  const header = { layers: [{ shape: [3, 8, 8], type: "input" },
    { shape: [4, 8, 8], type: "conv", kernel: [3, 3], stride: [1, 1], dilation: [1, 1],
      padding: [1, 1, 1, 1] }] };
  const state = { selected: { layer: 1, map: 2 },
    pyramid: { header, request: { layers: [{ type: "conv", filters: 4, kernel_size: 3 }] } } };
  const target = exportTarget(state);
  assert.equal(target.layer, 1);
  assert.equal(target.map, 2);
  assert.equal(target.mapLabel, "map 3 of 4");
  assert.match(target.label, /^Layer 1 · 8 × 8 × 4$/);
  assert.equal(exportTarget({ ...state, selected: { layer: 0, map: 1 } }).mapLabel,
    "channel green");
  assert.equal(exportTarget({ selected: { layer: 1, map: 0 }, pyramid: null }), null);
});
