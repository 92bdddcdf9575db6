"""Parse a JSON body off the event loop, with FastAPI's own 422 shape on failure."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

M = TypeVar("M", bound=BaseModel)
REF_TEMPLATE = "#/components/schemas/{model}"


def parse_body(model: type[M], raw: bytes) -> M:
    """Validate ``raw`` JSON as ``model`` (blocking: call it on a worker).

    Raises
    ------
    RequestValidationError
        Exactly what FastAPI raises for a body parameter, ``loc`` starting with ``"body"``.
    """
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in exc.errors()]
        raise RequestValidationError(errors) from None


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` declaring ``model`` as the route's required JSON body."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": REF_TEMPLATE.format(model=model.__name__)}}}}}


def body_components(models: tuple[type[BaseModel], ...]) -> dict[str, Any]:
    """JSON schemas of ``models`` and everything they use, for ``components.schemas``."""
    _, top = models_json_schema([(m, "validation") for m in models],
                                ref_template=REF_TEMPLATE)
    defs: dict[str, Any] = top.get("$defs", {})
    return defs
