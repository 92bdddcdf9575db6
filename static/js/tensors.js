/**
 * Exact float32 maps fetched on demand (hover, enlarge) and kept for the current pyramid.
 * @module tensors
 */

import { requestKey } from "./request.js";

const KEEP = 48;

/**
 * @param {{api: object, onReady: () => void}} deps `onReady` runs when a fetch lands
 * @returns {{get: (request: object, layer: number, map: number) => Float32Array|null,
 *   peek: (request: object, layer: number, map: number) => Float32Array|null}}
 */
export function createTensorCache({ api, onReady }) {
  const entries = new Map(); // key -> {values: Float32Array|null}
  const requestKeys = new WeakMap(); // request object -> its key, computed once
  const keyOf = (request, layer, map) => {
    if (!requestKeys.has(request)) requestKeys.set(request, requestKey(request));
    return `${requestKeys.get(request)}|${layer}|${map}`;
  };

  function peek(request, layer, map) {
    return entries.get(keyOf(request, layer, map))?.values ?? null;
  }

  /** The exact values if here; otherwise null and a fetch starts (once). */
  function get(request, layer, map) {
    const key = keyOf(request, layer, map);
    const found = entries.get(key);
    if (found) {
      entries.delete(key);
      entries.set(key, found); // most recently used last
      return found.values;
    }
    const entry = { values: null };
    entries.set(key, entry);
    api.fetchTensor(request, layer, [map]).then((tensor) => {
      entry.values = tensor.map(0);
      onReady();
    }).catch(() => entries.delete(key));
    while (entries.size > KEEP) entries.delete(entries.keys().next().value);
    return null;
  }

  return { get, peek };
}

/**
 * Exact values worth fetching only once things hold still. `want(request, layer, map,
 * {delayMs, still})` returns the values if they are here; otherwise, after `delayMs`, fetches
 * them if `still()` says they are still wanted (the pointer still rests on that map; no newer
 * pyramid is on its way). One wait at a time: asking for other values restarts it.
 * @param {ReturnType<typeof createTensorCache>} tensors
 * @returns {(request: object, layer: number, map: number,
 *   options: {delayMs: number, still: () => boolean}) => Float32Array|null}
 */
export function createPatientFetch(tensors) {
  const wait = { id: 0, request: null, layer: -1, map: -1 };
  return function want(request, layer, map, { delayMs, still }) {
    const values = tensors.peek(request, layer, map);
    if (values) return values;
    if (wait.request === request && wait.layer === layer && wait.map === map) return null;
    clearTimeout(wait.id);
    Object.assign(wait, { request, layer, map });
    wait.id = setTimeout(() => {
      wait.request = null;
      if (still()) tensors.get(request, layer, map);
    }, delayMs);
    return null;
  };
}
