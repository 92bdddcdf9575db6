/**
 * The main page's "Start here" guide (templates/_start_here.html): shown until the student
 * hides it, and then never again in this browser (localStorage).
 * @module lesson/start-here
 */

/** localStorage key; the value "1" means the student hid the guide. */
export const DISMISSED_KEY = "convscope:start-here-hidden";

/**
 * Whether the guide was hidden before; a storage that throws (privacy modes) counts as not.
 * @param {Storage|null|undefined} storage
 * @returns {boolean}
 */
export function wasDismissed(storage) {
  try {
    return storage?.getItem(DISMISSED_KEY) === "1";
  } catch {
    return false;
  }
}

/**
 * Show the guide unless it was hidden; its button hides it for good.
 * @param {HTMLElement} root the #start-here section
 * @param {{storage: Storage|null, focusAfter?: HTMLElement|null}} options
 */
export function mountStartHere(root, { storage, focusAfter = null }) {
  if (wasDismissed(storage)) {
    root.remove();
    return;
  }
  root.hidden = false;
  root.querySelector(".start-here-close")?.addEventListener("click", () => {
    try {
      storage?.setItem(DISMISSED_KEY, "1");
    } catch {
      // not remembered, but hidden for now
    }
    root.remove();
    focusAfter?.focus({ preventScroll: true });
  });
}

if (typeof document !== "undefined") {
  const root = document.getElementById("start-here");
  let storage;
  try {
    storage = window.localStorage;
  } catch {
    storage = null;
  }
  if (root) mountStartHere(root, { storage, focusAfter: document.querySelector("main :is(select, input, button)") });
}
