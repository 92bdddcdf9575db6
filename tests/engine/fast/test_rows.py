"""The row strategy (app.engine.fast.rows): chunk edges, column taps.

Every strategy is held to the loop oracle, and input layouts checked, in test_conv.py."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import conv2d
from app.engine.fast import rows
from app.engine.shapes import as_pair, resolve_padding

from ..reference import conv2d_loops

# (C, H, W, kernel, stride, padding, dilation): padding rows inside chunks, strides 1-3
# (stride 2 reads float pairs), asymmetric padding, column dilation, odd and even widths
CASES = [
    (2, 23, 19, (3, 4), 2, "same", 1),
    (3, 30, 32, (3, 3), 1, "same", 1),
    (1, 9, 41, (2, 5), (1, 2), [0, 4, 3, 1], (1, 2)),
    (4, 17, 36, (5, 5), 2, "full", 1),
    (2, 20, 37, (3, 2), 3, "valid", (1, 3)),
    (3, 12, 25, (1, 1), (2, 2), [2, 1, 0, 3], 1),
]


def _case(i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, object]]:
    c, h, w, (kh, kw), stride, padding, dilation = CASES[i]
    rng = np.random.default_rng(i)
    x = rng.standard_normal((c, h, w)).astype(np.float32)
    wt = rng.standard_normal((3, c, kh, kw)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    return x, wt, b, {"stride": stride, "padding": padding, "dilation": dilation}


def _loops(x: np.ndarray, wt: np.ndarray, b: np.ndarray, args: dict[str, object]) -> np.ndarray:
    st, dl = as_pair(args["stride"], name="s"), as_pair(args["dilation"], name="d")  # type: ignore[arg-type]
    pad = resolve_padding(args["padding"], in_size=x.shape[1:], kernel=wt.shape[2:],  # type: ignore[arg-type]
                          stride=st, dilation=dl)
    return conv2d_loops(x, wt, b, st, dl, pad)


@pytest.mark.parametrize("chunk_bytes", [1, 3000, 20_000, 1 << 20])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_chunks_of_any_size_match_loop_reference(monkeypatch: pytest.MonkeyPatch,
                                                 chunk_bytes: int, case: int) -> None:
    """From one output row per chunk to the whole map in one: every chunk must cut its
    input rows (and the padding rows among them) where its output rows need them."""
    monkeypatch.setattr(rows, "CHUNK_BYTES", chunk_bytes)
    x, wt, b, args = _case(case)
    got = conv2d(x, wt, b, activation="relu", strategy="rows", **args)  # type: ignore[arg-type]
    np.testing.assert_allclose(got, np.maximum(_loops(x, wt, b, args), 0), rtol=1e-4,
                               atol=1e-4)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_numbers_do_not_depend_on_chunks(monkeypatch: pytest.MonkeyPatch, case: int) -> None:
    """Each output row is the same product whatever chunk computes it: the same bits for
    every split."""
    x, wt, b, args = _case(case)
    want = conv2d(x, wt, b, strategy="rows", **args)  # type: ignore[arg-type]
    for chunk_bytes in [1, 3000, 1 << 20]:
        monkeypatch.setattr(rows, "CHUNK_BYTES", chunk_bytes)
        np.testing.assert_array_equal(conv2d(x, wt, b, strategy="rows", **args), want)  # type: ignore[arg-type]


@pytest.mark.parametrize(("w", "kw", "stride", "left", "w_out"), [
    (10, 3, 1, 1, 10), (11, 3, 2, 1, 6), (7, 5, 3, 4, 5), (5, 2, 1, 0, 6), (4, 3, 2, 5, 6),
])
def test_column_taps_cover_exactly_the_input_columns(w: int, kw: int, stride: int, left: int,
                                                     w_out: int) -> None:
    """Tap v writes output columns [lo, hi) from input column start + (j - lo) * stride; the
    others read padding. Checked against the definition, column by column."""
    for v, (lo, hi, start) in enumerate(rows._column_taps(w, kw, stride, 1, left, w_out)):
        inside = [j for j in range(w_out) if 0 <= j * stride + v - left < w]
        assert list(range(lo, hi)) == inside
        if inside:
            assert start == lo * stride + v - left
