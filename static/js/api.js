/**
 * The only module that knows the server's URLs (docs/api.md).
 *
 * `createApi()` returns the client: samples, upload, pyramid and tensor fetches. A request on a
 * named channel aborts the previous one on that channel, so a newer control change always
 * wins. An uploaded original is kept in the browser (IndexedDB, memory as fallback) so that
 * when the server answers 404 for an image id it no longer has (restart, eviction, another
 * replica), the image is uploaded again and the request retried, transparently. A 503 (every
 * worker busy) is retried after its Retry-After, a few times (config.js BUSY_RETRY).
 * @module api
 */

import { createBlobStore } from "./blob-store.js";
import { BUSY_RETRY } from "./config.js";
import { decodePyramid, decodeTensor } from "./decode.js";
import { filenameFrom } from "./exports/bodies.js";

export { decodePyramid, decodeTensor } from "./decode.js";
export { createBlobStore } from "./blob-store.js";

const URLS = Object.freeze({
  samples: "/api/samples",
  models: "/api/models",
  images: "/api/images",
  pyramid: "/api/pyramid",
  tensor: "/api/pyramid/tensor",
  convolve: "/api/convolve",
  export: "/api/export",
});

/** Export endpoints (docs/api.md): `/api/export/<kind>`; "gif/grid" needs no image. */
export const EXPORT_KINDS = Object.freeze(["png", "npy", "gif", "gif/grid", "pytorch"]);

/**
 * Header with this tab's routing key, sent on every API request: a hashing proxy in front of
 * several replicas (deploy/k8s/ingress.yaml) sends all of one tab's requests, its uploads
 * included, to one replica, while different tabs spread over all replicas (docs/deploy.md).
 */
export const ROUTE_HEADER = "X-Convscope-Route";

/** A random key per page load (128 bits, hex): never empty, never shared between students. */
export function newRouteKey() {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * How long to wait before retrying a 503: its Retry-After (seconds), capped, plus jitter.
 * @param {string|null} retryAfter the header's value
 * @param {number} [random] a number in [0, 1) (Math.random by default)
 * @returns {number} milliseconds
 */
export function busyDelayMs(retryAfter, random = Math.random()) {
  const seconds = Number.parseFloat(retryAfter ?? "");
  const base = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000;
  return Math.min(base, BUSY_RETRY.maxWaitMs) + random * BUSY_RETRY.jitterMs;
}

/** Resolve after `ms`, or reject with an AbortError as soon as `signal` aborts. */
function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new DOMException("aborted", "AbortError")); return; }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("aborted", "AbortError"));
    }, { once: true });
  });
}

/** An error answered by the server (status, message, and the layer/field it names). */
export class ApiError extends Error {
  /** @param {string} message @param {{status?: number, field?: string, layer?: number}} info */
  constructor(message, { status = 0, field = null, layer = null, code = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.field = field;
    this.layer = layer;
    this.code = code;
  }
}

/**
 * One line from FastAPI validation details: each `msg` already starts with its field
 * (docs/api.md), so it is used as is; the readable `field` is added only when it is not there.
 * @param {Array<{msg?: string, field?: string, loc?: Array}>} detail
 * @returns {string}
 */
export function validationMessage(detail) {
  return detail.map((d) => {
    const msg = String(d.msg ?? "invalid value");
    return d.field && !msg.startsWith(d.field) ? `${d.field}: ${msg}` : msg;
  }).join("; ");
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: keep the status text
  }
  if (body?.error) {
    const e = body.error;
    return new ApiError(e.message ?? response.statusText, { status: response.status,
      field: e.field, layer: e.layer, code: e.code });
  }
  if (Array.isArray(body?.detail)) {
    return new ApiError(validationMessage(body.detail), { status: response.status,
      field: body.detail[0]?.field ?? null });
  }
  const detail = typeof body?.detail === "string" ? body.detail : response.statusText;
  return new ApiError(detail || `HTTP ${response.status}`, { status: response.status });
}

/**
 * The API client.
 * @param {{fetchImpl?: typeof fetch, blobs?: ReturnType<typeof createBlobStore>,
 *   onImageReplaced?: (oldId: string, meta: object) => void}} [options]
 *   `onImageReplaced` is told when a lost image was uploaded again under a new id;
 *   `routeKey` (default: random) is sent in the ROUTE_HEADER of every request
 */
