"""The page's static files, read once at start-up, served from memory under a version hash.

No build step: at start-up every file under ``static/`` is read, a version is computed from
all their contents (the SHA-256 of every path and file, first 12 hex digits), and each file
is gzipped once. Pages link ``/static/<version>/css/app.css``; those answers may be cached
for a year (``immutable``), since any change of any file gives a new version and so new URLs
for all of them. The ES modules import each other by relative URL (``./config.js``), which
the browser resolves under the same ``/static/<version>/js/`` prefix: the whole tree moves
to a new prefix together, so a cached module can never import a module of another version.

Unversioned ``/static/<path>`` still answers (an old page, a hand-written link), revalidated
by ETag on every use. A request for another version gets the current file without the
long cache lifetime (a page from before a restart keeps working).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

VERSION_DIGITS = 12
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
GZIP_LEVEL = 9  # once per file per start-up
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Asset:
    """One static file: bytes, gzip (if it saves something), type and ETag."""

    raw: bytes
    gzip: bytes | None
    media_type: str
    etag: str


def _media_type(path: Path) -> str:
    if path.suffix == ".js":
        return "text/javascript; charset=utf-8"  # module scripts need a JavaScript type
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


class StaticAssets:
    """Every file under ``folder``, keyed by its ``/``-separated relative path."""

    def __init__(self, folder: Path) -> None:
        self.files: dict[str, Asset] = {}
        version = hashlib.sha256()
        paths = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
        for path in paths:
            relative = path.relative_to(folder).as_posix()
            raw = path.read_bytes()
            digest = hashlib.sha256(raw).hexdigest()
            version.update(f"{relative}\0{digest}\0".encode())
            media_type = _media_type(path)
            packed = (gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0)
                      if media_type.startswith(COMPRESSIBLE) else None)
            self.files[relative] = Asset(
                raw=raw, gzip=packed if packed is not None and len(packed) < len(raw) else None,
                media_type=media_type, etag=f'"{digest[:32]}"')
        self.version = version.hexdigest()[:VERSION_DIGITS]

    def url(self, relative: str) -> str:
        """The cache-safe URL of ``relative`` (``css/app.css`` -> ``/static/<v>/css/app.css``).

        Raises
        ------
        KeyError
            No such static file (a template typo fails at render time, not in the browser).
        """
        if relative not in self.files:
            raise KeyError(f"no static file {relative!r}")
        return f"/static/{self.version}/{relative}"

    def get(self, relative: str) -> Asset | None:
        """The asset at ``relative``, if there is one."""
        return self.files.get(relative)
