// The formulas of static/js/conv-math.js, checked on the examples the engine documents.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  samePadding, resolvePadding, outputLength, formulaText, emptyReason, unreachedCells,
  unreachedIndices, receptiveFieldBox, backProject, effectiveKernel, fullPadding,
} from "../../static/js/conv-math.js";
import { planStack } from "../../static/js/conv-plan.js";

test("same padding puts the odd cell at the bottom/right (TensorFlow examples)", () => {
  assert.deepEqual(samePadding(6, 3, { stride: 2 }), [0, 1]);
  assert.deepEqual(samePadding(224, 7, { stride: 2 }), [2, 3]);
  assert.deepEqual(samePadding(4, 2, { stride: 1 }), [0, 1]);
  assert.deepEqual(samePadding(5, 3, { stride: 1 }), [1, 1]);
});

test("same padding keeps ceil(n / stride) cells for every stride and dilation", () => {
  for (let n = 1; n < 30; n += 1) {
    for (const k of [1, 2, 3, 4, 5, 7]) {
      for (const stride of [1, 2, 3, 4]) {
        for (const dilation of [1, 2, 3]) {
          const [before, after] = samePadding(n, k, { stride, dilation });
          assert.ok(after - before === 0 || after - before === 1);
          const out = outputLength(n, k, { stride, dilation, before, after });
          assert.equal(out, Math.ceil(n / stride), `n=${n} k=${k} s=${stride} d=${dilation}`);
        }
      }
    }
  }
});

test("full padding is dilation*(k-1) on every side", () => {
  assert.equal(fullPadding(3, 1), 2);
  assert.equal(fullPadding(3, 2), 4);
  assert.deepEqual(resolvePadding("full", { inSize: [8, 8], kernel: [3, 5], dilation: [2, 1] }),
    [4, 4, 4, 4]);
  assert.deepEqual(resolvePadding("valid", { inSize: [8, 8], kernel: [3, 3] }), [0, 0, 0, 0]);
  assert.deepEqual(resolvePadding(2, { inSize: [8, 8], kernel: [3, 3] }), [2, 2, 2, 2]);
  assert.deepEqual(resolvePadding([1, 2], { inSize: [8, 8], kernel: [3, 3] }), [1, 1, 2, 2]);
  assert.deepEqual(resolvePadding([0, 1, 2, 3], { inSize: [8, 8], kernel: [3, 3] }),
    [0, 1, 2, 3]);
});

test("output length follows the floor formula", () => {
  assert.equal(outputLength(7, 3, { stride: 2, dilation: 1, before: 0, after: 0 }), 3);
  assert.equal(outputLength(5, 3, { stride: 1, dilation: 2, before: 0, after: 0 }), 1);
  assert.equal(outputLength(512, 3, { stride: 2, dilation: 1, before: 0, after: 1 }), 256);
  assert.equal(formulaText(7, 3, { stride: 2, dilation: 1, before: 0, after: 0 }),
    "floor((7 + 0 + 0 - 1*(3 - 1) - 1) / 2) + 1 = 3");
});

test("an empty output is explained with the formula and its numbers", () => {
  assert.equal(emptyReason(5, 3, { stride: 1, dilation: 1, before: 0, after: 0 }), null);
  const reason = emptyReason(4, 3, { stride: 1, dilation: 2, before: 0, after: 0, axis: "width" });
  assert.match(reason, /kernel width 3 \(dilated span 5\) is larger than the padded input width 4/);
  assert.match(reason, /floor\(\(4 \+ 0 \+ 0 - 2\*\(3 - 1\) - 1\) \/ 1\) \+ 1 = 0 cells/);
  assert.match(reason, /the output would be empty/);
});

test("an empty output has 0 cells, and the formula still shows its value", () => {
  assert.equal(outputLength(4, 3, { stride: 1, dilation: 2, before: 0, after: 0 }), 0);
  assert.equal(outputLength(2, 9, { stride: 3, dilation: 1, before: 0, after: 0 }), 0);
  assert.match(formulaText(4, 3, { stride: 1, dilation: 2, before: 0, after: 0 }), / = 0$/);
  assert.match(formulaText(2, 9, { stride: 1, dilation: 1, before: 0, after: 0 }), / = -6$/);
});

test("unreached cells are every input cell no tap reads, padding excluded", () => {
  const valid = (stride, dilation = 1) => ({ stride, dilation, before: 0, after: 0 });
  assert.deepEqual(unreachedIndices(8, 3, valid(2)), [7]);
  assert.equal(unreachedCells(7, 3, valid(2)), 0);
  // a stride longer than the window steps over interior cells
  assert.deepEqual(unreachedIndices(8, 3, valid(4)), [3, 7]);
  assert.deepEqual(unreachedIndices(10, 2, valid(3)), [2, 5, 8, 9]);
  // dilation leaves holes that no other window fills, unless the stride does
  assert.deepEqual(unreachedIndices(7, 2, valid(3, 3)), [1, 2, 4, 5]);
  assert.deepEqual(unreachedIndices(7, 2, valid(1, 3)), []);
  // all unreached trailing cells are padding: none reported
  assert.equal(unreachedCells(6, 3, { stride: 2, dilation: 1, before: 0, after: 1 }), 0);
  // a leading zero shifts the windows: input cells 0 and 2 fall between them
  assert.deepEqual(unreachedIndices(4, 1, { stride: 2, dilation: 1, before: 1, after: 0 }), [0, 2]);
  // an empty output reads nothing
  assert.deepEqual(unreachedIndices(3, 5, valid(1)), [0, 1, 2]);
  assert.equal(effectiveKernel(3, 3), 7);
});

