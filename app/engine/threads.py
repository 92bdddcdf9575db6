"""Two cores for one convolution: the engine's own threads, and OpenBLAS kept out of their way.

NumPy releases the GIL inside copies and matrix products, so blocks of output rows run in
parallel threads. OpenBLAS would start its own threads inside each block's sgemm as well;
on a 2-core machine that is four busy threads, and OpenBLAS's waiting threads spin, so a
block whose partner is descheduled stalls for a whole time slice (seen: 10-60 ms stalls on a
7 ms pyramid). While blocks run in parallel, OpenBLAS is therefore held to one thread (with
threadpoolctl, when installed), and set back when the last parallel section ends.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")



def _default_threads() -> int:
    """``CONVSCOPE_ENGINE_THREADS`` if set, else the cores this process may run on, at most
    4 (the blocks of a pyramid's deep layers are too few to feed more)."""
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else (os.cpu_count() or 1))
    wanted = os.environ.get("CONVSCOPE_ENGINE_THREADS", "").strip()
    if wanted.isdigit() and int(wanted) >= 1:
        return min(int(wanted), 64)
    return max(1, min(4, cores))


# Threads per convolution (read once, at import).
THREADS = _default_threads()


@cache
def _pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="convscope-engine")


class _BlasLimit:
    """Counts the parallel sections in flight; the first sets OpenBLAS to 1 thread, the
    last restores what it was."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.saved = 1

    @staticmethod
    @cache
    def library() -> Any | None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl is a dependency
            return None
        found = ThreadpoolController().select(user_api="blas").lib_controllers
        return found[0] if found else None

    @contextmanager
    def single(self) -> Iterator[None]:
        lib = self.library()
        if lib is None:
            yield
            return
        with self.lock:
            if self.users == 0:
                self.saved = lib.num_threads
                lib.set_num_threads(1)
            self.users += 1
        try:
            yield
        finally:
            with self.lock:
                self.users -= 1
                if self.users == 0:
                    lib.set_num_threads(self.saved)


_BLAS = _BlasLimit()


class _Shared(Iterator[T]):
    """One iterator shared by several threads: each item is handed out once."""

    def __init__(self, items: Iterable[T]) -> None:
        self._items = iter(items)
        self._lock = threading.Lock()

    def __next__(self) -> T:
        with self._lock:
            return next(self._items)


def run_split(fn: Callable[[Iterator[T]], None], items: Sequence[T], *,
              threads: int | None = None, blas: bool = False) -> None:
    """Call ``fn`` in up to ``threads`` threads (the caller's included) on one shared iterator
    over ``items``: each thread takes the next item when it is free, so a thread the OS
    has not yet scheduled costs nothing; the caller takes back any it never started.

    With ``blas``, OpenBLAS is held to one thread meanwhile (``fn`` calls sgemm).
    """
    n = min(THREADS if threads is None else threads, len(items))
    if n < 2:
        fn(iter(items))
        return
    shared = _Shared(items)
    with _BLAS.single() if blas else _nothing():
        helpers = [_pool(THREADS - 1).submit(fn, shared) for _ in range(n - 1)]
        try:
            fn(shared)
        finally:
            for h in helpers:
                if not h.cancel():
                    h.result()


@contextmanager
def _nothing() -> Iterator[None]:
    yield
