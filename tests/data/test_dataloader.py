"""DataLoader and default_collate, compared with torch.utils.data where torch is installed.

Each check builds the same data with ``lib`` = edutorch and ``lib`` = torch and compares a plain
picture of the result (``describe``): container types, tensor shapes, dtypes and values.
"""

import collections
import math
import re
import warnings

import numpy as np
import pytest

import edutorch
from edutorch.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    SequentialSampler,
    TensorDataset,
    default_collate,
    default_convert,
    get_worker_info,
)
from edutorch.utils.data import dataloader as dataloader_module

Point = collections.namedtuple("Point", "x y")


def real_torch():
    return pytest.importorskip("torch")


def describe(x):
    """Tensors as (shape, dtype name, values); containers keep their type; the rest as is."""
    if type(x).__name__ in ("Tensor", "Parameter"):
        values = np.asarray(x.detach().numpy()).tolist()
        return ("tensor", tuple(x.shape), str(x.dtype).split(".")[-1], values)
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.str, x.tolist())
    if isinstance(x, dict):
        return (type(x).__name__, {k: describe(v) for k, v in x.items()})
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, [describe(v) for v in x])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [describe(v) for v in x])
    return (type(x).__name__, x)


def same_in_both(make):
    """``make(lib)`` run with edutorch and torch gives the same picture."""
    ours = describe(make(edutorch))
    assert ours == describe(make(real_torch()))
    return ours


# ---------------------------------------------------------------------------- default_collate
SAMPLES = {
    "tensors": lambda lib: [lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])],
    "int_tensors": lambda lib: [lib.tensor([[1, 2]]), lib.tensor([[3, 4]])],
    "zero_dim": lambda lib: [lib.tensor(1.5), lib.tensor(2.5)],
    "floats": lambda lib: [1.5, 2.25, -3.0],
    "ints": lambda lib: [1, 2, 3],
    "bools": lambda lib: [True, False],
    "int_then_float": lambda lib: [1, 2.5],
    "strings": lambda lib: ["a", "bc"],
    "numpy_f64": lambda lib: [np.zeros(3), np.ones(3)],
    "numpy_f32": lambda lib: [np.zeros((2, 2), np.float32), np.ones((2, 2), np.float32)],
    "numpy_i32": lambda lib: [np.arange(3, dtype=np.int32), np.arange(3, dtype=np.int32)],
    "numpy_scalars": lambda lib: [np.float32(1.5), np.float32(2.5)],
    "numpy_f64_scalars": lambda lib: [np.float64(1.5), np.float64(2.5)],
    "numpy_int_scalars": lambda lib: [np.int16(1), np.int16(2)],
    "tuples": lambda lib: [(lib.tensor([1.0]), 0), (lib.tensor([2.0]), 1)],
    "lists": lambda lib: [[1, 2.0, "a"], [3, 4.0, "b"]],
    "dicts": lambda lib: [
        {"x": lib.tensor([1.0, 2.0]), "y": 0, "name": "a"},
        {"x": lib.tensor([3.0, 4.0]), "y": 1, "name": "b"},
    ],
    "nested": lambda lib: [
        {"pair": (np.float32(1), [1, 2]), "d": {"k": 1.0}},
        {"pair": (np.float32(2), [3, 4]), "d": {"k": 2.0}},
    ],
    "namedtuples": lambda lib: [Point(lib.tensor([1.0]), 1), Point(lib.tensor([2.0]), 2)],
    "ordered_dicts": lambda lib: [collections.OrderedDict(b=1, a=2.0)] * 3,
}


@pytest.mark.parametrize("name", SAMPLES)
def test_default_collate_matches_torch(name):
    make = SAMPLES[name]

    def collate(lib):
        return lib.utils.data.default_collate(make(lib))

    same_in_both(collate)


@pytest.mark.parametrize("name", SAMPLES)
def test_default_convert_matches_torch(name):
    make = SAMPLES[name]
    same_in_both(lambda lib: lib.utils.data.default_convert(make(lib)[0]))


def test_default_collate_without_torch():
    xs, ys = default_collate([(edutorch.ones(2), 1), (edutorch.zeros(2), 2)])
    assert xs.shape == (2, 2) and ys.dtype is edutorch.int64
    assert default_collate([1.0, 2.0]).dtype is edutorch.float64  # torch's collate keeps doubles
    assert default_collate([True, False]).dtype is edutorch.bool
    assert default_collate(["a", "b"]) == ["a", "b"]
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3]
    assert default_convert(np.float64(2.0)).dtype is edutorch.float64
    assert isinstance(default_convert(np.array(["a"])), np.ndarray)


