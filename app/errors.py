"""Domain errors -> HTTP status and JSON body, in one place.

Two body shapes (see ``docs/api.md``): FastAPI's validation shape
``{"detail": [{"loc", "msg", "type", "field"}]}`` for requests that do not fit the schema, and
``{"error": {"code", "message", "field", "value", "limit", "layer"}}`` for everything else.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

from .engine import DomainError, EngineError, GeometryError, ParameterError, ShapeError
from .http.limits import FIELD_SCOPE_KEY, too_large_payload

logger = logging.getLogger("convscope")

MAX_VALUE_CHARS = 120  # echoed values are cut here: a bad 200k-value array is not sent back

ENGINE_CODES: dict[type[EngineError], str] = {
    GeometryError: "geometry",
    ShapeError: "shape",
    ParameterError: "parameter",
}


class AppError(DomainError):
    """An error of the web layer with its HTTP status (cost caps, unknown ids, a full queue).

    ``status`` and ``code`` are the subclass's, or given per instance (an upload's errors);
    ``headers`` go with the answer (``Retry-After``).
    """

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, value: object = None,
                 limit: object = None, layer: int | None = None,
                 headers: dict[str, str] | None = None, status: int | None = None,
                 code: str | None = None) -> None:
        super().__init__(message, field=field, value=value, limit=limit, layer=layer)
        self.headers = headers
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class LimitError(AppError):
    """A request over a configured bound (size, cost): refused before any work."""

    status = 422
    code = "limit"


class NotFoundError(AppError):
    """An image id or sample name the server does not have (any more)."""

    status = 404
    code = "not_found"


class BusyError(AppError):
    """Every worker is busy and the queue is full: try again after ``Retry-After`` seconds."""

    status = 503
    code = "busy"


def json_safe(value: object) -> Any:
    """``value`` if it is short plain JSON, else a short text form of it."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS] + "..."
    if isinstance(value, list | tuple) and len(value) <= 8 and all(
            v is None or isinstance(v, bool | int | float | str) for v in value):
        return [json_safe(v) for v in value]
    text = repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "..."


def error_body(*, code: str, message: str, field: str | None = None, value: object = None,
               limit: object = None, layer: int | None = None) -> dict[str, Any]:
    """The ``{"error": {...}}`` body."""
    return {"error": {"code": code, "message": message, "field": field,
                      "value": json_safe(value),
                      "limit": None if limit is None else str(limit), "layer": layer}}


LAYER_TAGS = frozenset({"conv", "none", "relu", "leaky_relu", "sigmoid", "tanh", "maxpool",
                        "avgpool", "dense"})
TAGS_AFTER = {"weights": frozenset({"array", "random", "preset", "presets", "model"}),
              "image": frozenset({"sample", "id", "digit", "pixels"})}
TYPE_MISMATCHES = ("_type", "_parsing", "literal_error")


def field_path(loc: Sequence[int | str]) -> str:
    """``("body", "layers", 0, "conv", "stride", "constrained-int")`` -> ``"layers[0].stride"``.

    Drops the ``body`` prefix and the tags pydantic adds for union members.
    """
    parts: list[str] = []
    previous: int | str | None = None
    for i, item in enumerate(loc):
        skip = (
            (i == 0 and item in ("body", "query", "path", "header"))
            or (isinstance(item, str) and (
                any(ch in item for ch in "[-")
                or (isinstance(previous, int) and item in LAYER_TAGS)
                or item in TAGS_AFTER.get(str(previous), ())))
        )
        previous = item
        if skip:
            continue
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts) or "body"


def validation_details(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic errors -> ``[{"loc", "field", "msg", "type"}]``, the field named in ``msg``.

    A union (``stride``: int or pair) fails once per member; of those, the error that is not
    a mere type mismatch wins (``>= 1`` beats "should be a list"), else the messages join.
    """
    groups: dict[str, list[Any]] = {}
    for err in errors:
        groups.setdefault(field_path(list(err.get("loc", ()))), []).append(err)
    def mismatch_only(errs: list[Any]) -> bool:
        return all(str(e.get("type", "")).endswith(TYPE_MISMATCHES) for e in errs)

    # A list member failing inside ("stride[1] >= 1") says more than the int member failing
    # on the whole ("stride should be an integer"): drop the latter.
    groups = {path: errs for path, errs in groups.items()
              if not (mismatch_only(errs) and any(
                  other.startswith((path + "[", path + ".")) for other in groups))}
    out = []
    for path, errs in groups.items():
        telling = [e for e in errs if not str(e.get("type", "")).endswith(TYPE_MISMATCHES)]
        chosen = telling[:1] or errs
        msg = " or ".join(dict.fromkeys(str(e.get("msg", "invalid value")) for e in chosen))
        first = chosen[0]
        if "input" in first and first.get("type") not in ("missing", "json_invalid"):
            msg = f"{msg}; got {json_safe(first['input'])!r}"
        out.append({"loc": list(first.get("loc", ())), "field": path, "msg": f"{path}: {msg}",
                    "type": str(first.get("type", "value_error"))})
    return out


def status_and_code(exc: DomainError) -> tuple[int, str]:
    """The HTTP status and the machine-readable code of a domain error."""
    if isinstance(exc, AppError):
        return exc.status, exc.code
    code = next((c for cls, c in ENGINE_CODES.items() if isinstance(exc, cls)), "engine")
    return 422, code


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status, code = status_and_code(exc)
    return JSONResponse(
        error_body(code=code, message=exc.message, field=exc.field, value=exc.value,
                   limit=exc.limit, layer=exc.layer),
        status_code=status, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": validation_details(exc.errors())}, status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, UnicodeDecodeError):
        # FastAPI answers a JSON body that is not UTF-8 with a bare, undocumented 400 ("error
        # parsing the body"); it is invalid JSON like any other, so the documented 422.
        return JSONResponse({"detail": [{
            "loc": ["body"], "field": "body", "type": "json_invalid",
            "msg": f"body: Invalid JSON: cannot be read as {cause.encoding} at byte "
                   f"{cause.start} ({cause.reason}); send UTF-8"}]}, status_code=422)
    if exc.status_code == 413 and MAX_BODY_SIZE_SCOPE_KEY in request.scope:
        return _body_too_large(request)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http")
    return JSONResponse(error_body(code=code, message=str(exc.detail)),
                        status_code=exc.status_code, headers=exc.headers)


def _body_too_large(request: Request) -> JSONResponse:
    """Starlette's body limit stopped reading a body (app/http/limits.py)."""
    payload = too_large_payload(limit=int(request.scope[MAX_BODY_SIZE_SCOPE_KEY]),
                                field=request.scope.get(FIELD_SCOPE_KEY, "body"))
    return JSONResponse({"error": {**payload, "layer": None}}, status_code=413,
                        headers={"Connection": "close"})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Never a traceback in a response; the log keeps it for us.
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(error_body(code="internal", message="internal error; it is logged"),
                        status_code=500)


def install_handlers(app: FastAPI) -> None:
    """Register every mapping above on ``app``."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
