// Colour maps: diverging centred on zero, sequential from zero, palettes folding the uint8
// dequantisation into the lookup.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  makeLut, createColormaps, scaleFor, paletteFor, paint, legendTicks, lutIndex, rangeFor,
  formatValue, formatFloat32,
} from "../../static/js/colormap.js";

const rgbAt = (lut, i) => [lut[i * 4], lut[i * 4 + 1], lut[i * 4 + 2]];
const unpack = (c) => [c & 255, (c >> 8) & 255, (c >> 16) & 255, c >>> 24];

test("a lookup table runs from the first stop to the last", () => {
  const lut = makeLut([[0, [0, 0, 0]], [1, [255, 100, 50]]]);
  assert.equal(lut.length, 256 * 4);
  assert.deepEqual(rgbAt(lut, 0), [0, 0, 0]);
  assert.deepEqual(rgbAt(lut, 255), [255, 100, 50]);
  assert.equal(lut[3], 255);
});

test("signed values get a diverging scale symmetric about zero", () => {
  assert.deepEqual(scaleFor({ min: -2, max: 0.5 }), { kind: "diverging", lo: -2, hi: 2 });
  assert.deepEqual(scaleFor({ min: -0.1, max: 3 }), { kind: "diverging", lo: -3, hi: 3 });
  const s = scaleFor({ min: -1, max: 1 });
  assert.equal(lutIndex(0, s), 128); // 127.5 rounds up: the white middle
  const { diverging } = createColormaps();
  const white = rgbAt(diverging, 128);
  assert.ok(white.every((c) => c > 240), `middle is near white: ${white}`);
  const [r0, , b0] = rgbAt(diverging, 0);
  const [r1, , b1] = rgbAt(diverging, 255);
  assert.ok(b0 > r0, "negative end is blue");
  assert.ok(r1 > b1, "positive end is red");
});

test("non-negative values get a sequential scale from zero", () => {
  assert.deepEqual(scaleFor({ min: 0, max: 4 }), { kind: "sequential", lo: 0, hi: 4 });
  assert.deepEqual(scaleFor({ min: 1, max: 4 }), { kind: "sequential", lo: 0, hi: 4 });
  assert.deepEqual(scaleFor({ min: 0, max: 0 }), { kind: "sequential", lo: 0, hi: 1 });
  const { sequential } = createColormaps();
  const sum = (c) => c[0] + c[1] + c[2];
  assert.deepEqual(rgbAt(sequential, 0), [255, 255, 255], "zero is white, as in the diverging map");
  assert.ok(sum(rgbAt(sequential, 0)) > sum(rgbAt(sequential, 255)), "light to dark");
});

test("a palette maps each uint8 code to the colour of its dequantised value", () => {
  const colormaps = createColormaps();
  const quant = { min: -1, max: 3 };
  const scale = scaleFor(quant); // [-3, 3]
  const palette = paletteFor(quant, scale, colormaps);
  for (const q of [0, 64, 200, 255]) {
    const v = quant.min + (q * (quant.max - quant.min)) / 255;
    const i = lutIndex(v, scale);
    assert.deepEqual(unpack(palette[q]).slice(0, 3), rgbAt(colormaps.diverging, i));
    assert.equal(unpack(palette[q])[3], 255);
  }
  const out = new Uint32Array(3);
  paint(new Uint8Array([0, 255, 64]), palette, out);
  assert.deepEqual([...out], [palette[0], palette[255], palette[64]]);
});

test("a constant map paints one colour", () => {
  const colormaps = createColormaps();
  const palette = paletteFor({ min: 2, max: 2 }, scaleFor({ min: 2, max: 2 }), colormaps);
  assert.equal(new Set(palette).size, 1);
});

test("per-layer range draws every map of the layer on one scale", () => {
  assert.deepEqual(rangeFor("layer", { min: 0, max: 1 }, [-5, 5]), { min: -5, max: 5 });
  assert.deepEqual(rangeFor("map", { min: 0, max: 1 }, [-5, 5]), { min: 0, max: 1 });
});

test("legend ticks mark both ends and zero", () => {
  const ticks = legendTicks({ kind: "diverging", lo: -2, hi: 2 });
  assert.deepEqual(ticks.map((t) => t.value), [-2, 0, 2]);
  assert.deepEqual(ticks.map((t) => t.t), [0, 0.5, 1]);
});

test("values print with four significant digits", () => {
  assert.equal(formatValue(0.123456), "0.1235");
  assert.equal(formatValue(-12.3456), "-12.35");
  assert.equal(formatValue(0), "0");
  assert.equal(formatValue(1.5e-7), "1.500e-7");
});

test("float32 values print as the shortest decimal that reads back the same", () => {
  assert.equal(formatFloat32(Math.fround(0.1)), "0.1");
  assert.equal(formatFloat32(Math.fround(1 / 3)), "0.33333334"); // as numpy prints it
  assert.equal(formatFloat32(-2.5), "-2.5");
  assert.equal(formatFloat32(Math.fround(1e-8)), "1e-8");
});
