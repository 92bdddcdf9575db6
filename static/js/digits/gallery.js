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
 * @param {{api: object, model: string, onPick: (n: number) => void,
 *   onLoaded: () => void}} deps `onLoaded` runs when a page of pixels arrives
 * @returns {{el: HTMLElement, sync: (picked: number|null) => void,
 *   pixelsOf: (n: number) => Uint8Array|null, want: (n: number) => void}}
 */
export function createGallery({ api, model, onPick, onLoaded }) {
  const side = DIGITS.side;
  const cells = side * side;
  const list = h("div", { class: "digit-gallery", role: "group",
    "aria-label": "Held-out digits the network never trained on" });
  const more = h("button", { type: "button", class: "more-digits", text: "More digits" });
  const status = h("p", { class: "muted gallery-status", role: "status" });
  const el = h("div", { class: "digit-gallery-wrap" }, list, more, status);
  const data = { total: null, next: 0, pixels: new Map(), labels: new Map(), buttons: new Map(),
    loading: null, picked: null };

  function addButton(n) {
    const canvas = h("canvas", { width: side, height: side });
    paintDigit(canvas, data.pixels.get(n));
    const label = data.labels.get(n);
    const button = h("button", { type: "button", class: "digit", dataset: { digit: String(n),
      label: String(label) }, "aria-pressed": String(n === data.picked),
    "aria-label": `Held-out digit ${n}, a ${label}`, title: `held-out digit ${n}: a ${label}`,
    on: { click: () => onPick(n) } }, canvas);
    data.buttons.set(n, button);
    return button;
  }

  /** Fetch the page holding digit `start` onwards. */
  async function load(start) {
    if (data.loading || (data.total !== null && start >= data.total)) return data.loading;
    const count = Math.min(DIGITS.galleryPage, (data.total ?? DIGITS.galleryMax) - start);
    data.loading = api.fetchHeldout(model, { start, count }).then((page) => {
      data.total = page.total;
      const fresh = [];
      page.labels.forEach((label, k) => {
        const n = page.start + k;
        data.labels.set(n, label);
        data.pixels.set(n, page.pixels.subarray(k * cells, (k + 1) * cells));
        if (!data.buttons.has(n) && n === data.next) {
          fresh.push(addButton(n));
          data.next += 1;
        }
      });
      list.append(...fresh);
      more.hidden = data.next >= data.total;
      setText(status, `${data.next} of ${data.total} held-out digits shown`);
      onLoaded();
    }).catch((err) => {
      setText(status, `Could not load the held-out digits: ${err.message}`);
    }).finally(() => { data.loading = null; });
    return data.loading;
  }

  more.addEventListener("click", () => load(data.next));
  if (typeof IntersectionObserver !== "undefined") {
    new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && data.next > 0) load(data.next);
    }).observe(more);
  }
  load(0);

  return {
    el,
    /** Mark the picked digit. */
    sync(picked) {
      if (picked === data.picked) return;
      data.buttons.get(data.picked)?.setAttribute("aria-pressed", "false");
      data.picked = picked;
      data.buttons.get(picked)?.setAttribute("aria-pressed", "true");
    },
    pixelsOf: (n) => data.pixels.get(n) ?? null,
    labelOf: (n) => data.labels.get(n) ?? null,
    /** Make sure digit `n`'s pixels are fetched (a URL may pick one past the first page). */
    want(n) {
      if (data.pixels.has(n) || data.loading) return;
      const start = Math.floor(n / DIGITS.galleryPage) * DIGITS.galleryPage;
      const count = Math.min(DIGITS.galleryPage, (data.total ?? DIGITS.galleryMax) - start);
      if (count <= 0) return;
      api.fetchHeldout(model, { start, count }).then((page) => {
        page.labels.forEach((label, k) => {
          data.labels.set(page.start + k, label);
          data.pixels.set(page.start + k, page.pixels.subarray(k * cells, (k + 1) * cells));
        });
        onLoaded();
      }).catch(() => {});
    },
  };
}
