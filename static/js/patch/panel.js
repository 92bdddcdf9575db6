/**
 * The sliding-patch animation panel: one feature map of one conv layer of the pyramid,
 * computed window by window over the exact input, with every number shown.
 *
 * Mounted by the page: `createPatchPanel(root, {api, store})`. Reads `state.pyramid` (the
 * decoded /api/pyramid response with its `request`) and owns `state.anim`
 * (`{layer, map, step, flip, speed, playing, ch, region, paint}`; the URL's `step`, `autoplay`,
 * `speed` and `region` parameters are applied over it once, see anim-params.js). Exact float32 tensors come from
 * `api.fetchTensor(request, layer, maps)`: the layer's input (layer - 1, all channels) and the
 * animated output map, used to cross-check the arithmetic done here.
 */

import { createColormaps } from "../colormap.js";
import { storeSlice } from "../store-slice.js";
import { createGifExport } from "../exports/gif-options.js";
import { matchesEngine, windowArithmetic } from "./arithmetic.js";
import { animatableLayers, normaliseAnim } from "./anim-state.js";
import { animParams, withoutAnimParams } from "./anim-params.js";
import { createBrushBar } from "./brush.js";
import { paintSpeed } from "./paint-mode.js";
import { defaultRegion, regionArray, stepView } from "./region.js";
import { createNumbersPanel } from "./numbers.js";
import { fillPickers } from "./pickers.js";
import { assembleScene } from "./assemble.js";
import { NUMBERS_MAX_HZ } from "./config.js";
import { createPlayer } from "./player.js";
import { tensorKey } from "./scene.js";
import { createTransport } from "./transport.js";
import { createStage } from "./stage.js";
import { clampStep } from "./windows.js";

/** Wait after the last pyramid change before fetching tensors (the user may still be editing). */
const FETCH_DEBOUNCE_MS = 250;
/** Start fetching the exact tensors when the panel is this close to the viewport. */
const PRELOAD_MARGIN = "300px 0px";
/** A failed fetch of the exact values (not a 4xx) is tried again, after 1 s, 2 s, 3 s. */
const LOAD_RETRIES = 3;
const LOAD_RETRY_MS = 1000;
/** A region's views never shrink below this (CSS px), even in a very narrow embed. */
const REGION_MIN_PX = 240;

const TEMPLATE = `
  <h2>The sliding patch: one feature map, window by window</h2>
  <p class="patch-intro">What deep learning calls “convolution” is
    <strong>cross-correlation</strong>: the kernel slides over the input as it is, and each
    output cell is the sum of input × weight under the window, over every input channel, plus
    the bias. The mathematical convolution first rotates the kernel by 180°; tick the box to
    see what changes.</p>
  <div class="patch-pickers">
    <label>Animated layer <select data-role="layer"></select></label>
    <label>Feature map <select data-role="map"></select></label>
    <label>Input channel shown <select data-role="shown"></select></label>
    <label class="patch-flip"><input type="checkbox" data-role="flip">
      Flip the kernel (true convolution)</label>
  </div>
  <p class="patch-status" role="status" data-role="status"></p>
  <div class="patch-stage" data-role="stage" tabindex="0" role="application"
    aria-roledescription="animated figure" aria-describedby="patch-keys"
    aria-label="Sliding window figure. Space plays or pauses, arrow keys step, Home and End jump">
  </div>
  <div data-role="transport"></div>
  <div data-role="brush"></div>
  <p class="patch-paint-note" data-role="paint-note" hidden>Painting row by row: the arithmetic
    waits. Pause (Space) or step to see the numbers of the cell reached.</p>
  <div class="patch-export" data-role="export"></div>
  <div data-role="numbers"></div>`;

/**
 * Mount the panel in `root`.
 *
 * @param {HTMLElement} root a `<section id="patch-panel">`.
 * @param {{api: {fetchTensor: Function, exportFile?: Function}, store: {getState: Function,
 *   setState: Function, subscribe: Function}, controls?: 'on'|'locked'|'hidden',
 *   exports?: boolean}} deps `controls` (embed view): the pickers (layer, map, channel,
 *   flip) usable, shown but disabled, or not rendered; playback always works. `exports`
 *   adds the "Download as GIF" button.
 * @returns {{destroy: () => void}}
 */
