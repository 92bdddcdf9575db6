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
