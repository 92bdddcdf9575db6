"""The app factory: ``uvicorn --factory app.main:create_app`` (or ``convscope serve``).

Nothing happens at import time; every app gets its own services (worker pool, image store,
caches) built from its settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates

from .blas import set_blas_threads
from .errors import install_handlers
from .http.compression import TextGzipMiddleware
from .http.limits import MULTIPART_OVERHEAD, BodyLimitMiddleware
from .http.memory import keep_freed_memory
from .http.security import SecurityHeadersMiddleware
from .lesson import load_lesson
from .routes import api, export, gallery, models, pages, static
from .services.container import build_services
from .services.requests import body_components
from .settings import Settings, get_settings
from .static_assets import StaticAssets

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATES_DIR = ROOT / "templates"
JSON_ROUTES = ("/api/convolve", "/api/pyramid", "/api/export")
DESCRIPTION = """Every feature map of every layer of a small convnet, computed in NumPy exactly
as PyTorch computes it. Errors are 4xx with a body naming the field, the value and the limit;
the only 5xx is a deliberate 503 with `Retry-After` when every worker is busy."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Convscope app; ``settings`` default to the environment's."""
    settings = settings or get_settings()
    if not TEMPLATES_DIR.is_dir():
        raise RuntimeError(f"the page templates are not at {TEMPLATES_DIR}: run Convscope from "
                           "its source checkout (pip install -e .), as the README says")
    lesson = load_lesson()  # a broken lesson file stops here, naming the step and field
    services = build_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        keep_freed_memory()  # process-wide allocator setting: see app/http/memory.py
        # OpenBLAS's threads: process-wide too, the one place they are set (app/blas.py);
        # set back when the app stops (tests start many apps)
        previous = set_blas_threads(settings.blas_threads)
        yield
        services.close()
        if previous is not None:
            set_blas_threads(previous)

    # No /docs or /redoc: FastAPI's pages load Swagger UI / ReDoc from a CDN with an inline
    # script, which the page's CSP (and the offline classroom) forbid. The schema is at
    # /openapi.json and explained in docs/api.md.
    app = FastAPI(title="Convscope", version="0.1.0", description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.services = services
    app.state.lesson = lesson
    # read, hashed and gzipped once per app: the page links /static/<version>/...
    app.state.assets = assets = StaticAssets(STATIC_DIR)
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals["static_url"] = assets.url
    app.state.templates = templates
    app.dependency_overrides[get_settings] = lambda: settings
    install_handlers(app)
    app.include_router(api.router)
    app.include_router(export.router)
    app.include_router(models.router)
    app.include_router(gallery.router)
    app.include_router(pages.router)
    app.include_router(static.router)
    # Innermost first: gzip of small text answers, the body limits, then the security
    # headers outermost, on every answer including the 413s.
    app.add_middleware(TextGzipMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_json_bytes,
                       paths=JSON_ROUTES, field="body")
    app.add_middleware(BodyLimitMiddleware,
                       max_bytes=settings.max_upload_bytes + MULTIPART_OVERHEAD,
                       paths=("/api/images",), field="file", slots=settings.upload_slots,
                       read_seconds=settings.upload_read_seconds,
                       retry_after=settings.retry_after_seconds)
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors)
    _document_json_bodies(app)
    return app


def _document_json_bodies(app: FastAPI) -> None:
    """Add the request models the compute routes parse themselves (off the event loop)."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = plain()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in body_components(api.BODY_MODELS + export.BODY_MODELS).items():
                components.setdefault(name, definition)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
