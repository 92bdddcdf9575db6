/**
 * Wiring of the page: the store, the API client, the fetch pipeline and the views.
 *
 * For tests and benchmarks: `window.__convscope = {lastRenderMs, lastUpdateMs, lastFetchMs,
 * lastUploadMs, lastDrawnAt, renderCount, bytesLastUpdate, store, api}` (lastUpdateMs = from
 * the control change to every map redrawn; lastRenderMs = drawing only; lastDrawnAt = the
 * performance.now() of the last full redraw), `#pyramid[data-render-count]`
 * grows by one on every full redraw and `#pyramid[data-status]` is "ready" once the drawn
 * pyramid is the one the current settings ask for ("loading", "invalid", "error" otherwise).
 * The patch panel (`./patch/panel.js`, createPatchPanel) and the grid mode (`./grid/grid.js`,
 * createGridMode) are mounted into #patch-panel and #grid-mode when present. On the embed
 * view (`body.embed`, ./embed/page.js) only the piece its URL asks for is mounted, and it
 * talks to its host page; `#pyramid` may then be absent, and `data-status` is on
 * `#embed-root` too.
 * @module main
 */

import { createApi } from "./api.js";
import { createColormaps, formatValue } from "./colormap.js";
import { PREVIEW_MAX_DPR, PREVIEW_SIDE, TIMING } from "./config.js";
import { setText } from "./dom.js";
import { createDigitsView } from "./digits/view.js";
import { createStackEditor } from "./editor/stack-editor.js";
import { prepareEmbed } from "./embed/page.js";
import { scrollToHashWhenRendered } from "./hash-scroll.js";
import { animAtCell } from "./how-computed.js";
import { createImageInput, readSamples } from "./input.js";
import { initialConfig, persistConfig } from "./persist.js";
import { createPipeline } from "./pipeline.js";
import { describeLayers } from "./render/labels.js";
import { renderGeometry } from "./render/geometry.js";
import { createInspector } from "./render/inspector.js";
import { previewSides } from "./render/layout.js";
import { pyramidSummary } from "./render/pyramid-why.js";
import { createPyramidView } from "./render/pyramid.js";
import { blockLayout, blockOfLayer, checkState } from "./request.js";
import { createStore, defaultConfig, stateToSearch } from "./state.js";
import { createPatientFetch, createTensorCache } from "./tensors.js";

/** Wire a top-bar button to its module; the button is hidden if the module fails. */
async function mountTool(path, exportName, button, deps) {
  if (!button) return;
  try {
    (await import(path))[exportName](button, deps);
  } catch (err) {
    console.warn(`${path} not wired:`, err);
    button.hidden = true;
  }
}

async function mountOptional(path, exportName, root, deps) {
  if (!root) return;
  try {
    const module = await import(path);
    module[exportName](root, deps);
  } catch (err) {
    console.warn(`${path} not mounted:`, err); // the rest of the page works without it
    root.hidden = true;
  }
}

/**
 * The hovered cell's value: exact once its map's float32 values are here, else the preview's;
 * `exactOf(layer, map)` gives them if here and asks for them if the pointer rests there.
 */
function hoverValue(state, exactOf) {
  const { hover, pyramid } = state;
  if (!hover || !pyramid) return null;
  const layer = pyramid.header.layers[hover.layer];
  const [, hh, ww] = layer.shape;
  const exact = exactOf(hover.layer, hover.map);
  if (exact) return { value: exact[hover.i * ww + hover.j], exact: true };
  const f = layer.factor ?? 1;
  const [, pw] = layer.preview_shape;
  const q = pyramid.maps[hover.layer][hover.map][Math.floor(hover.i / f) * pw + Math.floor(hover.j / f)];
  const { min, max } = layer.maps[hover.map];
  return { value: min + (q * (max - min)) / 255, exact: false, rows: hh };
}

function statusText(state, perf, { timings = true } = {}) {
  if (state.status === "loading") return "Computing…";
  if (state.status === "blank") return "Nothing drawn yet.";
  if (state.status === "invalid") return "This stack cannot run: see the message in red.";
  if (state.status === "error") return `The server said no: ${state.error?.message ?? ""}`;
  const p = state.pyramid;
  if (!p || !timings) return "";
  return `server ${formatValue(p.header.elapsed_ms)} ms · ${(p.bytes / 1024).toFixed(0)} kB · `
    + `drawn ${perf.lastRenderMs.toFixed(0)} ms`;
}

/**
 * The page's shared pieces: the document, the embed (or null), the timings, the store, the
 * API client, the colormaps and the frame scheduler (`schedule()` asks for one `render` per
 * frame).
 */
