// Reads {"calls": [[name, [args...]], ...]} on stdin and prints {"exports": [...], "results":
// [...]}: each result is the return value of conv-math.js's export `name` called with the args,
// or {"thrown": message}. Used by tests/test_js_conv_math.py to hold every export against the
// engine's Python on random cases.
import * as convMath from "../../static/js/conv-math.js";

let text = "";
process.stdin.on("data", (chunk) => { text += chunk; });
process.stdin.on("end", () => {
  const { calls } = JSON.parse(text);
  const results = calls.map(([name, args]) => {
    try {
      const value = convMath[name](...args);
      return value instanceof Map ? Object.fromEntries(value) : value;
    } catch (err) {
      return { thrown: String(err?.message ?? err) };
    }
  });
  process.stdout.write(JSON.stringify({ exports: Object.keys(convMath).sort(), results }));
});