test("unreached cells match a brute force over strides, dilations, kernels and paddings", () => {
  for (let n = 1; n <= 14; n += 1) {
    for (let k = 1; k <= 4; k += 1) {
      for (let stride = 1; stride <= 5; stride += 1) {
        for (let dilation = 1; dilation <= 3; dilation += 1) {
          for (const [before, after] of [[0, 0], [1, 0], [0, 2], [2, 1], [3, 3]]) {
            const span = dilation * (k - 1) + 1;
            const read = new Set();
            for (let p = 0; p + span <= n + before + after; p += stride) {
              for (let t = 0; t < k; t += 1) read.add(p + t * dilation);
            }
            const never = [...Array(n).keys()].filter((i) => !read.has(i + before));
            assert.deepEqual(unreachedIndices(n, k, { stride, dilation, before, after }), never,
              `n=${n} k=${k} s=${stride} d=${dilation} pad=${before},${after}`);
          }
        }
      }
    }
  }
});

test("plan chains receptive field, jump and origin through the stack", () => {
  const layers = [
    { type: "conv", filters: 4, kernel_size: [3, 3], stride: 1, padding: "same", weights: { random: 0 } },
    { type: "conv", filters: 8, kernel_size: 3, stride: 2, padding: "same", weights: { random: 1 } },
    { type: "maxpool", size: 2 },
    { type: "relu" },
  ];
  const { geometries, error } = planStack(layers, [3, 512, 512]);
  assert.equal(error, null);
  assert.deepEqual(geometries.map((g) => g.shape), [[4, 512, 512], [8, 256, 256],
    [8, 128, 128], [8, 128, 128]]);
  assert.deepEqual(geometries[0].receptive_field, [3, 3]);
  assert.deepEqual(geometries[0].origin, [-1, -1]);
  assert.deepEqual(geometries[1].padding, [0, 1, 0, 1]);
  assert.deepEqual(geometries[1].receptive_field, [5, 5]);
  assert.deepEqual(geometries[1].jump, [2, 2]);
  assert.deepEqual(geometries[1].origin, [-1, -1]);
  assert.deepEqual(geometries[2].receptive_field, [7, 7]);
  assert.deepEqual(geometries[2].jump, [4, 4]);
  assert.equal(geometries[0].params, 4 * 3 * 9 + 4);
  assert.equal(geometries[0].dense_params, 3 * 512 * 512 * 4 * 512 * 512 + 4 * 512 * 512);
  assert.equal(geometries[2].params, 0);
});

test("plan names the first layer whose output would be empty", () => {
  const layers = [
    { type: "conv", filters: 2, kernel_size: 3, stride: 4, padding: "valid", weights: { random: 0 } },
    { type: "conv", filters: 2, kernel_size: 5, padding: "valid", weights: { random: 0 } },
  ];
  const { geometries, error } = planStack(layers, [1, 12, 12]);
  assert.equal(geometries.length, 1);
  assert.deepEqual(geometries[0].shape, [2, 3, 3]);
  assert.equal(error.layer, 1);
  assert.match(error.message, /floor\(\(3 \+ 0 \+ 0 - 1\*\(5 - 1\) - 1\) \/ 1\) \+ 1 = -1/);
});

test("plan checks hand-typed weights against the input channels", () => {
  const weights = [[[[1, 0], [0, 1]]]]; // 1 x 1 x 2 x 2
  const ok = planStack([{ type: "conv", weights }], [1, 4, 4]);
  assert.deepEqual(ok.geometries[0].shape, [1, 3, 3]);
  const bad = planStack([{ type: "conv", weights }], [3, 4, 4]);
  assert.match(bad.error.message, /K x 3 x kh x kw/);
});

test("a dense layer sees the whole image and counts its parameters", () => {
  const { geometries } = planStack([
    { type: "conv", filters: 2, kernel_size: 3, stride: 2, padding: "same", weights: { random: 0 } },
    { type: "dense", units: 10, weights: { random: 0 } },
  ], [1, 8, 8]);
  const dense = geometries[1];
  assert.deepEqual(dense.shape, [10, 1, 1]);
  assert.equal(dense.params, 10 * 2 * 4 * 4 + 10);
  assert.deepEqual(dense.receptive_field, [9, 9]);
});

test("receptive field box is clipped to the image", () => {
  const geo = { origin: [-1, -1], jump: [2, 2], receptive_field: [5, 5] };
  assert.deepEqual(receptiveFieldBox(geo, 0, 0, { height: 10, width: 10 }),
    { top: 0, left: 0, bottom: 3, right: 3, clipped: true });
  assert.deepEqual(receptiveFieldBox(geo, 2, 3, { height: 10, width: 10 }),
    { top: 3, left: 5, bottom: 7, right: 9, clipped: false });
});

test("back-projection of one cell reaches the receptive field on the image", () => {
  const { geometries } = planStack([
    { type: "conv", filters: 2, kernel_size: 3, stride: 1, padding: "same", weights: { random: 0 } },
    { type: "conv", filters: 2, kernel_size: 3, stride: 2, padding: "same", weights: { random: 0 } },
    { type: "maxpool", size: 2 },
  ], [1, 32, 32]);
  for (const [i, j] of [[0, 0], [3, 5], [7, 7]]) {
    const regions = backProject(geometries, 3, { r0: i, r1: i, c0: j, c1: j });
    const box = receptiveFieldBox(geometries[2], i, j, { height: 32, width: 32 });
    const image = regions.get(0);
    assert.deepEqual([image.r0, image.r1, image.c0, image.c1],
      [box.top, box.bottom, box.left, box.right]);
  }
});
