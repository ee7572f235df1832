"""Activation functions: ``relu``, ``leaky_relu``, ``elu``, ``gelu``, ``silu``, ``softplus``, ...

Each with a kink or an exponential is one ``Op``: one numpy pass forward, and a backward that
never overflows (the composite of several ops would store more and could produce inf·0 = nan).
Backward passes are written in Tensor ops, so second derivatives work too.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import ops
from ..._tensor import Tensor
from ...autograd.function import Op
from ...ops.pointwise import Sigmoid as _SigmoidOp

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "gelu", "silu",
    "sigmoid", "tanh", "softplus", "hardtanh", "hardtanh_", "logsigmoid", "softmax", "softmin",
    "log_softmax",
]  # fmt: skip

_SQRT1_2 = 1 / math.sqrt(2.0)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_math_erf = np.frompyfunc(math.erf, 1, 1)  # exact to double rounding, ~0.1 µs per element


def _float(x, name):
    """The numpy data, which must be floating point (as in torch, these reject integer tensors)."""
    d = x._data
    if d.dtype.kind != "f":
        raise RuntimeError(f"\"{name}\" not implemented for '{x.type()[9:-6]}'")
    return d


class Erf(Op):
    """y = erf(x) = 2/√π ∫₀ˣ e^(-t²) dt; dy/dx = 2/√π · e^(-x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        d = _float(x, "erf")
        return _math_erf(d).astype(d.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (-(x * x)).exp() * _TWO_OVER_SQRT_PI


class LeakyRelu(Op):
    """y = x if x > 0 else slope·x; dy/dx = 1 or slope."""

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        d = _float(x, "leaky_relu")
        return np.where(d > 0, d, d * slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return ops.where(x > 0, grad, grad * ctx.slope), None


class Elu(Op):
    """y = x if x > 0 else α(eˣ - 1); dy/dx = 1 or α·eˣ."""

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        d = _float(x, "elu")
        return np.where(d > 0, d, alpha * np.expm1(np.minimum(d, 0)))  # min: no overflow in exp

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return ops.where(x > 0, grad, grad * x.clamp(max=0).exp() * ctx.alpha), None


class Gelu(Op):
    """y = x·Φ(x), Φ(x) = ½(1 + erf(x/√2)); dy/dx = Φ(x) + x·φ(x), φ the normal density."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        d = _float(x, "gelu")
        return (d * 0.5 * (1 + _math_erf(d * _SQRT1_2).astype(np.float64))).astype(d.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        cdf = (Erf.apply(x * _SQRT1_2) + 1) * 0.5
        pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
        return grad * (cdf + x * pdf)


_K_BETA = math.sqrt(2.0 / math.pi)
_K_KAPPA = 0.044715


class GeluTanh(Op):
    """y = ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³); dy/dx = ½(1 + t) + ½x(1 - t²)·du/dx."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        d = _float(x, "gelu")
        return 0.5 * d * (1 + np.tanh(_K_BETA * (d + _K_KAPPA * d * d * d)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        t = ((x + x * x * x * _K_KAPPA) * _K_BETA).tanh()
        du = (x * x * (3 * _K_KAPPA) + 1) * _K_BETA
        return grad * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * du)


class Silu(Op):
    """y = x·σ(x); dy/dx = σ(x)(1 + x(1 - σ(x)))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        d = _float(x, "silu")
        return d * _SigmoidOp.compute(d)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return grad * (s * (1 + x * (1 - s)))


class Softplus(Op):
    """y = log(1 + e^(βx))/β, or x where βx > threshold; dy/dx = σ(βx) (or 1)."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        d = _float(x, "softplus")
        bx = d * beta
        soft = np.log1p(np.exp(np.minimum(bx, threshold))) / beta  # min: exp never overflows
        return np.where(bx > threshold, d, soft).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        bx = x * ctx.beta
        return ops.where(bx > ctx.threshold, grad, grad * bx.sigmoid()), None, None


class Hardtanh(Op):
    """y = clamp(x, min_val, max_val); dy/dx = 1 strictly inside, 0 outside and on the edges."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        d = x._data
        return np.clip(d, lo, hi).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ((x > ctx.lo) & (x < ctx.hi)), None, None


def _check(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(
            f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )


def _maybe_inplace(input, inplace, fn):
    """``fn(input)``, or the same result written into ``input`` when ``inplace``."""
    return input._inplace(fn) if inplace else fn(input)


def relu(input, inplace=False):
    """max(x, 0)."""
    _check(input, "relu")
    return _maybe_inplace(input, inplace, ops.relu)


def relu_(input):
    return relu(input, inplace=True)


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope·x."""
    _check(input, "leaky_relu")
    return _maybe_inplace(input, inplace, lambda t: LeakyRelu.apply(t, negative_slope))


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else α(eˣ - 1)."""
    _check(input, "elu")
    return _maybe_inplace(input, inplace, lambda t: Elu.apply(t, alpha))


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def gelu(input, approximate="none"):
    """x·Φ(x) (``approximate='none'``, via erf) or its tanh approximation (``'tanh'``)."""
    _check(input, "gelu")
    if approximate == "none":
        return Gelu.apply(input)
    if approximate == "tanh":
        return GeluTanh.apply(input)
    raise RuntimeError("approximate argument must be either none or tanh.")


def silu(input, inplace=False):
    """x·σ(x) (also called swish)."""
    _check(input, "silu")
    return _maybe_inplace(input, inplace, Silu.apply)


def sigmoid(input):
    return ops.sigmoid(input)


def tanh(input):
    return ops.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(βx))/β, a smooth relu; linear where βx > threshold (for accuracy)."""
    _check(input, "softplus")
    return Softplus.apply(input, beta, threshold)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val)."""
    _check(input, "hardtanh")
    return _maybe_inplace(input, inplace, lambda t: Hardtanh.apply(t, min_val, max_val))


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def logsigmoid(input):
    """log σ(x) = -softplus(-x), computed without overflow."""
    _check(input, "logsigmoid")
    return -Softplus.apply(-input, 1.0, 20.0)


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1  # torch's legacy choice


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(xᵢ)/Σⱼ exp(xⱼ) along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    return ops.softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.dim(), _stacklevel)
    return ops.softmax(-input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """xᵢ - log Σⱼ exp(xⱼ) along ``dim`` (stable: the max is subtracted first)."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    return ops.log_softmax(input, dim, dtype=dtype)
