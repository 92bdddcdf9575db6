/**
 * The gallery of the trained network's held-out digits (`GET /api/models/NAME/heldout`),
 * loaded a page at a time: the first page at once, the next when the end of the list scrolls
 * into view or "More digits" is pressed. Each digit is a button ("Held-out digit 12, a 7"),
 * reachable with Tab and pressed with Enter or Space. Pixels already fetched are kept, so the
 * pad can show the picked digit.
 * @module digits/gallery
 */

import { DIGITS } from "../config.js";
import { h, setText } from "../dom.js";

/** Paint 28 x 28 grey pixels into a canvas. */
export function paintDigit(canvas, pixels) {
  const side = DIGITS.side;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(side, side);
  for (let i = 0; i < side * side; i += 1) {
    image.data[i * 4] = pixels[i];
    image.data[i * 4 + 1] = pixels[i];
    image.data[i * 4 + 2] = pixels[i];
    image.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/**
 * Where the gallery's page `page` comes from: one run of `per` digits from each of `strands`
 * equal slices of the held-out set, so every page mixes the whole set (a held-out file
 * sorted by class still shows every class on the first page). Pure.
 * @param {{total: number, page: number, per: number, strands?: number}} options
 * @returns {Array<{start: number, count: number}>} requests (count > 0), in display order of
 *   their strands
 */
export function galleryPage({ total, page, per, strands = 10 }) {
  const out = [];
  for (let k = 0; k < strands; k += 1) {
    const begin = Math.floor((k * total) / strands);
    const end = Math.floor(((k + 1) * total) / strands);
    const start = begin + page * per;
    const count = Math.min(per, end - start);
    if (count > 0) out.push({ start, count });
  }
  return out;
}

/**
 * @param {{api: object, model: {name: string, heldout: number}, onPick: (n: number) => void,
 *   onLoaded: () => void}} deps `onLoaded` runs when pixels arrive
 * @returns {{el: HTMLElement, sync: (picked: number|null) => void,
 *   pixelsOf: (n: number) => Uint8Array|null, labelOf: (n: number) => number|null,
 *   want: (n: number) => void}}
 */
export function createGallery({ api, model, onPick, onLoaded }) {
  const side = DIGITS.side;
  const cells = side * side;
  const total = Math.min(model.heldout ?? DIGITS.galleryMax, DIGITS.galleryMax);
  const per = Math.max(1, Math.round(DIGITS.galleryPage / 10));
  const list = h("div", { class: "digit-gallery", role: "group",
    "aria-label": "Held-out digits the network never trained on; arrow keys move between "
      + "them" });
  const more = h("button", { type: "button", class: "more-digits", text: "More digits" });
  const status = h("p", { class: "muted gallery-status", role: "status" });
  const end = h("span", { class: "gallery-end", "aria-hidden": "true" });
  list.append(end);
  const el = h("div", { class: "digit-gallery-wrap" }, list, more, status);
  const data = { page: 0, shown: 0, pixels: new Map(), labels: new Map(), buttons: new Map(),
    loading: null, picked: null };

  const keep = (page) => page.labels.forEach((label, k) => {
    data.labels.set(page.start + k, label);
    data.pixels.set(page.start + k, page.pixels.subarray(k * cells, (k + 1) * cells));
  });

  /** Make `button` the gallery's one Tab stop. */
  function roving(button) {
    for (const b of data.buttons.values()) b.tabIndex = b === button ? 0 : -1;
  }

  function addButton(n) {
    const canvas = h("canvas", { width: side, height: side });
    paintDigit(canvas, data.pixels.get(n));
    const label = data.labels.get(n);
    const button = h("button", { type: "button", class: "digit", dataset: { digit: String(n),
      label: String(label) }, "aria-pressed": String(n === data.picked),
    "aria-label": `Held-out digit ${n}, a ${label}`, title: `held-out digit ${n}: a ${label}`,
    on: { click: () => onPick(n) } }, canvas);
    button.tabIndex = data.buttons.size === 0 ? 0 : -1;
    data.buttons.set(n, button);
    return button;
  }

  /** Fetch and show the next page. */
  function loadMore() {
    if (data.loading) return data.loading;
    const parts = galleryPage({ total, page: data.page, per });
    if (!parts.length) return null;
    data.loading = Promise.all(parts.map((p) => api.fetchHeldout(model.name, p))).then((pages) => {
      pages.forEach(keep);
      const fresh = [];
      for (let i = 0; i < per; i += 1) {
        for (const p of parts) {
          const n = p.start + i;
          if (i < p.count && !data.buttons.has(n)) fresh.push(addButton(n));
        }
      }
      end.before(...fresh);
      data.page += 1;
      data.shown += fresh.length;
      more.hidden = !galleryPage({ total, page: data.page, per }).length;
      setText(status, `${data.shown} of ${total} held-out digits shown`);
      onLoaded();
    }).catch((err) => {
      setText(status, `Could not load the held-out digits: ${err.message}`);
    }).finally(() => { data.loading = null; });
    return data.loading;
  }

  // one Tab stop for the whole gallery; the arrow keys move between digits (Home, End too)
  list.addEventListener("keydown", (ev) => {
    const buttons = [...list.querySelectorAll(".digit")];
    const at = buttons.indexOf(ev.target);
    if (at < 0) return;
    const top = buttons[0].offsetTop;
    const columns = Math.max(1, buttons.findIndex((b) => b.offsetTop !== top));
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns,
      Home: -at, End: buttons.length - 1 - at }[ev.key];
    if (step === undefined) return;
    ev.preventDefault();
    const next = buttons[Math.min(Math.max(at + step, 0), buttons.length - 1)];
    roving(next);
    next.focus();
  });
  more.addEventListener("click", () => loadMore());
  // scrolling the gallery to its end loads the next page
  if (typeof IntersectionObserver !== "undefined") {
    new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && data.page > 0) loadMore();
    }, { root: list }).observe(end);
  }
  loadMore();

  return {
    el,
    /** Mark the picked digit. */
    sync(picked) {
      if (picked === data.picked) return;
      data.buttons.get(data.picked)?.setAttribute("aria-pressed", "false");
      data.picked = picked;
      const button = data.buttons.get(picked);
      button?.setAttribute("aria-pressed", "true");
      if (button) roving(button);
    },
    pixelsOf: (n) => data.pixels.get(n) ?? null,
    labelOf: (n) => data.labels.get(n) ?? null,
    /** Make sure digit `n`'s pixels are fetched (a URL may pick one not shown yet). */
    want(n) {
      if (data.pixels.has(n) || data.labels.has(`want${n}`) || n >= total) return;
      data.labels.set(`want${n}`, true);
      api.fetchHeldout(model.name, { start: n, count: 1 }).then((page) => {
        keep(page);
        onLoaded();
      }).catch(() => {});
    },
  };
}
