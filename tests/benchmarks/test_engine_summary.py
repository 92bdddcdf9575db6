"""``benchmarks/engine.py --rounds``: the summary that judges the targets over rounds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from engine import TARGETS, print_summary


def test_summary_counts_the_rounds_that_meet_each_target(
        capsys: pytest.CaptureFixture[str]) -> None:
    ratios = {name: [target - 0.1, target, target + 0.1] for name, target in TARGETS.items()}
    ratios["S7"] = [1.2, 1.3, float("nan")]  # a round without PyTorch meets nothing
    ratios["S6"] = [float("nan")]
    # against PyTorch on one thread: only the median is given
    ratios1 = {name: [0.8, 0.9, 1.4] for name in TARGETS}
    ratios1["S7"] = [1.0, 1.1, float("nan")]
    print_summary(ratios, ratios1)
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[2:]}
    assert set(rows) == set(TARGETS)
    # median, min, max, target, met, median against PyTorch on one thread
    assert rows["S1"][1:4] == ["1.00", "0.90", "1.10"]
    assert rows["S1"][-4:] == ["2", "of", "3", "0.90"]  # equal to the target meets it
    assert rows["S4"][4:6] == ["<=", "1.5"]
    assert rows["S7"][1:4] == ["1.25", "1.20", "1.30"]
    assert rows["S7"][-4:] == ["1", "of", "3", "1.05"]
    assert rows["S6"][1:] == ["no", "PyTorch", "to", "compare", "with"]
