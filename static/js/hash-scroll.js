/**
 * Links to a part of the page (`/#grid-mode`, `/#patch-panel`) land there once the page has
 * rendered. The browser scrolls to the fragment on load, when those sections are still empty
 * (they are mounted and filled later, and the pyramid above them grows as it is drawn), so it
 * stays near the top; this scrolls again when the pyramid is first drawn, and follows the
 * section while the content above it settles, until the reader scrolls for themselves.
 * @module hash-scroll
 */

/** Follow the target for this long after the first drawing (content above may still grow). */
const FOLLOW_MS = 2500;

/**
 * The element a fragment names, if it is one of the page's sections (never a CSS selector:
 * the fragment is user input).
 * @param {Document} doc
 * @param {string} hash e.g. location.hash ("#grid-mode")
 * @returns {HTMLElement|null}
 */
export function hashTarget(doc, hash) {
  const id = decodeURIComponent(String(hash ?? "").replace(/^#/, ""));
  return id ? doc.getElementById(id) : null;
}

/**
 * Scroll to the fragment's element once the pyramid is drawn (`status` "ready" or beyond).
 * @param {{doc: Document, win: Window, store: {getState: Function, subscribe: Function}}} deps
 * @returns {() => void} stops following
 */
export function scrollToHashWhenRendered({ doc, win, store }) {
  const target = hashTarget(doc, win.location.hash);
  if (!target) return () => {};
  const memo = { unsubscribe: null, observer: null, timer: 0, stopped: false };
  const stop = () => {
    memo.stopped = true;
    memo.unsubscribe?.();
    memo.observer?.disconnect();
    clearTimeout(memo.timer);
    for (const ev of ["wheel", "touchstart", "keydown", "mousedown"]) {
      win.removeEventListener(ev, stop, true);
    }
  };
  const jump = () => { if (!memo.stopped) target.scrollIntoView({ block: "start" }); };
  const follow = () => {
    memo.unsubscribe?.();
    win.requestAnimationFrame(jump);
    memo.observer = new win.ResizeObserver(jump);
    memo.observer.observe(doc.body);
    memo.timer = setTimeout(stop, FOLLOW_MS);
  };
  for (const ev of ["wheel", "touchstart", "keydown", "mousedown"]) {
    win.addEventListener(ev, stop, { capture: true, passive: true });
  }
  const drawn = (s) => s.pyramid && s.status !== "loading";
  if (drawn(store.getState())) follow();
  else memo.unsubscribe = store.subscribe((s) => { if (drawn(s)) follow(); });
  return stop;
}
