// Reads {"cases": [{"layers": [...], "input": [C, H, W]}]} on stdin, prints planStack results:
// used by tests/test_js_unit.py to hold conv-plan.js against the engine's plan().
import { planStack } from "../../static/js/conv-plan.js";

let text = "";
process.stdin.on("data", (chunk) => { text += chunk; });
process.stdin.on("end", () => {
  const { cases } = JSON.parse(text);
  const out = cases.map((c) => planStack(c.layers, c.input));
  process.stdout.write(JSON.stringify(out));
});
