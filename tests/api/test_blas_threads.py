"""The server holds OpenBLAS to its ``blas_threads`` setting, and gives the old count back."""

from __future__ import annotations

import pytest

from app.blas import OpenBlas

from .conftest import make_client


@pytest.mark.parametrize("setting", [1, 2])
def test_server_sets_openblas_threads_while_it_runs(setting: int) -> None:
    lib = OpenBlas.find()
    if lib is None:
        pytest.skip("no OpenBLAS (pthreads) found")
    before = lib.get()
    lib.set(3 - setting)  # the other count, so that the app has to change it
    try:
        with make_client(blas_threads=setting) as client:
            assert lib.get() == setting
            assert client.get("/healthz").status_code == 200
        assert lib.get() == 3 - setting
    finally:
        lib.set(before)


def test_blas_threads_setting_is_bounded() -> None:
    from pydantic import ValidationError

    from app.settings import Settings

    with pytest.raises(ValidationError):
        Settings(blas_threads=0)
