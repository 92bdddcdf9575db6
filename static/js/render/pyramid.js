/**
 * The pyramid: every feature map of every layer, the input photo at the bottom, the
 * classifier at the top, "W × H × D" written on each layer.
 *
 * `createPyramidView(root, handlers)` owns the DOM under `root`; `draw(view)` makes it show a
 * pyramid (rows and canvases are reused while the structure stays the same; only pixels are
 * repainted), `mark(view)` draws the selection, the receptive-field outlines and the unreached
 * cells. Both are functions of their arguments only.
 * @module render/pyramid
 */

import { h, setText, shapeText } from "../dom.js";
import { backProject } from "../conv-math.js";
import { legendTicks, formatValue } from "../colormap.js";
import { viewRows } from "./layout.js";
import { describeLayers } from "./labels.js";
import { drawLegendBar } from "./legend.js";
import { COLORS, LAYOUT } from "../config.js";
import { channelTint, mapScale, paintChannel, paintPhoto, paintPreview, paintUnreached }
  from "./paint.js";

function structureKey(header, width, only) {
  return JSON.stringify([Math.round(width / 8), only,
    header.layers.map((l) => [l.type, l.shape, l.preview_shape])]);
}

function makeTile({ layer, map, label, tile }) {
  const canvas = h("canvas", { class: "tile-canvas" });
  // kept, so a redraw or a hover reads no DOM (no querySelector, no dataset parsing)
  const marks = { box: h("span", { class: "mark rf-box", hidden: true }),
    // every input row/column the selected layer never reads, shaded (render/unreached.js)
    unreached: h("canvas", { class: "mark unreached-shade", hidden: true, "aria-hidden": "true",
      style: { left: "0", top: "0", width: "100%", height: "100%" } }),
    unreachedKey: "" };
  const tileEl = h("button", { type: "button", class: "tile", tabIndex: -1,
    dataset: { layer: String(layer), map: String(map) }, "aria-label": label,
    style: { width: `${tile[1]}px`, height: `${tile[0]}px` } },
  canvas, marks.box, marks.unreached);
  const inner = tile.map((px) => px - 2 * LAYOUT.tileBorderPx);
  return { el: tileEl, canvas, map, marks, inner };
}

function buildRow({ layer, row, info }) {
  const [k] = layer.shape;
  const isInput = layer.index === 0;
  const legend = h("canvas", { class: "legend-bar", width: 96, height: 8, "aria-hidden": "true" });
  const legendText = h("span", { class: "legend-text" });
  const name = h("span", { class: "row-name", text: info.name });
  const text = h("span", { class: "row-text", text: info.text });
  const head = h("div", { class: "row-head" }, name,
    h("span", { class: "row-shape", text: shapeText(layer.shape),
      title: "width × height × depth (feature maps)" }),
    text, h("span", { class: "row-legend" }, legend, legendText));
  const tiles = [];
  if (isInput) {
    tiles.push(makeTile({ layer: 0, map: -1, tile: row.tile,
      label: "Input image (all channels)" }));
  }
  const channelNames = k === 3 ? ["red", "green", "blue"] : null;
  if (!isInput || k > 1) {
    for (let m = 0; m < k; m += 1) {
      const what = isInput ? `channel ${channelNames?.[m] ?? m + 1}` : `map ${m + 1} of ${k}`;
      tiles.push(makeTile({ layer: layer.index, map: m, tile: row.tile,
        label: `${info.name} ${what}` }));
    }
  }
  const grid = h("div", { class: `row-tiles${row.dense ? " dense" : ""}` },
    tiles.map((t) => t.el));
  const el = h("section", { class: "pyr-row", dataset: { layer: String(layer.index) },
    "aria-label": `${info.name}, ${shapeText(layer.shape)}` }, head, grid);
  return { el, tiles, legend, legendText, name, text };
}

/**
 * @param {HTMLElement} root
 * @param {{onSelect: (sel: {layer: number, map: number}) => void,
 *   onHover: (hover: null|{layer: number, map: number, i: number, j: number}) => void,
 *   onAnimate: (sel: {layer: number, map: number}) => void}} handlers
 */
