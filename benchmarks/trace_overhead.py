"""Cost of recording a trace: LeNet-5 forward + backward on batch 8, recorded vs not.

    python benchmarks/trace_overhead.py [--rounds 9] [--json out.json]

Target (issue 6): recording costs less than 5x the unrecorded pass.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import report, time_interleaved, write_json  # noqa: E402
from train_step import build_lenet  # noqa: E402

import edutorch  # noqa: E402
from edutorch import trace  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    edutorch.manual_seed(0)
    model = build_lenet(edutorch)
    x = edutorch.randn(8, 1, 28, 28)
    y = edutorch.randint(0, 10, (8,))
    loss_fn = edutorch.nn.CrossEntropyLoss()

    def plain():
        model.zero_grad()
        loss_fn(model(x), y).backward()

    def recorded():
        model.zero_grad()
        with trace.record() as tape:
            loss_fn(model(x), y).backward()
        return tape

    tape = recorded()
    medians = time_interleaved({"unrecorded": plain, "recorded": recorded}, rounds=args.rounds)
    report("LeNet-5 forward+backward, batch 8", medians, "unrecorded")
    ratio = medians["recorded"] / medians["unrecorded"]
    print(f"  {len(tape.steps)} steps recorded; recording costs {ratio:.2f}x (target < 5x)")
    if args.json:
        write_json(args.json, {"unit": "ms", "lenet_b8": {k: v * 1e3 for k, v in medians.items()},
                               "ratio": ratio})  # fmt: skip
    return ratio


if __name__ == "__main__":
    main()