def test_default_collate_errors():
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers"):
        default_collate([None, None])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([edutorch.zeros(2), edutorch.zeros(3)])


def test_collate_keeps_autograd_history():
    w = edutorch.ones(2, requires_grad=True)
    batch = default_collate([w * 2, w * 3])
    batch.sum().backward()
    assert w.grad.tolist() == [5.0, 5.0]


# ---------------------------------------------------------------------------- DataLoader vs torch
def tensor_data(lib, n=10):
    return lib.utils.data.TensorDataset(lib.arange(n * 2.0).reshape(n, 2), lib.arange(n))


class DictData:
    """A map-style dataset (not even a Dataset subclass) returning dicts of mixed values."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return {"x": np.full(2, i, np.float32), "label": i % 3, "w": i / 2, "id": f"s{i}"}

    def __len__(self):
        return self.n


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 11, None])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_and_len_match_torch(batch_size, drop_last):
    if batch_size is None and drop_last:
        return  # an error, tested below

    def batches(lib):
        loader = lib.utils.data.DataLoader(
            tensor_data(lib), batch_size=batch_size, drop_last=drop_last
        )
        return [len(loader), list(loader)]

    same_in_both(batches)


@pytest.mark.parametrize("batch_size", [2, 5])
def test_dict_samples_match_torch(batch_size):
    same_in_both(lambda lib: list(lib.utils.data.DataLoader(DictData(7), batch_size=batch_size)))


def test_len_of_loader_without_torch():
    ds = TensorDataset(edutorch.zeros(10, 1))
    for bs in (1, 3, 4, 10, 11):
        assert len(DataLoader(ds, batch_size=bs)) == math.ceil(10 / bs)
        assert len(DataLoader(ds, batch_size=bs, drop_last=True)) == 10 // bs
        assert len(list(DataLoader(ds, batch_size=bs, drop_last=True))) == 10 // bs
    assert len(DataLoader(ds, batch_size=None)) == 10


def stream_class(lib):
    """An IterableDataset of 0 .. n-1 that splits its work between workers, as torch's docs show."""

    class Stream(lib.utils.data.IterableDataset):
        def __init__(self, n, with_len=True):
            self.n, self.with_len = n, with_len

        def __iter__(self):
            info = lib.utils.data.get_worker_info()
            start, step = (0, 1) if info is None else (info.id, info.num_workers)
            return iter(range(start, self.n, step))

        def __len__(self):
            if not self.with_len:
                raise TypeError("no len")
            return self.n

    return Stream


Stream = stream_class(edutorch)


@pytest.mark.parametrize("batch_size", [None, 1, 3, 7, 8])
@pytest.mark.parametrize("drop_last", [False, True])
def test_iterable_dataset_matches_torch(batch_size, drop_last):
    if batch_size is None and drop_last:
        return

    def run(lib):
        stream = stream_class(lib)(7)
        loader = lib.utils.data.DataLoader(stream, batch_size=batch_size, drop_last=drop_last)
        return [len(loader), list(loader)]

    same_in_both(run)


def test_iterable_dataset_without_len():
    loader = DataLoader(Stream(5, with_len=False), batch_size=2)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4]]
    with pytest.raises(TypeError):
        len(loader)


def test_batch_size_none_converts_samples():
    loader = DataLoader(DictData(2), batch_size=None)
    first = next(iter(loader))
    assert first["x"].shape == (2,) and first["label"] == 0 and first["id"] == "s0"


# ---------------------------------------------------------------------------- shuffling
def test_shuffle_covers_everything_and_is_reproducible():
    ds = tensor_data(edutorch, 20)
    loader = DataLoader(ds, batch_size=6, shuffle=True)

    def epoch():
        return [i for _, y in loader for i in y.tolist()]

    edutorch.manual_seed(0)
    first, second = epoch(), epoch()
    assert sorted(first) == list(range(20)) and first != second
    edutorch.manual_seed(0)
    assert epoch() == first and epoch() == second
    g1, g2 = edutorch.Generator().manual_seed(5), edutorch.Generator().manual_seed(5)
    a = [y.tolist() for _, y in DataLoader(ds, batch_size=6, shuffle=True, generator=g1)]
    b = [y.tolist() for _, y in DataLoader(ds, batch_size=6, shuffle=True, generator=g2)]
    assert a == b


