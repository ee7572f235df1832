"""Pooling: ``max_pool1d/2d``, ``avg_pool1d/2d``, ``adaptive_avg_pool1d/2d``.

The arithmetic is in the backend's kernels (``edutorch.backends``). Each pooling op has a
backward op whose own backward is the forward op again (max pooling: a gather at the saved
winners; average pooling: the average pooling itself), so second derivatives work.
"""

from __future__ import annotations

from ..._tensor import Tensor
from ...autograd.function import Op
from ...backends import get_backend
from .conv import _batched

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
    "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
]  # fmt: skip


# ------------------------------------------------------------------------------ max pooling
class MaxPool(Op):
    """y = max over each window (kernel, stride, padding with -inf, dilation, ceil_mode).

    x (N, C, *S) -> (values (N, C, *out), indices (N, C, *out) int64, the winner's flat
    position in its (*S) plane). The gradient goes to each window's winner.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode):
        values, indices = get_backend().max_pool_forward(
            x._data, kernel, stride, padding, dilation, ceil_mode
        )
        ctx.indices, ctx.shape = indices, x._data.shape
        # windows overlap when the stride is shorter than the dilated kernel: winners can repeat
        ctx.overlapping = any(s < d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
        ctx.set_materialize_grads(False)  # the indices output never gets a gradient
        return values, indices

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        return MaxPoolBackward.apply(grad, ctx.indices, ctx.shape, ctx.overlapping)

    @classmethod
    def node_name(cls) -> str:
        return "MaxPool2DWithIndicesBackward0"


class MaxPoolBackward(Op):
    """dx: each output gradient added at its window's winner. grad (N, C, *out) -> (N, C, *S).

    Its own gradient reads the winners back: d(dx)/d(grad) is a gather at ``indices``.
    """

    @staticmethod
    def forward(ctx, grad, indices, input_shape, overlapping):
        ctx.indices = indices
        return get_backend().max_pool_backward(grad._data, indices, input_shape, overlapping)

    @staticmethod
    def backward(ctx, gg):
        n, c = gg.shape[:2]
        idx = Tensor._make(ctx.indices.reshape(n, c, -1))
        return gg.reshape(n, c, -1).gather(2, idx).reshape(ctx.indices.shape)


def _ints(value, n, op, name):
    """An int or a sequence of 1 or n ints as an n-tuple."""
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        kind = "a single int, or a tuple of two ints" if n == 2 else "a single int"
        raise RuntimeError(f"{op}: {name} must either be {kind}")
    return value


def _window(kernel_size, stride, padding, dims, op):
    """(kernel, stride, padding) as dims-tuples; the stride defaults to the kernel size (given as
    None or an empty list, as torch accepts)."""
    kernel = _ints(kernel_size, dims, op, "kernel_size")
    if stride is None or (not isinstance(stride, int) and len(stride) == 0):
        stride = kernel
    return kernel, _ints(stride, dims, op, "stride"), _ints(padding, dims, op, "padding")


def _check_pool_output(x, out, dims):
    if any(o <= 0 for o in out):
        shape = [x.shape[1]] + [1] * (2 - dims) + list(x.shape[2:])
        outs = [x.shape[1]] + [1] * (2 - dims) + list(out)
        raise RuntimeError(
            f"Given input size: ({'x'.join(map(str, shape))}). Calculated output size: "
            f"({'x'.join(map(str, outs))}). Output size is too small"
        )


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, dims, op):
    if input.dim() not in (dims + 1, dims + 2) or input.numel() == 0:
        if dims == 1:
            raise RuntimeError(
                f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch "
                f"size for input, but got:{list(input.shape)}"
            )
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    kernel, stride, padding = _window(kernel_size, stride, padding, dims, op)
    dilation = _ints(dilation, dims, op, "dilation")
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(k <= 0 for k in kernel):
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[-1]}"
        )
    if any(d <= 0 for d in dilation):
        raise RuntimeError(
            "dilation should be greater than zero, but got "
            f"dilationH: {dilation[0]} dilationW: {dilation[-1]}"
        )
    if any(p < 0 for p in padding):
        raise RuntimeError(f"pad must be non-negative, but got pad: {padding[0]}")
    for p, k, d in zip(padding, kernel, dilation):
        if p > (d * (k - 1) + 1) // 2:
            if dims == 1:
                raise RuntimeError(
                    f"max_pool1d() padding should be at most half of kernel size, but got "
                    f"padding={p} and kernel_size={k}"
                )
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}"
            )
    x, batched = _batched(input, dims, op)
    out = [
        get_backend().pool_output_size(*a, ceil_mode)
        for a in zip(x.shape[2:], kernel, stride, padding, dilation)
    ]
    _check_pool_output(x, out, dims)
    values, indices = MaxPool.apply(x, kernel, stride, padding, dilation, ceil_mode)
    if not batched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return values, indices


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):  # fmt: skip
    """``max_pool1d`` returning (values, indices)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 1, "max_pool1d")


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):  # fmt: skip
    """``max_pool2d`` returning (values, indices)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 2, "max_pool2d")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):  # fmt: skip
    """Max over sliding windows of (N, C, L) input (stride defaults to kernel_size).

    -> (N, C, L_out), L_out = ⌊(L + 2p - d(k-1) - 1)/s⌋ + 1 (⌈⌉ with ceil_mode); with
    ``return_indices`` also each winner's position, for ``max_unpool1d``.
    """
    out = _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 1, "max_pool1d")
    return out if return_indices else out[0]


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):  # fmt: skip
    """Max over sliding windows of (N, C, H, W) input (stride defaults to kernel_size).

    -> (N, C, H_out, W_out); with ``return_indices`` also the winners' flat positions h·W + w.
    """
    out = _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 2, "max_pool2d")
    return out if return_indices else out[0]


# ------------------------------------------------------------------------------ average pooling
class AvgPool(Op):
    """y = Σ window / divisor (the window size, with or without padding, or divisor_override).

    x (N, C, *S) -> (N, C, *out). dx: every input in a window gets dy / divisor.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        ctx.args = (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
        ctx.shape = x._data.shape
        return get_backend().avg_pool_forward(x._data, *ctx.args)

    @staticmethod
    def backward(ctx, grad):
        return AvgPoolBackward.apply(grad, ctx.shape, *ctx.args)

    @classmethod
    def node_name(cls) -> str:
        return "AvgPool2DBackward0"


class AvgPoolBackward(Op):
    """dx of average pooling; linear in the gradient, its own gradient is average pooling."""

    @staticmethod
    def forward(ctx, grad, input_shape, *args):
        ctx.args = args
        return get_backend().avg_pool_backward(grad._data, input_shape, *args)

    @staticmethod
    def backward(ctx, gg):
        return AvgPool.apply(gg, *ctx.args)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, dims, op):  # fmt: skip
    if input.dim() not in (dims + 1, dims + 2):
        if dims == 1:
            raise RuntimeError(
                f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for "
                f"argument #1 'self' (while checking arguments for {op})"
            )
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    kernel, stride, padding = _window(kernel_size, stride, padding, dims, op)
    if any(s == 0 for s in stride) or any(k == 0 for k in kernel):
        raise RuntimeError("stride should not be zero")
    if any(k < 0 for k in kernel):
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[-1]}"
        )
    if any(p < 0 for p in padding):
        raise RuntimeError(f"pad must be non-negative, but got pad: {padding[0]}")
    for p, k in zip(padding, kernel):
        if p > k // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation=1"
            )
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x, batched = _batched(input, dims, op)
    ones = (1,) * dims
    out = [
        get_backend().pool_output_size(*a, ceil_mode)
        for a in zip(x.shape[2:], kernel, stride, padding, ones)
    ]
    _check_pool_output(x, out, dims)
    y = AvgPool.apply(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return y if batched else y.squeeze(0)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):  # fmt: skip
    """Mean over sliding windows of (N, C, L) input (stride defaults to kernel_size)."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1,
                     "avg_pool1d")  # fmt: skip


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):  # fmt: skip
    """Mean over sliding windows of (N, C, H, W) input: -> (N, C, H_out, W_out).

    ``count_include_pad``: zero padding counts towards the divisor; ``divisor_override``
    replaces the divisor.
    """
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2, "avg_pool2d")  # fmt: skip


# ------------------------------------------------------------------------------ adaptive
class AdaptiveAvgPool(Op):
    """Output cell i averages inputs ⌊i·S/out⌋ .. ⌈(i+1)·S/out⌉ - 1 along each spatial dim.

    x (N, C, *S) -> (N, C, *output_size).
    """

    @staticmethod
    def forward(ctx, x, output_size):
        ctx.shape = x._data.shape
        return get_backend().adaptive_avg_pool_forward(x._data, output_size)

    @staticmethod
    def backward(ctx, grad):
        return AdaptiveAvgPoolBackward.apply(grad, ctx.shape)

    @classmethod
    def node_name(cls) -> str:
        return "AdaptiveAvgPool2DBackward0"


class AdaptiveAvgPoolBackward(Op):
    """dx of adaptive average pooling; its own gradient is adaptive average pooling again."""

    @staticmethod
    def forward(ctx, grad, input_shape):
        ctx.out = grad._data.shape[2:]
        return get_backend().adaptive_avg_pool_backward(grad._data, input_shape)

    @staticmethod
    def backward(ctx, gg):
        return AdaptiveAvgPool.apply(gg, ctx.out)


def _adaptive_avg_pool(input, output_size, dims, op):
    if input.dim() not in (dims + 1, dims + 2):
        if dims == 1:
            raise RuntimeError(
                f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for "
                f"argument #1 'self' (while checking arguments for {op})"
            )
        raise RuntimeError(f"{op}(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size,) * dims
    output_size = tuple(output_size)
    if len(output_size) != dims:
        raise RuntimeError(f"{op}: output_size must be {dims}")
    spatial = input.shape[input.dim() - dims :]
    size = tuple(s if o is None else int(o) for o, s in zip(output_size, spatial))
    if any(o < 0 for o in size):
        raise RuntimeError(
            f"{op}: elements of output_size must be greater than or equal to 0 but received "
            f"{{{', '.join(map(str, size))}}}"
        )
    for d in range(1 if input.dim() == dims + 2 else 0, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError(
                f"{op}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {list(input.shape)} with dimension {d} being empty"
            )
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"\"{op}\" not implemented for '{input.type()[9:-6]}'")
    x, batched = _batched(input, dims, op)
    y = AdaptiveAvgPool.apply(x, size)
    return y if batched else y.squeeze(0)


def adaptive_avg_pool1d(input, output_size):
    """Average (N, C, L) input down (or up) to exactly (N, C, output_size)."""
    return _adaptive_avg_pool(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input, output_size):
    """Average (N, C, H, W) input to exactly (N, C, *output_size); a None entry keeps that size.

    ``adaptive_avg_pool2d(x, 1)`` is global average pooling.
    """
    return _adaptive_avg_pool(input, output_size, 2, "adaptive_avg_pool2d")
