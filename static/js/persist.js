/**
 * Where the configuration comes from and goes to: the URL (`?s=`, state.js) first, then
 * localStorage (the page only: an embed view shows what its URL says, never what the
 * visitor last did on the full page, and leaves their saved state alone).
 * @module persist
 */

import { STORAGE_KEY, TIMING } from "./config.js";
import { galleryNames, withGallerySample } from "./gallery.js";
import {
  CONFIG_KEYS, defaultConfig, parseConfig, readSearch, serializeConfig, stateToSearch,
} from "./state.js";
import { showStateNotice } from "./state-notice.js";

/**
 * The configuration to open on. A state in the URL that cannot be read is refused visibly
 * (a banner naming what could not be read), never replaced in silence; the default sample
 * becomes the gallery's first image when a custom gallery lacks it (gallery.js).
 * @param {Window} win
 * @param {{storage?: boolean}} [options] `storage: false` ignores localStorage
 * @returns {import("./state.js").Config}
 */
export function initialConfig(win, { storage = true } = {}) {
  const { config: fromUrl, problem } = readSearch(win.location.search);
  let opening = fromUrl;
  if (!opening && storage) {
    try {
      opening = parseConfig(win.localStorage.getItem(STORAGE_KEY));
    } catch {
      opening = null; // storage disabled
    }
  }
  if (problem && win.document?.body) {
    showStateNotice(win.document, problem, opening ? "your last view" : "the default view");
  }
  return withGallerySample(opening ?? defaultConfig(), galleryNames(win.document));
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
