"""Which strategy runs a layer: one plain function of its geometry and one fact about BLAS."""

from __future__ import annotations

from functools import cache
from typing import Literal

Strategy = Literal["reference", "rows", "blocks"]
"""``reference``: :func:`app.engine.reference.conv2d_reference`, the definition (never chosen,
slow on large layers); ``rows``: :mod:`app.engine.fast.rows`; ``blocks``:
:mod:`app.engine.fast.blocks`."""

STRATEGIES: tuple[Strategy, ...] = ("reference", "rows", "blocks")

# Layers of at most this many maps run in rows; with more, the product outweighs the copy
# the rows save (docs/perf.md, "Two strategies").
ROWS_MAX_MAPS = 32

# OpenBLAS's kernels (what ``OPENBLAS_CORETYPE`` forces) that run a small product straight
# from its operands, a "direct sgemm": written for these AVX-512 cores only.
DIRECT_SGEMM_CORES = frozenset({"skylakex", "cooperlake", "sapphirerapids"})


def choose_strategy(*, maps: int, row_dilation: int, direct_sgemm: bool) -> Strategy:
    """The fast strategy for a layer of ``maps`` output maps.

    Rows copy a third of what the blocks copy for a 3x3 layer, but run one small product per
    output row. That pays when the copy is most of the work (few maps) and the BLAS runs
    small products directly (``direct_sgemm``: elsewhere each pays a full packed call and
    the rows lose to the blocks). Rows read whole input rows, so a row dilation goes to
    the blocks. Numbers: docs/perf.md ("Two strategies").
    """
    if direct_sgemm and maps <= ROWS_MAX_MAPS and row_dilation == 1:
        return "rows"
    return "blocks"


def runs_small_products_directly(architecture: str | None) -> bool:
    """Whether a BLAS of this kernel ``architecture`` (None: not OpenBLAS) has a direct
    sgemm (:data:`DIRECT_SGEMM_CORES`)."""
    return architecture is not None and architecture.lower() in DIRECT_SGEMM_CORES


@cache
def direct_sgemm() -> bool:
    """Whether NumPy's BLAS runs small products directly; asked once per process.

    threadpoolctl names the kernels OpenBLAS picked at load time; without it, or with
    another BLAS, the answer is no (every layer then runs in blocks: slower, same numbers).
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return False
    for lib in ThreadpoolController().select(internal_api="openblas").lib_controllers:
        arch = getattr(lib, "architecture", None)
        if isinstance(arch, str) and arch:
            return runs_small_products_directly(arch)
    return False
