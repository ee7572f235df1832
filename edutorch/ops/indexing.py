"""Indexing ops: ``x[key]``, gather, scatter_add, masked_fill and ``x[key] = v``."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from ._util import norm_dim


def to_numpy_key(key):
    """Turn a torch index (ints, slices, None, ..., bool masks, index tensors) into numpy's."""
    if isinstance(key, tuple):
        return tuple(_key_part(k) for k in key)
    return _key_part(key)


def _key_part(k):
    if isinstance(k, Tensor):
        if k._data.dtype.kind not in "biu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return k._data
    if isinstance(k, list):
        return (
            np.asarray([_key_part(i) for i in k])
            if k and isinstance(k[0], Tensor)
            else np.asarray(k)
        )
    if isinstance(k, (bool, np.bool_)):
        return np.bool_(k)
    if isinstance(k, float):
        raise IndexError(_BAD_INDEX + " (got float)")
    return k


def _is_basic(key):
    """Basic indexing (ints, slices, None, ...) gives a view and never repeats an element."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(
        isinstance(p, (int, slice, type(None), type(Ellipsis))) and not isinstance(p, bool)
        for p in parts
    )


def _index(x, key, shape_for_error):
    try:
        return x[key]
    except IndexError as e:
        raise IndexError(_torch_index_message(str(e), x, key)) from None
    except TypeError:
        raise IndexError(_BAD_INDEX + f" (got {type(key).__name__})") from None


_BAD_INDEX = (
    "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
    "indices"
)


def _torch_index_message(msg, x, key):
    """numpy's indexing complaint, said the way torch says it."""
    if msg.startswith("too many indices"):
        if x.ndim == 0 and isinstance(key, (int, np.integer)):
            return (
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
            )
        return f"too many indices for tensor of dimension {x.ndim}"
    if msg.startswith("boolean index did not match"):
        # "... along axis D; size of axis is S but size of corresponding boolean axis is B"
        dim = int(msg.split("along ")[1].split(" ")[1].rstrip(";"))
        parts = key if isinstance(key, tuple) else (key,)
        mask = next(p for p in parts if isinstance(p, np.ndarray) and p.dtype == np.bool_)
        at = next((i for i, n in enumerate(mask.shape) if n != x.shape[dim]), 0)
        return (
            f"The shape of the mask {list(mask.shape)} at index {at} does not match the shape of "
            f"the indexed tensor {list(x.shape)} at index {dim}"
        )
    if msg.startswith("only integers"):
        return _BAD_INDEX
    if msg.startswith("arrays used as indices"):
        return "tensors used as indices must be long, int, byte or bool tensors"
    return msg.replace("axis", "dimension")


class GetItem(Op):
    """out = x[key]; the gradient lands back in the indexed places (summed where indices repeat)."""

    @staticmethod
    def forward(ctx, a, key):
        x = a._data
        np_key = to_numpy_key(key)
        if _is_basic(np_key) and not (isinstance(np_key, tuple) and ... in np_key):
            # with a trailing ..., x[0] of a vector is a 0-dim view (numpy would copy a scalar)
            np_key = (*np_key, ...) if isinstance(np_key, tuple) else (np_key, ...)
        out = _index(x, np_key, x.shape)
        ctx.key, ctx.shape = np_key, x.shape
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    @staticmethod
    def backward(ctx, grad):
        return IndexAccumulate.apply(grad, ctx.shape, ctx.key)

    @classmethod
    def apply(cls, a, key):
        out = super().apply(a, key)
        if np.shares_memory(out._data, a._data):
            out._vc = a._vc  # basic indexing returns a view, as in torch
            if STATE.grad_enabled:
                out._set_view_of(a, lambda t: cls.apply(t, key))
        return out


class IndexAccumulate(Op):
    """zeros(shape) with ``grad`` added at ``key`` (np.add.at so repeated indices accumulate)."""

    @staticmethod
    def forward(ctx, grad, shape, key):
        ctx.key = key
        out = np.zeros(shape, dtype=grad._data.dtype)
        if _is_basic(key):
            out[key] = grad._data
        else:
            np.add.at(out, key, grad._data)
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, ctx.key)


def _gather_index(x, dim, index, op):
    idx = index._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"{op}(): Expected dtype int64 for index")
    if idx.ndim != x.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    axis = norm_dim(dim, x.ndim, op)
    size = x.shape[axis] if x.ndim else 1
    if idx.size and (idx.max() >= size or idx.min() < -size):
        bad = idx.max() if idx.max() >= size else idx.min()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {axis} with size {size}")
    return axis, idx


