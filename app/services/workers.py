"""A fixed pool of worker threads with a bounded queue: NumPy never runs on the event loop.

NumPy and Pillow release the GIL in their heavy loops, so while workers compute, the event
loop keeps answering (``/healthz`` in particular). When every worker is busy and the queue is
full, :meth:`WorkerPool.run` refuses at once with :class:`~app.errors.BusyError` (503 +
``Retry-After``) instead of letting requests pile up.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from ..errors import BusyError

P = ParamSpec("P")
T = TypeVar("T")


class WorkerPool:
    """``workers`` threads; at most ``workers + queue_size`` jobs admitted at once."""

    def __init__(self, *, workers: int, queue_size: int, retry_after: int) -> None:
        self.workers = workers
        self.capacity = workers + queue_size
        self.retry_after = retry_after
        self._executor = self._new_executor()
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._admitted = 0
        self._count_lock = threading.Lock()

    def waiting(self) -> int:
        """Jobs admitted beyond the workers: how many wait for a worker right now."""
        with self._count_lock:
            return max(0, self._admitted - self.workers)

    def _release(self) -> None:
        with self._count_lock:
            self._admitted -= 1
        self._slots.release()

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` on a worker and await its result.

        Raises
        ------
        BusyError
            Every worker is busy and ``queue_size`` jobs already wait.
        """
        if not self._slots.acquire(blocking=False):
            raise BusyError(
                f"all {self.workers} convolution workers are busy and "
                f"{self.capacity - self.workers} requests are waiting; try again in "
                f"{self.retry_after} s",
                field="queue", value=self.capacity, limit=self.capacity,
                headers={"Retry-After": str(self.retry_after)})
        with self._count_lock:
            self._admitted += 1
        try:
            future: Future[T] = self._executor.submit(fn, *args, **kwargs)
        except BaseException:
            self._release()
            raise
        # The slot is held until the job ends, even if the client goes away meanwhile:
        # that is what bounds the work in flight.
        future.add_done_callback(lambda _: self._release())
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        """Cancel queued jobs and let running ones finish; the pool stays usable.

        An app's lifespan may run more than once (a test client entered twice, schemathesis
        ending it after every test), so the stopped executor is swapped for a fresh one, which
        starts no thread until it is given work.
        """
        old, self._executor = self._executor, self._new_executor()
        old.shutdown(wait=False, cancel_futures=True)

    def _new_executor(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="convscope-worker")
