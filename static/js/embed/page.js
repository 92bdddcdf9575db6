/**
 * The embed view (`/embed`, templates/embed.html): one piece of the visualizer (the sliding
 * patch, the pyramid or one layer) without the page's chrome, its controls usable, locked or
 * not rendered, talking to its host page (./host.js).
 *
 * `prepareEmbed(doc, win)` runs before the page is wired (main.js): it removes what the
 * chosen piece does not show, so main.js mounts only what is left, and returns what main.js
 * needs to know about the piece.
 * @module embed/page
 */

import { h } from "../dom.js";
import { blockOfLayer } from "../request.js";
import { stateToSearch } from "../state.js";
import { connectHost, hostOrigin } from "./host.js";
import { parseEmbedOptions } from "./options.js";
import { parseAllowList } from "./origins.js";

const META_ALLOWED = 'meta[name="convscope-allowed-origins"]';
const TITLES = { patch: "The sliding patch", pyramid: "Feature maps of every layer",
  layer: "One layer's feature maps" };

/** Element ids each piece keeps (the rest of the template is removed). */
const PIECES = Object.freeze({
  patch: ["patch-panel"],
  pyramid: ["pyramid-panel", "classifier"],
  layer: ["pyramid-panel", "embed-details", "classifier"],
});
const ALL_PIECES = ["pyramid-panel", "embed-details", "patch-panel", "classifier"];

/**
 * The editor block the controls of a piece show: the animated layer's block (patch), the
 * shown layer's block (layer), or every block (pyramid: null).
 * @param {{view: string, layer: number|null}} options
 * @param {object} state the store's state
 * @returns {number|null} a 0-based block index, or null for all
 */
export function blockShown(options, state) {
  if (options.view === "pyramid") return null;
  const layer = options.view === "patch" ? (state.anim?.layer ?? 1)
    : (options.layer ?? state.selected?.layer ?? 1);
  const at = blockOfLayer(state.layers, layer) ?? blockOfLayer(state.layers, 1);
  return Math.max(at?.block ?? 0, 0);
}

/**
 * The configuration the embed opens on: the URL's options applied to the URL's state
 * (the layer view selects its layer; the patch view animates the layer/map asked for).
 * @param {object} config from the URL (or the default)
 * @param {{view: string, layer: number|null, map: number|null}} options
 * @returns {object}
 */
export function embedConfig(config, { view, layer, map }) {
  if (view === "layer") {
    const sel = layer ?? Math.max(config.selected.layer, 1);
    return { ...config, selected: { layer: sel,
      map: map ?? (sel === config.selected.layer ? config.selected.map : 0) } };
  }
  if (view === "patch" && (layer !== null || map !== null)) {
    const anim = config.anim ?? {};
    return { ...config, anim: { ...anim, layer: layer ?? anim.layer ?? 1,
      map: map ?? (layer === null ? anim.map ?? 0 : 0), step: anim.step ?? 0 } };
  }
  return config;
}

function arrangeControls(doc, options) {
  const controls = doc.getElementById("embed-controls");
  if (!controls) return;
  if (options.controls === "hidden") {
    controls.remove();
    return;
  }
  const locked = options.controls === "locked";
  controls.disabled = locked;
  controls.classList.toggle("locked", locked);
  const legend = controls.querySelector("legend");
  if (legend) {
    legend.textContent = locked ? "Settings (fixed by the author of this page)" : "Settings";
  }
  if (options.view === "patch") controls.querySelector(".scale-toggle")?.remove();
  if (options.view === "pyramid") {
    // every layer's controls: folded away under the pyramid until asked for
    const details = h("details", { class: "embed-controls-fold" },
      h("summary", { text: locked ? "Layers (fixed by the author of this page)"
        : "Change the layers" }));
    controls.replaceWith(details);
    details.append(controls);
  }
}

/**
 * Arrange the embed page for the piece its URL asks for.
 * @param {Document} doc
 * @param {Window} win
 * @returns {{options: import("./options.js").EmbedOptions, showPyramid: boolean,
 *   onlyLayer: (state: object) => number|null, editorBlock: (state: object) => number|null,
 *   config: (config: object) => object, connect: (deps: {store: object}) => object}}
 */
export function prepareEmbed(doc, win) {
  const options = parseEmbedOptions(win.location.search);
  const root = doc.getElementById("embed-root");
  root.dataset.view = options.view;
  root.dataset.controls = options.controls;
  const keep = PIECES[options.view];
  for (const id of ALL_PIECES) if (!keep.includes(id)) doc.getElementById(id)?.remove();
  arrangeControls(doc, options);
  doc.title = `${TITLES[options.view]} · Convscope`;

  return {
    options,
    showPyramid: keep.includes("pyramid-panel"),
    onlyLayer: (state) => (options.view === "layer" ? state.selected.layer : null),
    editorBlock: (state) => blockShown(options, state),
    config: (config) => embedConfig(config, options),
    connect({ store }) {
      const rules = parseAllowList(doc.querySelector(META_ALLOWED)?.content ?? "",
        { selfOrigin: win.location.origin });
      const target = hostOrigin({ param: options.origin, referrer: doc.referrer });
      const link = doc.getElementById("embed-open");
      const syncLink = (state) => {
        if (link) link.href = `/${stateToSearch("", state)}`;
      };
      syncLink(store.getState());
      store.subscribe((state, previous) => {
        if (state.layers !== previous.layers || state.image !== previous.image
          || state.anim !== previous.anim || state.selected !== previous.selected) syncLink(state);
      });
      const host = connectHost({ win, store, rules, target, content: root });
      win.__convscopeEmbed = { options, target, stats: host.stats };
      return host;
    },
  };
}
