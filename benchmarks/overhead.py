"""Autograd overhead per op: a chain of 1,000 small elementwise ops on 4x4 float32 tensors, then
backward, for edutorch and (when installed) torch, interleaved in one process.

    python benchmarks/overhead.py [--rounds 9] [--ops 1000] [--json out.json] [--profile]

On 4x4 tensors the maths is nearly free, so the time is the framework's own bookkeeping:
creating graph nodes, dispatching, and walking the graph backwards. Targets for the per-op time
against torch's: within 3x (issue 2), then at most 1.0x (issue 4).
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import report, time_interleaved, try_torch, write_json  # noqa: E402

import edutorch  # noqa: E402


def chain(T, n_ops):
    """A step: ``n_ops`` elementwise ops (a mix of the common ones), then backward."""
    x = T.randn(4, 4, requires_grad=True)
    w = T.randn(4, 4)

    def step():
        x.grad = None
        y = x
        for i in range(n_ops // 4):  # four ops per turn
            y = y * w
            y = y + 1.0
            y = y.tanh() if i % 2 else y.sigmoid()
            y = y - x
        y.sum().backward()

    return step


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--ops", type=int, default=1000)
    ap.add_argument("--json")
    ap.add_argument("--profile", action="store_true", help="cProfile the edutorch step instead")
    args = ap.parse_args(argv)
    n_ops = args.ops + 1  # the chain plus the final sum
    edutorch.manual_seed(0)
    if args.profile:
        import cProfile
        import pstats

        step = chain(edutorch, args.ops)
        cProfile.runctx(
            "for _ in range(20): step()", globals(), {"step": step}, "/tmp/overhead.prof"
        )
        pstats.Stats("/tmp/overhead.prof").sort_stats("tottime").print_stats(25)
        return None
    workloads = {"edutorch": chain(edutorch, args.ops)}
    torch = try_torch()
    if torch is not None:
        torch.manual_seed(0)
        workloads["torch"] = chain(torch, args.ops)
    medians = time_interleaved(workloads, rounds=args.rounds, repeat=3)
    per_op = {name: sec / n_ops * 1e6 for name, sec in medians.items()}
    report(
        f"chain of {args.ops} elementwise ops on 4x4 + backward",
        medians,
        "torch" if torch else None,
    )
    print()
    for name, us in per_op.items():
        print(f"  {name:<10} {us:8.2f} us/op")
    ratio = per_op["edutorch"] / per_op["torch"] if torch is not None else None
    if ratio is not None:
        print(f"  edutorch / torch = {ratio:.2f}x (targets: within 3x, issue 2; <= 1.0x, issue 4)")
    if args.json:
        write_json(args.json, {"unit": "us/op", "ops": n_ops, "per_op": per_op, "ratio": ratio})
    return ratio


if __name__ == "__main__":
    main()
