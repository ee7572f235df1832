"""``linear``: the affine map of a fully connected layer, y = x Wᵀ + b."""

from __future__ import annotations

from ... import ops
from ..._tensor import Tensor
from ...autograd.function import Op

__all__ = ["linear"]


class Linear(Op):
    """y = x Wᵀ + b for x (*, in), W (out, in), b (out,) → y (*, out).

    Backward: dx = g W, dW = gᵀ x and db = Σ g, with the leading dims of g and x flattened.
    One node instead of matmul + add: less to store, one BLAS call each way.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        xd, w = x._data, weight._data
        flat = xd.reshape(_rows(xd.shape), xd.shape[-1])  # BLAS wants 2-D; free when contiguous
        out = flat @ w.T
        if bias is not None:
            out += bias._data  # in place: no second (rows, out) array
        return out.reshape(xd.shape[:-1] + (w.shape[0],))

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need = (ctx.needs_input_grad + (False,))[:3]
        if ctx.create_graph:  # create_graph: Tensor ops, so these gradients are differentiable
            return _grads(grad, x, weight, need)
        # the usual case: the same products straight in numpy, with no graph nodes to build
        grads = _grads(grad._data, x._data, weight._data, need)
        return tuple(None if g is None else Tensor._make(g) for g in grads)


def _grads(g, x, w, need):
    """(dx, dW, db) from g (*, out), x (*, in), W (out, in): numpy arrays or Tensors alike."""
    need_x, need_w, need_b = need
    rows = _rows(x.shape)
    g2 = g.reshape(rows, w.shape[0])
    gx = g @ w if need_x else None
    gw = g2.T @ x.reshape(rows, x.shape[-1]) if need_w else None
    gb = g2.sum(0) if need_b else None
    return gx, gw, gb


def _rows(shape):
    """How many rows x has once its leading dims are flattened (explicit, so size 0 works)."""
    n = 1
    for s in shape[:-1]:
        n *= s
    return n


_SCALAR_NAMES = {"float32": "float", "float64": "double", "float16": "half", "int64": "long"}


def linear(input, weight, bias=None):
    """input (*, in) @ weight.T (in, out) + bias (out,) → (*, out)."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"linear(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    x, w = input._data, weight._data  # numpy shapes and dtypes: cheaper than Tensor properties
    if w.ndim != 2 or x.ndim == 0:
        out = ops.matmul(input, weight.t())  # rare shapes (1-D weight): the general matmul rules
        return out if bias is None else out + bias
    if x.shape[-1] != w.shape[1]:
        rows = x.size // x.shape[-1] if x.shape[-1] else 0
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} and "
            f"{w.shape[1]}x{w.shape[0]})"
        )
    if x.dtype != w.dtype:
        a, b = (_SCALAR_NAMES.get(t.dtype.name, t.dtype.name) for t in (input, weight))
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a} != {b}")
    if bias is not None and bias._data.dtype != x.dtype and bias._data.dtype.kind == "f":
        bias = bias.to(input.dtype)
    return Linear.apply(input, weight, bias)
