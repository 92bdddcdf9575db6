/**
 * Numbers and kernels in the words a student reads: "7.4 billion" (not "7.4e+9"), and what
 * a preset kernel looks for ("vertical edges" for Sobel x). Pure helpers.
 * @module words
 */

const SCALES = Object.freeze([[1e12, "trillion"], [1e9, "billion"], [1e6, "million"]]);

/**
 * A count as a student reads it: "1,234", "68,000", "7.4 million", "7.4 billion".
 * Below a million every digit is written (with thousands separators); from a million on, two
 * significant figures (three below 10) and the word.
 * @param {number} n
 * @returns {string}
 */
export function numberInWords(n) {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? "−" : "";
  const a = Math.abs(n);
  for (const [value, word] of SCALES) {
    if (a >= value) {
      const x = a / value;
      const digits = x < 10 ? 1 : 0;
      const text = Number(x.toFixed(digits)).toLocaleString("en-US");
      return `${sign}${text} ${word}`;
    }
  }
  return `${sign}${Math.round(a).toLocaleString("en-US")}`;
}

/** What each preset kernel picks out, in plain words (config.js PRESETS). */
export const PRESET_WORDS = Object.freeze({
  identity: "the photo unchanged",
  box_blur: "blur",
  gaussian_blur: "blur",
  sharpen: "sharper detail",
  laplacian: "outlines and spots",
  sobel_x: "vertical edges",
  sobel_y: "horizontal edges",
  prewitt_x: "vertical edges",
  prewitt_y: "horizontal edges",
  emboss: "relief (diagonal edges)",
  gabor_0: "vertical stripes",
  gabor_45: "diagonal stripes (/)",
  gabor_90: "horizontal stripes",
  gabor_135: "diagonal stripes (\\)",
  random: "random weights: no fixed meaning",
});

/** "Sobel x" for "sobel_x": the preset's own name, as the editor lists it. */
export function presetName(id) {
  const text = String(id).replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
