/**
 * Words for each layer of a pyramid: "Layer 2 · conv 3×3, stride 2, same padding, ReLU".
 * Derived from the request the pyramid answered (not from the editor, which may have moved on).
 * @module render/labels
 */

import { pairText } from "../dom.js";

/** Activation names in layer labels, one per config.js ACTIVATIONS (tests/test_js_shared_lists.py). */
export const ACTIVATION_NAMES = Object.freeze({ none: "", relu: "ReLU", leaky_relu: "leaky ReLU",
  sigmoid: "sigmoid", tanh: "tanh" });

const axisPair = (p) => (p[0] === p[1] ? String(p[0]) : pairText(p));

function paddingText(spec) {
  if (typeof spec === "string") return `${spec} padding`;
  if (Array.isArray(spec) && spec.length === 4) return `padding ${spec.join("/")} (t/b/l/r)`;
  return `padding ${JSON.stringify(spec)}`;
}

/** One line describing an API layer. */
export function layerText(layer, geo) {
  if (layer.type === "conv") {
    const parts = [`conv ${pairText(geo?.kernel ?? [3, 3])}`];
    if (geo && (geo.stride[0] > 1 || geo.stride[1] > 1)) parts.push(`stride ${axisPair(geo.stride)}`);
    parts.push(paddingText(layer.padding ?? "valid"));
    if (geo && (geo.dilation[0] > 1 || geo.dilation[1] > 1)) {
      parts.push(`dilation ${axisPair(geo.dilation)}`);
    }
    const act = ACTIVATION_NAMES[layer.activation ?? "none"];
    if (act) parts.push(act);
    return parts.join(", ");
  }
  if (layer.type === "maxpool" || layer.type === "avgpool") {
    const kind = layer.type === "maxpool" ? "max pool" : "average pool";
    return `${kind} ${pairText(geo?.kernel ?? [2, 2])}, stride ${axisPair(geo?.stride ?? [2, 2])}`;
  }
  if (layer.type === "dense") {
    const act = ACTIVATION_NAMES[layer.activation ?? "none"];
    return `dense: flatten, ${layer.units ?? geo?.shape?.[0]} units${act ? `, ${act}` : ""}`;
  }
  return ACTIVATION_NAMES[layer.type] || layer.type;
}

/**
 * Name and description of every pyramid layer (index 0 = the input).
 * @param {object[]} requestLayers the API layers of the request
 * @param {object[]} headerLayers the pyramid header's layers (geometry)
 * @returns {Array<{name: string, text: string, block: number}>} `block` is 1-based (0 = input)
 */
export function describeLayers(requestLayers, headerLayers) {
  const out = [{ name: "Input", text: "the image as the network sees it (values 0 to 1)", block: 0 }];
  let block = 0;
  requestLayers.forEach((layer, i) => {
    const pool = layer.type === "maxpool" || layer.type === "avgpool";
    if (!pool || block === 0) block += 1;
    const name = layer.type === "dense" ? `Layer ${block} · classifier` : `Layer ${block}`;
    out.push({ name, text: layerText(layer, headerLayers[i + 1]), block });
  });
  return out;
}
