/**
 * The inspector: the selected map enlarged at full resolution (exact float32 from the server),
 * the exact value of the hovered cell, the map's legend, and the hovered cell's receptive field
 * outlined on the input photo.
 * @module render/inspector
 */

import { INSPECTOR } from "../config.js";
import { formatFloat32, formatValue } from "../colormap.js";
import { receptiveFieldBox } from "../conv-math.js";
import { h, replaceChildren, setText, shapeText } from "../dom.js";
import { legendElement } from "./legend.js";
import { mapScale, paintExact, paintPhoto, paintPreview } from "./paint.js";

function boxStyle(el, { top, left, bottom, right }, [hh, ww]) {
  Object.assign(el.style, { top: `${(top / hh) * 100}%`, left: `${(left / ww) * 100}%`,
    height: `${((bottom - top + 1) / hh) * 100}%`, width: `${((right - left + 1) / ww) * 100}%` });
}

function fitSize([hh, ww], max) {
  const s = max / Math.max(hh, ww);
  return [Math.max(1, Math.round(hh * s)), Math.max(1, Math.round(ww * s))];
}

/**
 * @param {HTMLElement} root
 * @param {{onHover: (hover: object|null) => void, onAnimate: (sel: object) => void,
 *   canAnimate?: boolean}} handlers `canAnimate: false` (no patch panel) drops the button
 */
