"""Engine speed and memory against outside references, all measured in one run.

For the shapes S1-S7 (defined in docs/perf.md) prints first the **core-for-core** table: the
engine with NumPy's OpenBLAS held to one thread (threadpoolctl) against
``torch.nn.functional.conv2d`` held to one thread (``torch.set_num_threads(1)``), with the
goals S7 <= 1.0x and every single layer <= 1.25x. Then, for the record, both on two threads
(against issue #3's old targets), the best SciPy route and the engine's peak memory; then
the 3 x 4096 x 4096 / 5x5 memory case.

Machines are noisy: runs are taken in blocks (one contender at a time, a pause between
blocks, so one library's spinning worker threads do not steal a core from the other), and
only medians and ratios within this run are reported. ``OPENBLAS_CORETYPE`` and
``OPENBLAS_L2_SIZE`` change NumPy's BLAS kernels; the script prints what it finds and which
kernel ran.

With ``--cpu`` the one-thread contenders are timed by the calling thread's CPU time instead
of the wall clock: on a machine shared with other work, a thread descheduled mid-run adds
wall time but no CPU time (both contenders run all their work on the calling thread then).

With ``--rounds N`` the layers and the pyramid are measured N times over (SciPy and memory
once) and two summaries give, per shape, the median ratio over the rounds, its range and in
how many rounds the goal (target) was met: core for core first, then two threads.

Usage: ``python benchmarks/engine.py [--quick] [--no-scipy] [--no-memory] [--cpu]
[--rounds N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine import Conv, Layer, conv2d, resolve_padding, run_stack
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
# The goal (issue #16): the engine's time over PyTorch's, both held to one thread, at most.
GOALS = {"S1": 1.25, "S2": 1.25, "S3": 1.25, "S4": 1.25, "S5": 1.25, "S6": 1.25, "S7": 1.0}
# For the record, issue #3's targets against PyTorch's two threads.
TARGETS = {"S1": 1.0, "S2": 1.5, "S3": 1.5, "S4": 1.5, "S5": 1.5, "S6": 1.5, "S7": 1.25}
# Contenders: the engine and PyTorch, each held to one thread, then each on two.
CONTENDERS = ("engine1", "torch1", "engine2", "torch2")


def median_ms(fn: Callable[[], object], *, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


@dataclass(frozen=True)
class Contender:
    """A function to time, the thread setting its blocks of runs are taken under, and its
    clock: wall time, or (``cpu``, for one thread) the calling thread's CPU time."""

    fn: Callable[[], object]
    threads: Callable[[], AbstractContextManager[object]]
    cpu: bool = False


def interleaved(contenders: dict[str, Contender], *, blocks: int) -> dict[str, float]:
    """Medians over ``blocks`` rounds of ``BLOCK_RUNS`` runs per contender, paused between."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(blocks):
        for name, c in contenders.items():
            clock = time.thread_time if c.cpu else time.perf_counter
            with c.threads():
                c.fn()  # warm-up inside the block: caches and thread pools of this contender
                for _ in range(BLOCK_RUNS):
                    t0 = clock()
                    c.fn()
                    samples[name].append((clock() - t0) * 1e3)
            time.sleep(PAUSE_S)
    return {name: statistics.median(v) for name, v in samples.items()}


def peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def blas_threads(count: int) -> AbstractContextManager[object]:
    """NumPy's BLAS held to ``count`` threads meanwhile (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(limits=count, user_api="blas")


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """PyTorch held to ``count`` threads meanwhile (back to 2 afterwards)."""
    import torch

    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(2)


def contenders(engine: Callable[[], object], torch: Callable[[], object] | None, *,
               cpu: bool = False) -> dict[str, Contender]:
    """The engine and (when installed) PyTorch, on one thread each (timed by ``cpu`` time
    if asked), then on two each (wall time)."""
    out = {"engine1": Contender(engine, lambda: blas_threads(1), cpu)}
    if torch is not None:
        out["torch1"] = Contender(torch, lambda: torch_threads(1), cpu)
    out["engine2"] = Contender(engine, lambda: blas_threads(2))
    if torch is not None:
        out["torch2"] = Contender(torch, lambda: torch_threads(2))
    return out


def ratios_of(res: dict[str, float]) -> tuple[float, float]:
    """The engine's time over PyTorch's on one thread each, and on two (NaN without it)."""
    nan = float("nan")
    return (res["engine1"] / res.get("torch1", nan), res["engine2"] / res.get("torch2", nan))


