"""The file format of a shipped network: one ``.npz`` of weights, one of held-out examples.

``<name>.npz`` holds ``meta``, a JSON text (name, title, input shape, classes, held-out
accuracy, the layer list), and the float32 arrays it names: ``layer<i>.weights`` and
``layer<i>.bias`` for each conv or dense layer ``i`` (0-based index into the layer list).
``<name>_heldout.npz`` holds ``pixels: (N, H, W) uint8`` and ``labels: (N,) uint8``.

Both are read with ``allow_pickle=False``: the files carry numbers and text, never code.
Writing lives here too (used by ``scripts/train_digits.py``), so the format is stated once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app import engine

META_KEY = "meta"
POOL_TYPES = ("maxpool", "avgpool")


def _read_only(array: NDArray[Any]) -> NDArray[Any]:
    array.setflags(write=False)
    return array


def weight_key(index: int, part: str) -> str:
    """The array name of layer ``index``'s ``part`` (``"weights"`` or ``"bias"``)."""
    return f"layer{index}.{part}"


def layers_from_spec(spec: list[dict[str, Any]],
                     arrays: Mapping[str, NDArray[np.float32]]) -> tuple[engine.Layer, ...]:
    """Engine layers from the ``layers`` list of a model's meta and its weight arrays.

    Parameters
    ----------
    spec : list of dict
        One entry per layer: ``{"type": "conv", "padding": "same", "activation": "relu"}``
        (stride and dilation 1), ``{"type": "maxpool" | "avgpool", "size": 2}``,
        ``{"type": "relu"}`` or ``{"type": "dense"}``.
    arrays : mapping
        ``layer<i>.weights`` (conv ``(K, C, kh, kw)``, dense ``(units, inputs)``) and
        ``layer<i>.bias`` ``(K,)`` for every conv or dense layer ``i``.

    Raises
    ------
    ValueError
        A layer type this format does not know, or a missing array.
    """
    layers: list[engine.Layer] = []
    for index, entry in enumerate(spec):
        kind = entry["type"]
        if kind in ("conv", "dense"):
            try:
                weights = arrays[weight_key(index, "weights")]
                bias = arrays[weight_key(index, "bias")]
            except KeyError as exc:
                raise ValueError(f"layer {index} ({kind}): missing array {exc}") from None
            if kind == "conv":
                layers.append(engine.Conv(weights=weights, bias=bias,
                                          maps=int(weights.shape[0]),
                                          kernel_size=(int(weights.shape[2]),
                                                       int(weights.shape[3])),
                                          padding=entry["padding"],
                                          activation=entry.get("activation", "none")))
            else:
                layers.append(engine.Dense(units=int(weights.shape[0]), weights=weights,
                                           bias=bias))
        elif kind in POOL_TYPES:
            layers.append(engine.Pool(mode=kind.removesuffix("pool"), size=int(entry["size"])))
        elif kind in engine.ACTIVATIONS:
            layers.append(engine.Activation(name=kind))
        else:
            raise ValueError(f"layer {index}: unknown layer type {kind!r}")
    return tuple(layers)


def read_model_file(path: Path) -> tuple[dict[str, Any], tuple[engine.Layer, ...]]:
    """The meta dict and the engine layers of ``path``; every array is float32, read-only."""
    with np.load(path, allow_pickle=False) as data:
        meta: dict[str, Any] = json.loads(str(data[META_KEY]))
        arrays = {key: _read_only(np.ascontiguousarray(data[key], dtype=np.float32))
                  for key in data.files if key != META_KEY}
    return meta, layers_from_spec(meta["layers"], arrays)


def read_heldout_file(path: Path) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """``(pixels: (N, H, W) uint8, labels: (N,) uint8)`` of ``path``, read-only."""
    with np.load(path, allow_pickle=False) as data:
        pixels = np.ascontiguousarray(data["pixels"], dtype=np.uint8)
        labels = np.ascontiguousarray(data["labels"], dtype=np.uint8)
    if pixels.ndim != 3 or labels.shape != (pixels.shape[0],):
        raise ValueError(f"{path.name}: pixels {pixels.shape} and labels {labels.shape} "
                         f"do not match: expected (N, H, W) and (N,)")
    return _read_only(pixels), _read_only(labels)


def write_model_file(path: Path, *, meta: dict[str, Any],
                     arrays: Mapping[str, NDArray[np.float32]]) -> None:
    """Write ``meta`` (JSON) and ``arrays`` (as float32), compressed, to ``path``."""
    layers_from_spec(meta["layers"], arrays)  # refuse a file the loader could not read
    payload: dict[str, Any] = {
        key: np.ascontiguousarray(value, dtype=np.float32) for key, value in arrays.items()}
    payload[META_KEY] = np.array(json.dumps(meta, indent=1))
    np.savez_compressed(path, **payload)


def write_heldout_file(path: Path, *, pixels: NDArray[np.uint8],
                       labels: NDArray[np.uint8]) -> None:
    """Write held-out ``pixels: (N, H, W)`` and ``labels: (N,)`` as uint8, compressed."""
    np.savez_compressed(path, pixels=np.asarray(pixels, dtype=np.uint8),
                        labels=np.asarray(labels, dtype=np.uint8))
