"""A small CNN tells horizontal bars from vertical ones: Conv2d, BatchNorm2d, MaxPool2d,
Flatten, Dropout, Adam, a custom nn.Module, and BatchNorm's running statistics.

The convolution before BatchNorm has no bias, as is usual: BatchNorm subtracts the mean, so such a
bias gets a zero gradient up to rounding, and Adam (which divides by the gradient's size) would
turn that rounding noise into steps of a full learning rate, different in every framework.

Written against PyTorch's API only; ``run(torch)`` takes the framework.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compat_util import main, numpy_init  # noqa: E402


def bars(n=64, size=12, seed=0):
    """1x12x12 images with one bright bar: label 0 horizontal, 1 vertical."""
    rng = np.random.default_rng(seed)
    x = 0.3 * rng.standard_normal((n, 1, size, size))
    y = np.arange(n) % 2
    for i in range(n):
        k = rng.integers(1, size - 1)
        if y[i] == 0:
            x[i, 0, k, :] += 1.0
        else:
            x[i, 0, :, k] += 1.0
    return x.astype(np.float32), y.astype(np.int64)


def run(torch):
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
                nn.MaxPool2d(2), nn.Conv2d(4, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
            )  # fmt: skip
            self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.0), nn.Linear(8 * 2 * 2, 2))

        def forward(self, x):
            return self.head(self.features(x))

    x, y = bars()
    model = Net()
    numpy_init(torch, model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    loss_fn = nn.CrossEntropyLoss()
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(6):
        model.train()
        losses = []
        for start in range(0, len(x), 16):
            optimizer.zero_grad()
            loss = loss_fn(model(xs[start : start + 16]), ys[start : start + 16])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            accuracy = (model(xs).argmax(1) == ys).float().mean().item()
        print(f"epoch {epoch} loss {sum(losses) / len(losses):.6f} accuracy {accuracy:.4f}")
    bn = model.features[1]
    print("running mean", [round(v, 5) for v in bn.running_mean.tolist()])
    print("running var", [round(v, 5) for v in bn.running_var.tolist()])
    print("batches tracked", int(bn.num_batches_tracked))
    print("conv grad norm", round(model.features[0].weight.grad.norm().item(), 5))


if __name__ == "__main__":
    main(run)
