// Pure modules of the sliding-patch animation: window geometry, arithmetic, flip, clock.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  clampStep, outputShape, stepCount, stepOf, unreachedLines, windowAt, windowSpan, windowTaps,
} from "../../static/js/patch/windows.js";
import {
  activate, correlateMap, flattenWeights, flipKernel, kernelOf, matchesEngine,
  windowArithmetic,
} from "../../static/js/patch/arithmetic.js";
import { formatActivation, formatValue } from "../../static/js/patch/format.js";
import { advance, createFrameLog, createPlayer } from "../../static/js/patch/player.js";
import { animatableLayers, nearestSpeed, normaliseAnim } from "../../static/js/patch/anim-state.js";

const geo = (over = {}) => ({
  inShape: [1, 5, 5], kernel: [3, 3], stride: [1, 1], dilation: [1, 1], padding: [0, 0, 0, 0],
  ...over,
});

test("windows move in raster order by the stride, starting in the padding", () => {
  const g = geo({ stride: [2, 2], padding: [1, 1, 1, 1] });
  assert.deepEqual(outputShape(g), [3, 3]);
  const tops = Array.from({ length: stepCount(g) }, (_, s) => windowAt(g, s))
    .map(({ row, col, top, left }) => [row, col, top, left]);
  assert.deepEqual(tops, [
    [0, 0, -1, -1], [0, 1, -1, 1], [0, 2, -1, 3],
    [1, 0, 1, -1], [1, 1, 1, 1], [1, 2, 1, 3],
    [2, 0, 3, -1], [2, 1, 3, 1], [2, 2, 3, 3],
  ]);
});

test("same padding with stride 2 on 6 cells puts the extra zero at the bottom right", () => {
  // TF "same": n=6, k=3, s=2 -> padding (0, 1): the last window covers input cells 4, 5, pad.
  const g = geo({ inShape: [1, 6, 6], stride: [2, 2], padding: [0, 1, 0, 1] });
  assert.deepEqual(outputShape(g), [3, 3]);
  const last = windowTaps(g, stepCount(g) - 1);
  assert.deepEqual(last.filter((t) => !t.inside).length, 5);
  assert.deepEqual(last.at(-1), { u: 2, v: 2, y: 6, x: 6, inside: false });
});

test("dilated taps are spaced by the dilation and the span grows", () => {
  const g = geo({ inShape: [1, 7, 7], dilation: [2, 2] });
  assert.deepEqual(windowSpan(g), [5, 5]);
  assert.deepEqual(outputShape(g), [3, 3]);
  assert.deepEqual(windowTaps(g, 4).map((t) => [t.y, t.x]), [
    [1, 1], [1, 3], [1, 5], [3, 1], [3, 3], [3, 5], [5, 1], [5, 3], [5, 5],
  ]);
});

test("a kernel larger than the padded input gives zero steps", () => {
  const g = geo({ inShape: [1, 2, 2] });
  assert.deepEqual(outputShape(g), [0, 0]);
  assert.equal(stepCount(g), 0);
  assert.equal(clampStep(5, 0), 0);
});

test("clampStep keeps steps inside the animation", () => {
  assert.equal(clampStep(-3, 10), 0);
  assert.equal(clampStep(42, 10), 9);
  assert.equal(clampStep(Number.NaN, 10), 0);
  assert.equal(clampStep(3.7, 10), 3);
});

test("stepOf inverts windowAt", () => {
  const g = geo({ inShape: [1, 9, 7], stride: [2, 3], padding: [1, 0, 2, 1] });
  for (let s = 0; s < stepCount(g); s += 1) assert.equal(stepOf(g, windowAt(g, s)), s);
});

test("unreached lines are every row and column no tap reads", () => {
  const lines = (over) => {
    const { rows, cols } = unreachedLines(geo(over));
    return { rows, cols };
  };
  // n=6, k=3, s=2, valid: windows at 0, 2 -> cells 0..4, cell 5 never reached.
  assert.deepEqual(lines({ inShape: [1, 6, 7], stride: [2, 2] }), { rows: [5], cols: [] });
  assert.deepEqual(lines({}), { rows: [], cols: [] });
  // 8 x 8, 3 x 3, stride 4: windows read 0-2 and 4-6, so 3 and 7 are skipped
  assert.deepEqual(lines({ inShape: [1, 8, 8], stride: [4, 4] }), { rows: [3, 7], cols: [3, 7] });
  // dilation 3 with stride 3 leaves holes between the taps of a 2-tap window
  assert.deepEqual(lines({ inShape: [1, 7, 5], kernel: [2, 1], stride: [3, 1], dilation: [3, 1] }),
    { rows: [1, 2, 4, 5], cols: [] });
  assert.deepEqual(unreachedLines(geo({ padding: [1, 2, 3, 4] })).axes[1],
    { n: 5, k: 3, stride: 1, dilation: 1, before: 3, after: 4 });
});