def torch_route(x: np.ndarray, w: np.ndarray, s: Shape) -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
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
    parser.add_argument("--no-memory", action="store_true", help="skip the 4096 memory case")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure the layers and the pyramid this many times")
    parser.add_argument("--cpu", action="store_true",
                        help="time the one-thread contenders by the calling thread's CPU "
                             "time (a machine shared with other work)")
    args = parser.parse_args()
    blocks = 3 if args.quick else 5
    # the server's allocator setting (app/http/memory.py); it applies to PyTorch's arrays too
    print("malloc keeps freed blocks:", keep_freed_memory())
    print_setup()
    rng = np.random.default_rng(0)
    inputs = [(s, rng.standard_normal((s.c, s.h, s.w)).astype(np.float32),
               rng.standard_normal((s.k_out, s.c, s.k, s.k)).astype(np.float32))
              for s in SHAPES]
    pyramid = pyramid_inputs(rng)
    ratios1: dict[str, list[float]] = {name: [] for name in GOALS}
    ratios2: dict[str, list[float]] = {name: [] for name in GOALS}
    for i in range(max(1, args.rounds)):
        if args.rounds > 1:
            print(f"round {i + 1} of {args.rounds}")
        first = i == 0
        clock = "CPU" if args.cpu else "wall"
        print(f"{'':4} {'':6} {f'core for core (1 thread each, {clock})':^37} | "
              f"{'for the record: 2 threads each, SciPy':^46}")
        print(f"{'id':4} {'GFLOP':>6} {'engine ms':>10} {'torch ms':>9} {'x torch':>8} "
              f"{'goal':>6} | {'engine ms':>10} {'torch ms':>9} {'x torch':>8} "
              f"{'scipy ms':>9} {'x scipy':>8} {'peak MiB':>9}")
        for s, x, w in inputs:
            r1, r2 = bench_layer(s, x, w, blocks=blocks, scipy=first and not args.no_scipy,
                                 peak=first, cpu=args.cpu)
            ratios1[s.name].append(r1)
            ratios2[s.name].append(r2)
        r1, r2 = bench_pyramid(*pyramid, blocks=blocks, peak=first, cpu=args.cpu)
        ratios1["S7"].append(r1)
        ratios2["S7"].append(r2)
    if args.rounds > 1:
        print_core_summary(ratios1)
        print_summary(ratios2, ratios1)
    if not args.no_memory:
        bench_memory(rng)


def print_setup() -> None:
    """NumPy, the OpenBLAS environment, the kernel that runs, and the strategies it gets."""
    print(f"numpy {np.__version__}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')!r} "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE')!r}")
    try:
        from threadpoolctl import threadpool_info
        blas = [f"{i['internal_api']} {i['version']} {i['architecture']} x{i['num_threads']}"
                for i in threadpool_info() if i["user_api"] == "blas"]
        print("BLAS (threadpoolctl):", ", ".join(blas))
    except ImportError:
        pass
    try:  # which strategy runs which layer (app/engine/fast/choose.py)
        from app.engine.fast.choose import ROWS_MAX_MAPS, direct_sgemm
        print(f"rows for layers of <= {ROWS_MAX_MAPS} maps: "
              f"{'yes' if direct_sgemm() else 'no, every layer in blocks'}")
    except ImportError:  # an engine from before app/engine/fast (A/B against an old commit)
        print("engine from before app/engine/fast/")


def bench_layer(s: Shape, x: np.ndarray, w: np.ndarray, *, blocks: int, scipy: bool,
                peak: bool, cpu: bool = False) -> tuple[float, float]:
    """One row of the table; returns the ratios to PyTorch on one thread each and on two
    each (NaN without PyTorch)."""
    def engine() -> object:
        return conv2d(x, w, stride=s.stride, padding=s.padding)
    res = interleaved(contenders(engine, torch_route(x, w, s), cpu=cpu), blocks=blocks)
    sp = scipy_route(x, w, s) if scipy else None
    t_sp = median_ms(sp, runs=3) if sp is not None else float("nan")
    mib = f"{peak_mib(engine):9.1f}" if peak else ""
    print_row(s.name, s.flop, res, t_sp, mib)
    return ratios_of(res)


def print_row(name: str, flop: float, res: dict[str, float], t_scipy: float, mib: str) -> None:
    nan = float("nan")
    r1, r2 = ratios_of(res)
    print(f"{name:4} {flop / 1e9:6.3f} {res['engine1']:10.2f} {res.get('torch1', nan):9.2f} "
          f"{r1:8.2f} {'<= ' + str(GOALS[name]):>6} | {res['engine2']:10.2f} "
          f"{res.get('torch2', nan):9.2f} {r2:8.2f} {t_scipy:9.1f} "
          f"{res['engine1'] / t_scipy:8.3f} {mib:>9}")


def print_core_summary(ratios1: dict[str, list[float]]) -> None:
    """Per shape, core for core: median ratio to PyTorch over the rounds, range, rounds
    meeting the goal."""
    print(f"over {len(ratios1['S1'])} rounds, core for core: engine (OpenBLAS on 1 thread) "
          "over PyTorch (1 thread)")
    print(f"{'id':4} {'median':>7} {'min':>6} {'max':>6} {'goal':>8} {'met in':>8}")
    for name, values in ratios1.items():
        measured = [v for v in values if not np.isnan(v)]
        if not measured:
            print(f"{name:4} no PyTorch to compare with")
            continue
        met = sum(v <= GOALS[name] for v in measured)
        print(f"{name:4} {statistics.median(measured):7.2f} {min(measured):6.2f} "
              f"{max(measured):6.2f} {'<= ' + str(GOALS[name]):>8} {met:>3} of {len(values)}")


def print_summary(ratios: dict[str, list[float]], ratios1: dict[str, list[float]]) -> None:
    """For the record, per shape: median ratio to PyTorch on two threads over the rounds,
    range, rounds meeting issue #3's target; and the median core-for-core ratio."""
    print(f"over {len(ratios['S1'])} rounds, for the record: both on two threads")
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
                  *, blocks: int, peak: bool, cpu: bool = False) -> tuple[float, float]:
    """S7's row of the table; returns the ratios to PyTorch on one thread each and on two
    each (NaN without PyTorch)."""
    def engine() -> object:
        return run_stack(x, layers)
    torch_pyramid: Callable[[], object] | None = None
    try:
        import torch

        def torch_run() -> object:
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
        torch_pyramid = torch_run
    except ImportError:
        pass
    res = interleaved(contenders(engine, torch_pyramid, cpu=cpu), blocks=blocks)
    mib = f"{peak_mib(engine):9.1f}" if peak else ""
    print_row("S7", 0.566e9, res, float("nan"), mib)
    return ratios_of(res)


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
