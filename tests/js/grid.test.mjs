// Grid mode's model: presets, padding, the output-size formula, URL form, request body.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  compactGrid, convolveRequest, formulaLines, gridGeometry, gridPadding, inputPreset,
  kernelPreset, normaliseGrid, resizeGrid, seededRandom,
} from "../../static/js/grid/model.js";
import { correlateMap } from "../../static/js/patch/arithmetic.js";
import { outputShape } from "../../static/js/patch/windows.js";

test("same padding follows TensorFlow: the odd zero goes after", () => {
  const same = (n, k, s, d) => gridPadding(normaliseGrid({ h: n, w: 1, kh: k, kw: 1, s: [s, 1],
    d: [d, 1], p: "same" })).slice(0, 2);
  assert.deepEqual(same(6, 3, 2, 1), [0, 1]);
  assert.deepEqual(same(16, 7, 2, 1), [2, 3]);
  assert.deepEqual(same(4, 2, 1, 1), [0, 1]);
  assert.deepEqual(same(5, 3, 1, 2), [2, 2]);
});

test("padding modes resolve to explicit top, bottom, left, right", () => {
  const g = normaliseGrid({ h: 6, w: 5, kh: 3, kw: 3, s: [2, 2] });
  assert.deepEqual(gridPadding({ ...g, p: "same" }), [0, 1, 1, 1]);
  assert.deepEqual(gridPadding({ ...g, p: "full" }), [2, 2, 2, 2]);
  assert.deepEqual(gridPadding({ ...g, p: "valid" }), [0, 0, 0, 0]);
  assert.deepEqual(gridPadding({ ...g, p: [1, 0, 2, 3] }), [1, 0, 2, 3]);
});

test("same padding keeps ceil(n / stride) output cells", () => {
  for (const n of [1, 4, 5, 6, 7, 16]) {
    for (const stride of [1, 2, 3]) {
      const g = normaliseGrid({ h: n, w: n, s: [stride, stride], p: "same", kh: 3, kw: 3 });
      assert.deepEqual(outputShape(gridGeometry(g)),
        [Math.ceil(n / stride), Math.ceil(n / stride)], `n=${n} stride=${stride}`);
    }
  }
});

test("the formula is written with the numbers and explains an empty output", () => {
  const ok = formulaLines(normaliseGrid({ h: 5, w: 5, kh: 3, kw: 3, s: [2, 2], p: "same" }));
  assert.equal(ok.empty, null);
  assert.equal(ok.axes[0].text,
    "height: floor((5 + 1 + 1 − 1·(3 − 1) − 1) / 2) + 1 = floor(4 / 2) + 1 = 3");
  const empty = formulaLines(normaliseGrid({ h: 3, w: 8, kh: 3, kw: 3, d: [2, 1] }));
  assert.equal(empty.axes[0].size, 0);
  assert.match(empty.empty, /height.*spans 5 cells.*only 3/);
});

