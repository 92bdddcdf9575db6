"""Readers of the CSP1/CST1 binary formats, written from docs/api.md (not from the server)."""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np


def read_frame(body: bytes, magic: bytes) -> tuple[dict[str, Any], memoryview]:
    """Header and data section of a ``magic`` frame; checks the framing rules."""
    assert body[:4] == magic, body[:16]
    (length,) = struct.unpack("<I", body[4:8])
    header = json.loads(body[8:8 + length].decode("utf-8"))
    start = 8 + length
    padding = -start % 4
    assert body[start:start + padding] == b"\0" * padding
    return header, memoryview(body)[start + padding:]


def read_pyramid(body: bytes) -> tuple[dict[str, Any], list[np.ndarray]]:
    """Header and, per layer, the decoded previews ``(K, h, w)`` float32 values."""
    header, data = read_frame(body, b"CSP1")
    assert len(data) == header["bytes"]
    layers = []
    for layer in header["layers"]:
        h, w = layer["preview_shape"]
        maps = []
        for m in layer["maps"]:
            q = np.frombuffer(data, dtype=np.uint8, count=h * w, offset=m["offset"])
            lo, hi = m["min"], m["max"]
            maps.append((lo + q.astype(np.float64) * (hi - lo) / 255).reshape(h, w))
        layers.append(np.stack(maps))
    return header, layers


def read_tensor(body: bytes) -> tuple[dict[str, Any], np.ndarray]:
    """Header and the float32 values ``(n, H, W)``."""
    header, data = read_frame(body, b"CST1")
    n, h, w = header["shape"]
    assert header["dtype"] == "float32"
    values = np.frombuffer(data, dtype="<f4")
    assert values.size == n * h * w
    return header, values.reshape(n, h, w)
