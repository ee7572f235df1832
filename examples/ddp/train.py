"""Train an MLP on the spiral: a plain single-process training script.

    python examples/ddp/train.py                    # edutorch, as written
    sed 's/^import edutorch as torch.*/import torch/' examples/ddp/train.py > train_torch.py
    python train_torch.py                           # the same script on PyTorch

The one line that differs is the import below.
"""

import argparse
import os
import sys
import time

import edutorch as torch  # PyTorch: replace this line with `import torch`

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # spiral.py sits next to this file
from spiral import build_model, spiral  # noqa: E402


def main(epochs=10, batch_size=64, lr=0.01, hidden=64):
    torch.manual_seed(0)
    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in spiral())
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True
    )
    model = build_model(torch.nn, hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    timed = 0  # samples since the first step (which includes one-time setup: torch imports its
    for epoch in range(1, epochs + 1):  # compiler then), so samples/s is the steady speed
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
            if timed == 0:
                start = time.perf_counter()
            timed += len(xb)
        if epoch % 2 == 0 or epoch == epochs:
            print(f"epoch {epoch:3d}  loss {total / len(x_train):.4f}")
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
    print(f"test accuracy {accuracy:.3f}")
    print(f"{seconds:.2f} s of training, {timed / seconds:,.0f} samples/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--hidden", type=int, default=64, help="width of the hidden layers")
    args = parser.parse_args()
    main(args.epochs, hidden=args.hidden)
