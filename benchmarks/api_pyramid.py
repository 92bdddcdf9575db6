"""Control change -> every map of the reference pyramid, over real HTTP on loopback.

Starts the app on a free port (``tests/servers.py``), then for the 512x512 RGB sample and
the 4-layer pyramid (conv3x3 K=8 s1 same + ReLU, K=16 s2, K=32 s2, K=64 s2, each + ReLU)
changes one layer's seed per request (a control change: always a cache miss) and prints, per preview
size: response bytes, round-trip p50/p95, the server's own ``elapsed_ms``, and, measured in
process, how that splits into engine and encoding. Run: ``python benchmarks/api_pyramid.py``.
"""

from __future__ import annotations

import json
import statistics
import struct
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import engine
from app.services.encoding import array_json, encode_pyramid
from app.services.images import as_tensor, make_image
from tests.servers import serve_app

SAMPLE = "astronaut"
LAYERS = [(8, 1), (16, 2), (32, 2), (64, 2)]
RUNS = 40


def request(seed: int, preview: int) -> dict[str, Any]:
    """The pyramid request with layer 2's seed set to ``seed``."""
    return {"image": {"sample": SAMPLE}, "preview": preview, "layers": [
        {"type": "conv", "weights": {"random": seed if i == 1 else i}, "filters": k,
         "stride": s, "padding": "same", "activation": "relu"}
        for i, (k, s) in enumerate(LAYERS)]}


def in_process(pixels: np.ndarray, preview: int) -> tuple[float, float]:
    """Median engine ms and encoding ms for the same pyramid. Weights' JSON is remembered
    by content, as the server does: a control change rewrites one layer's weights only."""
    x = as_tensor(make_image(pixels, name=SAMPLE), color="auto")
    engine_ms, encode_ms = [], []
    texts: dict[bytes, str] = {}

    def array_text(values: np.ndarray) -> str:
        key = str(values.shape).encode() + np.ascontiguousarray(values).tobytes()
        if key not in texts:
            texts[key] = array_json(values)
        return texts[key]
    for seed in range(RUNS // 2):
        layers = [engine.Conv(weights=engine.RandomWeights(seed if i == 1 else i), maps=k,
                              kernel_size=(3, 3), stride=s, padding="same", activation="relu")
                  for i, (k, s) in enumerate(LAYERS)]
        t0 = time.perf_counter()
        planned, outputs = engine.run_stack(x, layers)
        t1 = time.perf_counter()
        encode_pyramid(image={}, x=x, planned=planned, outputs=outputs,
                       previews=[preview] * (len(planned) + 1), started=t1,
                       array_text=array_text)
        t2 = time.perf_counter()
        engine_ms.append((t1 - t0) * 1000)
        encode_ms.append((t2 - t1) * 1000)
    return statistics.median(engine_ms), statistics.median(encode_ms)


def main() -> int:
    with serve_app() as url:
        client = httpx.Client(base_url=url, timeout=30)
        client.get("/api/samples")
        png = client.get(f"/api/samples/{SAMPLE}.png").content
        from io import BytesIO

        from PIL import Image
        pixels = np.asarray(Image.open(BytesIO(png)))
        print(f"{'preview':>7} {'bytes':>9} {'p50 ms':>7} {'p95 ms':>7} {'server':>7} "
              f"{'engine':>7} {'encode':>7} {'tensor':>7}")
        for preview in (64, 128, 256):
            rtt, server_ms, tensor_ms, size = [], [], [], 0
            for seed in range(100, 100 + RUNS):
                t0 = time.perf_counter()
                body = client.post("/api/pyramid", json=request(seed, preview)).content
                rtt.append((time.perf_counter() - t0) * 1000)
                (length,) = struct.unpack("<I", body[4:8])
                server_ms.append(json.loads(body[8:8 + length])["elapsed_ms"])
                size = len(body)
                t0 = time.perf_counter()
                client.post("/api/pyramid/tensor",
                            json={**request(seed, preview), "layer": 2, "maps": [0]})
                tensor_ms.append((time.perf_counter() - t0) * 1000)
            eng, enc = in_process(pixels, preview)
            print(f"{preview:>7} {size:>9} {statistics.median(rtt):>7.1f} "
                  f"{np.percentile(rtt, 95):>7.1f} {statistics.median(server_ms):>7.1f} "
                  f"{eng:>7.1f} {enc:>7.1f} {statistics.median(tensor_ms):>7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
