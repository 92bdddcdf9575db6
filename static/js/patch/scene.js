/**
 * What the photo animation needs about one (layer, map), derived from the decoded pyramid
 * and the exact tensors: geometry, kernel, bias, activation, names. Pure functions.
 */

import { ACTIVATIONS, flattenWeights, kernelOf, LEAKY_SLOPE } from "./arithmetic.js";
import { formatValue } from "./format.js";
import { indexList } from "../render/unreached.js";
import { outputShape, unreachedLines } from "./windows.js";

/**
 * The window geometry of pyramid layer `index` (a conv layer) from its header entry.
 *
 * @param {object} info `header.layers[index]`.
 * @returns {import('./windows.js').WindowGeometry}
 */
export function layerGeometry(info) {
  return {
    inShape: info.in_shape.slice(),
    kernel: info.kernel.slice(),
    stride: info.stride.slice(),
    dilation: info.dilation.slice(),
    padding: info.padding.slice(),
  };
}

/**
 * The activation of pyramid layer `index`: the header's if it has one, else the request's.
 *
 * @param {{header: object, request?: object}} pyramid
 * @param {number} index
 * @returns {{name: string, label: string, slope: number}}
 */
export function layerActivation(pyramid, index) {
  const info = pyramid.header.layers[index] ?? {};
  const asked = pyramid.request?.layers?.[index - 1] ?? {};
  const name = info.activation ?? asked.activation ?? "none";
  const known = ACTIVATIONS[name] ? name : "none";
  return { name: known, label: ACTIVATIONS[known].label, slope: asked.slope ?? LEAKY_SLOPE };
}

/**
 * Names of the input channels of pyramid layer `index`: R, G, B (or grey) for the image,
 * numbers for feature maps.
 *
 * @param {number} index the animated layer (its input is layer `index - 1`).
 * @param {number} channels
 * @returns {string[]}
 */
export function channelNames(index, channels) {
  if (index === 1 && channels === 3) return ["1 (red)", "2 (green)", "3 (blue)"];
  if (index === 1 && channels === 1) return ["1 (grey)"];
  return Array.from({ length: channels }, (_, c) => String(c + 1));
}

/**
 * Everything fixed for one animated map (does not depend on the step).
 *
 * @param {{pyramid: object, layer: number, map: number, flip: boolean}} args
 * @returns {{geometry: object, kernel: Float32Array, plainKernel: Float32Array, bias: number,
 *   activation: {name: string, label: string, slope: number}, names: string[],
 *   outShape: number[], count: number, maps: number}}
 */
export function sceneOf({ pyramid, layer, map, flip }) {
  const info = pyramid.header.layers[layer];
  const geometry = layerGeometry(info);
  const weights = flattenWeights(info.weights);
  const shape = [info.shape[0], geometry.inShape[0], geometry.kernel[0], geometry.kernel[1]];
  const outShape = outputShape(geometry);
  return {
    geometry,
    kernel: kernelOf({ weights, shape, map, flip }),
    plainKernel: kernelOf({ weights, shape, map }),
    bias: Math.fround(info.bias?.[map] ?? 0),
    activation: layerActivation(pyramid, layer),
    names: channelNames(layer, geometry.inShape[0]),
    outShape,
    count: outShape[0] * outShape[1],
    maps: info.shape[0],
  };
}

/**
 * A short description of the layer for the layer picker.
 *
 * @param {object} info a header layer entry.
 * @returns {string}
 */
export function layerLabel(info) {
  const [kh, kw] = info.kernel;
  const [sh, sw] = info.stride;
  const [c, h, w] = info.in_shape;
  return `Layer ${info.index}: ${kh}×${kw} conv, stride ${sh === sw ? sh : `${sh}×${sw}`}, `
    + `${w}×${h}×${c} → ${info.shape[2]}×${info.shape[1]}×${info.shape[0]}`;
}

