"""Gallery thumbnails: a few kB each instead of the full working PNG (hundreds of kB)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from ..services.container import Services, get_services

router = APIRouter()
ServicesDep = Annotated[Services, Depends(get_services)]
DAY = "public, max-age=86400"  # a teacher's folder may change at a restart; not immutable


@router.get("/api/samples/{name}/thumbnail.jpg", tags=["images"], response_class=Response,
            responses={200: {"content": {"image/jpeg": {}},
                             "description": "The centre square, 120 px a side."},
                       404: {"description": "No such sample."}})
async def sample_thumbnail(name: str, services: ServicesDep) -> Response:
    """A sample's gallery thumbnail (JPEG, made on first request, then from memory)."""
    data = services.samples.cached_thumbnail(name)
    if data is None:
        data = await services.pool.run(services.samples.thumbnail, name)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": DAY})
