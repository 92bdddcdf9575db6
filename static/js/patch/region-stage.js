/**
 * What the figure draws for a region: the part of the input its windows read (with the
 * padding they reach) and the region's cells of the map, both at one large scale so the
 * window is big and every number fits in its cell. Pure: no DOM.
 * @module patch/region-stage
 */

import { COLORS, MAGNIFIER_MIN_CELL_PX, PENDING_MIX, REGION_VIEW_PX } from "./config.js";
import { formatValue } from "./format.js";
import { outputImages, packHex, paddedImage } from "./paint.js";
import { regionCrop } from "./region.js";
import { unreachedLines } from "./windows.js";

const CELL_MAX_PX = 48;

/**
 * @param {{base: object, stage: object, region: {row: number, col: number, height: number,
 *   width: number}, values: Float32Array, range: {min: number, max: number},
 *   colormaps: object, layer: number, map: number, viewPx?: number}} args `base`/`stage`:
 *   assembleScene's scene and whole-map stage; `values` the map shown (flipped when the
 *   kernel is); `viewPx` the largest side of each view (less on a narrow screen).
 * @returns {object} a stage for `createStage().setScene`, plus `view` (the region).
 */
export function regionStage({ base, stage, region, values, range, colormaps, layer, map,
  viewPx = REGION_VIEW_PX }) {
  const crop = regionCrop(base.geometry, region);
  const { y0, x0 } = crop;
  const coloring = {
    colorAt: (y, x) => stage.coloring.colorAt(y + y0, x + x0),
    valueAt: (y, x) => stage.coloring.valueAt(y + y0, x + x0),
  };
  const [, h, w] = crop.geometry.inShape;
  const [top, bottom, left, right] = crop.geometry.padding;
  const padded = paddedImage({ shape: crop.geometry.inShape }, coloring,
    { padding: crop.geometry.padding, paddingColor: packHex(COLORS.padding) });
  const [, ow] = base.outShape;
  const cells = new Float32Array(region.height * region.width);
  for (let r = 0; r < region.height; r += 1) {
    const from = (region.row + r) * ow + region.col;
    cells.set(values.subarray(from, from + region.width), r * region.width);
  }
  const images = outputImages({ values: cells, height: region.height, width: region.width,
    range, colormaps, pendingColor: packHex(COLORS.pending), pendingMix: PENDING_MIX });
  const rows = h + top + bottom;
  const cols = w + left + right;
  const side = Math.min(viewPx, REGION_VIEW_PX);
  const cell = Math.min(side / Math.max(rows, region.height), side / Math.max(cols, region.width),
    CELL_MAX_PX);
  return {
    ...stage,
    geometry: crop.geometry,
    padded,
    coloring,
    images,
    cell,
    outCell: cell,
    outValues: cells,
    // a long stride skips rows and columns inside the region too
    unreached: unreachedLines(crop.geometry),
    // Colour cells cannot hold their three values: the magnifier lists them.
    magnifier: coloring.valueAt(0, 0).length === 3 || cell < MAGNIFIER_MIN_CELL_PX,
    captions: regionCaptions({ base, region, crop, layer, map, range,
      magnifier: coloring.valueAt(0, 0).length === 3 || cell < MAGNIFIER_MIN_CELL_PX, change: stage.captions.change }),
  };
}

const span = (a, n) => (n > 1 ? `${a + 1}–${a + n}` : `${a + 1}`);

function regionCaptions({ base, region, crop, layer, map, range, magnifier, change }) {
  const [c, h, w] = base.geometry.inShape;
  const [, ch, cw] = crop.geometry.inShape;
  const [oh, ow] = base.outShape;
  const [top, bottom, left, right] = crop.geometry.padding;
  const pads = top + bottom + left + right > 0 ? " and the padding zeros they reach" : "";
  return {
    input: `Input of layer ${layer} (${w} × ${h} × ${c}), zoomed on rows ${
      span(crop.y0, ch)}, columns ${span(crop.x0, cw)}: the cells the region's windows `
      + `read${pads}. Window ${base.geometry.kernel.join("×")}, stride ${
        base.geometry.stride.join("×")}.${magnifier
        ? " The magnifier beside the window shows the cells under it." : ""}`,
    output: `Map ${map + 1} of layer ${layer}: rows ${span(region.row, region.height)}, `
      + `columns ${span(region.col, region.width)} of its ${ow} × ${oh} cells, painted cell `
      + `by cell over the finished map, shown faintly. Colour range ${formatValue(range.min)}`
      + ` … ${formatValue(range.max)}. Click a cell to jump to it.`,
    change,
  };
}
