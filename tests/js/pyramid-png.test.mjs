// The whole-pyramid PNG (#15 §4): every piece lands where the page drew it, scaled.
import { test } from "node:test";
import assert from "node:assert/strict";
import { figurePlan, scaleFont, wrapText } from "../../static/js/exports/pyramid-png.js";

const frame = { left: 100, top: 50, width: 400, height: 300 };

test("pieces keep their place relative to the pyramid, plus the margin, times the scale", () => {
  const plan = figurePlan(frame, [
    { kind: "image", source: "tile", rect: { left: 110, top: 60, width: 20, height: 10 } },
    { kind: "text", text: "Layer 1", font: "normal 700 13px sans-serif", color: "#000",
      lineHeight: 16, rect: { left: 100, top: 50, width: 60, height: 16 } },
  ], { scale: 2, margin: 5 });
  assert.equal(plan.width, 820);
  assert.equal(plan.height, 620);
  assert.deepEqual(plan.items[0], { kind: "image", source: "tile", x: 30, y: 30, w: 40, h: 20 });
  assert.equal(plan.items[1].font, "normal 700 26px sans-serif");
  assert.deepEqual([plan.items[1].x, plan.items[1].y, plan.items[1].lineHeight], [10, 10, 32]);
});

test("pieces of no size or outside the pyramid are left out", () => {
  const plan = figurePlan(frame, [
    { kind: "image", source: "a", rect: { left: 110, top: 60, width: 0, height: 10 } },
    { kind: "image", source: "b", rect: { left: 600, top: 60, width: 10, height: 10 } },
    { kind: "image", source: "c", rect: { left: 110, top: 400, width: 10, height: 10 } },
  ]);
  assert.deepEqual(plan.items, []);
});

test("a font's pixel size scales and long text wraps at word boundaries", () => {
  assert.equal(scaleFont("italic 400 12.5px Inter, sans-serif", 2), "italic 400 25px Inter, sans-serif");
  const measure = (s) => s.length;
  assert.deepEqual(wrapText("stride 2 halves the width", 10, measure),
    ["stride 2", "halves the", "width"]);
  assert.deepEqual(wrapText("unbreakable-word", 4, measure), ["unbreakable-word"]);
});
