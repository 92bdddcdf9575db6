// The binary formats of docs/api.md: CSP1 pyramids and CST1 tensors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodePyramid, decodeTensor, encodeFrame } from "../../static/js/decode.js";

test("a CSP1 pyramid decodes into its header and one preview per map", () => {
  const header = { image: { id: "x" }, layers: [
    { index: 0, preview_shape: [2, 3], maps: [{ offset: 0, min: 0, max: 1 }] },
    { index: 1, preview_shape: [1, 2], maps: [{ offset: 6, min: -1, max: 1 },
      { offset: 8, min: 0, max: 2 }] }], bytes: 10 };
  const data = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const buffer = encodeFrame("CSP1", header, data);
  assert.equal(new DataView(buffer).getUint32(4, true) % 1 === 0, true);
  const out = decodePyramid(buffer);
  assert.deepEqual(out.header, header);
  assert.deepEqual([...out.maps[0][0]], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...out.maps[1][1]], [9, 10]);
  assert.equal(out.bytes, buffer.byteLength);
});

test("a CST1 tensor decodes to exact float32 values", () => {
  const values = Float32Array.from([0.1, -2.5, 3e-8, 7, 1 / 3, 0]);
  const buffer = encodeFrame("CST1", { shape: [2, 1, 3], dtype: "float32", layer: 1,
    maps: [0, 2] }, values);
  const out = decodeTensor(buffer);
  assert.deepEqual(out.shape, [2, 1, 3]);
  assert.deepEqual([...out.map(1)], [...values.subarray(3)]);
  assert.equal(out.values[0], Math.fround(0.1));
});

test("a wrong magic is an error, not garbage", () => {
  const buffer = encodeFrame("NOPE", { layers: [] }, new Uint8Array(0));
  assert.throws(() => decodePyramid(buffer), /expected a CSP1 response/);
});
