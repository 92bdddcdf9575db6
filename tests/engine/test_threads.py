"""The engine in threads: the same numbers from any thread, OpenBLAS's count left alone."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from app.blas import OpenBlas
from app.engine import conv2d
from app.engine.fast import STRATEGIES


def test_openblas_thread_count_is_untouched_by_concurrent_convolutions() -> None:
    """Only the server's start-up sets OpenBLAS's threads (app/blas.py): convolutions in
    four threads at once give the same numbers and leave the count as they found it."""
    lib = OpenBlas.find()
    if lib is None:
        pytest.skip("threadpoolctl finds no OpenBLAS (pthreads) library")
    before = lib.get()
    x = np.random.default_rng(1).standard_normal((3, 256, 256)).astype(np.float32)
    w = np.ones((8, 3, 3, 3), np.float32)
    want = conv2d(x, w, padding="same")
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                np.testing.assert_allclose(conv2d(x, w, padding="same"), want, rtol=1e-5, atol=1e-5)
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(4)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors
    assert lib.get() == before


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_results_do_not_depend_on_the_calling_thread(strategy: str) -> None:
    """Server workers and a notebook's main thread get the same numbers, to the last bit."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 200, 300)).astype(np.float32)
    w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
    here = conv2d(x, w, padding="same", strategy=strategy)  # type: ignore[arg-type]
    there: list[np.ndarray] = []
    t = threading.Thread(target=lambda: there.append(
        conv2d(x, w, padding="same", strategy=strategy)))  # type: ignore[arg-type]
    t.start()
    t.join()
    np.testing.assert_array_equal(there[0], here)
