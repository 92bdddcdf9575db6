"""The engine's own threads: same numbers as one thread, OpenBLAS's thread count restored."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from app.engine import conv2d
from app.engine import threads as engine_threads

CASES = [  # (C, H, W, K, kernel, stride, padding): wide layers (rows) and narrow (blocks)
    (3, 300, 260, 8, 3, 1, "same"),
    (3, 301, 257, 8, 5, 2, "same"),
    (8, 128, 130, 16, 3, 2, "valid"),
    (32, 40, 40, 64, 3, 2, "same"),
    (1, 97, 61, 1, 4, 3, (1, 2, 0, 3)),
]


def _run_all(threads: int, monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray]:
    monkeypatch.setattr(engine_threads, "THREADS", threads)
    rng = np.random.default_rng(5)
    outs = []
    for c, h, w, k, ks, s, pad in CASES:
        x = rng.standard_normal((c, h, w)).astype(np.float32)
        wt = rng.standard_normal((k, c, ks, ks)).astype(np.float32)
        b = rng.standard_normal(k).astype(np.float32)
        outs.append(conv2d(x, wt, b, stride=s, padding=pad, activation="relu"))
    return outs


def test_threads_give_the_same_numbers_as_one_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide layers share their rows between threads, each row the same product whatever
    thread runs it; narrow ones run on the calling thread: the same bits."""
    single = _run_all(1, monkeypatch)
    for threads in (2, 3):
        for got, want in zip(_run_all(threads, monkeypatch), single, strict=True):
            np.testing.assert_array_equal(got, want)


def test_split_work_hands_out_every_item_once() -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def take(items: object) -> None:
        for i in items:  # type: ignore[attr-defined]
            with lock:
                seen.append(i)

    engine_threads.run_split(take, range(1000), threads=3)
    assert sorted(seen) == list(range(1000))


def test_openblas_thread_count_is_restored_after_concurrent_convolutions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_threads, "THREADS", 2)
    lib = engine_threads._OpenBlas.find()
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


@pytest.mark.parametrize("threads", [1, 2])
def test_results_do_not_depend_on_the_calling_thread(threads: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Server workers and a notebook's main thread get the same numbers, to the last bit."""
    monkeypatch.setattr(engine_threads, "THREADS", threads)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 200, 300)).astype(np.float32)
    w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
    here = conv2d(x, w, padding="same")
    there: list[np.ndarray] = []
    t = threading.Thread(target=lambda: there.append(conv2d(x, w, padding="same")))
    t.start()
    t.join()
    np.testing.assert_array_equal(there[0], here)


def test_engine_threads_setting_is_read_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVSCOPE_ENGINE_THREADS", "1")
    assert engine_threads._default_threads() == 1
    monkeypatch.setenv("CONVSCOPE_ENGINE_THREADS", "3")
    assert engine_threads._default_threads() == 3
    monkeypatch.setenv("CONVSCOPE_ENGINE_THREADS", "zero")
    assert engine_threads._default_threads() == 1
    monkeypatch.delenv("CONVSCOPE_ENGINE_THREADS")
    assert engine_threads._default_threads() == 1