function createContext() {
  const doc = document;
  const embed = doc.body.classList.contains("embed") ? prepareEmbed(doc, window) : null;
  const perf = { lastRenderMs: 0, lastUpdateMs: 0, lastFetchMs: 0, lastUploadMs: 0,
    lastDrawnAt: 0, renderCount: 0, bytesLastUpdate: 0 };
  const opening = initialConfig(window, { storage: !embed });
  const store = createStore({ ...(embed ? embed.config(opening) : opening),
    samples: readSamples(doc), models: null, pyramid: null, status: "loading", error: null,
    hover: null });
  const api = createApi({ onImageReplaced: (oldId, meta) => store.update((s) => (
    s.image.id === oldId ? { ...s, image: { ...s.image, ...meta, id: meta.id } } : s)) });
  window.__convscope = Object.assign(perf, { store, api });
  const colormaps = createColormaps();
  const frame = { id: 0, width: 600, drawn: null };
  const ctx = { doc, embed, perf, store, api, colormaps, frame, render: () => {},
    pyramidRoot: doc.getElementById("pyramid") };
  ctx.schedule = () => { if (!frame.id) frame.id = requestAnimationFrame(() => ctx.render()); };
  return ctx;
}

/** The exact values under the pointer and of the enlarged map, fetched when they hold still. */
function createExactFetchers({ store, perf, api, schedule }) {
  const tensors = createTensorCache({ api, onReady: schedule });
  const hoverFetch = createPatientFetch(tensors);
  const hoverExact = (request) => (layer, map) => hoverFetch(request, layer, map, {
    delayMs: TIMING.hoverFetchDelayMs,
    still: () => store.getState().hover?.layer === layer && store.getState().hover?.map === map,
  });
  // The enlarged map's exact values (a whole map at full size: 1 MB for 512 x 512) wait until
  // the pyramid holds still, so a burst of changes (a held arrow key) does not fetch and paint
  // them for every pyramid it passes through, competing with the next pyramid for the CPU
  // and the network; meanwhile the inspector keeps the map's last exact picture.
  // Nor before the reader has done anything at all: a page opened and left alone (a class
  // opening it at once) costs no exact values (330 kB gzipped for a 512 x 512 map; issue 17);
  // the first pointer move, touch, key or wheel asks for them, and the preview stands in.
  const engaged = { yes: false };
  const engage = () => {
    if (engaged.yes) return;
    engaged.yes = true;
    schedule();
  };
  for (const type of ["pointermove", "pointerdown", "keydown", "wheel", "touchstart"]) {
    window.addEventListener(type, engage, { once: true, passive: true });
  }
  const selectedFetch = createPatientFetch(tensors);
  const selectedExact = ({ pyramid, selected: { layer, map } }) => {
    if (!engaged.yes || store.getState().status !== "ready") return null;
    const settle = store.getState().image.pixels !== undefined ? TIMING.exactSettleDrawingMs
      : TIMING.exactSettleMs;
    const settled = perf.lastDrawnAt + settle - performance.now();
    return selectedFetch(pyramid.request, layer, map, { delayMs: Math.max(0, settled),
      still: () => {
        const s = store.getState();
        return s.pyramid === pyramid && s.status === "ready" && s.selected.layer === layer
          && s.selected.map === map;
      } });
  };
  return { hoverExact, selectedExact };
}

/** The views: pyramid, inspector, stack editor, image input and digits, with their handlers. */
function createViews({ doc, embed, store, api, colormaps, schedule, pyramidRoot }) {
  const select = (sel) => store.setState({ selected: sel });
  // "Animate this map" (from its first cell), or "How was this number computed?" (cell i, j)
  const animate = ({ layer, map, i = null, j = null }) => {
    const s = store.getState();
    const type = s.pyramid?.header.layers[layer]?.type ?? blockOfLayer(s.layers, layer)?.role;
    if (type !== "conv") return;
    const shape = s.pyramid?.header.layers[layer]?.shape.slice(1);
    const anim = i !== null && shape ? animAtCell(s.anim, { layer, map, i, j, shape })
      : { ...(s.anim ?? {}), layer, map, step: 0, playing: 0 };
    store.setState({ selected: { layer, map }, anim });
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    doc.getElementById("patch-panel")?.scrollIntoView({ behavior: still ? "auto" : "smooth",
      block: "start" });
  };
  const setHover = (hover) => {
    const prev = store.getState().hover;
    if (hover === prev || (hover && prev && hover.layer === prev.layer && hover.map === prev.map
      && hover.i === prev.i && hover.j === prev.j)) return;
    store.setState({ hover });
  };
  const pyramidView = pyramidRoot && createPyramidView(pyramidRoot, { onSelect: select,
    onHover: setHover, onAnimate: animate, canExplain: !embed });
  const inspectorRoot = doc.getElementById("inspector");
  const inspector = inspectorRoot && createInspector(inspectorRoot, { onHover: setHover,
    onAnimate: animate, canAnimate: !embed });
  const editorRoot = doc.getElementById("stack-editor");
  const editor = editorRoot && createStackEditor(editorRoot, { store,
    ...(embed ? { only: embed.editorBlock, tools: false } : {}) });
  const imageInput = createImageInput(doc, { store, api });
  const digits = createDigitsView(doc, { store, api, colormaps, schedule, onAnimate: animate });
  return { pyramidView, inspector, editor, imageInput, digits };
}

