"""Which strategy runs a layer (app.engine.fast.choose): geometry and one BLAS fact."""

from __future__ import annotations

import pytest

from app.engine.fast.choose import (
    ROWS_MAX_MAPS,
    choose_strategy,
    direct_sgemm,
    runs_small_products_directly,
)


@pytest.mark.parametrize(("maps", "row_dilation", "direct", "want"), [
    (8, 1, True, "rows"),
    (ROWS_MAX_MAPS, 1, True, "rows"),
    (1, 1, True, "rows"),
    (ROWS_MAX_MAPS + 1, 1, True, "blocks"),
    (8, 2, True, "blocks"),
    (8, 1, False, "blocks"),
    (64, 3, False, "blocks"),
])
def test_layers_of_few_maps_run_in_rows_where_blas_has_a_direct_sgemm(
        maps: int, row_dilation: int, direct: bool, want: str) -> None:
    assert choose_strategy(maps=maps, row_dilation=row_dilation, direct_sgemm=direct) == want


@pytest.mark.parametrize(("arch", "rows"), [("SkylakeX", True), ("SAPPHIRERAPIDS", True),
                                            ("cooperlake", True), ("Haswell", False),
                                            ("Zen", False), (None, False)])
def test_rows_only_where_blas_runs_small_products_directly(arch: str | None,
                                                           rows: bool) -> None:
    """OpenBLAS's "direct sgemm" exists for its AVX-512 cores only; on others, or another
    BLAS (None), every layer runs in the blocks."""
    assert runs_small_products_directly(arch) is rows


def test_blas_fact_is_asked_once() -> None:
    assert direct_sgemm() is direct_sgemm()
    assert direct_sgemm.cache_info().currsize == 1
