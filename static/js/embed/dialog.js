/**
 * The page's "Embed" dialog: choose the piece (the sliding patch, the pyramid, one layer),
 * whether its controls are usable, locked or hidden, and the iframe's size; it writes the
 * `<iframe>` snippet for the current view (plus, optionally, the host script that grows the
 * iframe) with a Copy button. Keyboard: a modal <dialog> (Esc closes, focus stays inside).
 * @module embed/dialog
 */

import { EMBED, EXPORTS } from "../config.js";
import { h, setText } from "../dom.js";
import { normaliseAnim } from "../patch/anim-state.js";
import { describeLayers } from "../render/labels.js";
import { encodeState } from "../state.js";
import { copyText } from "../exports/pytorch.js";
import { originOf } from "./options.js";
import { describeAllowList, isOriginAllowed, parseAllowList } from "./origins.js";
import { defaultHeight, embedSnippet, embedTitle, embedUrl } from "./snippet.js";

const PIECES = [["patch", "The sliding patch"], ["pyramid", "The pyramid (every layer)"],
  ["layer", "One layer"], ["grid", "Grid mode (a small typed grid)"]];
const THEMES = [["", "as the reader's system"], ["light", "light"], ["dark", "dark"]];
const CONTROLS = [["on", "usable"], ["locked", "locked: shown, cannot be changed"],
  ["hidden", "hidden"]];

function radios(name, choices, legend) {
  const inputs = choices.map(([value, label]) => {
    const input = h("input", { type: "radio", name, value, id: `embed-${name}-${value}` });
    return { input, el: h("label", { for: input.id, class: "radio" }, input, ` ${label}`) };
  });
  const el = h("fieldset", { class: "embed-choice" }, h("legend", { text: legend }),
    inputs.map((i) => i.el));
  return { el, inputs, value: () => inputs.find((i) => i.input.checked)?.input.value };
}

function field(label, control, hint = "") {
  const hintEl = hint ? h("span", { class: "hint", id: `${control.id}-hint`, text: hint }) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: control.id, text: label }), control,
    hintEl);
}

/**
 * @param {HTMLButtonElement} button the page's "Embed" button
 * @param {{store: object, doc: Document, win: Window}} deps
 */
