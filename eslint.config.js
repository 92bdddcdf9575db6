// The JavaScript linter's rules (ESLint flat config). tests/test_js_lint.py runs it, so the
// README's test command covers it; scripts/test.sh installs the pinned version (package.json).
import js from "@eslint/js";

const browser = {
  window: "readonly", document: "readonly", navigator: "readonly", performance: "readonly",
  requestAnimationFrame: "readonly", cancelAnimationFrame: "readonly", ResizeObserver: "readonly",
  IntersectionObserver: "readonly", MutationObserver: "readonly", setTimeout: "readonly",
  clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", URL: "readonly",
  URLSearchParams: "readonly", fetch: "readonly", Blob: "readonly", File: "readonly",
  FormData: "readonly", FileReader: "readonly", Image: "readonly", ImageData: "readonly",
  HTMLCanvasElement: "readonly", HTMLElement: "readonly", Element: "readonly", Node: "readonly",
  Event: "readonly", CustomEvent: "readonly", KeyboardEvent: "readonly", PointerEvent: "readonly",
  AbortController: "readonly", DOMException: "readonly", TextDecoder: "readonly",
  TextEncoder: "readonly", DataView: "readonly", console: "readonly", atob: "readonly",
  btoa: "readonly", location: "readonly", getComputedStyle: "readonly", matchMedia: "readonly",
  localStorage: "readonly", sessionStorage: "readonly", history: "readonly", Response: "readonly",
  Headers: "readonly", structuredClone: "readonly", queueMicrotask: "readonly",
  OffscreenCanvas: "readonly", createImageBitmap: "readonly", devicePixelRatio: "readonly",
  ClipboardItem: "readonly", MessageEvent: "readonly", Path2D: "readonly",
  indexedDB: "readonly", HTMLInputElement: "readonly",
};
const node = { process: "readonly", Buffer: "readonly", globalThis: "readonly" };

export default [
  js.configs.recommended,
  {
    files: ["static/js/**/*.js", "tests/js/**/*.js", "tests/js/**/*.mjs"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: { ...browser, ...node } },
    rules: {
      // one quote style: double, as most of the code; single only to avoid escaping
      quotes: ["error", "double", { avoidEscape: true, allowTemplateLiterals: true }],
      // `const { key, ...rest } = obj` is how the code drops a key
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none", ignoreRestSiblings: true }],
    },
  },
];
