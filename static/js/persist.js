/**
 * Where the configuration comes from and goes to: the URL (`?s=`, state.js) first, then
 * localStorage (the page only: an embed view shows what its URL says, never what the
 * visitor last did on the full page, and leaves their saved state alone).
 * @module persist
 */

import { STORAGE_KEY, TIMING } from "./config.js";
import {
  CONFIG_KEYS, defaultConfig, parseConfig, searchToConfig, serializeConfig, stateToSearch,
} from "./state.js";

/**
 * The configuration to open on.
 * @param {Window} win
 * @param {{storage?: boolean}} [options] `storage: false` ignores localStorage
 * @returns {import("./state.js").Config}
 */
export function initialConfig(win, { storage = true } = {}) {
  const fromUrl = searchToConfig(win.location.search);
  if (fromUrl || !storage) return fromUrl ?? defaultConfig();
  try {
    return parseConfig(win.localStorage.getItem(STORAGE_KEY)) ?? defaultConfig();
  } catch {
    return defaultConfig();
  }
}

/**
 * Mirror the configuration to the URL (and localStorage), lightly debounced.
 * @param {object} store
 * @param {Window} win
 * @param {{storage?: boolean}} [options]
 */
export function persistConfig(store, win, { storage = true } = {}) {
  const timer = { id: 0 };
  store.subscribe((state, previous) => {
    if (CONFIG_KEYS.every((k) => state[k] === previous[k])) return;
    clearTimeout(timer.id);
    timer.id = setTimeout(() => {
      const s = store.getState();
      win.history.replaceState(null, "", stateToSearch(win.location.search, s));
      if (!storage) return;
      try {
        win.localStorage.setItem(STORAGE_KEY, serializeConfig(s));
      } catch {
        // storage full or disabled: the URL still holds the state
      }
    }, TIMING.urlWriteMs);
  });
}