class Gather(Op):
    """out[i][j] = x[i][index[i][j]] (for dim=1); the gradient is scattered back with addition."""

    @staticmethod
    def forward(ctx, a, dim, index):
        x = a._data
        axis, idx = _gather_index(x, dim, index, "gather")
        # index may be smaller than x in the other dims: look only at that corner of x
        corner = tuple(slice(None) if d == axis else slice(0, idx.shape[d]) for d in range(x.ndim))
        ctx.axis, ctx.index, ctx.shape = axis, index, x.shape
        return np.take_along_axis(x[corner], idx, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        zeros = Tensor._make(np.zeros(ctx.shape, dtype=grad._data.dtype))
        return zeros.scatter_add(ctx.axis, ctx.index, grad), None, None


class ScatterAdd(Op):
    """out = x with src[i][j] added at out[i][index[i][j]] (dim=1).

    Gradients: x gets g, src gets g gathered.
    """

    @staticmethod
    def forward(ctx, a, dim, index, src):
        x = a._data
        axis, idx = _gather_index(x, dim, index, "scatter_add")
        if src._data.dtype != x.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        if src._data.ndim != idx.ndim or any(i > s for i, s in zip(idx.shape, src._data.shape)):
            raise RuntimeError(
                f"Expected index {list(idx.shape)} to be smaller than self {list(x.shape)} apart "
                f"from dimension {axis} and to be smaller size than src {list(src._data.shape)}"
            )
        out = x.copy()
        coords = list(np.indices(idx.shape, sparse=True))
        coords[axis] = idx
        src_part = src._data[tuple(slice(0, n) for n in idx.shape)]
        np.add.at(out, tuple(coords), src_part.astype(x.dtype, copy=False))
        ctx.axis, ctx.index, ctx.src_shape = axis, index, src._data.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        g_src = None
        if ctx.needs_input_grad[3]:
            g_src = grad.gather(ctx.axis, ctx.index)
            if g_src.shape != ctx.src_shape:  # src may be larger than index: the rest gets 0
                full = Tensor._make(np.zeros(ctx.src_shape, dtype=grad._data.dtype))
                key = tuple(slice(0, n) for n in ctx.index.shape)
                g_src = full.index_put(key, g_src)
        return grad, None, None, g_src


class MaskedFill(Op):
    """out = value where mask is true, else x; the gradient is zero where the mask is true."""

    @staticmethod
    def forward(ctx, a, mask, value):
        if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
            raise RuntimeError(
                "masked_fill_ only supports boolean masks, but got mask with dtype "
                f"{mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__}"
            )
        v = value._data if isinstance(value, Tensor) else value
        if isinstance(value, Tensor) and value.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        ctx.mask = mask
        try:  # out of place, the result broadcasts (x_.masked_fill_ checks it fits x)
            return np.where(mask._data, np.asarray(v, dtype=a._data.dtype), a._data)
        except ValueError:
            from ._util import broadcast_error

            raise broadcast_error(a, mask) from None

    @staticmethod
    def backward(ctx, grad):
        mask = ctx.mask
        g_value = grad.masked_fill(~mask, 0.0).sum() if ctx.needs_input_grad[2] else None
        return grad.masked_fill(mask, 0.0), None, g_value


class CopySlices(Op):
    """``base`` with the region ``view(base)`` replaced by ``values``: an in-place op on a view,
    seen from the tensor it views. The region's gradient goes to ``values``, the rest to
    ``base``."""

    @staticmethod
    def forward(ctx, base, values, view):
        ctx.view = view
        out = base._data.copy()
        np.copyto(view(Tensor._make(out))._data, values._data, casting="unsafe")  # writes into out
        return out

    @staticmethod
    def backward(ctx, grad):
        grad = grad.contiguous()  # the view is replayed as it was made: on contiguous memory
        region = ctx.view(grad)
        g_base = CopySlices.apply(grad, region * 0, ctx.view) if ctx.needs_input_grad[0] else None
        return g_base, region, None


class IndexPut(Op):
    """out = copy of x with out[key] = value (``x[key] = value`` under autograd)."""

    @staticmethod
    def forward(ctx, a, key, value):
        np_key = to_numpy_key(key)
        out = a._data.copy()
        v = value._data if isinstance(value, Tensor) else value
        try:
            out[np_key] = v
        except ValueError:
            target = _index(a._data, np_key, a.shape).shape
            raise RuntimeError(
                f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot be broadcast to "
                f"indexing result of shape {list(target)}"
            ) from None
        except IndexError as e:
            raise IndexError(_torch_index_message(str(e), a._data, np_key)) from None
        ctx.key = np_key
        ctx.value_shape = np.shape(v)
        return out

    @staticmethod
    def backward(ctx, grad):
        g_self = grad.index_put(ctx.key, 0.0) if ctx.needs_input_grad[0] else None
        g_value = None
        if ctx.needs_input_grad[2]:
            g_value = GetItem.apply(grad, ctx.key)
        return g_self, None, g_value
