"""Output sizes and padding: the formulas, written once.

Convention (the one PyTorch and TensorFlow use): a layer slides a window of ``k`` taps spaced
``dilation`` apart over an input of length ``n`` that has ``before`` zeros added in front and
``after`` zeros behind, moving ``stride`` cells at a time. Along each axis::

    out = floor((n + before + after - dilation * (k - 1) - 1) / stride) + 1

An input cell is *unreached* when no tap of any window reads it: the floor can drop cells at
the bottom/right, a stride longer than the dilated window steps over whole rows between two
windows, and dilation leaves holes between the taps that no other window fills.
Every padding mode resolves to explicit ``(top, bottom, left, right)`` before anything is
computed:

* ``"valid"``: no padding; the window never leaves the input.
* ``"same"``: TensorFlow's rule for every stride: ``out = ceil(n / stride)``, total padding
  ``max((out - 1) * stride + dilation * (k - 1) + 1 - n, 0)``, the odd cell at the bottom/right.
* ``"full"``: ``dilation * (k - 1)`` on every side: every partial overlap produces a cell.
* an int ``p``, a pair ``(ph, pw)`` or explicit ``(top, bottom, left, right)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

from .errors import GeometryError, ParameterError

Pair: TypeAlias = tuple[int, int]
Padding4: TypeAlias = tuple[int, int, int, int]
PaddingSpec: TypeAlias = str | int | Sequence[int]

PADDING_MODES = ("valid", "same", "full")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def as_pair(value: int | Sequence[int], *, name: str, minimum: int = 1) -> Pair:
    """Return ``value`` as ``(h, w)``: an int applies to both axes.

    Raises
    ------
    ParameterError
        If ``value`` is not an int or a pair of ints, or is below ``minimum``.
    """
    if _is_int(value):
        pair = (int(value), int(value))  # type: ignore[arg-type]
    elif (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and len(value) == 2
        and all(_is_int(v) for v in value)
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise ParameterError(
            f"{name} must be an integer or a pair of integers (h, w), got {value!r}",
            field=name, value=value, limit="an integer or [h, w]",
        )
    if min(pair) < minimum:
        raise ParameterError(
            f"{name} must be at least {minimum}, got {value!r}",
            field=name, value=value, limit=f">= {minimum}",
        )
    return pair


def effective_kernel(k: int, dilation: int) -> int:
    """Span of a dilated window: ``dilation * (k - 1) + 1`` cells."""
    return dilation * (k - 1) + 1


def same_padding(n: int, k: int, *, stride: int = 1, dilation: int = 1) -> Pair:
    """TensorFlow ``"same"`` padding ``(before, after)`` for one axis.

    The output keeps ``ceil(n / stride)`` cells; when the total padding is odd the extra
    cell goes after (bottom/right). Examples: ``(n=6, k=3, s=2) -> (0, 1)``,
    ``(n=224, k=7, s=2) -> (2, 3)``, ``(n=4, k=2, s=1) -> (0, 1)``.
    """
    out = ceil_div(n, stride)
    total = max((out - 1) * stride + effective_kernel(k, dilation) - n, 0)
    return total // 2, total - total // 2


def resolve_padding(
    padding: PaddingSpec,
    *,
    in_size: Pair,
    kernel: Pair,
    stride: Pair = (1, 1),
    dilation: Pair = (1, 1),
) -> Padding4:
    """Resolve any padding form to explicit ``(top, bottom, left, right)``.

    Parameters
    ----------
    padding : ``"valid" | "same" | "full" | int | (ph, pw) | (top, bottom, left, right)``
    in_size : ``(H, W)`` of the input.
    kernel, stride, dilation : ``(h, w)`` pairs.
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return (0, 0, 0, 0)
        if mode == "same":
            top, bottom = same_padding(in_size[0], kernel[0], stride=stride[0],
                                       dilation=dilation[0])
            left, right = same_padding(in_size[1], kernel[1], stride=stride[1],
                                       dilation=dilation[1])
            return (top, bottom, left, right)
        if mode == "full":
            ph = dilation[0] * (kernel[0] - 1)
            pw = dilation[1] * (kernel[1] - 1)
            return (ph, ph, pw, pw)
        raise ParameterError(
            f"padding must be one of {', '.join(PADDING_MODES)}, an integer, [ph, pw] or "
            f"[top, bottom, left, right], got {padding!r}",
            field="padding", value=padding, limit="valid | same | full | int | list",
        )
    if _is_int(padding):
        values: tuple[int, ...] = (int(padding),) * 4  # type: ignore[arg-type]
    elif isinstance(padding, Sequence) and all(_is_int(v) for v in padding):
        if len(padding) == 2:
            values = (int(padding[0]), int(padding[0]), int(padding[1]), int(padding[1]))
        elif len(padding) == 4:
            values = tuple(int(v) for v in padding)
        else:
            raise ParameterError(
                f"padding as a list needs 2 values [ph, pw] or 4 [top, bottom, left, right], "
                f"got {len(padding)}",
                field="padding", value=list(padding), limit="2 or 4 integers",
            )
    else:
        raise ParameterError(
            f"padding must be a mode name, an integer or a list of integers, got {padding!r}",
            field="padding", value=padding, limit="valid | same | full | int | list",
        )
    if min(values) < 0:
        raise ParameterError(
            f"padding cannot be negative, got {padding!r}",
            field="padding", value=padding, limit=">= 0",
        )
    return (values[0], values[1], values[2], values[3])


