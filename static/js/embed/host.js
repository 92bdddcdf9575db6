/**
 * The embed view talking to the page that embeds it (window.parent), with `postMessage`:
 *
 * out (to the host's origin only):
 * - `{type: "convscope:height", height}` whenever the content's height changes (CSS px);
 * - `{type: "convscope:state", state, url, appUrl}` on load and whenever the configuration
 *   changes: `state` as in the URL (state.js Config), `url` this embed view's URL, `appUrl`
 *   the full visualizer on the same state;
 *
 * in (accepted only from origins of the allow-list, anything else is ignored and logged):
 * - `{type: "convscope:set-state", state}`: a Config or part of one (e.g. `{layers: [...]}`),
 *   sanitised like a URL's, merged into the current configuration;
 * - `{type: "convscope:get-state"}`: answered by a `convscope:state` message.
 *
 * The target origin of outgoing messages is the host's when known (the `origin` URL
 * parameter, else document.referrer's origin). Without it the state is never posted; the
 * height (which reveals nothing) is then posted to "*" so an iframe can still grow.
 * @module embed/host
 */

import { EMBED } from "../config.js";
import { CONFIG_KEYS, configOf, sanitizeConfig, stateToSearch } from "../state.js";
import { isOriginAllowed } from "./origins.js";
import { originOf } from "./options.js";

/** Message types, in and out. */
export const MESSAGES = Object.freeze({
  height: "convscope:height",
  state: "convscope:state",
  setState: "convscope:set-state",
  getState: "convscope:get-state",
});

/**
 * The origin to post to: the `origin` parameter if given, else the referrer's, else null.
 * @param {{param: string|null, referrer: string}} sources
 * @returns {string|null}
 */
export function hostOrigin({ param, referrer }) {
  return originOf(param) ?? originOf(referrer);
}

/**
 * What an incoming message asks for, or why it is ignored. Pure.
 * @param {{origin: string, data: unknown}} event
 * @param {import("./origins.js").OriginRule[]} rules the allow-list
 * @returns {{action: "set-state", state: object}|{action: "get-state"}|
 *   {action: "ignore", reason: string}}
 */
export function classifyMessage({ origin, data }, rules) {
  const type = data && typeof data === "object" ? data.type : undefined;
  if (typeof type !== "string" || !type.startsWith("convscope:")) {
    return { action: "ignore", reason: "not a Convscope message" };
  }
  if (!isOriginAllowed(origin, rules)) {
    return { action: "ignore", reason: `origin ${origin} is not in the allow-list` };
  }
  if (type === MESSAGES.getState) return { action: "get-state" };
  if (type === MESSAGES.setState && data.state && typeof data.state === "object"
    && !Array.isArray(data.state)) {
    return { action: "set-state", state: data.state };
  }
  return { action: "ignore", reason: `unknown or malformed message ${type}` };
}

/**
 * The configuration after a `set-state` message: the current one with the message's keys
 * replaced, then sanitised as a URL's would be (the message is untrusted input).
 * @param {object} state the store's state
 * @param {object} patch the message's `state`
 * @returns {object} the configuration keys only
 */
export function mergedConfig(state, patch) {
  const known = Object.fromEntries(CONFIG_KEYS.filter((k) => k in patch).map((k) => [k, patch[k]]));
  return sanitizeConfig({ ...configOf(state), ...known });
}

/**
 * Connect the embed view to its host page.
 * @param {{win: Window, store: object, rules: import("./origins.js").OriginRule[],
 *   target: string|null, content: HTMLElement, appPath?: string}} deps `content` is the
 *   element whose height is reported; `target` the host's origin (see {@link hostOrigin})
 * @returns {{stats: {accepted: number, ignored: number, posted: number},
 *   destroy: () => void}}
 */
export function connectHost({ win, store, rules, target, content, appPath = "/" }) {
  const stats = { accepted: 0, ignored: 0, posted: 0 };
  const framed = win.parent && win.parent !== win;
  const memo = { height: -1, timer: 0 };

  const post = (message, { sensitive }) => {
    const to = target ?? (sensitive ? null : "*");
    if (!framed || !to) return;
    win.parent.postMessage(message, to);
    stats.posted += 1;
  };
  const urls = (state) => {
    const search = stateToSearch(win.location.search, state);
    return { url: new URL(search, win.location.href).href,
      appUrl: new URL(`${appPath}${stateToSearch("", state)}`, win.location.href).href };
  };
  const postState = () => {
    const state = store.getState();
    post({ type: MESSAGES.state, state: configOf(state), ...urls(state) }, { sensitive: true });
  };
  const postHeight = () => {
    const height = Math.ceil(content.getBoundingClientRect().height);
    if (height === memo.height) return;
    memo.height = height;
    post({ type: MESSAGES.height, height }, { sensitive: false });
  };

  const onMessage = (event) => {
    const verdict = classifyMessage(event, rules);
    if (verdict.action === "ignore") {
      // someone else's messages (a browser extension, another widget) pass through quietly
      if (!verdict.reason.startsWith("not a")) {
        stats.ignored += 1;
        console.warn(`Convscope embed: message ignored (${verdict.reason})`);
      }
      return;
    }
    if (verdict.action === "get-state") {
      stats.accepted += 1;
      postState();
      return;
    }
    try {
      const next = mergedConfig(store.getState(), verdict.state);
      stats.accepted += 1;
      store.update((s) => ({ ...s, ...next }));
    } catch (err) { // layers the page cannot show exactly (state-layers.js): refused, said
      stats.ignored += 1;
      console.warn(`Convscope embed: state refused (${err.message})`);
    }
  };
  win.addEventListener("message", onMessage);

  const unsubscribe = store.subscribe((state, previous) => {
    if (CONFIG_KEYS.every((k) => state[k] === previous[k])) return;
    clearTimeout(memo.timer);
    memo.timer = setTimeout(postState, EMBED.stateDebounceMs);
  });
  const observer = new win.ResizeObserver(postHeight);
  observer.observe(content);
  postState();

  return {
    stats,
    destroy() {
      win.removeEventListener("message", onMessage);
      unsubscribe();
      observer.disconnect();
      clearTimeout(memo.timer);
    },
  };
}
