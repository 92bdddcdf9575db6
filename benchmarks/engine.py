"""Engine speed and memory against outside references, all measured in one run.

Prints, for the shapes S1-S7 of ``shared/perf-notes.md``, the engine's median time and its
ratio to ``torch.nn.functional.conv2d`` (2 threads) and to the best SciPy route, plus the
engine's peak memory; then the 3 x 4096 x 4096 / 5x5 memory case.

The engine computes on one core (its products on one OpenBLAS thread, or its im2col copies
on one thread between two-thread products), so the table also gives its ratio to PyTorch
held to one thread, ``x torch1``: how the two compare core for core. The targets are
against PyTorch's two threads.

Machines are noisy: runs are taken in blocks (one library at a time, a pause between blocks,
so one library's spinning worker threads do not steal a core from the other), and only
medians and ratios within this run are reported. ``OPENBLAS_CORETYPE`` slows NumPy's BLAS
on some machines; the script prints what it finds.

With ``--rounds N`` the layers and the pyramid are measured N times over (SciPy and memory
once) and a last table gives, per shape, the median ratio to PyTorch over the rounds, its
range, and in how many rounds the target was met: on these machines one run's ratio can be
off by a third either way.

Usage: ``python benchmarks/engine.py [--quick] [--no-scipy] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine import Conv, Layer, rowconv, run_stack
from app.engine import threads as engine_threads
from app.engine.conv import conv2d
from app.engine.shapes import resolve_padding
from app.http.memory import keep_freed_memory

PAUSE_S = 0.3
BLOCK_RUNS = 3


@dataclass(frozen=True)
class Shape:
    """One benchmark layer: C x H x W input to K maps, square kernel k, stride, padding."""

    name: str
    c: int
    h: int
    w: int
    k_out: int
    k: int
    stride: int
    padding: str

    @property
    def flop(self) -> float:
        pad = resolve_padding(self.padding, in_size=(self.h, self.w), kernel=(self.k, self.k),
                              stride=(self.stride, self.stride))
        ho = (self.h + pad[0] + pad[1] - self.k) // self.stride + 1
        wo = (self.w + pad[2] + pad[3] - self.k) // self.stride + 1
        return 2.0 * self.k_out * self.c * self.k * self.k * ho * wo


SHAPES = [
    Shape("S1", 1, 512, 512, 1, 3, 1, "same"),
    Shape("S2", 3, 512, 512, 8, 3, 1, "same"),
    Shape("S3", 3, 1024, 1024, 8, 5, 2, "same"),
    Shape("S4", 8, 256, 256, 16, 3, 2, "valid"),
    Shape("S5", 16, 128, 128, 32, 3, 1, "same"),
    Shape("S6", 32, 64, 64, 64, 3, 2, "same"),
]
PYRAMID = [(8, 1), (16, 2), (32, 2), (64, 2)]  # S7: (maps, stride), 3x3 same + ReLU each
# Issue #3's targets: the engine's time over PyTorch's, at most.
TARGETS = {"S1": 1.0, "S2": 1.5, "S3": 1.5, "S4": 1.5, "S5": 1.5, "S6": 1.5, "S7": 1.25}


def median_ms(fn: Callable[[], object], *, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def interleaved(fns: dict[str, Callable[[], object]], *, blocks: int) -> dict[str, float]:
    """Medians over ``blocks`` rounds of ``BLOCK_RUNS`` runs per contender, paused between."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(blocks):
        for name, fn in fns.items():
            fn()  # warm-up inside the block: caches and thread pools of this contender
            for _ in range(BLOCK_RUNS):
                t0 = time.perf_counter()
                fn()
                samples[name].append((time.perf_counter() - t0) * 1e3)
            time.sleep(PAUSE_S)
    return {name: statistics.median(v) for name, v in samples.items()}


def peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def on_threads(fn: Callable[[], object], count: int) -> Callable[[], object]:
    """``fn`` run with PyTorch held to ``count`` threads (back to 2 afterwards)."""
    import torch

    def run() -> object:
        torch.set_num_threads(count)
        try:
            return fn()
        finally:
            torch.set_num_threads(2)
    return run


def torch_route(x: np.ndarray, w: np.ndarray, s: Shape) -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    pad = resolve_padding(s.padding, in_size=(s.h, s.w), kernel=(s.k, s.k),
                          stride=(s.stride, s.stride))
    xt = torch.from_numpy(x)[None]
    wt = torch.from_numpy(w)

    def run() -> object:
        with torch.no_grad():
            xp = torch.nn.functional.pad(xt, (pad[2], pad[3], pad[0], pad[1]))
            return torch.nn.functional.conv2d(xp, wt, stride=s.stride)
    return run


