"""Fixtures for every test directory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.blas import set_blas_threads
from app.settings import Settings


@pytest.fixture(autouse=True, scope="session")
def blas_threads_as_the_server_runs_them() -> Iterator[None]:
    """OpenBLAS's thread count in the test process, as the server sets it (``blas_threads``).

    OpenBLAS's kernels split and sum a product differently on one thread and on two, so the
    last bits of a convolution depend on it. Tests compare a live server's numbers with the
    engine run here, to the bit: both must use the same count.
    """
    previous = set_blas_threads(Settings().blas_threads)
    yield
    if previous is not None:
        set_blas_threads(previous)
