"""Ops that move elements around without changing them: reshape, permute, expand, cat, repeat, flip.

Reshape, permute and expand return numpy views, so like torch's views they share memory (and the
version counter) with their input.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ._util import norm_dim


def infer_shape(shape, numel, op="view"):
    """Resolve one -1 in ``shape`` and check the element count, with torch's error."""
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = int(np.prod([s for s in shape if s != -1])) if shape else 1
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class Reshape(Op):
    """Same elements, new shape; the gradient is reshaped back. ``view`` insists on not copying."""

    view_of = 0

    @staticmethod
    def forward(ctx, a, shape, must_view=False):
        x = a._data
        shape = infer_shape(shape, x.size)
        ctx.in_shape = x.shape
        if must_view:
            out = x.view()
            try:
                out.shape = shape  # numpy refuses (rather than copies) when strides do not allow it
            except AttributeError:
                raise RuntimeError(
                    "view size is not compatible with input tensor's size and stride (at least one "
                    "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
                ) from None
            return out
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


class Permute(Op):
    """Reorder dimensions (transpose is a permute of two); the gradient is permuted back."""

    view_of = 0

    @staticmethod
    def forward(ctx, a, dims):
        x = a._data
        if len(dims) != x.ndim:
            raise RuntimeError(
                f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                f"length of the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not "
                f"equal to len(dims) = {len(dims)}"
            )
        dims = tuple(norm_dim(d, x.ndim, "permute") for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(tuple(np.argsort(ctx.dims)))


class Expand(Op):
    """Broadcast size-1 dims to a larger size without copying; the gradient is summed back."""

    view_of = 0

    @staticmethod
    def forward(ctx, a, shape):
        x = a._data
        shape = tuple(shape)
        if len(shape) < x.ndim:
            raise RuntimeError(
                f"expand(torch.FloatTensor{{{list(x.shape)}}}, size={list(shape)}): "
                f"the number of sizes provided ({len(shape)}) must be greater or equal to "
                f"the number of dimensions in the tensor ({x.ndim})"
            )
        lead = len(shape) - x.ndim
        target = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
        for i in range(x.ndim):
            if x.shape[i] != 1 and x.shape[i] != target[i + lead]:
                raise RuntimeError(
                    f"The expanded size of the tensor ({target[i + lead]}) must match the "
                    f"existing size ({x.shape[i]}) at non-singleton dimension {i + lead}.  "
                    f"Target sizes: {list(shape)}.  "
                    f"Tensor sizes: {list(x.shape)}"
                )
        ctx.in_shape = x.shape
        return np.broadcast_to(x, target)

    @staticmethod
    def backward(ctx, grad):
        return grad.sum_to_size(ctx.in_shape)


class SumToSize(Op):
    """Sum a broadcast gradient back down to ``shape`` (the reverse of expand)."""

    @staticmethod
    def forward(ctx, a, shape):
        x = a._data
        shape = tuple(shape)
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1
        )
        ctx.in_shape = x.shape
        out = x.sum(axis=axes, keepdims=True) if axes else x
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.in_shape)


class Flip(Op):
    """Reverse the order along ``dims`` (a copy, as in torch); the gradient is flipped back."""

    @staticmethod
    def forward(ctx, a, dims):
        x = a._data
        ctx.dims = tuple(norm_dim(d, x.ndim, "flip") for d in dims)
        for i, d in enumerate(ctx.dims):
            if d in ctx.dims[:i]:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        return np.flip(x, ctx.dims).copy() if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dims)


class Repeat(Op):
    """Tile the tensor ``repeats`` times along each dim; each copy's gradient is summed back."""

    @staticmethod
    def forward(ctx, a, repeats):
        x = a._data
        repeats = tuple(int(r) for r in repeats)
        if len(repeats) < x.ndim:
            raise RuntimeError(
                "Number of dimensions of repeat dims can not be smaller than number of "
                "dimensions of tensor"
            )
        xs = x.reshape((1,) * (len(repeats) - x.ndim) + x.shape)
        ctx.shape = xs.shape
        ctx.in_shape = x.shape
        ctx.repeats = repeats
        return np.tile(xs, repeats)

    @staticmethod
    def backward(ctx, grad):
        # (r0*s0, r1*s1, ...) -> (r0, s0, r1, s1, ...) then sum over the r axes
        split = []
        for r, s in zip(ctx.repeats, ctx.shape):
            split += [r, s]
        g = grad.reshape(tuple(split)).sum(tuple(range(0, len(split), 2)))
        return g.reshape(ctx.in_shape)


class Cat(Op):
    """Join tensors along ``dim``; each input gets its slice of the gradient back."""

    @staticmethod
    def forward(ctx, dim, *tensors):
        if not tensors:
            raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
        arrays = [t._data for t in tensors]
        # torch skips legacy 1-D empty tensors: shapes are checked against the first real one
        ref = next((x for x in arrays if x.shape != (0,)), arrays[0])
        if ref.ndim == 0:
            raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
        axis = norm_dim(dim, ref.ndim, "cat")
        for i, x in enumerate(arrays):
            if x.ndim != ref.ndim and not (x.ndim == 1 and x.shape[0] == 0):
                raise RuntimeError(
                    f"Tensors must have same number of dimensions: got {ref.ndim} and {x.ndim}"
                )
            for d in range(ref.ndim):
                if d != axis and x.ndim == ref.ndim and x.shape[d] != ref.shape[d]:
                    raise RuntimeError(
                        f"Sizes of tensors must match except in dimension {axis}. Expected size "
                        f"{ref.shape[d]} but got size {x.shape[d]} for tensor number {i} "
                        "in the list."
                    )
        from .._dtype import result_type

        dt = result_type(*tensors).np
        ctx.axis = axis
        ctx.sizes = [x.shape[axis] if x.ndim == ref.ndim else 0 for x in arrays]
        return np.concatenate([x for x in arrays if x.ndim == ref.ndim], axis=axis).astype(
            dt, copy=False
        )

    @staticmethod
    def backward(ctx, grad):
        grads, start = [None], 0
        for size in ctx.sizes:
            grads.append(grad.narrow(ctx.axis, start, size))
            start += size
        return tuple(grads)


def _check_tensor_list(tensors):
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )


def cat(tensors, dim=0):
    tensors = tuple(tensors)
    _check_tensor_list(tensors)
    return Cat.apply(dim, *tensors)


def stack(tensors, dim=0):
    """Join same-shape tensors along a new dimension ``dim``."""
    tensors = tuple(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    _check_tensor_list(tensors)
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    dim = norm_dim(dim, len(shape) + 1, "stack")
    return cat([t.unsqueeze(dim) for t in tensors], dim)
