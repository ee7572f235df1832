"""``default_collate`` joins a list of samples into a batch; ``default_convert`` converts one.

Both follow ``torch.utils.data._utils.collate``: the structure of a sample is kept (tuple, dict,
namedtuple...) and every leaf becomes a tensor with one more dimension in front, the batch.
"""

from __future__ import annotations

import collections.abc
import copy
import re

import numpy as np

from ..._creation import as_tensor, tensor
from ..._dtype import float64
from ..._tensor import Tensor
from ...ops import stack

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map"]

# numpy dtypes that hold strings (S, a, U) or Python objects (O): they have no tensor equivalent
_np_str_obj = re.compile(r"[SaUO]")

_ERR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def default_convert(data):
    """Numpy arrays and scalars inside ``data`` become tensors; everything else is kept.

    This is what ``DataLoader(batch_size=None)`` applies to each sample (no batch dimension).
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        if isinstance(data, np.ndarray) and _np_str_obj.search(data.dtype.str):
            return data
        return as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {k: default_convert(data[k]) for k in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a namedtuple keeps its type
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # torch returns a list, for compatibility
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def _rebuild_mapping(like, values):
    """A mapping of ``like``'s type holding ``values`` (a plain dict if that type can't be made)."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            clone = copy.copy(like)  # keeps the type and any extra state, e.g. a defaultdict
            clone.update(values)
            return clone
        return type(like)(values)
    except TypeError:
        return values


def _rebuild_sequence(like, values):
    try:
        if isinstance(like, collections.abc.MutableSequence):
            clone = copy.copy(like)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(like)(values)
    except TypeError:
        return values


def collate(batch, *, collate_fn_map=None):
    """Collate ``batch`` (a list of samples), looking up how to join leaves in ``collate_fn_map``.

    The map goes from a type (or tuple of types) to ``fn(batch, *, collate_fn_map)``; an exact type
    match wins, otherwise the first entry ``isinstance`` accepts. Containers are handled here.
    """
    elem = batch[0]
    if collate_fn_map is not None:
        if type(elem) in collate_fn_map:
            return collate_fn_map[type(elem)](batch, collate_fn_map=collate_fn_map)
        for kind, fn in collate_fn_map.items():
            if isinstance(elem, kind):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        joined = {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map) for k in elem}
        return _rebuild_mapping(elem, joined)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple: field by field
        return type(elem)(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        # transpose: a batch of (x, y) pairs becomes [all xs, all ys]
        joined = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return joined  # torch returns a list, for compatibility
        return _rebuild_sequence(elem, joined)
    raise TypeError(_ERR.format(type(elem)))


def _collate_tensors(batch, *, collate_fn_map=None):
    shape, dtype = batch[0]._data.shape, batch[0]._data.dtype
    same = all(t._data.shape == shape and t._data.dtype == dtype for t in batch)
    if same and not any(t.requires_grad for t in batch):
        return Tensor._make(np.stack([t._data for t in batch]))  # fast path: nothing to track
    return stack(batch, 0)  # records autograd history, and raises torch's error on a mismatch


def _collate_numpy_arrays(batch, *, collate_fn_map=None):
    if _np_str_obj.search(batch[0].dtype.str):
        raise TypeError(_ERR.format(batch[0].dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def _collate_numpy_scalars(batch, *, collate_fn_map=None):
    return as_tensor(np.asarray(batch))  # keeps the numpy dtype, e.g. float32 stays float32


def _collate_floats(batch, *, collate_fn_map=None):
    return tensor(batch, dtype=float64)  # Python floats are doubles, so torch keeps float64


def _collate_ints(batch, *, collate_fn_map=None):
    return tensor(batch)  # int64 (or bool for True/False)


def _collate_strings(batch, *, collate_fn_map=None):
    return batch  # strings stay a list


default_collate_fn_map = {
    Tensor: _collate_tensors,
    np.ndarray: _collate_numpy_arrays,
    (np.bool_, np.number, np.object_): _collate_numpy_scalars,
    float: _collate_floats,
    int: _collate_ints,
    str: _collate_strings,
    bytes: _collate_strings,
}


def default_collate(batch):
    """Join a list of samples into a batch, as torch's ``default_collate`` does.

    >>> default_collate([(tensor([1.0, 2.0]), 0), (tensor([3.0, 4.0]), 1)])
    [tensor([[1., 2.],
            [3., 4.]]), tensor([0, 1])]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
