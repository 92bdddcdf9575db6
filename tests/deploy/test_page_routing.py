"""The page's API client names the image in the X-Convscope-Image header on every request
about an uploaded image, and on the re-upload after a 404, so the proxy's consistent hash
(deploy/nginx.conf) sends the re-upload and the retry to the same replica."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from .conftest import ROOT

SCRIPT = """
import { createApi, IMAGE_HEADER } from "%(api)s";
const ID = "a".repeat(64);
const calls = [];
let pyramidCalls = 0;
async function fetchImpl(url, init = {}) {
  calls.push({ url, headers: init.headers ?? {} });
  if (url === "/api/images") {
    return new Response(JSON.stringify({ id: ID, name: "p.png", width: 4, height: 4,
      channels: 1 }), { status: 200 });
  }
  if (url === "/api/pyramid/tensor" && pyramidCalls++ === 0) {
    return new Response(JSON.stringify({ error: { message: "upload it again" } }),
      { status: 404 });
  }
  return new Response(new ArrayBuffer(0), { status: 500 });
}
const blobs = { put: async () => {}, get: async () => ({ blob: new Blob([new Uint8Array(4)]),
  name: "p.png" }) };
const api = createApi({ fetchImpl, blobs });
await api.uploadImage(new Blob([new Uint8Array(4)]), { name: "p.png" });
try { await api.fetchTensor({ image: { id: ID }, layers: [] }, 0); } catch (e) { }
try { await api.fetchPyramid({ image: { sample: "camera" }, layers: [] }); } catch (e) { }
console.log(JSON.stringify({ header: IMAGE_HEADER, calls }));
"""


def test_requests_about_an_image_carry_its_id_for_the_proxy() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = SCRIPT % {"api": (ROOT / "static" / "js" / "api.js").as_uri()}
    result = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    header = report["header"]
    calls = [(c["url"], c["headers"].get(header)) for c in report["calls"]]
    image_id = "a" * 64
    assert calls == [
        ("/api/images", None),                   # first upload: id not known yet
        ("/api/pyramid/tensor", image_id),       # 404 from this replica
        ("/api/images", image_id),               # re-upload routed to that same replica
        ("/api/pyramid/tensor", image_id),       # retry, same replica
        ("/api/pyramid", None),                  # a sample: any replica
    ]
