"""05 - An LSTM learns to count: how many ones are in a string of bits?

What it teaches
  * sequences as tensors shaped (batch, time, features) with ``batch_first=True``
  * a recurrent network (``nn.LSTM``) reads one step at a time and carries a memory (its hidden
    state) from step to step; here the memory has to keep a running count
  * clipping the gradient norm, the usual guard against exploding gradients in RNNs
  * writing your own model as an ``nn.Module`` subclass with a ``forward`` method
  * using the memory after the last step (``h_n[-1]``) to classify the whole sequence
  * always compare with a baseline: always guessing the most common count is right ~20% of the
    time; the LSTM gets nearly all of them

The data is edutorch's ``counting`` task: 16 random bits, the label is how many are ones (0-16).

Run it:  python samples/05_rnn_sequence.py
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

EPOCHS, QUICK_EPOCHS = 15, 5
SEQ_LEN, HIDDEN = 16, 32


def make_data(seed):
    """Bit strings: (x_train, y_train, x_test, y_test); x float32 (N, 16, 1) of 0s and 1s,
    y int64 (N,) = the number of ones."""
    from edutorch import datasets

    bits = datasets.counting(n_samples=4000, seq_len=SEQ_LEN, seed=seed)
    train, test = bits.split(0.2, seed=seed)
    return train.data.numpy(), train.targets.numpy(), test.data.numpy(), test.targets.numpy()


class Counter(torch.nn.Module):
    """bits (N, T, 1) -> LSTM -> its memory after the last bit (N, HIDDEN) -> scores (N, T + 1)."""

    def __init__(self, hidden=HIDDEN, seq_len=SEQ_LEN):
        super().__init__()
        self.lstm = torch.nn.LSTM(input_size=1, hidden_size=hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, seq_len + 1)  # one score per possible count

    def forward(self, x):
        # outputs: the hidden state after every step (N, T, hidden); h_n and c_n: the hidden and
        # cell states after the last step, one per layer (1, N, hidden)
        outputs, (h_n, c_n) = self.lstm(x)
        return self.head(h_n[-1])  # the memory after the last bit, which has seen every bit


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def main(epochs=None, seed=0):
    if epochs is None:
        epochs = QUICK_EPOCHS if os.environ.get("EDUTORCH_SAMPLES_QUICK") else EPOCHS
    torch.manual_seed(seed)
    np.random.seed(seed)

    arrays = make_data(seed)
    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in arrays)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_train, y_train), batch_size=64, shuffle=True
    )
    # the baseline: always answer the count that is most common in the training set
    most_common = int(np.bincount(arrays[1]).argmax())
    baseline = (y_test == most_common).float().mean().item()
    print(f"baseline (always say {most_common}): test accuracy {baseline:.3f}")

    model = Counter()
    print(model)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

    for epoch in range(1, epochs + 1):
        total = 0.0
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            # RNN gradients can spike; cap their overall size so one bad batch cannot undo training
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
            optimizer.step()
            total += loss.item() * len(xb)
        test_acc = accuracy(model, x_test, y_test)
        print(f"epoch {epoch:3d}   loss {total / len(x_train):.4f}   test acc {test_acc:.3f}")

    with torch.no_grad():
        guesses = model(x_test[:3]).argmax(dim=1).tolist()
    for bits, guess, label in zip(x_test[:3], guesses, y_test[:3].tolist()):
        text = "".join(str(int(b)) for b in bits.reshape(-1).tolist())
        print(f"    {text}: the LSTM counts {guess} ones (truly {label})")
    print(f"test accuracy {test_acc:.3f} (baseline {baseline:.3f})")
    return {"final_loss": total / len(x_train), "test_accuracy": test_acc, "baseline": baseline}


if __name__ == "__main__":
    main()
