/**
 * The numbers of "Why a pyramid" for the stack on screen: its bottom and top shapes and how
 * large a patch of the photo one cell of the top map sees. Pure.
 * @module render/pyramid-why
 */

import { shapeText } from "../dom.js";

/**
 * @param {object[]} layers the pyramid header's layers (index 0 = the input)
 * @returns {string} "" when there is no layer above the input
 */
export function pyramidSummary(layers) {
  const maps = (layers ?? []).filter((l) => l.index > 0 && l.type !== "dense");
  if (!maps.length) return "";
  const top = maps[maps.length - 1];
  const [rh, rw] = top.receptive_field ?? [1, 1];
  return `Here: ${shapeText(layers[0].shape)} at the bottom, ${shapeText(top.shape)} at the `
    + `top, where one cell sees a ${rw} × ${rh} patch of the photo.`;
}
