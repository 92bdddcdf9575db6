/**
 * What the classifier panel shows, from a pyramid whose last layer is dense: one bar per
 * class (softmax probability, all on the same 0..1 scale, so a flat random head looks flat),
 * the winner, the raw scores, whether the head is trained, and the flatten step with its
 * numbers next to what dense layers on the raw image would need. Pure functions.
 * @module digits/bars
 */

import { hwdText } from "./fit.js";

/** The note at an untrained classifier (issue 14's words). */
export const UNTRAINED_NOTE = "random, untrained weights: these scores mean nothing yet";

const count = (n) => n.toLocaleString("en-US");

/**
 * Softmax, computed stably (the largest score subtracted first).
 * @param {number[]} scores
 * @returns {number[]} sums to 1
 */
export function softmax(scores) {
  const top = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/**
 * The bars of a pyramid's classifier, or null when its last layer is not dense.
 * @param {{header: {layers: object[], probabilities?: number[], head?: {trained: boolean,
 *   model: string|null}}, classes?: string[]|null}} options `classes` = the trained model's
 *   class names (used only when the head is trained)
 * @returns {null|{bars: Array<{label: string, p: number, score: number, winner: boolean}>,
 *   winner: number, trained: boolean, note: string|null}}
 */
export function classifierBars({ header, classes = null }) {
  const last = header.layers.at(-1);
  if (!last || last.type !== "dense") return null;
  // a dense unit's map is 1 x 1: its min is its value
  const scores = last.maps.map((m) => m.min);
  const probabilities = header.probabilities?.length === scores.length
    ? header.probabilities : softmax(scores);
  const trained = Boolean(header.head?.trained);
  const named = trained && classes?.length === scores.length;
  let winner = 0;
  probabilities.forEach((p, i) => { if (p > probabilities[winner]) winner = i; });
  const bars = scores.map((score, i) => ({ label: named ? classes[i] : `unit ${i + 1}`,
    p: probabilities[i], score, winner: i === winner }));
  return { bars, winner, trained, note: trained ? null : UNTRAINED_NOTE };
}

/**
 * The flatten step and the "far fewer weights" comparison, as sentences.
 * @param {{layers: object[]}} header a pyramid header (geometry of every layer)
 * @returns {null|{flatten: string, compare: string, inputs: number, weights: number}}
 */
export function flattenText(header) {
  const layers = header.layers;
  const last = layers.at(-1);
  if (!last || last.type !== "dense") return null;
  const input = layers[0].shape;
  const feed = last.in_shape;
  const inputs = feed.reduce((a, b) => a * b, 1);
  const units = last.shape[0];
  const weights = inputs * units + units;
  const raw = input.reduce((a, b) => a * b, 1);
  const convWeights = layers.slice(1, -1).reduce((n, l) => n + (l.params ?? 0), 0);
  const denseSame = raw * inputs + inputs;
  const flatten = `Flatten: ${hwdText(feed)} = ${count(inputs)} numbers in a row → `
    + `${units} scores: ${count(inputs)} × ${units} weights + ${units} biases = `
    + `${count(weights)} weights.`;
  const compare = `The conv layers below made those ${count(inputs)} numbers from the `
    + `${hwdText(input)} image with ${count(convWeights)} weights; a dense layer making the `
    + `same ${hwdText(feed)} from the raw image would need ${count(raw)} × ${count(inputs)} + `
    + `${count(inputs)} = ${count(denseSame)}. A classifier straight on the raw image would `
    + `take ${count(raw)} inputs (${count(raw * units + units)} weights) but see single `
    + "pixels, not the strokes and edges the conv layers find.";
  return { flatten, compare, inputs, weights };
}
