"""docs/notebook.md's ``read_state`` reads the state from any link a teacher copies: the
address bar's, the embed dialog's "Copy URL", or a snippet's ``src`` where HTML writes each
``&`` as ``&amp;`` (issue 15 §3)."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebook.md"


def _doc_functions() -> dict[str, Any]:
    """The imports and ``def`` blocks of the notebook's read_state example, executed."""
    block = next(b for b in re.findall(r"```python\n(.*?)```", NOTEBOOK.read_text(), re.DOTALL)
                 if "def read_state" in b)
    kept = [line for line in block.splitlines()
            if line.startswith(("import ", "from ", "def ", " ")) or not line.strip()]
    namespace: dict[str, Any] = {}
    exec("\n".join(kept), namespace)  # the documentation's own code
    return namespace


def _encoded(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def test_read_state_reads_a_snippets_src_with_escaped_ampersands() -> None:
    state = {"layers": [{"type": "conv", "maps": 2, "stride": [2, 2]}], "selected": {
        "layer": 1, "map": 0}}
    url = (f"https://scope.example.edu/embed?view=grid&controls=locked&theme=dark&s="
           f"{_encoded(state)}")
    snippet = f'<iframe src="{html.escape(url)}" title="Convscope"></iframe>'
    src = re.search(r'src="([^"]*)"', snippet)
    assert src is not None and "&amp;" in src.group(1)
    read_state = _doc_functions()["read_state"]
    assert read_state(src.group(1)) == state
    assert read_state(url) == state


def test_with_state_round_trips_through_read_state() -> None:
    functions = _doc_functions()
    state = {"layers": [], "scale": "layer"}
    url = functions["with_state"]("https://scope.example.edu/embed?view=patch&s=e30", state)
    assert "view=patch" in url
    assert functions["read_state"](url) == state