export function createPatchPanel(root, { api, store, controls = "on", exports = true,
  search = window.location.search }) {
  root.classList.add("patch-panel");
  root.innerHTML = TEMPLATE;
  const q = (role) => root.querySelector(`[data-role="${role}"]`);
  const pick = { layer: q("layer"), map: q("map"), shown: q("shown"), flip: q("flip") };
  if (controls === "hidden") root.querySelector(".patch-pickers").remove();
  if (controls === "locked") Object.values(pick).forEach((el) => { el.disabled = true; });
  const status = q("status");
  const colormaps = createColormaps();
  const reducedMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
  const stage = createStage(q("stage"), { onPickCell: (local) => seekLocal(local) });
  const numbers = createNumbersPanel(q("numbers"));

  const slice = storeSlice(store, "anim", {
    // changed from outside (history navigation, a shared link)
    onOutsideChange: (value, state) => {
      anim = normaliseAnim(value, { header: state.pyramid?.header });
      player.pause();
      scheduleLoad(0);
    },
  });
  const asked = animParams(search);
  let anim = normaliseAnim({ ...slice.read(), ...asked });
  let view = stepView(null, [0, 0]); // the steps the transport walks: the map or its region
  let scene = null; // sceneOf(...) + tensors + images for the current (layer, map, flip)
  let tensors = { inputKey: "", input: null, outputKey: "", output: null };
  let loadToken = 0;
  let failures = { key: "", count: 0 }; // failed fetches of the same tensors in a row
  let numbersAt = -Infinity;
  let debounce = 0;
  // Exact tensors are megabytes: fetch them only while the panel can be seen.
  let visible = typeof IntersectionObserver === "undefined";
  let autoplay = !reducedMotion && Boolean(anim.playing);

  const player = createPlayer({
    getCount: () => (scene ? view.count : 0),
    getSpeed: () => (anim.paint ? paintSpeed(view.count) : anim.speed),
    onFrame: (local) => { anim = { ...anim, step: view.toStep(local) }; draw({ live: true }); },
    onPlayingChange: (playing) => {
      const { paint, ...rest } = anim;
      anim = { ...rest, playing: playing ? 1 : 0, step: view.toStep(player.step()),
        ...(playing && paint ? { paint } : {}) };
      commit();
      draw();
    },
  });

  const transport = createTransport(q("transport"), {
    keyRoot: root,
    idPrefix: "patch",
    onToggle: () => (player.isPlaying() ? player.pause() : player.play()),
    onSeek: (local) => seekLocal(local),
    onStepBy: (delta) => seekLocal(view.toLocal(anim.step) + delta),
    onSpeed: (speed) => { anim = { ...anim, speed }; commit(); },
    rowLength: () => view.rowLength,
  });
  const brush = createBrushBar(q("brush"), {
    locked: controls !== "on",
    overviewHost: q("stage"),
    onPaint: () => {
      if (anim.paint && player.isPlaying()) { player.pause(); return; }
      anim = { ...anim, paint: 1 };
      player.seek(0);
      player.play();
    },
    onZoom: (side) => setRegion(scene && defaultRegion(scene.flippedMap ?? scene.engineMap,
      scene.outShape, { side })),
    onRegion: (region) => setRegion(region),
  });
  const gif = exports && api.exportFile ? createGifExport(q("export"), { api, idPrefix: "patch",
    read: () => ({ request: store.getState().pyramid.request, anim, count: scene?.count ?? 0 }),
  }) : null;
  if (!gif) q("export").remove();

  /** Write `anim` to the store (the page puts it in the URL). */
  function commit() {
    slice.write({ ...anim });
  }

  /** Go to the `local`-th step of the view (the map's, or the region's, raster order). */
  function seekLocal(local) {
    player.pause();
    const k = clampStep(local, view.count);
    anim = { ...anim, step: view.toStep(k) };
    player.seek(k);
    draw();
    commit();
  }

  /** Animate `region` only (null: the whole map); the step moves into it. */
  function setRegion(region) {
    player.pause();
    const { region: old, ...rest } = anim;
    anim = normaliseAnim(region ? { ...rest, region: regionArray(region) } : rest,
      { header: store.getState().pyramid?.header });
    commit();
    load();
  }

  function setStatus(text) {
    if (status.textContent !== text) status.textContent = text;
  }

  function updateTransport() {
    const painting = Boolean(anim.paint) && player.isPlaying();
    transport.update({ step: view.toLocal(anim.step), count: scene ? view.count : 0,
      playing: player.isPlaying() && !painting, speed: anim.speed });
    brush.update({ overview: scene?.overview ?? null, outShape: scene?.outShape ?? [0, 0],
      region: scene?.region ?? null, step: anim.step, painting, ready: Boolean(scene?.ready) });
    root.classList.toggle("is-painting", painting);
    q("paint-note").hidden = !painting;
    gif?.update({ ready: Boolean(scene?.ready), region: Boolean(scene?.region),
      count: scene?.count ?? 0 });
  }

  /** Draw the current step: pure function of (scene, anim.step). */
  function draw({ live = false } = {}) {
    updateTransport();
    if (!scene?.ready) return;
    const step = clampStep(anim.step, scene.count);
    stage.drawStep(view.toLocal(step));
    const probe = window.__convscopePatch;
    if (probe) probe.step = step;
    // Painting: the figure only; the arithmetic waits for a pause (shown at the step reached).
    if (anim.paint && player.isPlaying()) return;
    // Nobody reads numbers that change 60 times a second: while playing fast, refresh the
    // table at NUMBERS_MAX_HZ and spend the frame on the figure (pausing shows the exact step).
    const now = performance.now();
    if (live && now - numbersAt < 1000 / NUMBERS_MAX_HZ) return;
    numbersAt = now;
    const arith = windowArithmetic({ input: scene.input, kernel: scene.kernel, bias: scene.bias,
      geometry: scene.geometry, step, activation: scene.activation.name,
      slope: scene.activation.slope });
    const engine = scene.engineMap[step];
    const terms = scene.kernel.length;
    numbers.update({
      arith, step, count: scene.count, channelNames: scene.names, shown: anim.ch ?? -1,
      activationLabel: scene.activation.label, engine,
      matches: matchesEngine(arith.output, engine, { magnitude: arith.magnitude, terms }),
      flip: Boolean(anim.flip), other: engine, kernel: scene.geometry.kernel,
    });
  }

  /** Build the scene for the current anim from the loaded tensors, and draw it. */
  function rebuild() {
    const { pyramid } = store.getState();
    if (!pyramid || !tensors.input || !tensors.output) return;
    // A region's views fill at most the room the stage has (a phone is narrower than 480 px).
    const built = assembleScene({ pyramid, anim, tensors, colormaps,
      regionPx: Math.max(q("stage").clientWidth - 4, REGION_MIN_PX) });
    scene = { ...built.scene, overview: built.overview };
    view = stepView(scene.region, scene.outShape);
    stage.setScene(built.stage);
    q("stage").classList.toggle("is-region", Boolean(scene.region));
    const step = view.toStep(view.toLocal(clampStep(anim.step, scene.count)));
    anim = { ...anim, step };
    player.seek(view.toLocal(step));
    const stored = slice.read();
    if (stored && stored.step !== step && !player.isPlaying()) commit(); // the URL says it
    setStatus("");
    draw();
    if (autoplay) {
      autoplay = false;
      player.play();
    }
  }

  /** Fetch the tensors the current anim needs (cached by the request up to the layer). */
  async function load() {
    const { pyramid } = store.getState();
    if (!pyramid) return;
    const layers = animatableLayers(pyramid.header);
    if (!layers.length) {
      scene = null;
      stage.clear();
      setStatus("Add a convolution layer to the stack to animate it.");
      updateTransport();
      return;
    }
    anim = normaliseAnim(anim, { header: pyramid.header });
    // the pickers say which map is animated before the (megabytes of) values are fetched
    fillPickers(pick, pyramid.header, anim);
    if (!visible) return;
    const inputKey = tensorKey(pyramid.request, anim.layer - 1);
    const outputKey = `${tensorKey(pyramid.request, anim.layer)}#${anim.map}`;
    if (inputKey === tensors.inputKey && outputKey === tensors.outputKey) {
      rebuild();
      return;
    }
    const token = ++loadToken;
    setStatus("Loading the exact values of this layer…");
    try {
      const [input, output] = await Promise.all([
        inputKey === tensors.inputKey ? tensors.input
          : api.fetchTensor(pyramid.request, anim.layer - 1, null),
        api.fetchTensor(pyramid.request, anim.layer, [anim.map]),
      ]);
      if (token !== loadToken) return;
      tensors = { inputKey, input, outputKey, output };
      failures = { key: "", count: 0 };
      rebuild();
    } catch (err) {
      if (token !== loadToken || err?.name === "AbortError") return;
      // a dropped connection or a server error may pass; a 4xx names a real problem
      const key = `${inputKey}|${outputKey}`;
      failures = failures.key === key ? failures : { key, count: 0 };
      const retry = !(err?.status >= 400 && err?.status < 500) && failures.count < LOAD_RETRIES;
      failures.count += 1;
      setStatus(`Could not load the exact values: ${err?.message ?? err}${
        retry ? ". Trying again…" : ""}`);
      if (retry) scheduleLoad(LOAD_RETRY_MS * failures.count);
    }
  }

  function scheduleLoad(delay = FETCH_DEBOUNCE_MS) {
    clearTimeout(debounce);
    debounce = setTimeout(load, delay);
  }

  const onPick = (event) => {
    const role = event.target.dataset.role;
    player.pause();
    if (role === "layer") {
      const { ch, region, ...rest } = anim;
      anim = { ...rest, layer: Number(pick.layer.value), map: 0, step: 0 };
    }
    if (role === "map") anim = { ...anim, map: Number(pick.map.value) };
    if (role === "flip") anim = { ...anim, flip: pick.flip.checked ? 1 : 0 };
    if (role === "shown") anim = { ...anim, ch: Number(pick.shown.value) };
    commit();
    load();
  };
  root.querySelector(".patch-pickers")?.addEventListener("change", onPick);

  const unsubscribe = store.subscribe((state, previous) => {
    if (state.pyramid !== previous.pyramid) scheduleLoad();
  });

  const observer = typeof IntersectionObserver === "undefined" ? null
    : new IntersectionObserver((entries) => {
      const now = entries.some((e) => e.isIntersecting);
      if (now && !visible) { visible = true; scheduleLoad(0); }
      if (!now) visible = false;
    }, { rootMargin: PRELOAD_MARGIN });
  observer?.observe(root);

  const probe = {
    get frameTimes() { return player.log.frames(); },
    get workTimes() { return player.log.works(); },
    get playing() { return player.isPlaying(); },
    get steps() { return scene?.count ?? 0; },
    get viewSteps() { return scene ? view.count : 0; },
    get region() { return scene?.region ?? null; },
    get painting() { return Boolean(anim.paint) && player.isPlaying(); },
    step: anim.step,
    clear() { player.log.clear(); },
  };
  window.__convscopePatch = probe;
  if (Object.keys(asked).length) {
    commit();
    // On the page the state (`s=`) carries them from now on; an embed keeps its URL as set.
    if (!document.body.classList.contains("embed")) {
      window.history.replaceState(window.history.state, "",
        `${window.location.pathname}${withoutAnimParams(window.location.search)}${
          window.location.hash}`);
    }
  }
  updateTransport();
  scheduleLoad(0);

  return {
    destroy() {
      loadToken += 1;
      clearTimeout(debounce);
      player.destroy();
      unsubscribe();
      slice.destroy();
      observer?.disconnect();
      transport.destroy();
      brush.destroy();
      numbers.destroy();
      stage.destroy();
      if (window.__convscopePatch === probe) delete window.__convscopePatch;
      root.innerHTML = "";
    },
  };
}
