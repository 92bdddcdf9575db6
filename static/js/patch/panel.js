/**
 * The sliding-patch animation panel: one feature map of one conv layer of the pyramid,
 * computed window by window over the exact input, with every number shown.
 *
 * Mounted by the page: `createPatchPanel(root, {api, store})`. Reads `state.pyramid` (the
 * decoded /api/pyramid response with its `request`) and owns `state.anim`
 * (`{layer, map, step, flip, speed, playing, ch}`). Exact float32 tensors come from
 * `api.fetchTensor(request, layer, maps)`: the layer's input (layer - 1, all channels) and the
 * animated output map, used to cross-check the arithmetic done here.
 */

import { createColormaps } from '../colormap.js';
import { exportButton, exportStatus } from '../exports/action.js';
import { gifExportBody } from '../exports/bodies.js';
import { matchesEngine, windowArithmetic } from './arithmetic.js';
import { animatableLayers, normaliseAnim } from './anim-state.js';
import { createNumbersPanel } from './numbers.js';
import { fillPickers } from './pickers.js';
import { assembleScene } from './assemble.js';
import { NUMBERS_MAX_HZ } from './config.js';
import { createPlayer } from './player.js';
import { tensorKey } from './scene.js';
import { createTransport } from './transport.js';
import { createStage } from './stage.js';
import { clampStep } from './windows.js';

