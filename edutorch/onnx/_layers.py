"""One function per layer of ``edutorch.nn``: the ONNX nodes that compute what the layer computes.

Each converter is ``fn(b, module, inputs, scope) -> output name`` with ``b`` the GraphBuilder,
``inputs`` a list of ``Value`` (ONNX name + the example tensor edutorch computed), and ``scope``
the layer's path ("features.0."), which prefixes its weights' names as in ``state_dict``.
Layers are exported in eval mode: Dropout is the identity, BatchNorm uses its running statistics.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["CONVERTERS", "Unsupported"]


class Unsupported(NotImplementedError):
    """A layer (or an option of one) that edutorch.onnx does not write."""


def _np(t):
    return t.detach().numpy()


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _bias_input(b, module, scope):
    return [b.weight(scope + "bias", _np(module.bias))] if module.bias is not None else []


# ---------------------------------------------------------------------------------- basics
def _identity(b, m, xs, scope):
    return b.node("Identity", [xs[0].name], scope)


def _linear(b, m, xs, scope):
    x = xs[0]
    w = b.weight(scope + "weight", _np(m.weight))
    if x.rank == 2:  # the classic fully connected layer: one Gemm
        return b.node("Gemm", [x.name, w, *_bias_input(b, m, scope)], scope, transB=1)
    wt = b.node("Transpose", [w], scope, perm=[1, 0])
    y = b.node("MatMul", [x.name, wt], scope)
    return b.node("Add", [y, *_bias_input(b, m, scope)], scope) if m.bias is not None else y


def _embedding(b, m, xs, scope):
    if m.max_norm is not None:
        raise Unsupported("Embedding with max_norm (it rescales rows while looking them up)")
    w = b.weight(scope + "weight", _np(m.weight))
    return b.node("Gather", [w, xs[0].name], scope, axis=0)


# ----------------------------------------------------------------------------- convolution
def _conv_pads(m, n):
    """ONNX pads: all the begins, then all the ends. 'same' puts the odd extra at the end."""
    if m.padding == "valid":
        return [0] * 2 * n
    if m.padding == "same":
        total = [d * (k - 1) for d, k in zip(m.dilation, m.kernel_size)]
        return [t // 2 for t in total] + [t - t // 2 for t in total]
    return list(m.padding) * 2


def _check_batched(m, x, n):
    if x.rank != n + 2:
        raise Unsupported(f"{type(m).__name__} on unbatched input: add a batch dim first")


def _conv(b, m, xs, scope):
    n = len(m.kernel_size)
    _check_batched(m, xs[0], n)
    if m.padding_mode != "zeros":  # Conv's own pads are zeros; the others would need a Pad node
        raise Unsupported(f"{type(m).__name__} with padding_mode={m.padding_mode!r}")
    inputs = [xs[0].name, b.weight(scope + "weight", _np(m.weight)), *_bias_input(b, m, scope)]
    return b.node("Conv", inputs, scope, kernel_shape=list(m.kernel_size), strides=list(m.stride),
                  pads=_conv_pads(m, n), dilations=list(m.dilation), group=m.groups)  # fmt: skip


def _conv_transpose(b, m, xs, scope):
    n = len(m.kernel_size)
    _check_batched(m, xs[0], n)
    inputs = [xs[0].name, b.weight(scope + "weight", _np(m.weight)), *_bias_input(b, m, scope)]
    return b.node(
        "ConvTranspose", inputs, scope, kernel_shape=list(m.kernel_size), strides=list(m.stride),
        pads=list(m.padding) * 2, output_padding=list(m.output_padding),
        dilations=list(m.dilation), group=m.groups,
    )  # fmt: skip


# --------------------------------------------------------------------------------- pooling
def _crop_to(b, y, x_out, n, scope):
    """Slice the spatial dims of ``y`` to the sizes edutorch gave. With ceil_mode, torch drops a
    last window that would start in the padding; ONNX's formula may keep it."""
    sizes = list(x_out.shape[-n:])
    starts, ends = b.const([0] * n), b.const(sizes)
    return b.node("Slice", [y, starts, ends, b.const(list(range(-n, 0)))], scope)


def _pool_geometry(m, n):
    k = _tuple(m.kernel_size, n)
    s = _tuple(m.stride if m.stride is not None else m.kernel_size, n)
    p = _tuple(m.padding, n)
    return list(k), list(s), list(p) * 2


