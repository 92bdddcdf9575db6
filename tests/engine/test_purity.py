"""The engine is pure NumPy: importing it pulls in no web or imaging library."""

from __future__ import annotations

import subprocess
import sys


def test_engine_imports_no_web_or_imaging_modules() -> None:
    code = ("import sys, app.engine; bad = [m for m in ('fastapi', 'starlette', 'pydantic', "
            "'PIL', 'jinja2') if m in sys.modules]; print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
