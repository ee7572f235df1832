"""02 - Logistic regression on two moons: a straight line as a classifier.

What it teaches
  * classification: the model outputs a score (a logit); sigmoid(score) is P(class 1)
  * ``nn.Linear`` as a ready-made layer, ``nn.BCEWithLogitsLoss`` as the loss for two classes
  * ``TensorDataset`` + ``DataLoader`` to train on shuffled mini-batches
  * train/test split: the accuracy that matters is the one on points the model never saw
  * the limit of a linear model: the moons interlock, so a straight line gets most points right,
    but not all (sample 03 bends the boundary with hidden layers)

Run it:  python samples/02_logistic_regression_moons.py
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


def make_data(seed):
    """Two interleaving half moons: (x_train, y_train, x_test, y_test) as numpy arrays.

    x is float32 (N, 2); y is float32 (N, 1) holding 0.0 (upper moon) or 1.0 (lower moon).
    """
    from edutorch import datasets

    train, test = datasets.moons(n_samples=500, noise=0.15, seed=seed).split(0.2, seed=seed)
    y_train = train.targets.numpy().astype(np.float32).reshape(-1, 1)  # BCE wants float targets
    y_test = test.targets.numpy().astype(np.float32).reshape(-1, 1)
    return train.data.numpy(), y_train, test.data.numpy(), y_test


def accuracy(model, x, y):
    with torch.no_grad():
        predicted = (model(x) > 0).float()  # logit > 0  <=>  sigmoid(logit) > 0.5
    return (predicted == y).float().mean().item()


def main(epochs=None, seed=0):
    if epochs is None:
        epochs = QUICK_EPOCHS if os.environ.get("EDUTORCH_SAMPLES_QUICK") else EPOCHS
    torch.manual_seed(seed)
    np.random.seed(seed)

    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in make_data(seed))
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_train, y_train), batch_size=32, shuffle=True
    )

    model = torch.nn.Linear(2, 1)  # score = w0 * x0 + w1 * x1 + b
    loss_fn = torch.nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

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

    (w0, w1), b = model.weight.detach()[0].tolist(), model.bias.item()
    test_acc = accuracy(model, x_test, y_test)
    print(f"decision boundary: {w0:.2f} * x0 {w1:+.2f} * x1 {b:+.2f} = 0")
    print(f"test accuracy {test_acc:.3f} (chance: 0.5; a straight line cannot reach 1.0 here)")
    return {"final_loss": total / len(x_train), "test_accuracy": test_acc}


if __name__ == "__main__":
    main()
