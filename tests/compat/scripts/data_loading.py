"""Data loading: a map-style Dataset of dicts, DataLoader with batch_size, drop_last and a custom
collate_fn, a custom Sampler, BatchSampler, random_split, Subset, ConcatDataset and
IterableDataset, feeding a short training loop.

Written against PyTorch's API only; ``run(torch)`` takes the framework. random_split draws from
the framework's own random stream, so what is printed of it is only what does not depend on the
draw (the sizes, and that the parts cover every index once).
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compat_util import main, numpy_init  # noqa: E402


def run(torch):
    data = torch.utils.data

    class Squares(data.Dataset):
        """Item i: {"x": [i, i²] / 100, "y": i % 2}."""

        def __init__(self, n):
            self.n = n

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            x = torch.tensor([i, i * i], dtype=torch.float32) / 100
            return {"x": x, "y": i % 2}

    class Counting(data.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    class NumpyPermutation(data.Sampler):
        """A shuffling sampler driven by numpy: the same order in any framework."""

        def __init__(self, n, seed):
            self.n, self.seed = n, seed

        def __iter__(self):
            return iter(np.random.default_rng(self.seed).permutation(self.n).tolist())

        def __len__(self):
            return self.n

    squares = Squares(23)
    loader = data.DataLoader(squares, batch_size=5, drop_last=True)
    for batch in loader:
        print("dict batch", tuple(batch["x"].shape), batch["y"].tolist(),
              round(batch["x"].sum().item(), 4))  # fmt: skip
    print("batches", len(loader))

    def pairs(items):  # a custom collate_fn: stacks x, keeps y as a list
        return torch.stack([it["x"] for it in items]), [it["y"] for it in items]

    sampler = NumpyPermutation(len(squares), seed=3)
    for xb, yb in data.DataLoader(squares, batch_size=8, sampler=sampler, collate_fn=pairs):
        print("collated", tuple(xb.shape), yb, round(xb[:, 1].sum().item(), 4))
    batches = data.BatchSampler(data.SequentialSampler(range(10)), batch_size=4, drop_last=False)
    print("batch sampler", list(batches))
    print("iterable", [b.tolist() for b in data.DataLoader(Counting(), batch_size=3)])

    train, test = data.random_split(squares, [0.7, 0.3], generator=torch.Generator().manual_seed(1))
    print("split sizes", len(train), len(test))
    print("split covers all", sorted(list(train.indices) + list(test.indices)) == list(range(23)))
    first = data.Subset(squares, [0, 2, 4])
    both = data.ConcatDataset([first, data.Subset(squares, [1, 3])])
    print("concat", len(both), [both[i]["y"] for i in range(len(both))])

    model = torch.nn.Linear(2, 2)
    numpy_init(torch, model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for epoch in range(3):
        total = 0.0
        order = NumpyPermutation(len(squares), seed=epoch)
        for batch in data.DataLoader(squares, batch_size=6, sampler=order):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(batch["x"]), batch["y"])
            loss.backward()
            optimizer.step()
            total += loss.item()
        print(f"epoch {epoch} loss {total:.6f}")


if __name__ == "__main__":
    main(run)
