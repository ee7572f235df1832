"""Helpers every op file uses: operand promotion, torch-worded errors, dim normalisation."""

from __future__ import annotations

import numpy as np

from .._dtype import float32, get_default_dtype, result_type
from .._tensor import Tensor


def as_tensor_arg(x, name="input", op="op"):
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def binary_operands(a, b, op, to_float=False):
    """numpy values of ``a`` and ``b`` cast to torch's result dtype for ``op``.

    Python scalars stay Python scalars: numpy treats them as weak, as torch does.
    ``to_float`` makes integer results floating point (true division).
    """
    xa = a._data if isinstance(a, Tensor) else a
    xb = b._data if isinstance(b, Tensor) else b
    # fast path: a float tensor with a float tensor of the same dtype, or with a Python number
    if isinstance(a, Tensor) and xa.dtype.kind == "f":
        if (isinstance(b, Tensor) and xb.dtype == xa.dtype) or type(b) in (float, int):
            return xa, xb
    elif type(a) in (float, int) and isinstance(b, Tensor) and xb.dtype.kind == "f":
        return xa, xb  # a Python number with a float tensor (1 - x): the tensor's dtype wins
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): expected at least one Tensor argument")
    if isinstance(a, np.generic):
        xa = a = a.item()
    if isinstance(b, np.generic):
        xb = b = b.item()
    try:
        dt = result_type(a, b)
    except TypeError:
        raise TypeError(
            f"unsupported operand type(s) for {op}: '{type(a).__name__}' and '{type(b).__name__}'"
        ) from None
    if to_float and not dt.is_floating_point:
        dt = get_default_dtype()
    if isinstance(a, Tensor) and xa.dtype != dt.np:
        xa = xa.astype(dt.np)
    if isinstance(b, Tensor) and xb.dtype != dt.np:
        xb = xb.astype(dt.np)
    if not isinstance(a, Tensor):
        xa = float(xa) if to_float else _wrap_int(xa, dt.np)
    if not isinstance(b, Tensor):
        xb = float(xb) if to_float else _wrap_int(xb, dt.np)
    return xa, xb


def _wrap_int(x, np_dtype):
    """A Python int outside an integer dtype's range wraps around, as in torch (uint8 + 300)."""
    if type(x) is int and np_dtype.kind in "iu":
        info = np.iinfo(np_dtype)
        if not info.min <= x <= info.max:
            if not -(2**63) <= x < 2**63:
                raise RuntimeError("value cannot be converted to type int64 without overflow")
            return np.array(x, dtype=np.int64).astype(np_dtype)
    return x


def broadcast_error(a, b):
    """RuntimeError in torch's words for two shapes that do not broadcast."""
    sa = tuple(np.shape(a._data if isinstance(a, Tensor) else a))
    sb = tuple(np.shape(b._data if isinstance(b, Tensor) else b))
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    for dim in range(n - 1, -1, -1):
        if pa[dim] != pb[dim] and pa[dim] != 1 and pb[dim] != 1:
            return RuntimeError(
                f"The size of tensor a ({pa[dim]}) must match the size of tensor b ({pb[dim]}) "
                f"at non-singleton dimension {dim}"
            )
    return RuntimeError(f"shapes {list(sa)} and {list(sb)} cannot be broadcast together")


def broadcast_shapes(*shapes):
    """The shape all of ``shapes`` broadcast to, or torch's RuntimeError."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        n = max(len(s) for s in shapes)
        for dim in range(n - 1, -1, -1):
            sizes = {s[dim - (n - len(s))] for s in shapes if dim - (n - len(s)) >= 0} - {1}
            if len(sizes) > 1:
                x, y = sorted(sizes)[:2]
                raise RuntimeError(
                    f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                    f"at non-singleton dimension {dim}"
                ) from None
        raise


def norm_dim(dim, ndim, op="op"):
    """A dim in [-ndim, ndim) as a non-negative int, or torch's IndexError."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    n = max(ndim, 1)  # a 0-dim tensor accepts dim 0 and -1, as in torch
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return int(dim) % n


def norm_dims(dim, ndim, op="op"):
    """``dim`` (None, int or sequence) as a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        axes = [norm_dim(d, ndim, op) for d in dim]
        for i, d in enumerate(axes):
            if d in axes[:i]:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        return tuple(sorted(axes)) if ndim else ()
    return (norm_dim(dim, ndim, op),) if ndim else ()


def float_dtype_of(x):
    """numpy dtype to compute a float result of ``x`` in (ints become the default float)."""
    return x.dtype if x.dtype.kind == "f" else (get_default_dtype() or float32).np
