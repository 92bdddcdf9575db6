/**
 * The animation clock: a step counter advanced on requestAnimationFrame.
 *
 * Drawing is a pure function of (state, step); this module only decides which step is shown.
 * Every `play()` takes a fresh token and a frame callback whose token is stale returns
 * without scheduling another frame, so two loops can never run at once.
 */

import { MAX_FRAME_GAP_MS, FRAME_SAMPLES } from "./config.js";

/**
 * Advance the step by `speed` steps per second over `dt` ms, keeping the fractional part.
 *
 * @param {{step: number, carry: number, speed: number, dt: number, count: number}} args
 *   `carry` is the fraction of a step left over from earlier frames.
 * @returns {{step: number, carry: number, done: boolean}} `done` once the last step is shown.
 */
export function advance({ step, carry, speed, dt, count }) {
  const last = Math.max(count - 1, 0);
  const gap = Math.min(Math.max(dt, 0), MAX_FRAME_GAP_MS);
  const exact = carry + (speed * gap) / 1000;
  const whole = Math.floor(exact);
  const next = Math.min(step + whole, last);
  return { step: next, carry: next === last ? 0 : exact - whole, done: next >= last };
}

/**
 * A ring buffer of recent frame times (ms) and the work time of each frame.
 *
 * @param {number} [size]
 * @returns {{push: (frame: number, work: number) => void, frames: () => number[],
 *   works: () => number[], clear: () => void}}
 */
export function createFrameLog(size = FRAME_SAMPLES) {
  const frames = new Float64Array(size);
  const works = new Float64Array(size);
  let next = 0;
  let filled = 0;
  const ordered = (buffer) => {
    const start = filled < size ? 0 : next;
    return Array.from({ length: filled }, (_, i) => buffer[(start + i) % size]);
  };
  return {
    push(frame, work) {
      frames[next] = frame;
      works[next] = work;
      next = (next + 1) % size;
      filled = Math.min(filled + 1, size);
    },
    frames: () => ordered(frames),
    works: () => ordered(works),
    clear() { next = 0; filled = 0; },
  };
}

/**
 * Create the clock. `onFrame(step)` draws; it is called once per animation frame while
 * playing and the step changed, and its duration is logged as the frame's work time.
 *
 * @param {object} options
 * @param {() => number} options.getCount steps available now.
 * @param {() => number} options.getSpeed steps per second.
 * @param {(step: number) => void} options.onFrame draw step (and update the numbers).
 * @param {(playing: boolean) => void} [options.onPlayingChange]
 * @param {(cb: FrameRequestCallback) => number} [options.raf]
 * @param {(id: number) => void} [options.cancelRaf]
 * @param {() => number} [options.now]
 * @returns {{play: () => void, pause: () => void, isPlaying: () => boolean,
 *   step: () => number, seek: (step: number) => void, log: ReturnType<typeof createFrameLog>,
 *   destroy: () => void}}
 */
export function createPlayer({ getCount, getSpeed, onFrame, onPlayingChange = () => {},
  raf = (cb) => requestAnimationFrame(cb), cancelRaf = (id) => cancelAnimationFrame(id),
  now = () => performance.now() }) {
  const log = createFrameLog();
  let token = null;
  let frameId = 0;
  let current = 0;
  let carry = 0;
  let lastTime = 0;

  const stop = () => {
    token = null;
    if (frameId) cancelRaf(frameId);
    frameId = 0;
  };

  const pause = () => {
    if (token === null) return;
    stop();
    onPlayingChange(false);
  };

  const play = () => {
    const count = getCount();
    if (count < 1) return;
    stop();
    if (current >= count - 1) current = 0;
    const mine = {};
    token = mine;
    carry = 0;
    lastTime = now();
    const frame = (time) => {
      if (token !== mine) return;
      const started = now();
      const moved = advance({ step: current, carry, speed: getSpeed(), dt: time - lastTime,
        count: getCount() });
      const dt = time - lastTime;
      lastTime = time;
      carry = moved.carry;
      if (moved.step !== current) {
        current = moved.step;
        onFrame(current);
      }
      log.push(dt, now() - started);
      if (moved.done) {
        token = null;
        frameId = 0;
        onPlayingChange(false);
        return;
      }
      frameId = raf(frame);
    };
    frameId = raf(frame);
    onPlayingChange(true);
  };

  return {
    play,
    pause,
    isPlaying: () => token !== null,
    step: () => current,
    seek(step) {
      current = step;
      carry = 0;
    },
    log,
    destroy: stop,
  };
}
