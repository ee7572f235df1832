"""Reductions and ops built on them: sum, mean, prod, max/min, logsumexp, softmax, cumsum, norm."""

from __future__ import annotations

import numpy as np

from .._tensor import _TYPE_NAMES, Tensor
from ..autograd.function import Op
from ._util import float_dtype_of, norm_dim, norm_dims


def _float_only(a, op):
    """softmax and friends are defined for floating-point input only, as in torch."""
    x = a._data
    if x.dtype.kind != "f":
        name = {"int64": "Long", "int32": "Int", "bool": "Bool"}.get(a.dtype.name, a.dtype.name)
        raise RuntimeError(f"\"{op}\" not implemented for '{name}'")
    return x


def _expand_back(grad, shape, axes, keepdim):
    """Undo a reduction for the backward pass: put reduced axes back (size 1), then broadcast."""
    if not keepdim and axes:
        grad = grad.reshape(tuple(1 if i in axes else s for i, s in enumerate(shape)))
    return grad.expand(shape)


class _SavesOutput(Op):
    """An op whose backward needs its own output, saved once ``apply`` has wrapped it in a Tensor
    (saving the Tensor, not a numpy copy, keeps the backward differentiable for create_graph)."""

    save_input = False  # also save the input: backward gets (input, output)

    @classmethod
    def apply(cls, a, *args):
        out = super().apply(a, *args)
        node = out.grad_fn
        if node is not None and node.fn is cls:
            y = node.unlinked_output(out)
            node.save_for_backward(*((a, y) if cls.save_input else (y,)))
        return out


class Sum(Op):
    """out = Σ x over ``dim``; every input element gets the output's gradient."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, dtype=None):
        x = a._data
        ctx.axes = norm_dims(dim, x.ndim, "sum")
        ctx.shape, ctx.keepdim = x.shape, keepdim
        if dtype is not None:
            np_dtype = dtype.np
        elif x.dtype.kind in "bu" or x.dtype in (np.int8, np.int16, np.int32):
            np_dtype = np.int64  # torch sums bools and small ints as int64
        else:
            np_dtype = None
        return np.asarray(np.sum(x, axis=ctx.axes, keepdims=keepdim, dtype=np_dtype))

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.shape, ctx.axes, ctx.keepdim)


class Mean(Op):
    """out = (1/n) Σ x over ``dim``; every input element gets 1/n of the output's gradient."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, dtype=None):
        x = a._data
        if dtype is None and x.dtype.kind != "f":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point "
                f"or complex dtype. Got: {_TYPE_NAMES[x.dtype][:-6]}"
            )
        ctx.axes = norm_dims(dim, x.ndim, "mean")
        ctx.shape, ctx.keepdim = x.shape, keepdim
        ctx.count = int(np.prod([x.shape[i] for i in ctx.axes])) if ctx.axes else 1
        return np.asarray(
            np.mean(x, axis=ctx.axes, keepdims=keepdim, dtype=dtype.np if dtype else None)
        )

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad / ctx.count, ctx.shape, ctx.axes, ctx.keepdim)


