"""The lesson text's Markdown subset, rendered to safe HTML.

Blocks are separated by blank lines: a block whose lines all start with ``- `` is a list,
anything else a paragraph. Inline: ``**bold**``, ``*emphasis*``, ```code``` and
``[text](url)`` links (relative, ``http:`` or ``https:`` only). Everything else is text:
HTML in the file is escaped, never interpreted, so a lesson file cannot inject markup.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_EM = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?://|/|#)[^\s)]*)\)")


def inline(text: str) -> Markup:
    """One line or paragraph of text with its inline marks as HTML (input is escaped)."""
    pieces = _CODE.split(text)  # odd indexes are code spans: no other marks inside
    out = []
    for i, piece in enumerate(pieces):
        safe = str(escape(piece))
        if i % 2:
            out.append(f"<code>{safe}</code>")
            continue
        safe = _LINK.sub(r'<a href="\2">\1</a>', safe)
        safe = _BOLD.sub(r"<strong>\1</strong>", safe)
        out.append(_EM.sub(r"<em>\1</em>", safe))
    return Markup("".join(out))  # built from escaped pieces only


def render(text: str) -> Markup:
    """A whole text (paragraphs and lists) as HTML."""
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    html = []
    for block in blocks:
        lines = [line.strip() for line in block.splitlines()]
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{inline(line[2:])}</li>" for line in lines)
            html.append(f"<ul>{items}</ul>")
        else:
            html.append(f"<p>{inline(' '.join(lines))}</p>")
    return Markup("\n".join(html))  # built from escaped pieces only
