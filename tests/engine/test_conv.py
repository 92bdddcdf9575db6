"""conv2d held against the loop reference, SciPy and (when installed) PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine import GeometryError, ParameterError, ShapeError, conv2d, resolve_padding
from app.engine.fast import STRATEGIES
from app.engine.shapes import as_pair

from .reference import conv2d_loops

paddings = st.one_of(
    st.sampled_from(["valid", "same", "full"]),
    st.integers(0, 3),
    st.tuples(st.integers(0, 3), st.integers(0, 3)).map(list),
    st.tuples(*[st.integers(0, 3)] * 4).map(list),
)
pairs = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))


@st.composite
def conv_cases(draw: st.DrawFn) -> dict[str, object]:
    c = draw(st.integers(1, 4))
    k_out = draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((c, h, w)).astype(np.float32),
        "weight": rng.standard_normal((k_out, c, kh, kw)).astype(np.float32),
        "bias": rng.standard_normal(k_out).astype(np.float32) if draw(st.booleans()) else None,
        "stride": draw(pairs), "dilation": draw(pairs), "padding": draw(paddings),
    }


def _explicit(case: dict[str, object]) -> tuple[int, int, int, int]:
    x, weight = case["x"], case["weight"]
    assert isinstance(x, np.ndarray) and isinstance(weight, np.ndarray)
    return resolve_padding(case["padding"],  # type: ignore[arg-type]
                           in_size=x.shape[1:], kernel=weight.shape[2:],
                           stride=as_pair(case["stride"], name="stride"),  # type: ignore[arg-type]
                           dilation=as_pair(case["dilation"], name="dilation"))  # type: ignore[arg-type]


def _loops(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride: Any, padding: Any,
           dilation: Any) -> np.ndarray:
    """The loop reference for conv2d's own arguments (padding resolved as conv2d does)."""
    st_, dl = as_pair(stride, name="s"), as_pair(dilation, name="d")
    pad = resolve_padding(padding, in_size=x.shape[1:], kernel=w.shape[2:], stride=st_,
                          dilation=dl)
    return conv2d_loops(x, w, b, st_, dl, pad)


def _runnable(strategy: str, case: dict[str, object]) -> dict[str, object]:
    """``case`` as ``strategy`` can run it: the rows read whole input rows, so their cases
    keep the column dilation and drop the row dilation (the chooser never sends them one)."""
    if strategy != "rows":
        return case
    return {**case, "dilation": (1, as_pair(case["dilation"], name="d")[1])}  # type: ignore[arg-type]


def _conv_by(strategy: str, case: dict[str, object]) -> np.ndarray:
    """conv2d on ``case`` run by ``strategy``: the definition in :mod:`app.engine.reference`,
    or the rows or blocks of :mod:`app.engine.fast`."""
    return conv2d(case["x"], case["weight"], case["bias"], stride=case["stride"],  # type: ignore[arg-type]
                  padding=case["padding"], dilation=case["dilation"],  # type: ignore[arg-type]
                  strategy=strategy)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=conv_cases())
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_conv2d_matches_loop_reference(strategy: str, case: dict[str, object]) -> None:
    case = _runnable(strategy, case)
    pad = _explicit(case)
    try:
        got = _conv_by(strategy, case)
    except GeometryError:
        x, w = case["x"], case["weight"]
        assert isinstance(x, np.ndarray) and isinstance(w, np.ndarray)
        d = as_pair(case["dilation"], name="d")  # type: ignore[arg-type]
        assert (d[0] * (w.shape[2] - 1) + 1 > x.shape[1] + pad[0] + pad[1]
                or d[1] * (w.shape[3] - 1) + 1 > x.shape[2] + pad[2] + pad[3])
        return
    want = conv2d_loops(case["x"], case["weight"], case["bias"],  # type: ignore[arg-type]
                        as_pair(case["stride"], name="s"),  # type: ignore[arg-type]
                        as_pair(case["dilation"], name="d"), pad)  # type: ignore[arg-type]
    assert got.dtype == np.float32
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shape", [(1, 64, 80), (3, 33, 17), (2, 7, 128)])
@pytest.mark.parametrize(("stride", "padding", "dilation"),
                         [(1, "same", 1), (2, "same", 1), (3, "valid", 2), ((2, 1), "full", 1),
                          (1, [0, 2, 1, 0], (1, 3))])
def test_conv2d_matches_loop_reference_on_larger_inputs(shape: tuple[int, int, int],
                                                        stride: object, padding: object,
                                                        dilation: object) -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((4, shape[0], 3, 5)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    got = conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)  # type: ignore[arg-type]
    np.testing.assert_allclose(got, _loops(x, w, b, stride, padding, dilation), rtol=1e-4,
                               atol=1e-4)


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_single_channel_matches_scipy_correlate(mode: str) -> None:
    signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 40, 37)).astype(np.float32)
    g = rng.standard_normal((3, 3)).astype(np.float32)
    got = conv2d(x, g[None, None], padding=mode)[0]
    np.testing.assert_allclose(got, signal.correlate(x[0], g, mode=mode), rtol=1e-4,
                               atol=1e-4)


