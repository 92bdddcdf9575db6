// Exact maps fetched on demand, and fetched only once things hold still.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPatientFetch, createTensorCache } from "../../static/js/tensors.js";

const REQUEST = { image: { sample: "astronaut" }, color: "auto", layers: [], preview: 64 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fakeCache() {
  const asked = [];
  const api = { fetchTensor: async (request, layer, maps) => {
    asked.push([layer, ...maps]);
    return { map: () => new Float32Array([layer, maps[0]]) };
  } };
  return { asked, tensors: createTensorCache({ api, onReady: () => {} }) };
}

test("a patient fetch asks once, after the delay, and only if still wanted", async () => {
  const { asked, tensors } = fakeCache();
  const want = createPatientFetch(tensors);
  const options = { delayMs: 20, still: () => true };
  assert.equal(want(REQUEST, 1, 2, options), null);
  assert.equal(want(REQUEST, 1, 2, options), null, "asking again does not restart the wait");
  assert.deepEqual(asked, []);
  await sleep(40);
  assert.deepEqual(asked, [[1, 2]]);
  assert.deepEqual([...want(REQUEST, 1, 2, options)], [1, 2]);

  assert.equal(want(REQUEST, 3, 0, { delayMs: 10, still: () => false }), null);
  await sleep(30);
  assert.deepEqual(asked, [[1, 2]], "not fetched: no longer wanted");
});

test("asking for other values drops the wait for the first", async () => {
  const { asked, tensors } = fakeCache();
  const want = createPatientFetch(tensors);
  want(REQUEST, 1, 0, { delayMs: 20, still: () => true });
  want(REQUEST, 1, 1, { delayMs: 20, still: () => true });
  await sleep(40);
  assert.deepEqual(asked, [[1, 1]]);
});

test("the cache ignores the preview size: exact maps are the same at any preview", async () => {
  const { asked, tensors } = fakeCache();
  assert.equal(tensors.get(REQUEST, 2, 0), null);
  await sleep(0);
  assert.ok(tensors.get({ ...REQUEST, preview: [16, 32] }, 2, 0));
  assert.deepEqual(asked, [[2, 0]]);
});