def output_length(n: int, k: int, *, stride: int, dilation: int, before: int, after: int,
                  axis: str = "height") -> int:
    """Cells along one axis: ``floor((n + before + after - dilation*(k-1) - 1) / stride) + 1``.

    Raises
    ------
    GeometryError
        If the dilated kernel is larger than the padded input (the output would be empty);
        the message shows the formula with the numbers.
    """
    span = effective_kernel(k, dilation)
    padded = n + before + after
    if span > padded:
        raise GeometryError(
            f"kernel {axis} {k} (dilated span {span}) is larger than the padded input {axis} "
            f"{padded} = {n} + {before} + {after}: floor(({n} + {before} + {after} - "
            f"{dilation}*({k} - 1) - 1) / {stride}) + 1 = "
            f"{(padded - span) // stride + 1} cells: the output would be empty",
            field="kernel_size", value=k, limit=f"dilated span <= {padded}",
        )
    return (padded - span) // stride + 1


def formula_text(n: int, k: int, *, stride: int, dilation: int, before: int, after: int) -> str:
    """The output-size formula written out with the numbers, ending in its result."""
    out = output_length(n, k, stride=stride, dilation=dilation, before=before, after=after)
    return (f"floor(({n} + {before} + {after} - {dilation}*({k} - 1) - 1) / {stride}) + 1 "
            f"= {out}")


def unreached_indices(n: int, k: int, *, stride: int, dilation: int, before: int,
                      after: int) -> tuple[int, ...]:
    """Input cells (``0 <= i < n``, in order) that no tap of any window reads, along one axis.

    Window ``j`` (``0 <= j < out``) reads padded cells ``j * stride + t * dilation`` for the
    taps ``0 <= t < k``; input cell ``i`` is padded cell ``i + before``. Cells are dropped by
    the floor at the end, stepped over between windows when ``stride`` exceeds the dilated
    span, or fall between the taps of a dilated window. Padding is never reported.
    Example: ``n=8, k=3, stride=4``, valid: windows read 0-2 and 4-6, so ``(3, 7)``.

    Raises
    ------
    GeometryError
        If the output would be empty (see :func:`output_length`).
    """
    out = output_length(n, k, stride=stride, dilation=dilation, before=before, after=after)
    read = bytearray(n + before + after)
    reach = (out - 1) * stride + 1  # the slice below then holds exactly ``out`` cells
    for tap in range(k):
        start = tap * dilation
        read[start:start + reach:stride] = b"\x01" * out
    return tuple(i for i in range(n) if not read[i + before])


def unreached_cells(n: int, k: int, *, stride: int, dilation: int, before: int,
                    after: int) -> int:
    """How many input cells no tap of any window reads: ``len(unreached_indices(...))``."""
    return len(unreached_indices(n, k, stride=stride, dilation=dilation, before=before,
                                 after=after))


def ceil_div(a: int, b: int) -> int:
    """``ceil(a / b)`` for positive ints, without floats."""
    return -(-a // b)


def conv_output_size(in_size: Pair, kernel: Pair, *, stride: Pair, dilation: Pair,
                     padding: Padding4) -> Pair:
    """``(H_out, W_out)`` for explicit padding ``(top, bottom, left, right)``."""
    top, bottom, left, right = padding
    return (
        output_length(in_size[0], kernel[0], stride=stride[0], dilation=dilation[0],
                      before=top, after=bottom, axis="height"),
        output_length(in_size[1], kernel[1], stride=stride[1], dilation=dilation[1],
                      before=left, after=right, axis="width"),
    )


__all__ = [
    "PADDING_MODES",
    "Padding4",
    "PaddingSpec",
    "Pair",
    "as_pair",
    "ceil_div",
    "conv_output_size",
    "effective_kernel",
    "formula_text",
    "output_length",
    "resolve_padding",
    "same_padding",
    "unreached_cells",
    "unreached_indices",
]
