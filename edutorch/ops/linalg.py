"""Matrix products: matmul (and its special cases mm, bmm, dot, mv)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op


def _shape_str(shape):
    return "x".join(str(s) for s in shape)


def _mismatch_error(sa, sb):
    """torch's wording for inner dimensions that do not agree."""
    if len(sa) > 2 and len(sb) > 2:
        return RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{sa[0]}, {sa[-1]}] but got: [{sb[0]}, {sb[-2]}]."
        )
    m1 = (1, sa[0]) if len(sa) == 1 else (int(np.prod(sa[:-1])), sa[-1])  # torch folds batches
    m2 = (sb[0], 1) if len(sb) == 1 else sb[-2:]
    return RuntimeError(
        f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(m1)} and {_shape_str(m2)})"
    )


def _check_operands(a, b, op):
    for t, name in ((a, "input"), (b, "other")):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")


class Matmul(Op):
    """a @ b with torch's rules: 1-D operands act as vectors, leading dims broadcast as batches.

    For 2-D: (m, k) @ (k, n) -> (m, n); grads: dA = g @ Bᵀ, dB = Aᵀ @ g.
    """

    @staticmethod
    def forward(ctx, a, b):
        _check_operands(a, b, "matmul")
        x, y = a._data, b._data
        if x.ndim == 0 or y.ndim == 0:
            raise RuntimeError(
                "both arguments to matmul need to be at least 1D, but they are "
                f"{x.ndim}D and {y.ndim}D"
            )
        if x.dtype != y.dtype:
            raise RuntimeError(
                "expected m1 and m2 to have the same dtype, but got: "
                f"{a.dtype.name} != {b.dtype.name}"
            )
        if x.shape[-1] != y.shape[-2 if y.ndim > 1 else -1]:
            if x.ndim == 1 and y.ndim == 1:
                raise RuntimeError(
                    f"inconsistent tensor size, expected tensor [{x.shape[0]}] and src "
                    f"[{y.shape[0]}] to have the same number of elements, but got "
                    f"{x.shape[0]} and {y.shape[0]} elements respectively"
                )
            raise _mismatch_error(x.shape, y.shape)
        ctx.save_for_backward(a, b)
        try:
            return np.matmul(x, y)
        except ValueError:
            raise RuntimeError(
                f"matmul: batch dimensions of {list(x.shape)} and {list(y.shape)} "
                "cannot be broadcast"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if a.ndim == 1 and b.ndim == 1:
            return (grad * b if need_a else None), (grad * a if need_b else None)
        if a.ndim == 1:  # (k) @ (..., k, n): treat a as a row (1, k)
            g = grad.unsqueeze(-2)
            ga = (g @ b.mT).squeeze(-2) if need_a else None
            gb = a.unsqueeze(-1) @ g if need_b else None
        elif b.ndim == 1:  # (..., m, k) @ (k): treat b as a column (k, 1)
            g = grad.unsqueeze(-1)
            ga = g @ b.unsqueeze(-2) if need_a else None
            gb = (a.mT @ g).squeeze(-1) if need_b else None
        else:
            ga = grad @ b.mT if need_a else None
            gb = a.mT @ grad if need_b else None
        return ga, gb  # the engine sums broadcast batch dims back to each input's shape


def matmul(a, b):
    return Matmul.apply(a, b)


def mm(a, b):
    """(n, m) @ (m, p) -> (n, p); both must be 2-D."""
    _check_operands(a, b, "mm")
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return Matmul.apply(a, b)


def bmm(a, b):
    """(b, n, m) @ (b, m, p) -> (b, n, p); both must be 3-D with the same batch size."""
    _check_operands(a, b, "bmm")
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}]."
        )
    return Matmul.apply(a, b)


def dot(a, b):
    """Σ aᵢbᵢ of two 1-D tensors of the same length."""
    _check_operands(a, b, "dot")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return Matmul.apply(a, b)


def mv(a, v):
    """(n, m) @ (m) -> (n)."""
    _check_operands(a, v, "mv")
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {a.ndim}, {v.ndim}")
    return Matmul.apply(a, v)
