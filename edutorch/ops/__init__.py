"""The functional form of every op: ``edutorch.add(a, b)``, ``edutorch.sum(x, dim=1)``, ...

Each function checks its arguments and calls one ``Op`` (or a few, for composite ops such as
``var``). ``Tensor`` methods and operators call these (see ``methods.py``).
"""

from __future__ import annotations

import builtins

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from . import pointwise, reduction
from . import shape as shape_mod
from ._util import norm_dim, norm_dims
from .indexing import CopySlices, Gather, GetItem, IndexPut, MaskedFill, ScatterAdd  # noqa: F401
from .linalg import bmm, dot, matmul, mm, mv
from .shape import cat, stack

P = pointwise


class Clone(Op):
    """A copy with its own memory; the gradient passes straight through."""

    @staticmethod
    def forward(ctx, a):
        return a._data.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class Cast(Op):
    """Convert to another dtype; the gradient is converted back (and is None for integer inputs)."""

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.in_dtype = a.dtype
        return a._data.astype(dtype.np)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.in_dtype.is_floating_point:
            return None, None
        return grad.to(ctx.in_dtype), None


class Copy(Op):
    """``dst.copy_(src)`` / ``dst.fill_(v)``: a tensor shaped like dst holding src's values."""

    @staticmethod
    def forward(ctx, dst, src):
        v = src._data if isinstance(src, Tensor) else src
        try:
            return np.broadcast_to(np.asarray(v, dtype=dst._data.dtype), dst._data.shape).copy()
        except ValueError:
            raise RuntimeError(
                f"The size of tensor a ({dst.shape[-1] if dst.ndim else 1}) must match the size of "
                f"tensor b ({np.shape(v)[-1] if np.ndim(v) else 1}) at non-singleton dimension "
                f"{max(dst.ndim - 1, 0)}"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        return None, grad


def _check_tensor(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{op}(): argument '{name}' (position 1) must be Tensor, not {type(x).__name__}"
        )


# ---------------------------------------------------------------- arithmetic
def add(input, other, alpha=1):
    return P.Add.apply(input, other, alpha)


def sub(input, other, alpha=1):
    return P.Sub.apply(input, other, alpha)


subtract = sub


def mul(input, other):
    return P.Mul.apply(input, other)


multiply = mul


def div(input, other, rounding_mode=None):
    return P.Div.apply(input, other, rounding_mode)


divide = true_divide = div


def floor_divide(input, other):
    return P.FloorDivide.apply(input, other)


def remainder(input, other):
    return P.Remainder.apply(input, other)


fmod = remainder


def pow(input, exponent):
    return P.Pow.apply(input, exponent)


def neg(input):
    return P.Neg.apply(input)


negative = neg


def exp(input):
    return P.Exp.apply(input)


def log(input):
    return P.Log.apply(input)


def log1p(input):
    return P.Log1p.apply(input)


def log2(input):
    return log(input) / float(np.log(2.0))


def log10(input):
    return log(input) / float(np.log(10.0))


def expm1(input):
    return exp(input) - 1


def sqrt(input):
    return P.Sqrt.apply(input)


def rsqrt(input):
    return P.Rsqrt.apply(input)


def square(input):
    return P.Mul.apply(input, input)


def reciprocal(input):
    return P.Div.apply(1.0, input)


def sin(input):
    return P.Sin.apply(input)


def cos(input):
    return P.Cos.apply(input)


def tan(input):
    return sin(input) / cos(input)


def tanh(input):
    return P.Tanh.apply(input)


def sigmoid(input):
    return P.Sigmoid.apply(input)


def relu(input):
    return P.Relu.apply(input)


def abs(input):
    return P.Abs.apply(input)


absolute = abs


def sign(input):
    return P.Sign.apply(input)


def clamp(input, min=None, max=None):
    return P.Clamp.apply(input, min, max)


clip = clamp


def clamp_min(input, min):
    return P.Clamp.apply(input, min, None)


def clamp_max(input, max):
    return P.Clamp.apply(input, None, max)


def maximum(input, other):
    return P.Maximum.apply(input, other)


def minimum(input, other):
    return P.Minimum.apply(input, other)


def where(condition, input=None, other=None):
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    return P.Where.apply(condition, input, other)


def lerp(input, end, weight):
    return input + weight * (end - input)


def addcmul(input, tensor1, tensor2, value=1):
    return input + value * tensor1 * tensor2


def addcdiv(input, tensor1, tensor2, value=1):
    return input + value * tensor1 / tensor2


# ---------------------------------------------------------------- rounding (no gradient)
def _no_grad_unary(fn):
    def op(input):
        return Tensor._make(fn(input._data))

    op.__name__ = fn.__name__
    return op


floor = _no_grad_unary(np.floor)
ceil = _no_grad_unary(np.ceil)
round = _no_grad_unary(np.round)
trunc = _no_grad_unary(np.trunc)
isnan = _no_grad_unary(np.isnan)
isinf = _no_grad_unary(np.isinf)
isfinite = _no_grad_unary(np.isfinite)
logical_not = _no_grad_unary(np.logical_not)


# ---------------------------------------------------------------- comparisons and logic
def _compare(ufunc, name):
    def op(input, other):
        from ._util import binary_operands, broadcast_error

        if not isinstance(other, (Tensor, int, float, np.number)):
            if name in ("eq", "ne"):  # `t == None` or `t == "a"` is plain False, as in Python
                return name == "ne"
            raise TypeError(
                f"{name}(): argument 'other' must be Tensor or Number, not {type(other).__name__}"
            )

        x, y = binary_operands(input, other, name)
        try:
            return Tensor._make(np.asarray(ufunc(x, y)))
        except ValueError:
            raise broadcast_error(input, other) from None

    op.__name__ = name
    return op


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")
logical_xor = _compare(np.logical_xor, "logical_xor")
bitwise_and = _compare(np.bitwise_and, "bitwise_and")
bitwise_or = _compare(np.bitwise_or, "bitwise_or")
bitwise_xor = _compare(np.bitwise_xor, "bitwise_xor")
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne


def bitwise_not(input):
    if input._data.dtype == np.bool_:
        return Tensor._make(np.logical_not(input._data))
    if input._data.dtype.kind not in "iu":
        raise TypeError("bitwise_not is only supported for integer and boolean tensors")
    return Tensor._make(np.invert(input._data))


def equal(input, other) -> bool:
    return input.shape == other.shape and builtins.bool(np.array_equal(input._data, other._data))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return builtins.bool(
        np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan)
    )


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return Tensor._make(
        np.isclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan)
    )


