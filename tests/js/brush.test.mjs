// The brush: a region of the map (region <-> steps), painting the whole map, URL parameters.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  REGION_SIDE, defaultRegion, normaliseRegion, regionCrop, regionFromDrag, stepView,
} from "../../static/js/patch/region.js";
import { paintProgress, paintSpeed } from "../../static/js/patch/paint-mode.js";
import { advance } from "../../static/js/patch/player.js";
import { animParams, animSearch, withoutAnimParams } from "../../static/js/patch/anim-params.js";
import { normaliseAnim } from "../../static/js/patch/anim-state.js";
import { mixPacked } from "../../static/js/patch/paint.js";
import { outputShape, stepOf, windowTaps } from "../../static/js/patch/windows.js";
import { PAINT_SECONDS } from "../../static/js/patch/config.js";

const geo = (over = {}) => ({
  inShape: [1, 64, 64], kernel: [3, 3], stride: [1, 1], dilation: [1, 1],
  padding: [1, 1, 1, 1], ...over,
});

test("a region keeps readable sides (16-48 cells) and stays inside the map", () => {
  assert.deepEqual(normaliseRegion([500, 500, 4, 100], [512, 512]),
    { row: 496, col: 464, height: 16, width: 48 });
  assert.deepEqual(normaliseRegion({ row: -3, col: 2, height: 20, width: 20 }, [512, 400]),
    { row: 0, col: 2, height: 20, width: 20 });
  // a map smaller than the minimum side is animated whole
  assert.deepEqual(normaliseRegion([3, 3, 16, 16], [5, 7]),
    { row: 0, col: 0, height: 5, width: 7 });
  assert.equal(normaliseRegion("junk", [10, 10]), null);
  assert.equal(normaliseRegion([1, 2, "x", 4], [10, 10]), null);
});

test("the steps of a region are exactly its cells, in raster order, and map back", () => {
  const region = { row: 10, col: 20, height: 16, width: 24 };
  const ow = 100;
  const view = stepView(region, [80, ow]);
  assert.equal(view.count, 16 * 24);
  assert.equal(view.rowLength, 24);
  const steps = Array.from({ length: view.count }, (_, k) => view.toStep(k));
  steps.forEach((s, k) => {
    const row = Math.floor(s / ow);
    const col = s % ow;
    assert.ok(row >= 10 && row < 26 && col >= 20 && col < 44, `step ${s} outside`);
    assert.ok(view.contains(s));
    assert.equal(view.toLocal(s), k);
    if (k > 0) assert.ok(s > steps[k - 1], "raster order");
  });
  assert.equal(new Set(steps).size, view.count);
  // a step outside goes to the nearest cell of the region
  assert.equal(view.toStep(view.toLocal(0)), 10 * ow + 20);
  assert.equal(view.toStep(view.toLocal(79 * ow + 99)), 25 * ow + 43);
  assert.equal(view.contains(9 * ow + 20), false);
  const whole = stepView(null, [3, 4]);
  assert.deepEqual([whole.count, whole.rowLength, whole.toStep(5), whole.toLocal(99)],
    [12, 4, 5, 11]);
});

for (const [name, over] of [
  ["stride 1, same", {}],
  ["stride 2, asymmetric padding", { stride: [2, 2], padding: [0, 1, 0, 1] }],
  ["dilation 2, valid", { dilation: [2, 2], padding: [0, 0, 0, 0] }],
  ["5x3 kernel, stride 3x1, full", { kernel: [5, 3], stride: [3, 1], padding: [4, 4, 2, 2] }],
]) {
  test(`the cropped input of a region reads the same cells at every step (${name})`, () => {
    const g = geo(over);
    const [oh, ow] = outputShape(g);
    for (const at of [[0, 0], [oh - 16, ow - 16], [3, 5]]) {
      const region = normaliseRegion([at[0], at[1], 16, 16], [oh, ow]);
      const crop = regionCrop(g, region);
      assert.deepEqual(outputShape(crop.geometry), [region.height, region.width]);
      const view = stepView(region, [oh, ow]);
      for (let k = 0; k < view.count; k += 1) {
        const whole = windowTaps(g, view.toStep(k));
        const part = windowTaps(crop.geometry, k);
        part.forEach((t, i) => {
          assert.equal(t.inside, whole[i].inside);
          if (t.inside) assert.deepEqual([t.y + crop.y0, t.x + crop.x0], [whole[i].y, whole[i].x]);
        });
      }
    }
  });
}

