"""06 - Write your own autograd operation: ``torch.autograd.Function``.

What it teaches
  * autograd is a chain of operations, each with a forward (the value) and a backward (how a
    gradient flows back through it); ``torch.autograd.Function`` lets you write both yourself
  * ``ctx.save_for_backward`` keeps what backward needs; backward returns one gradient per input
    (``None`` for inputs that are not tensors, such as the clipping bounds)
  * ``torch.autograd.gradcheck`` compares your backward with finite differences
    (f(x + eps) - f(x - eps)) / 2eps, in float64; it catches a wrong backward at once
  * a backward does not have to be the true derivative: the straight-through estimator (STE)
    passes gradients through ``sign(x)``, whose true derivative is zero almost everywhere, and so
    trains a network whose hidden units are binary (+1 or -1). gradcheck rightly rejects it.

Run it:  python samples/06_custom_autograd_function.py
It runs under PyTorch too: change the import line below to ``import torch``.
"""

import os
import sys

import numpy as np

# so that `python samples/NAME.py` works in a checkout, even before edutorch is installed
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import edutorch as torch  # or: import torch

if os.environ.get("EDUTORCH_SAMPLES_BACKEND") == "torch":  # lets the tests run this under PyTorch
    import torch  # noqa: F811

EPOCHS, QUICK_EPOCHS = 40, 15


class ClippedReLU(torch.autograd.Function):
    """y = min(max(x, low), high); dy/dx = 1 between the bounds, 0 outside."""

    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return x.clamp(low, high)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        inside = (x > ctx.low) & (x < ctx.high)
        return grad_output * inside.to(grad_output.dtype), None, None  # no gradient for the bounds


class BuggyClippedReLU(ClippedReLU):
    """The same forward, with a common mistake in backward: it forgets the upper bound."""

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x > ctx.low).to(grad_output.dtype), None, None


class SignSTE(torch.autograd.Function):
    """Forward: sign(x), +1 or -1. Backward: the straight-through estimator, which pretends the
    forward was clamp(x, -1, 1) and lets the gradient through where |x| <= 1."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x.abs() <= 1).to(grad_output.dtype)


class BinaryNet(torch.nn.Module):
    """2 inputs -> 32 binary hidden units (SignSTE) -> 2 class scores."""

    def __init__(self, hidden=32):
        super().__init__()
        self.hidden = torch.nn.Linear(2, hidden)
        self.out = torch.nn.Linear(hidden, 2)

    def forward(self, x):
        return self.out(SignSTE.apply(self.hidden(x)))


def make_data(seed):
    """XOR quadrants: (x_train, y_train, x_test, y_test); x float32 (N, 2), y int64 (N,)."""
    from edutorch import datasets

    train, test = datasets.xor(n_samples=600, noise=0.05, seed=seed).split(0.25, seed=seed)
    return train.data.numpy(), train.targets.numpy(), test.data.numpy(), test.targets.numpy()


def check_gradients():
    """gradcheck the correct and the buggy backward on random float64 inputs."""
    x = (2 * torch.randn(4, 5, dtype=torch.float64)).requires_grad_()
    ok = torch.autograd.gradcheck(lambda t: ClippedReLU.apply(t, -1.0, 1.0), (x,))
    print(f"gradcheck(ClippedReLU):      {ok}")
    buggy = torch.autograd.gradcheck(
        lambda t: BuggyClippedReLU.apply(t, -1.0, 1.0), (x,), raise_exception=False
    )
    print(f"gradcheck(BuggyClippedReLU): {buggy}   <- the forgotten upper bound is caught")
    ste = torch.autograd.gradcheck(SignSTE.apply, (x,), raise_exception=False)
    print(f"gradcheck(SignSTE):          {ste}   <- by design: STE is not the true derivative")
    return ok, buggy, ste


def main(epochs=None, seed=0):
    if epochs is None:
        epochs = QUICK_EPOCHS if os.environ.get("EDUTORCH_SAMPLES_QUICK") else EPOCHS
    torch.manual_seed(seed)
    np.random.seed(seed)

    # 1. see the operation work: values and gradients
    x = torch.linspace(-2, 2, 9, requires_grad=True)
    y = ClippedReLU.apply(x, 0.0, 1.0)
    y.sum().backward()
    print("x            ", x.detach().tolist())
    print("clipped relu ", y.detach().tolist())
    print("gradient     ", x.grad.tolist())

    # 2. check the backward against finite differences
    ok, buggy, ste = check_gradients()

    # 3. train a network with binary hidden units through the straight-through estimator
    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in make_data(seed))
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_train, y_train), batch_size=32, shuffle=True
    )
    model = BinaryNet()
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(1, epochs + 1):
        total = 0.0
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        if epoch == 1 or epoch % 5 == 0 or epoch == epochs:
            print(f"epoch {epoch:3d}   loss {total / len(x_train):.4f}")
    with torch.no_grad():
        test_acc = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
    print(f"binary network on XOR: test accuracy {test_acc:.3f} (chance: 0.5)")
    return {
        "gradcheck": ok,
        "gradcheck_buggy": buggy,
        "gradcheck_ste": ste,
        "final_loss": total / len(x_train),
        "test_accuracy": test_acc,
    }


if __name__ == "__main__":
    main()
