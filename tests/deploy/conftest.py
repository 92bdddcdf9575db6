"""Shared helpers for the deployment tests: the Dockerfile as data, free ports, servers."""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


@dataclass
class Dockerfile:
    """The instructions of a Dockerfile, continuation lines joined, comments dropped."""

    instructions: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path = DOCKERFILE) -> Dockerfile:
        """Parse ``path``."""
        text = re.sub(r"\\\n", " ", path.read_text())
        out = cls()
        for line in text.splitlines():
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            keyword, _, rest = stripped.partition(" ")
            out.instructions.append((keyword.upper(), rest.strip()))
        return out

    def all(self, keyword: str) -> list[str]:
        """Arguments of every ``keyword`` instruction, in order."""
        return [rest for kw, rest in self.instructions if kw == keyword]

    def last(self, keyword: str) -> str:
        """Arguments of the last ``keyword`` instruction."""
        found = self.all(keyword)
        assert found, f"no {keyword} in the Dockerfile"
        return found[-1]

    def cmd(self) -> list[str]:
        """The exec-form ``CMD`` as an argv list."""
        argv = json.loads(self.last("CMD"))
        assert isinstance(argv, list)
        return [str(a) for a in argv]

    def healthcheck(self) -> list[str]:
        """The exec-form ``HEALTHCHECK ... CMD [...]`` argv."""
        rest = self.last("HEALTHCHECK")
        _, _, tail = rest.partition("CMD ")
        argv = json.loads(tail)
        return [str(a) for a in argv]

    def env(self) -> dict[str, str]:
        """Every ``ENV key=value`` pair (values unquoted as the shell would)."""
        pairs: dict[str, str] = {}
        for rest in self.all("ENV"):
            for token in shlex.split(rest):
                key, _, value = token.partition("=")
                pairs[key] = value
        return pairs


@pytest.fixture(scope="session")
def dockerfile() -> Dockerfile:
    """The project's Dockerfile, parsed."""
    return Dockerfile.read()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, *, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None
              ) -> None:
    """Poll ``url`` until it answers 200; fail early if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop(proc: subprocess.Popen[bytes], *, timeout: float = 10.0) -> None:
    """Terminate ``proc`` (SIGTERM, then SIGKILL) and reap it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test starts; every one is stopped at teardown, pass or fail."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        stop(proc)


# .dockerignore, as Docker reads it -----------------------------------------------------

def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's ignore-pattern syntax: ``*`` and ``?`` stay inside one path segment,
    ``**`` spans any number of segments (zero included)."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def ignore_rules(path: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """``(is_exception, regex)`` per line of a ``.dockerignore``."""
    rules = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        cleaned = line.lstrip("!").strip().strip("/")
        rules.append((exception, _pattern_regex(cleaned)))
    return rules


def is_ignored(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker leaves ``relative`` out of the build context (the last match wins;
    a pattern matching a parent directory matches the file)."""
    parts = relative.split("/")
    candidates = ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]
    ignored = False
    for exception, regex in rules:
        if any(regex.match(c) for c in candidates):
            ignored = not exception
    return ignored


def build_context(root: Path = ROOT) -> list[str]:
    """Files (relative, ``/``-separated) that ``docker build`` would send from ``root``."""
    rules = ignore_rules(root / ".dockerignore")
    files = []
    for path in root.rglob("*"):
        relative = path.relative_to(root).as_posix()
        if relative.split("/")[0] == ".git" or not path.is_file():
            continue
        if not is_ignored(relative, rules):
            files.append(relative)
    return sorted(files)


# Live servers -------------------------------------------------------------------------------

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child before exec: get SIGTERM when the parent (pytest) dies, so a killed test
    run leaves no server behind (Linux; a no-op elsewhere)."""
    import contextlib
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_app(*, env: dict[str, str] | None = None, host: str = "127.0.0.1",
              port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``convscope serve`` in a subprocess; returns it and its base URL once healthy."""
    import os
    import sys

    port = port or free_port(host)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CONVSCOPE_")}
    full_env.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", host, "--port", str(port),
         "--log-level", "warning"],
        cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=die_with_parent)
    base = f"http://{host}:{port}"
    try:
        wait_http(f"{base}/healthz", proc=proc)
    except Exception:
        stop(proc)
        raise
    return proc, base
