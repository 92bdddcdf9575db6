"""The trained networks: ``GET /api/models`` and their held-out examples. Thin handlers; the
work is in :mod:`app.services.catalogue`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ..schemas import HeldoutPage, ModelInfo
from ..services import catalogue
from .api import BUSY, INVALID, NOT_FOUND, ServicesDep

router = APIRouter(prefix="/api/models", tags=["models"])
Responses = dict[int | str, dict[str, Any]]
MISSING: Responses = {404: {**NOT_FOUND[404], "description": "No trained model of that name."}}
PAST_END: Responses = {422: {**INVALID[422], "description": "`start` is past the last example, "
                             "or a query parameter is out of its bounds."}}


@router.get("", response_model=list[ModelInfo], response_model_exclude_none=True,
            responses={**BUSY})
async def list_models(services: ServicesDep) -> list[ModelInfo]:
    """The trained networks: name, input shape, classes, held-out accuracy and the layers
    (conv and dense weights as `{"model": name, "layer": i}` recipes, to send back)."""
    models = await services.pool.run(catalogue.list_models)
    return [ModelInfo.model_validate(m) for m in models]


@router.get("/{name}/heldout", response_model=HeldoutPage,
            responses={**MISSING, **PAST_END, **BUSY})
async def heldout(name: str, services: ServicesDep,
                  start: Annotated[int, Query(ge=0, description="First example.")] = 0,
                  count: Annotated[int, Query(ge=1, le=catalogue.MAX_PAGE,
                                              description="Examples wanted (fewer at the "
                                              "end).")] = catalogue.DEFAULT_PAGE,
                  ) -> HeldoutPage:
    """Held-out examples the network never trained on, for a gallery: their labels and
    their pixels (base64 of count x H x W uint8, white ink on black)."""
    page = await services.pool.run(catalogue.heldout_page, name, start=start, count=count)
    return HeldoutPage.model_validate(page)
