"""The page's JavaScript holds one set of rules (ESLint, eslint.config.js): one quote style,
no unused or undefined names. scripts/test.sh installs the pinned ESLint (package.json)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ESLINT = ROOT / "node_modules" / ".bin" / "eslint"


@pytest.mark.skipif(shutil.which("node") is None or not ESLINT.exists(),
                    reason="node or ESLint is not installed (scripts/test.sh installs it)")
def test_javascript_passes_the_linter() -> None:
    result = subprocess.run([str(ESLINT), "--max-warnings", "0", "static/js", "tests/js"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_the_linter_is_pinned() -> None:
    package = (ROOT / "package.json").read_text()
    assert '"eslint": "10.16.0"' in package  # an exact version: the rules do not drift
    assert (ROOT / "package-lock.json").exists()
