"""03 - A multi-layer perceptron on a three-arm spiral.

What it teaches
  * hidden layers + a non-linearity (ReLU) let a network draw curved decision boundaries
  * ``nn.Sequential`` to stack layers, ``nn.CrossEntropyLoss`` for more than two classes
    (the model outputs one score per class; the loss applies softmax itself)
  * the Adam optimizer, and ``model.train()`` / ``model.eval()`` + ``torch.no_grad()``
  * prediction = the class with the highest score (``argmax``)
  * the script trains a linear model the same way for comparison: it gets about half of the
    points right (chance is a third), the MLP nearly all of them

Run it:  python samples/03_mlp_spiral.py
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

EPOCHS, QUICK_EPOCHS = 30, 10
HIDDEN = 64


def make_data(seed):
    """Three spiral arms: (x_train, y_train, x_test, y_test); x float32 (N, 2), y int64 (N,)."""
    from edutorch import datasets

    spiral = datasets.spiral(n_samples=900, noise=0.03, n_classes=3, seed=seed)
    train, test = spiral.split(0.2, seed=seed)
    return train.data.numpy(), train.targets.numpy(), test.data.numpy(), test.targets.numpy()


def build_model():
    return torch.nn.Sequential(
        torch.nn.Linear(2, HIDDEN),
        torch.nn.ReLU(),
        torch.nn.Linear(HIDDEN, HIDDEN),
        torch.nn.ReLU(),
        torch.nn.Linear(HIDDEN, 3),  # one score per arm
    )


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        predicted = model(x).argmax(dim=1)
    model.train()
    return (predicted == y).float().mean().item()


def train(model, loader, epochs, x_train, y_train):
    """Adam on cross-entropy; prints progress and returns the last epoch's mean loss."""
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
            train_acc = accuracy(model, x_train, y_train)
            print(f"epoch {epoch:3d}   loss {total / len(x_train):.4f}   train acc {train_acc:.3f}")
    return total / len(x_train)


def main(epochs=None, seed=0):
    if epochs is None:
        epochs = QUICK_EPOCHS if os.environ.get("EDUTORCH_SAMPLES_QUICK") else EPOCHS
    torch.manual_seed(seed)
    np.random.seed(seed)

    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in make_data(seed))
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_train, y_train), batch_size=32, shuffle=True
    )
    print("--- a linear model: straight boundaries only")
    linear = torch.nn.Linear(2, 3)
    train(linear, loader, epochs, x_train, y_train)
    linear_acc = accuracy(linear, x_test, y_test)

    print("--- an MLP: two hidden layers of", HIDDEN, "ReLU units")
    model = build_model()
    print(model)
    final_loss = train(model, loader, epochs, x_train, y_train)
    test_acc = accuracy(model, x_test, y_test)
    print(f"test accuracy: MLP {test_acc:.3f}, linear model {linear_acc:.3f} (chance: 0.333)")
    return {"final_loss": final_loss, "test_accuracy": test_acc, "linear_accuracy": linear_acc}


if __name__ == "__main__":
    main()
