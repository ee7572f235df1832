"""Every benchmark, for edutorch on each backend, hand-written numpy and torch (when installed).

    python benchmarks/run.py [--quick] [--rounds 9] [--json out.json] [--only mlp,lenet,...]
    OPENBLAS_NUM_THREADS=1 python benchmarks/run.py   # what the numba backend wants on 2 cores

Workloads come from the other scripts (train_step.py: MLP and LeNet-5 steps; conv.py: Conv2d and
max-pool forward+backward; overhead.py: autograd per-op cost; trace_overhead.py: recording cost),
all implementations of one workload interleaved in one process (medians of rounds). The backend
is global, so each edutorch step selects its backend before running. Peak memory of the LeNet
step is measured in a fresh subprocess per implementation (``ru_maxrss`` after 5 steps), and so is
what the first LeNet step pays (numba: JIT compile with an empty cache, then loading it warm).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conv  # noqa: E402
import overhead  # noqa: E402
import trace_overhead  # noqa: E402
import train_step  # noqa: E402
from _harness import machine, time_interleaved, try_torch  # noqa: E402

from edutorch import backends  # noqa: E402

BACKENDS = ["numpy"] + (["numba"] if importlib.util.find_spec("numba") else [])
HAND = "numpy (by hand)"


def _on(backend, fn):
    def step():
        backends.set_backend(backend)
        return fn()

    return step


def _per_backend(make):
    """{name: step} from ``make()`` for every backend, edutorch entries renamed per backend."""
    steps = {}
    for b in BACKENDS:
        backends.set_backend(b)
        for name, fn in make().items():
            if name.startswith("edutorch"):
                steps[name.replace("edutorch", f"edutorch[{b}]", 1)] = _on(b, fn)
            elif name not in steps:
                steps[name] = fn
    backends.set_backend("numpy")
    return steps


def _rename(steps):
    return {HAND if k == "numpy" else k: v for k, v in steps.items()}


def _torch_with(threads):
    """try_torch, then ``threads`` intra-op threads (the scripts use 2); patched into the scripts
    that look torch up themselves. On a loaded 2-core machine torch's 2-thread pool stalls when
    another process holds a core (a 128x784x256 matmul: 0.7 ms on 1 thread, 9 ms on 2)."""

    def get():
        torch = try_torch()
        if torch is not None:
            torch.set_num_threads(threads)
        return torch

    train_step.try_torch = get
    return get()


WORKLOADS = ("mlp", "lenet", "conv", "pool", "overhead", "trace")


def timed_workloads(rounds, repeat, torch_threads=2, only=WORKLOADS):
    """{workload: {implementation: median ms}} for the workloads named in ``only``."""
    torch = _torch_with(torch_threads)
    threads = torch_threads  # train_step sets torch's (global) thread count itself
    data = conv._data()
    makers = {
        "MLP step (batch 128)": ("mlp", lambda: train_step.workloads("mlp", 128, threads)),
        "LeNet-5 step (batch 64)": ("lenet", lambda: train_step.workloads("lenet", 64, threads)),
        "Conv2d fwd+bwd 32x16x32x32": ("conv", lambda: _rename(conv.conv_workloads(data, torch))),
        "MaxPool2d fwd+bwd 32x32x32x32": (
            "pool",
            lambda: _rename(conv.pool_workloads(data, torch)),
        ),
    }
    results = {}
    for title, (key, make) in makers.items():
        if key not in only:
            continue
        medians = time_interleaved(_per_backend(make), rounds=rounds, repeat=repeat)
        results[title] = {k: v * 1e3 for k, v in medians.items()}
        print(f"  done: {title}", file=sys.stderr)
    if "overhead" in only:
        steps = {"edutorch": overhead.chain(__import__("edutorch"), 1000)}
        if torch is not None:
            steps["torch"] = overhead.chain(torch, 1000)
        medians = time_interleaved(steps, rounds=rounds, repeat=max(1, repeat // 2))
        results["autograd overhead, us/op (1,000 ops on 4x4)"] = {
            k: v / 1001 * 1e6 for k, v in medians.items()
        }
    if "trace" not in only:
        return results
    trace = {}
    for b in BACKENDS:
        backends.set_backend(b)
        trace[f"edutorch[{b}] recorded/unrecorded"] = trace_overhead.main(["--rounds", str(rounds)])
    backends.set_backend("numpy")
    results["trace recording cost (ratio), LeNet batch 8"] = trace
    return results


# ------------------------------------------------------------------------------ peak memory
def _lenet_step(impl):
    """One LeNet-5 training step (batch 64) for ``impl``: HAND, "torch" or "edutorch[backend]"."""
    import numpy as np

    rng = np.random.default_rng(0)
    weights = train_step._lenet_weights(rng)
    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 64).astype(np.int64)
    if impl == HAND:
        from reference_numpy import LeNet5

        ref = LeNet5(weights, train_step.LR)
        return lambda: ref.step(x, y)
    if impl == "torch":
        lib = try_torch()
    else:
        import edutorch as lib

        backends.set_backend(impl.split("[")[1].rstrip("]"))
    model = train_step.build_lenet(lib)
    train_step._load(lib, model, weights)
    return train_step._library_step(lib, model, x, y)


def _memory_child(impl):
    """Run 5 LeNet steps with one implementation only; print the peak RSS in MiB."""
    step = _lenet_step(impl)
    for _ in range(5):
        step()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _run_child(*args, env=None):
    """The last word this script prints when run with ``args`` in a child process."""
    # through a shell that forks the child: Linux keeps ru_maxrss across exec, so a child
    # forked straight from this (big) process would report this process' peak
    proc = subprocess.run(
        ["/bin/sh", "-c", '"$0" "$@"; exit $?', sys.executable, os.path.abspath(__file__), *args],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    return float(proc.stdout.split()[-1])


def peak_memory():
    impls = [f"edutorch[{b}]" for b in BACKENDS] + [HAND]
    if importlib.util.find_spec("torch"):
        impls.append("torch")
    return {impl: _run_child("--memory-child", impl) for impl in impls}


# ------------------------------------------------------------------------------ JIT compile time
def _compile_child(backend):
    """First LeNet step minus a steady one, in ms: what the first call pays to compile/load."""
    step = _lenet_step(f"edutorch[{backend}]")
    times = []
    for _ in range(4):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    print((times[0] - sorted(times[1:])[1]) * 1e3)


def compile_time():
    """Extra cost of the first LeNet step per backend, ms; numba with a cold then a warm cache."""
    out = {"edutorch[numpy] first step": _run_child("--compile-child", "numpy")}
    if "numba" in BACKENDS:
        with tempfile.TemporaryDirectory() as cache:
            # an empty cache: what a new machine pays once, then what every later process pays
            env = {**os.environ, "NUMBA_CACHE_DIR": cache}
            out["edutorch[numba] first step, cold cache"] = _run_child(
                "--compile-child", "numba", env=env
            )
            out["edutorch[numba] first step, warm cache"] = _run_child(
                "--compile-child", "numba", env=env
            )
    return out


# ------------------------------------------------------------------------------ report
def table(results):
    lines = ["| workload | implementation | median | vs torch | vs numpy (by hand) |"]
    lines.append("|---|---|---|---|---|")
    for title, meds in results.items():
        ref_t, ref_h = meds.get("torch"), meds.get(HAND)
        for name, v in meds.items():
            rt = f"{v / ref_t:.2f}x" if ref_t and "ratio" not in title else ""
            rh = f"{v / ref_h:.2f}x" if ref_h else ""
            lines.append(f"| {title} | {name} | {v:.3f} | {rt} | {rh} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 rounds, 2 calls per round")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--torch-threads", type=int, default=2, help="torch intra-op threads")
    ap.add_argument(
        "--only",
        default=",".join(WORKLOADS + ("memory", "compile")),
        help="comma-separated subset of: " + ", ".join(WORKLOADS + ("memory", "compile")),
    )
    ap.add_argument("--memory-child", help=argparse.SUPPRESS)
    ap.add_argument("--compile-child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_child:
        return _memory_child(args.memory_child)
    if args.compile_child:
        return _compile_child(args.compile_child)
    only = args.only.split(",")
    rounds, repeat = (3, 2) if args.quick else (args.rounds, 5)
    results = timed_workloads(rounds, repeat, args.torch_threads, only)
    if "memory" in only:
        results["peak RSS of the LeNet step, MiB"] = peak_memory()
    if "compile" in only:
        results["first-step (JIT compile/load) cost of LeNet, ms"] = compile_time()
    info = {
        **machine(),
        "load average": os.getloadavg(),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "backends": BACKENDS,
        "rounds": rounds,
        "torch threads": args.torch_threads,
    }
    print(f"\n{json.dumps(info)}\n")
    print(table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "results": results}, f, indent=2)
    return results


if __name__ == "__main__":
    main()