def _max_pool(n):
    def convert(b, m, xs, scope):
        if m.return_indices:
            raise Unsupported(f"MaxPool{n}d with return_indices (ONNX counts them differently)")
        _check_batched(m, xs[0], n)
        k, s, pads = _pool_geometry(m, n)
        y = b.node("MaxPool", [xs[0].name], scope, kernel_shape=k, strides=s, pads=pads,
                   dilations=list(_tuple(m.dilation, n)), ceil_mode=int(m.ceil_mode))  # fmt: skip
        return _crop_to(b, y, m(xs[0].example), n, scope) if m.ceil_mode else y

    return convert


def _avg_pool(n):
    def convert(b, m, xs, scope):
        _check_batched(m, xs[0], n)
        k, s, pads = _pool_geometry(m, n)
        divisor = getattr(m, "divisor_override", None)
        if divisor is not None and m.ceil_mode:
            raise Unsupported(f"AvgPool{n}d with both divisor_override and ceil_mode")
        include = 1 if divisor is not None else int(m.count_include_pad)
        y = b.node("AveragePool", [xs[0].name], scope, kernel_shape=k, strides=s, pads=pads,
                   ceil_mode=int(m.ceil_mode), count_include_pad=include)  # fmt: skip
        if m.ceil_mode:
            y = _crop_to(b, y, m(xs[0].example), n, scope)
        if divisor is not None:  # every window is whole: sum = mean · window size
            scale = np.asarray(math.prod(k) / divisor, dtype=xs[0].example.numpy().dtype)
            y = b.node("Mul", [y, b.weight(scope + "scale", scale)], scope)
        return y

    return convert


def _averaging_matrix(size, out, dtype):
    """(size, out) matrix whose column i averages input window i of adaptive pooling:
    [⌊i·size/out⌋, ⌈(i+1)·size/out⌉), windows that may overlap and differ in length."""
    p = np.zeros((size, out), dtype)
    for i in range(out):
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        p[start:end, i] = 1.0 / (end - start)
    return p