def test_explicit_sampler_batch_sampler_and_collate_fn():
    ds = tensor_data(edutorch, 6)
    loader = DataLoader(ds, batch_size=2, sampler=[5, 4, 3, 2, 1, 0])
    assert [y.tolist() for _, y in loader] == [[5, 4], [3, 2], [1, 0]]
    bs = BatchSampler(SequentialSampler(ds), 4, drop_last=False)
    loader = DataLoader(ds, batch_sampler=bs)
    assert [y.tolist() for _, y in loader] == [[0, 1, 2, 3], [4, 5]] and len(loader) == 2
    loader = DataLoader(ds, batch_size=3, collate_fn=lambda batch: len(batch))
    assert list(loader) == [3, 3]


def test_dataset_getitems_is_used_for_batches():
    class Batched(Dataset):
        calls = []

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [float(i) for i in indices]

        def __len__(self):
            return 5

    out = [b.tolist() for b in DataLoader(Batched(), batch_size=2)]
    assert out == [[0.0, 1.0], [2.0, 3.0], [4.0]] and Batched.calls == [[0, 1], [2, 3], [4]]


# ---------------------------------------------------------------------------- argument errors
CONFLICTS = [
    dict(shuffle=True, sampler=[0, 1]),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(prefetch_factor=2),
    dict(num_workers=1, prefetch_factor=-1),
    dict(persistent_workers=True),
    dict(multiprocessing_context="spawn"),
]


@pytest.mark.parametrize("kwargs", CONFLICTS, ids=lambda kw: "+".join(kw))
def test_argument_conflicts_raise_torchs_errors(kwargs):
    with pytest.raises(ValueError) as ours:
        DataLoader(tensor_data(edutorch), **kwargs)
    torch = real_torch()
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(tensor_data(torch), **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(shuffle=True), "expected unspecified shuffle option, but got shuffle=True"),
        (dict(sampler=[0]), "expected unspecified sampler option, but got sampler=[0]"),
        (dict(batch_sampler=[[0]]), "expected unspecified batch_sampler option"),
    ],
)
def test_iterable_dataset_refuses_ordering_options(kwargs, message):
    with pytest.raises(ValueError, match=re.escape("DataLoader with IterableDataset: " + message)):
        DataLoader(Stream(3), **kwargs)


def test_attributes_are_frozen_after_init():
    loader = DataLoader(tensor_data(edutorch))
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader"):
        loader.batch_size = 4
    loader.num_workers = 0  # allowed, as in torch


# ---------------------------------------------------------------------------- workers, pin_memory
def test_num_workers_runs_in_main_process_with_one_warning(monkeypatch):
    monkeypatch.setattr(dataloader_module, "_warned_about_workers", False)
    ds = tensor_data(edutorch)
    with pytest.warns(UserWarning, match="main process") as record:
        loader = DataLoader(ds, batch_size=3, num_workers=4)
        DataLoader(ds, batch_size=3, num_workers=2)
    assert len([w for w in record if "main process" in str(w.message)]) == 1
    assert loader.prefetch_factor == 2
    plain = DataLoader(ds, batch_size=3)
    assert describe(list(loader)) == describe(list(plain))


def test_worker_init_fn_and_worker_info(monkeypatch):
    monkeypatch.setattr(dataloader_module, "_warned_about_workers", True)
    seen = []

    def init(worker_id):
        info = get_worker_info()
        seen.append((worker_id, info.id, info.num_workers, type(info.dataset).__name__))

    loader = DataLoader(Stream(5), batch_size=2, num_workers=3, worker_init_fn=init)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4]]  # one worker sees all the data
    assert seen == [(0, 0, 1, "Stream")]
    assert get_worker_info() is None  # only set while the loader fetches


def test_pin_memory_warns_and_still_loads():
    loader = DataLoader(tensor_data(edutorch), batch_size=5, pin_memory=True)
    with pytest.warns(UserWarning, match="no accelerator is found"):
        batches = list(loader)
    assert len(batches) == 2


def test_loader_iterator_has_len():
    loader = DataLoader(tensor_data(edutorch), batch_size=4)
    it = iter(loader)
    assert len(it) == 3 and iter(it) is it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(it)) == 3
