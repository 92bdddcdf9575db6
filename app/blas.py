"""OpenBLAS's thread count: one process-wide setting, made when the server starts.

The engine never changes it. The server holds it to its ``blas_threads`` setting
(:func:`app.main.create_app`): its cores are shared with other requests (and, on a teacher's
laptop, the browser), and a two-thread product waits for a core that is busy elsewhere.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import product


@dataclass(frozen=True)
class OpenBlas:
    """OpenBLAS's own get/set of its (process-wide) thread count, called through ctypes.

    threadpoolctl finds the library NumPy loaded, but its setter lets only the first Python
    thread that used it change the count (others are silently ignored); the count is set
    here directly instead.
    """

    get: Callable[[], int]
    set: Callable[[int], None]

    @staticmethod
    @cache
    def find() -> OpenBlas | None:
        """NumPy's OpenBLAS (a pthreads build), or None if NumPy uses another BLAS."""
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl is a dependency
            return None
        for lib in ThreadpoolController().select(internal_api="openblas").lib_controllers:
            if lib.threading_layer != "pthreads":
                continue  # an OpenMP build limits per thread
            dll = ctypes.CDLL(lib.filepath)
            for prefix, suffix in product(("", "scipy_"), ("", "64_", "_64")):
                getter = getattr(dll, f"{prefix}openblas_get_num_threads{suffix}", None)
                setter = getattr(dll, f"{prefix}openblas_set_num_threads{suffix}", None)
                if getter is not None and setter is not None:
                    getter.restype = ctypes.c_int
                    setter.argtypes = [ctypes.c_int]
                    return OpenBlas(get=getter, set=setter)
        return None


def set_blas_threads(count: int) -> int | None:
    """Set OpenBLAS's (process-wide) thread count; returns the previous one, or None if no
    OpenBLAS was found."""
    lib = OpenBlas.find()
    if lib is None:
        return None
    previous = lib.get()
    lib.set(count)
    return previous
