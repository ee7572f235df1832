"""Timing harness shared by the benchmarks: interleaved rounds, medians, ratios, JSON.

Every implementation of a workload runs in the same process, round-robin, so that drift in the
machine's speed hits all of them alike; we report medians and ratios to a reference.
"""

from __future__ import annotations

import json
import platform
import statistics
import time


def time_interleaved(workloads: dict, rounds: int = 9, repeat: int = 5, warmup: int = 2) -> dict:
    """{name: step_fn} -> {name: median seconds per call}; a round calls each fn `repeat` times."""
    for fn in workloads.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in workloads}
    items = list(workloads.items())
    for r in range(rounds):
        # rotate the order: torch's OpenMP threads spin for a few ms after torch returns and slow
        # down whatever runs next (measured: a GEMM right after torch took 2x as long)
        for name, fn in items[r % len(items) :] + items[: r % len(items)]:
            start = time.perf_counter()
            for _ in range(repeat):
                fn()
            samples[name].append((time.perf_counter() - start) / repeat)
    return {name: statistics.median(s) for name, s in samples.items()}


def report(title, medians: dict, reference: str | None, unit: float = 1e3, unit_name: str = "ms"):
    """Print a small table: each implementation's median and its ratio to ``reference``."""
    print(f"\n{title}")
    ref = medians.get(reference) if reference else None
    for name, sec in medians.items():
        ratio = f"{sec / ref:6.2f}x {reference}" if ref else ""
        print(f"  {name:<22} {sec * unit:10.3f} {unit_name}  {ratio}")


def machine() -> dict:
    import os

    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
    }


def write_json(path, results: dict):
    with open(path, "w") as f:
        json.dump({"machine": machine(), "results": results}, f, indent=2)


def try_torch():
    """torch with 2 threads, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    return torch
