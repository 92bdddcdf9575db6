"""The padding and output-size formulas, checked against their definitions."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.engine import GeometryError, ParameterError
from app.engine.shapes import (
    as_pair,
    formula_text,
    output_length,
    resolve_padding,
    same_padding,
    unreached_cells,
    unreached_indices,
)


@pytest.mark.parametrize(
    ("n", "k", "stride", "expected"),
    [(6, 3, 2, (0, 1)), (224, 7, 2, (2, 3)), (4, 2, 1, (0, 1)), (5, 3, 1, (1, 1)),
     (7, 1, 3, (0, 0)), (5, 5, 1, (2, 2))],
)
def test_same_padding_matches_tensorflow_examples(n: int, k: int, stride: int,
                                                  expected: tuple[int, int]) -> None:
    assert same_padding(n, k, stride=stride) == expected


def test_same_padding_puts_extra_row_at_bottom() -> None:
    top, bottom, left, right = resolve_padding("same", in_size=(6, 4), kernel=(3, 2),
                                               stride=(2, 1))
    assert (top, bottom) == (0, 1)
    assert (left, right) == (0, 1)


@given(n=st.integers(1, 300), k=st.integers(1, 11), stride=st.integers(1, 5),
       dilation=st.integers(1, 4))
def test_same_padding_keeps_ceil_n_over_stride(n: int, k: int, stride: int,
                                               dilation: int) -> None:
    before, after = same_padding(n, k, stride=stride, dilation=dilation)
    assert 0 <= after - before <= 1
    out = output_length(n, k, stride=stride, dilation=dilation, before=before, after=after)
    assert out == math.ceil(n / stride)


@given(n=st.integers(1, 60), k=st.integers(1, 9), dilation=st.integers(1, 3))
def test_full_padding_gives_every_partial_overlap(n: int, k: int, dilation: int) -> None:
    pad = resolve_padding("full", in_size=(n, n), kernel=(k, k), dilation=(dilation, dilation))
    span = dilation * (k - 1) + 1
    assert pad == (span - 1,) * 4
    assert output_length(n, k, stride=1, dilation=dilation, before=pad[0],
                         after=pad[1]) == n + span - 1


@given(n=st.integers(1, 80), k=st.integers(1, 9), stride=st.integers(1, 6),
       dilation=st.integers(1, 4), before=st.integers(0, 5), after=st.integers(0, 5))
def test_output_length_counts_window_positions(n: int, k: int, stride: int, dilation: int,
                                               before: int, after: int) -> None:
    span = dilation * (k - 1) + 1
    positions = [p for p in range(0, n + before + after) if p % stride == 0
                 and p + span <= n + before + after]
    if not positions:
        with pytest.raises(GeometryError):
            output_length(n, k, stride=stride, dilation=dilation, before=before, after=after)
        return
    assert output_length(n, k, stride=stride, dilation=dilation, before=before,
                         after=after) == len(positions)


def _never_read(n: int, k: int, *, stride: int, dilation: int, before: int,
                after: int) -> list[int]:
    """Brute force: every tap of every window that fits, then the input cells none read."""
    padded = n + before + after
    span = dilation * (k - 1) + 1
    read = {p + t * dilation for p in range(0, padded - span + 1, stride) for t in range(k)}
    return [i for i in range(n) if i + before not in read]


@given(n=st.integers(1, 80), k=st.integers(1, 9), stride=st.integers(1, 9),
       dilation=st.integers(1, 5), before=st.integers(0, 6), after=st.integers(0, 6))
def test_unreached_cells_are_every_input_cell_no_tap_reads(n: int, k: int, stride: int,
                                                           dilation: int, before: int,
                                                           after: int) -> None:
    if dilation * (k - 1) + 1 > n + before + after:
        with pytest.raises(GeometryError):
            unreached_indices(n, k, stride=stride, dilation=dilation, before=before,
                              after=after)
        return
    never = _never_read(n, k, stride=stride, dilation=dilation, before=before, after=after)
    assert list(unreached_indices(n, k, stride=stride, dilation=dilation, before=before,
                                  after=after)) == never
    assert unreached_cells(n, k, stride=stride, dilation=dilation, before=before,
                           after=after) == len(never)


def test_stride_longer_than_the_window_skips_interior_rows() -> None:
    # 8 cells, 3 taps, stride 4, valid: windows read 0-2 and 4-6; 3 and 7 are never read.
    assert unreached_indices(8, 3, stride=4, dilation=1, before=0, after=0) == (3, 7)


def test_dilation_leaves_holes_no_window_fills() -> None:
    # 2 taps spaced 3 apart, stride 3: every window reads 3j and 3j + 3; 1, 2, 4, 5 never.
    assert unreached_indices(7, 2, stride=3, dilation=3, before=0, after=0) == (1, 2, 4, 5)
    # stride 1 fills the holes of the neighbouring windows
    assert unreached_indices(7, 2, stride=1, dilation=3, before=0, after=0) == ()


def test_padding_is_never_reported_as_unreached() -> None:
    # 1 zero in front, 1 tap, stride 2: padded cells 0, 2, 4 are read = input -, 1, 3
    assert unreached_indices(4, 1, stride=2, dilation=1, before=1, after=0) == (0, 2)
    assert unreached_indices(6, 3, stride=2, dilation=1, before=0, after=1) == ()


def test_unreached_cells_of_valid_stride_two() -> None:
    # n=6, k=3, s=2, valid: windows at 0 and 2 reach cells 0..4; cell 5 is never read.
    assert unreached_cells(6, 3, stride=2, dilation=1, before=0, after=0) == 1


def test_formula_text_shows_the_numbers() -> None:
    assert formula_text(6, 3, stride=2, dilation=1, before=0, after=1) == (
        "floor((6 + 0 + 1 - 1*(3 - 1) - 1) / 2) + 1 = 3")


def test_kernel_larger_than_padded_input_names_the_formula() -> None:
    with pytest.raises(GeometryError) as info:
        output_length(4, 7, stride=1, dilation=1, before=1, after=1, axis="width")
    message = str(info.value)
    assert "kernel width 7" in message and "padded input width 6" in message
    assert "floor((4 + 1 + 1 - 1*(7 - 1) - 1) / 1) + 1" in message


@pytest.mark.parametrize("padding", [[1, 2, 3, 4], (2, 3), 3, "VALID", "same", "full"])
def test_resolve_padding_accepts_every_documented_form(padding: object) -> None:
    pad = resolve_padding(padding, in_size=(8, 8), kernel=(3, 3))  # type: ignore[arg-type]
    assert len(pad) == 4 and all(isinstance(p, int) and p >= 0 for p in pad)


@pytest.mark.parametrize("padding", [-1, [1, -1], "reflect", [1, 2, 3], 1.5, [1.0, 2.0], True])
def test_resolve_padding_rejects_bad_forms_naming_padding(padding: object) -> None:
    with pytest.raises(ParameterError) as info:
        resolve_padding(padding, in_size=(8, 8), kernel=(3, 3))  # type: ignore[arg-type]
    assert info.value.field == "padding"


@pytest.mark.parametrize("value", [0, -2, (1, 0), "2", (1, 2, 3), 2.0, None])
def test_as_pair_rejects_non_positive_or_non_integers(value: object) -> None:
    with pytest.raises(ParameterError) as info:
        as_pair(value, name="stride")  # type: ignore[arg-type]
    assert info.value.field == "stride"
