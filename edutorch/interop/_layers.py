"""How to rebuild each layer of ``edutorch.nn`` in the other framework: its constructor arguments.

edutorch's layers keep torch's attribute names (``in_features``, ``kernel_size``, ``eps``, ...), so
one table serves both directions: ``ARGS["Linear"](module, conv)`` reads the arguments off a
layer of either framework and returns ``(args, kwargs)`` for the same class in the other one.
``conv`` converts what an argument may hold besides numbers: tensors (a loss's class weights),
sub-layers (a TransformerEncoder's layer) and activations. Weights are copied afterwards, so
the arguments only need to give the right shapes and options.
"""

from __future__ import annotations

__all__ = ["ARGS", "CONTAINERS"]

# modules that only hold other modules or parameters: rebuilt child by child, names kept
CONTAINERS = ("Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict")


def _attrs(*names, **computed):
    """A reader of keyword arguments: ``names`` copied as they are, ``computed`` from a function."""

    def read(m, conv):
        kwargs = {n: getattr(m, n) for n in names}
        kwargs.update({k: f(m) for k, f in computed.items()})
        return (), kwargs

    return read


def _has(name):
    """bias=True when the layer has that parameter (the attribute holds the tensor, not a flag)."""
    return lambda m: getattr(m, name) is not None


_CONV = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
         "padding_mode")  # fmt: skip
_PADS = ("ZeroPad", "ReflectionPad", "ReplicationPad", "CircularPad")
_RNN = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
        "bidirectional")  # fmt: skip


def _weighted_loss(*names):
    def read(m, conv):
        return (), {"weight": conv.tensor(m.weight), **{n: getattr(m, n) for n in names}}

    return read


def _bce_with_logits(m, conv):
    kwargs = {"weight": conv.tensor(m.weight), "pos_weight": conv.tensor(m.pos_weight)}
    return (), {**kwargs, "reduction": m.reduction}


def _attention(m, conv):
    return (m.embed_dim, m.num_heads), {
        "dropout": m.dropout, "bias": m.in_proj_bias is not None,
        "add_bias_kv": m.bias_k is not None, "add_zero_attn": m.add_zero_attn, "kdim": m.kdim,
        "vdim": m.vdim, "batch_first": m.batch_first,
    }  # fmt: skip


def _coder_layer(m, conv):
    """TransformerEncoderLayer / TransformerDecoderLayer: sizes read off their sub-layers."""
    attn = m.self_attn
    return (attn.embed_dim, attn.num_heads), {
        "dim_feedforward": m.linear1.out_features, "dropout": m.dropout.p,
        "activation": conv.activation(m.activation), "layer_norm_eps": m.norm1.eps,
        "batch_first": attn.batch_first, "norm_first": m.norm_first,
        "bias": m.linear1.bias is not None,
    }  # fmt: skip


def _coder(m, conv):
    """TransformerEncoder / TransformerDecoder: built from (a copy of) its first layer; all the
    layers' weights are copied afterwards."""
    norm = None if m.norm is None else conv.module(m.norm)
    kwargs = {"norm": norm}
    if hasattr(m, "enable_nested_tensor"):  # the encoder only
        kwargs.update(enable_nested_tensor=m.enable_nested_tensor, mask_check=m.mask_check)
    return (conv.module(m.layers[0]), m.num_layers), kwargs


def _transformer(m, conv):
    return (), {
        "d_model": m.d_model, "nhead": m.nhead, "custom_encoder": conv.module(m.encoder),
        "custom_decoder": conv.module(m.decoder), "batch_first": m.batch_first,
    }  # fmt: skip