test("presets fill C x H x W in row-major order", () => {
  assert.deepEqual(inputPreset("ramp", { c: 1, h: 2, w: 3 }), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(inputPreset("ones", { c: 2, h: 1, w: 2 }), [1, 1, 1, 1]);
  assert.deepEqual(inputPreset("checker", { c: 1, h: 2, w: 2 }), [0, 1, 1, 0]);
  const r = inputPreset("random", { c: 1, h: 4, w: 4, seed: 7 });
  assert.ok(r.every((v) => Number.isInteger(v) && v >= 0 && v <= 9));
  assert.deepEqual(r, inputPreset("random", { c: 1, h: 4, w: 4, seed: 7 }));
  assert.deepEqual(kernelPreset("identity", { c: 1, kh: 3, kw: 3 }), [0, 0, 0, 0, 1, 0, 0, 0, 0]);
  assert.deepEqual(kernelPreset("edge_x", { c: 1, kh: 1, kw: 3 }), [-1, 0, 1]);
  assert.ok(kernelPreset("random", { c: 1, kh: 3, kw: 3 }).every((v) => v >= -2 && v <= 2));
});

test("the seeded generator repeats for a seed and differs between seeds", () => {
  const a = seededRandom(3);
  const b = seededRandom(3);
  const c = seededRandom(4);
  const xs = [a(), a(), a()];
  assert.deepEqual(xs, [b(), b(), b()]);
  assert.notDeepEqual(xs, [c(), c(), c()]);
});

test("normaliseGrid clamps sizes and replaces values that do not fit", () => {
  const g = normaliseGrid({ h: 99, w: 0, c: 9, kh: 2, kw: 2, x: "1,2",
    k: "1,2,3,4,5,6,7,8,9,10,11,12",
    s: 9, d: [0, 2], p: [1, -1, 99, "a"] });
  assert.equal(g.h, 16);
  assert.equal(g.w, 1);
  assert.equal(g.c, 3);
  assert.equal(g.x.length, 3 * 16 * 1);
  assert.deepEqual(g.k, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(g.s, [4, 4]);
  assert.deepEqual(g.d, [1, 2]);
  assert.deepEqual(g.p, [1, 0, 6, 0]);
  assert.deepEqual(normaliseGrid(null).x.length, 25);
});

test("the compact URL form round-trips", () => {
  const g = normaliseGrid({ h: 3, w: 4, x: inputPreset("random", { c: 1, h: 3, w: 4 }),
    kh: 2, kw: 2, k: [1, -2, 0.5, 3], b: -1.5, p: [0, 1, 0, 1], s: [2, 1], step: 3, flip: 1 });
  const url = JSON.parse(JSON.stringify(compactGrid(g)));
  assert.equal(typeof url.x, "string");
  assert.deepEqual(normaliseGrid(url), g);
});

test("resizing keeps the values that fit; grown input cells continue the ramp, not zeros", () => {
  const g = normaliseGrid({ h: 2, w: 2, x: [1, 2, 3, 4], kh: 1, kw: 1, k: [5] });
  const bigger = resizeGrid(g, { w: 3, kw: 2 });
  // the new column holds its ramp values (2 and 5), never a ring of zeros like padding
  assert.deepEqual(bigger.x, [1, 2, 2, 3, 4, 5]);
  assert.deepEqual(bigger.k, [5, 0]);
  const more = resizeGrid(g, { c: 2 });
  assert.deepEqual(more.x, [1, 2, 3, 4, 1, 2, 3, 4]);
  const grown = resizeGrid(normaliseGrid({ h: 3, w: 3, x: Array(9).fill(0) }), { h: 5, w: 5 });
  const added = grown.x.filter((_, i) => Math.floor(i / 5) >= 3 || i % 5 >= 3);
  assert.ok(added.every((v) => v !== 0), String(added));
});

test("the convolve request has explicit padding, a C x H x W input and a 1 x C kernel", () => {
  const g = normaliseGrid({ h: 2, w: 3, c: 1, x: [0, 1, 2, 3, 4, 5], kh: 1, kw: 2, k: [1, -1],
    b: 2, p: "same", s: [1, 2] });
  const body = convolveRequest(g);
  assert.deepEqual(body.input, [[[0, 1, 2], [3, 4, 5]]]);
  assert.deepEqual(body.layers[0].weights, [[[[1, -1]]]]);
  assert.deepEqual(body.layers[0].bias, [2]);
  assert.deepEqual(body.layers[0].padding, gridPadding(g));
  assert.deepEqual(body.layers[0].stride, [1, 2]);
});

test("the guide example: 5x5 ramp, 3x3 ones, stride 2, same padding", () => {
  const g = normaliseGrid({ h: 5, w: 5, kh: 3, kw: 3, s: [2, 2], p: "same" });
  const geometry = gridGeometry(g);
  const out = correlateMap({ input: { data: Float32Array.from(g.x), shape: [1, 5, 5] },
    kernel: Float32Array.from(g.k), bias: 0, geometry });
  // Top-left window covers the padded corner: 0 + 1 + 5 + 6 = 12.
  assert.deepEqual(Array.from(out), [12, 27, 24, 63, 108, 81, 72, 117, 84]);
});
