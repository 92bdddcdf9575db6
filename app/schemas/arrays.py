"""Nested JSON arrays <-> float32 NumPy arrays, as a pydantic type with clear 422s.

Validation is one ``np.array`` call in C rather than pydantic walking every number: a
3 x 256 x 256 input is 200k values. Ragged rows, strings, booleans, nulls and numbers that
do not fit float32 are refused with a message naming what is wrong; pydantic adds the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

Array = NDArray[np.float32]
NUMERIC_KINDS = "iuf"
AXES = "KCHW"


def to_array(value: Any, *, ndims: tuple[int, ...]) -> Array:
    """``value`` as a C-contiguous float32 array with one of ``ndims`` dimensions.

    Raises
    ------
    PydanticCustomError
        ``ragged_array``, ``not_numbers``, ``wrong_dimensions``, ``empty_array`` or
        ``not_finite``.
    """
    if isinstance(value, np.ndarray):
        arr = value
    else:
        if not isinstance(value, list):
            raise PydanticCustomError("not_array", "must be a nested array of numbers")
        try:
            arr = np.array(value)
        except (ValueError, TypeError, OverflowError) as exc:
            raise PydanticCustomError(
                "ragged_array",
                "must be a rectangular array: every row needs the same length ({reason})",
                {"reason": str(exc).split(". ")[-1][:80]}) from None
    if arr.dtype.kind not in NUMERIC_KINDS:
        raise PydanticCustomError("not_numbers",
                                  "must contain only numbers (found {kind} values)",
                                  {"kind": _kind_name(arr.dtype.kind)})
    wanted = " or ".join(str(n) for n in ndims)
    if arr.ndim not in ndims:
        raise PydanticCustomError(
            "wrong_dimensions", "must have {wanted} dimensions, got shape {shape}",
            {"wanted": wanted, "shape": list(arr.shape)})
    if arr.size == 0:
        raise PydanticCustomError("empty_array", "must not be empty, got shape {shape}",
                                  {"shape": list(arr.shape)})
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(out).all():
        raise PydanticCustomError(
            "not_finite", "values must be finite and within float32 range (|x| < 3.4e38)")
    return out


def _kind_name(kind: str) -> str:
    return {"U": "text", "S": "text", "b": "boolean", "O": "null or non-numeric"}.get(
        kind, "non-numeric")


def _nested_schema(depth: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "number"}
    for _ in range(depth):
        schema = {"type": "array", "items": schema, "minItems": 1}
    return schema


def _validator(ndims: tuple[int, ...]) -> Callable[[Any], Array]:
    return lambda value: to_array(value, ndims=ndims)


def _serialize(value: Array) -> Any:
    return value.tolist()


def _annotations(*ndims: int, description: str) -> tuple[Any, ...]:
    schemas = [_nested_schema(n) for n in ndims]
    schema = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    return (PlainValidator(_validator(ndims)),
            PlainSerializer(_serialize, return_type=list[Any]),
            WithJsonSchema({**schema, "description": description}))


_V1, _S1, _J1 = _annotations(1, description="A list of numbers.")
_V2, _S2, _J2 = _annotations(2, description="A 2-D array of numbers (rows of equal length).")
_V4, _S4, _J4 = _annotations(4, description="A 4-D array K x C x kh x kw of numbers.")
_V23, _S23, _J23 = _annotations(3, 2, description="C x H x W, or H x W meaning C = 1.")

Tensor1 = Annotated[Array, _V1, _S1, _J1]
Tensor2 = Annotated[Array, _V2, _S2, _J2]
Tensor4 = Annotated[Array, _V4, _S4, _J4]
Image23 = Annotated[Array, _V23, _S23, _J23]
