"""A class at the same minute: simulated students against one Convscope server on loopback.

Starts ``convscope serve`` (``python -m app.cli serve``, the settings' defaults: 2 workers,
queue 8) on a free 127.0.0.1 port, then for ``--seconds`` runs ``--users`` students, each of
whom opens the page (HTML, gallery, thumbnails), uploads a photo of their own (a few are
5 MB phone JPEGs of 4000 x 3000; about 1 in 10 first tries a bad file) or picks a sample, then
tweaks the network and asks for its pyramid again and again (the page's default 3-conv stack
and the 4-conv S7 stack: 3x3 K=8 s1 same + ReLU, then K=16, 32, 64 at stride 2), reading
exact maps through ``/api/pyramid/tensor`` as the animation does. A student honours
``Retry-After`` on a 503 and re-uploads on a 404. One more client polls ``/healthz`` every
100 ms. The server's RSS is sampled from ``/proc`` (and its kernel high-water mark read).

Prints requests per second, p50/p95/p99 per endpoint, statuses, 503s, ``/healthz`` p95 and
peak RSS, and checks the targets: no 5xx but 503 (each with ``Retry-After``), ``/healthz``
p95 under 100 ms, peak RSS under 1 GiB. The load generator shares the machine's cores with
the server; its own CPU time is printed too.

Usage: ``python benchmarks/load.py [--seconds 60] [--users 100] [--think 2.5] [--json out.json]
[--env CONVSCOPE_WORKERS=2 ...] [--check]`` (``--check``: exit 1 if a target is missed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_files import Upload, bad_files, student_photo
from load_server import Server
from load_stats import Recorder, check_targets, print_report, summarise

SAMPLES = ("astronaut", "camera", "chelsea", "coffee", "rocket")
SAMPLE_SHARE = 0.3  # students who stay on a gallery photo
BAD_FILE_SHARE = 0.1  # students who first send something that is not a photo
ANIMATE_SHARE = 0.5  # tweaks after which the student opens the sliding-window animation
THINK_MEAN_S, THINK_MIN_S = 2.5, 0.3  # between two tweaks: an eager class
HEALTH_EVERY_S = 0.1
MAX_RETRIES = 3
TIMEOUT_S = 30.0
PRESETS = ["sobel_x", "sobel_y", "laplacian", "gaussian_blur"]
MIMES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
#: What Chromium sends over HTTPS and to localhost; over plain HTTP to another machine (a
#: classroom LAN) it sends only "gzip, deflate" (``--accept-encoding "gzip, deflate"``).
ACCEPT_ENCODING = "gzip, deflate, zstd"


def conv(filters: int, seed: int, *, stride: int = 1, kernel: int = 3,
         weights: dict[str, Any] | None = None) -> dict[str, Any]:
    """A conv layer as the page sends it (same padding, ReLU)."""
    return {"type": "conv", "filters": filters, "kernel_size": [kernel, kernel],
            "stride": [stride, stride], "padding": "same", "dilation": [1, 1],
            "activation": "relu", "weights": weights or {"random": seed}}


def stack(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The API layers of a student's configuration (mirrors static/js/state.js)."""
    f, s, k = config["filters"], config["seeds"], config["kernels"]
    if config["family"] == "default":  # defaultConfig(): presets, 2 random convs, pool, dense
        return [conv(4, 0, kernel=3, weights={"presets": PRESETS, "seed": 0}),
                conv(f[1], s[1], stride=2, kernel=k[1]),
                conv(f[2], s[2], stride=2, kernel=k[2]),
                {"type": "maxpool", "size": 2, "stride": 2},
                {"type": "dense", "units": 10, "weights": {"random": s[3]},
                 "activation": "none"}]
    return [conv(f[i], s[i], stride=1 if i == 0 else 2, kernel=k[i]) for i in range(4)]


def fresh_config(rng: np.random.Generator) -> dict[str, Any]:
    """The default stack or S7, as the page opens it."""
    if rng.random() < 0.5:
        return {"family": "default", "filters": [4, 8, 16, 0], "seeds": [0, 1, 2, 3],
                "kernels": [3, 3, 3, 3], "color": "auto"}
    return {"family": "s7", "filters": [8, 16, 32, 64], "seeds": [7, 8, 9, 10],
            "kernels": [3, 3, 3, 3], "color": "auto"}


