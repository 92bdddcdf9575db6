/**
 * The numbers panel: at every step, the input values under the window (per input channel),
 * the kernel weights, their products, the per-channel sums, the sum over channels, the bias,
 * the activation and the engine's value with a check mark.
 *
 * The table structure is built once per (kernel size, channels) and only the text changes per
 * step, so updating it is cheap enough for every animation frame. Every number carries its
 * full-precision value in `data-value` (the browser tests read them).
 */

import { MAX_CHANNEL_TABLES, MAX_LISTED_CHANNEL_SUMS } from "./config.js";
import { formatActivation, formatValue } from "./format.js";

// Header cells name each cell's row and column for screen readers; they are not drawn
// (the grid of numbers reads as the window it mirrors).
const columnHeads = (kw) => Array.from({ length: kw },
  (_, v) => `<th scope="col" class="visually-hidden">column ${v + 1}</th>`).join("");
const matrix = (role, kh, kw, caption) => `
  <table class="patch-mat patch-mat-${role}" data-role="${role}">
    <caption>${caption}</caption>
    <thead><tr><th scope="col" class="visually-hidden">row</th>${columnHeads(kw)}</tr></thead>
    <tbody>${Array.from({ length: kh }, (_, u) => `<tr><th scope="row" class="visually-hidden"
      >row ${u + 1}</th>${"<td></td>".repeat(kw)}</tr>`).join("")}
    </tbody>
  </table>`;

const setNumber = (node, value, text = formatValue(value)) => {
  if (node.textContent !== text) node.textContent = text;
  node.dataset.value = String(value);
};

/**
 * Channels to tabulate: the one shown in the view first, then the lowest others, up to
 * {@link MAX_CHANNEL_TABLES}.
 *
 * @param {{channels: number, shown: number}} args `shown` < 0 for "all channels".
 * @returns {number[]}
 */
export function tabulatedChannels({ channels, shown }) {
  const picked = shown >= 0 && shown < channels ? [shown] : [];
  for (let c = 0; c < channels && picked.length < MAX_CHANNEL_TABLES; c += 1) {
    if (!picked.includes(c)) picked.push(c);
  }
  return picked.sort((a, b) => a - b);
}

/**
 * Create the panel in `container`.
 *
 * @param {HTMLElement} container
 * @returns {{update: (model: object) => void, destroy: () => void}} `update` takes
 *   `{arith, step, count, channelNames, shown, activationLabel, engine, flip, other}` where
 *   `arith` is a `windowArithmetic` result, `engine` the engine's value (or null while it
 *   loads) and `other` the value of the other convention at this cell (PyTorch's when
 *   flipped).
 */