/**
 * The cache key of the exact tensors of `layer`: the request up to that layer (a change in
 * a later layer does not change them).
 *
 * @param {object} request the pyramid request.
 * @param {number} layer
 * @returns {string}
 */
export function tensorKey(request, layer) {
  return JSON.stringify({ image: request.image, color: request.color,
    layers: (request.layers ?? []).slice(0, layer) });
}

/**
 * How many cells of the map change when the kernel is flipped, and by how much at most.
 *
 * @param {Float32Array} plain the engine's map.
 * @param {Float32Array} flipped the true-convolution map.
 * @returns {string} a sentence for the student.
 */
export function flipChange(plain, flipped) {
  let changed = 0;
  let largest = 0;
  for (let i = 0; i < plain.length; i += 1) {
    const d = Math.abs(plain[i] - flipped[i]);
    if (d > 1e-6 * Math.max(1, Math.abs(plain[i]))) changed += 1;
    largest = Math.max(largest, d);
  }
  return changed === 0
    ? "Flipping changes nothing here: this kernel is symmetric under a 180° rotation."
    : `Flipping changes ${changed.toLocaleString("en")} of ${
      plain.length.toLocaleString("en")} cells (largest change ${formatValue(largest)}).`;
}

/**
 * The captions of the input and output views, written out with the layer's numbers.
 *
 * @param {ReturnType<typeof sceneOf>} base
 * @param {{layer: number, map: number, shown: number, flippedMap: Float32Array|null,
 *   engineMap: Float32Array, range: {min: number, max: number}, magnifier: boolean}} args
 *   `shown` is the input channel shown (-1 = the colour image); `magnifier` whether it is on.
 * @returns {{input: string, output: string, change: string}}
 */
export function captionsOf(base, { layer, map, shown, flippedMap, engineMap, range,
  magnifier }) {
  const [c, h, w] = base.geometry.inShape;
  const [top, bottom, left, right] = base.geometry.padding;
  const [oh, ow] = base.outShape;
  const [sh, sw] = base.geometry.stride;
  const [dh, dw] = base.geometry.dilation;
  const pair = (a, b) => (a === b ? `${a}` : `${a}×${b}`);
  const padText = top + bottom + left + right === 0 ? "no padding (valid)"
    : `padding ring of zeros: top ${top}, bottom ${bottom}, left ${left}, right ${right}`;
  const { rows, cols } = unreachedLines(base.geometry);
  const never = [rows.length ? `${rows.length === 1 ? "row" : `${rows.length} rows`} ${
    indexList(rows)}` : "", cols.length ? `${cols.length === 1 ? "column" : `${cols.length
  } columns`} ${indexList(cols)}` : ""].filter(Boolean).join(" and ");
  const rgb = shown < 0 && c === 3;
  const lens = magnifier ? ` The magnifier beside the window shows the cells under it${rgb
    ? " (each lists its R, G and B values)" : ", with each tap's weight in its dark band"}.` : "";
  return {
    input: `Input of layer ${layer}: ${w} × ${h} × ${c} (W × H × D); ${padText}. Window `
      + `${base.geometry.kernel.join("×")}, stride ${pair(sh, sw)}${dh > 1 || dw > 1
        ? `, dilation ${pair(dh, dw)} (taps spaced apart)` : ""}.${never
        ? ` Shaded red: ${never}, which no window reads.` : ""}${lens}`,
    output: `${flippedMap ? "True convolution (kernel rotated 180°, computed in your browser)"
      : "What PyTorch computes (cross-correlation, the engine's exact map)"}: map ${map + 1} `
      + `of layer ${layer}, ${ow} × ${oh}, painted cell by cell over the finished map, shown `
      + `faintly. Colour range ${formatValue(range.min)} … ${formatValue(range.max)}. `
      + "Click a cell to jump to it.",
    change: flippedMap ? flipChange(engineMap, flippedMap) : "",
  };
}
