"""Custom autograd: a torch.autograd.Function with save_for_backward and a non-tensor argument,
a straight-through estimator trained in a loop, gradcheck, autograd.grad and double backward.

Written against PyTorch's API only; ``run(torch)`` takes the framework.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compat_util import main, numpy_init  # noqa: E402


def run(torch):
    class ScaledCube(torch.autograd.Function):
        """y = scale·x³; dy/dx = 3·scale·x²."""

        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return scale * x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * ctx.scale * x**2, None

    class SignSTE(torch.autograd.Function):
        """sign(x) forward; the gradient passes straight through where |x| <= 1."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.sign(x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * (x.abs() <= 1).to(grad.dtype)

    x = torch.tensor([-1.5, -0.5, 0.25, 2.0], requires_grad=True)
    y = ScaledCube.apply(x, 0.5)
    y.sum().backward()
    print("cube", [round(v, 6) for v in y.tolist()], "grad", [round(v, 6) for v in x.grad.tolist()])
    x64 = torch.tensor([0.3, -0.7, 1.1], dtype=torch.float64, requires_grad=True)
    print("gradcheck", torch.autograd.gradcheck(lambda t: ScaledCube.apply(t, 2.0), (x64,)))

    (g,) = torch.autograd.grad((x64**3).sum(), x64, create_graph=True)
    (gg,) = torch.autograd.grad(g.sum(), x64)
    print("first", [round(v, 6) for v in g.tolist()], "second", [round(v, 6) for v in gg.tolist()])

    # a binary hidden layer trained through the straight-through estimator
    nn = torch.nn
    rng = np.random.default_rng(0)
    data = rng.standard_normal((64, 4)).astype(np.float32)
    target = (data[:, 0] * data[:, 1] > 0).astype(np.int64)
    first, second = nn.Linear(4, 16), nn.Linear(16, 2)
    model = nn.ModuleList([first, second])
    numpy_init(torch, model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    xs, ys = torch.from_numpy(data), torch.from_numpy(target)
    for step in range(10):
        optimizer.zero_grad()
        logits = second(SignSTE.apply(first(xs)))
        loss = nn.functional.cross_entropy(logits, ys)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


if __name__ == "__main__":
    main(run)