def tweak(config: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """One edit a student makes: new weights, more or fewer maps, kernel, colour, stack."""
    c = {key: list(v) if isinstance(v, list) else v for key, v in config.items()}
    first = 1 if c["family"] == "default" else 0  # the default's first layer is presets
    i = int(rng.integers(first, 3 if c["family"] == "default" else 4))
    move = rng.choice(["seed", "seed", "seed", "filters", "kernel", "color", "stack"],
                      p=[0.2, 0.2, 0.2, 0.18, 0.12, 0.06, 0.04])
    if move == "seed":
        c["seeds"][i] = int(rng.integers(0, 10_000))
    elif move == "filters":
        c["filters"][i] = int(np.clip(c["filters"][i] * rng.choice([0.5, 2]), 2, 64))
    elif move == "kernel":
        c["kernels"][i] = 5 if c["kernels"][i] == 3 else 3
    elif move == "color":
        c["color"] = "grey" if c["color"] == "auto" else "auto"
    else:
        c = fresh_config(rng) if rng.random() < 0.5 else c
    return c


class Student:
    """One browser: opens the page, gets an image onto the server, tweaks and reads maps."""

    def __init__(self, index: int, *, client: httpx.AsyncClient, recorder: Recorder,
                 seed: int, bad: list[Upload], think_s: float) -> None:
        self.index = index
        self.think_s = think_s
        self.client = client
        self.rec = recorder
        self.rng = np.random.default_rng([seed, index, 1])
        self.photo = None if self.rng.random() < SAMPLE_SHARE else student_photo(
            index, seed=seed)
        self.bad = bad[int(self.rng.integers(len(bad)))] if (
            self.rng.random() < BAD_FILE_SHARE) else None
        self.image: dict[str, str] = {"sample": SAMPLES[index % len(SAMPLES)]}
        self.config = fresh_config(self.rng)

    async def call(self, label: str, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        """``method url``, retried after ``Retry-After`` on a 503 (every try recorded)."""
        for _ in range(MAX_RETRIES + 1):
            reply = await self.rec.timed(self.client, label, method, url, **kwargs)
            if reply is None or reply.status_code != 503:
                return reply
            await asyncio.sleep(float(reply.headers.get("retry-after", "1")))
        self.rec.events[f"gave up after {MAX_RETRIES + 1} x 503: {label}"] += 1
        return reply

    async def upload(self, upload: Upload, label: str) -> httpx.Response | None:
        """Send ``upload`` as the page does (multipart field ``file``)."""
        mime = MIMES.get(upload.name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
        return await self.call(label, "POST", "/api/images",
                               files={"file": (upload.name, upload.data, mime)})

    async def ensure_image(self) -> None:
        """Upload the student's photo (again); a sample needs nothing."""
        if self.photo is None:
            return
        reply = await self.upload(self.photo, f"POST /api/images ({self.photo.kind})")
        if reply is not None and reply.status_code == 200:
            self.image = {"id": reply.json()["id"]}
            self.rec.events["photo uploaded"] += 1

    async def compute(self, label: str, url: str, body: dict[str, Any]) -> httpx.Response | None:
        """A pyramid or tensor request; a 404 (image evicted or server restarted) re-uploads.
        The answer is received but not decoded (what the page does with it costs the
        student's machine, not the server)."""
        reply = await self.call(label, "POST", url, json=body, body_unread=True)
        if reply is not None and reply.status_code == 200:
            coding = reply.headers.get("content-encoding", "none")
            self.rec.events[f"compute answers compressed with {coding}"] += 1
        if reply is not None and reply.status_code == 404 and "id" in self.image:
            self.rec.events["re-upload after a 404"] += 1
            await self.ensure_image()
            reply = await self.call(label, "POST", url, json={**body, "image": self.image},
                                    body_unread=True)
        return reply

    async def run(self, *, start_at: float, deadline: float) -> None:
        """The student's session until ``deadline`` (``time.monotonic``)."""
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        await self.call("GET /", "GET", "/")
        await self.call("GET /api/samples", "GET", "/api/samples")
        for name in SAMPLES:  # the gallery's thumbnails, as the page shows them
            await self.call("GET /api/samples/{name}/thumbnail.jpg", "GET",
                            f"/api/samples/{name}/thumbnail.jpg")
        if self.bad is not None:
            await self.upload(self.bad, "POST /api/images (bad file)")
        await self.ensure_image()
        if self.photo is not None:
            self.rec.events["students with a photo"] += 1
            if "id" not in self.image:
                self.rec.events["students whose photo never got in"] += 1
        while time.monotonic() < deadline:
            body = {"image": self.image, "color": self.config["color"],
                    "layers": stack(self.config), "preview": 128}
            reply = await self.compute("POST /api/pyramid", "/api/pyramid", body)
            if (reply is not None and reply.status_code == 200
                    and self.rng.random() < ANIMATE_SHARE):
                convs = [i + 1 for i, layer in enumerate(body["layers"])
                         if layer["type"] == "conv"]
                layer = int(self.rng.choice(convs))
                k = int(self.rng.integers(body["layers"][layer - 1]["filters"]))
                for extra in ({"layer": layer - 1}, {"layer": layer, "maps": [k]}):
                    await self.compute("POST /api/pyramid/tensor", "/api/pyramid/tensor",
                                       {**body, "image": self.image, **extra})
            await asyncio.sleep(max(THINK_MIN_S, self.rng.exponential(self.think_s)))
            self.config = tweak(self.config, self.rng)


async def poll_health(base_url: str, recorder: Recorder, deadline: float) -> None:
    """``GET /healthz`` every ``HEALTH_EVERY_S`` on a connection of its own."""
    async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT_S) as client:
        while time.monotonic() < deadline:
            started = time.monotonic()
            await recorder.timed(client, "GET /healthz", "GET", "/healthz")
            await asyncio.sleep(max(0.0, HEALTH_EVERY_S - (time.monotonic() - started)))


async def drive(base_url: str, *, users: int, seconds: float, seed: int,
                recorder: Recorder, think_s: float = THINK_MEAN_S,
                accept_encoding: str = ACCEPT_ENCODING) -> float:
    """Run the class for ``seconds``; returns the elapsed wall time."""
    bad = bad_files(seed=seed)
    limits = httpx.Limits(max_connections=users + 8, max_keepalive_connections=users + 8)
    async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT_S, limits=limits,
                                 headers={"Accept-Encoding": accept_encoding}) as client:
        students = [Student(i, client=client, recorder=recorder, seed=seed, bad=bad,
                            think_s=think_s) for i in range(users)]
        began = time.monotonic()
        deadline = began + seconds
        ramp = min(10.0, seconds / 4)  # a class does not click at the same millisecond
        arrivals = np.random.default_rng(seed).uniform(0, ramp, users)
        tasks = [asyncio.create_task(s.run(start_at=began + float(t), deadline=deadline))
                 for s, t in zip(students, arrivals, strict=True)]
        tasks.append(asyncio.create_task(poll_health(base_url, recorder, deadline)))
        # Bounded in time: whatever is still waiting at the deadline is dropped unrecorded.
        _, pending = await asyncio.wait(tasks, timeout=seconds)
        elapsed = time.monotonic() - began
        for task in pending:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        crashed = [r for r in results if isinstance(r, Exception)]  # not CancelledError
        if crashed:
            raise crashed[0]
        return elapsed


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the run")
    parser.add_argument("--users", type=int, default=100, help="simulated students")
    parser.add_argument("--seed", type=int, default=0, help="seed of photos and choices")
    parser.add_argument("--think", type=float, default=THINK_MEAN_S,
                        help="mean seconds a student waits between two tweaks")
    parser.add_argument("--env", action="append", default=[], metavar="CONVSCOPE_X=V",
                        help="a server setting (repeatable); the defaults otherwise")
    parser.add_argument("--accept-encoding", default=ACCEPT_ENCODING,
                        help=f"the students' Accept-Encoding (default {ACCEPT_ENCODING!r})")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = dict(item.split("=", 1) for item in args.env)
    load_before = os.getloadavg()
    recorder = Recorder()
    with Server(env=env) as server:
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        elapsed = asyncio.run(drive(server.base_url, users=args.users, seconds=args.seconds,
                                    seed=args.seed, recorder=recorder, think_s=args.think,
                                    accept_encoding=args.accept_encoding))
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        stats = server.stats()
    client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime
                  + cpu_after.ru_stime - cpu_before.ru_stime)
    summary = summarise(recorder, elapsed=elapsed, server=stats, users=args.users,
                        think_s=args.think,
                        client_cpu_s=client_cpu, load_before=load_before,
                        load_after=os.getloadavg())
    print_report(summary)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    return 1 if args.check and not all(check_targets(summary).values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