export function createInspector(root, { onHover, onAnimate, canAnimate = true }) {
  const canvas = h("canvas", { class: "insp-canvas", "aria-label": "Selected feature map, enlarged" });
  const cellBox = h("span", { class: "mark hover-cell", hidden: true });
  const mapWrap = h("div", { class: "insp-map" }, canvas, cellBox);
  const title = h("h2", { id: "inspector-title" });
  const readout = h("p", { class: "readout", "aria-live": "polite" });
  const legend = h("div", { class: "insp-legend" });
  const thumb = h("canvas", { class: "insp-thumb", "aria-label": "Input photo with the receptive field" });
  const rfBox = h("span", { class: "mark rf-box", hidden: true });
  const rfText = h("p", { class: "muted rf-text" });
  const animate = h("button", { type: "button", class: "primary", text: "Animate this map",
    title: "Watch the kernel slide over this layer's input (shortcut: A on a map)",
    hidden: true }); // shown once a map is drawn
  const note = h("p", { class: "muted insp-note" });
  // the last cell hovered or clicked on the selected map: the one "How…?" explains
  const how = h("button", { type: "button", class: "how-computed", hidden: true,
    text: "How was this number computed?",
    title: "Open the sliding patch on this cell: its window, weights and sum, step by step" });
  replaceChildren(root, title, mapWrap, readout, how,
    h("div", { class: "insp-row" }, legend,
      h("div", { class: "insp-rf" }, h("h3", { text: "On the input" }),
        h("div", { class: "insp-thumb-wrap" }, thumb, rfBox))),
    rfText, animate, note);
  const memo = { drawKey: null, thumbKey: null, view: null, exactOf: null, cell: null };

  canvas.addEventListener("mousemove", (ev) => {
    const v = memo.view;
    if (!v) return;
    const [, hh, ww] = v.pyramid.header.layers[v.selected.layer].shape;
    const rect = canvas.getBoundingClientRect();
    const i = Math.min(hh - 1, Math.max(0, Math.floor(((ev.clientY - rect.top) / rect.height) * hh)));
    const j = Math.min(ww - 1, Math.max(0, Math.floor(((ev.clientX - rect.left) / rect.width) * ww)));
    onHover({ layer: v.selected.layer, map: v.selected.map, i, j });
  });
  canvas.addEventListener("mouseleave", () => onHover(null));
  animate.addEventListener("click", () => memo.view && onAnimate(memo.view.selected));
  how.addEventListener("click", () => memo.cell && onAnimate(memo.cell));

  /**
   * @param {{pyramid: object, selected: {layer: number, map: number}, hover: object|null,
   *   scaleMode: string, colormaps: object, exact: Float32Array|null,
   *   hoverValue: {value: number, exact: boolean}|null, infos: object[]}} view
   */
  function draw(view) {
    memo.view = view;
    const { pyramid, selected, hover, scaleMode, colormaps, exact, hoverValue, infos } = view;
    const { header, maps } = pyramid;
    const layer = header.layers[selected.layer];
    if (!layer) return;
    const [k, hh, ww] = layer.shape;
    const isInput = selected.layer === 0;
    const channel = k === 3 ? ["red", "green", "blue"][selected.map] : `${selected.map + 1}`;
    setText(title, isInput ? `Input · channel ${channel}`
      : `${infos[selected.layer].name} · map ${selected.map + 1} of ${k}`);
    const scale = mapScale(layer, selected.map, isInput ? "map" : scaleMode);
    const key = JSON.stringify([header.image?.id, pyramid.request.layers.length, header.bytes,
      header.elapsed_ms, selected, scaleMode, Boolean(exact)]);
    // After a change, this map's last exact picture stays (dimmed if it lasts) until its new
    // exact values arrive: the preview of a large map is much coarser than the enlarged view.
    const mapId = JSON.stringify([selected, layer.shape, scaleMode]);
    const waiting = !exact && memo.exactOf === mapId;
    canvas.classList.toggle("waiting", waiting);
    canvas.dataset.exact = exact ? "1" : "0";
    if (key !== memo.drawKey && !waiting) {
      memo.exactOf = exact ? mapId : null;
      memo.drawKey = key;
      const [dh, dw] = fitSize([hh, ww], INSPECTOR.mapMaxPx);
      Object.assign(canvas.style, { width: `${dw}px`, height: `${dh}px` });
      if (exact) {
        paintExact(canvas, { values: exact, shape: [hh, ww], scale, colormaps });
      } else {
        paintPreview(canvas, { q: maps[selected.layer][selected.map], shape: layer.preview_shape,
          quant: layer.maps[selected.map], scale, colormaps });
      }
      const m = layer.maps[selected.map];
      replaceChildren(legend, legendElement(scale, colormaps, { width: 150,
        caption: `${shapeText(layer.shape)} · this map: min ${formatValue(m.min)}, max `
          + `${formatValue(m.max)}; colours over ${scaleMode === "layer" && !isInput
            ? "the whole layer's range" : "this map's range"}` }));
    }
    const input = header.layers[0];
    const thumbKey = JSON.stringify([header.image?.id, header.elapsed_ms, header.bytes]);
    if (thumbKey !== memo.thumbKey) {
      memo.thumbKey = thumbKey;
      const [th, tw] = fitSize(input.shape.slice(1), INSPECTOR.inputThumbPx);
      Object.assign(thumb.style, { width: `${tw}px`, height: `${th}px` });
      paintPhoto(thumb, { channels: maps[0], shape: input.preview_shape, quants: input.maps });
    }
    const onThis = hover && hover.layer === selected.layer && hover.map === selected.map;
    if (onThis) memo.cell = { layer: hover.layer, map: hover.map, i: hover.i, j: hover.j };
    if (memo.cell && (memo.cell.layer !== selected.layer || memo.cell.map !== selected.map
      || memo.cell.i >= hh || memo.cell.j >= ww)) memo.cell = null;
    const explain = canAnimate && layer.type === "conv" && memo.cell;
    how.hidden = !explain;
    if (explain) {
      setText(how, `How was this number computed? Row ${memo.cell.i + 1}, column `
        + `${memo.cell.j + 1} →`);
    }
    cellBox.hidden = !onThis;
    if (onThis) boxStyle(cellBox, { top: hover.i, left: hover.j, bottom: hover.i, right: hover.j }, [hh, ww]);
    if (hover && hoverValue) {
      const name = hover.layer === 0 ? "input" : infos[hover.layer].name;
      setText(readout, `${name}, map ${hover.map + 1}, row ${hover.i + 1}, column ${hover.j + 1}: `
        + `${hoverValue.exact ? "" : "≈ "}${hoverValue.exact ? formatFloat32(hoverValue.value) : formatValue(hoverValue.value)}`
        + `${hoverValue.exact ? " (exact float32)" : " (preview; exact value loading)"}`);
      readout.dataset.exact = hoverValue.exact ? "1" : "0";
    } else {
      setText(readout, "Hover a cell to read its exact value.");
      readout.dataset.exact = "";
    }
    const [, ih, iw] = input.shape;
    if (hover) {
      const geo = hover.layer === 0 ? { origin: [0, 0], jump: [1, 1], receptive_field: [1, 1] }
        : header.layers[hover.layer];
      const box = receptiveFieldBox(geo, hover.i, hover.j, { height: ih, width: iw });
      rfBox.hidden = false;
      boxStyle(rfBox, box, [ih, iw]);
      setText(rfText, `Rows ${box.top + 1}–${box.bottom + 1}, columns ${box.left + 1}–${box.right + 1} of the `
        + `photo (${geo.receptive_field[0]}×${geo.receptive_field[1]} field`
        + `${box.clipped ? ", partly in the zero padding" : ""}).`);
    } else {
      rfBox.hidden = true;
      setText(rfText, "Hover a cell of any map to outline what it sees.");
    }
    animate.hidden = !canAnimate || layer.type !== "conv";
    setText(note, layer.type === "conv" || !canAnimate ? "" : isInput ? "The input is not computed: pick a "
      + "conv layer's map to animate it." : "");
  }

  return { draw };
}
