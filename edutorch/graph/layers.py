"""The blocks of the model builder: their names, what the user can set, how each becomes a layer.

Every block is a ``LayerType``: a name ("Linear"), a palette category, its settings as
``ParamSpec``s, how many inputs and outputs it has, and how to build it. Sizes that follow from the
incoming tensor (a Linear's ``in_features``, a Conv2d's ``in_channels``) are never settings: they
are read from the input shape when the block is built, so changing one layer never breaks the next.

Shapes given to ``build`` include the batch dim first: a batch of 2 vectors of 16 is (2, 16).

    LAYERS["Linear"].build({"out_features": 3, "bias": True}, [(2, 16)])  # -> nn.Linear(16, 3)

One table drives everything: ``GraphModule`` builds and calls blocks through it, and
``to_python`` writes the same constructor call and forward expression as source code.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ParamSpec", "LayerType", "LAYERS", "CATEGORIES", "layer_types", "LOSSES"]

KINDS = ("int", "float", "bool", "choice", "ints", "str")
CATEGORIES = (
    "Input/Output", "Layers", "Convolution", "Pooling", "Normalization", "Activations",
    "Recurrent", "Attention", "Merge", "Reshape", "Regularization",
)  # fmt: skip
LOSSES = (
    "CrossEntropyLoss", "MSELoss", "BCEWithLogitsLoss", "BCELoss", "L1Loss", "NLLLoss",
    "HuberLoss", "SmoothL1Loss", "KLDivLoss",
)  # fmt: skip
MAX_WEIGHTS = 50_000_000  # a block bigger than this (200 MB of float32) is refused before building


@dataclass(frozen=True)
class ParamSpec:
    """One setting of a block, with what values it takes (the inspector draws a widget from it).

    kind: "int", "float", "bool", "choice" (one of ``choices``), "ints" (a tuple of ints, such as
    a kernel size or a shape; ``length`` entries, or any number when ``length`` is None) or "str".
    ``min``/``max`` bound numbers (each entry, for "ints").
    """

    name: str
    kind: str
    default: Any
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None
    help: str = ""
    length: int | None = None  # "ints" only: how many entries (2 for a 2-D kernel size)

    def check(self, value):
        """``value`` in its canonical form (an "ints" value as a tuple), or a ValueError that
        says what is wrong: ``out_features must be an integer, got '-3'``."""
        kind, name = self.kind, self.name
        if kind == "int":
            if not _is_int(value):
                raise ValueError(f"{name} must be an integer, got {value!r}")
            return self._bounded(int(value))
        if kind == "float":
            if not isinstance(value, numbers.Real) or isinstance(value, bool):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
            return self._bounded(float(value))
        if kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false, got {value!r}")
            return value
        if kind == "choice":
            if value not in self.choices or isinstance(value, bool):
                options = ", ".join(repr(c) for c in self.choices)
                raise ValueError(f"{name} must be one of {options}; got {value!r}")
            return value
        if kind == "str":
            if not isinstance(value, str):
                raise ValueError(f"{name} must be a string, got {value!r}")
            return value
        return self._check_ints(value)

    def _check_ints(self, value):
        if _is_int(value) and self.length is not None:
            value = (value,) * self.length  # 3 means (3, 3) for a 2-D kernel, as in torch
        if not isinstance(value, (list, tuple)) or not all(_is_int(v) for v in value):
            raise ValueError(f"{self.name} must be a list of integers, got {value!r}")
        if self.length is not None and len(value) != self.length:
            raise ValueError(
                f"{self.name} must have {self.length} entries, got {len(value)}: {list(value)}"
            )
        if not 1 <= len(value) <= 8:
            raise ValueError(f"{self.name} must have 1 to 8 entries, got {len(value)}")
        return tuple(self._bounded(int(v)) for v in value)

    def _bounded(self, v):
        if self.min is not None and v < self.min:
            raise ValueError(f"{self.name} must be at least {_num(self.min)}, got {_num(v)}")
        if self.max is not None and v > self.max:
            raise ValueError(f"{self.name} must be at most {_num(self.max)}, got {_num(v)}")
        return v


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _num(v) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


@dataclass(frozen=True)
class LayerType:
    """A kind of block: its settings, its ports, and how it becomes (and calls) an nn layer.

    ``n_inputs`` is the number of input ports (-1: two or more, as for Add and Concat);
    ``n_outputs`` is 1, or 0 for Output. ``make(params, in_shapes)`` gives the layer's constructor
    call as (class name in ``nn``, args, kwargs), or None for blocks without a layer (Input, Add,
    ...). ``call(module, inputs, params)`` runs the block (default ``module(*inputs)``) and
    ``code(params, module, args)`` writes that call as Python source.
    """

    name: str
    category: str
    params: list
    n_inputs: int
    n_outputs: int
    doc: str
    make: Callable | None = field(default=None, repr=False)
    call: Callable | None = field(default=None, repr=False)
    code: Callable | None = field(default=None, repr=False)
    weights: Callable | None = field(default=None, repr=False)  # parameter count before building

    def param(self, name: str) -> ParamSpec:
        return next(p for p in self.params if p.name == name)

    def defaults(self) -> dict:
        """Every setting at its default value."""
        return {p.name: p.default for p in self.params}

    def check_params(self, params: dict | None) -> dict:
        """All settings, checked and canonical, with defaults for those not given.

        Raises ValueError naming the setting: an unknown name, a wrong type, a value out of range.
        """
        params = dict(params or {})
        known = {p.name for p in self.params}
        unknown = sorted(set(params) - known)
        if unknown:
            allowed = ", ".join(sorted(known)) or "none"
            raise ValueError(f"{self.name} has no setting {unknown[0]!r} (settings: {allowed})")
        return {p.name: p.check(params.get(p.name, p.default)) for p in self.params}

    def constructor(self, params: dict, in_shapes: list) -> tuple | None:
        """(class name in ``nn``, args, kwargs) for this block fed ``in_shapes``, or None."""
        return None if self.make is None else self.make(params, [tuple(s) for s in in_shapes])

    def build(self, params: dict, in_shapes: list):
        """The nn layer for this block given its input shapes (batch dim first), or None."""
        spec = self.constructor(params, in_shapes)
        if spec is None:
            return None
        if self.weights is not None:
            n = self.weights(params, [tuple(s) for s in in_shapes])
            if n > MAX_WEIGHTS:
                raise ValueError(
                    f"{self.name} would have {n:,} parameters, more than the {MAX_WEIGHTS:,} "
                    "a block may have here; make it smaller"
                )
        from .. import nn

        cls_name, args, kwargs = spec
        cls = getattr(nn, cls_name, None)
        if cls is None:
            raise NotImplementedError(f"edutorch.nn has no {cls_name} yet")
        return cls(*args, **kwargs)

    def forward(self, module, inputs: list, params: dict):
        """Run the block on its input tensors (in port order); returns its output tensor."""
        if self.call is not None:
            return self.call(module, inputs, params)
        return module(*inputs)

    def expression(self, params: dict, module: str, args: list) -> str:
        """Python source for ``forward`` on ``args`` (variable names), e.g. ``self.fc(x)``."""
        if self.code is not None:
            return self.code(params, module, args)
        return f"{module}({', '.join(args)})"


# ------------------------------------------------------------------------------ helpers
def _dim(in_shapes, index, layer, layout):
    """Size of dim ``index`` of the first input, or a ValueError naming the layout expected."""
    shape = in_shapes[0]
    if not -len(shape) <= index < len(shape):
        got = tuple(shape)
        raise ValueError(f"{layer} expects input of shape {layout}, got {got}")
    return shape[index]


def _P(name, kind, default, help="", **kw) -> ParamSpec:
    return ParamSpec(name, kind, default, help=help, **kw)


def _bias(help="learn an added bias vector"):
    return _P("bias", "bool", True, help)


def _kw(params, *names):
    return {n: params[n] for n in names}


def _layer(name, category, params, doc, make=None, **kw) -> LayerType:
    n_in = kw.pop("n_inputs", 1)
    n_out = kw.pop("n_outputs", 1)
    return LayerType(name, category, list(params), n_in, n_out, doc, make, **kw)


_TABLE: list[LayerType] = []


def _add(*types):
    _TABLE.extend(types)


# ------------------------------------------------------------------------ Input / Output
def _output_code(params, module, args):
    return args[0]


_add(
    _layer(
        "Input", "Input/Output",
        [_P("shape", "ints", (2,), "the shape of one sample, without the batch dim: (2,) for "
            "points, (1, 28, 28) for grey images, (8, 1) for sequences", min=1, max=65536),
         _P("dtype", "choice", "float32", "int64 for token indices that feed an Embedding",
            choices=("float32", "int64"))],
        "Where a batch of data enters the model: (N, *shape).", n_inputs=0,
    ),
    _layer(
        "Output", "Input/Output",
        [_P("loss", "choice", "CrossEntropyLoss", "how the output is compared with the targets "
            "during training", choices=LOSSES)],
        "The model's output: what comes in is the prediction, compared with the targets by the "
        "chosen loss while training.",
        make=lambda p, s: (p["loss"], (), {}), n_outputs=0,
        call=lambda m, xs, p: xs[0], code=_output_code,
    ),
)  # fmt: skip

# -------------------------------------------------------------------------------- Layers
_MAX_FEATURES = 65536


def _linear_weights(p, s):
    return (_dim(s, -1, "Linear", "(N, *, features)") + 1) * p["out_features"]


_add(
    _layer(
        "Linear", "Layers",
        [_P("out_features", "int", 16, "size of each output vector", min=1, max=_MAX_FEATURES),
         _bias()],
        "y = x Wᵀ + b: (N, *, in) -> (N, *, out_features); in is read from the input.",
        make=lambda p, s: ("Linear", (_dim(s, -1, "Linear", "(N, *, features)"),
                                      p["out_features"]), _kw(p, "bias")),
        weights=_linear_weights,
    ),
    _layer(
        "Embedding", "Layers",
        [_P("num_embeddings", "int", 32, "how many different tokens (the vocabulary size)",
            min=1, max=1_000_000),
         _P("embedding_dim", "int", 16, "size of each token's vector", min=1, max=_MAX_FEATURES)],
        "A table of vectors, one per token: int64 indices (N, *) -> (N, *, embedding_dim).",
        make=lambda p, s: ("Embedding", (p["num_embeddings"], p["embedding_dim"]), {}),
        weights=lambda p, s: p["num_embeddings"] * p["embedding_dim"],
    ),
)  # fmt: skip


# --------------------------------------------------------------------------- Convolution
def _sizes(name, default, help, low, d):
    """A per-spatial-dim size setting (kernel_size, stride, ...): ``d`` ints."""
    return _P(name, "ints", (default,) * d, help, min=low, max=1024, length=d)


def _conv(name, d, transpose=False):
    layout = "(N, C, L)" if d == 1 else "(N, C, H, W)"
    params = [
        _P("out_channels", "int", 8, "how many filters (output channels)", min=1, max=4096),
        _sizes("kernel_size", 3, "size of each filter", 1, d),
        _sizes("stride", 1, "step between filter positions", 1, d),
        _sizes("padding", 0, "zeros added on each side", 0, d),
    ]
    if transpose:
        params.append(_sizes("output_padding", 0, "extra size added on one side of the output",
                             0, d))  # fmt: skip
    params += [
        _sizes("dilation", 1, "spacing between filter taps", 1, d),
        _P("groups", "int", 1, "split channels into groups filtered separately", min=1, max=4096),
        _bias(),
    ]
    names = [p.name for p in params[2:-2]] + ["groups", "bias"]

    def make(p, s):
        c = _dim(s, 1, name, layout)
        return name, (c, p["out_channels"]), _kw(p, "kernel_size", *names)

    def weights(p, s):
        c = _dim(s, 1, name, layout)
        out = p["out_channels"]
        return c * out * math.prod(p["kernel_size"]) // p["groups"] + out

    what = "transposed convolution (learned upsampling)" if transpose else "convolution"
    doc = f"{d}-D {what}: {layout} -> (N, out_channels, ...); C is read from the input."
    return _layer(name, "Convolution", params, doc, make, weights=weights)


_add(_conv("Conv1d", 1), _conv("Conv2d", 2), _conv("ConvTranspose1d", 1, True),
     _conv("ConvTranspose2d", 2, True))  # fmt: skip


# ------------------------------------------------------------------------------- Pooling
def _pool(name, d, kind):
    layout = "(N, C, L)" if d == 1 else "(N, C, H, W)"
    if kind == "adaptive":
        params = [_P("output_size", "ints", (1,) * d, "size of the output map (1 = global "
                     "average)", min=1, max=4096, length=d)]  # fmt: skip
        make = lambda p, s: (name, (p["output_size"],), {})  # noqa: E731
        doc = f"Average over windows chosen to give output_size: {layout} -> (N, C, *output_size)."
    else:
        params = [
            _P("kernel_size", "ints", (2,) * d, "window size", min=1, max=1024, length=d),
            _P("stride", "ints", (2,) * d, "step between windows", min=1, max=1024, length=d),
            _P("padding", "ints", (0,) * d, "added on each side (at most half the window)",
               min=0, max=512, length=d),
        ]  # fmt: skip
        make = lambda p, s: (name, (), _kw(p, "kernel_size", "stride", "padding"))  # noqa: E731
        what = "maximum" if kind == "max" else "average"
        doc = f"The {what} of each window: {layout} -> (N, C, smaller)."
    return _layer(name, "Pooling", params, doc, make)


_add(_pool("MaxPool1d", 1, "max"), _pool("MaxPool2d", 2, "max"), _pool("AvgPool1d", 1, "avg"),
     _pool("AvgPool2d", 2, "avg"), _pool("AdaptiveAvgPool1d", 1, "adaptive"),
     _pool("AdaptiveAvgPool2d", 2, "adaptive"))  # fmt: skip

# ------------------------------------------------------------------------- Normalization
_EPS = _P("eps", "float", 1e-5, "added to the variance so it is never divided by zero",
          min=0.0, max=1.0)  # fmt: skip
_AFFINE = _P("affine", "bool", True, "learn a scale and shift per channel")


def _batchnorm(name, layout):
    params = [_EPS, _P("momentum", "float", 0.1, "how fast the running statistics follow new "
                       "batches", min=0.0, max=1.0), _AFFINE]  # fmt: skip
    return _layer(
        name, "Normalization", params,
        f"Normalise each channel over the batch: {layout} -> same shape; C is read from the input.",
        make=lambda p, s: (name, (_dim(s, 1, name, layout),), _kw(p, "eps", "momentum", "affine")),
    )  # fmt: skip


_add(
    _batchnorm("BatchNorm1d", "(N, C) or (N, C, L)"),
    _batchnorm("BatchNorm2d", "(N, C, H, W)"),
    _layer(
        "LayerNorm", "Normalization",
        [_P("dims", "int", 1, "how many trailing dims each sample is normalised over", min=1,
            max=4), _EPS, _P("elementwise_affine", "bool", True, "learn a scale and shift per "
            "element")],
        "Normalise each sample over its last dims: (N, *) -> same shape.",
        make=lambda p, s: ("LayerNorm", (_normalized_shape(p, s),),
                           _kw(p, "eps", "elementwise_affine")),
    ),
    _layer(
        "GroupNorm", "Normalization",
        [_P("num_groups", "int", 2, "channels are split into this many groups (it must divide "
            "C)", min=1, max=4096), _EPS, _AFFINE],
        "Normalise each sample over groups of channels: (N, C, *) -> same shape.",
        make=lambda p, s: ("GroupNorm", (p["num_groups"], _dim(s, 1, "GroupNorm", "(N, C, *)")),
                           _kw(p, "eps", "affine")),
    ),
)  # fmt: skip


def _normalized_shape(p, s):
    if p["dims"] >= len(s[0]):
        raise ValueError(
            f"LayerNorm over {p['dims']} dims needs an input with more dims than that (the batch "
            f"dim is never normalised), got {tuple(s[0])}"
        )
    return tuple(s[0][-p["dims"] :])


# ------------------------------------------------------------------------ Regularization
_P_DROP = _P("p", "float", 0.5, "probability of zeroing (only while training)", min=0.0, max=1.0)
_add(
    _layer("Dropout", "Regularization", [_P_DROP],
           "While training, zero each element with probability p and scale the rest by 1/(1-p).",
           make=lambda p, s: ("Dropout", (), _kw(p, "p"))),
    _layer("Dropout1d", "Regularization", [_P_DROP],
           "While training, zero whole channels of (N, C, L) input with probability p.",
           make=lambda p, s: ("Dropout1d", (), _kw(p, "p"))),
    _layer("Dropout2d", "Regularization", [_P_DROP],
           "While training, zero whole channels of (N, C, H, W) input with probability p.",
           make=lambda p, s: ("Dropout2d", (), _kw(p, "p"))),
)  # fmt: skip


# --------------------------------------------------------------------------- Activations
def _act(name, doc, *params):
    names = [p.name for p in params]
    return _layer(name, "Activations", params, doc + " Same shape out as in.",
                  make=lambda p, s: (name, (), _kw(p, *names)))  # fmt: skip


_DIM = _P("dim", "int", -1, "the dim that sums to one (-1: the last)", min=-8, max=7)
_add(
    _act("ReLU", "max(0, x)."),
    _act("LeakyReLU", "x if x > 0, else negative_slope * x.",
         _P("negative_slope", "float", 0.01, "slope for x < 0", min=-10.0, max=10.0)),
    _act("ELU", "x if x > 0, else alpha * (exp(x) - 1).",
         _P("alpha", "float", 1.0, "value approached for very negative x", min=0.0, max=100.0)),
    _act("GELU", "x * Φ(x), Φ the standard normal CDF (smooth ReLU, used in transformers).",
         _P("approximate", "choice", "none", "'tanh' uses a faster approximation of Φ",
            choices=("none", "tanh"))),
    _act("SiLU", "x * sigmoid(x) (also called swish)."),
    _act("Sigmoid", "1 / (1 + exp(-x)), squashes into (0, 1)."),
    _act("Tanh", "tanh(x), squashes into (-1, 1)."),
    _act("Softmax", "exp(x) / sum(exp(x)) along dim: positive, sums to 1 (probabilities).", _DIM),
    _act("LogSoftmax", "log(softmax(x)) along dim, computed stably (for NLLLoss).", _DIM),
    _act("Softmin", "softmax(-x) along dim.", _DIM),
    _act("Softplus", "log(1 + exp(beta x)) / beta: a smooth ReLU.",
         _P("beta", "float", 1.0, "sharpness", min=1e-3, max=1000.0),
         _P("threshold", "float", 20.0, "above this beta*x is returned as x", min=0.0,
            max=1000.0)),
    _act("Hardtanh", "x clipped to [min_val, max_val].",
         _P("min_val", "float", -1.0, "lower limit", min=-1e6, max=1e6),
         _P("max_val", "float", 1.0, "upper limit", min=-1e6, max=1e6)),
    _act("ReLU6", "min(max(0, x), 6)."),
    _act("LogSigmoid", "log(sigmoid(x))."),
)  # fmt: skip


# ------------------------------------------------------------------------------- Reshape
def _reshape(m, xs, p):
    if 0 in p["shape"]:
        raise ValueError(f"Reshape sizes must be positive (or -1 once), got {p['shape']}")
    return xs[0].reshape(xs[0].shape[0], *p["shape"])


def _reshape_code(p, m, a):
    return f"{a[0]}.reshape({a[0]}.shape[0], {', '.join(str(s) for s in p['shape'])})"


_add(
    _layer("Flatten", "Reshape",
           [_P("start_dim", "int", 1, "first dim to merge (0 is the batch dim)", min=-8, max=7),
            _P("end_dim", "int", -1, "last dim to merge (-1: the last)", min=-8, max=7)],
           "Merge dims start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W).",
           make=lambda p, s: ("Flatten", (), _kw(p, "start_dim", "end_dim"))),
    _layer("Unflatten", "Reshape",
           [_P("dim", "int", 1, "the dim to split", min=-8, max=7),
            _P("unflattened_size", "ints", (4, 4), "what it splits into (product = its size)",
               min=1, max=65536)],
           "Split one dim into several: (N, 16) -> (N, 4, 4) with dim=1, size (4, 4).",
           make=lambda p, s: ("Unflatten", (p["dim"], p["unflattened_size"]), {})),
    _layer("Reshape", "Reshape",
           [_P("shape", "ints", (-1,), "new shape of each sample; one entry may be -1 (worked "
               "out from the rest)", min=-1, max=65536)],
           "Give each sample a new shape with the same number of elements: (N, *) -> (N, *shape).",
           call=_reshape, code=_reshape_code),
    _layer("Transpose", "Reshape",
           [_P("dim0", "int", 1, "first dim to swap (0 is the batch dim)", min=-8, max=7),
            _P("dim1", "int", 2, "second dim to swap", min=-8, max=7)],
           "Swap two dims, e.g. (N, L, C) -> (N, C, L) between an Embedding and a Conv1d.",
           call=lambda m, xs, p: xs[0].transpose(p["dim0"], p["dim1"]),
           code=lambda p, m, a: f"{a[0]}.transpose({p['dim0']}, {p['dim1']})"),
)  # fmt: skip


# ----------------------------------------------------------------------------- Recurrent
_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def _rnn(name):
    layout = "(N, L, features)"
    params = [
        _P("hidden_size", "int", 32, "size of the hidden state", min=1, max=8192),
        _P("num_layers", "int", 1, "recurrent layers stacked on each other", min=1, max=16),
    ]
    if name == "RNN":
        params.append(_P("nonlinearity", "choice", "tanh", "", choices=("tanh", "relu")))
    params += [
        _bias(),
        _P("bidirectional", "bool", False, "also run from the end to the start (doubles the "
           "output features)"),
        _P("dropout", "float", 0.0, "dropout between stacked layers while training", min=0.0,
           max=1.0),
        _P("batch_first", "bool", True, "input is (N, L, features); off: (L, N, features)"),
        _P("output", "choice", "sequence", "'sequence': the output at every step (N, L, D*H); "
           "'last': the top layer's final hidden state h_n[-1] (N, H)",
           choices=("sequence", "last")),
    ]  # fmt: skip
    names = [p.name for p in params if p.name not in ("hidden_size", "output")]

    def make(p, s):
        size = _dim(s, -1, name, layout)
        return name, (size, p["hidden_size"]), _kw(p, *names)

    def call(m, xs, p):
        out, h = m(xs[0])
        if p["output"] == "sequence":
            return out
        return (h[0] if name == "LSTM" else h)[-1]  # the LSTM's state is (h_n, c_n)

    def code(p, m, a):
        if p["output"] == "sequence":
            return f"{m}({a[0]})[0]"
        return f"{m}({a[0]})[1][0][-1]" if name == "LSTM" else f"{m}({a[0]})[1][-1]"

    def weights(p, s):
        i, h, d = _dim(s, -1, name, layout), p["hidden_size"], 1 + p["bidirectional"]
        per_layer = _GATES[name] * h * (i + h * d + h + 2) * d
        return per_layer * p["num_layers"]

    what = {"RNN": "Elman RNN", "LSTM": "Long short-term memory", "GRU": "Gated recurrent unit"}
    doc = (f"{what[name]} over a sequence {layout} -> (N, L, D*hidden_size), or (N, "
           "hidden_size) with output 'last'.")  # fmt: skip
    return _layer(name, "Recurrent", params, doc, make, call=call, code=code, weights=weights)


_add(_rnn("RNN"), _rnn("LSTM"), _rnn("GRU"))

# ----------------------------------------------------------------------------- Attention
_HEADS = _P("num_heads", "int", 2, "attention heads (they must divide the features)", min=1,
            max=256)  # fmt: skip
_BATCH_FIRST = _P("batch_first", "bool", True, "input is (N, L, E); off: (L, N, E)")


def _attention_weights(p, s):
    e = _dim(s, -1, "MultiheadAttention", "(N, L, E)")
    return 4 * e * (e + 1)


def _encoder_make(p, s):
    e = _dim(s, -1, "TransformerEncoderLayer", "(N, L, E)")
    kw = _kw(p, "dim_feedforward", "dropout", "activation", "batch_first", "norm_first")
    return "TransformerEncoderLayer", (e, p["num_heads"]), kw


def _encoder_weights(p, s):
    e, f = _dim(s, -1, "TransformerEncoderLayer", "(N, L, E)"), p["dim_feedforward"]
    return 4 * e * (e + 1) + 2 * e * f + e + f + 4 * e


_add(
    _layer(
        "MultiheadAttention", "Attention",
        [_HEADS, _P("dropout", "float", 0.0, "dropout on the attention weights while training",
                    min=0.0, max=1.0), _bias(), _BATCH_FIRST],
        "Self-attention: every position looks at every other one. (N, L, E) -> (N, L, E).",
        make=lambda p, s: ("MultiheadAttention", (_dim(s, -1, "MultiheadAttention", "(N, L, E)"),
                           p["num_heads"]), _kw(p, "dropout", "bias", "batch_first")),
        call=lambda m, xs, p: m(xs[0], xs[0], xs[0], need_weights=False)[0],
        code=lambda p, m, a: f"{m}({a[0]}, {a[0]}, {a[0]}, need_weights=False)[0]",
        weights=_attention_weights,
    ),
    _layer(
        "TransformerEncoderLayer", "Attention",
        [_HEADS,
         _P("dim_feedforward", "int", 64, "width of the feed-forward block", min=1, max=65536),
         _P("dropout", "float", 0.1, "dropout while training", min=0.0, max=1.0),
         _P("activation", "choice", "relu", "in the feed-forward block", choices=("relu", "gelu")),
         _BATCH_FIRST,
         _P("norm_first", "bool", False, "LayerNorm before each block (pre-norm), not after")],
        "Self-attention then a feed-forward block, each with a residual connection and a "
        "LayerNorm: (N, L, E) -> (N, L, E).",
        make=_encoder_make, weights=_encoder_weights,
    ),
)  # fmt: skip


# --------------------------------------------------------------------------------- Merge
def _add_call(m, xs, p):
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


def _concat_call(m, xs, p):
    from .. import cat

    return cat(xs, dim=p["dim"])


_add(
    _layer("Add", "Merge", [], "Element-wise sum of two or more inputs (as in a residual "
           "connection); shapes must match or broadcast.", n_inputs=-1,
           call=_add_call, code=lambda p, m, a: " + ".join(a)),
    _layer("Concat", "Merge",
           [_P("dim", "int", 1, "the dim to join along (0 is the batch dim; -1: the last)",
               min=-8, max=7)],
           "Join two or more inputs along dim; the other dims must match.", n_inputs=-1,
           call=_concat_call, code=lambda p, m, a: f"torch.cat([{', '.join(a)}], dim={p['dim']})"),
)  # fmt: skip

LAYERS: dict[str, LayerType] = {t.name: t for t in _TABLE}


def layer_types(category: str | None = None) -> list[LayerType]:
    """The block types in palette order, all of them or those of one category."""
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; categories: {', '.join(CATEGORIES)}")
    return [t for t in _TABLE if category is None or t.category == category]
