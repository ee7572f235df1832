"""One SGD training step of an MLP and of LeNet-5: edutorch vs torch CPU vs hand-written numpy.

    python benchmarks/train_step.py [--model mlp|lenet|both] [--rounds 9] [--torch-threads 2]
                                    [--json out.json]

All three start from the same weights and data; the first step's losses are checked to agree
before anything is timed, so the comparison is between equal computations.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import report, time_interleaved, try_torch, write_json  # noqa: E402
from reference_numpy import MLP, LeNet5  # noqa: E402

LR = 0.01


def _mlp_weights(rng):
    sizes = [(784, 256), (256, 128), (128, 10)]
    out = []
    for fan_in, fan_out in sizes:
        bound = 1 / np.sqrt(fan_in)
        out += [rng.uniform(-bound, bound, (fan_in, fan_out)), rng.uniform(-bound, bound, fan_out)]
    return [w.astype(np.float32) for w in out]


def _lenet_weights(rng):
    def u(shape, fan_in):
        b = 1 / np.sqrt(fan_in)
        return rng.uniform(-b, b, shape).astype(np.float32)

    return [
        u((6, 1, 5, 5), 25), u(6, 25), u((16, 6, 5, 5), 150), u(16, 150),
        u((400, 120), 400), u(120, 400), u((120, 84), 120), u(84, 120), u((84, 10), 84), u(10, 84),
    ]  # fmt: skip


def build_mlp(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
    )


def build_lenet(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


def _load(lib, model, weights):
    """Copy numpy weights (linear weights stored in x out) into a torch-style model."""
    with lib.no_grad():
        for p, w in zip(model.parameters(), weights):
            w = w.T if w.ndim == 2 else w  # torch's Linear keeps (out, in)
            p.copy_(lib.tensor(np.ascontiguousarray(w)))


def _library_step(lib, model, x, y):
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    loss_fn = lib.nn.CrossEntropyLoss()
    xt, yt = lib.tensor(x), lib.tensor(y)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        return float(loss.item())

    return step


def workloads(name, batch, torch_threads=2):
    rng = np.random.default_rng(0)
    if name == "mlp":
        weights = _mlp_weights(rng)
        x = rng.standard_normal((batch, 784)).astype(np.float32)
        build, ref_cls = build_mlp, MLP
    else:
        weights = _lenet_weights(rng)
        x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
        build, ref_cls = build_lenet, LeNet5
    y = rng.integers(0, 10, batch).astype(np.int64)
    import edutorch

    libs = {"edutorch": edutorch}
    torch = try_torch()
    if torch is not None:
        torch.set_num_threads(torch_threads)  # 1 on a busy 2-core machine: spinning threads fight
        libs["torch"] = torch
    steps = {}
    for lib_name, lib in libs.items():
        model = build(lib)
        _load(lib, model, weights)
        steps[lib_name] = _library_step(lib, model, x, y)
    ref = ref_cls(weights, LR)
    steps["numpy (by hand)"] = lambda: float(ref.step(x, y))
    first = {k: fn() for k, fn in steps.items()}
    values = list(first.values())
    if not np.allclose(values, values[0], rtol=1e-4):
        raise SystemExit(f"{name}: first-step losses disagree: {first}")
    return steps


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=["mlp", "lenet", "both"], default="both")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--torch-threads", type=int, default=2)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    results = {}
    for name, batch in (("mlp", 128), ("lenet", 64)):
        if args.model not in (name, "both"):
            continue
        medians = time_interleaved(workloads(name, batch, args.torch_threads), rounds=args.rounds)
        ref = "torch" if "torch" in medians else "numpy (by hand)"
        report(f"{name} training step, batch {batch} ({args.rounds} rounds)", medians, ref)
        if "torch" in medians:
            ratio = medians["edutorch"] / medians["numpy (by hand)"]
            print(f"  edutorch / numpy (by hand): {ratio:.2f}x")
        results[name] = {k: v * 1e3 for k, v in medians.items()}
    if args.json:
        write_json(args.json, {"unit": "ms per step", **results})
    return results


if __name__ == "__main__":
    main()
