/**
 * The geometry panel of the selected layer: the output-size formula with the current numbers
 * for each axis, the padding on each side, every input row and column no window reads (and
 * why), the receptive field, and the parameter count beside what a dense layer joining the
 * same input and output needs.
 * @module render/geometry
 */

import { h, pairText, replaceChildren, shapeText } from "../dom.js";
import { numberInWords } from "../words.js";
import { unreachedOfGeometry, unreachedSentence } from "./unreached.js";

const GENERIC_FORMULA = "out = floor((n + pad_before + pad_after − dilation·(k − 1) − 1) / stride) + 1";

/** 12345 -> "12,345"; 7412000000 -> "7.4 billion" (words.js numberInWords). */
export function bigNumber(n) {
  return numberInWords(n);
}

function paddingNote(padding, layerRequest) {
  const [t, b, l, r] = padding;
  const mode = typeof layerRequest?.padding === "string" ? layerRequest.padding : "custom";
  const asym = t !== b || l !== r;
  const why = {
    valid: "valid: no padding, the window never leaves the input.",
    same: `same (TensorFlow's rule): out = ceil(n / stride); the padding needed is split, `
      + `${asym ? "and the odd cell goes to the bottom/right." : "evenly here."}`,
    full: "full: dilation·(k − 1) zeros on each side, so every partial overlap gives a cell.",
    custom: "custom: the zeros you set on each side.",
  }[mode];
  return [h("p", { class: "geo-pad" },
    h("span", { text: `top ${t}` }), h("span", { text: `bottom ${b}` }),
    h("span", { text: `left ${l}` }), h("span", { text: `right ${r}` })),
  h("p", { class: "muted", text: why })];
}

function unreachedNote(geo, name) {
  const sentence = unreachedSentence(unreachedOfGeometry(geo), { subject: "this layer's input" });
  if (!sentence) return h("p", { text: "Every input cell is read by at least one window." });
  return h("p", { class: "geo-unreached" },
    h("span", { class: "swatch unreached", "aria-hidden": "true" }),
    `${sentence} Shaded on ${name}.`);
}

function paramsNote(geo) {
  const [k, c, kh, kw] = [geo.shape[0], geo.in_shape[0], geo.kernel[0], geo.kernel[1]];
  const conv = geo.type === "conv";
  const ratio = geo.dense_params / Math.max(geo.params, 1);
  return h("div", { class: "geo-params" },
    h("p", {}, h("strong", { text: bigNumber(geo.params) }),
      conv ? ` parameters: ${k} maps × ${c} channels × ${kh}×${kw} weights + ${k} biases`
        : " parameters (pooling learns nothing)"),
    h("p", {}, h("strong", { text: bigNumber(geo.dense_params) }),
      ` parameters for a dense layer joining the same ${shapeText(geo.in_shape)} input to the `
      + `${shapeText(geo.shape)} output`
      + (conv ? ` (${bigNumber(ratio)} times more)` : "")),
    conv ? h("p", { class: "muted",
      text: `${bigNumber(geo.macs)} multiply-adds: every output cell reuses the same `
        + `${kh}×${kw}×${c} weights (weight sharing).` }) : null);
}

function fieldNote(geo) {
  const [rh, rw] = geo.receptive_field;
  const [jh, jw] = geo.jump;
  return h("p", { text: `Each output cell sees a ${rh}×${rw} patch of the photo (its receptive `
    + `field); neighbouring cells look ${jh === jw ? jh : pairText(geo.jump)} pixel${jh * jw > 1 ? "s" : ""} apart. `
    + "Hover a cell to outline it on every layer below." });
}

/**
 * Render the panel for pyramid layer `index` of `pyramid`.
 * @param {HTMLElement} root
 * @param {{pyramid: object, index: number, infos: Array<{name: string, text: string}>}} view
 */
export function renderGeometry(root, { pyramid, index, infos }) {
  const { header, request } = pyramid;
  const layer = header.layers[index];
  if (!layer) {
    replaceChildren(root);
    return;
  }
  const info = infos[index];
  const title = h("h2", { id: "geometry-title" }, `${info.name} `,
    h("span", { class: "muted", text: info.text }));
  if (index === 0) {
    const [c, hh, ww] = layer.shape;
    replaceChildren(root, title, h("p", { text: `The working image: ${ww} × ${hh} pixels, `
      + `${c} channel${c > 1 ? "s" : ""}, values from 0 (dark) to 1 (bright). `
      + "Select a layer above it to see its arithmetic." }));
    return;
  }
  const geo = layer;
  const req = request.layers[index - 1];
  const inputName = infos[index - 1].name;
  if (geo.type === "dense") {
    replaceChildren(root, title,
      h("p", { text: `Flattens the ${shapeText(geo.in_shape)} input into `
        + `${bigNumber(geo.in_shape[0] * geo.in_shape[1] * geo.in_shape[2])} numbers; each of the `
        + `${geo.shape[0]} units weighs all of them: it sees the whole photo.` }),
      paramsNote(geo));
    return;
  }
  if (!["conv", "maxpool", "avgpool"].includes(geo.type)) {
    replaceChildren(root, title, h("p", { text: "Applied to every value separately: the "
      + "shape does not change." }));
    return;
  }
  replaceChildren(root, title,
    h("p", { class: "geo-io" }, `input ${shapeText(geo.in_shape)} → output `,
      h("strong", { text: shapeText(geo.shape) })),
    h("h3", { text: "Output size, per axis" }),
    h("p", { class: "muted formula-generic", text: GENERIC_FORMULA }),
    h("dl", { class: "formulas" }, ["height", "width"].flatMap((axis) => {
      const [expr, result] = geo.formula[axis].split(" = ");
      return [h("dt", { text: axis }), h("dd", {}, h("code", { text: expr }),
        h("span", { class: "formula-result" }, " = ", h("strong", { text: result })))];
    })),
    h("h3", { text: "Padding (zeros added)" }),
    paddingNote(geo.padding, req),
    unreachedNote(geo, inputName),
    h("h3", { text: "Receptive field" }),
    fieldNote(geo),
    h("h3", { text: "Parameters" }),
    paramsNote(geo));
}
