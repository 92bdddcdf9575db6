/**
 * The animation's transport controls (shared by the photo panel and the grid mode): start,
 * step back, play/pause, step forward, end, a position slider, a speed select, and keyboard
 * shortcuts on the panel (Space, arrows, Home/End). Every control has a visible label.
 */

import { SPEEDS } from "./config.js";

/** Keyboard shortcuts, written once for the buttons' `aria-keyshortcuts` and the hint line. */
const KEYS = Object.freeze({
  start: "Home", back: "ArrowLeft", play: "Space", forward: "ArrowRight", end: "End",
});

const speedLabel = (s) => (s < 1 ? `${s} step/s` : `${s.toLocaleString("en")} steps/s`);

/**
 * Create the transport inside `container` and listen for keys on `keyRoot`.
 *
 * @param {HTMLElement} container
 * @param {object} options
 * @param {HTMLElement} options.keyRoot element whose keydown events drive the shortcuts.
 * @param {string} options.idPrefix unique prefix for element ids (labels need them).
 * @param {() => void} options.onToggle play or pause.
 * @param {(step: number) => void} options.onSeek go to a step (already clamped by the caller).
 * @param {(delta: number) => void} options.onStepBy move by `delta` steps (+-1, +-row).
 * @param {(speed: number) => void} options.onSpeed
 * @param {() => number} options.rowLength steps per output row (for ArrowUp/ArrowDown).
 * @returns {{update: (view: {step: number, count: number, playing: boolean,
 *   speed: number}) => void, destroy: () => void}}
 */
export function createTransport(container, { keyRoot, idPrefix, onToggle, onSeek, onStepBy,
  onSpeed, rowLength }) {
  const el = document.createElement("div");
  el.className = "patch-transport";
  el.setAttribute("role", "group");
  el.setAttribute("aria-label", "Animation controls");
  el.innerHTML = `
    <div class="patch-buttons">
      <button type="button" data-act="start" aria-keyshortcuts="${KEYS.start}">▮◀ Start</button>
      <button type="button" data-act="back" aria-keyshortcuts="${KEYS.back}">◀ Step back</button>
      <button type="button" data-act="play" class="patch-play" aria-keyshortcuts="${KEYS.play}"
        >▶ Play</button>
      <button type="button" data-act="forward" aria-keyshortcuts="${KEYS.forward}"
        >Step forward ▶</button>
      <button type="button" data-act="end" aria-keyshortcuts="${KEYS.end}">End ▶▮</button>
    </div>
    <div class="patch-scrub">
      <label for="${idPrefix}-position">Position</label>
      <input id="${idPrefix}-position" type="range" min="0" max="0" step="1" value="0"
        data-role="position">
      <output for="${idPrefix}-position" data-role="position-text">0 / 0</output>
      <label for="${idPrefix}-speed">Speed</label>
      <select id="${idPrefix}-speed" data-role="speed">
        ${SPEEDS.map((s) => `<option value="${s}">${speedLabel(s)}</option>`).join("")}
      </select>
    </div>
    <p class="patch-keys" id="${idPrefix}-keys">Keys (click the figure first): <kbd>Space</kbd> play/pause ·
      <kbd>←</kbd> <kbd>→</kbd> one step · <kbd>↑</kbd> <kbd>↓</kbd> one output row ·
      <kbd>Home</kbd> <kbd>End</kbd></p>`;
  container.append(el);
  const q = (sel) => el.querySelector(sel);
  const position = q('[data-role="position"]');
  const positionText = q('[data-role="position-text"]');
  const speed = q('[data-role="speed"]');
  const playButton = q('[data-act="play"]');
  let view = { step: 0, count: 0, playing: false, speed: SPEEDS[0] };

  const actions = {
    start: () => onSeek(0),
    back: () => onStepBy(-1),
    forward: () => onStepBy(1),
    end: () => onSeek(Math.max(view.count - 1, 0)),
    play: () => onToggle(),
  };
  const onClick = (event) => {
    const act = event.target.closest("button[data-act]")?.dataset.act;
    if (act) actions[act]();
  };
  const onInput = () => onSeek(Number(position.value));
  const onSpeedChange = () => onSpeed(Number(speed.value));
  const onKey = (event) => {
    const target = event.target;
    const typing = target.matches?.("input:not([type=range]), select, textarea, [contenteditable]");
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    const row = Math.max(rowLength(), 1);
    const byKey = {
      " ": actions.play,
      ArrowLeft: () => onStepBy(-1),
      ArrowRight: () => onStepBy(1),
      ArrowUp: () => onStepBy(-row),
      ArrowDown: () => onStepBy(row),
      Home: actions.start,
      End: actions.end,
    };
    const fn = byKey[event.key];
    if (!fn) return;
    event.preventDefault();
    fn();
  };
  el.addEventListener("click", onClick);
  position.addEventListener("input", onInput);
  speed.addEventListener("change", onSpeedChange);
  keyRoot.addEventListener("keydown", onKey);

  return {
    update(next) {
      view = next;
      const max = Math.max(next.count - 1, 0);
      if (position.max !== String(max)) position.max = String(max);
      if (position.value !== String(next.step)) position.value = String(next.step);
      position.disabled = next.count < 1;
      position.setAttribute("aria-valuetext",
        `step ${next.count ? next.step + 1 : 0} of ${next.count}`);
      positionText.textContent = `step ${next.count ? next.step + 1 : 0} / ${next.count}`;
      if (speed.value !== String(next.speed)) speed.value = String(next.speed);
      const label = next.playing ? "▮▮ Pause" : "▶ Play";
      if (playButton.textContent !== label) playButton.textContent = label;
      el.querySelectorAll("button").forEach((b) => { b.disabled = next.count < 1; });
    },
    destroy() {
      keyRoot.removeEventListener("keydown", onKey);
      el.remove();
    },
  };
}
