"""One domain error base, one handler: every error a request can cause names field, value,
limit and layer the same way, whichever layer of the code raised it."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app import engine
from app.errors import AppError, BusyError, LimitError, NotFoundError, install_handlers
from app.imaging import ImagingError
from app.services.uploads import FormValueError, UploadFormError

RAISED: list[tuple[engine.DomainError, int, str]] = [
    (engine.GeometryError("kernel too big", field="kernel_size", value=9, limit="<= 5",
                          layer=2), 422, "geometry"),
    (engine.ShapeError("bias has 3 values", field="bias", value=3, limit="4"), 422, "shape"),
    (engine.ParameterError("stride 0", field="stride", value=0, limit=">= 1"), 422,
     "parameter"),
    (LimitError("too many maps", field="layers", value=900, limit=512, layer=1), 422, "limit"),
    (NotFoundError("no such image", field="image.id", value="ab"), 404, "not_found"),
    (BusyError("busy", headers={"Retry-After": "2"}), 503, "busy"),
    (ImagingError("not an image", status=415, code="unsupported_format", value="BMP",
                  limit="PNG, JPEG"), 415, "unsupported_format"),
    (UploadFormError("no file part", field="file"), 400, "bad_upload"),
    (FormValueError("prepare=x", field="prepare", value="x", limit="digit"), 422,
     "bad_form_value"),
]


def test_engine_errors_app_errors_and_imaging_errors_share_one_base() -> None:
    for exc, _, _ in RAISED:
        assert isinstance(exc, engine.DomainError)
    assert issubclass(engine.EngineError, ValueError)  # as before: a bad value
    assert not issubclass(AppError, engine.EngineError)


@pytest.mark.parametrize(("exc", "status", "code"), RAISED,
                         ids=[type(e).__name__ for e, _, _ in RAISED])
def test_one_handler_maps_every_domain_error_with_its_fields(
        exc: engine.DomainError, status: int, code: str) -> None:
    app = FastAPI()
    install_handlers(app)

    @app.get("/fail")
    async def fail() -> None:
        raise exc

    response = TestClient(app).get("/fail")
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["message"] == exc.message
    assert (error["field"], error["layer"]) == (exc.field, exc.layer)
    assert error["limit"] == (None if exc.limit is None else str(exc.limit))
    if isinstance(exc, BusyError):
        assert response.headers["retry-after"] == "2"


def test_install_handlers_registers_one_handler_for_domain_errors() -> None:
    app = FastAPI()
    install_handlers(app)
    domain = [cls for cls in app.exception_handlers
              if isinstance(cls, type) and issubclass(cls, engine.DomainError)]
    assert domain == [engine.DomainError]
