"""``ArrayDataset``: samples held as two numpy arrays, the base of every generated dataset."""

from __future__ import annotations

import copy

from .._tensor import Tensor
from ..utils.data import Dataset
from ._split import split_indices


def apply_transforms(dataset, x, y):
    """(dataset.transform(x), dataset.target_transform(y)), each only if it is not None."""
    if dataset.transform is not None:
        x = dataset.transform(x)
    if dataset.target_transform is not None:
        y = dataset.target_transform(y)
    return x, y


class ArrayDataset(Dataset):
    """Item i is ``(transform(x[i]), target_transform(y[i]))``, tensors sharing the arrays' memory.

    ``.data`` and ``.targets`` are the whole arrays as tensors, ``.classes`` the label names (None
    for regression). ``split`` makes a train and a test set of the same kind.
    """

    classes: list[str] | None = None

    def __init__(self, x, y, transform=None, target_transform=None):
        self.data, self.targets = Tensor._make(x), Tensor._make(y)
        self.transform, self.target_transform = transform, target_transform

    def __len__(self) -> int:
        return len(self.data._data)

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index._data
        # [index, ...] keeps a 0-d label an array (a tensor of shape ()) instead of a numpy scalar
        x = Tensor._make(self.data._data[index, ...])
        y = Tensor._make(self.targets._data[index, ...])
        return apply_transforms(self, x, y)

    def split(self, test_fraction=0.2, seed=0):
        """(train, test): a random ``test_fraction`` of the samples is held out (not stratified)."""
        train_idx, test_idx = split_indices(len(self), test_fraction, seed)
        return self._take(train_idx), self._take(test_idx)

    def _take(self, idx):
        part = copy.copy(self)
        part.data = Tensor._make(self.data._data[idx])
        part.targets = Tensor._make(self.targets._data[idx])
        return part

    def __repr__(self) -> str:
        shape = tuple(self.data.shape[1:])
        kind = f"{len(self.classes)} classes" if self.classes else "regression"
        return f"{type(self).__name__}(n_samples={len(self)}, input_shape={shape}, {kind})"
