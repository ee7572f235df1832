"""Convolutions: ``conv1d``, ``conv2d``, ``conv3d``, ``conv_transpose1d``, ``conv_transpose2d``.

The arithmetic is in the backend's kernels (``edutorch.backends``); this file checks arguments
with torch's messages and connects three ops that are each other's gradients:

* ``Convolution(x, W)``          y = x ⋆ W                      (x: input, W: weight)
* ``ConvolutionTranspose(g, W)`` the adjoint: the input gradient of a convolution, and also
  ``conv_transpose`` itself
* ``ConvolutionWeight(x, g)``    the weight gradient of a convolution

The backward of each is written with the other two, so second derivatives work as well.
"""

from __future__ import annotations

import warnings

from ..._tensor import Tensor
from ...autograd.function import Op
from ...backends import get_backend, memory

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d"]


class Convolution(Op):
    """y[n, o] = b[o] + Σ_{c,k} W[o, c, k] · x[n, c, stride·l + dilation·k - padding].

    x (N, C, *S), W (O, C/groups, *k), b (O,) or None -> (N, O, *out).
    dx = ConvolutionTranspose(dy, W), dW = ConvolutionWeight(x, dy), db = Σ dy; without
    create_graph the backend's ``conv_backward`` computes the same three in one call.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        kernels = get_backend()
        b = None if bias is None else bias._data
        ctx.save_for_backward(x, weight)
        ctx.conv = (stride, padding, dilation, groups)
        ctx.cols = None
        # the weight gradient reuses the forward's columns (im2col of x) instead of rebuilding
        # them; only when freed memory is reused, else the fresh array's page faults cost more
        if ctx.needs_input_grad[1] and memory.tuned:
            ctx.cols = kernels.conv_columns(x._data, weight.shape[2:], stride, padding, dilation)
        return kernels.conv_forward(
            x._data, weight._data, b, stride, padding, dilation, groups, cols=ctx.cols
        )

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need = need_x, need_w, need_b = ctx.needs_input_grad[:3]
        cols, ctx.cols = ctx.cols, None  # used once: frees it; a retained graph rebuilds it
        if not ctx.create_graph:
            # the usual case (no create_graph): one kernel call, which lays dy out as GEMM rows
            # once for all three gradients instead of once per op
            kernels = get_backend()
            grads = kernels.conv_backward(grad._data, x._data, weight._data, *ctx.conv, cols, need)
            return tuple(None if g is None else Tensor._make(g) for g in grads)
        # create_graph: the gradients are ops themselves, so that they can be differentiated
        gx = gw = gb = None
        if need_x:
            gx = ConvolutionTranspose.apply(grad, weight, None, *ctx.conv, tuple(x.shape))
        if need_w:
            gw = ConvolutionWeight.apply(x, grad, tuple(weight.shape), *ctx.conv, cols=cols)
        if need_b:
            gb = grad.sum((0,) + tuple(range(2, grad.dim())))
        return gx, gw, gb

    @classmethod
    def node_name(cls) -> str:
        return "ConvolutionBackward0"


class ConvolutionTranspose(Op):
    """The adjoint of ``Convolution`` for a fixed W: scatters each g[n, o, l] back through the
    kernel. g (N, O, *out), W (O, C/groups, *k) -> (N, C, *input_shape[2:]) (+ b[c]).

    dg = Convolution(dy, W), dW = ConvolutionWeight(dy, g), db = Σ dy.
    """

    @staticmethod
    def forward(ctx, g, weight, bias, stride, padding, dilation, groups, input_shape):
        out = get_backend().conv_backward_input(
            g._data, weight._data, input_shape, stride, padding, dilation, groups
        )
        if bias is not None:
            out += bias._data.reshape((-1,) + (1,) * (out.ndim - 2))
        ctx.save_for_backward(g, weight)
        ctx.conv = (stride, padding, dilation, groups)
        return out

    @staticmethod
    def backward(ctx, grad):
        g, weight = ctx.saved_tensors
        need_g, need_w, need_b = ctx.needs_input_grad[:3]
        gg = gw = gb = None
        if need_g:
            gg = _crop(Convolution.apply(grad, weight, None, *ctx.conv), g.shape)
        if need_w:
            gw = ConvolutionWeight.apply(grad, g, tuple(weight.shape), *ctx.conv)
        if need_b:
            gb = grad.sum((0,) + tuple(range(2, grad.dim())))
        return gg, gw, gb

    @classmethod
    def node_name(cls) -> str:
        return "ConvolutionBackward0"


class ConvolutionWeight(Op):
    """dW[o, c, k] = Σ_{n,l} g[n, o, l] · x[n, c, stride·l + dilation·k - padding].

    x (N, C, *S), g (N, O, *out) -> weight_shape; ``cols``: x's columns, if the forward kept them.
    dx = ConvolutionTranspose(g, dy), dg = Convolution(x, dy).
    """

    @staticmethod
    def forward(ctx, x, g, weight_shape, stride, padding, dilation, groups, cols=None):
        ctx.save_for_backward(x, g)
        ctx.conv = (stride, padding, dilation, groups)
        return get_backend().conv_backward_weight(
            g._data, x._data, weight_shape, stride, padding, dilation, groups, cols=cols
        )

    @staticmethod
    def backward(ctx, grad):
        x, g = ctx.saved_tensors
        need_x, need_g = ctx.needs_input_grad[:2]
        gx = gg = None
        if need_x:
            gx = ConvolutionTranspose.apply(g, grad, None, *ctx.conv, tuple(x.shape))
        if need_g:
            gg = _crop(Convolution.apply(x, grad, None, *ctx.conv), g.shape)
        return gx, gg


def _crop(y, shape):
    """A conv output cut to ``shape``: a transposed conv's output_padding may reach past the
    last position a window covers, and those extra outputs had no input."""
    if tuple(y.shape) == tuple(shape):
        return y
    return y[(slice(None), slice(None)) + tuple(slice(0, s) for s in shape[2:])]


# ------------------------------------------------------------------------------ argument checks
_TYPE_NAMES = {
    "float32": ("Float", "float"), "float64": ("Double", "double"), "float16": ("Half", "half"),
    "int64": ("Long", "long int"), "int32": ("Int", "int"), "int16": ("Short", "short int"),
    "int8": ("Char", "signed char"), "uint8": ("Byte", "unsigned char"), "bool": ("Bool", "bool"),
}  # fmt: skip


def _tuple(value, n, name):
    """An int or a sequence of ints as an n-tuple, or torch's error for the wrong length."""
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} values to match the "
            f"convolution dimensions, but got {name}={list(value)}"
        )
    return value


