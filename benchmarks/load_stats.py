"""What a load run measured: every request's label, status and time, and the summary."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np

HEALTH = "GET /healthz"
HEALTH_P95_TARGET_MS = 100.0
RSS_TARGET_BYTES = 1 << 30
SHED_TARGET = 0.05  # issue 17: at most 5 % of the compute requests answered 503
SHED_ROUTES = {"pyramids": "POST /api/pyramid", "exact-value reads": "POST /api/pyramid/tensor"}
MIB = 1 << 20


@dataclass(frozen=True)
class Record:
    """One request: ``status`` 0 when no answer came (the error names the exception)."""

    label: str
    status: int
    seconds: float
    retry_after: bool
    error: str | None = None


@dataclass
class Recorder:
    """Every request of a run, in the order they ended."""

    records: list[Record] = field(default_factory=list)
    #: What students went through: gave up after 503s, re-uploaded after a 404, ...
    events: Counter[str] = field(default_factory=Counter)
    #: Bytes received per label, as sent (compressed), for the requests read unread.
    wire_bytes: Counter[str] = field(default_factory=Counter)

    async def timed(self, client: httpx.AsyncClient, label: str, method: str, url: str,
                    *, body_unread: bool = False, **kwargs: Any) -> httpx.Response | None:
        """Send and record one request; ``None`` if it got no answer.

        ``body_unread``: receive the body as it comes over the wire without decompressing
        or keeping it (its length is added to ``wire_bytes[label]``). The students'
        browsers decode on their own machines; a load generator that decodes on the
        server's cores takes their CPU from the server."""
        started = time.perf_counter()
        try:
            if body_unread:
                async with client.stream(method, url, **kwargs) as reply:
                    async for chunk in reply.aiter_raw():
                        self.wire_bytes[label] += len(chunk)
            else:
                reply = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.records.append(Record(label, 0, time.perf_counter() - started, False,
                                       type(exc).__name__))
            return None
        self.records.append(Record(label, reply.status_code, time.perf_counter() - started,
                                   "retry-after" in reply.headers))
        return reply


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds."""
    ms = np.asarray(seconds) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"p50": float(p50), "p95": float(p95), "p99": float(p99), "max": float(ms.max())}


def summarise(recorder: Recorder, *, elapsed: float, server: dict[str, Any], users: int,
              think_s: float, client_cpu_s: float, load_before: tuple[float, ...],
              load_after: tuple[float, ...]) -> dict[str, Any]:
    """Everything the report prints, as plain JSON."""
    records = recorder.records
    by_label: dict[str, list[Record]] = {}
    for r in records:
        by_label.setdefault(r.label, []).append(r)
    endpoints = {
        label: {"count": len(rs), **percentiles([r.seconds for r in rs]),
                "statuses": dict(sorted(Counter(str(r.status) for r in rs).items()))}
        for label, rs in sorted(by_label.items())}
    work = [r for r in records if r.label != HEALTH]
    health = by_label.get(HEALTH, [])
    busy = [r for r in records if r.status == 503]
    return {
        "users": users, "think_s": think_s, "seconds": elapsed, "requests": len(records),
        "rps": len(records) / elapsed, "rps_without_healthz": len(work) / elapsed,
        "statuses": dict(sorted(Counter(str(r.status) for r in records).items())),
        "server_errors": sum(1 for r in records if r.status >= 500 and r.status != 503),
        "busy_503": len(busy),
        "shed": {name: shed_share(by_label.get(label, [])) for name, label in SHED_ROUTES.items()},
        "busy_503_ms": percentiles([r.seconds for r in busy]) if busy else {},
        "busy_503_without_retry_after": sum(1 for r in busy if not r.retry_after),
        "no_answer": dict(Counter(r.error for r in records if r.status == 0)),
        "events": dict(sorted(recorder.events.items())),
        "wire_kb_per_answer": {
            label: recorder.wire_bytes[label] / 1000 / max(1, endpoints[label]["statuses"].get(
                "200", 0)) for label in sorted(recorder.wire_bytes)},
        "healthz_failures": sum(1 for r in health if r.status != 200),
        "healthz": endpoints.get(HEALTH, {}),
        "endpoints": endpoints,
        "server": {k: v for k, v in server.items() if k != "log_tail"},
        "server_log_tail": server.get("log_tail", "") if server.get("tracebacks") else "",
        "client_cpu_s": client_cpu_s,
        "load_average_before": list(load_before), "load_average_after": list(load_after),
    }


def shed_share(records: list[Record]) -> float:
    """The share of ``records`` answered 503 (every try counts, retries included)."""
    return sum(1 for r in records if r.status == 503) / len(records) if records else 0.0


def check_targets(summary: dict[str, Any]) -> dict[str, bool]:
    """The issue's targets, each True when met."""
    peak = max(summary["server"]["peak_rss_sampled"], summary["server"]["peak_rss_hwm"])
    shed = summary["shed"]
    return {
        **{f"{name} shed <= {SHED_TARGET:.0%} ({shed[name]:.1%})": shed[name] <= SHED_TARGET
           for name in SHED_ROUTES},
        "no 5xx but 503": summary["server_errors"] == 0 and not summary["no_answer"],
        "every 503 has Retry-After": summary["busy_503_without_retry_after"] == 0,
        "/healthz never failed": summary["healthz_failures"] == 0,
        "/healthz p95 < 100 ms": summary["healthz"].get("p95", 1e9) < HEALTH_P95_TARGET_MS,
        "peak RSS < 1 GiB": peak < RSS_TARGET_BYTES,
    }