def scipy_route(x: np.ndarray, w: np.ndarray, s: Shape) -> Callable[[], object] | None:
    """The best of two SciPy routes (ndimage.correlate per channel pair, oaconvolve per map)."""
    try:
        from scipy import ndimage, signal
    except ImportError:
        return None
    pad = resolve_padding(s.padding, in_size=(s.h, s.w), kernel=(s.k, s.k),
                          stride=(s.stride, s.stride))
    xp = np.pad(x, ((0, 0), (pad[0], pad[1]), (pad[2], pad[3])))
    off = s.k // 2

    def by_ndimage() -> object:
        out = []
        for k in range(s.k_out):
            acc = np.zeros(xp.shape[1:], np.float32)
            for c in range(s.c):
                acc += ndimage.correlate(xp[c], w[k, c], mode="constant")
            out.append(acc[off:xp.shape[1] - (s.k - 1 - off):s.stride,
                           off:xp.shape[2] - (s.k - 1 - off):s.stride])
        return out

    def by_oaconvolve() -> object:
        flipped = w[:, :, ::-1, ::-1]
        return [signal.oaconvolve(xp, flipped[k], mode="valid", axes=(0, 1, 2))[0, ::s.stride,
                                                                                ::s.stride]
                for k in range(s.k_out)]

    t_nd = median_ms(by_ndimage, runs=3)
    t_oa = median_ms(by_oaconvolve, runs=3)
    return by_ndimage if t_nd <= t_oa else by_oaconvolve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer blocks")
    parser.add_argument("--no-scipy", action="store_true", help="skip the SciPy routes")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure the layers and the pyramid this many times")
    args = parser.parse_args()
    blocks = 3 if args.quick else 5
    # the server's allocator setting (app/http/memory.py); it applies to PyTorch's arrays too
    print("malloc keeps freed blocks:", keep_freed_memory())
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')!r} "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE')!r}")
    try:
        from threadpoolctl import threadpool_info
        blas = [f"{i['internal_api']} {i['version']} {i['architecture']} x{i['num_threads']}"
                for i in threadpool_info() if i["user_api"] == "blas"]
        print("BLAS:", ", ".join(blas), f"| engine threads: {engine_threads.THREADS}")
    except ImportError:
        pass
    # which strategy runs which layer (app/engine/conv.py): rows need OpenBLAS's direct sgemm
    print(f"rows for layers of <= {rowconv.MAX_MAPS} maps: "
          f"{'yes' if rowconv.direct_products() else 'no, every layer in blocks'}")
    inputs = [(s, rng.standard_normal((s.c, s.h, s.w)).astype(np.float32),
               rng.standard_normal((s.k_out, s.c, s.k, s.k)).astype(np.float32))
              for s in SHAPES]
    pyramid = pyramid_inputs(rng)
    ratios: dict[str, list[float]] = {name: [] for name in TARGETS}
    ratios1: dict[str, list[float]] = {name: [] for name in TARGETS}
    for i in range(max(1, args.rounds)):
        if args.rounds > 1:
            print(f"round {i + 1} of {args.rounds}")
        first = i == 0
        print(f"{'id':4} {'GFLOP':>6} {'engine ms':>10} {'torch ms':>9} {'x torch':>8} "
              f"{'x torch1':>9} {'scipy ms':>9} {'x scipy':>8} {'peak MiB':>9}")
        for s, x, w in inputs:
            r2, r1 = bench_layer(s, x, w, blocks=blocks, scipy=first and not args.no_scipy,
                                 peak=first)
            ratios[s.name].append(r2)
            ratios1[s.name].append(r1)
        r2, r1 = bench_pyramid(*pyramid, blocks=blocks, peak=first)
        ratios["S7"].append(r2)
        ratios1["S7"].append(r1)
    if args.rounds > 1:
        print_summary(ratios, ratios1)
    bench_memory(rng)


def bench_layer(s: Shape, x: np.ndarray, w: np.ndarray, *, blocks: int, scipy: bool,
                peak: bool) -> tuple[float, float]:
    """One row of the table; returns the ratios to PyTorch on 2 threads and on 1 (NaN
    without PyTorch)."""
    def engine() -> object:
        return conv2d(x, w, stride=s.stride, padding=s.padding)
    fns: dict[str, Callable[[], object]] = {"engine": engine}
    route = torch_route(x, w, s)
    if route is not None:
        fns["torch"] = route
        fns["torch1"] = on_threads(route, 1)
    res = interleaved(fns, blocks=blocks)
    sp = scipy_route(x, w, s) if scipy else None
    t_sp = median_ms(sp, runs=3) if sp is not None else float("nan")
    t_th = res.get("torch", float("nan"))
    r1 = res["engine"] / res.get("torch1", float("nan"))
    mib = f"{peak_mib(engine):9.1f}" if peak else ""
    print(f"{s.name:4} {s.flop / 1e9:6.3f} {res['engine']:10.2f} {t_th:9.2f} "
          f"{res['engine'] / t_th:8.2f} {r1:9.2f} {t_sp:9.1f} {res['engine'] / t_sp:8.3f} "
          f"{mib:>9}")
    return res["engine"] / t_th, r1