export function createNumbersPanel(container) {
  const el = document.createElement("div");
  el.className = "patch-numbers";
  container.append(el);
  let layoutKey = "";
  let parts = null;

  const build = ({ kh, kw, tabulated, channelNames, flip }) => {
    el.innerHTML = `
      <p class="patch-where" data-role="where"></p>
      <div class="patch-channels">${tabulated.map((c) => `
        <figure class="patch-channel" data-channel="${c}">
          <figcaption>Input channel ${channelNames[c]}</figcaption>
          <div class="patch-eq">
            ${matrix("values", kh, kw, "input under the window")}
            <span class="patch-op" aria-hidden="true">×</span>
            ${matrix("weights", kh, kw, flip ? "kernel, rotated 180°" : "kernel weights")}
            <span class="patch-op" aria-hidden="true">=</span>
            ${matrix("products", kh, kw, "products")}
          </div>
          <p class="patch-csum">sum of the ${kh * kw} products = <strong data-role="channel-sum"
            ></strong></p>
        </figure>`).join("")}
      </div>
      <p class="patch-line" data-role="total-line"><span data-role="total-label"></span> =
        <strong data-role="total"></strong></p>
      <p class="patch-line" data-role="bias-line"><span data-role="total-copy"></span> + bias
        <span data-role="bias"></span> = <strong data-role="pre"></strong></p>
      <p class="patch-line patch-result" data-role="result-line">Output value:
        <strong data-role="output"></strong>${flip ? " (true convolution)" : ""}</p>
      ${flip ? `<p class="patch-line patch-other" data-role="other-line">What PyTorch computes
        here (cross-correlation, the engine's map): <span data-role="engine"></span>.
        <span data-role="other-note"></span></p>`
    : `<p class="patch-line patch-check" data-role="check-line">Engine's value in the map:
        <span data-role="engine"></span> <span data-role="check"></span></p>`}`;
    const q = (sel) => el.querySelector(sel);
    const role = (name) => q(`[data-role="${name}"]`);
    parts = {
      where: role("where"),
      channels: tabulated.map((c) => {
        const fig = el.querySelector(`[data-channel="${c}"]`);
        const cells = (name) => [...fig.querySelectorAll(`[data-role="${name}"] td`)];
        return { c, values: cells("values"), weights: cells("weights"),
          products: cells("products"), sum: fig.querySelector('[data-role="channel-sum"]') };
      }),
      totalLabel: role("total-label"),
      total: role("total"),
      totalCopy: role("total-copy"),
      bias: role("bias"),
      pre: role("pre"),
      output: role("output"),
      engine: role("engine"),
      check: role("check"),
      otherNote: role("other-note"),
    };
  };

  const setText = (node, text) => {
    if (node && node.textContent !== text) node.textContent = text;
  };

  return {
    update({ arith, step, count, channelNames, shown, activationLabel, engine, matches, flip,
      other, kernel }) {
      const channels = arith.channels.length;
      const tabulated = tabulatedChannels({ channels, shown });
      const key = JSON.stringify([kernel, tabulated, channelNames.length, flip]);
      if (key !== layoutKey) {
        build({ kh: kernel[0], kw: kernel[1], tabulated, channelNames, flip });
        layoutKey = key;
      }
      const { row, col, taps } = arith;
      setText(parts.where, `Step ${step + 1} of ${count}: output cell row ${row + 1}, `
        + `column ${col + 1}. The window's top-left tap is on input row ${taps[0].y + 1}, `
        + `column ${taps[0].x + 1}${taps.some((t) => !t.inside)
          ? " (taps outside the input read the padding zeros)" : ""}.`);
      for (const part of parts.channels) {
        const ch = arith.channels[part.c];
        part.values.forEach((td, t) => {
          setNumber(td, ch.values[t]);
          td.classList.toggle("is-pad", !taps[t].inside);
        });
        part.weights.forEach((td, t) => setNumber(td, ch.weights[t]));
        part.products.forEach((td, t) => setNumber(td, ch.products[t]));
        setNumber(part.sum, ch.sum);
      }
      const sums = arith.channels.map((c) => c.sum);
      const listed = sums.slice(0, MAX_LISTED_CHANNEL_SUMS).map((v) => (v < 0
        ? `(${formatValue(v)})` : formatValue(v)));
      const more = sums.length > listed.length ? ` + … (${sums.length - listed.length} more)`
        : "";
      setText(parts.totalLabel, channels > 1
        ? `Sum over all ${channels} input channels: ${listed.join(" + ")}${more}`
        : "Sum over the single input channel");
      setNumber(parts.total, arith.total);
      setText(parts.totalCopy, formatValue(arith.total));
      setNumber(parts.bias, arith.bias);
      setNumber(parts.pre, arith.preActivation);
      setNumber(parts.output, arith.output, formatActivation({ label: activationLabel || "",
        pre: arith.preActivation, out: arith.output }));
      const known = engine !== null && engine !== undefined;
      const value = flip ? other : engine;
      if (value !== null && value !== undefined) setNumber(parts.engine, value);
      else {
        setText(parts.engine, "…");
        delete parts.engine.dataset.value;
      }
      if (flip) {
        const same = value === arith.output;
        setText(parts.otherNote, value === null || value === undefined ? ""
          : `The true convolution rotates the kernel by 180° first${same
            ? "; here the value is the same." : ", so the value changes."}`);
      } else {
        setText(parts.check, known ? (matches ? "✓ same" : "✗ differs") : "loading…");
        parts.check.className = known ? (matches ? "is-ok" : "is-bad") : "";
      }
    },
    destroy() { el.remove(); },
  };
}