export function createPyramidView(root, { onSelect, onHover, onAnimate }) {
  // rows[i] is null for a layer not shown (the embed's one-layer view shows one row)
  const dom = { key: null, rows: [], header: null, only: null };

  const tileOf = (target) => target?.closest?.(".tile");
  const selOf = (tile) => ({ layer: Number(tile.dataset.layer),
    map: Math.max(Number(tile.dataset.map), 0) });

  root.addEventListener("click", (ev) => {
    const tile = tileOf(ev.target);
    if (tile) onSelect(selOf(tile));
  });
  root.addEventListener("mousemove", (ev) => {
    const tile = tileOf(ev.target);
    if (!tile || !dom.header) return;
    const { layer, map } = selOf(tile);
    const [, hh, ww] = dom.header.layers[layer].shape;
    const rect = tile.getBoundingClientRect();
    const i = Math.min(hh - 1, Math.max(0, Math.floor(((ev.clientY - rect.top) / rect.height) * hh)));
    const j = Math.min(ww - 1, Math.max(0, Math.floor(((ev.clientX - rect.left) / rect.width) * ww)));
    onHover({ layer, map, i, j });
  });
  root.addEventListener("mouseleave", () => onHover(null));
  root.addEventListener("keydown", (ev) => {
    const tile = tileOf(ev.target);
    if (!tile || !dom.header) return;
    const { layer, map } = selOf(tile);
    const last = dom.header.layers.length - 1;
    const mapsOf = (l) => dom.header.layers[l].shape[0];
    const one = dom.only !== null;
    const moves = {
      ArrowLeft: { layer, map: map - 1 }, ArrowRight: { layer, map: map + 1 },
      ArrowUp: one ? null : { layer: Math.min(layer + 1, last), map },
      ArrowDown: one ? null : { layer: Math.max(layer - 1, 0), map },
      // the first and the last map of this layer, as in a grid widget's row
      Home: { layer, map: 0 }, End: { layer, map: mapsOf(layer) - 1 },
    };
    if (moves[ev.key]) {
      ev.preventDefault();
      const next = moves[ev.key];
      next.map = Math.min(Math.max(next.map, 0), mapsOf(next.layer) - 1);
      onSelect(next);
      // focus now (not at the next frame) so a quick second key starts from the new tile
      const target = root.querySelector(`.tile[data-layer="${next.layer}"][data-map="${next.map}"]`)
        ?? root.querySelector(`.tile[data-layer="${next.layer}"]`);
      if (target) {
        target.tabIndex = 0;
        target.focus();
      }
    } else if (ev.key === "a" || ev.key === "A") {
      onAnimate({ layer, map });
    }
  });

  /**
   * Show a pyramid, or only its layer `only` (sized as if it were the whole pyramid).
   * @param {{pyramid: object, scaleMode: "map"|"layer", colormaps: object, width: number,
   *   only?: number|null}} view
   */
  function draw({ pyramid, scaleMode, colormaps, width, only = null }) {
    const { header, maps } = pyramid;
    dom.header = header;
    dom.only = only === null ? null : Math.min(Math.max(only, 0), header.layers.length - 1);
    const shown = dom.only === null ? header.layers.map((_, i) => i) : [dom.only];
    const key = structureKey(header, width, dom.only);
    const infos = describeLayers(pyramid.request.layers, header.layers);
    if (key !== dom.key) {
      // the same layout previewSides() asked the previews for
      const rows = viewRows(header.layers, { width, oneLayer: dom.only !== null });
      dom.rows = header.layers.map(() => null);
      shown.forEach((i) => {
        dom.rows[i] = buildRow({ layer: header.layers[i], row: rows[i], info: infos[i] });
      });
      root.replaceChildren(...shown.map((i) => dom.rows[i].el));
      dom.key = key;
    }
    header.layers.forEach((layer, index) => {
      const row = dom.rows[index];
      if (!row) return;
      setText(row.name, infos[index].name);
      setText(row.text, infos[index].text);
      const [ph, pw] = layer.preview_shape;
      for (const tile of row.tiles) {
        const m = tile.map;
        if (m < 0) {
          paintPhoto(tile.canvas, { channels: maps[0], shape: [ph, pw], quants: layer.maps });
          continue;
        }
        if (index === 0) {
          paintChannel(tile.canvas, { q: maps[0][m], shape: [ph, pw], quant: layer.maps[m],
            tint: channelTint(m, layer.maps.length) });
          continue;
        }
        paintPreview(tile.canvas, { q: maps[index][m], shape: [ph, pw], quant: layer.maps[m],
          scale: mapScale(layer, m, scaleMode), colormaps });
        if (layer.type === "dense") {
          const title = `unit ${m + 1}: ${formatValue(layer.maps[m].min)}`;
          if (tile.el.title !== title) tile.el.title = title;
        }
      }
      if (row.legend.hidden !== (index === 0)) row.legend.hidden = index === 0;
      if (index === 0) {
        setText(row.legendText, "pixel values 0 … 1");
        return;
      }
      const scale = mapScale({ ...layer, maps: [{ min: layer.range[0], max: layer.range[1] }] },
        0, "layer");
      drawLegendBar(row.legend, scale, colormaps);
      const ticks = legendTicks(scale).map((t) => formatValue(t.value));
      const perMap = scaleMode === "map" && layer.type !== "dense" && layer.maps.length > 1;
      setText(row.legendText, `${ticks[0]} … ${ticks[2]}`);
      const title = perMap ? "each map is coloured over its own range; the layer's values "
        + "span this range" : "every map of this layer is coloured over this range";
      if (row.legendText.title !== title) row.legendText.title = title;
    });
  }

  /**
   * Draw the selection, the receptive field of the hovered cell on every lower layer, and the
   * cells the selected layer's windows never reach on that layer's input.
   * @param {{selected: {layer: number, map: number}, hover: object|null}} view
   */
  function mark({ selected, hover }) {
    const header = dom.header;
    if (!header) return;
    const geometries = header.layers.slice(1);
    const regions = hover && hover.layer > 0
      ? backProject(geometries, hover.layer, { r0: hover.i, r1: hover.i, c0: hover.j, c1: hover.j })
      : new Map();
    if (hover) regions.set(hover.layer, { r0: hover.i, r1: hover.i, c0: hover.j, c1: hover.j });
    const sel = header.layers[selected.layer];
    const rowsOut = sel && selected.layer > 0 ? sel.unreached_rows ?? [] : [];
    const colsOut = sel && selected.layer > 0 ? sel.unreached_cols ?? [] : [];
    const linesKey = `${selected.layer}:${rowsOut.join(",")}:${colsOut.join(",")}`;
    dom.rows.forEach((row, index) => {
      if (!row) return;
      const [, hh, ww] = header.layers[index].shape;
      const region = regions.get(index);
      row.el.classList.toggle("selected", index === selected.layer);
      for (const tile of row.tiles) {
        const m = tile.map;
        const isSel = index === selected.layer && (m === selected.map || (m < 0 && index === 0
          && row.tiles.length === 1));
        tile.el.classList.toggle("selected", isSel);
        tile.el.tabIndex = isSel ? 0 : -1;
        const { box, unreached } = tile.marks;
        const other = hover && index === hover.layer && m !== hover.map;
        box.hidden = !region || other;
        box.classList.toggle("hover-cell", Boolean(hover && index === hover.layer));
        if (region) {
          Object.assign(box.style, { top: `${(region.r0 / hh) * 100}%`,
            left: `${(region.c0 / ww) * 100}%`, height: `${((region.r1 - region.r0 + 1) / hh) * 100}%`,
            width: `${((region.c1 - region.c0 + 1) / ww) * 100}%` });
        }
        const isInputOfSel = index === selected.layer - 1;
        unreached.hidden = !(isInputOfSel && (rowsOut.length || colsOut.length));
        const key = unreached.hidden ? "" : `${linesKey}:${tile.inner}`;
        if (key && key !== tile.marks.unreachedKey) {
          paintUnreached(unreached, { rows: rowsOut, cols: colsOut, shape: [hh, ww],
            size: tile.inner, color: COLORS.unreached, scale: window.devicePixelRatio || 1,
            minPx: LAYOUT.unreachedMinPx });
        }
        tile.marks.unreachedKey = key;
      }
    });
  }

  return { draw, mark };
}
