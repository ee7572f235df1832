"""01 - Linear regression: fit a plane with autograd and gradient descent.

What it teaches
  * a model is a formula with parameters: y_hat = x @ w + b
  * a loss measures how wrong it is (mean squared error)
  * ``loss.backward()`` computes d(loss)/d(w) and d(loss)/d(b) for us (autograd)
  * an optimizer (SGD) steps the parameters against the gradient, and the loss falls
  * at the end the learned w and b are close to the true ones that made the data

Run it:  python samples/01_linear_regression.py
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

TRUE_W, TRUE_B = (2.0, -3.0), 0.5
EPOCHS, QUICK_EPOCHS = 100, 60


def make_data(seed):
    """Noisy points on the plane y = 2 x0 - 3 x1 + 0.5, as numpy arrays x (N, 2) and y (N, 1)."""
    from edutorch import datasets

    data = datasets.plane(n_samples=200, noise=0.1, seed=seed, weight=TRUE_W, bias=TRUE_B)
    return data.data.numpy(), data.targets.numpy()


def main(epochs=None, seed=0):
    if epochs is None:
        epochs = QUICK_EPOCHS if os.environ.get("EDUTORCH_SAMPLES_QUICK") else EPOCHS
    torch.manual_seed(seed)
    np.random.seed(seed)

    x_np, y_np = make_data(seed)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)

    # The parameters: tensors that remember how they are used, so that backward() can reach them.
    w = torch.zeros(2, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=0.1)

    first_loss = None
    for epoch in range(1, epochs + 1):
        y_hat = x @ w + b  # the model
        loss = ((y_hat - y) ** 2).mean()  # mean squared error
        optimizer.zero_grad()  # forget the gradients of the previous step
        loss.backward()  # fill w.grad and b.grad
        optimizer.step()  # w <- w - lr * w.grad, and the same for b
        if first_loss is None:
            first_loss = loss.item()
        if epoch == 1 or epoch % 10 == 0 or epoch == epochs:
            print(f"epoch {epoch:4d}   loss {loss.item():.4f}")

    learned_w = [round(v, 3) for v in w.detach().reshape(-1).tolist()]
    learned_b = round(b.item(), 3)
    error = max(abs(a - t) for a, t in zip(learned_w + [learned_b], [*TRUE_W, TRUE_B]))
    print(f"true    w = {list(TRUE_W)}, b = {TRUE_B}")
    print(f"learned w = {learned_w}, b = {learned_b}")
    print(f"final loss {loss.item():.4f} (first {first_loss:.4f})")
    print(f"largest error in a learned parameter: {error:.3f}")
    return {
        "first_loss": first_loss,
        "final_loss": loss.item(),
        "weights": learned_w,
        "bias": learned_b,
        "max_weight_error": error,
    }


if __name__ == "__main__":
    main()
