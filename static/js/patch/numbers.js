/**
 * The numbers panel: at every step, the input values under the window (per input channel),
 * the kernel weights, their products, the per-channel sums, the sum over channels, the bias,
 * the activation and the engine's value with a check mark.
 *
 * The table structure is built once per (kernel size, channels) and only the text changes per
 * step, so updating it is cheap enough for every animation frame. Every number carries its
 * full-precision value in `data-value` (the browser tests read them).
 */

import { MAX_CHANNEL_TABLES, MAX_LISTED_CHANNEL_SUMS } from './config.js';
import { formatActivation, formatValue } from './format.js';

const matrix = (role, kh, kw, caption) => `
  <table class="patch-mat patch-mat-${role}" data-role="${role}">
    <caption>${caption}</caption>
    <tbody>${Array.from({ length: kh }, () => `<tr>${'<td></td>'.repeat(kw)}</tr>`).join('')}
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
  const el = document.createElement('div');
  el.className = 'patch-numbers';
  container.append(el);
  let layoutKey = '';
  let parts = null;

  const build = ({ kh, kw, tabulated, channelNames, flip }) => {
    el.innerHTML = `
      <p class="patch-where" data-role="where"></p>
      <div class="patch-channels">${tabulated.map((c) => `
        <figure class="patch-channel" data-channel="${c}">
          <figcaption>Input channel ${channelNames[c]}</figcaption>
          <div class="patch-eq">
            ${matrix('values', kh, kw, 'input under the window')}
            <span class="patch-op" aria-hidden="true">×</span>
            ${matrix('weights', kh, kw, flip ? 'kernel, rotated 180°' : 'kernel weights')}
            <span class="patch-op" aria-hidden="true">=</span>
            ${matrix('products', kh, kw, 'products')}
          </div>
          <p class="patch-csum">sum of the ${kh * kw} products = <strong data-role="channel-sum"
            ></strong></p>
        </figure>`).join('')}
      </div>
      <p class="patch-line" data-role="total-line"></p>
      <p class="patch-line" data-role="bias-line"></p>
      <p class="patch-line patch-result" data-role="result-line"></p>
      <p class="patch-line patch-check" data-role="check-line" aria-live="polite"></p>
      <p class="patch-line patch-other" data-role="other-line"></p>`;
    const q = (sel) => el.querySelector(sel);
    parts = {
      where: q('[data-role="where"]'),
      channels: tabulated.map((c) => {
        const fig = el.querySelector(`[data-channel="${c}"]`);
        const cells = (role) => [...fig.querySelectorAll(`[data-role="${role}"] td`)];
        return { c, values: cells('values'), weights: cells('weights'),
          products: cells('products'), sum: fig.querySelector('[data-role="channel-sum"]') };
      }),
      total: q('[data-role="total-line"]'),
      bias: q('[data-role="bias-line"]'),
      result: q('[data-role="result-line"]'),
      check: q('[data-role="check-line"]'),
      other: q('[data-role="other-line"]'),
    };
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
      parts.where.textContent = `Step ${step + 1} of ${count}: output cell row ${row + 1}, `
        + `column ${col + 1}. The window's top-left tap is on input row ${taps[0].y + 1}, `
        + `column ${taps[0].x + 1}${taps.some((t) => !t.inside)
          ? ' (taps outside the input read the padding zeros)' : ''}.`;
      for (const part of parts.channels) {
        const ch = arith.channels[part.c];
        part.values.forEach((td, t) => {
          setNumber(td, ch.values[t]);
          td.classList.toggle('is-pad', !taps[t].inside);
        });
        part.weights.forEach((td, t) => setNumber(td, ch.weights[t]));
        part.products.forEach((td, t) => setNumber(td, ch.products[t]));
        setNumber(part.sum, ch.sum);
      }
      const sums = arith.channels.map((c) => c.sum);
      const listed = sums.slice(0, MAX_LISTED_CHANNEL_SUMS).map((v) => (v < 0
        ? `(${formatValue(v)})` : formatValue(v)));
      const more = sums.length > listed.length ? ` + … (${sums.length - listed.length} more)`
        : '';
      parts.total.innerHTML = channels > 1
        ? `Sum over all ${channels} input channels: ${listed.join(' + ')}${more} = `
          + `<strong data-role="total" data-value="${arith.total}">${formatValue(arith.total)}`
          + '</strong>'
        : `Sum over the single input channel = <strong data-role="total" data-value="${
          arith.total}">${formatValue(arith.total)}</strong>`;
      parts.bias.innerHTML = `${formatValue(arith.total)} + bias <span data-role="bias" `
        + `data-value="${arith.bias}">${formatValue(arith.bias)}</span> = <strong `
        + `data-role="pre" data-value="${arith.preActivation}">${
          formatValue(arith.preActivation)}</strong>`;
      const label = activationLabel || '';
      parts.result.innerHTML = `Output value: <strong data-role="output" data-value="${
        arith.output}">${formatActivation({ label, pre: arith.preActivation,
        out: arith.output })}</strong>${flip ? ' (true convolution)' : ''}`;
      if (flip) {
        parts.check.textContent = '';
        parts.other.innerHTML = `What PyTorch computes here (cross-correlation, the engine's `
          + `map): <span data-role="engine" data-value="${other ?? ''}">${other === null
            || other === undefined ? '…' : formatValue(other)}</span>. The true convolution `
          + `rotates the kernel by 180° first${other !== null && other !== undefined
            && other !== arith.output ? ', so the value changes' : '; here the value is the same'}.`;
      } else {
        parts.other.textContent = '';
        parts.check.innerHTML = engine === null || engine === undefined
          ? 'Engine\'s value: loading…'
          : `Engine's value in the map: <span data-role="engine" data-value="${engine}">${
            formatValue(engine)}</span> <span data-role="check" class="${matches ? 'is-ok'
            : 'is-bad'}">${matches ? '✓ same' : '✗ differs'}</span>`;
      }
    },
    destroy() { el.remove(); },
  };
}
