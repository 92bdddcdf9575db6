/**
 * Where the magnifier goes: beside the window, inside the view when it can be, never over the
 * window. Pure geometry (CSS pixels), so it is tested without a browser.
 */

/**
 * Choose the magnifier's top-left corner.
 *
 * Candidates, in order: right, left, below, above the window (centred on it along the other
 * axis and clamped to the view), then the four diagonals. The first that fits in the view
 * without covering the window wins; if none does (a large magnifier on a small view), the
 * one that sticks out of the view the least, still beside the window.
 *
 * @param {{box: {x: number, y: number, w: number, h: number}, size: {width: number,
 *   height: number}, view: {width: number, height: number}, gap: number}} args
 * @returns {{x: number, y: number}}
 */
export function magnifierSpot({ box, size, view, gap }) {
  const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), Math.max(hi, lo));
  const midX = clamp(box.x + box.w / 2 - size.width / 2, 0, view.width - size.width);
  const midY = clamp(box.y + box.h / 2 - size.height / 2, 0, view.height - size.height);
  const right = box.x + box.w + gap;
  const left = box.x - gap - size.width;
  const below = box.y + box.h + gap;
  const above = box.y - gap - size.height;
  const candidates = [
    { x: right, y: midY }, { x: left, y: midY }, { x: midX, y: below }, { x: midX, y: above },
    { x: right, y: below }, { x: left, y: below }, { x: right, y: above }, { x: left, y: above },
  ];
  const overflow = ({ x, y }) => Math.max(0, -x) + Math.max(0, x + size.width - view.width)
    + Math.max(0, -y) + Math.max(0, y + size.height - view.height);
  const covers = ({ x, y }) => x < box.x + box.w && x + size.width > box.x
    && y < box.y + box.h && y + size.height > box.y;
  const fits = candidates.find((c) => overflow(c) === 0 && !covers(c));
  if (fits) return fits;
  return candidates.filter((c) => !covers(c))
    .reduce((best, c) => (overflow(c) < overflow(best) ? c : best));
}
