"""Making tensors: ``tensor``, ``zeros``, ``arange``, ``randn``, ... with torch's dtype rules."""

from __future__ import annotations

import numpy as np

from . import _dtype as dt
from ._tensor import Tensor, _check_device
from .random import _gen


def _finish(data, dtype, requires_grad, device=None):
    _check_device(device)
    t = Tensor._make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_dtype(data):
    """torch's inference: Python floats -> default float, ints -> int64, bools -> bool."""
    if isinstance(data, np.ndarray):
        return dt.from_numpy_dtype(data.dtype)
    if isinstance(data, Tensor):
        return data.dtype
    flat = []

    def walk(x):
        if isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
        elif isinstance(x, Tensor):
            flat.append(x.dtype)
        elif isinstance(x, (np.ndarray, np.generic)):
            flat.append(dt.from_numpy_dtype(x.dtype))  # numpy scalars keep their dtype, as in torch
        else:
            flat.append(dt.scalar_dtype(x))

    walk(data)
    if not flat:
        return dt.get_default_dtype()
    result = flat[0]
    for d in flat[1:]:
        result = dt.promote_types(result, d)
    return result


def _to_array(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return (
            np.array([_to_array(x) for x in data])
            if any(isinstance(x, Tensor) for x in data)
            else data
        )
    return data


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (nested lists, numpy arrays or a number)."""
    if isinstance(data, Tensor):
        import warnings

        warnings.warn(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.clone().detach() "
            "or sourceTensor.clone().detach().requires_grad_(True), rather than "
            "edutorch.tensor(sourceTensor).",
            stacklevel=2,
        )
    try:
        d = dt.to_dtype(dtype) if dtype is not None else _infer_dtype(data)
        arr = np.array(_to_array(data), dtype=d.np)
    except TypeError as e:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}: {e}") from None
    except ValueError as e:
        raise ValueError(
            f"expected sequence of equal-length lists to make a tensor ({e})"
        ) from None
    return _finish(arr, d, requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a numpy array or tensor when the dtype allows."""
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is dt.to_dtype(dtype) else data.to(dtype)
    if isinstance(data, np.ndarray):
        d = dt.to_dtype(dtype) if dtype is not None else dt.from_numpy_dtype(data.dtype)
        return _finish(np.asarray(data, dtype=d.np), d, False, device)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dt.from_numpy_dtype(ndarray.dtype)  # raises for unsupported dtypes
    return Tensor._make(ndarray)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (int, np.integer)):
            raise TypeError(
                "expected a sequence of integers as size, but got an element of type "
                f"{type(s).__name__}"
            )
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(int(s) for s in size)


def _dtype_or_default(dtype):
    return dt.to_dtype(dtype) if dtype is not None else dt.get_default_dtype()


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    d = _dtype_or_default(dtype)
    return _finish(np.zeros(_size(size), dtype=d.np), d, requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    d = _dtype_or_default(dtype)
    return _finish(np.ones(_size(size), dtype=d.np), d, requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None):
    d = _dtype_or_default(dtype)
    return _finish(np.zeros(_size(size), dtype=d.np), d, requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    d = dt.to_dtype(dtype) if dtype is not None else dt.scalar_dtype(fill_value)
    return _finish(np.full(_size((size,)), fill_value, dtype=d.np), d, requires_grad, device)


def _like(fn, input, dtype, requires_grad, **kw):
    return fn(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad, **kw)


def zeros_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(zeros, input, dtype, requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(ones, input, dtype, requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(empty, input, dtype, requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):
    return full(
        tuple(input.shape), fill_value, dtype=dtype or input.dtype, requires_grad=requires_grad
    )


def rand_like(input, dtype=None, requires_grad=False, generator=None):
    return rand(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, dtype=None, requires_grad=False, generator=None):
    return randn(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Numbers from ``start`` up to (not including) ``end``; int64 unless an argument is a float."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        d = dt.get_default_dtype() if any(isinstance(v, float) for v in vals) else dt.int64
    else:
        d = dt.to_dtype(dtype)
    n = int(np.ceil((vals[1] - vals[0]) / vals[2]))
    data = (vals[0] + vals[2] * np.arange(max(n, 0), dtype=np.float64)).astype(d.np)
    return _finish(data, d, requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    d = _dtype_or_default(dtype)
    return _finish(np.linspace(start, end, steps).astype(d.np), d, requires_grad, device)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    d = _dtype_or_default(dtype)
    return _finish(np.logspace(start, end, steps, base=base).astype(d.np), d, requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    d = _dtype_or_default(dtype)
    return _finish(np.eye(n, m, dtype=d.np), d, requires_grad, device)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1)."""
    d = _dtype_or_default(dtype)
    return _finish(_gen(generator).random(_size(size)).astype(d.np), d, requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from the standard normal distribution N(0, 1)."""
    d = _dtype_or_default(dtype)
    return _finish(
        _gen(generator).standard_normal(_size(size)).astype(d.np), d, requires_grad, device
    )


def randint(low=0, high=None, size=None, generator=None, dtype=None, device=None,
            requires_grad=False):  # fmt: skip
    """Integers uniformly from [low, high); ``randint(high, size)`` starts at 0."""
    if size is None:  # randint(high, size): the two positionals shift left
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    d = dt.to_dtype(dtype) if dtype is not None else dt.int64
    data = _gen(generator).integers(low, high, _size((size,))).astype(d.np)
    return _finish(data, d, requires_grad, device)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    """A random ordering of 0 .. n-1."""
    d = dt.to_dtype(dtype) if dtype is not None else dt.int64
    return _finish(_gen(generator).permutation(n).astype(d.np), d, requires_grad, device)


def bernoulli(input, p=None, generator=None):
    probs = input._data if p is None else np.full(input._data.shape, p)
    return Tensor._make((_gen(generator).random(probs.shape) < probs).astype(input._data.dtype))


def multinomial(input, num_samples, replacement=False, generator=None):
    probs = np.atleast_2d(input._data.astype(np.float64))
    rng = _gen(generator)
    rows = []
    for p in probs:
        p = p / p.sum()
        rows.append(rng.choice(len(p), size=num_samples, replace=replacement, p=p))
    out = np.array(rows, dtype=np.int64)
    return Tensor._make(out if input.ndim == 2 else out[0])


def normal(mean, std, size=None, generator=None):
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    shape = _size((size,)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    d = dt.get_default_dtype()
    return Tensor._make(_gen(generator).normal(m, s, shape).astype(d.np))
