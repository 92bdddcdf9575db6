/**
 * "How was this number computed?" offered right at the cell a student clicks in the pyramid
 * (issue 15 §0): a small button under the clicked tile naming the cell; pressing it opens the
 * sliding patch on that cell (main.js `animate`, how-computed.js). Conv layers only: pooling,
 * the input and the classifier have no window of weights to show.
 * @module render/how-offer
 */

import { h, setText } from "../dom.js";

/** Room kept for the button at the right edge of the pyramid (CSS px). */
const BUTTON_ROOM_PX = 300;

/**
 * The cell (0-based row, column) under a pointer event on a tile of a map of `[H, W]` cells.
 * @param {{clientX: number, clientY: number}} ev
 * @param {{top: number, left: number, width: number, height: number}} rect the tile's box
 * @param {[number, number]} shape
 * @returns {{i: number, j: number}}
 */
export function cellAt(ev, rect, [hh, ww]) {
  const i = Math.min(hh - 1, Math.max(0, Math.floor(((ev.clientY - rect.top) / rect.height) * hh)));
  const j = Math.min(ww - 1, Math.max(0, Math.floor(((ev.clientX - rect.left) / rect.width) * ww)));
  return { i, j };
}

/**
 * @param {HTMLElement} root the pyramid (positioned: the button is placed inside it)
 * @param {{onExplain: (cell: {layer: number, map: number, i: number, j: number}) => void}} deps
 * @returns {{offer: (tile: HTMLElement, ev: MouseEvent, header: object) => void,
 *   hide: () => void}}
 */
export function createHowOffer(root, { onExplain }) {
  const button = h("button", { type: "button", class: "how-computed how-float", hidden: true,
    text: "How was this number computed?" });
  const memo = { cell: null };
  button.addEventListener("click", (ev) => {
    ev.stopPropagation();
    button.hidden = true;
    if (memo.cell) onExplain(memo.cell);
  });
  root.addEventListener("keydown", (ev) => { if (ev.key === "Escape") button.hidden = true; });

  function offer(tile, ev, header) {
    const layer = Number(tile.dataset.layer);
    const map = Math.max(Number(tile.dataset.map), 0);
    const info = header?.layers[layer];
    if (!info || info.type !== "conv") {
      button.hidden = true;
      return;
    }
    const rect = tile.getBoundingClientRect();
    const { i, j } = cellAt(ev, rect, info.shape.slice(1));
    memo.cell = { layer, map, i, j };
    setText(button, `How was this number computed? (row ${i + 1}, column ${j + 1})`);
    const box = root.getBoundingClientRect();
    // below the tile and its words, so the offer hides no map and no caption
    const below = (tile.parentElement ?? tile).getBoundingClientRect().bottom;
    Object.assign(button.style, {
      left: `${Math.max(0, Math.min(ev.clientX - box.left, box.width - BUTTON_ROOM_PX))}px`,
      top: `${Math.max(below, rect.bottom) - box.top + 2}px` });
    button.hidden = false;
    if (button.parentNode !== root) root.append(button);
  }

  return { offer, hide: () => { button.hidden = true; } };
}
