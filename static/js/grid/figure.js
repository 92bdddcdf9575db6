/**
 * Grid mode's figure, drawn like "A guide to convolution arithmetic for deep learning"
 * (Dumoulin & Visin): blue input cells with their values, dashed padding cells holding 0, the
 * kernel's taps shaded with their weights in the corner, and the green output map filling in
 * cell by cell. SVG, so every number stays sharp; per step only the taps group is rebuilt and
 * the output cells between the old and the new step change class.
 */

import { GRID_CELL_PX } from "../patch/config.js";
import { formatCompact } from "../patch/format.js";
import { outputShape, unreachedLines, windowAt, windowSpan } from "../patch/windows.js";

const SVG_NS = "http://www.w3.org/2000/svg";
/** Largest on-screen width (px) of one of the two figures. */
const FIGURE_MAX_PX = 520;
/** Room left of and above the input for the stride arrows and labels (SVG units). */
const HINT_MARGIN = Object.freeze({ left: 86, top: 30 });
/** Height of the band holding a tap's weight, as a fraction of a cell. */
const BAND = 0.26;

/**
 * Where the window came from: a dashed ghost of the previous window in raster order (or of
 * the first window of the previous row after a line break) and an arrow labelled with the
 * stride it moved by.
 *
 * @param {object} geometry
 * @param {number} step
 * @param {number} c cell size
 * @returns {string} SVG markup ('' at step 0)
 */
function strideHint(geometry, step, c) {
  if (step < 1) return "";
  const [, ow] = outputShape(geometry);
  const now = windowAt(geometry, step);
  const newRow = now.col === 0;
  const before = windowAt(geometry, newRow ? step - ow : step - 1);
  const [sh, sw] = windowSpan(geometry);
  const px = (w) => (w.left + geometry.padding[2]) * c;
  const py = (w) => (w.top + geometry.padding[0]) * c;
  const ghost = `<rect class="window-ghost" x="${px(before) + 3}" y="${py(before) + 3}"
    width="${sw * c - 6}" height="${sh * c - 6}"/>`;
  if (newRow) {
    const x = px(now) - 8;
    return `${ghost}<path class="stride-arrow" d="M${x},${py(before) + 4} V${py(now) + 4}"/>
      <text class="stride-label" x="${x - 6}" y="${(py(before) + py(now)) / 2 + 8}"
      text-anchor="end">stride ${geometry.stride[0]} ↓</text>`;
  }
  // along a row: arrow and label in the margin above the grid (over the columns the window
  // moved across), never over a cell's number
  const y = -6;
  return `${ghost}<path class="stride-arrow" d="M${px(before) + 6},${y} H${px(now) + 6}"/>
    <text class="stride-label" x="${px(before) + 6}" y="${y - 7}">stride ${
      geometry.stride[1]} →</text>`;
}

const esc = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;");

function svg(width, height, label, { left = 0, top = 0 } = {}) {
  const el = document.createElementNS(SVG_NS, "svg");
  el.setAttribute("viewBox", `${-left} ${-top} ${width + left} ${height + top}`);
  el.setAttribute("width", String(Math.min(width + left, FIGURE_MAX_PX)));
  el.setAttribute("role", "img");
  el.setAttribute("aria-label", label);
  el.classList.add("grid-svg");
  return el;
}

/**
 * Create the figure in `container`.
 *
 * @param {HTMLElement} container
 * @param {{onPickCell: (step: number) => void}} options clicking an output cell seeks to it.
 * @returns {{setScene: (scene: object) => void, drawStep: (step: number) => void,
 *   destroy: () => void}}
 */