test("an axis where no window fits has 0 output cells and 0 steps", () => {
  const g = geo({ inShape: [1, 2, 9], kernel: [3, 3] });
  assert.deepEqual(outputShape(g), [0, 7]);
  assert.equal(stepCount(g), 0);
});

const ramp = (c, h, w) => ({ data: Float32Array.from({ length: c * h * w }, (_, i) => i),
  shape: [c, h, w] });

test("window arithmetic multiplies values under the window by the weights and adds bias", () => {
  const input = ramp(1, 4, 4);
  const kernel = Float32Array.from([1, 0, -1, 2, 0, -2, 1, 0, -1]);
  const g = geo({ inShape: [1, 4, 4] });
  const a = windowArithmetic({ input, kernel, bias: 0.5, geometry: g, step: 3 });
  assert.equal(a.row, 1);
  assert.equal(a.col, 1);
  assert.deepEqual(Array.from(a.channels[0].values), [5, 6, 7, 9, 10, 11, 13, 14, 15]);
  assert.deepEqual(Array.from(a.channels[0].products), [5, 0, -7, 18, 0, -22, 13, 0, -15]);
  assert.equal(a.channels[0].sum, -8);
  assert.equal(a.preActivation, -7.5);
  assert.equal(a.output, -7.5);
});

test("window arithmetic sums over every input channel and reads zeros in the padding", () => {
  const input = ramp(2, 3, 3);
  const kernel = new Float32Array(18).fill(1);
  const g = geo({ inShape: [2, 3, 3], padding: [1, 1, 1, 1] });
  const a = windowArithmetic({ input, kernel, bias: 0, geometry: g, step: 0 });
  assert.deepEqual(Array.from(a.channels[0].values), [0, 0, 0, 0, 0, 1, 0, 3, 4]);
  assert.equal(a.channels[0].sum, 8);
  assert.equal(a.channels[1].sum, 9 + 10 + 12 + 13);
  assert.equal(a.total, 8 + 44);
});

test("the activation is applied after the bias", () => {
  const input = ramp(1, 3, 3);
  const kernel = Float32Array.from([0, 0, 0, 0, -1, 0, 0, 0, 0]);
  const a = windowArithmetic({ input, kernel, bias: 1, geometry: geo({ inShape: [1, 3, 3] }),
    step: 0, activation: "relu" });
  assert.equal(a.preActivation, -3);
  assert.equal(a.output, 0);
  assert.equal(activate("leaky_relu", -3), Math.fround(-0.03));
  assert.equal(activate("sigmoid", 0), 0.5);
  assert.equal(activate("unknown", 2.5), 2.5);
});

test("flipKernel rotates each channel by 180 degrees and leaves its input alone", () => {
  const k = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const flipped = flipKernel(k, { channels: 2, kh: 2, kw: 2 });
  assert.deepEqual(Array.from(flipped), [4, 3, 2, 1, 8, 7, 6, 5]);
  assert.deepEqual(Array.from(k), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(Array.from(flipKernel(flipped, { channels: 2, kh: 2, kw: 2 })), Array.from(k));
});

test("kernelOf picks one map out of K x C x kh x kw weights", () => {
  const weights = flattenWeights([[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]]]]);
  const shape = [2, 1, 2, 2];
  assert.deepEqual(Array.from(kernelOf({ weights, shape, map: 1 })), [5, 6, 7, 8]);
  assert.deepEqual(Array.from(kernelOf({ weights, shape, map: 1, flip: true })), [8, 7, 6, 5]);
});

test("flipping a symmetric kernel changes nothing, an antisymmetric one negates", () => {
  const input = ramp(1, 5, 5);
  const g = geo();
  const box = new Float32Array(9).fill(1 / 9);
  const sobel = Float32Array.from([-1, 0, 1, -2, 0, 2, -1, 0, 1]);
  const run = (kernel) => correlateMap({ input, kernel, bias: 0, geometry: g });
  const flip = (k) => flipKernel(k, { channels: 1, kh: 3, kw: 3 });
  assert.deepEqual(run(flip(box)), run(box));
  assert.deepEqual(Array.from(run(flip(sobel))), Array.from(run(sobel)).map((v) => -v));
});

