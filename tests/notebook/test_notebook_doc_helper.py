"""docs/notebook.md's `app.notebook` example runs against a live server and prints what the
doc says it prints."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

from tests.servers import serve_app

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebook.md"
HELPER_BLOCK = re.compile(r"<!-- tested: tests/notebook/[^>]*-->\s*```python\n(.*?)```\s*"
                          r"It prints\s*```text\n(.*?)```", re.DOTALL)


def test_helper_example_prints_what_the_doc_shows() -> None:
    found = HELPER_BLOCK.search(NOTEBOOK.read_text())
    assert found is not None, "the helper's tested block is missing from docs/notebook.md"
    source, shown = found.groups()
    with serve_app() as url:
        code = source.replace('SERVER = "http://localhost:8000"', f'SERVER = "{url}"')
        namespace: dict[str, Any] = {}
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "notebook.md helper block", "exec"), namespace)
    assert out.getvalue() == shown
