"""Normalisation: ``batch_norm``, ``layer_norm``, ``group_norm``.

All three compute y = (x - mean) / √(var + eps) · weight + bias and differ only in which elements
share a mean and variance:

* batch norm: one per channel, over the batch and spatial dims (N, *) — or the running estimates;
* layer norm: one per sample, over the trailing ``normalized_shape`` dims;
* group norm: one per (sample, group of channels).

So one op, ``Normalize``, does all of them, given how to view x and which axes to reduce.
"""

from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import Op
from ...backends import get_backend

__all__ = ["batch_norm", "layer_norm", "group_norm"]


def _normalized(x, axes, eps):
    """x̂ and 1/σ in Tensor ops (so that, under create_graph, the gradient has a graph too)."""
    centred = x - x.mean(axes, keepdim=True)
    rstd = ((centred * centred).mean(axes, keepdim=True) + eps).rsqrt()
    return centred * rstd, rstd


class Normalize(Op):
    """y = x̂ · weight + bias, x̂ = (x - mean) / √(var + eps), statistics over ``axes`` of x viewed
    as ``view``; weight and bias are reshaped to ``affine_shape`` (which broadcasts against x).

    With ``stats=(mean, var)`` (numpy, broadcastable to ``view``) those fixed statistics are used
    (batch norm in eval mode). With ``running=(running_mean, running_var, momentum)`` the batch
    statistics also update the running estimates, in place: r ← (1 - momentum)·r + momentum·batch,
    with the unbiased variance, as torch does.

    Backward: dx = (g - mean(g) - x̂·mean(g·x̂)) / σ with g = dy·weight; dweight = Σ dy·x̂;
    dbias = Σ dy. It is written in Tensor ops, so it can be differentiated again.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, view, axes, affine_shape, eps, stats=None, running=None):
        d = x._data.reshape(view)
        if stats is None:
            xhat, mean, var, rstd = get_backend().normalize_forward(d, axes, eps)
            if running is not None:
                _update_running(running, mean, var, d.size // mean.size)
        else:
            rstd = (1.0 / np.sqrt(stats[1] + eps)).astype(d.dtype)
            xhat = (d - stats[0]) * rstd
        xhat = xhat.reshape(x._data.shape)
        ctx.save_for_backward(x, weight)
        ctx.xhat, ctx.rstd, ctx.stats = xhat, rstd, stats
        ctx.bias_shape = None if bias is None else bias._data.shape
        ctx.view, ctx.axes, ctx.affine_shape, ctx.eps = view, axes, affine_shape, eps
        y = xhat
        if weight is not None:
            y = y * weight._data.reshape(affine_shape)
        if bias is not None:
            y = y + bias._data.reshape(affine_shape)
        return y if y is not xhat else xhat.copy()

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        view, axes, shape = ctx.view, ctx.axes, x._data.shape
        rstd = Tensor._make(ctx.rstd)
        if not ctx.create_graph:
            xhat = Tensor._make(ctx.xhat)
        elif ctx.stats is None:  # create_graph: rebuild x̂ from x, in Tensor ops
            xhat, rstd = _normalized(x.reshape(view), axes, ctx.eps)
            xhat = xhat.reshape(shape)
        else:
            xhat = (x.reshape(view) - Tensor._make(ctx.stats[0])) * rstd
            xhat = xhat.reshape(shape)
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            g = grad if weight is None else grad * weight.reshape(ctx.affine_shape)
            g = g.reshape(view)
            if ctx.stats is None:
                xv = xhat.reshape(view)
                g = g - g.mean(axes, keepdim=True) - xv * (g * xv).mean(axes, keepdim=True)
            gx = (g * rstd).reshape(shape)
        if weight is not None and ctx.needs_input_grad[1]:
            gw = (grad * xhat).sum_to_size(ctx.affine_shape).reshape(weight.shape)
        if ctx.bias_shape is not None and ctx.needs_input_grad[2]:
            gb = grad.sum_to_size(ctx.affine_shape).reshape(ctx.bias_shape)
        return gx, gw, gb


class NativeBatchNorm(Normalize):
    """``Normalize`` as batch norm (named so that ``grad_fn`` reads as in torch)."""


class NativeLayerNorm(Normalize):
    """``Normalize`` as layer norm."""


class NativeGroupNorm(Normalize):
    """``Normalize`` as group norm."""


def _update_running(running, mean, var, n):
    """r ← (1 - m)·r + m·batch, in place; the variance estimate is unbiased (× n/(n-1))."""
    running_mean, running_var, momentum = running
    if running_mean is not None:
        rm = running_mean._data
        rm *= 1.0 - momentum
        rm += (momentum * mean.reshape(rm.shape)).astype(rm.dtype)
        running_mean._vc[0] += 1
    if running_var is not None:
        rv = running_var._data
        rv *= 1.0 - momentum
        rv += (momentum * var.reshape(rv.shape) * (n / max(n - 1, 1))).astype(rv.dtype)
        running_var._vc[0] += 1


def _check_vector(t, n, what):
    if t is not None and t.numel() != n:
        raise RuntimeError(f"{what} should contain {n} elements not {t.numel()}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):  # fmt: skip
    """Per-channel normalisation of (N, C, *) input: batch statistics when ``training`` (and then
    the running estimates are updated), else the running estimates. -> (N, C, *)."""
    if not isinstance(momentum, (int, float)):  # the layers turn momentum=None into a float
        raise TypeError(
            "batch_norm(): argument 'momentum' (position 7) must be float, not "
            f"{type(momentum).__name__}"
        )
    c = input.shape[1] if input.dim() > 1 else 0
    _check_vector(running_mean, c, "running_mean")
    _check_vector(running_var, c, "running_var")
    _check_vector(weight, c, "weight")
    _check_vector(bias, c, "bias")
    if training:
        size = input.shape
        if math.prod(size) // max(size[1], 1) == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {size}"
            )
    elif running_mean is None or running_var is None:
        which = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"{which} must be defined in evaluation mode")
    shape = (1, c) + (1,) * (input.dim() - 2)
    axes = (0,) + tuple(range(2, input.dim()))
    if training:
        running = None
        if running_mean is not None or running_var is not None:
            running = (running_mean, running_var, momentum)
        return NativeBatchNorm.apply(
            input, weight, bias, input.shape, axes, shape, eps, None, running
        )
    stats = (running_mean._data.reshape(shape), running_var._data.reshape(shape))
    return NativeBatchNorm.apply(input, weight, bias, input.shape, axes, shape, eps, stats)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Normalise each sample over its trailing ``normalized_shape`` dims: (*, *S) -> (*, *S)."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.dim() - k :]) != normalized_shape or input.dim() < k:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(map(str, normalized_shape))}], but got input of size"
            f"{list(input.shape)}"
        )
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {list(t.shape)} and normalized_shape = {list(normalized_shape)}"
            )
    axes = tuple(range(input.dim() - k, input.dim()))
    return NativeLayerNorm.apply(input, weight, bias, input.shape, axes, normalized_shape, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Split the C channels of (N, C, *) into ``num_groups`` groups; normalise each (sample, group)
    over its channels and spatial positions. -> (N, C, *)."""
    if input.dim() < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.dim()}"
        )
    n, c = input.shape[:2]
    if c % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(input.shape)} and num_groups={num_groups}"
        )
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {list(t.shape)} and input of shape "
                f"{list(input.shape)}"
            )
    view = (n, num_groups, input.numel() // max(n * num_groups, 1))
    shape = (1, c) + (1,) * (input.dim() - 2)
    return NativeGroupNorm.apply(input, weight, bias, view, (2,), shape, eps)
