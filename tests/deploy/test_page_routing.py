"""The page's API client sends one routing key per page load on every request (uploads, the
re-upload after a 404, pyramids of samples), so the Ingress's consistent hash
(deploy/k8s/ingress.yaml) keeps one tab on one replica while tabs spread over all of them."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from .conftest import ROOT

SCRIPT = """
import { createApi, ROUTE_HEADER } from "%(api)s";
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
const other = createApi({ fetchImpl, blobs });
try { await other.fetchPyramid({ image: { sample: "camera" }, layers: [] }); } catch (e) { }
console.log(JSON.stringify({ header: ROUTE_HEADER, calls }));
"""


def test_every_request_of_a_tab_carries_one_never_empty_key_and_tabs_differ() -> None:
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
    assert [url for url, _ in calls] == [
        "/api/images",           # first upload: already on the tab's replica
        "/api/pyramid/tensor",   # 404 (say, the replica restarted)
        "/api/images",           # re-upload, same key: same replica
        "/api/pyramid/tensor",   # retry, same replica
        "/api/pyramid",          # a sample: same tab, same key
        "/api/pyramid",          # another tab
    ]
    first_tab = {key for _, key in calls[:5]}
    (key,) = first_tab
    assert len(key) == 32 and int(key, 16) >= 0
    assert calls[5][1] not in (None, key)
    # the JSON content type survives next to the routing header
    assert report["calls"][1]["headers"]["Content-Type"] == "application/json"
