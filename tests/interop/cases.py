"""Layers with their options, each with example inputs: shared by the to_torch and ONNX tests.

A case is ``(build, inputs)``: ``build(nn)`` makes the layer with either framework's ``nn``
(the same code builds the edutorch and the torch layer), ``inputs(rng)`` gives numpy arrays.
``TRAIN_RANDOM`` lists the cases whose training-mode output is random (dropout).
"""

import numpy as np


def floats(*shapes):
    return lambda rng: [rng.standard_normal(s).astype(np.float32) for s in shapes]


def ids(shape, high):
    return lambda rng: [rng.integers(0, high, shape).astype(np.int64)]


def _loss_inputs(kind):
    def make(rng):
        x = rng.standard_normal((4, 3)).astype(np.float32)
        if kind == "class":
            return [x, rng.integers(0, 3, 4).astype(np.int64)]
        if kind == "prob":
            return [1 / (1 + np.exp(-x)), rng.random((4, 3)).astype(np.float32)]
        if kind == "logprob":
            return [np.log(np.exp(x) / np.exp(x).sum(1, keepdims=True)), rng.random((4, 3))
                    .astype(np.float32)]  # fmt: skip
        return [x, rng.standard_normal((4, 3)).astype(np.float32)]

    return make


def _ordered(nn):
    from collections import OrderedDict

    return nn.Sequential(OrderedDict([("fc", nn.Linear(4, 5)), ("act", nn.Tanh()),
                                      ("out", nn.Linear(5, 2))]))  # fmt: skip


def _tensor(nn, values):
    """A tensor of ``values`` in the framework that ``nn`` belongs to."""
    import importlib

    framework = importlib.import_module(nn.__name__.rsplit(".", 1)[0])
    return framework.tensor(values)


