/**
 * Number formatting for the arithmetic shown to students: short, signed with a real minus
 * sign, and never hiding that a value is not exactly zero.
 */

/** Significant digits shown for values in the arithmetic. */
export const DISPLAY_DIGITS = 4;

/**
 * Format a value with about `digits` significant digits: `0.3125`, `−1.25`, `12.5`, `3e−05`.
 * Integers print as integers; `-0` prints as `0`.
 *
 * @param {number} value
 * @param {{digits?: number}} [options]
 * @returns {string}
 */
export function formatValue(value, { digits = DISPLAY_DIGITS } = {}) {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const abs = Math.abs(value);
  let text;
  if (Number.isInteger(value) && abs < 1e6) {
    text = String(abs);
  } else if (abs >= 1e5 || abs < 1e-3) {
    text = abs.toExponential(Math.max(digits - 2, 1)).replace(/\.?0+e/, "e").replace("e+", "e");
  } else {
    text = String(Number(abs.toPrecision(digits)));
  }
  text = text.replace("-", "\u2212");
  return value < 0 ? `\u2212${text}` : text;
}

/**
 * Format an activation applied to a value: `ReLU(−0.31) = 0`, or just the value.
 *
 * @param {{label: string, pre: number, out: number}} args `label` '' for no activation.
 * @returns {string}
 */
export function formatActivation({ label, pre, out }) {
  if (!label) return formatValue(out);
  return `${label}(${formatValue(pre)}) = ${formatValue(out)}`;
}

/**
 * A value in at most about 5 characters, for the cells of the magnifier and the grid figure:
 * `0.604`, `0.008`, `−0.14`, `12.5`, `1234`, `3e−5`.
 *
 * @param {number} value
 * @returns {string}
 */
export function formatCompact(value) {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const abs = Math.abs(value);
  let text;
  // A minus sign costs a character: negatives keep 2 decimals, tiny values go to e-notation.
  const tiny = value < 0 ? 0.01 : 0.001;
  if (Number.isInteger(value) && abs < 1e5) text = String(abs);
  else if (abs < tiny) text = abs.toExponential(0).replace("e-", "e\u2212");
  else if (abs < 1) text = String(Number(abs.toFixed(value < 0 ? 2 : 3)));
  else if (abs < 100) text = String(Number(abs.toPrecision(3)));
  else if (abs < 1e5) text = String(Math.round(abs));
  else text = abs.toExponential(0).replace("e+", "e");
  return value < 0 ? `\u2212${text}` : text;
}
