// The embed view's pure parts: its URL options, the origin allow-list, the iframe snippet,
// and the message handling with its host page (a fake window stands in for the browser).
import { test } from "node:test";
import assert from "node:assert/strict";
import { embedSearch, originOf, parseEmbedOptions } from "../../static/js/embed/options.js";
import { isOriginAllowed, parseAllowList } from "../../static/js/embed/origins.js";
import {
  embedSnippet, embedTitle, embedUrl, escapeHtml, hostScript, iframeSnippet, sizeAttr,
} from "../../static/js/embed/snippet.js";
import {
  classifyMessage, connectHost, hostOrigin, mergedConfig, MESSAGES,
} from "../../static/js/embed/host.js";
import { blockShown, embedConfig, themeOf } from "../../static/js/embed/page.js";
import {
  convBlock, createStore, defaultConfig, encodeState, searchToConfig,
} from "../../static/js/state.js";

const SELF = "http://127.0.0.1:8000";

test("embed options default to the pyramid with usable controls", () => {
  assert.deepEqual(parseEmbedOptions(""), { view: "pyramid", layer: null, map: null,
    controls: "on", origin: null, theme: null, compact: false });
});

test("embed options read every parameter and reject garbage", () => {
  const o = parseEmbedOptions("?view=layer&layer=2&map=3&controls=locked&origin=https://a.org/x"
    + "&theme=dark&compact=1");
  assert.deepEqual(o, { view: "layer", layer: 2, map: 3, controls: "locked",
    origin: "https://a.org", theme: "dark", compact: true });
  const bad = parseEmbedOptions("?view=all&layer=-1&map=1e3&controls=off&origin=javascript:1"
    + "&theme=blue&compact=yes");
  assert.deepEqual(bad, { view: "pyramid", layer: null, map: null, controls: "on",
    origin: null, theme: null, compact: false });
  assert.equal(parseEmbedOptions("?view=grid").view, "grid");
  assert.equal(parseEmbedOptions("?layer=0").layer, null, "layer 0 is the input, not a layer");
});

test("embed search round-trips through the parser and keeps the state last", () => {
  const config = defaultConfig();
  const search = embedSearch({ view: "patch", controls: "hidden", origin: "https://c.org",
    state: encodeState(config) });
  assert.match(search, /^\?view=patch&controls=hidden&origin=https%3A%2F%2Fc\.org&s=/);
  assert.deepEqual(parseEmbedOptions(search), { view: "patch", layer: null, map: null,
    controls: "hidden", origin: "https://c.org", theme: null, compact: false });
  assert.deepEqual(searchToConfig(search), config);
  assert.doesNotMatch(embedSearch({ view: "pyramid", state: "x" }),
    /controls|origin|layer|theme|compact/);
  const styled = embedSearch({ view: "grid", theme: "dark", compact: true, state: "x" });
  assert.equal(styled, "?view=grid&theme=dark&compact=1&s=x");
  assert.deepEqual(parseEmbedOptions(styled), { view: "grid", layer: null, map: null,
    controls: "on", origin: null, theme: "dark", compact: true });
});

test("the theme is the URL's, else the reader's preference", () => {
  assert.equal(themeOf("dark", false), "dark");
  assert.equal(themeOf("light", true), "light");
  assert.equal(themeOf(null, true), "dark");
  assert.equal(themeOf(null, false), "light");
});

test("originOf keeps http(s) origins only", () => {
  assert.equal(originOf("https://Course.Example.org:443/a?b"), "https://course.example.org");
  assert.equal(originOf("http://127.0.0.1:9000/"), "http://127.0.0.1:9000");
  for (const bad of ["", null, "null", "file:///x", "data:text/html,x", "nonsense"]) {
    assert.equal(originOf(bad), null, String(bad));
  }
});

test("'self' in the allow-list is the page's own origin", () => {
  const rules = parseAllowList("'self'", { selfOrigin: SELF });
  assert.ok(isOriginAllowed(SELF, rules));
  assert.ok(!isOriginAllowed("http://127.0.0.1:8001", rules), "another port is another origin");
  assert.ok(!isOriginAllowed("http://localhost:8000", rules));
});

test("listed origins are allowed, everything else is not", () => {
  const rules = parseAllowList("'self' https://course.example.org http://127.0.0.1:9100",
    { selfOrigin: SELF });
  assert.ok(isOriginAllowed("https://course.example.org", rules));
  assert.ok(isOriginAllowed("http://127.0.0.1:9100", rules));
  for (const other of ["https://evil.example.org", "http://course.example.org",
    "https://course.example.org:8443", "https://x.course.example.org", "http://127.0.0.1:9101",
    "null", "", "https://course.example.org/path"]) {
    assert.ok(!isOriginAllowed(other, rules), other);
  }
});

