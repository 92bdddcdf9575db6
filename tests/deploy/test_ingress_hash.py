"""The Ingress's balancing key, run in a real nginx: ``hash <key> consistent`` over two
replicas with the exact ``upstream-hash-by`` value of deploy/k8s/ingress.yaml. Tabs (one
random routing key each, as static/js/api.js sends) spread over both replicas, and each tab
keeps its uploaded photo's replica: not one 404.

(ingress-nginx hashes in Lua, not with nginx's ``hash`` directive; the property checked, a
never-empty key that differs per tab and is stable within one, is the same. nginx's own
``hash`` falls back to round-robin on an empty key where ingress-nginx's does not, which is
why the old key, ``$http_x_convscope_image``, sent only for uploads, is refused statically
rather than run here.)
"""

from __future__ import annotations

import io
import secrets
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from .conftest import ROOT, free_port, start_app, stop
from .nginx_proxy import NGINX, running_nginx, upstream_log
from .test_replicas import ENV, TWEAKED_LAYERS, _photo

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
ROUTE_HEADER = "X-Convscope-Route"
TABS = 16


def ingress_key() -> str:
    docs = yaml.safe_load_all((ROOT / "deploy" / "k8s" / "ingress.yaml").read_text())
    (ingress,) = [d for d in docs if d and d.get("kind") == "Ingress"]
    key = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/upstream-hash-by"]
    return str(key)


def _site(key: str, upstreams: list[str], port: int) -> str:
    servers = "\n".join(f"        server {u};" for u in upstreams)
    return (f"upstream convscope {{\n        hash {key} consistent;\n{servers}\n    }}\n"
            f"    server {{\n        listen 127.0.0.1:{port};\n"
            f"        client_max_body_size 21m;\n"
            f"        location / {{ proxy_pass http://convscope; }}\n"
            f"        location = /proxy-healthz {{ return 200 \"ok\\n\"; }}\n    }}")


def _hashing_proxy(tmp: Path, key: str) -> Iterator[str]:
    replicas: list[Any] = []
    try:
        replicas.extend([start_app(env=ENV), start_app(env=ENV)])
        upstreams = [base.removeprefix("http://") for _, base in replicas]
        with running_nginx(tmp, _site(key, upstreams, free_port())) as base:
            yield base
    finally:
        for proc, _ in replicas:
            stop(proc)


@pytest.fixture
def ingress(tmp_path: Path) -> Iterator[str]:
    yield from _hashing_proxy(tmp_path, ingress_key())


def _gallery_tabs(base: str, tmp: Path) -> Counter[str]:
    """TABS page loads each asking for a gallery pyramid; the replica of each."""
    http = httpx.Client(base_url=base, timeout=30)
    body = {"image": {"sample": "camera"}, "layers": TWEAKED_LAYERS, "preview": 32}
    for _ in range(TABS):
        headers = {ROUTE_HEADER: secrets.token_hex(16)}
        assert http.post("/api/pyramid", json=body, headers=headers).status_code == 200
    return Counter(addrs[-1] for addrs, _, _ in upstream_log(tmp))


def test_the_key_is_never_empty_and_names_the_route_header() -> None:
    key = ingress_key()
    assert "$http_x_convscope_route" in key
    assert "$remote_addr" in key  # set on every request: the key is never empty


def test_gallery_tabs_spread_over_every_replica(ingress: str, tmp_path: Path) -> None:
    served = _gallery_tabs(ingress, tmp_path)
    assert len(served) == 2 and min(served.values()) >= 2, served


def test_a_tab_keeps_its_uploaded_photo_on_its_replica(ingress: str) -> None:
    for _ in range(4):
        http = httpx.Client(base_url=ingress, timeout=30,
                            headers={ROUTE_HEADER: secrets.token_hex(16)})
        files = {"file": ("photo.png", io.BytesIO(_photo()), "image/png")}
        upload = http.post("/api/images", files=files)
        assert upload.status_code == 200, upload.text
        image = {"id": upload.json()["id"]}
        for layer in (1, 2, 3):
            body = {"image": image, "layers": TWEAKED_LAYERS, "layer": layer}
            assert http.post("/api/pyramid/tensor", json=body).status_code == 200
        body = {"image": image, "layers": TWEAKED_LAYERS, "preview": 32}
        assert http.post("/api/pyramid", json=body).status_code == 200


def test_a_client_without_the_header_still_finds_its_upload(ingress: str) -> None:
    # a notebook or script: the key is its address alone, stable, never empty
    http = httpx.Client(base_url=ingress, timeout=30)
    files = {"file": ("photo.png", io.BytesIO(_photo(seed=3)), "image/png")}
    image = {"id": http.post("/api/images", files=files).json()["id"]}
    for _ in range(6):
        body = {"image": image, "layers": TWEAKED_LAYERS, "preview": 32}
        assert http.post("/api/pyramid", json=body).status_code == 200
