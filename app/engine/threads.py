"""Threads for one convolution, and OpenBLAS kept out of their way.

NumPy releases the GIL inside copies and matrix products, so the chunks of output rows of
one layer (:mod:`app.engine.rowconv`) can run in parallel threads
(``CONVSCOPE_ENGINE_THREADS``, default 1). OpenBLAS would start its own threads inside a
product as well; on a 2-core machine that is four busy threads, and OpenBLAS's waiting
threads spin, so a chunk whose partner is descheduled stalls for a whole time slice (seen:
10-60 ms stalls on a 7 ms pyramid). While chunks run in parallel, OpenBLAS is therefore
held to one thread, and set back when the last parallel section ends.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache
from itertools import product
from typing import TypeVar

T = TypeVar("T")


def _default_threads() -> int:
    """``CONVSCOPE_ENGINE_THREADS`` if set (at most 64), else 1.

    One by default: on the project's 2-core VMs a second thread only pays when the machine
    is already busy with the engine. Run back to back, two threads sharing the row
    strategy's chunks ran S3 and S7's second layer 35-45 % faster; but in the benchmark's
    blocks after a pause, and for a request after the user paused, the second vCPU takes
    tens of milliseconds to come up to speed, and two threads were 3-10 % slower than one
    (2026-11-26). The im2col blocks of :mod:`app.engine.fastconv` never use them: their
    NumPy calls of a few microseconds handed the GIL back and forth (+11 % on S7).

    Why (measured 2026-12-03): a sleeping thread on these VMs starts 0.1-0.7 ms after it
    is woken (a pool's queue, a helper doing one 0.6 ms product after a pause: two threads
    no faster than one), where PyTorch's OpenMP threads poll and scale 2x in the same
    blocks. Helpers that poll between jobs instead (``os.sched_yield``, 20 us sleeps, or
    short NumPy reductions without the GIL; 2 and 50 ms) did overlap in some calls (S7's
    second layer 2.98 -> 1.3-1.5 ms) but not in others: the poller and the caller took the
    GIL from each other, one starved for up to 5 ms (the GIL's switch interval), and S4
    took 8 ms instead of 0.45. Not reliable enough to ship.
    """
    wanted = os.environ.get("CONVSCOPE_ENGINE_THREADS", "").strip()
    if wanted.isdigit() and int(wanted) >= 1:
        return min(int(wanted), 64)
    return 1


# Threads per convolution (read once, at import).
THREADS = _default_threads()


@cache
def _pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="convscope-engine")


@dataclass(frozen=True)
class _OpenBlas:
    """OpenBLAS's own get/set of its (process-wide) thread count, called through ctypes.

    threadpoolctl finds the library NumPy loaded, but its setter lets only the first Python
    thread that used it change the count (others are silently ignored), and the server runs
    convolutions in worker threads; the engine keeps its own count of users instead.
    """

    get: Callable[[], int]
    set: Callable[[int], None]

    @staticmethod
    @cache
    def find() -> _OpenBlas | None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl is a dependency
            return None
        for lib in ThreadpoolController().select(internal_api="openblas").lib_controllers:
            if lib.threading_layer != "pthreads":
                continue  # an OpenMP build limits per thread: not the engine's case
            dll = ctypes.CDLL(lib.filepath)
            for prefix, suffix in product(("", "scipy_"), ("", "64_", "_64")):
                getter = getattr(dll, f"{prefix}openblas_get_num_threads{suffix}", None)
                setter = getattr(dll, f"{prefix}openblas_set_num_threads{suffix}", None)
                if getter is not None and setter is not None:
                    getter.restype = ctypes.c_int
                    setter.argtypes = [ctypes.c_int]
                    return _OpenBlas(get=getter, set=setter)
        return None


class _BlasLimit:
    """Counts the engine's parallel sections (:func:`run_split` with ``blas``) in flight; the
    first sets OpenBLAS to 1 thread, the last restores what it was, so that the engine's
    threads and OpenBLAS's do not oversubscribe the cores."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.saved = 1

    @staticmethod
    def available() -> bool:
        return _OpenBlas.find() is not None

    @contextmanager
    def single(self) -> Iterator[None]:
        lib = _OpenBlas.find()
        if lib is None:
            yield
            return
        with self.lock:
            if self.users == 0:
                self.saved = lib.get()
                lib.set(1)
            self.users += 1
        try:
            yield
        finally:
            with self.lock:
                self.users -= 1
                if self.users == 0:
                    lib.set(self.saved)


_BLAS = _BlasLimit()


@cache
def blas_architecture() -> str | None:
    """The CPU kernels of the OpenBLAS NumPy uses (``SkylakeX``, ``Haswell``, ...: what
    ``OPENBLAS_CORETYPE`` forces), or None if NumPy's BLAS is another library."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return None
    for lib in ThreadpoolController().select(internal_api="openblas").lib_controllers:
        arch = getattr(lib, "architecture", None)
        if isinstance(arch, str) and arch:
            return arch
    return None


def one_blas_thread() -> AbstractContextManager[None]:
    """Hold OpenBLAS to one thread meanwhile, whatever the engine's own thread count: the
    row strategy's numbers then do not depend on OpenBLAS's (a product split between its
    threads may sum in another order)."""
    return _BLAS.single()


def set_blas_threads(count: int) -> int | None:
    """Set OpenBLAS's (process-wide) thread count; returns the previous one, or None if no
    OpenBLAS was found.

    For a server: its cores are shared with other requests (and, on a teacher's laptop, the
    browser), and a two-thread product waits for a core that is busy elsewhere.
    """
    lib = _OpenBlas.find()
    if lib is None:
        return None
    with _BLAS.lock:
        if _BLAS.users:  # inside the engine's own sections: applies when the last one ends
            previous, _BLAS.saved = _BLAS.saved, count
        else:
            previous = lib.get()
            lib.set(count)
    return previous


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
    if blas and not _BLAS.available():
        n = 1  # OpenBLAS's threads and ours would oversubscribe the cores
    if n < 2:
        fn(iter(items))
        return
    with _BLAS.single() if blas else nullcontext():
        shared = _Shared(items)
        helpers = [_pool(max(THREADS, n) - 1).submit(fn, shared) for _ in range(n - 1)]
        try:
            fn(shared)
        finally:
            for h in helpers:
                if not h.cancel():
                    h.result()
