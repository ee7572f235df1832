"""Attach the functional ops to ``Tensor`` as methods and operators (``x.sum()``, ``a @ b``)."""

from __future__ import annotations

import edutorch.ops as F

from .pointwise import Add, Div, FloorDivide, Mul, Pow, Remainder, Sub


def _shape_of(other, op):
    if not hasattr(other, "_data"):
        raise TypeError(
            f"{op}(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}"
        )
    return tuple(other.shape)


def _reflected(op):
    """``2 - x`` calls ``x.__rsub__(2)``: swap the operands back."""
    return lambda self, other: op(other, self)


# method name -> function taking the tensor first
_SAME_NAME = """
    add sub mul div floor_divide remainder fmod pow neg exp log log1p log2 log10 expm1 sqrt rsqrt
    square reciprocal sin cos tan tanh sigmoid relu abs sign clamp clip clamp_min clamp_max
    maximum minimum lerp addcmul addcdiv floor ceil round trunc isnan isinf isfinite logical_not
    eq ne lt le gt ge logical_and logical_or logical_xor bitwise_not equal allclose isclose any all
    nonzero count_nonzero sum mean prod var std max min amax amin argmax argmin argsort sort topk
    logsumexp softmax log_softmax cumsum norm reshape view flatten unflatten squeeze unsqueeze
    permute transpose swapaxes t movedim expand flip repeat narrow select split chunk unbind
    sum_to_size gather scatter_add masked_fill index_select masked_select tril triu matmul mm bmm
    dot mv outer greater less greater_equal less_equal not_equal negative subtract multiply divide
    true_divide absolute broadcast_to swapdims
""".split()


def install(Tensor):
    for name in _SAME_NAME:
        setattr(Tensor, name, getattr(F, name))
    Tensor.__getitem__ = F.getitem
    Tensor.where = lambda self, condition, other: F.where(condition, self, other)
    Tensor.view_as = lambda self, other: F.view(self, _shape_of(other, "view_as"))
    Tensor.reshape_as = lambda self, other: F.reshape(self, _shape_of(other, "reshape_as"))
    Tensor.expand_as = lambda self, other: F.expand(self, _shape_of(other, "expand_as"))
    Tensor.relu_ = lambda self: self._inplace(F.relu)
    Tensor.sigmoid_ = lambda self: self._inplace(F.sigmoid)
    Tensor.tanh_ = lambda self: self._inplace(F.tanh)
    Tensor.exp_ = lambda self: self._inplace(F.exp)
    Tensor.neg_ = lambda self: self._inplace(F.neg)
    Tensor.sqrt_ = lambda self: self._inplace(F.sqrt)
    Tensor.abs_ = lambda self: self._inplace(F.abs)
    Tensor.clamp_min_ = lambda self, m: self._inplace(F.clamp_min, m)
    Tensor.clamp_max_ = lambda self, m: self._inplace(F.clamp_max, m)
    Tensor.scatter_add_ = lambda self, dim, index, src: self._inplace(
        F.scatter_add, dim, index, src
    )
    Tensor.squeeze_ = lambda self, dim=None: self._inplace(F.squeeze, dim)
    Tensor.unsqueeze_ = lambda self, dim: self._inplace(F.unsqueeze, dim)

    # operators: the hot path, so straight to the Op classes
    Tensor.__add__ = Tensor.__radd__ = lambda self, other: Add.apply2(self, other)
    Tensor.__sub__ = lambda self, other: Sub.apply2(self, other)
    Tensor.__rsub__ = lambda self, other: Sub.apply2(other, self)
    Tensor.__mul__ = Tensor.__rmul__ = lambda self, other: Mul.apply2(self, other)
    Tensor.__truediv__ = lambda self, other: Div.apply(self, other)
    Tensor.__rtruediv__ = lambda self, other: Div.apply(other, self)
    Tensor.__floordiv__ = lambda self, other: FloorDivide.apply(self, other)
    Tensor.__rfloordiv__ = lambda self, other: FloorDivide.apply(other, self)
    Tensor.__mod__ = lambda self, other: Remainder.apply(self, other)
    Tensor.__rmod__ = lambda self, other: Remainder.apply(other, self)
    Tensor.__pow__ = lambda self, other: Pow.apply(self, other)
    Tensor.__rpow__ = lambda self, other: Pow.apply(other, self)
    Tensor.__matmul__ = F.matmul
    Tensor.__rmatmul__ = _reflected(F.matmul)
    Tensor.__neg__ = F.neg
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = F.abs
    Tensor.__invert__ = F.bitwise_not
    Tensor.__and__ = Tensor.__rand__ = F.bitwise_and
    Tensor.__or__ = Tensor.__ror__ = F.bitwise_or
    Tensor.__xor__ = Tensor.__rxor__ = F.bitwise_xor
    Tensor.__eq__ = F.eq
    Tensor.__ne__ = F.ne
    Tensor.__lt__ = F.lt
    Tensor.__le__ = F.le
    Tensor.__gt__ = F.gt
    Tensor.__ge__ = F.ge
    Tensor.__hash__ = lambda self: id(self)

    # augmented assignment is in place, as in torch (p -= lr * p.grad under no_grad)
    Tensor.__iadd__ = lambda self, other: self.add_(other)
    Tensor.__isub__ = lambda self, other: self.sub_(other)
    Tensor.__imul__ = lambda self, other: self.mul_(other)
    Tensor.__itruediv__ = lambda self, other: self.div_(other)
