/**
 * Export buttons: fetch a file from the server (through api.js), save it as a download, and
 * say plainly what is happening (working, saved, or the server's 4xx message) in a status
 * line next to the button.
 * @module exports/action
 */

import { h, setText } from "../dom.js";
import { sizeText } from "./bodies.js";

/** How long an object URL is kept after its download started (the browser reads it). */
const REVOKE_AFTER_MS = 60_000;

/**
 * Save `blob` as a download named `filename`.
 * @param {Document} doc
 * @param {Blob} blob
 * @param {string} filename
 */
export function saveBlob(doc, blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename, hidden: true });
  doc.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

/** A status line for export buttons (polite live region). */
export function exportStatus() {
  return h("p", { class: "export-status", role: "status", "aria-live": "polite" });
}

/**
 * A button that runs an export.
 * @param {{text: string, title?: string, busyText: string, status: HTMLElement,
 *   run: () => Promise<{blob: Blob, filename: string}>,
 *   onFile?: (file: {blob: Blob, filename: string}) => (string|Promise<string>)}} options
 *   `onFile` handles the file (default: save it as a download) and returns the status text
 * @returns {HTMLButtonElement}
 */
export function exportButton({ text, title = "", busyText, status, run, onFile = null }) {
  const button = h("button", { type: "button", class: "export-button", text,
    title: title || null });
  const save = ({ blob, filename }) => {
    saveBlob(button.ownerDocument, blob, filename);
    return `Saved ${filename} (${sizeText(blob.size)}).`;
  };
  button.addEventListener("click", async () => {
    if (button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true");
    status.classList.remove("error");
    status.dataset.state = "busy";
    setText(status, busyText);
    try {
      const file = await run();
      setText(status, await (onFile ?? save)(file));
      status.dataset.state = "done";
    } catch (err) {
      status.classList.add("error");
      status.dataset.state = "error";
      setText(status, `Could not export: ${err?.message ?? err}`);
    } finally {
      button.removeAttribute("aria-busy");
    }
  });
  return button;
}
