// The lesson's small modules: which arrow key follows which link, the iframe fitting its
// embed's height message, and the Start-here guide remembered in storage (fakes stand in
// for the document and localStorage).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fitFrame, linkForKey } from "../../static/js/lesson/nav.js";
import { DISMISSED_KEY, mountStartHere, wasDismissed } from "../../static/js/lesson/start-here.js";

const links = { ArrowLeft: { href: "/lesson/2" }, ArrowRight: { href: "/lesson/4" } };
const doc = { querySelector: (sel) => links[/data-key="(\w+)"/.exec(sel)?.[1]] ?? null };
const key = (k, over = {}) => ({ key: k, target: { closest: () => null }, ...over });

test("left and right arrows follow Back and Next", () => {
  assert.equal(linkForKey(key("ArrowLeft"), doc).href, "/lesson/2");
  assert.equal(linkForKey(key("ArrowRight"), doc).href, "/lesson/4");
});

test("arrows in a control, with a modifier, or already handled move nothing", () => {
  assert.equal(linkForKey(key("ArrowRight", { target: { closest: () => ({}) } }), doc), null);
  assert.equal(linkForKey(key("ArrowRight", { altKey: true }), doc), null);
  assert.equal(linkForKey(key("ArrowRight", { shiftKey: true }), doc), null);
  assert.equal(linkForKey(key("ArrowRight", { defaultPrevented: true }), doc), null);
  assert.equal(linkForKey(key("ArrowUp"), doc), null);
});

test("an arrow with no link (first or last step) moves nothing", () => {
  assert.equal(linkForKey(key("ArrowLeft"), { querySelector: () => null }), null);
});

test("the frame grows to the height its own embed reports, from our origin only", () => {
  const source = {};
  const frame = { contentWindow: source, style: {} };
  const other = { contentWindow: {}, style: {} };
  const frames = { querySelectorAll: () => [frame, other] };
  fitFrame({ origin: "http://a", source, data: { type: "convscope:height", height: 812.4 } },
    frames, "http://a");
  assert.equal(frame.style.height, "813px");
  assert.equal(other.style.height, undefined);
  fitFrame({ origin: "http://evil", source, data: { type: "convscope:height", height: 9 } },
    frames, "http://a");
  fitFrame({ origin: "http://a", source, data: { type: "convscope:height", height: "9" } },
    frames, "http://a");
  assert.equal(frame.style.height, "813px");
});

function fakeStorage(initial = {}, { broken = false } = {}) {
  const data = { ...initial };
  return {
    data,
    getItem: (k) => { if (broken) throw new Error("denied"); return data[k] ?? null; },
    setItem: (k, v) => { if (broken) throw new Error("denied"); data[k] = String(v); },
  };
}

function fakeGuide() {
  const handlers = {};
  const button = { addEventListener: (type, fn) => { handlers[type] = fn; } };
  const root = { hidden: true, removed: false, querySelector: () => button,
    remove() { this.removed = true; } };
  return { root, click: () => handlers.click() };
}

test("the guide shows until hidden, and hiding it is remembered", () => {
  const storage = fakeStorage();
  const guide = fakeGuide();
  mountStartHere(guide.root, { storage });
  assert.equal(guide.root.hidden, false);
  guide.click();
  assert.equal(guide.root.removed, true);
  assert.equal(storage.data[DISMISSED_KEY], "1");
  const again = fakeGuide();
  mountStartHere(again.root, { storage });
  assert.equal(again.root.removed, true);
  assert.equal(again.root.hidden, true);
});

test("a storage that refuses still lets the guide show and hide", () => {
  const storage = fakeStorage({}, { broken: true });
  assert.equal(wasDismissed(storage), false);
  const guide = fakeGuide();
  mountStartHere(guide.root, { storage });
  assert.equal(guide.root.hidden, false);
  guide.click();
  assert.equal(guide.root.removed, true);
  assert.equal(wasDismissed(null), false);
});
