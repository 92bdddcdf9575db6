/**
 * The digits view's wiring: the "Photos | Digits (trained)" switch, the pad with its Clear
 * button and guide, layer 1's kernels, the held-out gallery, and the classifier panel. It
 * reads and writes the store only; main.js calls `sync` on every frame it draws.
 * @module digits/view
 */

import { DIGITS } from "../config.js";
import { h, setText } from "../dom.js";
import { defaultConfig } from "../state.js";
import { isBlankPad } from "../request.js";
import { createClassifierPanel } from "./classifier.js";
import { decodePad, encodePad } from "./codec.js";
import { createGallery } from "./gallery.js";
import { createKernelStrip } from "./kernels.js";
import { blocksFromModel, digitsConfig, findModel } from "./model.js";
import { createPad } from "./pad.js";

/** Grey pixels (28 x 28) of an image URL, read through a canvas. */
async function pixelsOfUrl(url) {
  const img = new Image();
  img.src = url;
  await img.decode();
  const canvas = h("canvas", { width: DIGITS.side, height: DIGITS.side });
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(img, 0, 0, DIGITS.side, DIGITS.side);
  const rgba = ctx.getImageData(0, 0, DIGITS.side, DIGITS.side).data;
  return Uint8Array.from({ length: DIGITS.side * DIGITS.side }, (_, i) => rgba[i * 4]);
}

/**
 * @param {Document} doc
 * @param {{store: object, api: object, colormaps: object, schedule: () => void,
 *   onAnimate: (sel: {layer: number, map: number}) => void}} deps `schedule` asks main.js for
 *   a redraw (a gallery page or a prepared photo arrived)
 * @returns {{sync: (view: {state: object, check: object}) => void}}
 */
export function createDigitsView(doc, { store, api, colormaps, schedule, onAnimate }) {
  const photos = doc.getElementById("photo-choice");
  const root = doc.getElementById("digits-panel");
  const switches = [...doc.querySelectorAll("#mode-switch [data-mode]")];
  const classifierRoot = doc.getElementById("classifier");
  const memo = { drawn: null, gallery: null, uploads: new Map(), model: null };
  const embedded = doc.body.classList.contains("embed");

  const modelOf = () => findModel(store.getState().models);
  switches.forEach((b) => b.addEventListener("click", () => {
    const s = store.getState();
    if (b.dataset.mode === (s.mode ?? "photos")) return;
    const model = modelOf();
    if (b.dataset.mode === "digits" && model) store.setState(digitsConfig(model));
    if (b.dataset.mode === "photos") store.setState({ ...defaultConfig(), mode: "photos" });
  }));

  const pad = createPad({ onDraw: (pixels) => {
    const text = encodePad(pixels);
    memo.drawn = text;
    if (store.getState().image.pixels !== text) store.setState({ image: { pixels: text } });
  } });
  const clear = h("button", { type: "button", class: "pad-clear", text: "Clear",
    on: { click: () => pad.clear() } });
  const reads = h("p", { class: "pad-reads muted", role: "status" });
  const kernels = createKernelStrip({ onAnimate });
  const heading = h("p", { class: "digits-about" });
  const galleryTitle = h("h3", { class: "gallery-title", text: "Or pick a held-out digit" });
  const galleryHolder = h("div", {});
  root?.replaceChildren(heading,
    h("div", { class: "pad-row" }, pad.el, h("div", { class: "pad-side" }, clear,
      h("p", { class: "hint", text: "Draw big and centred, inside the yellow box, as MNIST's "
        + "digits are." }))),
    reads, kernels.el, galleryTitle, galleryHolder);

  const classifier = classifierRoot && createClassifierPanel(classifierRoot, {
    onReset: () => {
      const model = modelOf();
      if (model) store.update((s) => ({ ...s, layers: blocksFromModel(model) }));
    } });

  function ensureGallery(model) {
    if (memo.gallery || !model) return;
    memo.gallery = createGallery({ api, model, onLoaded: schedule,
      onPick: (n) => store.setState({ image: { digit: n } }) });
    galleryHolder.replaceChildren(memo.gallery.el);
  }

  function showInput(image) {
    const g = memo.gallery;
    if (image.pixels !== undefined) {
      if (image.pixels !== memo.drawn) pad.show(decodePad(image.pixels));
      memo.drawn = image.pixels;
      setText(reads, isBlankPad(image) ? "The pad is empty." : "The network reads your drawing "
        + "(28 × 28 cells, white ink on black).");
      return;
    }
    memo.drawn = null;
    if (image.digit !== undefined) {
      const pixels = g?.pixelsOf(image.digit);
      if (!pixels) g?.want(image.digit);
      pad.show(pixels ?? null);
      const label = g?.labelOf(image.digit);
      setText(reads, `The network reads held-out digit ${image.digit}`
        + `${label !== null && label !== undefined ? ` (a ${label}, by MNIST's label)` : ""}. `
        + "Draw on it to change it.");
      return;
    }
    if (image.id && image.prepared === "digit") {
      const cached = memo.uploads.get(image.id);
      if (cached) pad.show(cached);
      else {
        memo.uploads.set(image.id, null);
        pixelsOfUrl(api.imageUrl(image.id)).then((p) => { memo.uploads.set(image.id, p); schedule(); })
          .catch(() => {});
      }
      setText(reads, `The network reads your photo (${image.name}), prepared as MNIST was: `
        + "grey, inverted if the paper is light, cropped to the ink, scaled into 20 × 20, "
        + "centred in 28 × 28.");
      return;
    }
    setText(reads, "");
  }

  /** Bring the view in line with the state. */
  function sync({ state, check }) {
    const model = findModel(state.models);
    const digits = state.mode === "digits";
    switches.forEach((b) => {
      b.setAttribute("aria-pressed", String(b.dataset.mode === (state.mode ?? "photos")));
      if (b.dataset.mode === "digits") {
        b.disabled = !model && !digits;
        b.title = model ? `${model.title}: held-out accuracy ${(model.accuracy * 100).toFixed(1)} %`
          : "The trained network is not available on this server";
      }
    });
    if (photos) photos.hidden = digits;
    if (root) root.hidden = !digits;
    doc.body.classList.toggle("digits-mode", digits);
    if (digits) {
      ensureGallery(model);
      if (model && memo.model !== model) {
        memo.model = model;
        setText(heading, `${model.title}: a small convnet trained on MNIST digits, `
          + `${(model.accuracy * 100).toFixed(1)} % right on the ${model.heldout} held-out `
          + "ones it never saw. Draw a digit: every map and the answer follow your pen.");
      }
      showInput(state.image);
      memo.gallery?.sync(state.image.digit ?? null);
      const first = state.layers[0];
      kernels.draw({ layer: state.pyramid?.header.layers[1] ?? null,
        source: first?.source ?? null, colormaps });
    }
    const blank = digits && isBlankPad(state.image);
    const fit = check.error?.kind === "fit" ? check.error
      : state.status === "error" && /trained/.test(state.error?.message ?? "")
        ? { message: state.error.message.replace(/\.$/, "") } : null;
    classifier?.draw({ pyramid: state.pyramid, classes: model?.classes ?? null, blank, fit,
      stale: state.status !== "ready" && !(digits && state.status === "loading"), canReset: Boolean(model) });
    // which pyramid the bars show (tests wait for the bars of the current one)
    if (classifierRoot) classifierRoot.dataset.pyramidAt = String(state.pyramid?.changedAt ?? "");
    // an embedded photo stack stays as it was; an embedded digit shows the answer on top
    if (classifierRoot && embedded && !digits) classifierRoot.hidden = true;
  }

  return { sync };
}
