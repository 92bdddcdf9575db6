/**
 * From a configuration change to a new pyramid in the store: check the stack locally (and
 * explain an impossible setting without asking), then fetch once per animation frame; a newer
 * change aborts the older request (api.js channels). Each layer's preview is asked at the size
 * the page will draw it (`previews`), so a resize that changes those sizes fetches again.
 *
 * While the person draws on the digits pad (image `{pixels}`), requests are coalesced instead:
 * at most one is in flight, and when it lands the latest drawing (if it changed) is sent
 * next, so the maps and the probabilities follow the pen at the server's pace rather than
 * being aborted stroke after stroke. A blank pad sends nothing: status "blank".
 * @module pipeline
 */

import { PREVIEW_SIDE } from "./config.js";
import {
  buildPyramidRequest, checkState, inputShapeOf, isBlankPad, requestKey,
} from "./request.js";

const INPUT_KEYS = ["image", "color", "layers", "samples", "models"];

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
 * The layers a state's stack will have, as the pyramid header will describe them (`index`,
 * `type`, `shape`), from the local check; null while the input's size is not known.
 */
export function plannedLayers(state, check) {
  const shape = inputShapeOf(state);
  if (!shape || check.error) return null;
  return [{ index: 0, type: "input", shape },
    ...check.geometries.map((g, i) => ({ index: i + 1, type: g.type, shape: g.shape }))];
}

/** What a fetch is for: the stack, and the preview sizes (unlike requestKey). */
const fetchKey = (request) => JSON.stringify([requestKey(request), request.preview]);

/**
 * @param {{store: object, api: object, perf: object,
 *   previews?: (state: object, layers: object[]|null) => number|number[]}} deps `perf` is
 *   window.__convscope; `previews` gives the request's preview sizes for the planned layers
 *   (null when unknown); without it every layer is asked at PREVIEW_SIDE
 * @returns {{schedule: () => void, refetch: () => void, recheck: () => void}} `recheck` after
 *   the drawing size changed: fetches again only if the preview sizes did
 */
export function createPipeline({ store, api, perf, previews = () => PREVIEW_SIDE }) {
  const ctl = { key: null, frame: 0, changedAt: performance.now(), inflight: null,
    pending: false };

  function requestOf(state) {
    const check = checkState(state);
    if (check.error) return { check, request: null };
    const preview = previews(state, plannedLayers(state, check));
    return { check, request: buildPyramidRequest(state, { preview }) };
  }

  async function run() {
    ctl.frame = 0;
    const state = store.getState();
    if (isBlankPad(state.image)) {
      ctl.key = null;
      if (state.status !== "blank") store.setState({ status: "blank", error: null });
      return;
    }
    // drawing: one request at a time, the latest drawing next
    if (ctl.inflight && state.image.pixels !== undefined) {
      ctl.pending = true;
      return;
    }
    const { request } = requestOf(state);
    if (!request) {
      ctl.key = null;
      store.setState({ status: "invalid", error: null });
      return;
    }
    const key = fetchKey(request);
    if (key === ctl.key) {
      if (state.pyramid && fetchKey(state.pyramid.request) === key
        && state.status !== "ready") store.setState({ status: "ready" });
      return;
    }
    ctl.key = key;
    const changedAt = ctl.changedAt;
    ctl.inflight = key;
    try {
      const pyramid = await api.fetchPyramid(request);
      if (ctl.key !== key) return;
      perf.bytesLastUpdate = pyramid.bytes;
      perf.lastFetchMs = pyramid.ms;
      const s = store.getState();
      // a change made while this was in flight is still to come: not "ready" yet
      const current = ctl.frame ? null : requestOf(s).request;
      store.setState({ pyramid: { ...pyramid, changedAt }, error: null,
        status: current && fetchKey(current) === key ? "ready" : "loading",
        selected: clampSelection(s.selected, pyramid.header) });
    } catch (err) {
      if (err.name === "AbortError") return;
      if (ctl.key === key) ctl.key = null;
      store.setState({ status: "error", error: { message: err.message, status: err.status ?? 0,
        layer: err.layer ?? null, field: err.field ?? null } });
    } finally {
      if (ctl.inflight === key) ctl.inflight = null;
      if (ctl.pending && !ctl.inflight) {
        ctl.pending = false;
        if (!ctl.frame) {
          ctl.frame = -1;
          queueMicrotask(run);
        }
      }
    }
  }

  function schedule() {
    ctl.changedAt = performance.now();
    // the pen: sent at once (one request in flight at most, see run), not a frame later
    const drawing = store.getState().image?.pixels !== undefined;
    if (!ctl.frame && drawing) {
      ctl.frame = -1;
      queueMicrotask(run);
    } else if (!ctl.frame) ctl.frame = requestAnimationFrame(run);
    // said at once (not in the next frame), so a test or a benchmark can wait for "ready"
    if (store.getState().status !== "loading") store.setState({ status: "loading" });
  }

  store.subscribe((state, previous) => {
    if (inputsChanged(state, previous)) schedule();
  });

  return { schedule, refetch: () => { ctl.key = null; schedule(); },
    recheck: () => { if (!ctl.frame && ctl.key) ctl.frame = requestAnimationFrame(run); } };
}
