/**
 * Decoders of the binary responses of /api/pyramid (CSP1) and /api/pyramid/tensor (CST1),
 * as documented in docs/api.md. Pure functions of an ArrayBuffer.
 * @module decode
 */

function readFrame(buffer, magic) {
  const bytes = new Uint8Array(buffer);
  const found = String.fromCharCode(...bytes.subarray(0, 4));
  if (found !== magic) throw new Error(`expected a ${magic} response, got ${JSON.stringify(found)}`);
  const length = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const dataStart = Math.ceil((8 + length) / 4) * 4;
  return { header, dataStart };
}

/**
 * Decode a CSP1 pyramid: the JSON header and one uint8 preview per map.
 * @param {ArrayBuffer} buffer
 * @returns {{header: object, data: Uint8Array, maps: Uint8Array[][], bytes: number}}
 *   `maps[layer][k]` is the h*w preview of map k of that layer (layer 0 = the input image)
 */
export function decodePyramid(buffer) {
  const { header, dataStart } = readFrame(buffer, "CSP1");
  const data = new Uint8Array(buffer, dataStart, header.bytes ?? buffer.byteLength - dataStart);
  const maps = header.layers.map((layer) => {
    const [h, w] = layer.preview_shape;
    return layer.maps.map((m) => data.subarray(m.offset, m.offset + h * w));
  });
  return { header, data, maps, bytes: buffer.byteLength };
}

/**
 * Decode a CST1 tensor: exact float32 maps at full resolution.
 * @param {ArrayBuffer} buffer
 * @returns {{header: object, shape: number[], values: Float32Array, bytes: number,
 *   map: (i: number) => Float32Array}} `map(i)` is the H*W values of the i-th returned map
 */
export function decodeTensor(buffer) {
  const { header, dataStart } = readFrame(buffer, "CST1");
  const [n, h, w] = header.shape;
  const values = new Float32Array(buffer, dataStart, n * h * w);
  return { header, shape: header.shape, values, bytes: buffer.byteLength,
    map: (i) => values.subarray(i * h * w, (i + 1) * h * w) };
}

/**
 * Encode a CSP1/CST1 frame (used by the tests to build responses).
 * @param {string} magic
 * @param {object} header
 * @param {ArrayBufferView} payload
 * @returns {ArrayBuffer}
 */
export function encodeFrame(magic, header, payload) {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = Math.ceil((8 + json.length) / 4) * 4;
  const out = new Uint8Array(dataStart + payload.byteLength);
  out.set([...magic].map((c) => c.charCodeAt(0)), 0);
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  out.set(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), dataStart);
  return out.buffer;
}
