"""compose.yaml, the nginx config and the Kubernetes manifests parse, validate and agree with
the Dockerfile and the settings (port, user, health endpoint, setting names)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.settings import Settings

from .conftest import ROOT, Dockerfile

K8S = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))


def _load(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _kind(kind: str) -> dict[str, Any]:
    docs = [d for path in K8S for d in _load(path) if d.get("kind") == kind]
    assert len(docs) == 1, f"expected one {kind}"
    return docs[0]


def test_every_manifest_is_valid_against_the_kubernetes_schema() -> None:
    validate = pytest.importorskip("kubernetes_validate")
    assert K8S
    for path in K8S:
        for doc in _load(path):
            validate.validate(doc, validate.latest_version(), strict=True)


def test_deployment_probes_healthz_on_the_image_port_with_requests_and_limits(
        dockerfile: Dockerfile) -> None:
    pod = _kind("Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    port = container["ports"][0]["containerPort"]
    assert str(port) == dockerfile.last("EXPOSE")
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/healthz"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    assert str(pod["securityContext"]["runAsUser"]) == dockerfile.last("USER")


def test_service_and_autoscaler_point_at_the_deployment() -> None:
    deployment = _kind("Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    service = _kind("Service")
    assert service["spec"]["selector"].items() <= labels.items()
    assert "sessionAffinity" not in service["spec"]  # stateless: no sticky sessions
    target = _kind("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])


def test_ingress_hashes_on_a_never_empty_key_and_serves_https() -> None:
    ingress = _kind("Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/upstream-hash-by"] == (
        "$http_x_convscope_route$remote_addr")
    rule = ingress["spec"]["rules"][0]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == _kind("Service")["metadata"]["name"]
    (tls,) = ingress["spec"]["tls"]
    assert rule["host"] in tls["hosts"] and tls["secretName"]


def _env_names() -> set[str]:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    names = set(compose["services"]["app"]["environment"])
    (container,) = _kind("Deployment")["spec"]["template"]["spec"]["containers"]
    return names | {e["name"] for e in container["env"]}


def test_configured_environment_variables_are_real_settings() -> None:
    for name in _env_names():
        assert name.startswith("CONVSCOPE_")
        assert name.removeprefix("CONVSCOPE_").lower() in Settings.model_fields, name


def test_compose_runs_several_replicas_behind_the_shipped_proxy_config() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert services["app"]["deploy"]["replicas"] >= 2
    assert "ports" not in services["app"]  # only the proxy is published
    mounts = [v.split(":")[0] for v in services["proxy"]["volumes"]]
    assert all((ROOT / m).exists() for m in mounts if m.startswith("./"))
    assert services["proxy"]["depends_on"]["app"]["condition"] == "service_healthy"


def test_proxy_passes_uploads_up_to_the_app_limit_to_the_app() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"set \$convscope_app app:8000;", conf)
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    assert size is not None
    assert int(size.group(1)) * 1024 * 1024 > Settings().max_upload_bytes
    assert "sticky" not in conf and "ip_hash" not in conf
