"""Datasets, random_split and samplers, checked against torch.utils.data when torch is here."""

import warnings

import numpy as np
import pytest

import edutorch as torch
from edutorch.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    random_split,
)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return i * i

    def __len__(self):
        return self.n


class Count(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


# ---------------------------------------------------------------------------- datasets
def test_tensor_dataset():
    x, y = torch.randn(5, 3), torch.arange(5)
    ds = TensorDataset(x, y)
    assert len(ds) == 5
    xi, yi = ds[2]
    assert xi.tolist() == x[2].tolist() and yi.item() == 2
    assert ds[-1][1].item() == 4
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(torch.zeros(3), torch.zeros(4))


def test_base_dataset_must_be_subclassed():
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        Dataset()[0]


def test_concat_dataset_and_add():
    a, b = Squares(3), Squares(4)
    ds = a + b
    assert isinstance(ds, ConcatDataset)
    assert ds.cumulative_sizes == [3, 7] and len(ds) == 7
    assert [ds[i] for i in range(7)] == [0, 1, 4, 0, 1, 4, 9]
    assert ds[-1] == 9 and ds[-7] == 0
    with pytest.raises(ValueError, match="absolute value of index should not exceed"):
        ds[-8]
    with pytest.raises(IndexError):
        ds[7]
    with pytest.raises(AssertionError, match="empty iterable"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([Count(2)])


def test_chain_and_stack_datasets():
    chained = Count(2) + Count(3)
    assert isinstance(chained, ChainDataset)
    assert list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5
    s = StackDataset(Squares(3), Squares(3))
    assert s[2] == (4, 4) and len(s) == 3
    assert StackDataset(a=Squares(2), b=Squares(2))[1] == {"a": 1, "b": 1}
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(Squares(2), Squares(3))


def test_subset():
    sub = Subset(Squares(10), [9, 3, 1])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [81, 9, 1]
    assert sub.__getitems__([0, 2]) == [81, 1]

    class Doubled(Subset):
        def __getitem__(self, i):
            return 2 * super().__getitem__(i)

    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        Doubled(Squares(3), [0])


# ---------------------------------------------------------------------------- random_split
def test_random_split_is_a_partition_and_reproducible():
    parts = random_split(range(10), [3, 7], generator=torch.Generator().manual_seed(42))
    again = random_split(range(10), [3, 7], generator=torch.Generator().manual_seed(42))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    assert [p.indices for p in parts] == [p.indices for p in again]
    torch.manual_seed(1)
    a = random_split(range(10), [5, 5])
    torch.manual_seed(1)
    assert [p.indices for p in a] == [p.indices for p in random_split(range(10), [5, 5])]


@pytest.mark.parametrize(
    "n, fractions",
    [(10, [0.3, 0.3, 0.4]), (11, [0.3, 0.3, 0.4]), (7, [0.5, 0.5]), (5, [0.1] * 10),
     (100, [0.8, 0.1, 0.1]), (3, [1.0]), (13, [0.25, 0.25, 0.25, 0.25])],
)  # fmt: skip
def test_random_split_fraction_lengths_match_torch(n, fractions):
    real = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn about empty splits
        ours = [len(p) for p in random_split(range(n), fractions)]
        theirs = [len(p) for p in real.utils.data.random_split(range(n), fractions)]
    assert ours == theirs


def test_random_split_errors_and_warning():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(range(10), [1.5, -0.5])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(1), [0.5, 0.5])


# ---------------------------------------------------------------------------- samplers
def test_sequential_sampler():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert len(SequentialSampler(range(4))) == 4


def test_random_sampler_is_a_permutation_and_reproducible():
    s = RandomSampler(range(20), generator=torch.Generator().manual_seed(0))
    order = list(s)
    assert sorted(order) == list(range(20)) and len(s) == 20
    assert order != list(s)  # the generator moves on: each epoch is a new order
    torch.manual_seed(3)
    first = list(RandomSampler(range(20)))
    torch.manual_seed(3)
    assert list(RandomSampler(range(20))) == first


def test_random_sampler_num_samples_and_replacement():
    many = list(RandomSampler(range(5), num_samples=12))
    assert len(many) == 12 and sorted(many[:10]) == sorted(list(range(5)) * 2)
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(drawn) == 50 and set(drawn) <= {0, 1, 2}
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(range(3), num_samples=0)


def test_subset_random_sampler():
    s = SubsetRandomSampler([10, 20, 30], generator=torch.Generator().manual_seed(0))
    assert sorted(s) == [10, 20, 30] and len(s) == 3


def test_weighted_random_sampler():
    s = WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], num_samples=200)
    drawn = list(s)
    assert len(s) == 200 and len(drawn) == 200 and set(drawn) <= {1, 3}
    assert drawn.count(3) > drawn.count(1)
    assert sorted(WeightedRandomSampler([1, 1, 1], 3, replacement=False)) == [0, 1, 2]
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], num_samples=True)
    with pytest.raises(ValueError, match="replacement should be a boolean"):
        WeightedRandomSampler([1.0], 1, replacement=None)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence .* shape \(1, 2\)"):
        WeightedRandomSampler([[1.0, 2.0]], 1)


@pytest.mark.parametrize("n, batch_size", [(10, 3), (9, 3), (1, 4), (0, 2)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(n, batch_size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    expected = [list(range(i, min(i + batch_size, n))) for i in range(0, n, batch_size)]
    if drop_last:
        expected = [b for b in expected if len(b) == batch_size]
    assert list(ours) == expected and len(ours) == len(expected)
    real = pytest.importorskip("torch")
    theirs = real.utils.data.BatchSampler(range(n), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_batch_sampler_errors():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(range(3), 2, 1)


def test_sampler_lengths_match_torch():
    real = pytest.importorskip("torch")
    rd = real.utils.data
    for n in (1, 7, 32):
        assert len(RandomSampler(range(n))) == len(rd.RandomSampler(range(n)))
        assert len(RandomSampler(range(n), num_samples=3 * n)) == 3 * n
        assert sorted(RandomSampler(range(n))) == sorted(rd.RandomSampler(range(n)))
        weights = np.arange(1, n + 1)
        assert len(WeightedRandomSampler(weights, 5)) == len(rd.WeightedRandomSampler(weights, 5))
