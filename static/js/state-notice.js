/**
 * The visible refusal of a state the page cannot read (#15 §5): a dismissible banner at the
 * top of the page (or the embed view) saying what could not be read and what is shown instead.
 * @module state-notice
 */

/** Id of the banner, for tests and styles. */
export const NOTICE_ID = "state-notice";

/**
 * Show (or replace) the banner.
 * @param {Document} doc
 * @param {string} problem why the link's state was not used (state.js `readSearch`)
 * @param {string} instead what the page shows instead, e.g. "the default view"
 * @returns {HTMLElement} the banner
 */
export function showStateNotice(doc, problem, instead) {
  doc.getElementById(NOTICE_ID)?.remove();
  const box = doc.createElement("div");
  box.id = NOTICE_ID;
  box.className = "state-notice";
  box.setAttribute("role", "alert");
  const text = doc.createElement("p");
  text.textContent = `This link's view could not be opened as written: ${problem}. `
    + `Showing ${instead} instead.`;
  const close = doc.createElement("button");
  close.type = "button";
  close.textContent = "Dismiss";
  close.addEventListener("click", () => box.remove());
  box.append(text, close);
  doc.body.prepend(box);
  return box;
}