V2, V3, V4 = (2, 3, 8), (2, 3, 8, 8), (1, 2, 4, 5, 5)
CASES = {
    "Identity": (lambda nn: nn.Identity(), floats((2, 3))),
    "Linear": (lambda nn: nn.Linear(4, 3), floats((2, 4))),
    "Linear-nobias-3d": (lambda nn: nn.Linear(4, 3, bias=False), floats((2, 5, 4))),
    "Embedding": (lambda nn: nn.Embedding(10, 4), ids((2, 5), 10)),
    "Embedding-padding": (lambda nn: nn.Embedding(10, 4, padding_idx=0), ids((2, 5), 10)),
    "Embedding-max_norm": (lambda nn: nn.Embedding(10, 4, max_norm=1.0), ids((3,), 10)),
    # convolution
    "Conv1d": (lambda nn: nn.Conv1d(3, 4, 3), floats(V2)),
    "Conv1d-options": (lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2),
                       floats((2, 4, 9))),  # fmt: skip
    "Conv1d-same": (lambda nn: nn.Conv1d(3, 4, 4, padding="same", bias=False), floats(V2)),
    "Conv2d": (lambda nn: nn.Conv2d(3, 4, 3), floats(V3)),
    "Conv2d-options": (lambda nn: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0),
                                            dilation=(1, 2), groups=2), floats((2, 4, 8, 8))),
    "Conv2d-same": (lambda nn: nn.Conv2d(3, 2, 4, padding="same", dilation=2), floats(V3)),
    "Conv2d-valid": (lambda nn: nn.Conv2d(3, 2, 3, padding="valid", bias=False), floats(V3)),
    "Conv3d": (lambda nn: nn.Conv3d(2, 3, 3, padding=1), floats(V4)),
    "Conv2d-circular": (lambda nn: nn.Conv2d(3, 2, 3, padding=(2, 1), padding_mode="circular"),
                        floats(V3)),  # fmt: skip
    "ConvTranspose1d": (lambda nn: nn.ConvTranspose1d(3, 4, 3, stride=2), floats(V2)),
    "ConvTranspose2d": (lambda nn: nn.ConvTranspose2d(3, 4, 3), floats(V3)),
    "ConvTranspose2d-options": (
        lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2,
                                      dilation=1, bias=False), floats((2, 4, 5, 5))),
    "ConvTranspose2d-dilation": (lambda nn: nn.ConvTranspose2d(3, 2, 2, stride=3, dilation=2),
                                 floats((1, 3, 4, 4))),  # fmt: skip
    # pooling
    "MaxPool1d": (lambda nn: nn.MaxPool1d(2), floats(V2)),
    "MaxPool1d-options": (lambda nn: nn.MaxPool1d(3, stride=2, padding=1, dilation=1),
                          floats((2, 3, 9))),  # fmt: skip
    "MaxPool2d": (lambda nn: nn.MaxPool2d(2), floats(V3)),
    "MaxPool2d-options": (lambda nn: nn.MaxPool2d((3, 2), stride=(2, 1), padding=1),
                          floats((2, 3, 7, 7))),  # fmt: skip
    "MaxPool2d-dilation": (lambda nn: nn.MaxPool2d(2, stride=1, dilation=2), floats(V3)),
    "MaxPool2d-ceil": (lambda nn: nn.MaxPool2d(3, stride=2, ceil_mode=True), floats((1, 2, 8, 8))),
    "MaxPool2d-indices": (lambda nn: nn.MaxPool2d(2, return_indices=True), floats(V3)),
    "AvgPool1d": (lambda nn: nn.AvgPool1d(2), floats(V2)),
    "AvgPool1d-options": (lambda nn: nn.AvgPool1d(3, stride=2, padding=1,
                                                  count_include_pad=False), floats((2, 3, 9))),
    "AvgPool2d": (lambda nn: nn.AvgPool2d(2), floats(V3)),
    "AvgPool2d-options": (lambda nn: nn.AvgPool2d(3, stride=2, padding=1),
                          floats((2, 3, 7, 7))),  # fmt: skip
    "AvgPool2d-exclude-pad": (lambda nn: nn.AvgPool2d(3, stride=2, padding=1,
                                                      count_include_pad=False), floats(V3)),
    "AvgPool2d-ceil": (lambda nn: nn.AvgPool2d(3, stride=2, ceil_mode=True), floats((1, 2, 8, 8))),
    "MaxPool1d-ceil-drop": (lambda nn: nn.MaxPool1d(2, stride=2, padding=1, ceil_mode=True),
                            floats((2, 3, 5))),  # torch drops a last window in the padding
    "AvgPool2d-ceil-pad": (lambda nn: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
                           floats((1, 2, 6, 6))),
    "AvgPool1d-ceil-exclude": (lambda nn: nn.AvgPool1d(3, stride=2, padding=1, ceil_mode=True,
                                                       count_include_pad=False), floats(V2)),
    "AdaptiveAvgPool1d-uneven": (lambda nn: nn.AdaptiveAvgPool1d(5), floats((2, 3, 7))),
    "AvgPool2d-divisor": (lambda nn: nn.AvgPool2d(2, divisor_override=3), floats(V3)),
    "AdaptiveAvgPool1d": (lambda nn: nn.AdaptiveAvgPool1d(1), floats(V2)),
    "AdaptiveAvgPool1d-4": (lambda nn: nn.AdaptiveAvgPool1d(4), floats(V2)),
    "AdaptiveAvgPool2d": (lambda nn: nn.AdaptiveAvgPool2d(1), floats(V3)),
    "AdaptiveAvgPool2d-uneven": (lambda nn: nn.AdaptiveAvgPool2d((3, None)), floats(V3)),
    "AdaptiveAvgPool2d-even": (lambda nn: nn.AdaptiveAvgPool2d((4, 2)), floats(V3)),
    # normalisation
    "BatchNorm1d": (lambda nn: nn.BatchNorm1d(4), floats((5, 4))),
    "BatchNorm1d-3d": (lambda nn: nn.BatchNorm1d(3, momentum=None), floats(V2)),
    "BatchNorm1d-noaffine": (lambda nn: nn.BatchNorm1d(4, affine=False, eps=1e-3),
                             floats((5, 4))),  # fmt: skip
    "BatchNorm1d-nostats": (lambda nn: nn.BatchNorm1d(4, track_running_stats=False),
                            floats((5, 4))),  # fmt: skip
    "BatchNorm2d": (lambda nn: nn.BatchNorm2d(3, momentum=0.3), floats(V3)),
    "BatchNorm2d-nobias": (lambda nn: nn.BatchNorm2d(3, bias=False), floats(V3)),
    "LayerNorm": (lambda nn: nn.LayerNorm(8), floats((2, 5, 8))),
    "LayerNorm-2d": (lambda nn: nn.LayerNorm((3, 8), eps=1e-3), floats((2, 3, 8))),
    "LayerNorm-noaffine": (lambda nn: nn.LayerNorm(8, elementwise_affine=False),
                           floats((2, 8))),  # fmt: skip
    "LayerNorm-nobias": (lambda nn: nn.LayerNorm(8, bias=False), floats((2, 8))),
    "GroupNorm": (lambda nn: nn.GroupNorm(2, 4), floats((2, 4, 5, 5))),
    "GroupNorm-noaffine": (lambda nn: nn.GroupNorm(3, 6, affine=False, eps=1e-3),
                           floats((2, 6, 7))),  # fmt: skip
    # dropout
    "Dropout": (lambda nn: nn.Dropout(0.3), floats((4, 6))),
    "Dropout1d": (lambda nn: nn.Dropout1d(), floats(V2)),
    "Dropout2d": (lambda nn: nn.Dropout2d(0.2), floats(V3)),
    # activations
    "ReLU": (lambda nn: nn.ReLU(), floats((3, 5))),
    "ReLU6": (lambda nn: nn.ReLU6(), floats((3, 5))),
    "LeakyReLU": (lambda nn: nn.LeakyReLU(0.2), floats((3, 5))),
    "ELU": (lambda nn: nn.ELU(alpha=0.7), floats((3, 5))),
    "GELU": (lambda nn: nn.GELU(), floats((3, 5))),
    "GELU-tanh": (lambda nn: nn.GELU(approximate="tanh"), floats((3, 5))),
    "SiLU": (lambda nn: nn.SiLU(), floats((3, 5))),
    "Sigmoid": (lambda nn: nn.Sigmoid(), floats((3, 5))),
    "Tanh": (lambda nn: nn.Tanh(), floats((3, 5))),
    "LogSigmoid": (lambda nn: nn.LogSigmoid(), floats((3, 5))),
    "Softplus": (lambda nn: nn.Softplus(), floats((3, 5))),
    "Softplus-beta": (lambda nn: nn.Softplus(beta=2.0, threshold=1.0), floats((3, 5))),
    "Hardtanh": (lambda nn: nn.Hardtanh(-0.5, 0.8), floats((3, 5))),
    "Softmax": (lambda nn: nn.Softmax(dim=1), floats((3, 5))),
    "Softmax-dim0": (lambda nn: nn.Softmax(dim=0), floats((3, 5, 2))),
    "Softmin": (lambda nn: nn.Softmin(dim=-1), floats((3, 5))),
    "LogSoftmax": (lambda nn: nn.LogSoftmax(dim=-1), floats((3, 5))),
    # reshaping
    "Flatten": (lambda nn: nn.Flatten(), floats(V3)),
    "Flatten-middle": (lambda nn: nn.Flatten(0, 2), floats(V3)),
    "Unflatten": (lambda nn: nn.Unflatten(1, (2, 4)), floats((2, 8, 3))),
    # padding
    **{f"{kind}{d}d": (lambda nn, kind=kind, d=d: getattr(nn, f"{kind}{d}d")((2, 1) * d),
                       floats((V2, V3, V4)[d - 1]))
       for kind in ("ZeroPad", "ReflectionPad", "ReplicationPad", "CircularPad")
       for d in (1, 2, 3)},
    "ConstantPad1d": (lambda nn: nn.ConstantPad1d((3, -1), 2.5), floats(V2)),
    "ConstantPad2d": (lambda nn: nn.ConstantPad2d(1, -1.0), floats(V3)),
    "ConstantPad3d": (lambda nn: nn.ConstantPad3d((1, 0, 2, 1, 0, 2), 0.5), floats(V4)),
    # recurrent
    "RNN": (lambda nn: nn.RNN(3, 5), floats((4, 2, 3))),
    "RNN-relu-deep": (lambda nn: nn.RNN(3, 5, num_layers=2, nonlinearity="relu",
                                        batch_first=True), floats((2, 4, 3))),
    "LSTM": (lambda nn: nn.LSTM(3, 5), floats((4, 2, 3))),
    "LSTM-bidirectional": (lambda nn: nn.LSTM(3, 5, num_layers=2, bidirectional=True,
                                              batch_first=True), floats((2, 4, 3))),
    "LSTM-nobias-unbatched": (lambda nn: nn.LSTM(3, 4, bias=False), floats((6, 3))),
    "GRU": (lambda nn: nn.GRU(3, 5, batch_first=True), floats((2, 4, 3))),
    "GRU-deep-bidirectional": (lambda nn: nn.GRU(3, 4, num_layers=2, bidirectional=True),
                               floats((5, 2, 3))),  # fmt: skip
    "RNNCell": (lambda nn: nn.RNNCell(3, 5, nonlinearity="relu"), floats((2, 3))),
    "LSTMCell": (lambda nn: nn.LSTMCell(3, 5), floats((2, 3))),
    "GRUCell": (lambda nn: nn.GRUCell(3, 5, bias=False), floats((2, 3))),
    # attention
    "MultiheadAttention": (lambda nn: nn.MultiheadAttention(8, 2), floats((5, 2, 8),
                                                                        (4, 2, 8), (4, 2, 8))),
    "MultiheadAttention-kvdim": (
        lambda nn: nn.MultiheadAttention(8, 4, kdim=3, vdim=5, batch_first=True, bias=False),
        floats((2, 5, 8), (2, 4, 3), (2, 4, 5))),
    "TransformerEncoderLayer": (
        lambda nn: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0),
        floats((5, 2, 8))),
    "TransformerEncoderLayer-prenorm-gelu": (
        lambda nn: nn.TransformerEncoderLayer(8, 2, 16, 0.0, activation="gelu", batch_first=True,
                                              norm_first=True), floats((2, 5, 8))),
    "TransformerEncoderLayer-module-act": (
        lambda nn: nn.TransformerEncoderLayer(8, 2, 16, 0.0, activation=nn.Tanh(),
                                              layer_norm_eps=1e-3, bias=False),
        floats((5, 2, 8))),
    "TransformerEncoder": (
        lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0), 2,
                                         norm=nn.LayerNorm(8)), floats((5, 2, 8))),
    "TransformerDecoderLayer": (
        lambda nn: nn.TransformerDecoderLayer(8, 2, 16, 0.0, batch_first=True),
        floats((2, 4, 8), (2, 5, 8))),
    "TransformerDecoder": (
        lambda nn: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, 0.0), 2),
        floats((4, 2, 8), (5, 2, 8))),
    "Transformer": (
        lambda nn: nn.Transformer(8, 2, 1, 1, 16, 0.0), floats((5, 2, 8), (4, 2, 8))),
    # losses
    "MSELoss": (lambda nn: nn.MSELoss(), _loss_inputs("real")),
    "L1Loss": (lambda nn: nn.L1Loss(reduction="sum"), _loss_inputs("real")),
    "SmoothL1Loss": (lambda nn: nn.SmoothL1Loss(beta=0.5), _loss_inputs("real")),
    "HuberLoss": (lambda nn: nn.HuberLoss(reduction="none", delta=0.5), _loss_inputs("real")),
    "KLDivLoss": (lambda nn: nn.KLDivLoss(reduction="batchmean"), _loss_inputs("logprob")),
    "BCELoss": (lambda nn: nn.BCELoss(weight=_tensor(nn, [1.0, 2.0, 0.5])), _loss_inputs("prob")),
    "BCEWithLogitsLoss": (
        lambda nn: nn.BCEWithLogitsLoss(pos_weight=_tensor(nn, [1.0, 3.0, 0.5])),
        _loss_inputs("prob")),
    "NLLLoss": (lambda nn: nn.NLLLoss(ignore_index=1), _loss_inputs("class")),
    "CrossEntropyLoss": (
        lambda nn: nn.CrossEntropyLoss(weight=_tensor(nn, [1.0, 2.0, 0.5]), label_smoothing=0.1),
        _loss_inputs("class")),
    # containers
    "Sequential": (lambda nn: nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Dropout(0.5),
                                            nn.Linear(6, 2)), floats((3, 4))),
    "Sequential-named": (_ordered, floats((3, 4))),
    "Sequential-nested": (
        lambda nn: nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                 nn.Sequential(nn.MaxPool2d(2), nn.Flatten()),
                                 nn.Linear(64, 3)), floats(V3)),
}  # fmt: skip

# containers without a forward of their own: compared by their state only
STATE_ONLY = {
    "ModuleList": lambda nn: nn.ModuleList([nn.Linear(2, 3), nn.BatchNorm1d(3)]),
    "ModuleDict": lambda nn: nn.ModuleDict({"enc": nn.GRU(2, 3), "head": nn.Linear(3, 1)}),
    "ParameterList": lambda nn: nn.ParameterList([nn.Parameter(_tensor(nn, [1.0, 2.0]))]),
    "ParameterDict": lambda nn: nn.ParameterDict({"scale": nn.Parameter(_tensor(nn, [[3.0]]))}),
}

TRAIN_RANDOM = {"Dropout", "Dropout1d", "Dropout2d", "Sequential"}