def test_conv2d_is_cross_correlation_not_flipped() -> None:
    x = np.zeros((1, 3, 3), np.float32)
    x[0, 0, 0] = 1  # a single bright pixel at the top-left
    w = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)
    out = conv2d(x, w, padding="full")[0]
    # the window whose bottom-right tap sits on the pixel is the first output cell
    assert out[0, 0] == w[0, 0, 2, 2]


def test_conv2d_does_not_modify_inputs() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 9, 9)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    copies = (x.copy(), w.copy(), b.copy())
    conv2d(x, w, b, stride=2, padding="same")
    for before, after in zip(copies, (x, w, b), strict=True):
        np.testing.assert_array_equal(before, after)


def test_channel_mismatch_names_the_expected_weight_shape() -> None:
    with pytest.raises(ShapeError, match=r"K x 3 x kh x kw"):
        conv2d(np.zeros((3, 5, 5)), np.zeros((2, 1, 3, 3)))


def test_kernel_larger_than_padded_input_is_a_geometry_error() -> None:
    with pytest.raises(GeometryError, match="larger than the padded input"):
        conv2d(np.zeros((1, 4, 4)), np.zeros((1, 1, 5, 5)))


@pytest.mark.parametrize(("kwargs", "field"), [({"stride": 0}, "stride"),
                                                ({"dilation": -1}, "dilation"),
                                                ({"padding": -1}, "padding")])
def test_bad_parameters_name_their_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ParameterError) as info:
        conv2d(np.zeros((1, 5, 5)), np.zeros((1, 1, 3, 3)), **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_non_finite_input_is_refused() -> None:
    x = np.zeros((1, 5, 5))
    x[0, 1, 1] = np.nan
    with pytest.raises(ParameterError, match="NaN"):
        conv2d(x, np.zeros((1, 1, 3, 3)))


def test_bias_length_must_match_maps() -> None:
    with pytest.raises(ShapeError, match="one value per feature map"):
        conv2d(np.zeros((1, 5, 5)), np.zeros((2, 1, 3, 3)), np.zeros(3))


@pytest.mark.torch
@settings(max_examples=150, deadline=None)
@given(case=conv_cases())
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_conv2d_matches_torch(strategy: str, case: dict[str, object]) -> None:
    torch = pytest.importorskip("torch")
    case = _runnable(strategy, case)
    pad = _explicit(case)
    try:
        got = _conv_by(strategy, case)
    except GeometryError:
        return
    x = torch.nn.functional.pad(torch.from_numpy(case["x"])[None], (pad[2], pad[3], pad[0], pad[1]))
    bias = None if case["bias"] is None else torch.from_numpy(case["bias"])
    want = torch.nn.functional.conv2d(x, torch.from_numpy(case["weight"]), bias,
                                      stride=case["stride"], dilation=case["dilation"])[0]
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-4)


def test_large_input_stays_in_bounded_memory() -> None:
    """The im2col matrix is built in blocks: extra memory is a few padded copies, not k*k."""
    import tracemalloc

    x = np.zeros((3, 1024, 1024), np.float32)
    w = np.zeros((8, 3, 5, 5), np.float32)
    tracemalloc.start()
    conv2d(x, w, padding="same")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    output = 8 * 1024 * 1024 * 4
    padded = x.nbytes * 1.05
    # a whole-image im2col would be 75 x 1024 x 1024 x 4 bytes = 300 MiB on its own; each
    # of the two threads holds one block (< 1 MiB) and its products
    assert peak < output + padded + 8 * 2**20


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("activation", ["relu", "tanh", "none"])
def test_fused_activation_equals_activation_after_conv(activation: str, strategy: str) -> None:
    from app.engine import apply_activation

    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 30, 31)).astype(np.float32)
    w = rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    fused = conv2d(x, w, b, stride=2, padding="same", activation=activation,
                   strategy=strategy)  # type: ignore[arg-type]
    plain = apply_activation(activation, conv2d(x, w, b, stride=2, padding="same",
                                                strategy=strategy))  # type: ignore[arg-type]
    np.testing.assert_array_equal(fused, plain)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_fused_relu_keeps_the_nan_of_an_overflowing_window(strategy: str) -> None:
    """inf - inf inside a window is NaN (x86's, sign bit set); ReLU in every strategy keeps
    it NaN, as PyTorch does, so that callers see the layer overflow instead of a 0."""
    from app.engine.conv import conv2d_planned

    x = np.zeros((1, 4, 6), np.float32)
    x[0, 1, 1:3] = np.inf
    w = np.array([[[[1.0, -1.0]]], [[[1.0, 1.0]]]], np.float32)
    args: dict[str, Any] = {"stride": (1, 1), "dilation": (1, 1), "padding": (0, 0, 1, 0),
                            "out_hw": (4, 6), "strategy": strategy}
    with np.errstate(invalid="ignore"):  # inf - inf: the point of the test
        plain = conv2d_planned(x, w, None, activation="none", **args)
        out = conv2d_planned(x, w, None, activation="relu", **args)
    assert np.isnan(plain[0, 1, 2]) and np.signbit(plain[0, 1, 2])
    np.testing.assert_array_equal(np.isnan(out), np.isnan(plain))
    finite = ~np.isnan(plain)
    np.testing.assert_array_equal(out[finite], np.maximum(plain[finite], 0))