ARGS = {
    "Identity": _attrs(),
    "Linear": _attrs("in_features", "out_features", bias=_has("bias")),
    "Embedding": _attrs(
        "num_embeddings",
        "embedding_dim",
        "padding_idx",
        "max_norm",
        "norm_type",
        "scale_grad_by_freq",
        "sparse",
    ),  # fmt: skip
    # convolution
    "Conv1d": _attrs(*_CONV, bias=_has("bias")),
    "Conv2d": _attrs(*_CONV, bias=_has("bias")),
    "Conv3d": _attrs(*_CONV, bias=_has("bias")),
    "ConvTranspose1d": _attrs(*_CONV, "output_padding", bias=_has("bias")),
    "ConvTranspose2d": _attrs(*_CONV, "output_padding", bias=_has("bias")),
    # pooling
    "MaxPool1d": _attrs(
        "kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"
    ),  # fmt: skip
    "MaxPool2d": _attrs(
        "kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"
    ),  # fmt: skip
    "AvgPool1d": _attrs("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    "AvgPool2d": _attrs(
        "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"
    ),  # fmt: skip
    "AdaptiveAvgPool1d": _attrs("output_size"),
    "AdaptiveAvgPool2d": _attrs("output_size"),
    # normalisation (weights and running statistics are copied afterwards)
    "BatchNorm1d": _attrs(
        "num_features", "eps", "momentum", "affine", "track_running_stats", bias=_has("bias")
    ),  # fmt: skip
    "BatchNorm2d": _attrs(
        "num_features", "eps", "momentum", "affine", "track_running_stats", bias=_has("bias")
    ),  # fmt: skip
    "LayerNorm": _attrs("normalized_shape", "eps", "elementwise_affine", bias=_has("bias")),
    "GroupNorm": _attrs("num_groups", "num_channels", "eps", "affine", bias=_has("bias")),
    # dropout
    "Dropout": _attrs("p", "inplace"),
    "Dropout1d": _attrs("p", "inplace"),
    "Dropout2d": _attrs("p", "inplace"),
    # activations
    "ReLU": _attrs("inplace"),
    "ReLU6": _attrs("inplace"),
    "LeakyReLU": _attrs("negative_slope", "inplace"),
    "ELU": _attrs("alpha", "inplace"),
    "GELU": _attrs("approximate"),
    "SiLU": _attrs("inplace"),
    "Sigmoid": _attrs(),
    "Tanh": _attrs(),
    "LogSigmoid": _attrs(),
    "Softplus": _attrs("beta", "threshold"),
    "Hardtanh": _attrs("min_val", "max_val", "inplace"),
    "Softmax": _attrs("dim"),
    "Softmin": _attrs("dim"),
    "LogSoftmax": _attrs("dim"),
    # reshaping
    "Flatten": _attrs("start_dim", "end_dim"),
    "Unflatten": _attrs("dim", "unflattened_size"),
    # padding
    **{f"{kind}{d}d": _attrs("padding") for kind in _PADS for d in (1, 2, 3)},
    **{f"ConstantPad{d}d": _attrs("padding", "value") for d in (1, 2, 3)},
    # recurrent
    "RNN": _attrs(*_RNN, "nonlinearity"),
    "LSTM": _attrs(*_RNN),
    "GRU": _attrs(*_RNN),
    "RNNCell": _attrs("input_size", "hidden_size", "bias", "nonlinearity"),
    "LSTMCell": _attrs("input_size", "hidden_size", "bias"),
    "GRUCell": _attrs("input_size", "hidden_size", "bias"),
    # attention
    "MultiheadAttention": _attention,
    "TransformerEncoderLayer": _coder_layer,
    "TransformerDecoderLayer": _coder_layer,
    "TransformerEncoder": _coder,
    "TransformerDecoder": _coder,
    "Transformer": _transformer,
    # losses (modules too: a GraphModule's loss_fn, or a loss kept in a ModuleDict)
    "MSELoss": _attrs("reduction"),
    "L1Loss": _attrs("reduction"),
    "SmoothL1Loss": _attrs("reduction", "beta"),
    "HuberLoss": _attrs("reduction", "delta"),
    "KLDivLoss": _attrs("reduction", "log_target"),
    "BCELoss": _weighted_loss("reduction"),
    "BCEWithLogitsLoss": _bce_with_logits,
    "NLLLoss": _weighted_loss("ignore_index", "reduction"),
    "CrossEntropyLoss": _weighted_loss("ignore_index", "reduction", "label_smoothing"),
}
