"""``docker compose up --scale app=N`` takes effect without restarting the proxy: the shipped
nginx config resolves the service name at run time and again once its answer is old, so
replicas that appear in (or leave) the DNS answer get (or stop getting) requests.

Docker's embedded DNS is played by a stub on loopback whose answer the test changes; the
replicas are real app processes on 127.0.0.2, 127.0.0.3, ... sharing one port, like
containers sharing one service name.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import free_port, start_app, stop
from .dns_stub import dns_stub
from .nginx_proxy import NGINX, SHIPPED, replica_hosts, running_nginx, shipped_site, upstream_log
from .test_replicas import ENV, TWEAKED_LAYERS

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
BODY = {"image": {"sample": "camera"}, "layers": TWEAKED_LAYERS, "preview": 32}
REQUESTS = 10


def _valid_seconds() -> int:
    found = re.search(r"resolver \S+ valid=(\d+)s", SHIPPED.read_text())
    assert found, "the shipped resolver should say how long an answer is trusted"
    return int(found.group(1))


def _served_by(http: httpx.Client, tmp: Path) -> Counter[str]:
    """Send REQUESTS gallery pyramids; which replica answered each (all must succeed)."""
    before = len(upstream_log(tmp))
    for _ in range(REQUESTS):
        response = http.post("/api/pyramid", json=BODY)
        assert response.status_code == 200, response.text
    time.sleep(0.2)  # let nginx write its access log
    rows = upstream_log(tmp)[before:]
    assert len(rows) == REQUESTS
    return Counter(addrs[-1].split(":")[0] for addrs, _, _ in rows)


def test_scaling_up_and_down_reaches_a_running_proxy(tmp_path: Path) -> None:
    (first, second), port = replica_hosts(2)
    replicas: list[Any] = []
    try:
        replicas.append(start_app(env=ENV, host=first, port=port))
        with dns_stub("app", [first]) as dns:
            site = shipped_site(dns_port=dns.port, app_port=port, listen_port=free_port())
            with running_nginx(tmp_path, site) as base:
                http = httpx.Client(base_url=base, timeout=30)
                assert _served_by(http, tmp_path) == {first: REQUESTS}

                # docker compose up --scale app=2: a new container, a new DNS answer
                replicas.append(start_app(env=ENV, host=second, port=port))
                dns.addresses = [first, second]
                time.sleep(_valid_seconds() + 1)
                served = _served_by(http, tmp_path)
                assert set(served) == {first, second}, served

                # --scale app=1: the first container leaves the answer, then stops
                dns.addresses = [second]
                time.sleep(_valid_seconds() + 1)
                stop(replicas[0][0])
                assert _served_by(http, tmp_path) == {second: REQUESTS}
                assert dns.queries >= 3  # resolved again and again, never restarted
    finally:
        for proc, _ in replicas:
            stop(proc)
