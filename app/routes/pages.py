"""The HTML pages: the visualizer (``/``) and its embeddable view (``/embed``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..services.container import Services
from ..settings import Settings

router = APIRouter(include_in_schema=False)


def page_context(settings: Settings, services: Services) -> dict[str, Any]:
    """What every template gets: the gallery (no decoding) and the client-facing limits."""
    return {
        "samples": services.samples.catalogue(),
        # who may frame the pages = who the embed view accepts messages from (its CSP source
        # list, read by static/js/embed/origins.js)
        "frame_ancestors": settings.frame_ancestors,
        "limits": {
            "working_size": settings.working_size,
            "max_upload_bytes": settings.max_upload_bytes,
            "allowed_formats": list(settings.allowed_formats),
            "max_layers": settings.max_layers,
            "max_filters": settings.max_filters,
            "max_kernel": settings.max_kernel,
            "max_stride": settings.max_stride,
            "max_padding": settings.max_padding,
            "max_dilation": settings.max_dilation,
        },
    }


def _render(request: Request, name: str) -> HTMLResponse:
    services: Services = request.app.state.services
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, page_context(services.settings, services))


# HEAD too: link checkers and course platforms' link previews ask with HEAD first.
@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    """The visualizer."""
    return _render(request, "index.html")


@router.api_route("/embed", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def embed(request: Request) -> HTMLResponse:
    """The visualizer without chrome, for an iframe in course material."""
    return _render(request, "embed.html")