test("correlateMap agrees with windowArithmetic at every step", () => {
  const input = { data: Float32Array.from({ length: 2 * 7 * 6 }, (_, i) => Math.sin(i) * 3),
    shape: [2, 7, 6] };
  const kernel = Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => Math.cos(i));
  const g = { inShape: [2, 7, 6], kernel: [3, 2], stride: [2, 1], dilation: [2, 1],
    padding: [1, 2, 0, 1] };
  const map = correlateMap({ input, kernel, bias: 0.25, geometry: g, activation: "tanh" });
  assert.equal(map.length, stepCount(g));
  for (let s = 0; s < stepCount(g); s += 1) {
    const a = windowArithmetic({ input, kernel, bias: 0.25, geometry: g, step: s,
      activation: "tanh" });
    assert.ok(matchesEngine(a.output, map[s], { magnitude: a.magnitude, terms: 12 }));
  }
});

test("matchesEngine accepts float32 reordering and rejects a real difference", () => {
  const scale = { magnitude: 10, terms: 27 };
  assert.ok(matchesEngine(1.0, 1.0 + 2 ** -22, scale));
  assert.ok(!matchesEngine(1.0, 1.001, scale));
});

test("formatValue is short, signed with a real minus and exact for integers", () => {
  assert.equal(formatValue(0), "0");
  assert.equal(formatValue(-0), "0");
  assert.equal(formatValue(-0.3125), "\u22120.3125");
  assert.equal(formatValue(12), "12");
  assert.equal(formatValue(1 / 3), "0.3333");
  assert.equal(formatValue(0.00003), "3e\u22125");
  assert.equal(formatActivation({ label: "ReLU", pre: -0.31, out: 0 }), "ReLU(\u22120.31) = 0");
  assert.equal(formatActivation({ label: "", pre: 2, out: 2 }), "2");
});

test("advance moves speed * dt steps, keeps the fraction and stops at the end", () => {
  assert.deepEqual(advance({ step: 0, carry: 0, speed: 2, dt: 250, count: 10 }),
    { step: 0, carry: 0.5, done: false });
  assert.deepEqual(advance({ step: 0, carry: 0.5, speed: 2, dt: 250, count: 10 }),
    { step: 1, carry: 0, done: false });
  assert.deepEqual(advance({ step: 8, carry: 0, speed: 1000, dt: 16, count: 10 }),
    { step: 9, carry: 0, done: true });
});

test("a long gap between frames (hidden tab) does not jump far ahead", () => {
  const moved = advance({ step: 0, carry: 0, speed: 10, dt: 60_000, count: 1e6 });
  assert.ok(moved.step <= 3);
});

test("the frame log keeps the most recent samples in order", () => {
  const log = createFrameLog(3);
  [1, 2, 3, 4].forEach((v) => log.push(v, v / 10));
  assert.deepEqual(log.frames(), [2, 3, 4]);
  assert.deepEqual(log.works(), [0.2, 0.3, 0.4]);
});

test("a stale animation loop stops when play is pressed again", () => {
  const queue = [];
  const drawn = [];
  let clock = 0;
  const player = createPlayer({
    getCount: () => 100, getSpeed: () => 60, onFrame: (s) => drawn.push(s),
    raf: (cb) => { queue.push(cb); return queue.length; }, cancelRaf: () => {},
    now: () => clock,
  });
  player.play();
  const stale = queue.shift();
  player.play();
  clock = 1000 / 60;
  stale(clock);
  assert.deepEqual(drawn, []);
  assert.equal(queue.length, 1);
  queue.shift()(clock);
  assert.deepEqual(drawn, [1]);
  player.pause();
  assert.equal(player.isPlaying(), false);
});