def any(input, dim=None, keepdim=False):
    axes = None if dim is None else norm_dims(dim, input.ndim, "any")
    return Tensor._make(np.asarray(np.any(input._data, axis=axes, keepdims=keepdim)))


def all(input, dim=None, keepdim=False):
    axes = None if dim is None else norm_dims(dim, input.ndim, "all")
    return Tensor._make(np.asarray(np.all(input._data, axis=axes, keepdims=keepdim)))


def nonzero(input, as_tuple=False):
    idx = np.nonzero(input._data)
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in idx)
    return Tensor._make(
        np.stack(idx, axis=1).astype(np.int64) if idx else np.zeros((1, 0), np.int64)
    )


def count_nonzero(input, dim=None):
    return Tensor._make(np.asarray(np.count_nonzero(input._data, axis=dim), dtype=np.int64))


# ---------------------------------------------------------------- reductions
def sum(input, dim=None, keepdim=False, dtype=None):
    return reduction.Sum.apply(input, dim, keepdim, dtype)


def mean(input, dim=None, keepdim=False, dtype=None):
    return reduction.Mean.apply(input, dim, keepdim, dtype)


def prod(input, dim=None, keepdim=False, dtype=None):
    x = input if dtype is None else input.to(dtype)
    return reduction.Prod.apply(x, dim, keepdim)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Σ(x - mean)² / (n - correction); correction defaults to 1 (Bessel's correction)."""
    _check_tensor(input, "var")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axes = norm_dims(dim, input.ndim, "var")
    n = int(np.prod([input.shape[a] for a in axes])) if axes else 1
    centred = input - input.mean(axes, keepdim=True)
    total = (centred * centred).sum(axes, keepdim=keepdim)
    return total / builtins.max(n - correction, 0)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), input.mean(
        dim, keepdim=keepdim
    )


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), input.mean(
        dim, keepdim=keepdim
    )


class _MaxMinResult(tuple):
    """(values, indices) with names, like torch.return_types.max."""

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])


def _max_min(input, dim, keepdim, is_max, other=None):
    if isinstance(dim, Tensor):
        other = dim
    if other is not None:
        return maximum(input, other) if is_max else minimum(input, other)
    if dim is None:
        return reduction.MaxAll.apply(input, is_max)
    return _MaxMinResult(reduction.MaxMin.apply(input, dim, keepdim, is_max))


def max(input, dim=None, keepdim=False, *, other=None):
    return _max_min(input, dim, keepdim, True, other)


def min(input, dim=None, keepdim=False, *, other=None):
    return _max_min(input, dim, keepdim, False, other)


def amax(input, dim=(), keepdim=False):
    _check_tensor(input, "amax")
    dims = norm_dims(dim if dim != () else None, input.ndim, "amax")
    out = input
    for d in sorted(dims, reverse=True):
        out = max(out, d, keepdim)[0]
    return out


