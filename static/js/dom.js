/**
 * A tiny element builder, so views are written as data and never as HTML strings (no
 * innerHTML: file names and server messages are always text).
 * @module dom
 */

/**
 * Create an element.
 * @param {string} tag
 * @param {object} [props] `class`, `text`, `dataset`, `on` ({event: handler}), `style`
 *   (object, set through the CSSOM so a strict CSP allows it); anything else is set as a
 *   property when the element has one, else as an attribute (false/null skip it)
 * @param {...(Node|string|null|false|Array)} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style") Object.assign(el.style, value);
    else if (key === "on") for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key in el && !key.startsWith("aria") && key !== "role") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child);
  }
}

/** Replace all children of `el`. */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** Set `el.textContent` only when it changes (avoids needless layout work). */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** "W × H × D" of a [D, H, W] shape, as written on every layer. */
export function shapeText([d, hgt, w]) {
  return `${w} × ${hgt} × ${d}`;
}

/** "a×b" of a pair. */
export function pairText([a, b]) {
  return `${a}×${b}`;
}