export function createEmbedDialog(button, { store, doc, win }) {
  const allowed = doc.querySelector('meta[name="convscope-allowed-origins"]')?.content ?? "";
  const rules = parseAllowList(allowed, { selfOrigin: win.location.origin });
  const piece = radios("piece", PIECES, "What to show");
  const controls = radios("controls", CONTROLS, "Its controls");
  const layer = h("select", { id: "embed-layer" });
  const width = h("input", { id: "embed-width", type: "text", inputMode: "numeric",
    value: "100%", size: 6 });
  const height = h("input", { id: "embed-height", type: "number", min: EMBED.minHeightPx,
    max: EMBED.maxHeightPx, step: 10 });
  const origin = h("input", { id: "embed-origin", type: "url",
    placeholder: "https://course.example.org" });
  const originNote = h("p", { class: "hint embed-origin-note", role: "status" });
  const pieceNote = h("p", { class: "hint embed-piece-note" });
  const layerField = field("Layer", layer, "the layer to show");
  const theme = h("select", { id: "embed-theme" }, THEMES.map(([value, text]) => h("option",
    { value, text })));
  const compact = h("input", { type: "checkbox", id: "embed-compact" });
  const script = h("input", { type: "checkbox", id: "embed-script", checked: true });
  const snippet = h("textarea", { id: "embed-snippet", class: "code-box", readOnly: true,
    rows: 7, spellcheck: false });
  const copy = h("button", { type: "button", class: "primary", text: "Copy" });
  const urlBox = h("input", { id: "embed-url", type: "text", class: "code-box embed-url",
    readOnly: true, spellcheck: false });
  const copyUrl = h("button", { type: "button", text: "Copy URL",
    title: "Copy the embed's address alone (for a link, a notebook's IFrame, an LMS field)" });
  const copied = h("p", { class: "export-status", role: "status", "aria-live": "polite" });
  const preview = h("a", { target: "_blank", rel: "noopener",
    text: "Open this embed in a new tab" });
  const close = h("button", { type: "button", text: "Close" });
  const dialog = h("dialog", { class: "cs-dialog embed-dialog", "aria-labelledby": "embed-title" },
    h("h2", { id: "embed-title", text: "Embed this view in a course page" }),
    h("p", { class: "muted", text: "Paste the snippet into a page (LMS, blog, slides in HTML). "
      + "It shows the current image and layers; what students change stays in their frame." }),
    h("div", { class: "embed-options" }, h("div", {}, piece.el, pieceNote),
      h("div", {}, controls.el, layerField, field("Theme", theme, "colours of the frame"),
        h("label", { for: compact.id, class: "check" }, compact,
          " Compact: no explanations nor legends"))),
    h("div", { class: "embed-size" },
      field("Width", width, "100% or pixels"), field("Height (px)", height, "starting height"),
      field("Your page's origin (optional)", origin, "where the embed sends its height and state"),
    ),
    originNote,
    h("label", { for: script.id, class: "check" }, script,
      " Add the script that grows the iframe to fit its content"),
    h("label", { for: urlBox.id, class: "code-label", text: "URL" }), urlBox,
    h("label", { for: snippet.id, class: "code-label", text: "Snippet" }), snippet,
    h("div", { class: "dialog-actions" }, copy, copyUrl, preview, close), copied,
    h("p", { class: "hint", text: `This server may be embedded by ${describeAllowList(allowed)}`
      + " (setting CONVSCOPE_FRAME_ANCESTORS; see docs/embedding.md)." }));
  doc.body.append(dialog);
  const memo = { sizedFor: null, url: "" };

  function fillLayers(state) {
    const header = state.pyramid?.header;
    const infos = header ? describeLayers(state.pyramid.request.layers, header.layers) : [];
    layer.replaceChildren(...infos.slice(1).map((info, i) => h("option",
      { value: String(i + 1), text: `${info.name}: ${info.text}` })));
    layer.value = String(Math.max(state.selected.layer, 1));
    return infos;
  }

  function update() {
    const state = store.getState();
    const view = piece.value();
    layerField.hidden = view !== "layer";
    const fits = defaultHeight(view, width.value);
    if (memo.sizedFor !== `${view}:${fits}`) {
      height.value = String(fits); // the measured height of this piece at this width
      memo.sizedFor = `${view}:${fits}`;
    }
    const header = state.pyramid?.header;
    const infos = header ? describeLayers(state.pyramid.request.layers, header.layers) : [];
    const anim = normaliseAnim(state.anim, { header });
    const shown = view === "layer" ? Number(layer.value) : anim.layer;
    const target = originOf(origin.value.trim());
    const url = embedUrl({ base: win.location.origin, view, controls: controls.value(),
      layer: view === "layer" ? shown : null, origin: target, state: encodeState(state),
      theme: theme.value || null, compact: compact.checked });
    memo.url = url;
    urlBox.value = url;
    snippet.value = embedSnippet({ url, width: width.value, height: height.value,
      appOrigin: win.location.origin, withScript: script.checked,
      title: embedTitle({ view, layerName: infos[shown]?.name, map: view === "patch"
        ? anim.map : null }) });
    preview.href = url;
    setText(pieceNote, {
      patch: `The window sliding over ${infos[shown]?.name ?? "the first layer"}, map `
        + `${anim.map + 1}, as in the sliding-patch panel (choose another layer or map there).`,
      pyramid: "Every layer's maps, from the photo at the bottom to the top.",
      layer: "One layer's maps, its output-size formula and the selected map enlarged.",
      grid: "Grid mode as set below the pyramid: the typed input and kernel, the formula, the "
        + "window sliding over the grid.",
    }[view]);
    origin.setAttribute("aria-invalid", String(Boolean(origin.value.trim()) && !target));
    setText(originNote, !origin.value.trim() ? ""
      : !target ? "That is not a web address (https://…)."
        : isOriginAllowed(target, rules) ? `${target} may embed this server.`
          : `${target} is not in this server's allow-list: browsers will refuse to show the `
            + "embed there until the server's CONVSCOPE_FRAME_ANCESTORS includes it.");
  }

  dialog.addEventListener("input", update);
  dialog.addEventListener("change", update);
  copy.addEventListener("click", async () => {
    const ok = await copyText(snippet.value, snippet);
    setText(copied, ok ? "Snippet copied to the clipboard."
      : "Your browser did not allow copying: the snippet is selected, press Ctrl+C (⌘C).");
    if (ok) {
      setText(copy, "Copied");
      setTimeout(() => setText(copy, "Copy"), EXPORTS.ackMs);
    }
  });
  copyUrl.addEventListener("click", async () => {
    const ok = await copyText(memo.url, urlBox);
    setText(copied, ok ? "The embed's URL is on the clipboard."
      : "Your browser did not allow copying: the URL is selected, press Ctrl+C (⌘C).");
    if (ok) {
      setText(copyUrl, "Copied");
      setTimeout(() => setText(copyUrl, "Copy URL"), EXPORTS.ackMs);
    }
  });
  close.addEventListener("click", () => dialog.close());
  button.addEventListener("click", () => {
    const state = store.getState();
    fillLayers(state);
    if (!piece.value()) piece.inputs[0].input.checked = true;
    if (!controls.value()) controls.inputs[0].input.checked = true;
    setText(copied, "");
    update();
    dialog.showModal();
  });
}
