"""Random streams from a seed, and the train/test split every dataset's ``split`` uses."""

from __future__ import annotations

import numpy as np

from ..random import _gen


def make_rng(seed, stream=0) -> np.random.Generator:
    """numpy random numbers for ``seed``; ``seed=None`` draws from edutorch's default generator
    (so ``torch.manual_seed`` decides), and ``stream`` picks an independent stream (train/test)."""
    if seed is None:
        seed = int(_gen().integers(2**63))
    return np.random.default_rng((int(seed), int(stream)))


def split_indices(n, test_fraction=0.2, seed=0):
    """(train_idx, test_idx): a random permutation of range(n) cut at round(n * test_fraction)."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1 (exclusive), got {test_fraction}")
    perm = make_rng(seed, stream=2).permutation(n)
    n_test = int(round(n * test_fraction))
    if n >= 2:
        n_test = min(max(n_test, 1), n - 1)  # both parts non-empty whenever that is possible
    return perm[n_test:], perm[:n_test]