export function createGridFigure(container, { onPickCell }) {
  container.innerHTML = `
    <div class="grid-figure-row">
      <figure><figcaption data-role="in-caption"></figcaption><div data-role="in"></div></figure>
      <figure><figcaption data-role="out-caption"></figcaption><div data-role="out"></div>
      </figure>
    </div>`;
  const q = (role) => container.querySelector(`[data-role="${role}"]`);
  let scene = null;
  let taps = null;
  let outCells = [];
  let painted = 0;
  let current = -1;

  function setScene(next) {
    scene = next;
    const { geometry, values, shown } = next;
    const [, h, w] = geometry.inShape;
    const [top, bottom, left, right] = geometry.padding;
    const ph = h + top + bottom;
    const pw = w + left + right;
    const c = GRID_CELL_PX;
    const lines = unreachedLines(geometry);
    const neverRows = new Set(lines.rows);
    const neverCols = new Set(lines.cols);
    const plane = h * w;
    let cells = "";
    for (let y = 0; y < ph; y += 1) {
      for (let x = 0; x < pw; x += 1) {
        const iy = y - top;
        const ix = x - left;
        const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
        const px = x * c;
        const py = y * c;
        if (inside) {
          const never = neverRows.has(iy) || neverCols.has(ix);
          const v = next.input[shown * plane + iy * w + ix];
          cells += `<rect class="${never ? "cell-input cell-unreached" : "cell-input"}" x="${px}"
            y="${py}" width="${c}" height="${c}"/><text class="value" x="${px + c / 2}"
            y="${py + c * 0.42 + 5}" text-anchor="middle">${esc(formatCompact(v))}</text>`;
        } else {
          cells += `<rect class="cell-pad" x="${px + 1}" y="${py + 1}" width="${c - 2}"
            height="${c - 2}"/><text class="pad-value" x="${px + c / 2}" y="${py + c * 0.42 + 5}"
            text-anchor="middle">0</text>`;
        }
      }
    }
    const inSvg = svg(pw * c, ph * c, `Input ${h} by ${w}${top + bottom + left + right
      ? ` with padding top ${top}, bottom ${bottom}, left ${left}, right ${right}` : ""}`,
    HINT_MARGIN);
    inSvg.innerHTML = `<defs><marker id="grid-arrow" viewBox="0 0 10 10" refX="9" refY="5"
      markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"
      fill="#c2410c"/></marker></defs><g>${cells}</g><g data-role="taps"></g>`;
    taps = inSvg.querySelector('[data-role="taps"]');
    q("in").replaceChildren(inSvg);

    const [oh, ow] = outputShape(geometry);
    const outSvg = svg(Math.max(ow, 1) * c, Math.max(oh, 1) * c, `Output ${oh} by ${ow}`);
    let out = "";
    for (let i = 0; i < oh; i += 1) {
      for (let j = 0; j < ow; j += 1) {
        out += `<g class="out-cell" data-step="${i * ow + j}"><rect class="cell-out" x="${j * c}"
          y="${i * c}" width="${c}" height="${c}"/><text class="out-value" x="${j * c + c / 2}"
          y="${i * c + c / 2 + 4}" text-anchor="middle">${
          esc(formatCompact(values[i * ow + j]))}</text></g>`;
      }
    }
    outSvg.innerHTML = out;
    outCells = [...outSvg.querySelectorAll(".out-cell")];
    q("out").replaceChildren(outSvg);
    painted = 0;
    current = -1;
    q("in-caption").textContent = next.captions.input;
    q("out-caption").textContent = next.captions.output;
  }

  function drawStep(step) {
    if (!scene || !outCells.length) return;
    const { geometry, kernel, shown } = scene;
    const c = GRID_CELL_PX;
    const { top, left } = windowAt(geometry, step);
    const [kh, kw] = geometry.kernel;
    const [dh, dw] = geometry.dilation;
    const [sh, sw] = windowSpan(geometry);
    const ox = (left + geometry.padding[2]) * c;
    const oy = (top + geometry.padding[0]) * c;
    let g = strideHint(geometry, step, c);
    g += `<rect class="window-outline" x="${ox}" y="${oy}" width="${sw * c}"
      height="${sh * c}"/>`;
    const plane = kh * kw;
    const band = c * BAND;
    for (let u = 0; u < kh; u += 1) {
      for (let v = 0; v < kw; v += 1) {
        const x = ox + v * dw * c;
        const y = oy + u * dh * c;
        const wv = kernel[shown * plane + u * kw + v];
        g += `<rect class="cell-tap" x="${x + 1.5}" y="${y + 1.5}" width="${c - 3}"
          height="${c - 3}"/><rect class="weight-band" x="${x + 1.5}" y="${y + c - band}"
          width="${c - 3}" height="${band - 1.5}"/><text class="weight" x="${x + c / 2}"
          y="${y + c - band / 2 + 4}" text-anchor="middle">×${esc(formatCompact(wv))}</text>`;
      }
    }
    taps.innerHTML = g;
    const target = step + 1;
    for (let i = Math.min(painted, target); i < Math.max(painted, target); i += 1) {
      outCells[i].classList.toggle("is-done", i < target);
    }
    painted = target;
    if (current >= 0) outCells[current]?.classList.remove("is-current");
    outCells[step].classList.add("is-current");
    current = step;
  }

  const onClick = (event) => {
    const cell = event.target.closest?.(".out-cell");
    if (cell) onPickCell(Number(cell.dataset.step));
  };
  container.addEventListener("click", onClick);

  return {
    setScene,
    drawStep,
    destroy() {
      container.removeEventListener("click", onClick);
      container.innerHTML = "";
    },
  };
}