test("wildcards, schemes and keywords follow CSP source rules", () => {
  const sub = parseAllowList("*.example.org", { selfOrigin: "https://scope.org" });
  assert.ok(isOriginAllowed("https://a.example.org", sub));
  assert.ok(isOriginAllowed("https://a.b.example.org", sub));
  assert.ok(!isOriginAllowed("https://example.org", sub), "*. means subdomains only");
  assert.ok(!isOriginAllowed("http://a.example.org", sub), "no scheme: the page's (https)");
  const ports = parseAllowList("https://lms.org:*");
  assert.ok(isOriginAllowed("https://lms.org:8443", ports));
  assert.ok(isOriginAllowed("https://lms.org", ports));
  const scheme = parseAllowList("https:");
  assert.ok(isOriginAllowed("https://anything.org", scheme));
  assert.ok(!isOriginAllowed("http://anything.org", scheme));
  assert.ok(isOriginAllowed("http://a.org", parseAllowList("*")));
  assert.ok(!isOriginAllowed("null", parseAllowList("*")));
  for (const none of ["'none'", "", "   ", "'unsafe-inline'"]) {
    assert.deepEqual(parseAllowList(none, { selfOrigin: SELF }), [], none);
  }
});

test("the iframe snippet escapes its attributes and bounds its size", () => {
  const url = embedUrl({ base: SELF, view: "layer", layer: 2, controls: "locked",
    state: "abc-_" });
  assert.equal(url, `${SELF}/embed?view=layer&layer=2&controls=locked&s=abc-_`);
  const html = iframeSnippet({ url: `${url}&x="<b>`, title: 'A "quoted" <title>',
    width: "100%", height: 640 });
  assert.match(html, /^<iframe class="convscope-embed" src="[^"]*&amp;x=&quot;&lt;b&gt;"/);
  assert.match(html, /title="A &quot;quoted&quot; &lt;title&gt;"/);
  assert.match(html, /width="100%" height="640"/);
  assert.equal(sizeAttr("20", { min: 200, max: 900, fallback: 500 }), "200");
  assert.equal(sizeAttr("99999", { min: 200, max: 900, fallback: 500 }), "900");
  assert.equal(sizeAttr("wide", { min: 200, max: 900, fallback: 500 }), "500");
  assert.equal(sizeAttr("100%", { min: 200, max: 900, fallback: 500 }), "500",
    "percent only where allowed");
  assert.equal(escapeHtml("a&b"), "a&amp;b");
});

test("the host script accepts height messages from the app's origin only", () => {
  const script = hostScript({ appOrigin: "https://scope.example.org" });
  assert.match(script, /event\.origin !== "https:\/\/scope\.example\.org"/);
  assert.match(script, /convscope:height/);
  assert.match(script, /iframe\.convscope-embed/);
  assert.doesNotMatch(hostScript({ appOrigin: "</script><b>" }), /<\/script><b>/);
  const both = embedSnippet({ url: SELF, title: "t", appOrigin: SELF });
  assert.ok(both.startsWith("<iframe") && both.includes("<script>"));
  assert.ok(!embedSnippet({ url: SELF, title: "t", appOrigin: SELF, withScript: false })
    .includes("<script>"));
});

test("the iframe title names the piece", () => {
  assert.equal(embedTitle({ view: "patch", layerName: "Layer 1", map: 0 }),
    "Convscope: the sliding patch of Layer 1, map 1");
  assert.equal(embedTitle({ view: "layer", layerName: "Layer 2" }),
    "Convscope: the feature maps of Layer 2");
  assert.match(embedTitle({ view: "pyramid" }), /every feature map/);
});

test("messages are posted to the host's origin: the parameter first, then the referrer", () => {
  assert.equal(hostOrigin({ param: "https://a.org", referrer: "https://b.org/page" }),
    "https://a.org");
  assert.equal(hostOrigin({ param: null, referrer: "https://b.org/page?q" }), "https://b.org");
  assert.equal(hostOrigin({ param: null, referrer: "" }), null);
});

test("incoming messages are accepted from allowed origins only", () => {
  const rules = parseAllowList("'self' https://course.org", { selfOrigin: SELF });
  const set = { type: MESSAGES.setState, state: { color: "grey" } };
  assert.deepEqual(classifyMessage({ origin: "https://course.org", data: set }, rules),
    { action: "set-state", state: { color: "grey" } });
  assert.equal(classifyMessage({ origin: "https://evil.org", data: set }, rules).action, "ignore");
  assert.equal(classifyMessage({ origin: SELF, data: { type: MESSAGES.getState } }, rules).action,
    "get-state");
  for (const data of [null, "convscope:set-state", { type: "other" },
    { type: MESSAGES.setState, state: [1] }, { type: MESSAGES.setState }]) {
    assert.equal(classifyMessage({ origin: "https://course.org", data }, rules).action, "ignore");
  }
});

test("a set-state message replaces only the keys it names, sanitised", () => {
  const state = { ...defaultConfig(), pyramid: { x: 1 }, status: "ready" };
  const next = mergedConfig(state, { layers: [{ type: "conv", stride: [2, 2], maps: 999 }],
    color: "purple", evil: "<script>" });
  assert.equal(next.layers[0].stride[0], 2);
  assert.equal(next.layers[0].maps, 64, "clamped like a URL's state");
  assert.equal(next.color, "auto", "unknown values fall back");
  assert.equal(next.evil, undefined);
  assert.deepEqual(next.image, state.image, "keys not named are kept");
  assert.equal(next.pyramid, undefined, "only configuration keys");
});

