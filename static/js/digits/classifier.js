/**
 * The classifier at the top of the pyramid, drawn as it is: ten labelled bars of softmax
 * probability on one 0..1 scale with the winner highlighted and each raw score readable on
 * hover or focus; "random, untrained weights: these scores mean nothing yet" when the head is
 * not trained; the flatten step with its numbers; "nothing drawn" for a blank pad; and, when
 * an edit no longer fits the trained weights, exactly why, with a button back to the trained
 * network (nothing silently turns into random weights).
 * @module digits/classifier
 */

import { formatValue } from "../colormap.js";
import { h, setText } from "../dom.js";
import { classifierBars, flattenText } from "./bars.js";

const percent = (p) => `${(p * 100).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1)} %`;

/**
 * @param {HTMLElement} root the panel (section#classifier)
 * @param {{onReset: () => void}} handlers `onReset` puts the trained network back
 * @returns {{draw: (view: {pyramid: object|null, classes: string[]|null, blank: boolean,
 *   fit: object|null, stale: boolean, canReset: boolean}) => void}}
 */
export function createClassifierPanel(root, { onReset }) {
  const title = h("h2", { id: "classifier-title", text: "The classifier's answer" });
  const answer = h("p", { class: "classifier-answer", role: "status", "aria-live": "polite" });
  const note = h("p", { class: "classifier-note", hidden: true });
  const fit = h("div", { class: "classifier-fit", role: "alert", hidden: true });
  const fitText = h("p", {});
  const reset = h("button", { type: "button", class: "reset-trained",
    text: "Reset to the trained network", on: { click: () => onReset() } });
  fit.append(fitText, reset);
  const bars = h("ol", { class: "prob-bars", "aria-label": "Probability of each class" });
  const score = h("p", { class: "muted raw-score", text: "Hover or focus a bar for its raw score." });
  const flatten = h("p", { class: "flatten" });
  const compare = h("p", { class: "muted flatten-compare" });
  root.setAttribute("aria-labelledby", title.id);
  root.replaceChildren(title, answer, note, fit, bars, score, flatten, compare);
  const memo = { rows: [], key: null };

  function buildRows(count) {
    memo.rows = Array.from({ length: count }, () => {
      const label = h("span", { class: "bar-label" });
      const fill = h("span", { class: "bar-fill" });
      const value = h("span", { class: "bar-value" });
      const li = h("li", { class: "prob-bar", tabIndex: 0 }, label,
        h("span", { class: "bar-track" }, fill), value);
      const tell = () => setText(score, li.dataset.score ?? "");
      li.addEventListener("mouseenter", tell);
      li.addEventListener("focus", tell);
      return { li, label, fill, value };
    });
    bars.replaceChildren(...memo.rows.map((r) => r.li));
  }

  /** Draw the panel for the current pyramid and page state. */
  function draw({ pyramid, classes = null, blank = false, fit: problem = null, stale = false,
    canReset = false }) {
    const view = pyramid && !blank ? classifierBars({ header: pyramid.header, classes }) : null;
    root.hidden = !view && !blank && !problem;
    fit.hidden = !problem;
    if (problem) {
      setText(fitText, `The trained weights no longer fit: ${problem.message}. `
        + "Change it back, or reset.");
      reset.hidden = !canReset;
    }
    root.classList.toggle("stale", stale || Boolean(problem));
    if (blank) {
      setText(answer, "Nothing drawn: draw a digit on the pad, or pick one from the gallery.");
      note.hidden = true;
      bars.hidden = true;
      score.hidden = true;
      flatten.hidden = true;
      compare.hidden = true;
      return;
    }
    bars.hidden = !view;
    score.hidden = !view;
    if (!view) return;
    if (memo.rows.length !== view.bars.length) buildRows(view.bars.length);
    const win = view.bars[view.winner];
    setText(answer, problem ? `No answer for these settings; the bars are the last answer `
      + `(${win.label}).` : view.trained ? `The network says ${win.label} (${percent(win.p)} sure).`
      : `Highest score: ${win.label}, by chance.`);
    note.hidden = view.trained;
    setText(note, view.note ? `${view.note[0].toUpperCase()}${view.note.slice(1)}.` : "");
    root.classList.toggle("untrained", !view.trained);
    view.bars.forEach((bar, i) => {
      const row = memo.rows[i];
      setText(row.label, bar.label);
      setText(row.value, percent(bar.p));
      row.fill.style.width = `${(bar.p * 100).toFixed(2)}%`;
      row.li.classList.toggle("winner", bar.winner);
      row.li.dataset.score = `${bar.label}: raw score ${formatValue(bar.score)}, softmax `
        + `probability ${percent(bar.p)}`;
      row.li.dataset.cls = bar.label;
      row.li.title = row.li.dataset.score;
      row.li.setAttribute("aria-label", row.li.dataset.score);
    });
    const text = flattenText(pyramid.header);
    flatten.hidden = !text;
    compare.hidden = !text;
    setText(flatten, text?.flatten ?? "");
    setText(compare, text?.compare ?? "");
  }

  return { draw };
}
