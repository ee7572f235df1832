"""07 - A tiny transformer encoder learns to sort digits.

What it teaches
  * tokens: each digit 0-9 becomes a learned vector (``nn.Embedding``); a second embedding adds
    the position, because attention by itself does not know the order of its inputs
  * self-attention (``nn.TransformerEncoderLayer``): every position looks at every other
    position and decides what to take from it; sorting needs exactly that, since the k-th
    output depends on all the inputs
  * one prediction per position: scores (batch, length, 10), flattened for ``CrossEntropyLoss``
  * two accuracies: per digit, and per whole sequence (every digit right), against a baseline
    that only knows the position (the first sorted digit is usually small, the last large)

The task: 8 random digits in, the same digits sorted out. ``3 9 1 4 1 5 9 2 -> 1 1 2 3 4 5 9 9``

Run it:  python samples/07_tiny_transformer.py
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

EPOCHS, QUICK_EPOCHS = 4, 2
LENGTH, D_MODEL = 8, 32


def make_data(seed):
    """Digit sequences and their sorted versions: (x_train, y_train, x_test, y_test), all int64
    (N, 8). Plain numpy: edutorch.datasets has no sorting task, and none is needed."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 10, size=(5000, LENGTH))
    y = np.sort(x, axis=1)
    return x[:4000], y[:4000], x[4000:], y[4000:]


class TinyTransformer(torch.nn.Module):
    """digits (N, L) -> token + position embeddings (N, L, D) -> 1 encoder layer -> (N, L, 10)."""

    def __init__(self, d_model=D_MODEL, nhead=4, length=LENGTH):
        super().__init__()
        self.token = torch.nn.Embedding(10, d_model)
        self.position = torch.nn.Embedding(length, d_model)
        layer = torch.nn.TransformerEncoderLayer(
            d_model, nhead, dim_feedforward=2 * d_model, dropout=0.0, batch_first=True
        )
        self.encoder = torch.nn.TransformerEncoder(layer, num_layers=1, enable_nested_tensor=False)
        self.head = torch.nn.Linear(d_model, 10)  # scores for the digit at each position

    def forward(self, digits):
        positions = torch.arange(digits.shape[1])
        h = self.token(digits) + self.position(positions)  # (N, L, D) + (L, D) broadcasts
        return self.head(self.encoder(h))


def evaluate(model, x, y):
    """(per-digit accuracy, whole-sequence accuracy)."""
    with torch.no_grad():
        correct = model(x).argmax(dim=-1) == y
    return correct.float().mean().item(), correct.all(dim=1).float().mean().item()


def main(epochs=None, seed=0):
    if epochs is None:
        epochs = QUICK_EPOCHS if os.environ.get("EDUTORCH_SAMPLES_QUICK") else EPOCHS
    torch.manual_seed(seed)
    np.random.seed(seed)

    arrays = make_data(seed)
    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in arrays)
    # the baseline: at each position, the digit most often found there in the sorted training data
    guess = np.array([np.bincount(column, minlength=10).argmax() for column in arrays[1].T])
    baseline = float((arrays[3] == guess).mean())
    print(f"baseline (position only, always {' '.join(map(str, guess))}): digit acc {baseline:.3f}")

    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_train, y_train), batch_size=64, shuffle=True
    )
    model = TinyTransformer()
    print(model)
    print(f"{sum(p.numel() for p in model.parameters())} parameters")
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.003)

    for epoch in range(1, epochs + 1):
        total = 0.0
        for step, (xb, yb) in enumerate(loader, 1):
            scores = model(xb)  # (batch, L, 10)
            loss = loss_fn(scores.reshape(-1, 10), yb.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
            if step % 20 == 0:
                print(f"epoch {epoch}  batch {step:2d}/{len(loader)}   loss {loss.item():.4f}")
        digit_acc, seq_acc = evaluate(model, x_test, y_test)
        print(
            f"epoch {epoch} done: mean loss {total / len(x_train):.4f}, "
            f"test digit acc {digit_acc:.3f}, whole sequences right {seq_acc:.3f}"
        )

    with torch.no_grad():
        predicted = model(x_test[:4]).argmax(dim=-1).tolist()
    for digits, out in zip(x_test[:4].tolist(), predicted):
        mark = "right" if out == sorted(digits) else "wrong"
        print(f"    {' '.join(map(str, digits))}  ->  {' '.join(map(str, out))}   ({mark})")
    print(f"test accuracy: digits {digit_acc:.3f}, whole sequences {seq_acc:.3f}", end="")
    print(f" (baseline digits {baseline:.3f})")
    return {
        "final_loss": total / len(x_train),
        "test_accuracy": digit_acc,
        "sequence_accuracy": seq_acc,
        "baseline": baseline,
    }


if __name__ == "__main__":
    main()
