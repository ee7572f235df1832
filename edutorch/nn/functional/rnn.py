"""Recurrent cells as functions: one step of an Elman RNN, an LSTM and a GRU, and whole sequences.

Every step is plain differentiable Tensor maths (matmul, sigmoid, tanh, ...), so autograd derives
backpropagation through time by itself. Gate order follows torch: i, f, g, o for the LSTM and
r, z, n for the GRU, stacked along the rows of ``w_ih`` (gates*H, I) and ``w_hh`` (gates*H, H).
"""

from __future__ import annotations

from ...autograd.function import Op
from ...ops import relu, sigmoid, stack, tanh
from .linear import linear

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell"]


# ---------------------------------------------------------------- one step, input part precomputed
# ``gx`` is x Wᵢₕᵀ + bᵢₕ for this step: the layers compute it for all steps in one matmul.
def _rnn_tanh_step(gx, h, w_hh, b_hh):
    """h' = tanh(gx + h Wₕₕᵀ + bₕₕ)."""
    return tanh(gx + linear(h, w_hh, b_hh))


def _rnn_relu_step(gx, h, w_hh, b_hh):
    """h' = relu(gx + h Wₕₕᵀ + bₕₕ)."""
    return relu(gx + linear(h, w_hh, b_hh))


def _lstm_step(gx, state, w_hh, b_hh):
    """(h, c) -> (h', c'): c' = σ(f) c + σ(i) tanh(g), h' = σ(o) tanh(c')."""
    h, c = state
    i, f, g, o = (gx + linear(h, w_hh, b_hh)).chunk(4, -1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c), c


def _gru_step(gx, h, w_hh, b_hh):
    """h' = (1 - z) n + z h with n = tanh(xₙ + r (Wₕₙ h + bₕₙ)): r scales the hidden part only."""
    x_r, x_z, x_n = gx.chunk(3, -1)
    h_r, h_z, h_n = linear(h, w_hh, b_hh).chunk(3, -1)
    r = sigmoid(x_r + h_r)
    z = sigmoid(x_z + h_z)
    n = tanh(x_n + r * h_n)
    return n + z * (h - n)  # = (1 - z) n + z h, one op fewer (torch computes it this way too)


STEPS = {
    "RNN_TANH": _rnn_tanh_step, "RNN_RELU": _rnn_relu_step, "LSTM": _lstm_step, "GRU": _gru_step,
}  # fmt: skip


# ---------------------------------------------------------------- cells (torch.rnn_tanh_cell etc.)
def _check_cell(input, hiddens, w_ih, w_hh):
    """torch's checks for a cell call, with its wording: sizes of the input and each hidden."""
    if input.size(1) != w_ih.size(1):
        raise RuntimeError(
            f"input has inconsistent input_size: got {input.size(1)} expected {w_ih.size(1)}"
        )
    for k, h in enumerate(hiddens):
        if input.size(0) != h.size(0):
            raise RuntimeError(
                f"Input batch size {input.size(0)} doesn't match hidden{k} batch size {h.size(0)}"
            )
        if h.size(1) != w_hh.size(1):
            raise RuntimeError(
                f"hidden{k} has inconsistent hidden_size: got {h.size(1)}, expected {w_hh.size(1)}"
            )


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = tanh(x Wᵢₕᵀ + bᵢₕ + h Wₕₕᵀ + bₕₕ): input (N, I), hx (N, H) -> (N, H)."""
    _check_cell(input, (hx,), w_ih, w_hh)
    return _rnn_tanh_step(linear(input, w_ih, b_ih), hx, w_hh, b_hh)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = relu(x Wᵢₕᵀ + bᵢₕ + h Wₕₕᵀ + bₕₕ): input (N, I), hx (N, H) -> (N, H)."""
    _check_cell(input, (hx,), w_ih, w_hh)
    return _rnn_relu_step(linear(input, w_ih, b_ih), hx, w_hh, b_hh)


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step: input (N, I), hx = (h, c) each (N, H) -> (h', c'), gates i, f, g, o."""
    _check_cell(input, hx, w_ih, w_hh)
    return _lstm_step(linear(input, w_ih, b_ih), tuple(hx), w_hh, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step: input (N, I), hx (N, H) -> h' (N, H), gates r, z, n."""
    _check_cell(input, (hx,), w_ih, w_hh)
    return _gru_step(linear(input, w_ih, b_ih), hx, w_hh, b_hh)


# ---------------------------------------------------------------- a whole sequence
class _Unstack(Op):
    """x (L, ...) -> L tensors x[t]; backward stacks the L gradients in one go.

    Indexing ``x[t]`` L times would cost a full zeros(L, ...) gradient per step in backward.
    """

    @staticmethod
    def forward(ctx, x):
        return tuple(x._data)

    @staticmethod
    def backward(ctx, *grads):
        return stack(grads)


def recurrence(mode, x, state, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
    """One layer, one direction over a sequence: x (L, N, I) -> outputs (L, N, H), final state.

    ``mode`` is "RNN_TANH", "RNN_RELU", "LSTM" or "GRU"; ``state`` is h (N, H), or (h, c) for the
    LSTM. The input projection x Wᵢₕᵀ + bᵢₕ is one matmul for all L steps; only h Wₕₕᵀ is per step.
    ``reverse`` runs from the last step to the first (the backward half of a bidirectional layer).
    """
    step = STEPS[mode]
    gx = _Unstack.apply(linear(x, w_ih, b_ih))
    outputs = [None] * len(gx)
    for t in reversed(range(len(gx))) if reverse else range(len(gx)):
        state = step(gx[t], state, w_hh, b_hh)
        outputs[t] = state[0] if mode == "LSTM" else state
    return stack(outputs), state
