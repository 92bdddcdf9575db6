/**
 * The brush controls of the patch panel: "Paint the whole map", zooming into a region (its
 * side, and the whole map drawn small beside it with the region outlined, where a drag or a
 * click picks another region). DOM only: the panel owns the state.
 * @module patch/brush
 */

import { COLORS, OVERVIEW_PX, PAINT_SECONDS } from "./config.js";
import { REGION_SIDE, regionFromDrag } from "./region.js";
import { sizeCanvas } from "./views.js";

const SIDES = [16, 24, 32, 48];
/** Smallest side (CSS px) of the region's outline on the whole map. */
const MIN_BOX_PX = 12;

/**
 * Create the controls in `container`.
 *
 * @param {HTMLElement} container
 * @param {{onPaint: () => void, onRegion: (region: object|null) => void,
 *   onZoom: (side: number) => void, locked?: boolean, overviewHost?: HTMLElement}} options
 *   `onZoom(side)` asks for the default region of that side; `onRegion(null)` for the whole
 *   map; `locked` (an embed pinned by its author) keeps painting but not the choice of
 *   region; `overviewHost` where the whole map is drawn (beside the figures; default here).
 * @returns {{update: (view: {overview: ImageData|null, outShape: number[],
 *   region: object|null, step: number, painting: boolean, ready: boolean}) => void,
 *   destroy: () => void}}
 */
export function createBrushBar(container, { onPaint, onRegion, onZoom, locked = false,
  overviewHost = null }) {
  const el = document.createElement("div");
  el.className = "patch-brush";
  el.innerHTML = `
    <div class="patch-brush-actions">
      <button type="button" data-act="paint"
        title="Fill the map (or the region) row by row in about ${PAINT_SECONDS} seconds; the arithmetic waits until you pause"
        >Paint the whole map</button>
      <button type="button" data-act="zoom" aria-pressed="false">Zoom into a region</button>
      <label>Region <select data-role="side">${SIDES.map((s) =>
        `<option value="${s}">${s} × ${s} cells</option>`).join("")}</select></label>
    </div>
    <figure class="patch-overview" data-role="overview-fig" hidden>
      <figcaption>The whole map, the region outlined.${locked ? ""
        : " Drag on it (or click) to choose another region."}</figcaption>
      <canvas data-role="overview" aria-label="The whole output map with the animated region outlined"></canvas>
    </figure>`;
  container.append(el);
  const q = (sel) => el.querySelector(sel);
  const paintButton = q('[data-act="paint"]');
  const zoomButton = q('[data-act="zoom"]');
  const side = q('[data-role="side"]');
  const figure = q('[data-role="overview-fig"]');
  const canvas = q('[data-role="overview"]');
  if (overviewHost) overviewHost.append(figure);
  side.value = String(REGION_SIDE.default);
  if (locked) { zoomButton.disabled = true; side.disabled = true; }
  let view = { overview: null, outShape: [0, 0], region: null, step: 0, painting: false };
  let source = null; // the overview's pixels on a canvas of their own (drawn scaled)
  let drag = null;

  const cellAt = (event) => {
    const rect = canvas.getBoundingClientRect();
    const [oh, ow] = view.outShape;
    return {
      row: Math.min(Math.max(Math.floor(((event.clientY - rect.top) / rect.height) * oh), 0),
        oh - 1),
      col: Math.min(Math.max(Math.floor(((event.clientX - rect.left) / rect.width) * ow), 0),
        ow - 1),
    };
  };

  function draw() {
    if (!view.overview || figure.hidden) return;
    const [oh, ow] = view.outShape;
    const scale = Math.min(OVERVIEW_PX / oh, OVERVIEW_PX / ow);
    const ctx = sizeCanvas(canvas, ow * scale, oh * scale);
    ctx.imageSmoothingEnabled = scale >= 1 ? false : true;
    ctx.drawImage(source, 0, 0, ow * scale, oh * scale);
    const box = drag ? regionFromDrag(drag.from, drag.to, view.outShape) : view.region;
    if (box) {
      // Everything but the region is veiled, and the region's outline is never a speck.
      const w = Math.max(box.width * scale, MIN_BOX_PX);
      const h = Math.max(box.height * scale, MIN_BOX_PX);
      const x = (box.col + box.width / 2) * scale - w / 2;
      const y = (box.row + box.height / 2) * scale - h / 2;
      ctx.fillStyle = "rgba(255, 255, 255, 0.45)";
      ctx.beginPath();
      ctx.rect(0, 0, ow * scale, oh * scale);
      ctx.rect(x + w, y, -w, h); // the opposite winding leaves the region unveiled
      ctx.fill("nonzero");
      ctx.lineWidth = 3;
      ctx.strokeStyle = "#ffffff";
      ctx.strokeRect(x - 1.5, y - 1.5, w + 3, h + 3);
      ctx.lineWidth = 2;
      ctx.strokeStyle = COLORS.windowStroke;
      ctx.strokeRect(x, y, w, h);
    }
    const mark = Math.max(scale, 4);
    const r = Math.floor(view.step / ow);
    const c = view.step % ow;
    ctx.strokeStyle = COLORS.outputCurrent;
    ctx.lineWidth = 1.5;
    ctx.strokeRect((c + 0.5) * scale - mark / 2, (r + 0.5) * scale - mark / 2, mark, mark);
  }

  const onClick = (event) => {
    const act = event.target.closest("button[data-act]")?.dataset.act;
    if (act === "paint") onPaint();
    if (act === "zoom") {
      if (view.region) onRegion(null);
      else onZoom(Number(side.value));
    }
  };
  const onSide = () => onZoom(Number(side.value));
  const onDown = (event) => {
    if (locked || !view.overview) return;
    canvas.setPointerCapture?.(event.pointerId);
    const at = cellAt(event);
    drag = { from: at, to: at };
    draw();
  };
  const onMove = (event) => {
    if (!drag) return;
    drag.to = cellAt(event);
    draw();
  };
  const onUp = (event) => {
    if (!drag) return;
    drag.to = cellAt(event);
    const picked = regionFromDrag(drag.from, drag.to, view.outShape);
    drag = null;
    if (picked) {
      const [oh, ow] = view.outShape;
      if (SIDES.includes(picked.height) && picked.height === picked.width) {
        side.value = String(picked.height);
      }
      onRegion(picked.height >= oh && picked.width >= ow ? null : picked);
    }
    draw();
  };
  el.addEventListener("click", onClick);
  side.addEventListener("change", onSide);
  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerup", onUp);

  return {
    update(next) {
      if (next.overview !== view.overview && next.overview) {
        source = document.createElement("canvas");
        source.width = next.overview.width;
        source.height = next.overview.height;
        source.getContext("2d").putImageData(next.overview, 0, 0);
      }
      view = next;
      figure.hidden = !next.region;
      const paintLabel = next.painting ? "▮▮ Stop painting" : "Paint the whole map";
      if (paintButton.textContent !== paintLabel) paintButton.textContent = paintLabel;
      paintButton.disabled = !next.ready;
      const zoomLabel = next.region ? "Show the whole map" : "Zoom into a region";
      if (zoomButton.textContent !== zoomLabel) zoomButton.textContent = zoomLabel;
      zoomButton.setAttribute("aria-pressed", next.region ? "true" : "false");
      if (!locked) zoomButton.disabled = !next.ready;
      if (next.region && next.region.height === next.region.width
        && SIDES.includes(next.region.height)) side.value = String(next.region.height);
      draw();
    },
    destroy() {
      el.remove();
      figure.remove();
    },
  };
}
