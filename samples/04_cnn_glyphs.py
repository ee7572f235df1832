"""04 - A small convolutional network (CNN) reads digit glyphs.

What it teaches
  * images as tensors shaped (batch, channels, height, width)
  * ``nn.Conv2d`` slides small learned filters over the image; ``nn.MaxPool2d`` halves its size;
    ``nn.Flatten`` + ``nn.Linear`` turn the feature maps into 10 class scores
  * a CNN shares each filter across the whole image, so a stroke is recognised wherever it is
  * mini-batch training with a ``DataLoader``, then accuracy on a held-out test set

The images are edutorch's glyphs: digit-like 0-9 drawings made in code from pen strokes, with
random slant, size, thickness and noise (28x28 like MNIST, nothing downloaded).

Run it:  python samples/04_cnn_glyphs.py
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

EPOCHS, QUICK_EPOCHS = 4, 1
SIZE = 28


def make_data(seed):
    """Glyph images: (x_train, y_train, x_test, y_test); x float32 (N, 1, 28, 28) in [0, 1],
    y int64 (N,) in 0-9. Train and test images are drawn independently."""
    from edutorch import datasets

    train = datasets.glyphs(train=True, n_samples=8000, size=SIZE, seed=seed)
    test = datasets.glyphs(train=False, n_samples=2000, size=SIZE, seed=seed)
    return train.data.numpy(), train.targets.numpy(), test.data.numpy(), test.targets.numpy()


def build_model():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, kernel_size=3, padding=1),  # (N, 1, 28, 28) -> (N, 8, 28, 28)
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),  # -> (N, 8, 14, 14)
        torch.nn.Conv2d(8, 16, kernel_size=3, padding=1),  # -> (N, 16, 14, 14)
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),  # -> (N, 16, 7, 7)
        torch.nn.Flatten(),  # -> (N, 784)
        torch.nn.Linear(16 * 7 * 7, 10),  # -> (N, 10): one score per digit
    )


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(x[i : i + 500]).argmax(dim=1) for i in range(0, len(x), 500)])
    model.train()
    return (predicted == y).float().mean().item()


def show(image, label, guess):
    """Print a glyph as text: darker characters for more ink."""
    shades = " .:-=+*#%@"
    for row in image[0].tolist()[::2]:  # every other row, since characters are tall
        print("    " + "".join(shades[min(int(v * 10), 9)] for v in row))
    print(f"    label {label}, the model says {guess}")


def main(epochs=None, seed=0):
    if epochs is None:
        epochs = QUICK_EPOCHS if os.environ.get("EDUTORCH_SAMPLES_QUICK") else EPOCHS
    torch.manual_seed(seed)
    np.random.seed(seed)

    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in make_data(seed))
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_train, y_train), batch_size=64, shuffle=True
    )
    model = build_model()
    print(model)
    print(f"{sum(p.numel() for p in model.parameters())} parameters")
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.003)

    for epoch in range(1, epochs + 1):
        total = 0.0
        for step, (xb, yb) in enumerate(loader, 1):
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
            if step % 25 == 0:
                print(f"epoch {epoch}  batch {step:3d}/{len(loader)}   loss {loss.item():.4f}")
        test_acc = accuracy(model, x_test, y_test)
        print(f"epoch {epoch} done: mean loss {total / len(x_train):.4f}, test acc {test_acc:.3f}")

    with torch.no_grad():
        guess = model(x_test[:1]).argmax(dim=1).item()
    show(x_test[0], y_test[0].item(), guess)
    print(f"test accuracy {test_acc:.3f} on {len(x_test)} unseen glyphs (chance: 0.1)")
    return {"final_loss": total / len(x_train), "test_accuracy": test_acc}


if __name__ == "__main__":
    main()