test("the default region sits on the liveliest part of the map", () => {
  const [oh, ow] = [64, 80];
  const values = new Float32Array(oh * ow).fill(0.5);
  for (let y = 40; y < 50; y += 1) for (let x = 60; x < 70; x += 1) values[y * ow + x] = 9;
  const region = defaultRegion(values, [oh, ow]);
  assert.equal(region.height, REGION_SIDE.default);
  assert.ok(region.row <= 40 && region.row + 16 >= 50, JSON.stringify(region));
  assert.ok(region.col <= 60 && region.col + 16 >= 70, JSON.stringify(region));
  assert.deepEqual(defaultRegion(new Float32Array(6), [2, 3]),
    { row: 0, col: 0, height: 2, width: 3 });
});

test("a drag picks its rectangle (sides clamped), a click the default side around it", () => {
  assert.deepEqual(regionFromDrag({ row: 10, col: 10 }, { row: 29, col: 39 }, [512, 512]),
    { row: 10, col: 10, height: 20, width: 30 });
  assert.deepEqual(regionFromDrag({ row: 100, col: 100 }, { row: 100, col: 101 }, [512, 512]),
    { row: 93, col: 93, height: 16, width: 16 });
  const big = regionFromDrag({ row: 0, col: 0 }, { row: 300, col: 300 }, [512, 512]);
  assert.deepEqual([big.height, big.width], [48, 48]);
  assert.deepEqual(regionFromDrag({ row: 510, col: 510 }, { row: 511, col: 511 }, [512, 512]),
    { row: 496, col: 496, height: 16, width: 16 });
});

test("painting fills any map in PAINT_SECONDS (5-10 s), row after row", () => {
  assert.ok(PAINT_SECONDS >= 5 && PAINT_SECONDS <= 10);
  for (const [count, rowLength] of [[262144, 512], [256, 16], [9, 3], [1, 1]]) {
    const speed = paintSpeed(count);
    let state = { step: 0, carry: 0, done: count <= 1 };
    let ms = 0;
    let rowsSeen = 0;
    while (!state.done) {
      state = advance({ step: state.step, carry: state.carry, speed, dt: 1000 / 60, count });
      ms += 1000 / 60;
      const rows = Math.floor((state.step + 1) / rowLength);
      assert.ok(rows >= rowsSeen, "rows only fill forwards");
      rowsSeen = rows;
      assert.ok(ms < (PAINT_SECONDS + 0.1) * 1000, `${count} cells still painting at ${ms} ms`);
    }
    assert.ok(ms >= (PAINT_SECONDS - 0.1) * 1000 || count < 2, `${count} cells done too fast`);
    const half = paintProgress({ count, rowLength, elapsedMs: PAINT_SECONDS * 500 });
    assert.ok(Math.abs(half.cells - count / 2) <= 1);
    assert.equal(half.rows, Math.floor(half.cells / rowLength));
    assert.deepEqual(paintProgress({ count, rowLength, elapsedMs: PAINT_SECONDS * 1000 }),
      { cells: count, rows: Math.floor(count / rowLength), done: true });
  }
});

