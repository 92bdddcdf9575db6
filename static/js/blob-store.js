/**
 * Originals of uploaded images, kept so that an image the server lost can be uploaded again
 * (api.js): IndexedDB (survives a reload) with memory as the fallback.
 * @module blob-store
 */

import { BLOB_KEEP } from "./config.js";

/**
 * Originals of uploaded images, kept in IndexedDB (survives a reload) and in memory.
 * @param {{dbName?: string, keep?: number}} [options]
 */
export function createBlobStore({ dbName = "convscope", keep = BLOB_KEEP } = {}) {
  const memory = new Map();
  const open = () => new Promise((resolve) => {
    if (typeof indexedDB === "undefined") { resolve(null); return; }
    const req = indexedDB.open(dbName, 1);
    req.onupgradeneeded = () => req.result.createObjectStore("images");
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => resolve(null);
  });
  const dbPromise = open();
  const tx = async (mode, fn) => {
    const db = await dbPromise;
    if (!db) return null;
    return new Promise((resolve) => {
      const t = db.transaction("images", mode);
      const result = fn(t.objectStore("images"));
      t.oncomplete = () => resolve(result.result ?? null);
      t.onerror = () => resolve(null);
    });
  };
  return {
    /** Keep `blob` for `id` (the newest `keep` only), and how it was prepared. */
    async put(id, blob, name, { prepare = null } = {}) {
      const entry = { blob, name, prepare, time: Date.now() };
      memory.set(id, entry);
      await tx("readwrite", (s) => s.put(entry, id));
      const keys = (await tx("readonly", (s) => s.getAllKeys())) ?? [];
      if (keys.length > keep) {
        const entries = await Promise.all(keys.map(async (k) => [k,
          await tx("readonly", (s) => s.get(k))]));
        entries.sort((a, b) => (a[1]?.time ?? 0) - (b[1]?.time ?? 0));
        for (const [k] of entries.slice(0, keys.length - keep)) {
          await tx("readwrite", (s) => s.delete(k));
        }
      }
    },
    /**
     * The kept original of `id`, or null.
     * @returns {Promise<{blob: Blob, name: string, prepare: string|null}|null>}
     */
    async get(id) {
      return memory.get(id) ?? (await tx("readonly", (s) => s.get(id)));
    },
  };
}
