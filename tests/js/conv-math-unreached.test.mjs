// render/unreached.js: the never-read rows and columns in words and as shading.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  indexList, lineCoverage, unreachedCauses, unreachedOfGeometry, unreachedSentence,
} from "../../static/js/render/unreached.js";
import { planStack } from "../../static/js/conv-plan.js";

const conv = (options) => ({ type: "conv", weights: { random: 0 }, filters: 1, ...options });
const linesOf = (layer, shape) => unreachedOfGeometry(planStack([layer], shape).geometries[0]);

test("index lists count from 1, name a few cells and elide long runs", () => {
  assert.equal(indexList([]), "");
  assert.equal(indexList([7]), "8");
  assert.equal(indexList([3, 7]), "4 and 8");
  assert.equal(indexList([1, 2, 4, 5]), "2, 3, 5 and 6");
  assert.equal(indexList(Array.from({ length: 128 }, (_, i) => 4 * i + 3)), "4, 8, 12, …, 512");
});

test("cells past the last window are dropped by the floor, the others stepped over", () => {
  const axis = { n: 8, k: 3, stride: 4, dilation: 1, before: 0, after: 0 };
  assert.deepEqual(unreachedCauses([3, 7], axis), { trailing: 1, skipped: 1 });
  const dilated = { n: 9, k: 2, stride: 3, dilation: 3, before: 0, after: 0 };
  assert.deepEqual(unreachedCauses([1, 2, 4, 5, 7, 8], dilated), { trailing: 2, skipped: 4 });
});

test("the sentence counts every never-read row and column and says why", () => {
  const strided = linesOf(conv({ kernel_size: 3, stride: 4 }), [1, 8, 8]);
  assert.deepEqual([strided.rows, strided.cols], [[3, 7], [3, 7]]);
  const text = unreachedSentence(strided, { subject: "this layer's input" });
  assert.match(text, /^2 rows \(4 and 8\) and 2 columns \(4 and 8\) of this layer's input are /);
  assert.match(text, /stride 4 is longer than the window \(3 cells\)/);
  assert.match(text, /floor in the formula drops the last one at the bottom and right/);
  const dilated = unreachedSentence(linesOf(conv({ kernel_size: [2, 1], stride: [3, 1],
    dilation: [3, 1] }), [1, 9, 4]));
  assert.match(dilated, /^6 rows \(2, 3, 5, 6, 8 and 9\) of the input are never read/);
  assert.match(dilated, /dilated taps \(3 apart\) leave holes/);
  const floor = unreachedSentence(linesOf(conv({ kernel_size: 3, stride: 2 }), [1, 8, 7]));
  assert.equal(floor, "1 row (8) of the input is never read by any window: the floor in the "
    + "formula drops the last one at the bottom.");
  assert.equal(unreachedSentence(linesOf(conv({ kernel_size: 3, padding: "same" }), [1, 8, 8])),
    null);
});

test("line coverage keeps a lone row visible and shades a regular skip by its share", () => {
  const lone = lineCoverage([511], 512, 160, { minPx: 2 });
  assert.deepEqual(Array.from(lone.slice(156)), [0, 0, 1, 1]);
  assert.equal(lone.slice(0, 156).reduce((a, b) => a + b, 0), 0);
  // every fourth row of 512 on 160 px: a quarter of the area, never a solid band
  const every4 = lineCoverage(Array.from({ length: 128 }, (_, i) => 4 * i + 3), 512, 160);
  const mean = every4.reduce((a, b) => a + b, 0) / every4.length;
  assert.ok(Math.abs(mean - 0.25) < 0.02, `mean ${mean}`);
  assert.ok(every4.every((c) => c < 0.5));
  // enlarged (8 rows on 32 px): exact cells, full strength
  assert.deepEqual(Array.from(lineCoverage([3, 7], 8, 32)),
    [...Array(12).fill(0), 1, 1, 1, 1, ...Array(12).fill(0), 1, 1, 1, 1]);
  assert.deepEqual(Array.from(lineCoverage([], 8, 4)), [0, 0, 0, 0]);
});

test("the shading fills each display line of a never-read row or column by its share", async () => {
  const { shadeUnreached } = await import("../../static/js/render/paint.js");
  const calls = [];
  const ctx = { save() {}, restore() {}, set fillStyle(v) { calls.push(["style", v]); },
    set globalAlpha(v) { calls.push(["alpha", v]); },
    fillRect(...rect) { calls.push(["rect", ...rect]); } };
  shadeUnreached(ctx, { rows: [3], cols: [1], shape: [4, 2], color: "pink",
    box: { x: 10, y: 20, width: 8, height: 8 } });
  assert.deepEqual(calls, [
    ["style", "pink"],
    ["alpha", 1], ["rect", 10, 26, 8, 1], ["alpha", 1], ["rect", 10, 27, 8, 1],
    ["alpha", 1], ["rect", 14, 20, 1, 8], ["alpha", 1], ["rect", 15, 20, 1, 8],
    ["alpha", 1], ["rect", 16, 20, 1, 8], ["alpha", 1], ["rect", 17, 20, 1, 8],
  ]);
});