test("the unpainted cells show the finished colour faintly over the pending grey", () => {
  const red = ((255 << 24) | (0 << 16) | (0 << 8) | 200) >>> 0; // r=200
  const grey = ((255 << 24) | (189 << 16) | (189 << 8) | 189) >>> 0;
  const faint = mixPacked(red, grey, 0.35);
  assert.equal(faint & 255, Math.round(200 * 0.35 + 189 * 0.65));
  assert.equal((faint >>> 8) & 255, Math.round(189 * 0.65));
  assert.equal(faint >>> 24, 255);
  assert.equal(mixPacked(red, grey, 0), grey);
});

test("URL parameters step, autoplay, speed and region become the anim, and back", () => {
  const asked = animParams("?step=40&autoplay=paint&speed=30&region=101,201,16,24&s=xyz");
  assert.deepEqual(asked, { step: 39, playing: 1, paint: 1, speed: 30,
    region: [100, 200, 16, 24] });
  assert.deepEqual(animParams("?region=5,6,32"), { region: [4, 5, 32, 32] });
  assert.deepEqual(animParams("?autoplay=1"), { playing: 1, paint: 0 });
  assert.deepEqual(animParams("?step=0&speed=-2&region=0,1,16,16&autoplay=maybe"), {});
  assert.deepEqual(animParams("?region=none"), { region: null });
  assert.equal(withoutAnimParams("?view=patch&step=3&autoplay=1&speed=2&region=1,1,16,16&s=a"),
    "?view=patch&s=a");
  assert.equal(withoutAnimParams("?step=3"), "");
  assert.deepEqual(animParams(`?${animSearch(asked)}`), asked);
});

test("normaliseAnim keeps a region on the layer and moves the step into it", () => {
  const header = { layers: [{ index: 0, type: "input" },
    { index: 1, type: "conv", shape: [4, 512, 512], in_shape: [3, 512, 512] }] };
  const anim = normaliseAnim({ layer: 1, step: 0, region: [100, 200, 16, 16] }, { header });
  assert.deepEqual(anim.region, [100, 200, 16, 16]);
  assert.equal(anim.step, 100 * 512 + 200);
  const clamped = normaliseAnim({ layer: 1, step: 101 * 512 + 205, region: [600, 0, 2, 99] },
    { header });
  assert.deepEqual(clamped.region, [496, 0, 16, 48]);
  assert.equal(normaliseAnim({ layer: 1, region: "x" }, { header }).region, undefined);
  assert.equal(normaliseAnim({ paint: 1, playing: 0 }).paint, undefined);
  assert.equal(normaliseAnim({ paint: 1, playing: 1 }).paint, 1);
  // before the header is known the region is kept as it is
  assert.deepEqual(normaliseAnim({ region: [1, 2, 16, 16] }).region, [1, 2, 16, 16]);
  assert.equal(stepOf({ inShape: [1, 4, 4], kernel: [1, 1], stride: [1, 1], dilation: [1, 1],
    padding: [0, 0, 0, 0] }, { row: 1, col: 1 }), 5);
});

test("the page GIF asks for the page colours, its speed and the chosen range", async () => {
  const { gifExportBody, gifFrameMs, GIF_RANGE_STEPS } = await import(
    "../../static/js/exports/bodies.js");
  const request = { image: { sample: "astronaut" }, color: "auto", layers: [], preview: 96 };
  const anim = { layer: 1, map: 2, step: 500, speed: 4, region: [10, 20, 16, 16] };
  const region = gifExportBody(request, anim, { range: "region", arithmetic: true,
    weights: true });
  assert.deepEqual(region, { image: request.image, color: "auto", layers: [], layer: 1, map: 2,
    colormap: "page", frame_ms: 250, region: [10, 20, 16, 16], arithmetic: true,
    weights: true });
  const from = gifExportBody(request, anim, { range: "from", count: 262144 });
  assert.deepEqual([from.start, from.end, from.region], [500, 500 + GIF_RANGE_STEPS - 1,
    undefined]);
  assert.equal(gifExportBody(request, anim, { range: "from", count: 510 }).end, 509);
  assert.deepEqual([gifFrameMs(1000), gifFrameMs(0.5), gifFrameMs(30)], [20, 2000, 33]);
});
