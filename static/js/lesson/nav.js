/**
 * The lesson pages (templates/lesson.html, lesson_embed.html): the left and right arrow keys
 * follow the Back and Next links when focus is not in a control, and the live view's iframe
 * grows to fit its content (the embed's `convscope:height` message, docs/embedding.md).
 * Embedded on its own (`/embed?lesson=N`, body.lesson-embedded, in another page's iframe),
 * the step posts its own height to the host page as every embed does
 * (`{type: "convscope:height", height}`, to "*": a height tells nothing about the student).
 * Navigation itself is plain links: everything works without this module.
 * @module lesson/nav
 */

/** Elements whose own keyboard use the arrows belong to. */
const CONTROLS = "input, select, textarea, button, summary, iframe, [contenteditable], [role='slider'], [role='tab']";

/**
 * The link an arrow key should follow, or null.
 * @param {KeyboardEvent} ev
 * @param {Document} doc
 * @returns {HTMLAnchorElement|null}
 */
export function linkForKey(ev, doc) {
  if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey) return null;
  if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return null;
  const target = ev.target;
  if (typeof target?.closest === "function" && target.closest(CONTROLS)) return null;
  return doc.querySelector(`a[data-key="${ev.key}"][href]`);
}

/**
 * Follow the embed's height messages: only from our own origin and only for our frames.
 * @param {MessageEvent} event
 * @param {Document} doc
 * @param {string} origin this page's origin
 */
export function fitFrame(event, doc, origin) {
  if (event.origin !== origin) return;
  const data = event.data || {};
  if (data.type !== "convscope:height" || !Number.isFinite(data.height)) return;
  for (const frame of doc.querySelectorAll("iframe.lesson-frame")) {
    if (frame.contentWindow === event.source) frame.style.height = `${Math.ceil(data.height)}px`;
  }
}

function start() {
  document.addEventListener("keydown", (ev) => {
    const link = linkForKey(ev, document);
    if (!link) return;
    ev.preventDefault();
    window.location.assign(link.href);
  });
  window.addEventListener("message", (ev) => fitFrame(ev, document, window.location.origin));
  if (document.body.classList.contains("lesson-embedded") && window.parent !== window) {
    let last = 0;
    new ResizeObserver(() => {
      const height = Math.ceil(document.documentElement.scrollHeight);
      if (height === last) return;
      last = height;
      window.parent.postMessage({ type: "convscope:height", height }, "*");
    }).observe(document.body);
  }
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
