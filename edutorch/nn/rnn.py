"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step forms ``RNNCell``, ``LSTMCell``,
``GRUCell``, with torch's parameter names, shapes, initialisation and return shapes.

The maths of one step lives in ``nn/functional/rnn.py``; these classes hold the weights, check
shapes, and loop over layers and directions.
"""

from __future__ import annotations

import math
import numbers
import warnings

from .._creation import empty, zeros
from ..ops import cat, stack
from . import init
from .functional import rnn as F
from .functional.dropout import dropout
from .module import Module
from .parameter import Parameter

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "RNNBase", "RNN", "LSTM", "GRU"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}  # rows of W per hidden unit


def _reset_uniform(module):
    """Every weight and bias ~ U(-1/√H, 1/√H), H = hidden_size (torch's RNN initialisation)."""
    stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -stdv, stdv)


# ---------------------------------------------------------------- cells: one time step
class RNNCellBase(Module):
    """Holds ``weight_ih`` (gates*H, I), ``weight_hh`` (gates*H, H), ``bias_ih``, ``bias_hh``."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_uniform(self)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def _batched(self, input, hiddens, what):
        """Add a batch dim to unbatched (1-D) input and hiddens; zeros for missing hiddens."""
        if input.dim() not in (1, 2):
            raise ValueError(
                f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.dim()}D instead"
            )
        for name, h in zip(what, hiddens):
            if h is not None and h.dim() not in (1, 2):
                raise ValueError(
                    f"{type(self).__name__}: Expected {name} to be 1D or 2D, got {h.dim()}D instead"
                )
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        shape = (input.size(0), self.hidden_size)
        hiddens = tuple(
            zeros(shape, dtype=input.dtype) if h is None else h if batched else h.unsqueeze(0)
            for h in hiddens
        )
        return batched, input, hiddens

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(RNNCellBase):
    """h' = tanh(x Wᵢₕᵀ + bᵢₕ + h Wₕₕᵀ + bₕₕ) (or relu): input (N, I) or (I) -> h' (N, H) or (H)."""

    def __init__(
        self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None
    ):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        batched, input, (hx,) = self._batched(input, (hx,), ("hidden",))
        if self.nonlinearity == "tanh":
            out = F.rnn_tanh_cell(input, hx, *self._weights())
        elif self.nonlinearity == "relu":
            out = F.rnn_relu_cell(input, hx, *self._weights())
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: input (N, I), (h, c) each (N, H) -> (h', c'); gates i, f, g, o."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        hx = (None, None) if hx is None else tuple(hx)
        batched, input, hx = self._batched(input, hx, ("hx[0]", "hx[1]"))
        h, c = F.lstm_cell(input, hx, *self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: input (N, I), h (N, H) -> h' (N, H); gates r, z, n (see gru_cell)."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        batched, input, (hx,) = self._batched(input, (hx,), ("hidden",))
        out = F.gru_cell(input, hx, *self._weights())
        return out if batched else out.squeeze(0)


# ---------------------------------------------------------------- layers: whole sequences
class RNNBase(Module):
    """Stacked, optionally bidirectional recurrent layers over a sequence.

    Layer l has ``weight_ih_l{l}`` (gates*H, I or D*H), ``weight_hh_l{l}`` (gates*H, H),
    ``bias_ih_l{l}``, ``bias_hh_l{l}``, with the suffix ``_reverse`` for the backward direction.
    Registered in torch's order, so ``state_dict`` keys match torch's.
    """

    def __init__(
        self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
        dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None,
    ):  # fmt: skip
        super().__init__()
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool):
            dropout = -1.0  # fails the range check below, with torch's message
        if not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an "
                "element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=3,
            )
        for name, value, kind in (
            ("bias", bias, bool), ("batch_first", batch_first, bool),
            ("input_size", input_size, int), ("hidden_size", hidden_size, int),
        ):  # fmt: skip
            if not isinstance(value, kind):
                got = type(value).__name__
                raise TypeError(f"{name} should be of type {kind.__name__}, got: {got}")
            if kind is int and value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size != 0:
            raise NotImplementedError("edutorch's LSTM has no proj_size (projections)")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gates = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        kw = {"device": device, "dtype": dtype}
        self._flat_weights_names = []
        self._all_weights = []  # per (layer, direction): its parameter names
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else hidden_size * directions
                shapes = [(gates, layer_input), (gates, hidden_size)] + [(gates,)] * 2 * bias
                names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"][: len(shapes)]
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                names = [n + suffix for n in names]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(empty(shape, **kw)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_uniform(self)

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """A no-op, as in torch on the CPU (it packs weights for cuDNN)."""

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def _check_input(self, input):
        w = self._flat_weights[0]
        if input.dtype != w.dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({w.dtype}). "
                f"Convert input: input.to({w.dtype}), or convert model: model.to({input.dtype})"
            )
        if input.size(-1) != self.input_size:
            raise RuntimeError(
                "input.size(-1) must be equal to input_size. "
                f"Expected {self.input_size}, got {input.size(-1)}"
            )

    def _run(self, input, hx=None):
        """Shared forward of RNN, LSTM and GRU; ``hx`` is h0, or (h0, c0) for the LSTM."""
        lstm = self.mode == "LSTM"
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(self.mode, self.mode)
        if input.dim() not in (2, 3):
            tail = " tensor" if name == "RNN" else ""
            raise ValueError(
                f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tail} instead"
            )
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        states = None if hx is None else (tuple(hx) if lstm else (hx,))
        if states is not None:
            want = 3 if batched else 2
            if any(s.dim() != want for s in states):
                kind = "batched 3-D" if batched else "unbatched 2-D"
                got = ", ".join(f"{s.dim()}-D" for s in states)
                raise RuntimeError(
                    f"For {kind} input, hx and cx should also be {want}-D but got ({got}) tensors"
                    if lstm
                    else f"For {kind} input, hx should also be {want}-D but got {got} tensor"
                )
        if not batched:  # one sequence: a batch of one, squeezed again at the end
            input = input.unsqueeze(batch_dim)
            states = None if states is None else tuple(s.unsqueeze(1) for s in states)
        directions = 2 if self.bidirectional else 1
        expected = (self.num_layers * directions, input.size(batch_dim), self.hidden_size)
        if states is None:
            states = tuple(zeros(expected, dtype=input.dtype) for _ in range(1 + lstm))
        self._check_input(input)
        for k, s in enumerate(states):
            if tuple(s.shape) != expected:
                label = f"hidden[{k}]" if lstm else "hidden"
                raise RuntimeError(f"Expected {label} size {expected}, got {list(s.shape)}")

        x = input.transpose(0, 1) if self.batch_first else input  # time first: (L, N, I)
        finals = []  # final state of each (layer, direction), in h_n's order
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                x = dropout(x, self.dropout)  # between layers only, never after the last
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                state = (states[0][k], states[1][k]) if lstm else states[0][k]
                out, state = F.recurrence(
                    self.mode, x, state, *self.all_weights[k], reverse=direction == 1
                )
                outputs.append(out)
                finals.append(state)
            x = outputs[0] if directions == 1 else cat(outputs, -1)  # (L, N, D*H)

        output = x.transpose(0, 1) if self.batch_first else x
        if lstm:
            h_n = (stack([h for h, _ in finals]), stack([c for _, c in finals]))
        else:
            h_n = (stack(finals),)
        if not batched:
            output = output.squeeze(batch_dim)
            h_n = tuple(h.squeeze(1) for h in h_n)
        return output, h_n if lstm else h_n[0]


class RNN(RNNBase):
    """Elman RNN, per layer and step h_t = tanh(x_t Wᵢₕᵀ + bᵢₕ + h_{t-1} Wₕₕᵀ + bₕₕ) (or relu).

    input (L, N, I) (or (N, L, I) with batch_first, or unbatched (L, I)), h0 (D*num_layers, N, H)
    -> output (L, N, D*H) (last layer, all steps), h_n (D*num_layers, N, H); D = 2 if bidirectional.
    """

    def __init__(
        self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
        batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None,
    ):  # fmt: skip
        modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
        if nonlinearity not in modes:
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        self.nonlinearity = nonlinearity  # (before Module.__init__: a plain attribute is fine)
        super().__init__(
            modes[nonlinearity], input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, device=device, dtype=dtype,
        )  # fmt: skip

    def forward(self, input, hx=None):
        return self._run(input, hx)


class LSTM(RNNBase):
    """Long short-term memory: per layer and step, gates i, f, g, o from x_t and h_{t-1};
    c_t = σ(f) c_{t-1} + σ(i) tanh(g), h_t = σ(o) tanh(c_t).

    input (L, N, I) (or batch_first / unbatched), (h0, c0) each (D*num_layers, N, H)
    -> output (L, N, D*H), (h_n, c_n) each (D*num_layers, N, H).
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx=None):
        return self._run(input, hx)


class GRU(RNNBase):
    """Gated recurrent unit: per layer and step, gates r, z from x_t and h_{t-1};
    n = tanh(Wᵢₙ x + bᵢₙ + r (Wₕₙ h + bₕₙ)), h_t = (1 - z) n + z h_{t-1}.

    input (L, N, I) (or batch_first / unbatched), h0 (D*num_layers, N, H)
    -> output (L, N, D*H), h_n (D*num_layers, N, H).
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        return self._run(input, hx)