export function createApi({ fetchImpl = (...a) => fetch(...a), blobs = createBlobStore(),
  onImageReplaced = () => {}, routeKey = newRouteKey() } = {}) {
  const channels = new Map();
  const route = { [ROUTE_HEADER]: routeKey };

  const send = async (url, init, channel) => {
    let signal;
    if (channel) {
      channels.get(channel)?.abort();
      const controller = new AbortController();
      channels.set(channel, controller);
      signal = controller.signal;
    }
    for (let attempt = 0; ; attempt += 1) {
      const response = await fetchImpl(url, { ...init, headers: { ...init.headers, ...route },
        signal });
      if (response.status === 503 && attempt < BUSY_RETRY.retries) {
        await wait(busyDelayMs(response.headers.get("Retry-After")), signal);
        continue;
      }
      if (!response.ok) throw await errorFrom(response);
      return response;
    }
  };

  const postJson = (url, body, channel) => send(url, { method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body) }, channel);

  async function uploadImage(file, { name = file.name ?? "image", prepare = null } = {}) {
    const form = new FormData();
    form.append("file", file, name);
    if (prepare) form.append("prepare", prepare);
    const response = await send(URLS.images, { method: "POST", body: form });
    const meta = await response.json();
    // kept for a re-upload, without delaying the first pyramid (memory at once, disk later)
    blobs.put(meta.id, file, name, { prepare }).catch(() => {});
    return meta;
  }

  /** Run `call(request)`; on a 404 for an uploaded image, upload it again and retry once. */
  async function withImage(request, call) {
    try {
      return await call(request);
    } catch (err) {
      const id = request.image?.id;
      if (!(err instanceof ApiError) || err.status !== 404 || !id) throw err;
      const kept = await blobs.get(id);
      if (!kept) {
        throw new ApiError("The server no longer has this uploaded image and this browser does "
          + "not keep a copy: please upload it again.", { status: 404, field: "image" });
      }
      const meta = await uploadImage(kept.blob, { name: kept.name, prepare: kept.prepare ?? null });
      if (meta.id !== id) onImageReplaced(id, meta);
      return call({ ...request, image: { id: meta.id } });
    }
  }

  return {
    /** The gallery: `[{name, title, credit, licence, width, height, channels, url}]`. */
    async fetchSamples() {
      return (await send(URLS.samples, {})).json();
    },
    /**
     * The trained networks (`GET /api/models`): name, title, input_shape, classes, accuracy,
     * heldout (count) and layers (API layer specs with `{"model", "layer"}` weights).
     * @returns {Promise<object[]>}
     */
    async fetchModels() {
      return (await send(URLS.models, {})).json();
    },
    /**
     * A page of a trained network's held-out digits.
     * @param {string} model
     * @param {{start: number, count: number}} page
     * @returns {Promise<{total: number, start: number, labels: number[], pixels: Uint8Array}>}
     *   `pixels` = count x H x W uint8, white ink on black
     */
    async fetchHeldout(model, { start, count }) {
      const url = `${URLS.models}/${encodeURIComponent(model)}/heldout?start=${start}`
        + `&count=${count}`;
      const body = await (await send(url, {})).json();
      const binary = atob(body.pixels);
      return { total: body.total, start: body.start, labels: body.labels,
        pixels: Uint8Array.from(binary, (c) => c.charCodeAt(0)) };
    },
    /**
     * Upload an image (File or Blob) and keep it for re-upload; `prepare: "digit"` asks the
     * server for MNIST's preparation (a 28 x 28 grey digit, docs/api.md).
     * @returns {Promise<{id: string, width: number, height: number, channels: number,
     *   name: string}>}
     */
    uploadImage,
    /**
     * Compute and fetch the pyramid of `request`; aborts the previous pyramid fetch.
     * @param {object} request see request.js buildPyramidRequest
     * @returns {Promise<ReturnType<typeof decodePyramid> & {request: object, ms: number}>}
     */
    async fetchPyramid(request, { channel = "pyramid" } = {}) {
      const t0 = performance.now();
      return withImage(request, async (req) => {
        const response = await postJson(URLS.pyramid, req, channel);
        const decoded = decodePyramid(await response.arrayBuffer());
        return { ...decoded, request: req, ms: performance.now() - t0 };
      });
    },
    /**
     * Exact float32 maps of one layer (0 = the input image) at full resolution.
     * @param {object} request the pyramid request
     * @param {number} layer
     * @param {number[]|null} [maps] default all
     * @param {{channel?: string}} [options] a channel aborts its previous request
     * @returns {Promise<ReturnType<typeof decodeTensor>>}
     */
    async fetchTensor(request, layer, maps = null, { channel = null } = {}) {
      return withImage(request, async (req) => {
        const body = { ...req, layer, ...(maps ? { maps } : {}) };
        const response = await postJson(URLS.tensor, body, channel);
        return decodeTensor(await response.arrayBuffer());
      });
    },
    /**
     * Run layers on a small typed input (grid mode); aborts the previous convolve request.
     * @param {{input: number[][][]|number[][], layers: object[]}} body see docs/api.md
     * @returns {Promise<{layers: Array<object & {output: number[][][]}>}>}
     */
    async convolve(body, { channel = "convolve" } = {}) {
      return (await postJson(URLS.convolve, body, channel)).json();
    },
    /**
     * Ask an export endpoint for a file (docs/api.md, "Exports"); a lost uploaded image is
     * uploaded again, as for the pyramid.
     * @param {"png"|"npy"|"gif"|"gif/grid"|"pytorch"} kind
     * @param {object} body exports/bodies.js builds them
     * @returns {Promise<{blob: Blob, filename: string}>}
     */
    async exportFile(kind, body) {
      if (!EXPORT_KINDS.includes(kind)) throw new ApiError(`unknown export ${kind}`);
      const call = async (req) => {
        const response = await postJson(`${URLS.export}/${kind}`, req, null);
        const fallback = `convscope-${kind.replace("/", "-")}`;
        return { blob: await response.blob(),
          filename: filenameFrom(response.headers.get("Content-Disposition"), fallback) };
      };
      return kind === "gif/grid" ? call(body) : withImage(body, call);
    },
    /** URL of a sample's working image. */
    sampleUrl: (name) => `${URLS.samples}/${encodeURIComponent(name)}.png`,
    /** URL of an uploaded working image. */
    imageUrl: (id) => `${URLS.images}/${encodeURIComponent(id)}`,
  };
}
