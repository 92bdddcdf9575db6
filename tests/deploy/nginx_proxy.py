"""Run the shipped deploy/nginx.conf in a real nginx on loopback, pointed at local replicas
through a DNS stub (tests/deploy/dns_stub.py) instead of Docker's DNS."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .conftest import ROOT, free_port, stop, wait_http

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
SHIPPED = ROOT / "deploy" / "nginx.conf"


def _sub(pattern: str, replacement: str, text: str) -> str:
    out, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert count == 1, f"{pattern!r} should occur once in the config"
    return out


def wrap_site(tmp: Path, site: str) -> str:
    """``site`` (an http-level snippet) in the minimal main context a standalone nginx needs."""
    temps = "\n".join(f"    {name}_temp_path {tmp / name};" for name in TEMP_DIRS)
    user = "user root;" if os.geteuid() == 0 else ""
    return (f"{user}\ndaemon off;\nworker_processes 1;\npid {tmp / 'nginx.pid'};\n"
            f"error_log {tmp / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
            f"http {{\n    log_format upstreams '$upstream_addr|$upstream_status|$status';\n"
            f"    access_log {tmp / 'access.log'} upstreams;\n{temps}\n{site}\n}}\n")


def upstream_log(tmp: Path) -> list[tuple[list[str], list[str], str]]:
    """Per proxied request: the replicas tried, their statuses and the final status."""
    path = tmp / "access.log"
    rows = []
    for line in path.read_text().splitlines() if path.exists() else []:
        addrs, statuses, final = line.split("|")
        if addrs == "-":
            continue
        rows.append(([a.strip() for a in addrs.split(",")],
                     [s.strip() for s in statuses.split(",")], final))
    return rows


def shipped_site(*, dns_port: int, app_port: int, listen_port: int,
                 drop_404_hop: bool = False) -> str:
    """deploy/nginx.conf with Docker's DNS replaced by the stub, the replicas' port and a
    loopback listen address; ``drop_404_hop`` removes ``http_404`` (the control)."""
    site = SHIPPED.read_text()
    site = _sub(r"resolver 127\.0\.0\.11 ", f"resolver 127.0.0.1:{dns_port} ", site)
    site = _sub(r"set \$convscope_app app:8000;", f"set $convscope_app app:{app_port};", site)
    site = _sub(r"listen 8080;", f"listen 127.0.0.1:{listen_port};", site)
    if drop_404_hop:
        site = _sub(r" http_404", "", site)
    return site


@contextmanager
def running_nginx(tmp: Path, site: str, *, health: str = "/proxy-healthz") -> Iterator[str]:
    """nginx running ``site`` (its ``listen`` must be a loopback port); yields its base URL."""
    assert NGINX is not None
    port = re.search(r"listen 127\.0\.0\.1:(\d+);", site)
    assert port is not None
    conf = tmp / "nginx.conf"
    conf.write_text(wrap_site(tmp, site))
    args = ["-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")]
    check = subprocess.run([NGINX, "-t", *args], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen([NGINX, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port.group(1)}"
        wait_http(base + health, proc=nginx)
        yield base
    finally:
        stop(nginx)


def replica_hosts(count: int) -> tuple[list[str], int]:
    """``count`` loopback addresses (127.0.0.2, ...) and one port free on all of them, so
    that the replicas look like Docker's: one name, several addresses, the same port."""
    hosts = [f"127.0.0.{2 + i}" for i in range(count)]
    for _ in range(20):
        port = free_port(hosts[0])
        if all(_free(host, port) for host in hosts):
            return hosts, port
    raise RuntimeError("no port free on every replica address")


def _free(host: str, port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


__all__ = ["NGINX", "free_port", "replica_hosts", "running_nginx", "shipped_site", "upstream_log",
           "wrap_site"]
