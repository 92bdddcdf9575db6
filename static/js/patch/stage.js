/**
 * The photo animation's figure: the padded input (base canvas drawn once, overlay redrawn per
 * frame), the magnifier that follows the window on a big image, and the output map painted
 * cell by cell (only changed cells are copied per frame).
 */

import { COLORS, MAGNIFIER_MIN_CELL_PX, VIEW_MAX_PX } from "./config.js";
import { formatCompact } from "./format.js";
import { drawInputBase, drawMagnifier, drawWindow, paintOutputTo, sizeCanvas, textOn }
  from "./views.js";
import { windowAt } from "./windows.js";
import { magnifierSpot } from "./layout.js";

const GAP_PX = 12;
/** Largest side (CSS px) of the comparison map shown beside the true convolution. */
const COMPARE_PX = 200;

/**
 * Create the figure in `container`.
 *
 * @param {HTMLElement} container
 * @param {{onPickCell: (step: number) => void}} options called when an output cell is clicked.
 * @returns {{setScene: (scene: object) => void, drawStep: (step: number) => void,
 *   clear: () => void, destroy: () => void}}
 */
export function createStage(container, { onPickCell }) {
  container.innerHTML = `
    <figure class="patch-in">
      <figcaption data-role="in-caption"></figcaption>
      <div class="patch-wrap" data-role="in-wrap">
        <canvas class="patch-base" data-role="in-base" aria-hidden="true"></canvas>
        <canvas class="patch-overlay" data-role="in-overlay" aria-hidden="true"></canvas>
        <canvas class="patch-magnifier" data-role="magnifier" hidden
          aria-label="Magnifier: the cells under the window with their values"></canvas>
      </div>
    </figure>
    <figure class="patch-out">
      <figcaption data-role="out-caption"></figcaption>
      <div class="patch-wrap" data-role="out-wrap">
        <canvas class="patch-base patch-pixelated" data-role="out-base"
          aria-label="Output map, painted as the window moves"></canvas>
        <canvas class="patch-overlay" data-role="out-text" aria-hidden="true"></canvas>
        <canvas class="patch-overlay" data-role="out-overlay" aria-hidden="true"></canvas>
      </div>
      <p class="patch-change" data-role="change"></p>
    </figure>
    <figure class="patch-compare" data-role="compare" hidden>
      <figcaption>What PyTorch computes (cross-correlation, the engine's map), for
        comparison</figcaption>
      <canvas class="patch-pixelated" data-role="compare-canvas"
        aria-label="The engine's map, for comparison with the true convolution"></canvas>
    </figure>`;
  const q = (role) => container.querySelector(`[data-role="${role}"]`);
  const el = {
    inCaption: q("in-caption"), inWrap: q("in-wrap"), inBase: q("in-base"),
    inOverlay: q("in-overlay"), magnifier: q("magnifier"), outCaption: q("out-caption"),
    outWrap: q("out-wrap"), outBase: q("out-base"), outOverlay: q("out-overlay"),
    outText: q("out-text"),
    change: q("change"), compare: q("compare"), compareCanvas: q("compare-canvas"),
  };
  let scene = null;
  let ctx = null;
  let painted = 0;
  let lastOutBox = null;

  function setScene(next) {
    scene = next;
    const { padded, cell, images } = next;
    const offscreen = document.createElement("canvas");
    offscreen.width = padded.width;
    offscreen.height = padded.height;
    offscreen.getContext("2d").putImageData(padded, 0, 0);
    const cssW = padded.width * cell;
    const cssH = padded.height * cell;
    el.inWrap.style.width = `${cssW}px`;
    el.inWrap.style.height = `${cssH}px`;
    const base = sizeCanvas(el.inBase, cssW, cssH);
    drawInputBase(base, { image: offscreen, cell, geometry: next.geometry,
      unreached: next.unreached, coloring: next.coloring });
    const inOverlay = sizeCanvas(el.inOverlay, cssW, cssH);
    const [oh, ow] = [images.done.height, images.done.width];
    // A region is drawn at the input's scale (`outCell`): its cells line up with the windows.
    const outCell = next.outCell ?? Math.min(VIEW_MAX_PX / oh, VIEW_MAX_PX / ow, 48);
    el.outWrap.style.width = `${ow * outCell}px`;
    el.outWrap.style.height = `${oh * outCell}px`;
    el.outBase.width = ow;
    el.outBase.height = oh;
    el.outBase.style.width = `${ow * outCell}px`;
    el.outBase.style.height = `${oh * outCell}px`;
    const outBase = el.outBase.getContext("2d");
    outBase.putImageData(images.pending, 0, 0);
    const outOverlay = sizeCanvas(el.outOverlay, ow * outCell, oh * outCell);
    // Big output cells get grid lines and their values, written as they are computed.
    const outText = sizeCanvas(el.outText, ow * outCell, oh * outCell);
    const withText = outCell >= MAGNIFIER_MIN_CELL_PX;
    if (withText) {
      outText.strokeStyle = "rgba(0, 0, 0, 0.25)";
      outText.lineWidth = 1;
      outText.beginPath();
      for (let i = 0; i <= oh; i += 1) {
        outText.moveTo(0, i * outCell);
        outText.lineTo(ow * outCell, i * outCell);
      }
      for (let j = 0; j <= ow; j += 1) {
        outText.moveTo(j * outCell, 0);
        outText.lineTo(j * outCell, oh * outCell);
      }
      outText.stroke();
    }
    ctx = { inOverlay, outBase, outOverlay, outCell, inW: cssW, inH: cssH, outText, withText,
      ow };
    painted = 0;
    lastOutBox = null;
    el.magnifier.hidden = !(next.magnifier ?? cell < MAGNIFIER_MIN_CELL_PX);
    el.compare.hidden = !next.compare;
    if (next.compare) {
      const side = Math.min(COMPARE_PX / next.compare.height, COMPARE_PX / next.compare.width);
      el.compareCanvas.width = next.compare.width;
      el.compareCanvas.height = next.compare.height;
      el.compareCanvas.style.width = `${next.compare.width * side}px`;
      el.compareCanvas.style.height = `${next.compare.height * side}px`;
      el.compareCanvas.getContext("2d").putImageData(next.compare, 0, 0);
    }
    el.inCaption.textContent = next.captions.input;
    el.outCaption.textContent = next.captions.output;
    el.change.textContent = next.captions.change;
  }

  function clearBox(c, box) {
    if (box) c.clearRect(box.x - 4, box.y - 4, box.w + 8, box.h + 8);
  }

  /** Draw `step`; cost is independent of the image size except the cells newly painted. */
  function drawStep(step) {
    if (!scene || !ctx) return;
    const { geometry, cell } = scene;
    // The overlay is small (the view's size): clearing all of it costs less than tracking.
    ctx.inOverlay.clearRect(0, 0, ctx.inW, ctx.inH);
    const box = drawWindow(ctx.inOverlay, { geometry, step, cell });
    const before = painted;
    painted = paintOutputTo(ctx.outBase, scene.images, { painted, step });
    if (ctx.withText) writeOutputValues(before, painted);
    const { row, col } = windowAt(geometry, step);
    const oc = ctx.outCell;
    clearBox(ctx.outOverlay, lastOutBox);
    const mark = Math.max(oc, 8);
    const ox = col * oc + oc / 2 - mark / 2;
    const oy = row * oc + oc / 2 - mark / 2;
    ctx.outOverlay.strokeStyle = "#ffffff";
    ctx.outOverlay.lineWidth = 4;
    ctx.outOverlay.strokeRect(ox - 1, oy - 1, mark + 2, mark + 2);
    ctx.outOverlay.strokeStyle = COLORS.outputCurrent;
    ctx.outOverlay.lineWidth = 2;
    ctx.outOverlay.strokeRect(ox, oy, mark, mark);
    lastOutBox = { x: ox, y: oy, w: mark, h: mark };
    if (!el.magnifier.hidden) placeMagnifier(step, box);
  }

  /** Write (forward) or erase (backward) the values of output cells between two counts. */
  function writeOutputValues(from, to) {
    const { outText: t, outCell: oc, ow } = ctx;
    const pixels = new Uint32Array(scene.images.done.data.buffer);
    t.font = `${Math.min(Math.round(oc * 0.28), 13)}px system-ui, sans-serif`;
    t.textAlign = "center";
    t.textBaseline = "middle";
    for (let i = Math.min(from, to); i < Math.max(from, to); i += 1) {
      const x = (i % ow) * oc;
      const y = Math.floor(i / ow) * oc;
      t.clearRect(x + 1, y + 1, oc - 2, oc - 2);
      if (to > from) {
        t.fillStyle = textOn(pixels[i]);
        t.fillText(formatCompact(scene.outValues[i]), x + oc / 2, y + oc / 2);
      }
    }
  }

  /** Put the magnifier beside the window (never over it) and draw a leader line. */
  function placeMagnifier(step, box) {
    const size = drawMagnifier(el.magnifier, { geometry: scene.geometry, step,
      coloring: scene.coloring, kernel: scene.shownKernel });
    const spot = magnifierSpot({ box, size, view: { width: ctx.inW, height: ctx.inH },
      gap: GAP_PX });
    el.magnifier.style.transform = `translate(${Math.round(spot.x)}px, ${Math.round(spot.y)}px)`;
    const o = ctx.inOverlay;
    const cx = box.x + box.w / 2;
    const cy = box.y + box.h / 2;
    const tx = Math.min(Math.max(cx, spot.x), spot.x + size.width);
    const ty = Math.min(Math.max(cy, spot.y), spot.y + size.height);
    o.strokeStyle = COLORS.windowStroke;
    o.lineWidth = 1.5;
    o.beginPath();
    o.moveTo(cx, cy);
    o.lineTo(tx, ty);
    o.stroke();
  }

  const onOutputClick = (event) => {
    if (!scene || !ctx) return;
    const rect = el.outBase.getBoundingClientRect();
    const [oh, ow] = [scene.images.done.height, scene.images.done.width];
    const col = Math.floor(((event.clientX - rect.left) / rect.width) * ow);
    const row = Math.floor(((event.clientY - rect.top) / rect.height) * oh);
    if (row >= 0 && row < oh && col >= 0 && col < ow) onPickCell(row * ow + col);
  };
  el.outWrap.addEventListener("click", onOutputClick);

  return {
    setScene,
    drawStep,
    clear() {
      scene = null;
      ctx = null;
      container.querySelectorAll("canvas").forEach((c) => { c.width = 0; c.height = 0; });
      el.inCaption.textContent = "";
      el.outCaption.textContent = "";
      el.change.textContent = "";
    },
    destroy() {
      el.outWrap.removeEventListener("click", onOutputClick);
      container.innerHTML = "";
    },
  };
}
