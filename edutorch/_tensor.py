"""``Tensor``: a numpy array plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

The maths lives in ``edutorch.ops``; this file holds the object itself, conversions, in-place
updates and ``backward``. Every method that computes something calls an op.
"""

from __future__ import annotations

import weakref

import numpy as np

from . import _dtype as dt
from .autograd.grad_mode import STATE

_new = object.__new__


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``edutorch.Size([2, 3])``."""

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"edutorch.Size({list(self)})"

    def __getitem__(self, item):
        out = tuple.__getitem__(self, item)
        return Size(out) if isinstance(item, slice) else out


def _check_device(device):
    if device is None:
        return
    name = str(device)
    if name != "cpu" and not name.startswith("cpu:"):
        raise RuntimeError(
            f"edutorch runs on the CPU only; device '{name}' is not available. "
            "Use device='cpu' (or move to PyTorch for GPUs: see 'When you outgrow edutorch')."
        )


class device:
    """``edutorch.device("cpu")``: the only device there is."""

    def __init__(self, type="cpu", index=None):
        _check_device(type)
        self.type, self.index = "cpu", None

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"

    def __eq__(self, other) -> bool:
        return str(other) == "cpu"

    def __hash__(self) -> int:
        return hash("cpu")


CPU = device("cpu")


class Tensor:
    """An n-dimensional array that can remember how it was computed, so gradients can flow back.

    ``_data`` is the numpy array. ``_vc`` is a one-element list, the version counter shared by a
    tensor and its views: in-place changes bump it, and backward checks it on saved tensors.
    """

    __slots__ = (
        "_data", "_requires_grad", "grad", "grad_fn", "_output_nr", "_vc", "_hooks", "_view",
        "__weakref__", "__dict__",
    )  # fmt: skip
    # _view, for views: (tensor owning the memory, how to redo the view, version in sync)
    __array_priority__ = 1000  # numpy scalars on the left defer to our reflected operators

    def __init__(self, *args):
        # torch.Tensor(data) always makes float32; Tensor(2, 3) makes an uninitialised 2x3
        if len(args) == 1 and not isinstance(args[0], int):
            data = np.array(args[0], dtype=dt.get_default_dtype().np)
        else:
            data = np.empty(tuple(args), dtype=dt.get_default_dtype().np)
        self._init(data)

    def _init(self, data):
        self._data = data
        self._requires_grad = False
        self.grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._vc = [0]
        self._hooks = None
        self._view = None

    @staticmethod
    def _make(data, requires_grad=False):
        """Wrap a numpy array without copying (the fast internal constructor; a staticmethod, as
        a classmethod would build a bound method on every call)."""
        t = _new(Tensor)
        t._data = data
        t._requires_grad = requires_grad
        t.grad = None
        t.grad_fn = None
        t._output_nr = 0
        t._vc = [0]
        t._hooks = None
        t._view = None
        return t

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        from .ops._util import norm_dim

        return self._data.shape[norm_dim(dim, self._data.ndim, "size")]

    def dim(self) -> int:
        return self._data.ndim

    ndim = property(dim)

    def ndimension(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def dtype(self) -> dt.dtype:
        return dt.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return CPU

    is_cuda = False

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients"
            )
        if self.grad_fn is None:
            self._requires_grad = bool(requires_grad)
        return self

    @property
    def _version(self) -> int:
        return self._vc[0]

    @property
    def data(self):
        """The same memory as a tensor with no history (changes to it are invisible to autograd)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def T(self):
        return self.permute(tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim=None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[dim]

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def get_device(self) -> int:
        return -1

    # ------------------------------------------------------------------ conversion
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force=False):
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self):
        return id(self)

    def clone(self, memory_format=None):
        return _ops.Clone.apply(self)

    def detach(self):
        """Same memory, cut from the graph (shares the version counter, as in torch)."""
        t = Tensor._make(self._data)
        t._vc = self._vc
        return t

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def contiguous(self, memory_format=None):
        return self if self._data.flags.c_contiguous else self.clone()

    def to(self, *args, **kwargs):
        """``.to(dtype)``, ``.to("cpu")``, ``.to(other_tensor)``, ``.to(device, dtype)``."""
        target = kwargs.get("dtype")
        copy = kwargs.get("copy", False)
        _check_device(kwargs.get("device"))
        for a in args:
            if isinstance(a, Tensor):
                target = a.dtype
            elif isinstance(a, dt.dtype) or a in (float, int, bool):
                target = dt.to_dtype(a)
            elif isinstance(a, (str, device)):
                _check_device(a)
            elif a is not None:
                target = dt.to_dtype(a)
        if target is None or target.np == self._data.dtype:
            return self.clone() if copy else self
        return _ops.Cast.apply(self, target)

    def type(self, dtype=None):
        if dtype is None:
            return f"edutorch.{_TYPE_NAMES[self._data.dtype]}"
        return self.to(dt.to_dtype(dtype))

    def float(self):
        return self.to(dt.float32)

    def double(self):
        return self.to(dt.float64)

    def half(self):
        return self.to(dt.float16)

    def long(self):
        return self.to(dt.int64)

    def int(self):
        return self.to(dt.int32)

    def short(self):
        return self.to(dt.int16)

    def byte(self):
        return self.to(dt.uint8)

    def bool(self):
        return self.to(dt.bool_)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        _check_device("cuda")

    def type_as(self, other):
        return self.to(other.dtype)

    def new_tensor(self, data, dtype=None, requires_grad=False):
        from ._creation import tensor

        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        from ._creation import zeros

        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        from ._creation import ones

        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False):
        from ._creation import full

        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad=False):
        return self.new_zeros(*size, dtype=dtype, requires_grad=requires_grad)

    # ------------------------------------------------------------------ autograd
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute d(self)/d(leaf) for every leaf that requires grad, summing into ``leaf.grad``."""
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new grad."""
        from .autograd.hooks import RemovableHandle

        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self.grad_fn
            if node.pre_hooks is None:
                node.pre_hooks = {}
            hooks = node.pre_hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves keep it anyway)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            node = self.grad_fn
            if node.retained is None:
                node.retained = {}
            node.retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        node = self.grad_fn
        return bool(node is not None and node.retained and self._output_nr in node.retained)

    # ------------------------------------------------------------------ in place
    def _inplace(self, op, *args, **kwargs):
        """Run ``op(self, ...)`` and write the result into self's memory (views see it, as torch).

        With autograd, the value before the change goes into the graph as a copy (torch's
        ``original_self``) and self takes the op's grad_fn; on a view, the tensor it views gets
        the change in its graph too.
        """
        tracking = STATE.grad_enabled and (
            self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        )
        if not tracking:
            self._write(op(self, *args, **kwargs))
        elif self._view is not None:
            self._inplace_on_view(op, args, kwargs)
        else:
            if self.grad_fn is None and self._requires_grad:
                raise RuntimeError(
                    "a leaf Variable that requires grad is being used in an in-place operation."
                )
            out = op(self._snapshot(), *args, **kwargs)
            self._write(out)
            self._take_history(out)
        return self

    def _inplace_on_view(self, op, args, kwargs):
        """An in-place op on a view changes the tensor it views: that tensor's new value is its
        old one with the view's region replaced by the op's result (torch's CopySlices)."""
        base, redo, _ = self._view
        if base.grad_fn is None and base._requires_grad:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place "
                "operation."
            )
        old_base = base._snapshot()
        out = op(redo(old_base), *args, **kwargs)
        self._check_inplace_result(out)
        new_base = _ops.CopySlices.apply(old_base, out, redo)
        base._write(new_base)
        base._take_history(new_base)
        self._take_history(redo(base))  # self is now a view of the changed base

    def _snapshot(self):
        """The current value, copied, with self's history: what the graph keeps of the old self."""
        old = Tensor._make(self._data.copy(), self._requires_grad)
        old.grad_fn, old._output_nr = self.grad_fn, self._output_nr
        return old

    def _write(self, out):
        """Copy an op's result into this tensor's memory and bump the shared version counter."""
        self._check_inplace_result(out)
        if not self._data.flags.writeable:  # an expanded tensor: many elements share memory
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a "
                "single memory location. Please clone() the tensor before performing the operation."
            )
        np.copyto(self._data, out._data, casting="unsafe")
        self._vc[0] += 1  # views share the counter: nodes that saved any of them will notice

    def _take_history(self, out):
        """Adopt ``out``'s place in the graph (its values are already in self's memory)."""
        self.grad_fn, self._output_nr = out.grad_fn, out._output_nr
        self._requires_grad = out._requires_grad
        if out.grad_fn is not None:
            out.grad_fn._replace_output(out._output_nr, self)
        if self._view is not None:
            self._view = (*self._view[:2], self._vc[0])  # in step with its base again

    def _sync_view(self):
        """A view whose base changed in place after the view was made takes the history of the
        view made afresh from the base (torch regenerates a view's grad_fn the same way)."""
        base, redo, version = self._view
        if version != self._vc[0]:
            self._take_history(redo(base))

    def _set_view_of(self, src, redo):
        """Remember that this tensor shows part of ``src``'s memory and how to make it again from
        the tensor owning that memory (``redo``), so an in-place change can reach the owner."""
        if not np.may_share_memory(self._data, src._data):
            return  # reshape had to copy: not a view after all
        if src._view is None:
            self._view = (src, redo, self._vc[0])
        else:
            root, first, _ = src._view
            self._view = (root, lambda t: redo(first(t)), self._vc[0])

    def _check_inplace_result(self, out):
        if out._data.shape != self._data.shape:
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                f"{list(out.shape)}"
            )
        self._check_inplace_dtype(out)

    def _check_inplace_dtype(self, out):
        if dt.from_numpy_dtype(out._data.dtype).category > self.dtype.category:
            raise RuntimeError(
                f"result type {_TYPE_NAMES[out._data.dtype][:-6]} can't be cast to the desired "
                f"output type {_TYPE_NAMES[self._data.dtype][:-6]}"
            )

    def add_(self, other, alpha=1):
        return self._inplace(_ops.add, other, alpha=alpha)

    def sub_(self, other, alpha=1):
        return self._inplace(_ops.sub, other, alpha=alpha)

    def mul_(self, other):
        return self._inplace(_ops.mul, other)

    def div_(self, other, rounding_mode=None):
        return self._inplace(_ops.div, other, rounding_mode=rounding_mode)

    def pow_(self, exponent):
        return self._inplace(_ops.pow, exponent)

    def clamp_(self, min=None, max=None):
        return self._inplace(_ops.clamp, min, max)

    def masked_fill_(self, mask, value):
        return self._inplace(_ops.masked_fill, mask, value)

    def addcmul_(self, t1, t2, value=1):
        return self._inplace(lambda s: s + value * t1 * t2)

    def addcdiv_(self, t1, t2, value=1):
        return self._inplace(lambda s: s + value * t1 / t2)

    def lerp_(self, end, weight):
        return self._inplace(lambda s: s + weight * (end - s))

    def copy_(self, src, non_blocking=False):
        src = src if isinstance(src, Tensor) else Tensor._make(np.asarray(src))
        return self._inplace(lambda s, v: _ops.Copy.apply(s, v), src)

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        return self._inplace(lambda s, v: _ops.Copy.apply(s, v), value)

    def __setitem__(self, key, value):
        self._inplace(_ops.IndexPut.apply, key, value)

    def index_put(self, key, value):
        return _ops.IndexPut.apply(self, key, value)

    def index_put_(self, key, value):
        return self._inplace(_ops.IndexPut.apply, key, value)

    def _random_(self, sample):
        """Fill with random numbers from ``sample(shape)`` (a numpy array); never tracked."""
        if STATE.grad_enabled and self._requires_grad and self.grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        np.copyto(self._data, sample(self._data.shape), casting="unsafe")
        self._vc[0] += 1
        return self

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from .random import _gen

        return self._random_(lambda s: _gen(generator).normal(mean, std, s))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from .random import _gen

        return self._random_(lambda s: _gen(generator).uniform(a, b, s))

    def bernoulli_(self, p=0.5, generator=None):
        from .random import _gen

        return self._random_(lambda s: _gen(generator).random(s) < p)

    def random_(self, low=None, high=None, generator=None):
        """Integers in [low, high); with no bounds, [0, 2**mantissa] for floats as torch does."""
        from .random import _gen

        if low is None:
            x = self._data
            top = (
                2 ** (np.finfo(x.dtype).nmant + 1)
                if x.dtype.kind == "f"
                else (1 if x.dtype == np.bool_ else np.iinfo(x.dtype).max)
            )
            low, high = 0, top + (1 if x.dtype.kind == "f" else 0)
        elif high is None:
            low, high = 0, low
        return self._random_(lambda s: _gen(generator).integers(low, high, s))

    def exponential_(self, lambd=1.0, generator=None):
        from .random import _gen

        return self._random_(lambda s: _gen(generator).exponential(1.0 / lambd, s))

    # ------------------------------------------------------------------ printing
    def __repr__(self) -> str:
        from ._printing import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        # only for multiprocessing-free copying (copy.deepcopy); edutorch.save never pickles
        return (_rebuild, (self._data.copy(), self._requires_grad))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment."
            )
        t = type(self).__new__(type(self))
        Tensor._init(t, self._data.copy())
        t._requires_grad = self._requires_grad
        if self.grad is not None:
            t.grad = self.grad.__deepcopy__(memo)
        t.__dict__.update({k: v for k, v in self.__dict__.items()})
        memo[id(self)] = t
        return t


def _rebuild(data, requires_grad):
    t = Tensor._make(data)
    t._requires_grad = requires_grad
    return t


_TYPE_NAMES = {
    np.dtype(np.float32): "FloatTensor", np.dtype(np.float64): "DoubleTensor",
    np.dtype(np.float16): "HalfTensor", np.dtype(np.int64): "LongTensor",
    np.dtype(np.int32): "IntTensor", np.dtype(np.int16): "ShortTensor",
    np.dtype(np.int8): "CharTensor", np.dtype(np.uint8): "ByteTensor",
    np.dtype(np.bool_): "BoolTensor",
}  # fmt: skip

from . import ops as _ops  # noqa: E402  (ops need Tensor defined first)
from .autograd import function as _function  # noqa: E402
from .ops import methods as _methods  # noqa: E402

_methods.install(Tensor)
_function.Tensor = Tensor
