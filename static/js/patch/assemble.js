/**
 * From a pyramid, the animation state and the exact tensors to what the patch panel shows:
 * the scene (geometry, kernel, the engine's map and, flipped, the true convolution's) and
 * what the stage draws (padded input, colours, output images, captions). Pure: no DOM.
 * @module patch/assemble
 */

import { correlateMap } from "./arithmetic.js";
import { COLORS, MAGNIFIER_MIN_CELL_PX, PENDING_MIX } from "./config.js";
import { inputColoring, outputImages, packHex, paddedImage, rangeOf } from "./paint.js";
import { normaliseRegion } from "./region.js";
import { regionStage } from "./region-stage.js";
import { captionsOf, sceneOf } from "./scene.js";
import { cellSize } from "./views.js";
import { unreachedLines } from "./windows.js";

function unionRange(a, b) {
  return { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

/**
 * @param {{pyramid: object, anim: {layer: number, map: number, flip?: number, ch?: number},
 *   tensors: {input: {values: Float32Array, shape: number[]}, output: {map: Function}},
 *   colormaps: object, regionPx?: number}} options `regionPx`: the largest side of a
 *   region's views (the room the page has)
 * @returns {{scene: object, stage: object, overview: ImageData}} `scene.ready` is true
 *   (`scene.region`: the region animated, or null); `stage` is what
 *   `createStage().setScene` takes (the region alone when there is one); `overview` the
 *   whole finished map
 */
export function assembleScene({ pyramid, anim, tensors, colormaps, regionPx }) {
  const base = sceneOf({ pyramid, layer: anim.layer, map: anim.map, flip: Boolean(anim.flip) });
  const channels = base.geometry.inShape[0];
  const rgb = anim.layer === 1 && channels === 3;
  const shown = Math.min(anim.ch ?? (rgb ? -1 : 0), channels - 1);
  const input = { data: tensors.input.values, shape: tensors.input.shape };
  const engineMap = tensors.output.map(0);
  const flippedMap = anim.flip ? correlateMap({ input, kernel: base.kernel, bias: base.bias,
    geometry: base.geometry, activation: base.activation.name,
    slope: base.activation.slope }) : null;
  const engineRange = rangeOf(engineMap);
  const range = flippedMap ? unionRange(engineRange, rangeOf(flippedMap)) : engineRange;
  const coloring = inputColoring(input, { shown, colormaps });
  const padded = paddedImage(input, coloring, { padding: base.geometry.padding,
    paddingColor: packHex(COLORS.padding) });
  const [oh, ow] = base.outShape;
  const images = outputImages({ values: flippedMap ?? engineMap, height: oh, width: ow,
    range, colormaps, pendingColor: packHex(COLORS.pending), pendingMix: PENDING_MIX });
  const compare = flippedMap ? outputImages({ values: engineMap, height: oh, width: ow,
    range, colormaps, pendingColor: packHex(COLORS.pending) }).done : null;
  const [, h, w] = base.geometry.inShape;
  const [top, bottom, left, right] = base.geometry.padding;
  const cell = cellSize(h + top + bottom, w + left + right);
  const stage = { geometry: base.geometry, padded, coloring, images, cell, compare,
    outValues: flippedMap ?? engineMap,
    unreached: unreachedLines(base.geometry), shownKernel: shown >= 0
      ? base.kernel.subarray(shown * base.kernel.length / channels,
        (shown + 1) * base.kernel.length / channels) : null,
    captions: captionsOf(base, { layer: anim.layer, map: anim.map, shown, flippedMap,
      engineMap, range, magnifier: cell < MAGNIFIER_MIN_CELL_PX }) };
  const region = normaliseRegion(anim.region, base.outShape);
  return {
    scene: { ...base, ready: true, input, engineMap, flippedMap, shown, region },
    stage: region ? regionStage({ base, stage, region, values: flippedMap ?? engineMap, range,
      colormaps, layer: anim.layer, map: anim.map, viewPx: regionPx }) : stage,
    overview: images.done,
  };
}
