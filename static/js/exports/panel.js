/**
 * The "Export" panel of the page: the selected feature map, or its whole layer, as a PNG
 * (coloured, each cell enlarged to whole pixels) or as the exact numbers (`.npy`), for slides
 * and handouts. Files are made by the server (`/api/export/png`, `/api/export/npy`) from the
 * drawn pyramid's request, so they are exactly what the page shows.
 * @module exports/panel
 */

import { EXPORTS } from "../config.js";
import { h, setText, shapeText } from "../dom.js";
import { describeLayers } from "../render/labels.js";
import { exportButton, exportStatus } from "./action.js";
import { mapExportBody } from "./bodies.js";
import { pyramidPng } from "./pyramid-png.js";

/**
 * What the panel exports for a state: the selected layer and map of the drawn pyramid.
 * @param {object} state
 * @returns {{layer: number, map: number, shape: number[], label: string,
 *   mapLabel: string}|null}
 */
export function exportTarget(state) {
  const header = state.pyramid?.header;
  if (!header) return null;
  const layer = Math.min(state.selected.layer, header.layers.length - 1);
  const info = header.layers[layer];
  const [k] = info.shape;
  const map = Math.min(state.selected.map, k - 1);
  const name = describeLayers(state.pyramid.request.layers, header.layers)[layer].name;
  const rgb = layer === 0 && k === 3;
  const mapLabel = layer === 0 ? `channel ${rgb ? ["red", "green", "blue"][map] : map + 1}`
    : `map ${map + 1} of ${k}`;
  return { layer, map, shape: info.shape, label: `${name} · ${shapeText(info.shape)}`, mapLabel };
}

/**
 * Mount the panel.
 * @param {HTMLElement} root
 * @param {{api: {exportFile: Function}, store: object}} deps
 * @returns {{destroy: () => void}}
 */
export function createExportPanel(root, { api, store }) {
  const status = exportStatus();
  const colormap = h("select", { id: "export-colormap" },
    EXPORTS.pngColormaps.map(([value, label]) => h("option", { value, text: label })));
  const what = h("p", { class: "export-what" });
  const run = (kind, whole) => () => {
    const state = store.getState();
    const target = exportTarget(state);
    return api.exportFile(kind, mapExportBody(state.pyramid.request, { layer: target.layer,
      map: whole ? null : target.map, shape: target.shape, colormap: colormap.value,
      sharedRange: state.scale === "layer" }));
  };
  const button = (kind, whole, text, label) => {
    const el = exportButton({ text, status, run: run(kind, whole),
      busyText: `Making the ${kind === "png" ? "PNG" : ".npy file"}…` });
    el.setAttribute("aria-label", label);
    el.dataset.export = `${kind}-${whole ? "layer" : "map"}`;
    return el;
  };
  const mapLabel = h("span", { class: "export-label", id: "export-map-label" });
  const layerLabel = h("span", { class: "export-label", id: "export-layer-label" });
  const pyramidLabel = h("span", { class: "export-label", id: "export-pyramid-label",
    text: "Whole pyramid, as drawn on the page" });
  const pyramidButton = exportButton({ text: "PNG", status, busyText: "Drawing the pyramid…",
    run: () => pyramidPng(root.ownerDocument.getElementById("pyramid")) });
  pyramidButton.setAttribute("aria-label", "Download the whole pyramid as drawn, as PNG");
  pyramidButton.dataset.export = "png-pyramid";
  const buttons = [
    button("png", false, "PNG", "Download this map as PNG"),
    button("npy", false, "Numbers (.npy)", "Download this map's numbers as .npy"),
    button("png", true, "PNG", "Download the whole layer as PNG"),
    button("npy", true, "Numbers (.npy)", "Download the whole layer's numbers as .npy"),
  ];
  root.replaceChildren(
    h("h2", { id: "exports-title", text: "Export for slides" }),
    what,
    h("div", { class: "export-row", role: "group", "aria-labelledby": mapLabel.id },
      mapLabel, buttons[0], buttons[1]),
    h("div", { class: "export-row", role: "group", "aria-labelledby": layerLabel.id },
      layerLabel, buttons[2], buttons[3]),
    h("div", { class: "field export-field" }, h("label", { for: colormap.id, text: "PNG colours" }),
      colormap),
    h("div", { class: "export-row", role: "group", "aria-labelledby": pyramidLabel.id },
      pyramidLabel, pyramidButton),
    status,
    h("p", { class: "hint", text: ".npy holds the exact float32 values: numpy.load(file). "
      + "The sliding-patch GIF and the PyTorch code are with the animation and at the top." }));

  const sync = (state) => {
    const target = exportTarget(state);
    [...buttons, pyramidButton].forEach((b) => { b.disabled = !target; });
    setText(what, target ? target.label : "The maps are not computed yet.");
    setText(mapLabel, target ? `This ${target.layer === 0 ? "channel" : "map"} (${target.mapLabel})`
      : "This map");
    setText(layerLabel, target ? `Whole layer (${target.shape[0]} maps)` : "Whole layer");
  };
  sync(store.getState());
  const unsubscribe = store.subscribe((state, previous) => {
    if (state.pyramid !== previous.pyramid || state.selected !== previous.selected) sync(state);
  });
  return { destroy: unsubscribe };
}