def print_summary(ratios: dict[str, list[float]], ratios1: dict[str, list[float]]) -> None:
    """Per shape: median ratio to PyTorch over the rounds, range, rounds meeting the target;
    and the median ratio to PyTorch on one thread."""
    print(f"over {len(ratios['S1'])} rounds: ratio to PyTorch")
    print(f"{'id':4} {'median':>7} {'min':>6} {'max':>6} {'target':>8} {'met in':>8} "
          f"{'x torch1':>9}")
    for name, values in ratios.items():
        target = TARGETS[name]
        measured = [v for v in values if not np.isnan(v)]  # NaN: no PyTorch that round
        if not measured:
            print(f"{name:4} no PyTorch to compare with")
            continue
        met = sum(v <= target for v in measured)
        ones = [v for v in ratios1[name] if not np.isnan(v)]
        one = statistics.median(ones) if ones else float("nan")
        print(f"{name:4} {statistics.median(measured):7.2f} {min(measured):6.2f} "
              f"{max(measured):6.2f} {'<= ' + str(target):>8} {met:>3} of {len(values)} "
              f"{one:9.2f}")


def pyramid_inputs(rng: np.random.Generator) -> tuple[np.ndarray, list[Layer],
                                                      list[tuple[np.ndarray, int]]]:
    """S7's input, its layers for the engine and (weights, stride) for PyTorch."""
    x = rng.standard_normal((3, 512, 512)).astype(np.float32)
    layers: list[Layer] = []
    weights = []
    c = 3
    for maps, stride in PYRAMID:
        w = (rng.standard_normal((maps, c, 3, 3)) * 0.2).astype(np.float32)
        weights.append((w, stride))
        layers.append(Conv(weights=w, bias=np.zeros(maps, np.float32), stride=stride,
                           padding="same", activation="relu"))
        c = maps
    return x, layers, weights


def bench_pyramid(x: np.ndarray, layers: list[Layer], weights: list[tuple[np.ndarray, int]],
                  *, blocks: int, peak: bool) -> tuple[float, float]:
    """S7's row of the table; returns the ratios to PyTorch on 2 threads and on 1 (NaN
    without PyTorch)."""
    def engine() -> object:
        return run_stack(x, layers)
    fns: dict[str, Callable[[], object]] = {"engine": engine}
    try:
        import torch
        torch.set_num_threads(2)

        def torch_pyramid() -> object:
            with torch.no_grad():
                h = torch.from_numpy(x)[None]
                for w, stride in weights:
                    size = h.shape[-1]
                    out = -(-size // stride)
                    total = max((out - 1) * stride + 3 - size, 0)
                    pad = (total // 2, total - total // 2)
                    h = torch.nn.functional.pad(h, (pad[0], pad[1], pad[0], pad[1]))
                    h = torch.relu(torch.nn.functional.conv2d(h, torch.from_numpy(w),
                                                              stride=stride))
                return h
        fns["torch"] = torch_pyramid
        fns["torch1"] = on_threads(torch_pyramid, 1)
    except ImportError:
        pass
    res = interleaved(fns, blocks=blocks)
    t_th = res.get("torch", float("nan"))
    r1 = res["engine"] / res.get("torch1", float("nan"))
    mib = f"{peak_mib(engine):9.1f}" if peak else ""
    print(f"{'S7':4} {0.566:6.3f} {res['engine']:10.2f} {t_th:9.2f} "
          f"{res['engine'] / t_th:8.2f} {r1:9.2f} {'':>9} {'':>8} {mib:>9}")
    return res["engine"] / t_th, r1


def bench_memory(rng: np.random.Generator) -> None:
    """3 x 4096 x 4096 through a 5x5 layer of 8 maps, same padding: whole-process peak."""
    x = rng.standard_normal((3, 4096, 4096)).astype(np.float32)
    w = rng.standard_normal((8, 3, 5, 5)).astype(np.float32)
    inputs = (x.nbytes + w.nbytes) / 2**20
    peak = peak_mib(lambda: conv2d(x, w, padding="same"))
    print(f"memory: 3x4096x4096 -> 8 maps, 5x5 same: input {inputs:.0f} MiB, output "
          f"{8 * 4096 * 4096 * 4 / 2**20:.0f} MiB, engine peak during the call {peak:.0f} MiB, "
          f"total with input {peak + inputs:.0f} MiB (target < 1024)")


if __name__ == "__main__":
    main()