test("normaliseAnim repairs anything read from a URL", () => {
  const header = { layers: [{ index: 0, type: "input", shape: [3, 8, 8] },
    { index: 1, type: "conv", shape: [4, 8, 8] }, { index: 2, type: "maxpool", shape: [4, 4, 4] },
    { index: 3, type: "conv", shape: [2, 4, 4] }] };
  assert.deepEqual(animatableLayers(header), [1, 3]);
  assert.deepEqual(normaliseAnim({ layer: 2, map: 9, step: -4, flip: "yes", speed: 3 },
    { header }), { layer: 1, map: 3, step: 0, flip: 1, speed: 4, playing: 0 });
  assert.deepEqual(normaliseAnim("garbage", { header, steps: () => 16 }),
    { layer: 1, map: 0, step: 0, flip: 0, speed: 2, playing: 0 });
  assert.equal(normaliseAnim({ layer: 3, step: 99 }, { header, steps: () => 16 }).step, 15);
  assert.equal(nearestSpeed(1e9), 50000);
});

test("formatCompact fits a value in about five characters", async () => {
  const { formatCompact } = await import("../../static/js/patch/format.js");
  assert.equal(formatCompact(0.60392), "0.604");
  assert.equal(formatCompact(0.00784), "0.008");
  assert.equal(formatCompact(-0.1435), "\u22120.14");
  assert.equal(formatCompact(12.54), "12.5");
  assert.equal(formatCompact(-2), "\u22122");
  assert.equal(formatCompact(0.00003), "3e\u22125");
  assert.equal(formatCompact(123456), "1e5");
  assert.equal(formatCompact(-0.001269), "\u22121e\u22123");
  assert.equal(formatCompact(0.0042), "0.004");
  for (const v of [0.123456, -0.98765, 54.321, -7.777, 0.0042]) {
    assert.ok(formatCompact(v).length <= 5, `${v} -> ${formatCompact(v)}`);
  }
});

test("packHex and cssOf are inverse for opaque colours", async () => {
  const { cssOf, packHex } = await import("../../static/js/patch/paint.js");
  assert.equal(packHex("#ff0000"), 0xff0000ff);
  assert.equal(cssOf(packHex("#123456")), "rgb(18, 52, 86)");
});

test("the magnifier sits beside the window, inside the view, never over it", async () => {
  const { magnifierSpot } = await import("../../static/js/patch/layout.js");
  const view = { width: 360, height: 360 };
  const size = { width: 156, height: 156 };
  const covers = (spot, box) => spot.x < box.x + box.w && spot.x + size.width > box.x
    && spot.y < box.y + box.h && spot.y + size.height > box.y;
  for (const [x, y] of [[0, 0], [170, 170], [350, 350], [0, 350], [100, 300]]) {
    const box = { x, y, w: 6, h: 6 };
    const spot = magnifierSpot({ box, size, view, gap: 12 });
    assert.ok(!covers(spot, box), `covers the window at ${x}, ${y}`);
    assert.ok(spot.x >= 0 && spot.y >= 0 && spot.x + 156 <= 360 && spot.y + 156 <= 360,
      `outside the view at ${x}, ${y}: ${JSON.stringify(spot)}`);
  }
  // Too big to fit anywhere: still beside the window.
  const spot = magnifierSpot({ box: { x: 150, y: 150, w: 60, h: 60 }, size: { width: 300,
    height: 300 }, view, gap: 12 });
  assert.ok(spot.x >= 222 || spot.x + 300 <= 138 || spot.y >= 222 || spot.y + 300 <= 138);
});

test("captions write out the padding, stride, dilation and what flipping changed", async () => {
  const { captionsOf, flipChange } = await import("../../static/js/patch/scene.js");
  const base = { geometry: { inShape: [3, 6, 6], kernel: [3, 3], stride: [2, 2],
    dilation: [2, 2], padding: [1, 2, 1, 2] }, outShape: [3, 3] };
  const plain = Float32Array.from([1, 2, 3]);
  const caps = captionsOf(base, { layer: 1, map: 0, shown: -1, flippedMap: null,
    engineMap: plain, range: { min: 0, max: 3 }, magnifier: true });
  assert.match(caps.input, /top 1, bottom 2, left 1, right 2/);
  assert.match(caps.input, /stride 2, dilation 2 \(taps spaced apart\)/);
  assert.match(caps.input, /R, G and B/);
  // taps 2 apart, stride 2, one zero in front: only odd input cells are ever read
  assert.match(caps.input, /Shaded red: 3 rows 1, 3 and 5 and 3 columns 1, 3 and 5, which no /);
  assert.match(caps.output, /^What PyTorch computes/);
  assert.equal(caps.change, "");
  assert.match(flipChange(plain, Float32Array.from([1, -2, 3])), /changes 1 of 3 cells/);
  assert.match(flipChange(plain, plain), /symmetric/);
});
