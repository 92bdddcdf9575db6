"""A short run of ``benchmarks/load.py``: a small class for a few seconds against a real server.

No timing is asserted (the machine is shared); only what must hold under any load: no 5xx but
a deliberate 503, every 503 with ``Retry-After``, every request answered, ``/healthz`` never
failing, bad files refused with a 4xx, and no traceback in the server's log.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 8
USERS = 15


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON summary of one short run (seed 1: some students send a bad file)."""
    out = tmp_path_factory.mktemp("load") / "summary.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load.py"),
                    "--seconds", str(SECONDS), "--users", str(USERS), "--seed", "1",
                    "--json", str(out)], cwd=ROOT, check=True, timeout=180,
                   stdout=subprocess.DEVNULL)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def test_no_5xx_but_deliberate_503s(summary: dict[str, Any]) -> None:
    assert summary["server_errors"] == 0, summary["statuses"]
    assert summary["server"]["tracebacks"] == 0, summary["server_log_tail"]


def test_every_503_says_when_to_retry(summary: dict[str, Any]) -> None:
    assert summary["busy_503_without_retry_after"] == 0


def test_every_request_got_an_answer(summary: dict[str, Any]) -> None:
    assert summary["no_answer"] == {}


def test_healthz_never_failed(summary: dict[str, Any]) -> None:
    assert summary["healthz"]["count"] > 0
    assert summary["healthz_failures"] == 0


def test_students_got_pyramids(summary: dict[str, Any]) -> None:
    assert summary["endpoints"]["POST /api/pyramid"]["statuses"].get("200", 0) > 0


def test_bad_files_are_refused_with_a_4xx(summary: dict[str, Any]) -> None:
    statuses = summary["endpoints"]["POST /api/images (bad file)"]["statuses"]
    assert statuses
    assert all(400 <= int(code) < 500 or code == "503" for code in statuses), statuses