def amin(input, dim=(), keepdim=False):
    return -amax(-input, dim, keepdim)


def _arg(fn, input, dim, keepdim, name):
    _check_tensor(input, name)
    x = input._data
    if x.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if x.size == 0 and (dim is None or x.ndim == 0 or x.shape[norm_dim(dim, x.ndim, name)] == 0):
        where = (
            "to be specified for input.numel() == 0."
            if dim is None
            else (f"{norm_dim(dim, x.ndim, name)} to have non-zero size.")
        )
        raise IndexError(f"{name}(): Expected reduction dim {where}")
    if dim is None:
        out = np.asarray(fn(x.reshape(-1)))
        return Tensor._make(out.reshape((1,) * x.ndim if keepdim else ()).astype(np.int64))
    axis = norm_dim(dim, x.ndim, name)
    return Tensor._make(np.asarray(fn(x, axis=axis, keepdims=keepdim)).astype(np.int64))


def argmax(input, dim=None, keepdim=False):
    return _arg(np.argmax, input, dim, keepdim, "argmax")


def argmin(input, dim=None, keepdim=False):
    return _arg(np.argmin, input, dim, keepdim, "argmin")


def argsort(input, dim=-1, descending=False):
    x = input._data
    axis = norm_dim(dim, x.ndim, "argsort")
    idx = np.argsort(-x if descending else x, axis=axis, kind="stable")
    return Tensor._make(idx.astype(np.int64))


def sort(input, dim=-1, descending=False):
    idx = argsort(input, dim, descending)
    return _MaxMinResult((input.gather(dim, idx), idx))


def topk(input, k, dim=-1, largest=True, sorted=True):
    idx = argsort(input, dim, descending=largest).narrow(dim, 0, k)
    return _MaxMinResult((input.gather(dim, idx), idx))


def logsumexp(input, dim, keepdim=False):
    return reduction.LogSumExp.apply(input, dim, keepdim)


def softmax(input, dim, dtype=None):
    x = input if dtype is None else input.to(dtype)
    return reduction.Softmax.apply(x, dim)


def log_softmax(input, dim, dtype=None):
    x = input if dtype is None else input.to(dtype)
    return reduction.LogSoftmax.apply(x, dim)


def cumsum(input, dim, dtype=None):
    return reduction.Cumsum.apply(input, dim, dtype)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """p-norm (Σ|x|ᵖ)^(1/p) over ``dim``; p=2/'fro' Euclidean, p=inf the largest |x|."""
    _check_tensor(input, "norm")
    if not input.is_floating_point():
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. "
            f"Got {input.dtype.name.capitalize().replace('Int64', 'Long')}"
        )
    if p in ("fro", 2, 2.0):
        return reduction.Norm2.apply(input, dim, keepdim)
    if p in (float("inf"), "inf"):
        return amax(input.abs(), dim if dim is not None else (), keepdim)
    if p == 1:
        return input.abs().sum(dim, keepdim=keepdim)
    return (input.abs() ** p).sum(dim, keepdim=keepdim) ** (1.0 / p)


# ---------------------------------------------------------------- shapes
def reshape(input, *shape):
    """``reshape(x, (2, 3))`` or ``x.reshape(2, 3)``: same elements, new shape (-1 is inferred)."""
    return shape_mod.Reshape.apply(input, _shape_arg(shape))


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)


def view(input, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        return input.to(shape[0])  # view(dtype) is a reinterpretation in torch; we convert
    return shape_mod.Reshape.apply(input, _shape_arg(shape), True)


def flatten(input, start_dim=0, end_dim=-1):
    _check_tensor(input, "flatten")
    s = input.shape
    a = norm_dim(start_dim, len(s), "flatten")
    b = norm_dim(end_dim, len(s), "flatten")
    if not s:
        return input.reshape(1)
    if a > b:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    n = int(np.prod(s[a : b + 1]))
    return input.reshape(tuple(s[:a]) + (n,) + tuple(s[b + 1 :]))


def unflatten(input, dim, sizes):
    _check_tensor(input, "unflatten")
    s = input.shape
    d = norm_dim(dim, len(s), "unflatten")
    sizes = shape_mod.infer_shape(sizes, s[d], "unflatten")
    return input.reshape(tuple(s[:d]) + tuple(sizes) + tuple(s[d + 1 :]))


def squeeze(input, dim=None):
    _check_tensor(input, "squeeze")
    s = input.shape
    if dim is None:
        return input.reshape(tuple(n for n in s if n != 1))
    dims = norm_dims(dim, len(s), "squeeze")
    return input.reshape(tuple(n for i, n in enumerate(s) if not (i in dims and n == 1)))


def unsqueeze(input, dim):
    _check_tensor(input, "unsqueeze")
    s = tuple(input.shape)
    d = norm_dim(dim, len(s) + 1, "unsqueeze")
    return input.reshape(s[:d] + (1,) + s[d:])


def permute(input, *dims):
    """``permute(x, (2, 0, 1))`` or ``x.permute(2, 0, 1)``: reorder the dimensions."""
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    return shape_mod.Permute.apply(input, _shape_arg(dims))


def transpose(input, dim0, dim1):
    _check_tensor(input, "transpose")
    n = input.ndim
    if n == 0:
        return input
    order = list(range(n))
    a, b = norm_dim(dim0, n, "transpose"), norm_dim(dim1, n, "transpose")
    order[a], order[b] = order[b], order[a]
    return shape_mod.Permute.apply(input, tuple(order))


swapaxes = swapdims = transpose


def t(input):
    _check_tensor(input, "t")
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1) if input.ndim == 2 else input