/** A server 4xx that names a layer is shown in that layer's fieldset too. */
function serverCheck(state, check) {
  if (check.error || state.status !== "error" || state.error?.layer == null) return check;
  const where = blockOfLayer(state.layers, state.error.layer + 1);
  return { ...check, error: { ...state.error, block: where?.block ?? -1 } };
}

/** The redraw of one frame: every view from the store's state, skipping what is unchanged. */
function createRender(ctx, views, fetchers) {
  const { doc, embed, perf, store, colormaps, frame, pyramidRoot } = ctx;
  const { pyramidView, inspector, editor, imageInput, digits } = views;
  const problem = doc.getElementById("problem");
  const status = doc.getElementById("status");
  const geometryRoot = doc.getElementById("geometry");
  const memo = { checkFor: null, check: null, geoKey: null };

  return function render() {
    frame.id = 0;
    const state = store.getState();
    if (memo.checkFor?.layers !== state.layers || memo.checkFor?.image !== state.image
      || memo.checkFor?.color !== state.color || memo.checkFor?.samples !== state.samples
      || memo.checkFor?.pyramid !== state.pyramid || memo.checkFor?.models !== state.models) {
      memo.check = checkState(state);
      memo.checkFor = state;
    }
    const check = memo.check;
    editor?.sync({ state, check: serverCheck(state, check) });
    digits.sync({ state, check });
    imageInput.sync(state);
    doc.querySelectorAll('input[name="scale"]').forEach((r) => { r.checked = r.value === state.scale; });
    const stale = state.pyramid ? " The maps below are from the last settings that worked." : "";
    const message = check.error
      ? `Layer ${blockLayout(state.layers)[check.error.block]?.conv ?? check.error.block + 1} cannot work: ${check.error.message}.${stale}`
      : state.status === "error" ? `${state.error.message}${stale}` : "";
    problem.hidden = !message;
    setText(problem, message);
    // The pen's maps come back within a frame or two: fading the pyramid out and in for each
    // stroke repainted every tile twice (issue 14's stroke -> redraw budget).
    const drawing = state.image?.pixels !== undefined && state.status === "loading";
    pyramidRoot?.classList.toggle("stale", state.status !== "ready" && !drawing);
    const { pyramid } = state;
    if (pyramid && pyramidView) {
      const only = embed?.onlyLayer(state) ?? null;
      const drawKey = [pyramid, state.scale, frame.width, only];
      if (!frame.drawn || drawKey.some((v, i) => v !== frame.drawn[i])) {
        const t0 = performance.now();
        pyramidView.draw({ pyramid, scaleMode: state.scale, colormaps, width: frame.width,
          only });
        frame.drawn = drawKey;
        perf.lastRenderMs = performance.now() - t0;
        perf.lastDrawnAt = performance.now();
        perf.lastUpdateMs = perf.lastDrawnAt - pyramid.changedAt;
        perf.renderCount += 1;
        pyramidRoot.dataset.renderCount = String(perf.renderCount);
      }
      pyramidView.mark({ selected: state.selected, hover: state.hover });
    }
    if (pyramid) {
      const infos = describeLayers(pyramid.request.layers, pyramid.header.layers);
      const sel = state.selected;
      inspector?.draw({ pyramid, selected: sel, hover: state.hover, scaleMode: state.scale,
        colormaps, exact: fetchers.selectedExact(state),
        hoverValue: hoverValue(state, fetchers.hoverExact(pyramid.request)), infos });
      const geoKey = [pyramid, sel.layer];
      if (geometryRoot && (!memo.geoKey || geoKey.some((v, i) => v !== memo.geoKey[i]))) {
        renderGeometry(geometryRoot, { pyramid, index: sel.layer, infos });
        memo.geoKey = geoKey;
      }
    }
    const why = doc.querySelector('[data-role="pyramid-numbers"]');
    if (why && pyramid) setText(why, pyramidSummary(pyramid.header.layers));
    setText(status, statusText(state, perf, { timings: !embed }));
  };
}