def print_report(summary: dict[str, Any]) -> None:
    """The human-readable report."""
    s, srv = summary, summary["server"]
    print(f"\n{s['users']} students (mean think {s['think_s']} s), {s['seconds']:.1f} s, "
          f"load average before "
          f"{s['load_average_before'][0]:.2f} / after {s['load_average_after'][0]:.2f}")
    print(f"requests {s['requests']}  ->  {s['rps']:.1f} req/s "
          f"({s['rps_without_healthz']:.1f} req/s without the /healthz poll)")
    print(f"\n{'endpoint':<38}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}  statuses")
    for label, e in s["endpoints"].items():
        statuses = " ".join(f"{k}:{v}" for k, v in e["statuses"].items())
        print(f"{label:<38}{e['count']:>6}{e['p50']:>9.1f}{e['p95']:>9.1f}{e['p99']:>9.1f}"
              f"{e['max']:>9.1f}  {statuses}")
    print("(milliseconds)\n")
    print(f"statuses: {s['statuses']}   no answer: {s['no_answer'] or 'none'}")
    fast = s["busy_503_ms"]
    print(f"503 (busy): {s['busy_503']}, without Retry-After: "
          f"{s['busy_503_without_retry_after']}   other 5xx: {s['server_errors']}"
          + (f"   503 answered in p50 {fast['p50']:.1f} / p95 {fast['p95']:.1f} ms"
             if fast else ""))
    print(f"students: {s['events'] or 'nothing to note'}")
    for label, kb in s["wire_kb_per_answer"].items():
        print(f"{label}: {kb:.0f} kB over the wire per answer (mean)")
    print(f"/healthz p95 {s['healthz'].get('p95', float('nan')):.1f} ms, max "
          f"{s['healthz'].get('max', float('nan')):.1f} ms, failures {s['healthz_failures']}")
    print(f"server peak RSS {srv['peak_rss_sampled'] / MIB:.0f} MiB sampled, "
          f"{srv['peak_rss_hwm'] / MIB:.0f} MiB high-water mark; CPU {srv['cpu_s']:.1f} s "
          f"(load generator {s['client_cpu_s']:.1f} s); tracebacks logged {srv['tracebacks']}")
    if s["server_log_tail"]:
        print("\nserver log (tail):\n" + s["server_log_tail"])
    print("\ntargets:")
    for name, ok in check_targets(s).items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