/** Wait after the last pyramid change before fetching tensors (the user may still be editing). */
const FETCH_DEBOUNCE_MS = 250;
/** Start fetching the exact tensors when the panel is this close to the viewport. */
const PRELOAD_MARGIN = '300px 0px';
/** A failed fetch of the exact values (not a 4xx) is tried again, after 1 s, 2 s, 3 s. */
const LOAD_RETRIES = 3;
const LOAD_RETRY_MS = 1000;

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
export function createPatchPanel(root, { api, store, controls = 'on', exports = true }) {
  root.classList.add('patch-panel');
  root.innerHTML = TEMPLATE;
  const q = (role) => root.querySelector(`[data-role="${role}"]`);
  const pick = { layer: q('layer'), map: q('map'), shown: q('shown'), flip: q('flip') };
  if (controls === 'hidden') root.querySelector('.patch-pickers').remove();
  if (controls === 'locked') Object.values(pick).forEach((el) => { el.disabled = true; });
  const status = q('status');
  const colormaps = createColormaps();
  const reducedMotion = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
  const stage = createStage(q('stage'), { onPickCell: (step) => seek(step) });
  const numbers = createNumbersPanel(q('numbers'));

  let anim = normaliseAnim(store.getState().anim);
  let written = store.getState().anim;
  let scene = null; // sceneOf(...) + tensors + images for the current (layer, map, flip)
  let tensors = { inputKey: '', input: null, outputKey: '', output: null };
  let loadToken = 0;
  let failures = { key: '', count: 0 }; // failed fetches of the same tensors in a row
  let numbersAt = -Infinity;
  let debounce = 0;
  // Exact tensors are megabytes: fetch them only while the panel can be seen.
  let visible = typeof IntersectionObserver === 'undefined';
  let autoplay = !reducedMotion && Boolean(anim.playing);

  const player = createPlayer({
    getCount: () => scene?.count ?? 0,
    getSpeed: () => anim.speed,
    onFrame: (step) => { anim = { ...anim, step }; draw({ live: true }); },
    onPlayingChange: (playing) => {
      anim = { ...anim, playing: playing ? 1 : 0, step: player.step() };
      commit();
      draw();
    },
  });

  const transport = createTransport(q('transport'), {
    keyRoot: root,
    idPrefix: 'patch',
    onToggle: () => (player.isPlaying() ? player.pause() : player.play()),
    onSeek: (step) => seek(step),
    onStepBy: (delta) => seek(anim.step + delta),
    onSpeed: (speed) => { anim = { ...anim, speed }; commit(); },
    rowLength: () => scene?.outShape[1] ?? 1,
  });
  const gifButton = exports && api.exportFile ? exportButton({
    text: 'Download as GIF',
    title: 'An animated GIF of this window sliding over the input, drawn by the server as '
      + 'PyTorch computes it (cross-correlation), for slides',
    busyText: 'Drawing the GIF on the server…',
    status: q('export').appendChild(exportStatus()),
    run: () => api.exportFile('gif', gifExportBody(store.getState().pyramid.request, anim)),
  }) : null;
  if (gifButton) q('export').prepend(gifButton);
  else q('export').remove();

  /** Write `anim` to the store (the page puts it in the URL). */
  function commit() {
    written = { ...anim };
    store.setState({ anim: written });
  }

  function seek(step) {
    player.pause();
    anim = { ...anim, step: clampStep(step, scene?.count ?? 0) };
    player.seek(anim.step);
    draw();
    commit();
  }

  function setStatus(text) {
    if (status.textContent !== text) status.textContent = text;
  }

  function updateTransport() {
    transport.update({ step: anim.step, count: scene?.count ?? 0,
      playing: player.isPlaying(), speed: anim.speed });
    if (gifButton) gifButton.disabled = !scene?.ready;
  }

  /** Draw the current step: pure function of (scene, anim.step). */
  function draw({ live = false } = {}) {
    updateTransport();
    if (!scene?.ready) return;
    const step = clampStep(anim.step, scene.count);
    stage.drawStep(step);
    const probe = window.__convscopePatch;
    if (probe) probe.step = step;
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
    const built = assembleScene({ pyramid, anim, tensors, colormaps });
    scene = built.scene;
    stage.setScene(built.stage);
    anim = { ...anim, step: clampStep(anim.step, scene.count) };
    player.seek(anim.step);
    setStatus('');
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
      setStatus('Add a convolution layer to the stack to animate it.');
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
    setStatus('Loading the exact values of this layer…');
    try {
      const [input, output] = await Promise.all([
        inputKey === tensors.inputKey ? tensors.input
          : api.fetchTensor(pyramid.request, anim.layer - 1, null),
        api.fetchTensor(pyramid.request, anim.layer, [anim.map]),
      ]);
      if (token !== loadToken) return;
      tensors = { inputKey, input, outputKey, output };
      failures = { key: '', count: 0 };
      rebuild();
    } catch (err) {
      if (token !== loadToken || err?.name === 'AbortError') return;
      // a dropped connection or a server error may pass; a 4xx names a real problem
      const key = `${inputKey}|${outputKey}`;
      failures = failures.key === key ? failures : { key, count: 0 };
      const retry = !(err?.status >= 400 && err?.status < 500) && failures.count < LOAD_RETRIES;
      failures.count += 1;
      setStatus(`Could not load the exact values: ${err?.message ?? err}${
        retry ? '. Trying again…' : ''}`);
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
    if (role === 'layer') {
      const { ch, ...rest } = anim;
      anim = { ...rest, layer: Number(pick.layer.value), map: 0, step: 0 };
    }
    if (role === 'map') anim = { ...anim, map: Number(pick.map.value) };
    if (role === 'flip') anim = { ...anim, flip: pick.flip.checked ? 1 : 0 };
    if (role === 'shown') anim = { ...anim, ch: Number(pick.shown.value) };
    commit();
    load();
  };
  root.querySelector('.patch-pickers')?.addEventListener('change', onPick);

  const unsubscribe = store.subscribe((state, previous) => {
    if (state.anim !== written && state.anim !== previous.anim) {
      // Changed from outside (history navigation, a shared link).
      anim = normaliseAnim(state.anim, { header: state.pyramid?.header });
      written = state.anim;
      player.pause();
      scheduleLoad(0);
    }
    if (state.pyramid !== previous.pyramid) scheduleLoad();
  });

  const observer = typeof IntersectionObserver === 'undefined' ? null
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
    step: anim.step,
    clear() { player.log.clear(); },
  };
  window.__convscopePatch = probe;
  updateTransport();
  scheduleLoad(0);

  return {
    destroy() {
      loadToken += 1;
      clearTimeout(debounce);
      player.destroy();
      unsubscribe();
      observer?.disconnect();
      transport.destroy();
      numbers.destroy();
      stage.destroy();
      if (window.__convscopePatch === probe) delete window.__convscopePatch;
      root.innerHTML = '';
    },
  };
}