def movedim(input, source, destination):
    _check_tensor(input, "movedim")
    order = list(np.moveaxis(np.arange(input.ndim), source, destination))
    return permute(input, order)


def expand(input, *sizes):
    return shape_mod.Expand.apply(input, _shape_arg(sizes))


def broadcast_to(input, shape):
    return shape_mod.Expand.apply(input, tuple(shape))


def flip(input, dims):
    return shape_mod.Flip.apply(input, (dims,) if isinstance(dims, int) else tuple(dims))


def repeat(input, *repeats):
    if not repeats:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    return shape_mod.Repeat.apply(input, _shape_arg(repeats))


def narrow(input, dim, start, length):
    _check_tensor(input, "narrow")
    d = norm_dim(dim, input.ndim, "narrow")
    key = (slice(None),) * d + (slice(start, start + length),)
    return input[key]


def select(input, dim, index):
    _check_tensor(input, "select")
    d = norm_dim(dim, input.ndim, "select")
    return input[(slice(None),) * d + (index,)]


def split(tensor, split_size_or_sections, dim=0):
    _check_tensor(tensor, "split")
    d = norm_dim(dim, tensor.ndim, "split")
    size = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        sizes = [builtins.min(step, size - i) for i in range(0, size, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.any(n < 0 for n in sizes):
            raise RuntimeError(
                "split_with_sizes expects split_sizes have only non-negative entries, but got "
                f"split_sizes={sizes}"
            )
        if builtins.sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} "
                f"(input tensor's size at dimension {d}), but got split_sizes={sizes}"
            )
    out, start = [], 0
    for n in sizes:
        out.append(narrow(tensor, d, start, n))
        start += n
    return tuple(out)


def chunk(input, chunks, dim=0):
    _check_tensor(input, "chunk")
    size = input.shape[norm_dim(dim, input.ndim, "chunk")]
    step = -(-size // chunks) if size else 1
    return split(input, step, dim)


def unbind(input, dim=0):
    _check_tensor(input, "unbind")
    d = norm_dim(dim, input.ndim, "unbind")
    return tuple(select(input, d, i) for i in range(input.shape[d]))


def sum_to_size(input, *size):
    return shape_mod.SumToSize.apply(input, _shape_arg(size))


# ---------------------------------------------------------------- indexing
def getitem(input, key):
    return GetItem.apply(input, key)


def gather(input, dim, index):
    _check_tensor(index, "gather", "index")
    return Gather.apply(input, dim, index)


def scatter_add(input, dim, index, src):
    _check_tensor(index, "scatter_add", "index")
    _check_tensor(src, "scatter_add", "src")
    return ScatterAdd.apply(input, dim, index, src)


def masked_fill(input, mask, value):
    return MaskedFill.apply(input, mask, value)


def index_select(input, dim, index):
    _check_tensor(input, "index_select")
    d = norm_dim(dim, input.ndim, "index_select")
    return input[(slice(None),) * d + (index,)]


def masked_select(input, mask):
    _check_tensor(input, "masked_select")
    return input[mask.expand(input.shape) if mask.shape != input.shape else mask]


def tril(input, diagonal=0):
    below = np.tril(np.ones(input.shape[-2:], dtype=bool), diagonal)
    return masked_fill(input, Tensor._make(~below), 0)  # not input * mask: inf * 0 is nan


def triu(input, diagonal=0):
    above = np.triu(np.ones(input.shape[-2:], dtype=bool), diagonal)
    return masked_fill(input, Tensor._make(~above), 0)  # not input * mask: inf * 0 is nan


def outer(input, vec2):
    _check_tensor(input, "outer")
    return input.unsqueeze(1) * vec2.unsqueeze(0)


__all__ = [n for n in dir() if not n.startswith("_")]
