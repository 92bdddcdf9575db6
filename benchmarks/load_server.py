"""The server under load: ``convscope serve`` in a subprocess, its memory sampled from /proc."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_EVERY_S = 0.05
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def memory(pid: int) -> tuple[int, int]:
    """``(VmRSS, VmHWM)`` of ``pid`` in bytes: resident now, and its peak so far."""
    fields = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time ``pid`` has used (all its threads)."""
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / TICKS


class Server:
    """``python -m app.cli serve`` on a free port with only ``env`` as settings.

    Inherited ``CONVSCOPE_*`` variables are dropped, so the server runs on the documented
    defaults unless ``env`` says otherwise.
    """

    def __init__(self, *, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CONVSCOPE_")}
        self.env.update(env)
        self.env["CONVSCOPE_PORT"] = str(self.port)
        # Closed in _terminate: the log outlives __init__ on purpose.
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="convscope-load-", suffix=".log")
        self.peak_rss = 0
        self._stop = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Server:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self._wait_ready()
        except BaseException:
            self._terminate()
            raise
        self.cpu_at_start = cpu_seconds(self._process.pid)
        self._sampler.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._terminate()

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self._process is not None
        return self._process.pid

    def _wait_ready(self) -> None:
        assert self._process is not None
        give_up = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < give_up:
            if self._process.poll() is not None:
                raise RuntimeError(f"the server exited with {self._process.returncode}:\n"
                                   f"{self.log_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer /healthz within {READY_TIMEOUT_S} s")

    def _sample(self) -> None:
        assert self._process is not None
        while not self._stop.wait(SAMPLE_EVERY_S):
            try:
                self.peak_rss = max(self.peak_rss, memory(self._process.pid)[0])
            except (OSError, KeyError):
                return

    def stats(self) -> dict[str, Any]:
        """Peak RSS (sampled, and the kernel's high-water mark), CPU used, errors logged."""
        assert self._process is not None
        rss, hwm = memory(self._process.pid)
        text = self.log_text()
        return {"peak_rss_sampled": max(self.peak_rss, rss), "peak_rss_hwm": hwm,
                "rss_end": rss, "cpu_s": cpu_seconds(self._process.pid) - self.cpu_at_start,
                "tracebacks": text.count("Traceback"), "log_tail": text[-3000:]}

    def log_text(self) -> str:
        """What the server wrote so far."""
        return Path(self.log.name).read_text(errors="replace")

    def _terminate(self) -> None:
        self._stop.set()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._sampler.is_alive():
            self._sampler.join()
        self.log.close()
