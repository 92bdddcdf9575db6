"""The shipped nginx config, for real, in front of two replicas: a client that behaves like
the page (on a 404 for its image: upload again, retry once) never fails, because requests
about one image are routed by a consistent hash of its id. Round-robin alone is not enough:
the control test shows a lone student bouncing between replicas that each lack the image.

Skipped when nginx is not installed (``apt-get install nginx-light``).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import ROOT, free_port, start_app, stop, wait_http
from .test_replicas import ENV, TWEAKED_LAYERS, _photo

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def proxy_config(tmp: Path, *, upstreams: list[str], port: int) -> str:
    """deploy/nginx.conf with the compose service name replaced by local replicas, wrapped
    in the minimal main context a standalone nginx needs."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = "\n".join(f"    server {u} max_fails=3 fail_timeout=10s;" for u in upstreams)
    site, count = re.subn(r"^\s*server app:8000[^\n]*;", servers, site, flags=re.MULTILINE)
    assert count == 1
    site, count = re.subn(r"listen 8080;", f"listen 127.0.0.1:{port};", site)
    assert count == 1
    temps = "\n".join(f"    {name}_temp_path {tmp / name};" for name in TEMP_DIRS)
    user = "user root;" if os.geteuid() == 0 else ""
    return (f"{user}\ndaemon off;\nworker_processes 1;\npid {tmp / 'nginx.pid'};\n"
            f"error_log {tmp / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
            f"http {{\n    access_log off;\n{temps}\n{site}\n}}\n")


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[tuple[str, list[Any]]]:
    """(proxy URL, replicas) with nginx running the shipped config over two replicas."""
    assert NGINX is not None
    replicas: list[Any] = []
    nginx = None
    try:
        replicas.extend([start_app(env=ENV), start_app(env=ENV)])
        port = free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(proxy_config(tmp_path, port=port, upstreams=[
            base.removeprefix("http://") for _, base in replicas]))
        args = ["-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")]
        check = subprocess.run([NGINX, "-t", *args], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        nginx = subprocess.Popen([NGINX, *args], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
        wait_http(f"http://127.0.0.1:{port}/proxy-healthz", proc=nginx)
        yield f"http://127.0.0.1:{port}", replicas
    finally:
        if nginx is not None:
            stop(nginx)
        for proc, _ in replicas:
            stop(proc)


@dataclass
class PageClient:
    """What static/js/api.js does, optionally with the image-id routing header."""

    base: str
    send_image_header: bool = True
    image_id: str = ""
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base, timeout=30)

    def _headers(self, image_id: str) -> dict[str, str]:
        return {"X-Convscope-Image": image_id} if self.send_image_header and image_id else {}

    def upload(self, *, known_id: str = "") -> None:
        files = {"file": ("photo.png", io.BytesIO(_photo()), "image/png")}
        response = self.http.post("/api/images", files=files, headers=self._headers(known_id))
        assert response.status_code == 200, response.text
        self.image_id = response.json()["id"]

    def post(self, path: str, body: dict[str, Any]) -> int:
        """POST for our image; on 404 upload again and retry once, like the page."""
        full = {"image": {"id": self.image_id}, **body}
        response = self.http.post(path, json=full, headers=self._headers(self.image_id))
        if response.status_code == 404:
            self.upload(known_id=self.image_id)
            response = self.http.post(path, json=full, headers=self._headers(self.image_id))
        assert response.status_code < 500, response.text
        if response.status_code != 200:
            self.failures.append(f"{path}: {response.status_code}")
        return response.status_code

    def session(self, rounds: int = 3) -> None:
        assert self.http.get("/").status_code == 200
        assert self.http.get("/api/samples").status_code == 200
        self.upload()
        for _ in range(rounds):
            self.post("/api/pyramid", {"layers": TWEAKED_LAYERS, "preview": 64})
            self.post("/api/pyramid/tensor", {"layers": TWEAKED_LAYERS, "layer": 2})
            self.post("/api/pyramid/tensor", {"layers": TWEAKED_LAYERS, "layer": 3})
            self.post("/api/export/npy", {"layers": TWEAKED_LAYERS, "layer": 3})


def test_page_like_client_never_fails_behind_the_shipped_proxy(
        proxy: tuple[str, list[Any]]) -> None:
    base, _ = proxy
    student = PageClient(base)
    student.session()
    assert student.failures == []


def test_proxy_fails_over_when_a_replica_dies(proxy: tuple[str, list[Any]]) -> None:
    base, replicas = proxy
    student = PageClient(base)
    student.session(rounds=1)
    for proc, _ in replicas[:1]:
        stop(proc)
    student.session(rounds=2)  # the hash moves the image to the survivor; 404 -> re-upload
    assert student.failures == []


def test_control_round_robin_alone_strands_a_lone_student(
        proxy: tuple[str, list[Any]]) -> None:
    base, _ = proxy
    student = PageClient(base, send_image_header=False)
    student.session()
    assert student.failures, "expected plain round-robin to bounce the retry"
