"""An MLP learns three blobs: Sequential, CrossEntropyLoss, SGD with Nesterov momentum and weight
decay, StepLR, TensorDataset + DataLoader, train/eval and no_grad.

Written against PyTorch's API only; ``run(torch)`` takes the framework.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compat_util import main, numpy_init  # noqa: E402


def blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centres = np.array([[0.0, 1.5], [-1.3, -0.8], [1.3, -0.8]])
    x = centres[y] + 0.6 * rng.standard_normal((n, 2))
    return x.astype(np.float32), y.astype(np.int64)


def run(torch):
    nn = torch.nn
    x, y = blobs()
    data = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    loader = torch.utils.data.DataLoader(data, batch_size=16)  # no shuffling: the same order
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(),
                          nn.Linear(32, 3))  # fmt: skip
    numpy_init(torch, model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4,
                                nesterov=True)  # fmt: skip
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(6):
        model.train()
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        scheduler.step()
        model.eval()
        with torch.no_grad():
            logits = model(torch.from_numpy(x))
            accuracy = (logits.argmax(dim=1) == torch.from_numpy(y)).float().mean().item()
        lr = scheduler.get_last_lr()[0]
        print(f"epoch {epoch} loss {total / len(data):.6f} accuracy {accuracy:.4f} lr {lr:.4f}")
    probs = torch.softmax(model(torch.from_numpy(x[:3])), dim=1)
    print("probabilities", [round(v, 5) for v in probs.flatten().tolist()])


if __name__ == "__main__":
    main(run)
