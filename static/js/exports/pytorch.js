/**
 * "Copy as PyTorch": the server writes Python that rebuilds the current stack with its exact
 * weights (`/api/export/pytorch`); the page copies it to the clipboard and shows it in a
 * dialog, where it can be read, selected, copied again or saved as a `.py` file.
 * @module exports/pytorch
 */

import { EXPORTS } from "../config.js";
import { h, setText } from "../dom.js";
import { saveBlob } from "./action.js";

/**
 * Copy `text` to the clipboard; when the browser refuses, select it in `field` so Ctrl+C
 * copies it.
 * @param {string} text
 * @param {HTMLTextAreaElement|HTMLInputElement} field holds `text`
 * @returns {Promise<boolean>} true if copied
 */
export async function copyText(text, field) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    field.focus();
    field.select();
    return false;
  }
}

/**
 * The dialog and the button that opens it.
 * @param {HTMLButtonElement} button the page's "Copy as PyTorch" button
 * @param {{api: {exportFile: Function}, store: object, doc: Document}} deps
 */
export function createPytorchExport(button, { api, store, doc }) {
  const status = h("p", { class: "export-status", role: "status", "aria-live": "polite" });
  const code = h("textarea", { id: "pytorch-code", class: "code-box", readOnly: true,
    rows: 18, spellcheck: false, wrap: "off" });
  const copyAgain = h("button", { type: "button", text: "Copy" });
  const save = h("button", { type: "button", text: "Save as .py" });
  const close = h("button", { type: "button", text: "Close" });
  const dialog = h("dialog", { class: "cs-dialog pytorch-dialog",
    "aria-labelledby": "pytorch-title" },
    h("h2", { id: "pytorch-title", text: "This stack in PyTorch" }),
    h("p", { class: "muted", text: "build_model() rebuilds every layer with its exact weights "
      + "(ZeroPad2d where padding is uneven, as TensorFlow's \"same\" needs); feature_maps(model, "
      + "x) gives the maps this page shows, for x = the working image / 255, shape "
      + "(1, C, H, W)." }),
    status,
    h("label", { for: code.id, class: "code-label", text: "PyTorch code" }), code,
    h("div", { class: "dialog-actions" }, copyAgain, save, close));
  doc.body.append(dialog);
  const file = { text: "", name: "convscope_stack.py" };

  const announce = (copied) => setText(status, copied ? "Copied to the clipboard."
    : "Your browser did not allow copying: the code is selected below, press Ctrl+C (⌘C).");

  button.addEventListener("click", async () => {
    const { pyramid, status: pipeline } = store.getState();
    status.classList.remove("error");
    code.value = "";
    file.text = "";
    if (!dialog.open) dialog.showModal();
    if (!pyramid) {
      status.dataset.state = "error";
      setText(status, "The maps are not computed yet: try again in a moment.");
      return;
    }
    status.dataset.state = "busy";
    setText(status, "Asking the server for the code…");
    // the code is for the drawn maps: say so when the current settings cannot run
    const stale = pipeline === "invalid" || pipeline === "error" ? " It is for the maps "
      + "shown, from the last settings that worked." : "";
    try {
      const { preview, ...request } = pyramid.request;
      const { blob, filename } = await api.exportFile("pytorch", request);
      file.text = await blob.text();
      file.name = filename;
      code.value = file.text;
      announce(await copyText(file.text, code));
      if (stale) setText(status, `${status.textContent}${stale}`);
      status.dataset.state = "done";
    } catch (err) {
      status.classList.add("error");
      status.dataset.state = "error";
      setText(status, `Could not get the code: ${err?.message ?? err}`);
    }
  });
  copyAgain.addEventListener("click", async () => {
    if (!file.text) return;
    const copied = await copyText(file.text, code);
    announce(copied);
    if (copied) {
      setText(copyAgain, "Copied");
      setTimeout(() => setText(copyAgain, "Copy"), EXPORTS.ackMs);
    }
  });
  save.addEventListener("click", () => {
    if (file.text) saveBlob(doc, new Blob([file.text], { type: "text/x-python" }), file.name);
  });
  close.addEventListener("click", () => dialog.close());
}
