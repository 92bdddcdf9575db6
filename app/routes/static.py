"""Static files from memory (app/static_assets.py): versioned URLs cached for a year,
unversioned ones revalidated, gzip for clients that accept it."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response

from ..errors import NotFoundError
from ..http.compression import accepts
from ..static_assets import IMMUTABLE, REVALIDATE, StaticAssets

router = APIRouter(include_in_schema=False)
VERSION = re.compile(r"[0-9a-f]{12}")


def _serve(request: Request, relative: str, *, cache_control: str) -> Response:
    assets: StaticAssets = request.app.state.assets
    asset = assets.get(relative)
    if asset is None:
        raise NotFoundError(f"no static file {relative[:100]!r}", field="path",
                            value=relative[:100], limit="a file under static/")
    headers = {"Cache-Control": cache_control, "ETag": asset.etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    body = asset.raw
    if asset.gzip is not None and accepts(request.headers.get("accept-encoding", ""), "gzip"):
        headers["Content-Encoding"] = "gzip"
        body = asset.gzip
    return Response(body, headers=headers, media_type=asset.media_type)


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"])
async def static_file(request: Request, path: str) -> Response:
    """``/static/<version>/<file>`` (immutable) or ``/static/<file>`` (revalidated)."""
    first, _, rest = path.partition("/")
    if VERSION.fullmatch(first) and rest:
        assets: StaticAssets = request.app.state.assets
        current = first == assets.version
        return _serve(request, rest, cache_control=IMMUTABLE if current else REVALIDATE)
    return _serve(request, path, cache_control=REVALIDATE)