def _adaptive_avg_pool(n):
    def convert(b, m, xs, scope):
        x = xs[0]
        _check_batched(m, x, n)
        sizes = x.shape[-n:]
        out = [s if o is None else o for s, o in zip(sizes, _tuple(m.output_size, n))]
        if all(o == 1 for o in out):
            return b.node("GlobalAveragePool", [x.name], scope)
        if not any(s % o for s, o in zip(sizes, out)):
            k = [s // o for s, o in zip(sizes, out)]  # equal windows side by side: a plain pool
            return b.node("AveragePool", [x.name], scope, kernel_shape=k, strides=k)
        # windows of different lengths: averaging is linear and separable, so one MatMul per
        # spatial dim, the last dim from the right (x·P), the one before from the left (Pᵀ·x)
        dtype = x.example.numpy().dtype
        y = b.node("MatMul", [x.name, b.weight(scope + "pool_w", _averaging_matrix(
            sizes[-1], out[-1], dtype))], scope)  # fmt: skip
        if n == 2:
            rows = _averaging_matrix(sizes[0], out[0], dtype).T
            y = b.node("MatMul", [b.weight(scope + "pool_h", rows), y], scope)
        return y

    return convert


# --------------------------------------------------------------------------- normalisation
def _affine_or(b, m, scope, name, shape, fill, dtype):
    t = getattr(m, name)
    return b.weight(scope + name, _np(t) if t is not None else np.full(shape, fill, dtype))


def _reduce_mean(b, x, axes, scope):
    if b.opset >= 18:  # the axes became an input in opset 18
        return b.node("ReduceMean", [x, b.const(axes)], scope, keepdims=1)
    return b.node("ReduceMean", [x], scope, axes=axes, keepdims=1)


def _batch_statistics_norm(b, m, x, scope):
    """Without running statistics eval mode normalises with the batch's own, as training does."""
    axes = [0] + list(range(2, x.rank))
    dtype = x.example.numpy().dtype
    centred = b.node("Sub", [x.name, _reduce_mean(b, x.name, axes, scope)], scope)
    var = _reduce_mean(b, b.node("Mul", [centred, centred], scope), axes, scope)
    std = b.node("Sqrt", [b.node("Add", [var, _scalar(b, x, m.eps, scope, "eps")], scope)], scope)
    y = b.node("Div", [centred, std], scope)
    per_channel = (m.num_features,) + (1,) * (x.rank - 2)
    if m.weight is not None:
        w = b.weight(scope + "weight", _np(m.weight).reshape(per_channel).astype(dtype))
        y = b.node("Mul", [y, w], scope)
    if m.bias is not None:
        y = b.node("Add", [y, b.weight(scope + "bias", _np(m.bias).reshape(per_channel))], scope)
    return y


def _batch_norm(b, m, xs, scope):
    if m.running_mean is None:
        return _batch_statistics_norm(b, m, xs[0], scope)
    dtype = _np(m.running_mean).dtype
    c = (m.num_features,)
    inputs = [
        xs[0].name, _affine_or(b, m, scope, "weight", c, 1, dtype),
        _affine_or(b, m, scope, "bias", c, 0, dtype),
        b.weight(scope + "running_mean", _np(m.running_mean)),
        b.weight(scope + "running_var", _np(m.running_var)),
    ]  # fmt: skip
    return b.node("BatchNormalization", inputs, scope, epsilon=float(m.eps))


def _layer_norm(b, m, xs, scope):
    dtype = xs[0].example.numpy().dtype
    shape = m.normalized_shape
    inputs = [xs[0].name, _affine_or(b, m, scope, "weight", shape, 1, dtype)]
    if m.bias is not None:
        inputs.append(b.weight(scope + "bias", _np(m.bias)))
    return b.node("LayerNormalization", inputs, scope, axis=-len(shape), epsilon=float(m.eps))


def _group_norm(b, m, xs, scope):
    """Reshape to (N, groups, rest), normalise each row (InstanceNormalization), reshape back,
    then the per-channel scale and shift."""
    x = xs[0]
    dtype = x.example.numpy().dtype
    g = m.num_groups
    grouped = b.node("Reshape", [x.name, b.const([0, g, -1])], scope)
    ones, zeros = np.ones(g, dtype), np.zeros(g, dtype)
    normed = b.node("InstanceNormalization", [grouped, b.weight(scope + "ones", ones),
                    b.weight(scope + "zeros", zeros)], scope, epsilon=float(m.eps))  # fmt: skip
    y = b.node("Reshape", [normed, b.node("Shape", [x.name], scope)], scope)
    if not m.affine:
        return y
    per_channel = (m.num_channels,) + (1,) * (x.rank - 2)  # broadcasts over the spatial dims
    w = b.weight(scope + "weight", _np(m.weight).reshape(per_channel))
    y = b.node("Mul", [y, w], scope)
    if m.bias is None:
        return y
    return b.node("Add", [y, b.weight(scope + "bias", _np(m.bias).reshape(per_channel))], scope)


# ----------------------------------------------------------------------------- activations
def _simple(op, **attrs):
    def convert(b, m, xs, scope):
        return b.node(op, [xs[0].name], scope, **{k: f(m) for k, f in attrs.items()})

    return convert


def _scalar(b, x, value, scope, name):
    return b.weight(scope + name, np.asarray(value, dtype=x.example.numpy().dtype))


def _clip(lo, hi):
    def convert(b, m, xs, scope):
        x = xs[0]
        low, high = (lo(m), hi(m))
        return b.node("Clip", [x.name, _scalar(b, x, low, scope, "min"),
                               _scalar(b, x, high, scope, "max")], scope)  # fmt: skip

    return convert


def _gelu(b, m, xs, scope):
    x = xs[0]
    if b.opset >= 20:
        return b.node("Gelu", [x.name], scope, approximate=m.approximate)
    half = b.node("Mul", [x.name, _scalar(b, x, 0.5, scope, "half")], scope)
    if m.approximate == "tanh":  # 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        cube = b.node("Mul", [x.name, b.node("Mul", [x.name, x.name], scope)], scope)
        inner = b.node(
            "Add",
            [x.name, b.node("Mul", [cube, _scalar(b, x, 0.044715, scope, "c")], scope)],
            scope,
        )
        scaled = b.node("Mul", [inner, _scalar(b, x, math.sqrt(2 / math.pi), scope, "k")], scope)
        t = b.node("Tanh", [scaled], scope)
    else:  # 0.5·x·(1 + erf(x/√2))
        t = b.node("Erf", [b.node("Div", [x.name, _scalar(b, x, math.sqrt(2), scope, "sqrt2")],
                                  scope)], scope)  # fmt: skip
    return b.node("Mul", [half, b.node("Add", [t, _scalar(b, x, 1.0, scope, "one")], scope)],
                  scope)  # fmt: skip


def _silu(b, m, xs, scope):
    return b.node("Mul", [xs[0].name, b.node("Sigmoid", [xs[0].name], scope)], scope)


def _log_sigmoid(b, m, xs, scope):  # log σ(x) = -softplus(-x)
    neg = b.node("Neg", [xs[0].name], scope)
    return b.node("Neg", [b.node("Softplus", [neg], scope)], scope)


def _softplus(b, m, xs, scope):
    x = xs[0]
    if m.beta == 1 and m.threshold >= 20:  # beyond 20, log(1 + eˣ) = x in float32 anyway
        return b.node("Softplus", [x.name], scope)
    bx = b.node("Mul", [x.name, _scalar(b, x, m.beta, scope, "beta")], scope)
    soft = b.node("Div", [b.node("Softplus", [bx], scope), _scalar(b, x, m.beta, scope, "beta")],
                  scope)  # fmt: skip
    linear = b.node("Greater", [bx, _scalar(b, x, m.threshold, scope, "threshold")], scope)
    return b.node("Where", [linear, x.name, soft], scope)  # torch: x itself above threshold


def _softmax_axis(m, x):
    if m.dim is not None:
        return m.dim
    return 0 if x.rank in (0, 1, 3) else 1  # torch's legacy choice without dim


def _softmax(op, negate=False):
    def convert(b, m, xs, scope):
        x = xs[0].name
        if negate:
            x = b.node("Neg", [x], scope)
        return b.node(op, [x], scope, axis=_softmax_axis(m, xs[0]))

    return convert


# ------------------------------------------------------------------------------- reshaping
def _dim(d, rank):
    return d + rank if d < 0 else d


def _flatten(b, m, xs, scope):
    x = xs[0]
    start, end = _dim(m.start_dim, x.rank), _dim(m.end_dim, x.rank)
    # 0 copies the input's size (the batch stays dynamic); -1 is the merged dims
    shape = [0] * start + [-1] + list(x.shape[end + 1 :])
    return b.node("Reshape", [x.name, b.const(shape)], scope)


def _unflatten(b, m, xs, scope):
    x = xs[0]
    d = _dim(m.dim, x.rank)
    shape = [0] * d + list(m.unflattened_size) + list(x.shape[d + 1 :])
    return b.node("Reshape", [x.name, b.const(shape)], scope)


def _unsupported(reason):
    def convert(b, m, xs, scope):
        raise Unsupported(f"{type(m).__name__}: {reason}")

    return convert


def _recurrent(b, m, xs, scope):
    from ._recurrent import convert

    return convert(b, m, xs, scope)


_NO_ATTENTION = "not exported yet (attention has no single ONNX op; export it from torch)"
CONVERTERS = {
    "Identity": _identity, "Dropout": _identity, "Dropout1d": _identity,
    "Dropout2d": _identity,
    "Linear": _linear, "Embedding": _embedding,
    "Conv1d": _conv, "Conv2d": _conv, "Conv3d": _conv,
    "ConvTranspose1d": _conv_transpose, "ConvTranspose2d": _conv_transpose,
    "MaxPool1d": _max_pool(1), "MaxPool2d": _max_pool(2),
    "AvgPool1d": _avg_pool(1), "AvgPool2d": _avg_pool(2),
    "AdaptiveAvgPool1d": _adaptive_avg_pool(1), "AdaptiveAvgPool2d": _adaptive_avg_pool(2),
    "BatchNorm1d": _batch_norm, "BatchNorm2d": _batch_norm,
    "LayerNorm": _layer_norm, "GroupNorm": _group_norm,
    "ReLU": _simple("Relu"), "Sigmoid": _simple("Sigmoid"), "Tanh": _simple("Tanh"),
    "LeakyReLU": _simple("LeakyRelu", alpha=lambda m: float(m.negative_slope)),
    "ELU": _simple("Elu", alpha=lambda m: float(m.alpha)),
    "GELU": _gelu, "SiLU": _silu, "LogSigmoid": _log_sigmoid, "Softplus": _softplus,
    "Hardtanh": _clip(lambda m: m.min_val, lambda m: m.max_val),
    "ReLU6": _clip(lambda m: 0.0, lambda m: 6.0),
    "Softmax": _softmax("Softmax"), "LogSoftmax": _softmax("LogSoftmax"),
    "Softmin": _softmax("Softmax", negate=True),
    "Flatten": _flatten, "Unflatten": _unflatten,
    "RNN": _recurrent, "LSTM": _recurrent, "GRU": _recurrent,
    "RNNCell": _unsupported("not exported yet (export the whole RNN/LSTM/GRU layer instead)"),
    "LSTMCell": _unsupported("not exported yet (export the whole LSTM layer instead)"),
    "GRUCell": _unsupported("not exported yet (export the whole GRU layer instead)"),
    "MultiheadAttention": _unsupported(_NO_ATTENTION),
    "TransformerEncoderLayer": _unsupported(_NO_ATTENTION),
    "TransformerEncoder": _unsupported(_NO_ATTENTION),
    "TransformerDecoderLayer": _unsupported(_NO_ATTENTION),
    "TransformerDecoder": _unsupported(_NO_ATTENTION),
    "Transformer": _unsupported(_NO_ATTENTION),
    **{f"{kind}Pad{d}d": _unsupported("not exported yet (padding layers)") for d in (1, 2, 3)
       for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular")},
}  # fmt: skip