class Prod(Op):
    """out = Π x over ``dim``; d out/d xᵢ = product of all the other elements (exact with zeros)."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        x = a._data
        ctx.save_for_backward(a)
        ctx.dim, ctx.keepdim = dim, keepdim
        if dim is None:
            return np.asarray(np.prod(x))
        ctx.axis = norm_dim(dim, x.ndim, "prod")
        return np.prod(x, axis=ctx.axis, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        x = a._data
        flat = ctx.dim is None
        axes = tuple(range(x.ndim)) if flat else (ctx.axis,) if x.ndim else ()
        if not (x == 0).any():
            # the product of the others is prod / xᵢ; in Tensor ops, so it differentiates again
            p = a.prod() if flat else a.prod(ctx.axis, keepdim=True)
            return _expand_back(grad, x.shape, axes, ctx.keepdim) * (p / a)
        xs = x.reshape(-1) if flat else np.moveaxis(x, ctx.axis, -1) if x.ndim else x.reshape(1)
        ones = np.ones_like(xs[..., :1])
        left = np.cumprod(np.concatenate([ones, xs[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, xs[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = left * right  # product of everything but element i, without dividing by it
        if flat:
            others = others.reshape(x.shape)
        else:
            others = np.moveaxis(others, -1, ctx.axis).reshape(x.shape)
        return _expand_back(grad, x.shape, axes, ctx.keepdim) * Tensor._make(others)


class MaxMin(Op):
    """max/min over ``dim``: returns values and (non-differentiable) indices of the winners.

    The gradient goes to the element that won (the first one on ties, like argmax).
    """

    @staticmethod
    def forward(ctx, a, dim, keepdim=False, is_max=True):
        x = a._data
        axis = norm_dim(dim, x.ndim, "max" if is_max else "min")
        if x.ndim and x.shape[axis] == 0:
            raise IndexError(
                f"{'max' if is_max else 'min'}(): Expected reduction dim {axis} "
                "to have non-zero size."
            )
        xa = x if x.ndim else x.reshape(1)
        idx = (np.argmax if is_max else np.argmin)(xa, axis=axis, keepdims=True)
        values = np.take_along_axis(xa, idx, axis=axis)
        if not keepdim:
            values, idx = values.squeeze(axis), idx.squeeze(axis)
        if not x.ndim:
            values, idx = values.reshape(()), idx.reshape(())
        ctx.axis, ctx.keepdim, ctx.shape = axis, keepdim, x.shape
        ctx.indices = idx
        ctx.set_materialize_grads(False)  # the indices output never gets a gradient
        return values, idx.astype(np.int64)

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        idx = Tensor._make(ctx.indices if ctx.keepdim else np.expand_dims(ctx.indices, ctx.axis))
        g = grad if ctx.keepdim else grad.unsqueeze(ctx.axis)
        if not ctx.shape:
            return g.reshape(())
        zeros = Tensor._make(np.zeros(ctx.shape, dtype=grad._data.dtype))
        return zeros.scatter_add(ctx.axis, idx, g)


class MaxAll(Op):
    """max()/min() of the whole tensor; ties share the gradient evenly, as torch does."""

    @staticmethod
    def forward(ctx, a, is_max=True):
        x = a._data
        if x.size == 0:
            raise RuntimeError(
                f"{'max' if is_max else 'min'}(): Expected reduction dim to be specified for "
                "input.numel() == 0. Specify the reduction dim with the 'dim' argument."
            )
        out = np.asarray(x.max() if is_max else x.min())
        ctx.save_for_backward(a)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        winners = Tensor._make((a._data == ctx.out).astype(grad._data.dtype))
        return grad * winners / winners.sum()


class LogSumExp(_SavesOutput):
    """out = log Σ exp(x), computed as m + log Σ exp(x - m) so large x do not overflow;
    d out/dx = exp(x - out), the softmax."""

    save_input = True

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        x = a._data.astype(float_dtype_of(a._data), copy=False)
        axes = norm_dims(dim, x.ndim, "logsumexp")
        m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else out.squeeze(axis=axes) if axes else out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        softmax = (a - _expand_back(out, a.shape, ctx.axes, ctx.keepdim)).exp()
        return _expand_back(grad, a.shape, ctx.axes, ctx.keepdim) * softmax


class Softmax(_SavesOutput):
    """yᵢ = exp(xᵢ) / Σⱼ exp(xⱼ) along ``dim``; backward: y ⊙ (g - Σ g⊙y)."""

    @staticmethod
    def forward(ctx, a, dim):
        x = _float_only(a, "softmax")
        ctx.axis = norm_dim(dim, x.ndim, "softmax")
        if x.size == 0:
            return x.copy()
        e = np.exp(x - np.max(x, axis=ctx.axis, keepdims=True)) if x.ndim else np.ones_like(x)
        return e / np.sum(e, axis=ctx.axis, keepdims=True) if x.ndim else e

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        if not y.ndim:
            return grad * 0
        return y * (grad - (grad * y).sum(ctx.axis, keepdim=True))


class LogSoftmax(_SavesOutput):
    """yᵢ = xᵢ - log Σⱼ exp(xⱼ) along ``dim``; backward: g - softmax ⊙ Σ g."""

    @staticmethod
    def forward(ctx, a, dim):
        x = _float_only(a, "log_softmax")
        ctx.axis = norm_dim(dim, x.ndim, "log_softmax")
        if not x.ndim or x.size == 0:
            return np.zeros_like(x)
        shifted = x - np.max(x, axis=ctx.axis, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=ctx.axis, keepdims=True))

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        if not y.ndim:
            return grad * 0
        return grad - y.exp() * grad.sum(ctx.axis, keepdim=True)


class Cumsum(Op):
    """Running sum along ``dim``; the gradient is the running sum of grad taken from the end."""

    @staticmethod
    def forward(ctx, a, dim, dtype=None):
        x = a._data
        ctx.axis = norm_dim(dim, x.ndim, "cumsum")
        if dtype is None and x.dtype.kind in "bui" and x.dtype != np.int64:
            dtype_np = np.int64
        else:
            dtype_np = dtype.np if dtype is not None else None
        return np.cumsum(x, axis=ctx.axis if x.ndim else None, dtype=dtype_np).reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        if not grad.ndim:
            return grad
        return grad.flip(ctx.axis).cumsum(ctx.axis).flip(ctx.axis)


class Norm2(_SavesOutput):
    """Euclidean norm √Σx² over ``dim``; gradient x / ‖x‖ (0 where the norm is 0, as torch)."""

    save_input = True

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        x = a._data.astype(float_dtype_of(a._data), copy=False)
        ctx.axes = norm_dims(dim, x.ndim, "norm")
        ctx.keepdim = keepdim
        out = np.sqrt(np.sum(x * x, axis=ctx.axes, keepdims=True))
        return out if keepdim else (out.squeeze(axis=ctx.axes) if ctx.axes else out)

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        g = _expand_back(grad, a.shape, ctx.axes, ctx.keepdim)
        norm = _expand_back(out, a.shape, ctx.axes, ctx.keepdim)
        return a * (g / norm).masked_fill(norm == 0, 0.0)