def _batched(input, dims, op):
    """(N, C, *S) or unbatched (C, *S) -> (N, C, *S) and whether it was batched."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    if input.dim() == dims + 1:
        return input.unsqueeze(0), False
    return input, True


def _check_input(input, dims, op):
    """The input must be (N, C, *S) or unbatched (C, *S); returns (batched input, was_batched)."""
    if isinstance(input, Tensor) and input.dim() not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {op}, but got "
            f"input of size: {list(input.shape)}"
        )
    return _batched(input, dims, op)


def _check_types(input, weight, bias):
    names = _TYPE_NAMES.get
    if input._data.dtype != weight._data.dtype:
        a = names(str(input._data.dtype), ("?", "?"))[0]
        b = names(str(weight._data.dtype), ("?", "?"))[0]
        raise RuntimeError(f"expected scalar type {a} but found {b}")
    if bias is not None and bias._data.dtype != input._data.dtype:
        a = names(str(input._data.dtype), ("?", "?"))[1]
        b = names(str(bias._data.dtype), ("?", "?"))[1]
        raise RuntimeError(f"Input type ({a}) and bias type ({b}) should be the same")


def _check_geometry(stride, padding, dilation, groups):
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _same_padding(ksize, dilation, stride):
    """padding="same": total d·(k-1) per dim; an odd total puts the extra element after, as
    torch does."""
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    pads = []
    for k, d in zip(ksize, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    if any(lo != hi for lo, hi in pads):
        warnings.warn(
            "Using padding='same' with even kernel lengths and odd dilation may require a "
            "zero-padded copy of the input be created",
            UserWarning,
            stacklevel=4,
        )
    return tuple(pads)


def _conv(input, weight, bias, stride, padding, dilation, groups, dims, op):
    x, batched = _check_input(input, dims, op)
    n = weight.dim() - 2  # the weight decides the number of spatial dims, as in torch
    stride, dilation = _tuple(stride, dims, "stride"), _tuple(dilation, dims, "dilation")
    if n != dims:
        _tuple(stride, n, "stride")  # raises torch's message for the mismatch
    ksize = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * dims
        elif padding == "same":
            _check_geometry(stride, (0,) * dims, dilation, groups)
            pads = _same_padding(ksize, dilation, stride)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        padding = _tuple(padding, dims, "padding")
        _check_geometry(stride, padding, dilation, groups)
        pads = tuple((p, p) for p in padding)
    out_ch, c = weight.shape[0], x.shape[1]
    if out_ch % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(weight.shape)}] instead"
        )
    if weight.shape[1] * groups != c:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} to have {weight.shape[1] * groups} channels, but got {c} "
            "channels instead"
        )
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_ch):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{out_ch} elements, but got bias of size {list(bias.shape)} instead"
        )
    _check_types(x, weight, bias)
    padded = [s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads)]
    span = [d * (k - 1) + 1 for k, d in zip(ksize, dilation)]
    if any(p < s for p, s in zip(padded, span)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, span))}). Kernel size can't be greater than "
            "actual input size"
        )
    out = Convolution.apply(x, weight, bias, stride, pads, dilation, groups)
    return out if batched else out.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation, as in torch): (N, C, L) -> (N, O, L_out).

    weight (O, C/groups, k); padding is an int, a 1-tuple, "valid" or "same".
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution: (N, C, H, W) -> (N, O, H_out, W_out), H_out = ⌊(H + 2p - d(k-1) - 1)/s⌋ + 1.

    weight (O, C/groups, kH, kW); padding is an int, a pair, "valid" or "same".
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution: (N, C, D, H, W) -> (N, O, D_out, H_out, W_out)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation,
                    dims, op):  # fmt: skip
    x, batched = _check_input(input, dims, op)
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
    stride, padding = _tuple(stride, dims, "stride"), _tuple(padding, dims, "padding")
    dilation = _tuple(dilation, dims, "dilation")
    output_padding = _tuple(output_padding, dims, "output_padding")
    _check_geometry(stride, padding, dilation, groups)
    c_in = weight.shape[0]
    if c_in % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(weight.shape)}] instead"
        )
    if x.shape[1] != c_in:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} to have {c_in} channels, but got {x.shape[1]} channels instead"
        )
    out_ch = weight.shape[1] * groups
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_ch):
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
            f"1-dimensional with {out_ch} elements, but got bias of size {list(bias.shape)} "
            "instead"
        )
    if any(op_ >= s and op_ >= d for op_, s, d in zip(output_padding, stride, dilation)):
        o2, s2, d2 = ((0,) * (2 - dims) + t for t in (output_padding, stride, dilation))
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            f"output_padding_height: {o2[-2]} output_padding_width: {o2[-1]} "
            f"stride_height: {s2[-2] if dims > 1 else 1} stride_width: {s2[-1]} "
            f"dilation_height: {d2[-2] if dims > 1 else 1} dilation_width: {d2[-1]}"
        )
    _check_types(x, weight, bias)
    ksize = tuple(weight.shape[2:])
    out = tuple(
        (i - 1) * s - 2 * p + d * (k - 1) + op_ + 1
        for i, s, p, d, k, op_ in zip(x.shape[2:], stride, padding, dilation, ksize, output_padding)
    )
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))}). Calculated "
            f"output size per channel: ({' x '.join(map(str, out))}). Output size is too small"
        )
    pads = tuple((p, p) for p in padding)
    shape = (x.shape[0], out_ch) + out
    y = ConvolutionTranspose.apply(x, weight, bias, stride, pads, dilation, groups, shape)
    return y if batched else y.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):  # fmt: skip
    """Transposed 1-D convolution (the gradient of conv1d w.r.t. its input): (N, C, L) ->
    (N, O, (L-1)·s - 2p + d(k-1) + output_padding + 1). weight (C, O/groups, k)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1, "conv_transpose1d")  # fmt: skip


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):  # fmt: skip
    """Transposed 2-D convolution ("deconvolution", an upsampling layer): (N, C, H, W) ->
    (N, O, H_out, W_out), H_out = (H-1)·s - 2p + d(kH-1) + output_padding + 1.

    weight (C, O/groups, kH, kW): note the order, the reverse of conv2d's.
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2, "conv_transpose2d")  # fmt: skip
