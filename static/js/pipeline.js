/**
 * From a configuration change to a new pyramid in the store: check the stack locally (and
 * explain an impossible setting without asking), then fetch once per animation frame; a newer
 * change aborts the older request (api.js channels).
 * @module pipeline
 */

import { buildPyramidRequest, checkState, requestKey } from "./request.js";

const INPUT_KEYS = ["image", "color", "layers", "samples"];

/** Did anything the pyramid depends on change between two states? */
export function inputsChanged(state, previous) {
  return INPUT_KEYS.some((k) => state[k] !== previous[k]);
}

function clampSelection(selected, header) {
  const layer = Math.min(selected.layer, header.layers.length - 1);
  const maps = header.layers[layer].shape[0];
  return { layer, map: Math.min(selected.map, maps - 1) };
}

/**
 * @param {{store: object, api: object, perf: object}} deps `perf` is window.__convscope
 * @returns {{schedule: () => void, refetch: () => void}}
 */
export function createPipeline({ store, api, perf }) {
  const ctl = { key: null, frame: 0, changedAt: performance.now() };

  async function run() {
    ctl.frame = 0;
    const state = store.getState();
    const check = checkState(state);
    if (check.error) {
      ctl.key = null;
      store.setState({ status: "invalid", error: null });
      return;
    }
    const request = buildPyramidRequest(state);
    const key = requestKey(request);
    if (key === ctl.key) {
      if (state.pyramid && requestKey(state.pyramid.request) === key) store.setState({ status: "ready" });
      return;
    }
    ctl.key = key;
    const changedAt = ctl.changedAt;
    try {
      const pyramid = await api.fetchPyramid(request);
      if (ctl.key !== key) return;
      perf.bytesLastUpdate = pyramid.bytes;
      perf.lastFetchMs = pyramid.ms;
      const s = store.getState();
      // a change made while this was in flight is still to come: not "ready" yet
      const current = ctl.frame ? null : requestKey(buildPyramidRequest(s));
      store.setState({ pyramid: { ...pyramid, changedAt }, error: null,
        status: current === key ? "ready" : "loading",
        selected: clampSelection(s.selected, pyramid.header) });
    } catch (err) {
      if (err.name === "AbortError") return;
      if (ctl.key === key) ctl.key = null;
      store.setState({ status: "error", error: { message: err.message, status: err.status ?? 0,
        layer: err.layer ?? null, field: err.field ?? null } });
    }
  }

  function schedule() {
    ctl.changedAt = performance.now();
    if (!ctl.frame) ctl.frame = requestAnimationFrame(run);
    // said at once (not in the next frame), so a test or a benchmark can wait for "ready"
    if (store.getState().status !== "loading") store.setState({ status: "loading" });
  }

  store.subscribe((state, previous) => {
    if (inputsChanged(state, previous)) schedule();
  });

  return { schedule, refetch: () => { ctl.key = null; schedule(); } };
}
