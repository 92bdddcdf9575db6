/**
 * Grid mode: a small typed input and kernel, drawn like the figures of "A guide to
 * convolution arithmetic", animated window by window with the same arithmetic as the photo
 * panel. The output values come from the server (`POST /api/convolve` through
 * `api.convolve`); the arithmetic done here is checked against them cell by cell.
 *
 * Mounted by the page: `createGridMode(root, {api, store})`. Owns `state.grid` (compact, see
 * model.js).
 */

import { exportButton, exportStatus } from "../exports/action.js";
import { storeSlice } from "../store-slice.js";
import { gridGifExportBody } from "../exports/bodies.js";
import { correlateMap, flipKernel, matchesEngine, windowArithmetic } from "../patch/arithmetic.js";
import { createNumbersPanel } from "../patch/numbers.js";
import { createPlayer } from "../patch/player.js";
import { createTransport } from "../patch/transport.js";
import { unreachedSentence } from "../render/unreached.js";
import { clampStep, outputShape, unreachedLines, windowSpan } from "../patch/windows.js";
import { createGridEditor } from "./editor.js";
import { createGridFigure } from "./figure.js";
import { compactGrid, convolveRequest, formulaLines, gridGeometry, normaliseGrid }
  from "./model.js";

/** Wait after the last edit before asking the server. */
const SERVER_DEBOUNCE_MS = 150;

const TEMPLATE = `
  <h2>Grid mode: stride, padding and dilation on a small grid</h2>
  <p class="grid-intro">Type a small input and kernel, then watch the window slide. Blue cells
    are the input, dashed cells the zero padding, the dark cells the kernel's taps with their
    weights, green cells the output. Learn stride, padding and dilation here before applying
    them to a photo.</p>
  <div data-role="controls"></div>
  <div class="grid-formulas" data-role="formulas" aria-live="polite"></div>
  <div class="grid-stage" data-role="stage" tabindex="0" role="application"
    aria-roledescription="animated figure" aria-describedby="grid-keys"
    aria-label="Grid figure. Space plays or pauses, arrow keys step, Home and End jump"></div>
  <p data-role="server" aria-live="polite"></p>
  <div data-role="transport"></div>
  <div class="patch-export" data-role="export"></div>
  <div data-role="numbers"></div>
  <div data-role="cells"></div>`;

/** The embed's `controls=locked|hidden`: disable (or remove) the grid's settings. */
function pinControls(root, controls, parts) {
  if (controls === "hidden") parts.forEach((el) => el.remove());
  if (controls !== "locked") return;
  root.classList.add("locked");
  for (const el of parts) {
    el.querySelectorAll("input, select, button, textarea").forEach((c) => { c.disabled = true; });
  }
}

/**
 * Mount grid mode in `root`.
 *
 * @param {HTMLElement} root
 * @param {{api: {convolve?: (body: object) => Promise<object>}, store: object,
 *   controls?: 'on'|'locked'|'hidden', exports?: boolean}} deps `controls` (embed view): the
 *   input, kernel and settings usable, shown but disabled, or not rendered (playback always
 *   works); `exports: false` leaves out "Download as GIF"
 * @returns {{destroy: () => void}}
 */