def test_relu_in_place_on_the_special_values() -> None:
    """-0 becomes +0 (no sign bit left), NaN of either sign stays NaN, -inf becomes 0,
    +inf and the smallest subnormals are kept."""
    from app.engine.fast.blocks import _relu_in_place

    tiny = np.float32(1e-45)
    values = np.array([-0.0, 0.0, -2.5, 2.5, np.nan, -np.nan, np.inf, -np.inf, tiny, -tiny],
                      np.float32)
    block = values.copy()
    _relu_in_place(block, np.zeros_like(block))
    want = np.array([0.0, 0.0, 0.0, 2.5, np.nan, np.nan, np.inf, 0.0, tiny, 0.0], np.float32)
    np.testing.assert_array_equal(block, want)  # NaN equals NaN here
    assert not np.signbit(block[~np.isnan(block)]).any()


@pytest.mark.parametrize("rows", [1, 2, 3, 5])
@pytest.mark.parametrize("shape", [(2, 23, 19), (3, 30, 32), (1, 9, 41)])
@pytest.mark.parametrize(("stride", "padding", "dilation"),
                         [(2, "same", 1), (2, "valid", 1), ((2, 3), "full", (1, 2)),
                          (1, [3, 0, 0, 2], 1), (3, "same", 2), ((1, 2), [0, 4, 3, 1], 1)])
def test_blocks_of_few_rows_match_loop_reference(
        monkeypatch: pytest.MonkeyPatch, rows: int, shape: tuple[int, int, int],
        stride: object, padding: object, dilation: object) -> None:
    """Many blocks, a short last one, padding rows falling inside blocks: each block cuts
    its own phase rows from the input, so every block boundary must line up."""
    from app.engine.fast import blocks

    monkeypatch.setattr(blocks, "_block_rows", lambda *args: rows)
    rng = np.random.default_rng(rows)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((3, shape[0], 3, 4)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    got = conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation,  # type: ignore[arg-type]
                 activation="relu", strategy="blocks")
    want = np.maximum(_loops(x, w, b, stride, padding, dilation), 0)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("layout", ["rows of a wider array", "every other row", "transposed",
                                    "Fortran order", "odd column offset", "engine output"])
@pytest.mark.parametrize("width", [36, 37])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_input_layouts_give_the_bits_of_a_contiguous_copy(layout: str, width: int, stride: int,
                                                         strategy: str) -> None:
    """Stride-2 columns are read as float pairs when the input's rows are unit-stride runs
    (the engine's own maps are often views of wider rows), through a plain strided copy
    otherwise, in every strategy. Every layout must give the same cells."""
    rng = np.random.default_rng(width)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    if layout == "rows of a wider array":
        x = rng.standard_normal((3, 29, width + 5)).astype(np.float32)[:, :, 2:2 + width]
    elif layout == "every other row":
        x = rng.standard_normal((3, 2 * 29, width)).astype(np.float32)[:, ::2]
    elif layout == "transposed":
        x = rng.standard_normal((3, width, 29)).astype(np.float32).transpose(0, 2, 1)
    elif layout == "Fortran order":
        x = np.asfortranarray(rng.standard_normal((3, 29, width)).astype(np.float32))
    elif layout == "odd column offset":
        x = rng.standard_normal((3, 29, width + 1)).astype(np.float32)[:, :, 1:]
    else:
        # a view of wider rows, or contiguous where rows compute exactly its width
        x = conv2d(rng.standard_normal((2, 29, width)).astype(np.float32),
                   rng.standard_normal((3, 2, 3, 3)).astype(np.float32), padding="same")
    assert layout == "engine output" or not x.flags.c_contiguous
    for padding in ("same", "valid", [1, 0, 1, 0], [0, 2, 2, 1]):
        case = {"weight": w, "bias": None, "stride": stride, "padding": padding, "dilation": 1}
        got = _conv_by(strategy, {**case, "x": x})
        np.testing.assert_array_equal(got, _conv_by(strategy,
                                                    {**case, "x": np.ascontiguousarray(x)}))


def test_unknown_strategy_is_refused_naming_the_choices() -> None:
    with pytest.raises(ParameterError, match="reference, rows, blocks") as info:
        conv2d(np.zeros((1, 5, 5)), np.zeros((1, 1, 3, 3)), strategy="fastest")  # type: ignore[arg-type]
    assert info.value.field == "strategy"


def test_rows_refuse_a_row_dilation() -> None:
    with pytest.raises(ParameterError, match="row dilation") as info:
        conv2d(np.zeros((1, 9, 9)), np.zeros((1, 1, 3, 3)), dilation=(2, 1), strategy="rows")
    assert info.value.field == "dilation"
