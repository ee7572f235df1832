"""Conv2d and 2x2 max-pool, forward + backward: edutorch vs torch CPU vs hand-written numpy.

    python benchmarks/conv.py [--rounds 9] [--torch-threads 2] [--json out.json]

Workloads (float32): Conv2d(16 -> 32, 3x3, padding 1) on a 32x16x32x32 batch, and MaxPool2d(2)
on its 32x32x32x32 output. Every implementation gets the same weights, input and output
gradient; results are checked to agree before anything is timed. "edutorch kernels" calls the
backend's kernels directly (no Tensors, no autograd): the gap to "edutorch" is framework cost.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import report, time_interleaved, try_torch, write_json  # noqa: E402
from reference_numpy import _conv_bwd, _conv_fwd, _pool_bwd, _pool_fwd  # noqa: E402

import edutorch  # noqa: E402
from edutorch import backends  # noqa: E402

N, C, H, W, O, K = 32, 16, 32, 32, 32, 3


def _data():
    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(C * K * K)
    return {
        "x": rng.standard_normal((N, C, H, W), dtype=np.float32),
        "w": rng.uniform(-bound, bound, (O, C, K, K)).astype(np.float32),
        "b": rng.uniform(-bound, bound, O).astype(np.float32),
        "g": rng.standard_normal((N, O, H, W), dtype=np.float32),
        "gp": rng.standard_normal((N, O, H // 2, W // 2), dtype=np.float32),
        "a": rng.standard_normal((N, O, H, W), dtype=np.float32),
    }


def conv_workloads(d, torch):
    """{name: step} for conv forward + backward, after checking that all agree."""
    et = edutorch
    conv = et.nn.Conv2d(C, O, K, padding=1)
    conv.weight.data = et.tensor(d["w"])
    conv.bias.data = et.tensor(d["b"])
    x_et = et.tensor(d["x"], requires_grad=True)
    g_et = et.tensor(d["g"])

    def step_edutorch():
        x_et.grad = conv.weight.grad = conv.bias.grad = None
        conv(x_et).backward(g_et)
        return x_et.grad, conv.weight.grad

    kernels = backends.get_backend()
    pads = ((1, 1), (1, 1))

    def step_kernels():
        # as the Conv2d op does: the forward's columns are kept for the weight gradient
        cols = kernels.conv_columns(d["x"], (K, K), (1, 1), pads, (1, 1))
        kernels.conv_forward(d["x"], d["w"], d["b"], (1, 1), pads, (1, 1), 1, cols=cols)
        # and one call makes all three gradients from one layout of the output gradient
        return kernels.conv_backward(d["g"], d["x"], d["w"], (1, 1), pads, (1, 1), 1, cols=cols)

    def step_numpy():
        out, cache = _conv_fwd(d["x"], d["w"], d["b"], 1)
        return _conv_bwd(d["g"], d["w"], cache, 1)

    steps = {"edutorch": step_edutorch, "edutorch kernels": step_kernels, "numpy": step_numpy}
    if torch is not None:
        tconv = torch.nn.Conv2d(C, O, K, padding=1)
        with torch.no_grad():
            tconv.weight.copy_(torch.from_numpy(d["w"]))
            tconv.bias.copy_(torch.from_numpy(d["b"]))
        x_t = torch.from_numpy(d["x"]).requires_grad_()
        g_t = torch.from_numpy(d["g"])

        def step_torch():
            x_t.grad = tconv.weight.grad = tconv.bias.grad = None
            tconv(x_t).backward(g_t)
            return x_t.grad, tconv.weight.grad

        steps["torch"] = step_torch
    _check_conv(steps)
    return steps


def _check_conv(steps):
    gx_ref, gw_ref, _ = steps["numpy"]()
    for name, fn in steps.items():
        gx, gw = (np.asarray(v) for v in fn()[:2])
        for label, a, b in (("input grad", gx, gx_ref), ("weight grad", gw, gw_ref)):
            if not np.allclose(a, b, rtol=1e-3, atol=1e-3):
                raise SystemExit(f"{name}: {label} disagrees with numpy by {np.abs(a - b).max()}")


def pool_workloads(d, torch):
    """{name: step} for 2x2 max-pool forward + backward."""
    et = edutorch
    a_et = et.tensor(d["a"], requires_grad=True)
    gp_et = et.tensor(d["gp"])

    def step_edutorch():
        a_et.grad = None
        et.nn.functional.max_pool2d(a_et, 2).backward(gp_et)
        return a_et.grad

    def step_numpy():
        out, cache = _pool_fwd(d["a"])
        return _pool_bwd(d["gp"], cache, d["a"].shape)

    steps = {"edutorch": step_edutorch, "numpy": step_numpy}
    if torch is not None:
        a_t = torch.from_numpy(d["a"]).requires_grad_()
        gp_t = torch.from_numpy(d["gp"])

        def step_torch():
            a_t.grad = None
            torch.nn.functional.max_pool2d(a_t, 2).backward(gp_t)
            return a_t.grad

        steps["torch"] = step_torch
    ref = steps["numpy"]()
    for name, fn in steps.items():
        if not np.array_equal(np.asarray(fn()), ref):
            raise SystemExit(f"max-pool {name}: input gradient disagrees with numpy")
    return steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--torch-threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--json", metavar="PATH", help="also write the medians and ratios here")
    args = parser.parse_args(argv)
    torch = try_torch()
    if torch is not None:
        # 1 on a busy 2-core machine: torch's spinning pool stalls when another process holds a core
        torch.set_num_threads(args.torch_threads)
    ref = "torch" if torch is not None else "numpy"
    d = _data()
    print(f"backend: {backends.describe()}")
    results = {}
    for title, make in (
        ("Conv2d 16->32 3x3 pad 1 on 32x16x32x32, forward + backward", conv_workloads),
        ("MaxPool2d(2) on 32x32x32x32, forward + backward", pool_workloads),
    ):
        medians = time_interleaved(make(d, torch), rounds=args.rounds, repeat=args.repeat)
        report(title, medians, ref)
        results[title] = {
            name: {"ms": sec * 1e3, f"ratio_to_{ref}": sec / medians[ref]}
            for name, sec in medians.items()
        }
    if args.json:
        write_json(args.json, results)
    return results


if __name__ == "__main__":
    main()
