/**
 * Choosing the image: the gallery of samples, a file picker, drag and drop anywhere on the
 * page, and paste; plus the colour mode and the working size shown.
 * @module input
 */

import { setText } from "./dom.js";

/** The samples the template rendered into the gallery (name, size, channels). */
export function readSamples(doc) {
  return [...doc.querySelectorAll(".sample[data-sample]")].map((el) => ({
    name: el.dataset.sample, title: el.dataset.title ?? el.dataset.sample,
    width: Number(el.dataset.width) || 0, height: Number(el.dataset.height) || 0,
    channels: Number(el.dataset.channels) || 3,
  }));
}

function firstImageFile(list) {
  return [...(list ?? [])].find((f) => f.type.startsWith("image/") || f.kind === "file") ?? null;
}

/**
 * Wire the image panel.
 * @param {Document} doc
 * @param {{store: object, api: object}} deps
 * @returns {{sync: (state: object) => void}}
 */
export function createImageInput(doc, { store, api }) {
  const fileInput = doc.getElementById("file");
  const color = doc.getElementById("color");
  const working = doc.getElementById("working-size");
  const overlay = doc.getElementById("drop-overlay");
  const uploadStatus = doc.getElementById("upload-status");

  async function upload(file) {
    if (!file || !uploadStatus) return;
    setText(uploadStatus, `Uploading ${file.name || "pasted image"}…`);
    uploadStatus.classList.remove("error");
    try {
      const t0 = performance.now();
      // in the digits view a photo of a handwritten digit is prepared as MNIST was
      const digits = store.getState().mode === "digits";
      const meta = await api.uploadImage(file, { name: file.name || "pasted.png",
        prepare: digits ? "digit" : null });
      if (window.__convscope) window.__convscope.lastUploadMs = performance.now() - t0;
      setText(uploadStatus, "");
      store.setState({ image: { id: meta.id, name: meta.name ?? file.name, width: meta.width,
        height: meta.height, channels: meta.channels, ...(digits ? { prepared: "digit" } : {}) } });
    } catch (err) {
      uploadStatus.classList.add("error");
      setText(uploadStatus, `Could not use this file: ${err.message}`);
    }
  }

  doc.querySelectorAll(".sample[data-sample]").forEach((el) => el.addEventListener("click",
    () => store.setState({ image: { sample: el.dataset.sample } })));
  fileInput?.addEventListener("change", () => {
    upload(fileInput.files?.[0]);
    fileInput.value = "";
  });
  color?.addEventListener("change", () => store.setState({ color: color.value }));

  const hasFiles = (ev) => [...(ev.dataTransfer?.types ?? [])].includes("Files");
  doc.addEventListener("dragover", (ev) => {
    if (!hasFiles(ev) || !overlay) return;
    ev.preventDefault();
    overlay.hidden = false;
  });
  doc.addEventListener("dragleave", (ev) => {
    if (ev.relatedTarget === null && overlay) overlay.hidden = true;
  });
  doc.addEventListener("drop", (ev) => {
    if (!hasFiles(ev) || !overlay) return;
    ev.preventDefault();
    overlay.hidden = true;
    upload(firstImageFile(ev.dataTransfer.files));
  });
  doc.addEventListener("paste", (ev) => {
    const target = ev.target;
    if (target instanceof HTMLInputElement && target.type !== "file") return;
    const file = firstImageFile(ev.clipboardData?.files);
    if (file) {
      ev.preventDefault();
      upload(file);
    }
  });

  /** Show which image and colour mode are in use. */
  function sync(state) {
    doc.querySelectorAll(".sample[data-sample]").forEach((el) => el.setAttribute("aria-pressed",
      String(el.dataset.sample === state.image.sample)));
    if (color && doc.activeElement !== color) color.value = state.color;
    const img = state.pyramid?.header?.image;
    const [c] = state.pyramid?.header?.layers?.[0]?.shape ?? [];
    if (!working) return;
    setText(working, img ? `Working image: ${img.width} × ${img.height} pixels, ${c} channel`
      + `${c > 1 ? "s" : ""} (${img.name ?? "upload"})` : "");
  }

  return { sync };
}
