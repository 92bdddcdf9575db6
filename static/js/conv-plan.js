/**
 * Geometry of a whole stack of API layers without computing it, mirroring app/engine/stack.py
 * `plan()`: shapes, padding, unreached cells, receptive field / jump / origin, parameter counts.
 * Geometry objects use the server's field names (docs/api.md) so either can be drawn.
 * @module conv-plan
 */

import { ACTIVATIONS } from "./config.js";
import {
  effectiveKernel, emptyReason, formulaText, outputLength, resolvePadding, toPair,
  unreachedIndices,
} from "./conv-math.js";

const ACTIVATION_TYPES = new Set(ACTIVATIONS);
/** Activations and dense layers read every input cell. */
const noneUnreached = () => ({ unreached: [0, 0], unreached_rows: [], unreached_cols: [] });

/** Shape [K, C, kh, kw] of a conv layer's weights (array or recipe). */
function convWeightShape(layer, channels) {
  const w = layer.weights;
  if (Array.isArray(w)) {
    return [w.length, w[0]?.length ?? 0, w[0]?.[0]?.length ?? 0, w[0]?.[0]?.[0]?.length ?? 0];
  }
  const [kh, kw] = toPair(layer.kernel_size ?? 3);
  return [layer.filters ?? 1, channels, kh, kw];
}

function windowGeometry({ type, inShape, outC, kernel, stride, dilation, padding, rf, params }) {
  const [c, h, w] = inShape;
  const sizes = [h, w];
  const befores = [padding[0], padding[2]];
  const afters = [padding[1], padding[3]];
  const axes = ["height", "width"];
  const opts = (a) => ({ stride: stride[a], dilation: dilation[a], before: befores[a],
    after: afters[a] });
  for (let a = 0; a < 2; a += 1) {
    const reason = emptyReason(sizes[a], kernel[a], { ...opts(a), axis: axes[a] });
    if (reason) return { error: { field: "kernel_size", message: reason, axis: axes[a] } };
  }
  const out = [0, 1].map((a) => outputLength(sizes[a], kernel[a], opts(a)));
  const spans = [0, 1].map((a) => effectiveKernel(kernel[a], dilation[a]));
  const nIn = c * h * w;
  const nOut = outC * out[0] * out[1];
  const [rows, cols] = [0, 1].map((a) => unreachedIndices(sizes[a], kernel[a], opts(a)));
  return {
    type,
    in_shape: [c, h, w],
    shape: [outC, out[0], out[1]],
    kernel, stride, dilation, padding,
    unreached: [rows.length, cols.length],
    unreached_rows: rows,
    unreached_cols: cols,
    receptive_field: [0, 1].map((a) => rf.field[a] + (spans[a] - 1) * rf.jump[a]),
    jump: [0, 1].map((a) => rf.jump[a] * stride[a]),
    origin: [rf.origin[0] - padding[0] * rf.jump[0], rf.origin[1] - padding[2] * rf.jump[1]],
    params,
    dense_params: nIn * nOut + nOut,
    macs: type === "conv" ? nOut * c * kernel[0] * kernel[1] : 0,
    formula: { height: formulaText(h, kernel[0], opts(0)), width: formulaText(w, kernel[1], opts(1)) },
  };
}

/**
 * Geometry of one API layer on an input of shape (C, H, W).
 * @param {object} layer an API layer object (docs/api.md)
 * @param {[number, number, number]} inShape
 * @param {{field: number[], jump: number[], origin: number[]}} rf receptive field so far
 * @returns {object} geometry, or `{error: {field, message}}`
 */
export function planLayer(layer, inShape, rf) {
  const [c, h, w] = inShape;
  if (layer.type === "conv") {
    const [k, wc, kh, kw] = convWeightShape(layer, c);
    if (wc !== c) {
      return { error: { field: "weights",
        message: `weights must be K x ${c} x kh x kw for an input with ${c} channels, got `
          + `${k} x ${wc} x ${kh} x ${kw}` } };
    }
    const kernel = [kh, kw];
    const stride = toPair(layer.stride ?? 1);
    const dilation = toPair(layer.dilation ?? 1);
    const padding = resolvePadding(layer.padding ?? "valid",
      { inSize: [h, w], kernel, stride, dilation });
    return windowGeometry({ type: "conv", inShape, outC: k, kernel, stride, dilation, padding,
      rf, params: k * c * kh * kw + k });
  }
  if (layer.type === "maxpool" || layer.type === "avgpool") {
    const kernel = toPair(layer.size ?? 2);
    const stride = toPair(layer.stride ?? kernel);
    const padding = resolvePadding(layer.padding ?? "valid",
      { inSize: [h, w], kernel, stride, dilation: [1, 1] });
    return windowGeometry({ type: layer.type, inShape, outC: c, kernel, stride,
      dilation: [1, 1], padding, rf, params: 0 });
  }
  if (ACTIVATION_TYPES.has(layer.type)) {
    return { type: layer.type, in_shape: inShape, shape: inShape, kernel: [1, 1],
      stride: [1, 1], dilation: [1, 1], padding: [0, 0, 0, 0], ...noneUnreached(),
      receptive_field: rf.field, jump: rf.jump, origin: rf.origin, params: 0, dense_params: 0,
      macs: 0, formula: { height: String(h), width: String(w) } };
  }
  if (layer.type === "dense") {
    const nIn = c * h * w;
    const units = Array.isArray(layer.weights) ? layer.weights.length : (layer.units ?? 10);
    const params = units * nIn + units;
    return { type: "dense", in_shape: inShape, shape: [units, 1, 1], kernel: [h, w],
      stride: [1, 1], dilation: [1, 1], padding: [0, 0, 0, 0], ...noneUnreached(),
      receptive_field: [h * rf.jump[0] + rf.field[0] - rf.jump[0],
        w * rf.jump[1] + rf.field[1] - rf.jump[1]],
      jump: rf.jump, origin: rf.origin, params, dense_params: params, macs: units * nIn,
      formula: { height: "1", width: "1" } };
  }
  return { error: { field: "type", message: `unknown layer type ${layer.type}` } };
}

/**
 * Plan a stack of API layers on an input of shape (C, H, W), like the engine's `plan()`.
 * @param {object[]} layers API layer objects
 * @param {[number, number, number]} inputShape
 * @returns {{geometries: object[], error: null | {layer: number, field: string,
 *   message: string}}} geometry of each layer that could be planned; `error.layer` is the
 *   0-based index of the first layer that cannot work
 */
export function planStack(layers, inputShape) {
  const geometries = [];
  let shape = inputShape;
  let rf = { field: [1, 1], jump: [1, 1], origin: [0, 0] };
  for (let index = 0; index < layers.length; index += 1) {
    const previous = geometries[geometries.length - 1];
    if (previous?.type === "dense" && !["dense", ...ACTIVATION_TYPES].includes(layers[index].type)) {
      return { geometries, error: { layer: index, field: "type",
        message: `layer ${index + 1}: only dense or activation layers can follow a dense layer` } };
    }
    const geo = planLayer(layers[index], shape, rf);
    if (geo.error) return { geometries, error: { layer: index, ...geo.error } };
    geometries.push(geo);
    shape = geo.shape;
    rf = { field: geo.receptive_field, jump: geo.jump, origin: geo.origin };
  }
  return { geometries, error: null };
}