export function createGridMode(root, { api, store, controls = "on", exports = true }) {
  root.classList.add("grid-mode");
  root.innerHTML = TEMPLATE;
  const q = (role) => root.querySelector(`[data-role="${role}"]`);
  const slice = storeSlice(store, "grid", {
    onOutsideChange: (value) => {
      grid = normaliseGrid(value);
      flipBox.querySelector("input").checked = Boolean(grid.flip);
      player.pause();
      rebuild();
    },
  });
  let grid = normaliseGrid(slice.read());
  let shown = 0;
  let model = null; // {geometry, count, outShape, jsMap, server: Float32Array|null, serverError}
  let serverToken = 0;
  let debounce = 0;

  const player = createPlayer({
    getCount: () => model?.count ?? 0,
    getSpeed: () => grid.speed,
    onFrame: (step) => { grid = { ...grid, step }; draw(); },
    onPlayingChange: (playing) => {
      grid = { ...grid, step: player.step() };
      if (!playing) commit();
      updateTransport();
    },
  });
  const figure = createGridFigure(q("stage"), { onPickCell: (step) => seek(step) });
  if (api.exportFile && exports) {
    const exportRoot = q("export");
    const status = exportStatus();
    exportRoot.append(exportButton({
      text: "Download as GIF",
      title: "An animated GIF of this figure, drawn by the server, for slides",
      busyText: "Drawing the GIF on the server…",
      status,
      run: () => api.exportFile("gif/grid", gridGifExportBody(convolveRequest(grid.flip
        ? { ...grid, k: Array.from(flipKernel(Float32Array.from(grid.k),
          { channels: grid.c, kh: grid.kh, kw: grid.kw })) } : grid))),
    }), status);
  }
  const numbers = createNumbersPanel(q("numbers"));
  const transport = createTransport(q("transport"), {
    keyRoot: root,
    idPrefix: "grid",
    onToggle: () => (player.isPlaying() ? player.pause() : player.play()),
    onSeek: (step) => seek(step),
    onStepBy: (delta) => seek(grid.step + delta),
    onSpeed: (speed) => { grid = { ...grid, speed }; commit(); },
    rowLength: () => model?.outShape[1] ?? 1,
  });
  const editor = createGridEditor({ controls: q("controls"), cells: q("cells") }, {
    onChange: (next) => {
      player.pause();
      grid = { ...next, step: 0, speed: grid.speed, flip: grid.flip };
      commit();
      rebuild();
    },
    onShownChannel: (c) => { shown = c; rebuild(); },
  });

  function commit() {
    slice.write(compactGrid(grid));
  }

  function seek(step) {
    player.pause();
    grid = { ...grid, step: clampStep(step, model?.count ?? 0) };
    player.seek(grid.step);
    draw();
    commit();
  }

  function updateTransport() {
    transport.update({ step: grid.step, count: model?.count ?? 0, playing: player.isPlaying(),
      speed: grid.speed });
  }

  function renderFormulas(geometry) {
    const lines = formulaLines(grid);
    const [top, bottom, left, right] = geometry.padding;
    const [oh, ow] = outputShape(geometry);
    const never = lines.empty ? null : unreachedSentence(unreachedLines(geometry));
    q("formulas").innerHTML = `
      <p><strong>Output size</strong> = floor((n + pad before + pad after − dilation·(k − 1) − 1)
        / stride) + 1, per axis:</p>
      ${lines.axes.map((a) => `<p class="grid-formula" data-axis="${a.axis}">${a.text}</p>`)
        .join("")}
      <p>Padding: top ${top}, bottom ${bottom}, left ${left}, right ${right}${
        grid.p === "same" && (top !== bottom || left !== right)
          ? " (“same” cannot split the padding evenly here: the extra zero goes at the"
            + " bottom/right, as in TensorFlow and PyTorch)" : ""}.
        Output: <strong data-role="out-shape">${ow} × ${oh}</strong> (width × height).</p>
      ${never ? `<p class="grid-unreached" data-role="unreached">${never} They are shaded red.</p>`
        : ""}
      ${grid.d[0] > 1 || grid.d[1] > 1 ? `<p>Dilation ${grid.d.join(" × ")}: the taps are
        ${grid.d[0] === grid.d[1] ? grid.d[0] : grid.d.join(" / ")} cells apart, so the window
        spans dilation·(k − 1) + 1 = ${windowSpan(geometry).join(" × ")} cells with only ${
        grid.kh * grid.kw} weights.</p>` : ""}
      ${lines.empty ? `<p class="grid-empty" role="alert">${lines.empty}</p>` : ""}`;
    return lines.empty;
  }

  /** Recompute everything that depends on the grid (not on the step), then ask the server. */
  function rebuild() {
    shown = Math.min(shown, grid.c - 1);
    editor.render(grid, { shown });
    if (controls === "locked") pinControls(root, controls, [q("controls"), q("cells")]);
    const geometry = gridGeometry(grid);
    const empty = renderFormulas(geometry);
    const outShape = outputShape(geometry);
    const count = empty ? 0 : outShape[0] * outShape[1];
    const input = { data: Float32Array.from(grid.x), shape: [grid.c, grid.h, grid.w] };
    const plain = Float32Array.from(grid.k);
    const kernel = grid.flip ? flipKernel(plain, { channels: grid.c, kh: grid.kh, kw: grid.kw })
      : plain;
    const bias = Math.fround(grid.b);
    const jsMap = count ? correlateMap({ input, kernel, bias, geometry }) : new Float32Array(0);
    model = { geometry, count, outShape, input, kernel, bias, jsMap, server: null,
      serverError: null };
    grid = { ...grid, step: clampStep(grid.step, count) };
    player.seek(grid.step);
    if (count) {
      figure.setScene({ geometry, input: grid.x, values: jsMap, kernel, shown,
        captions: {
          input: `Input, channel ${shown + 1} of ${grid.c}: ${grid.h} × ${grid.w}`,
          output: `Output ${outShape[0]} × ${outShape[1]}${grid.flip
            ? " (true convolution: kernel rotated 180°)" : ""}`,
        } });
    } else {
      figure.setScene({ geometry, input: grid.x, values: jsMap, kernel: grid.k, shown,
        captions: { input: `Input ${grid.h} × ${grid.w}`, output: "No output: see above" } });
    }
    draw();
    askServer();
  }

  function askServer() {
    clearTimeout(debounce);
    const serverLine = q("server");
    if (!model.count) { serverLine.textContent = ""; return; }
    if (typeof api?.convolve !== "function") {
      serverLine.textContent = "The server check is not available on this page.";
      return;
    }
    serverLine.textContent = "Asking the server for the output…";
    serverLine.className = "";
    const token = ++serverToken;
    const plainGrid = grid;
    debounce = setTimeout(async () => {
      try {
        const response = await api.convolve(convolveRequest(plainGrid));
        if (token !== serverToken) return;
        const out = response.layers[0].output[0];
        const server = Float32Array.from(out.flat());
        model = { ...model, server };
        showServerCheck();
        draw();
      } catch (err) {
        if (token !== serverToken || err?.name === "AbortError") return;
        serverLine.textContent = `The server refused this grid: ${err?.message ?? err}`;
        serverLine.className = "grid-server-bad";
      }
    }, SERVER_DEBOUNCE_MS);
  }

  /** Compare the arithmetic done here with the server's output, cell by cell. */
  function showServerCheck() {
    const serverLine = q("server");
    const { server, count, geometry, input, bias } = model;
    const plainKernel = Float32Array.from(grid.k);
    if (server.length !== count) {
      serverLine.textContent = `The server's output has ${server.length} cells, expected ${count}.`;
      serverLine.className = "grid-server-bad";
      return;
    }
    let bad = 0;
    for (let s = 0; s < count; s += 1) {
      const a = windowArithmetic({ input, kernel: plainKernel, bias, geometry, step: s });
      if (!matchesEngine(a.output, server[s], { magnitude: a.magnitude,
        terms: plainKernel.length })) bad += 1;
    }
    serverLine.innerHTML = bad === 0
      ? `<span class="grid-server-ok" data-role="server-check">✓ The server computed the same ${
        count} output value${count === 1 ? "" : "s"} (POST /api/convolve).</span>`
      : `<span class="grid-server-bad" data-role="server-check">✗ ${bad} of ${count} cells differ `
        + "from the server.</span>";
  }

  function draw() {
    updateTransport();
    if (!model?.count) return;
    const step = clampStep(grid.step, model.count);
    figure.drawStep(step);
    const arith = windowArithmetic({ input: model.input, kernel: model.kernel, bias: model.bias,
      geometry: model.geometry, step });
    const engine = model.server ? model.server[step] : null;
    numbers.update({
      arith, step, count: model.count, shown,
      channelNames: Array.from({ length: grid.c }, (_, c) => String(c + 1)),
      activationLabel: "", engine,
      matches: engine !== null && matchesEngine(arith.output, engine,
        { magnitude: arith.magnitude, terms: model.kernel.length }),
      flip: Boolean(grid.flip), other: engine, kernel: model.geometry.kernel,
    });
  }

  const flipBox = document.createElement("label");
  flipBox.className = "patch-flip";
  flipBox.innerHTML = `<input type="checkbox" data-role="grid-flip"${grid.flip ? " checked" : ""}>
    Flip the kernel (true convolution instead of PyTorch's cross-correlation)`;
  q("controls").after(flipBox);
  pinControls(root, controls, [q("controls"), q("cells"), flipBox]);
  flipBox.addEventListener("change", (event) => {
    player.pause();
    grid = { ...grid, flip: event.target.checked ? 1 : 0 };
    commit();
    rebuild();
  });


  const probe = {
    get frameTimes() { return player.log.frames(); },
    get workTimes() { return player.log.works(); },
    get playing() { return player.isPlaying(); },
    get step() { return grid.step; },
    get steps() { return model?.count ?? 0; },
  };
  window.__convscopeGrid = probe;
  rebuild();

  return {
    destroy() {
      serverToken += 1;
      clearTimeout(debounce);
      player.destroy();
      slice.destroy();
      transport.destroy();
      numbers.destroy();
      figure.destroy();
      editor.destroy();
      if (window.__convscopeGrid === probe) delete window.__convscopeGrid;
      root.innerHTML = "";
    },
  };
}
