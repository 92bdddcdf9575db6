import test from "node:test";
import assert from "node:assert/strict";

import { ApiError, busyDelayMs, createApi } from "../../static/js/api.js";
import { BUSY_RETRY } from "../../static/js/config.js";

const memoryBlobs = { put: async () => {}, get: async () => null };

function fakeFetch(statuses) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push(url);
    const status = statuses[Math.min(calls.length - 1, statuses.length - 1)];
    return {
      status, ok: status < 400,
      headers: { get: (name) => (name === "Retry-After" && status === 503 ? "0" : null) },
      json: async () => (status < 400 ? [{ name: "astronaut" }]
        : { error: { message: "all workers are busy", code: "busy" } }),
      text: async () => "",
    };
  };
  return { fetchImpl, calls };
}

test("a 503 is retried after Retry-After and the later answer is used", async () => {
  const { fetchImpl, calls } = fakeFetch([503, 503, 200]);
  const api = createApi({ fetchImpl, blobs: memoryBlobs });
  const samples = await api.fetchSamples();
  assert.deepEqual(samples, [{ name: "astronaut" }]);
  assert.equal(calls.length, 3);
});

test("after the last retry a 503 reaches the caller as an ApiError", async () => {
  const { fetchImpl, calls } = fakeFetch([503]);
  const api = createApi({ fetchImpl, blobs: memoryBlobs });
  await assert.rejects(api.fetchSamples(), (err) => err instanceof ApiError && err.status === 503);
  assert.equal(calls.length, BUSY_RETRY.retries + 1);
});

test("the wait follows Retry-After, capped, with bounded jitter", () => {
  assert.equal(busyDelayMs("1", 0), 1000);
  assert.equal(busyDelayMs("60", 0), BUSY_RETRY.maxWaitMs);
  assert.equal(busyDelayMs(null, 0), 1000);
  assert.equal(busyDelayMs("2", 0.5), 2000 + 0.5 * BUSY_RETRY.jitterMs);
});
