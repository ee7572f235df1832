"""``Parameter``: a Tensor that a ``Module`` registers as a learnable weight when assigned to it."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf tensor with ``requires_grad=True`` that ``Module.__setattr__`` picks up.

    ``Parameter(t)`` shares memory (and the version counter) with ``t``, as in torch; it is always a
    leaf, even if ``t`` was computed. ``Parameter()`` is an empty float tensor.
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._dtype import get_default_dtype

            data = Tensor._make(np.empty((0,), dtype=get_default_dtype().np))
        elif not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}"
            )
        p = object.__new__(cls)
        Tensor._init(p, data._data)
        p._vc = data._vc  # like detach(): same memory, same version counter
        if requires_grad and data._data.dtype.kind != "f":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        p._requires_grad = bool(requires_grad)
        return p

    def __init__(self, data=None, requires_grad=True):
        pass  # all the work is in __new__; Tensor.__init__ would replace the data

    def __reduce_ex__(self, protocol):
        # copy.copy(param) gives a Parameter, not a plain Tensor
        return (Parameter, (Tensor._make(self._data.copy()), self._requires_grad))
