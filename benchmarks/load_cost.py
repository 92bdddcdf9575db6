"""CPU cost of one compute request, before and after a change, immune to a busy machine.

A load test on a shared machine measures the machine as much as the server. This script
measures what a class costs the server per request: the process CPU time (every thread,
``time.process_time``) of requests as benchmarks/load.py sends them (the page's default
stack and the 4-conv S7 stack on a 512 px sample, preview 128): a pyramid with new random
weights, then the animation's two reads (all maps of layer 1, one map of layer 2) of that
stack, then the same three again byte for byte (what a class asks again), then the pyramid
with only its second conv reseeded (what one tweak asks). "new" draws every layer's
weights anew, the random classifier's included: the worst case. The client accepts
``--accept-encoding`` and reads the answer as sent, without decompressing it, so that its
own decoding is not counted; the server compresses as it would for that client. It runs the
app of the current directory in process (``cd`` to another checkout to measure that one);
settings come from the environment (``CONVSCOPE_BINARY_GZIP_LEVEL=0`` to price gzip).

Usage: ``python benchmarks/load_cost.py [--repeats 12] [--accept-encoding gzip|zstd|identity]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path.cwd()))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fastapi.testclient import TestClient
from load import SAMPLES, fresh_config, stack

PLAIN = {"Accept-Encoding": "identity"}


def cpu_ms(call: Callable[[], Any]) -> tuple[float, Any]:
    """Process CPU milliseconds of ``call()`` and its result."""
    started = time.process_time()
    result = call()
    return (time.process_time() - started) * 1000, result


def bodies(family: str, seed: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(pyramid, tensor of the input layer, tensor of one map of layer 2) for a new seed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    config = fresh_config(rng)
    while config["family"] != family:
        config = fresh_config(rng)
    config["seeds"] = [int(s) for s in rng.integers(0, 10_000, 4)]
    pyramid = {"image": {"sample": SAMPLES[0]}, "color": "auto", "layers": stack(config),
               "preview": 128}
    return pyramid, {**pyramid, "layer": 1}, {**pyramid, "layer": 2, "maps": [0]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=12)
    parser.add_argument("--accept-encoding", default="gzip",
                        help="the client's Accept-Encoding: gzip (Chromium over plain HTTP), "
                             "zstd (over HTTPS and on localhost) or identity")
    args = parser.parse_args(argv)
    asked = {"Accept-Encoding": args.accept_encoding}

    def post_unread(path: str, body: dict[str, Any]) -> tuple[int, int]:
        """(status, bytes as sent): the body received, not decompressed, as the server
        sends it to a client that asks with ``asked``."""
        with client.stream("POST", path, json=body, headers=asked) as reply:
            return reply.status_code, sum(len(chunk) for chunk in reply.iter_raw())

    from app.main import create_app

    print(f"Accept-Encoding: {args.accept_encoding}")
    print(f"app from {Path.cwd()}; load average {Path('/proc/loadavg').read_text().split()[0]}")
    with TestClient(create_app()) as client:
        client.post("/api/pyramid", json=bodies("default", 0)[0])  # decode the sample
        for family in ("default", "s7"):
            rows: dict[str, list[float]] = {}
            sizes: dict[str, tuple[int, int]] = {}
            for i in range(args.repeats):
                named = list(zip(("pyramid", "tensor layer 1", "tensor map"),
                                 bodies(family, 100 + i),
                                 ("/api/pyramid", "/api/pyramid/tensor", "/api/pyramid/tensor"),
                                 strict=True))
                for when in ("new", "repeated"):
                    for name, body, path in named:
                        ms, (status, wire) = cpu_ms(lambda p=path, b=body: post_unread(p, b))
                        assert status == 200, (status, body)
                        rows.setdefault(f"{name}, {when}", []).append(ms)
                tweaked = json.loads(json.dumps(named[0][1]))
                tweaked["layers"][1]["weights"] = {"random": 20_000 + i}
                ms, (status, _) = cpu_ms(lambda b=tweaked: post_unread("/api/pyramid", b))
                assert status == 200, status
                rows.setdefault("pyramid, one conv reseeded", []).append(ms)
                for name, body, path in named:
                    wire = post_unread(path, body)[1]
                    raw = len(client.post(path, json=body, headers=PLAIN).content)
                    sizes[name] = (raw, wire)
            print(f"\n{family} stack: CPU ms per request (median of {args.repeats}, p90)")
            for name, values in rows.items():
                print(f"  {name:24s} {statistics.median(values):7.1f}  "
                      f"{statistics.quantiles(values, n=10)[-1]:7.1f}")
            for name, (raw, wire) in sizes.items():
                print(f"  {name:24s} {raw / 1e3:8.1f} kB raw, {wire / 1e3:8.1f} kB on the wire")


if __name__ == "__main__":
    main()