/** `data-status` on #pyramid (and #embed-root) follows the store's status. */
function watchStatus({ doc, store, pyramidRoot }) {
  const statusRoots = [pyramidRoot, doc.getElementById("embed-root")].filter(Boolean);
  const markStatus = (s) => statusRoots.forEach((el) => { el.dataset.status = s.status; });
  store.subscribe(markStatus);
  markStatus(store.getState());
}

/** The fetch pipeline, asking each layer's previews at the size its tiles are drawn. */
function startPipeline({ embed, perf, store, api, frame, pyramidRoot }) {
  // each layer's previews at the size its tiles are drawn (the same layout as the view's)
  const previews = (state, layers) => (layers && pyramidRoot ? previewSides(layers, {
    width: frame.width, oneLayer: embed?.onlyLayer(state) != null,
    dpr: Math.min(window.devicePixelRatio || 1, PREVIEW_MAX_DPR) }) : PREVIEW_SIDE);
  return createPipeline({ store, api, perf, previews });
}

/** Redraw (and re-ask previews of the right size) when the pyramid's width changes. */
function observeWidth({ frame, schedule, pyramidRoot }, pipeline) {
  if (!pyramidRoot) return;
  new ResizeObserver((entries) => {
    const width = Math.round(entries[0].contentRect.width);
    if (Math.abs(width - frame.width) >= 8) {
      frame.width = width;
      schedule();
      pipeline.recheck();
    }
  }).observe(pyramidRoot);
  frame.width = pyramidRoot.clientWidth || frame.width;
}

/** The page's own controls: scale, reset, share link, and Escape to drop the hover. */
function bindControls({ doc, store }) {
  doc.querySelectorAll('input[name="scale"]').forEach((r) => r.addEventListener("change",
    () => store.setState({ scale: r.value })));
  doc.getElementById("reset")?.addEventListener("click",
    () => store.setState({ ...defaultConfig(), mode: "photos" }));
  doc.getElementById("share")?.addEventListener("click", async (ev) => {
    const url = new URL(stateToSearch(window.location.search, store.getState()), window.location.href);
    try {
      await navigator.clipboard.writeText(url.href);
      ev.target.textContent = "Link copied";
    } catch {
      window.prompt("Copy this link:", url.href);
    }
    setTimeout(() => { ev.target.textContent = "Copy link"; }, 1500);
  });
  doc.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && store.getState().hover) store.setState({ hover: null });
  });
}

/** The gallery's samples and the trained networks, asked once. */
function fetchLists({ store, api }) {
  api.fetchSamples().then((list) => store.setState({ samples: list })).catch(() => {});
  api.fetchModels().then((list) => store.setState({ models: list }))
    .catch(() => store.setState({ models: [] }));
}

/** The panels and tools loaded on demand, where the page has a place for them. */
function mountPanels({ doc, embed, store, api }) {
  mountOptional("./patch/panel.js", "createPatchPanel", doc.getElementById("patch-panel"),
    { api, store, ...(embed ? { controls: embed.options.controls, exports: false } : {}) });
  mountOptional("./grid/grid.js", "createGridMode", doc.getElementById("grid-mode"),
    { api, store, ...(embed ? { controls: embed.options.controls, exports: false } : {}) });
  mountOptional("./exports/panel.js", "createExportPanel", doc.getElementById("exports"),
    { api, store });
  mountTool("./exports/pytorch.js", "createPytorchExport", doc.getElementById("pytorch"),
    { api, store, doc });
  mountTool("./embed/dialog.js", "createEmbedDialog", doc.getElementById("embed-button"),
    { store, doc, win: window });
}

function start() {
  const ctx = createContext();
  const { embed, store } = ctx;
  const fetchers = createExactFetchers(ctx);
  const views = createViews(ctx);
  ctx.render = createRender(ctx, views, fetchers);
  store.subscribe(ctx.schedule);
  watchStatus(ctx);
  persistConfig(store, window, { storage: !embed });
  const pipeline = startPipeline(ctx);
  observeWidth(ctx, pipeline);
  bindControls(ctx);
  fetchLists(ctx);
  pipeline.schedule();
  ctx.schedule();
  mountPanels(ctx);
  embed?.connect({ store });
  if (!embed) scrollToHashWhenRendered({ doc: ctx.doc, win: window, store });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
