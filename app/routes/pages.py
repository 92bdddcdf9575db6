"""The HTML pages: the visualizer (``/``), its embeddable view (``/embed``) and the lesson
(``/lesson/N``, ``/embed?lesson=N``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from ..errors import NotFoundError
from ..imaging import ImagingError
from ..lesson import Lesson, RenderedStep, nominal_shape
from ..lesson.numbers import words
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
    if "lesson" in request.query_params:
        return await run_in_threadpool(_lesson_page, request, request.query_params["lesson"],
                                       embed=True)
    return _render(request, "embed.html")


# --- The lesson (app/lesson): one step per URL, its text from the lesson file ---------------

def _input_shape(services: Services, lesson: Lesson, number: int) -> tuple[int, int, int]:
    """(C, H, W) of the image the step shows (decodes the sample once; blocking)."""
    step = lesson.step(number)
    if step.digit is not None or step.model is not None:
        return nominal_shape(step)
    try:
        image = services.samples.get(step.image).image
    except (NotFoundError, ImagingError):  # not in this gallery: the usual photo's numbers
        return nominal_shape(step)
    return (1 if step.color == "grey" else image.channels, image.height, image.width)


def _step_number(raw: str, total: int) -> int | None:
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= total else None


def _lesson_page(request: Request, raw: str, *, embed: bool) -> HTMLResponse:
    services: Services = request.app.state.services
    templates: Jinja2Templates = request.app.state.templates
    lesson: Lesson = request.app.state.lesson
    context = page_context(services.settings, services)
    number = _step_number(raw, len(lesson))
    if number is None:
        context["message"] = (f"There is no lesson step {raw[:20]!r}: the steps are 1 to "
                              f"{len(lesson)}.")
        return templates.TemplateResponse(request, "lesson_missing.html", context,
                                          status_code=404)
    step: RenderedStep = lesson.render(number, _input_shape(services, lesson, number))
    context |= {"step": step, "steps": [s.title for s in lesson.steps], "words": words}
    return templates.TemplateResponse(request, "lesson_embed.html" if embed else "lesson.html",
                                      context)


@router.get("/lesson", response_class=HTMLResponse)
def lesson_start(request: Request) -> HTMLResponse:
    """The lesson's first step."""
    return _lesson_page(request, "1", embed=False)


@router.get("/lesson/{number}", response_class=HTMLResponse)
def lesson_step(request: Request, number: str) -> HTMLResponse:
    """One step of the lesson: its text, a live view set up for it and a question."""
    return _lesson_page(request, number, embed=False)