function fakeWindow({ framed = true } = {}) {
  const posted = [];
  const listeners = {};
  const parent = { postMessage: (message, target) => posted.push({ message, target }) };
  const win = {
    location: new URL(`${SELF}/embed?view=patch&s=x`),
    addEventListener: (type, fn) => { listeners[type] = fn; },
    removeEventListener: (type) => { delete listeners[type]; },
    ResizeObserver: class { observe() {} disconnect() {} },
  };
  win.parent = framed ? parent : win;
  return { win, posted, send: (event) => listeners.message(event) };
}

test("the embed posts its state on load to the host's origin, never to '*'", () => {
  const store = createStore({ ...defaultConfig(), pyramid: null });
  const content = { getBoundingClientRect: () => ({ height: 10 }) };
  const known = fakeWindow();
  connectHost({ win: known.win, store, rules: [], target: "https://course.org", content });
  assert.equal(known.posted.length, 1);
  assert.equal(known.posted[0].target, "https://course.org");
  assert.equal(known.posted[0].message.type, MESSAGES.state);
  assert.deepEqual(searchToConfig(new URL(known.posted[0].message.url).search),
    known.posted[0].message.state);
  assert.match(known.posted[0].message.appUrl, /^http:\/\/127\.0\.0\.1:8000\/\?s=/);
  const unknown = fakeWindow();
  connectHost({ win: unknown.win, store, rules: [], target: null, content });
  assert.equal(unknown.posted.length, 0, "no known host: the state is not posted");
  const top = fakeWindow({ framed: false });
  connectHost({ win: top.win, store, rules: [], target: "https://course.org", content });
  assert.equal(top.posted.length, 0, "not in a frame: nothing posted");
});

test("allowed set-state messages change the store, others are counted and ignored", () => {
  const store = createStore({ ...defaultConfig(), pyramid: null });
  const fake = fakeWindow();
  const content = { getBoundingClientRect: () => ({ height: 10 }) };
  const rules = parseAllowList("https://course.org");
  const host = connectHost({ win: fake.win, store, rules, target: "https://course.org",
    content });
  const warn = console.warn;
  console.warn = () => {};
  try {
    fake.send({ origin: "https://evil.org", data: { type: MESSAGES.setState,
      state: { color: "grey" } } });
    fake.send({ origin: "https://course.org", data: { hello: 1 } });
  } finally {
    console.warn = warn;
  }
  assert.equal(store.getState().color, "auto");
  assert.deepEqual(host.stats, { accepted: 0, ignored: 1, posted: 1 });
  fake.send({ origin: "https://course.org", data: { type: MESSAGES.setState,
    state: { color: "grey" } } });
  assert.equal(store.getState().color, "grey");
  fake.send({ origin: "https://course.org", data: { type: MESSAGES.getState } });
  assert.equal(fake.posted.at(-1).message.state.color, "grey");
  assert.equal(host.stats.accepted, 2);
  host.destroy();
});

test("the embed's controls show the block of the piece", () => {
  const state = { ...defaultConfig(), anim: { layer: 4, map: 0 },
    selected: { layer: 2, map: 0 } };
  // default stack: conv, conv, conv + max pool (layers 3 and 4), classifier (5)
  assert.equal(blockShown({ view: "patch", layer: null }, state), 2, "layer 4 = block 3's pool");
  assert.equal(blockShown({ view: "layer", layer: 5 }, state), 3);
  assert.equal(blockShown({ view: "layer", layer: null }, state), 1);
  assert.equal(blockShown({ view: "pyramid", layer: 2 }, state), null);
});

test("the URL's layer and map choose what the embed opens on", () => {
  const config = { ...defaultConfig(), layers: [convBlock(), convBlock()],
    selected: { layer: 0, map: 2 }, anim: null };
  assert.deepEqual(embedConfig(config, { view: "layer", layer: 2, map: null }).selected,
    { layer: 2, map: 0 });
  assert.deepEqual(embedConfig(config, { view: "layer", layer: null, map: null }).selected,
    { layer: 1, map: 0 });
  assert.deepEqual(embedConfig(config, { view: "patch", layer: 2, map: 1 }).anim,
    { layer: 2, map: 1, step: 0 });
  assert.equal(embedConfig(config, { view: "pyramid", layer: 2, map: 1 }), config);
});

test("the allow-list is described in words", async () => {
  const { describeAllowList } = await import("../../static/js/embed/origins.js");
  assert.equal(describeAllowList("'self'"), "this server itself");
  assert.equal(describeAllowList("'self' https://a.org http://b.org"),
    "this server itself, https://a.org and http://b.org");
  assert.equal(describeAllowList("'none'"), "no site at all (embedding is switched off)");
  assert.equal(describeAllowList("*"), "any web site");
});
