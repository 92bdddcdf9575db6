// store-slice.js: how the patch panel and grid mode read and write the key they own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createStore } from "../../static/js/state.js";
import { storeSlice } from "../../static/js/store-slice.js";

test("a slice hears of changes made by others, not of its own writes", () => {
  const store = createStore({ anim: { step: 0 }, pyramid: null });
  const heard = [];
  const slice = storeSlice(store, "anim", { onOutsideChange: (value) => heard.push(value) });
  slice.write({ step: 3 });
  assert.deepEqual(slice.read(), { step: 3 });
  assert.deepEqual(heard, []);
  store.setState({ pyramid: {} }); // another key: nothing to hear
  assert.deepEqual(heard, []);
  const shared = { step: 7 }; // a shared link, history navigation
  store.setState({ anim: shared });
  assert.deepEqual(heard, [shared]);
  store.setState({ anim: shared }); // the same value again is no news
  assert.equal(heard.length, 1);
  slice.destroy();
  store.setState({ anim: { step: 9 } });
  assert.equal(heard.length, 1);
});

test("a slice hears when someone else puts back the value it wrote before", () => {
  const store = createStore({ grid: null });
  const heard = [];
  const slice = storeSlice(store, "grid", { onOutsideChange: (value) => heard.push(value) });
  const first = { h: 5 };
  slice.write(first);
  store.setState({ grid: { h: 6 } });
  store.setState({ grid: first }); // back in history: news, although this slice wrote it once
  assert.deepEqual(heard, [{ h: 6 }, first]);
});
