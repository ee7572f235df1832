"""RNN, LSTM and GRU as ONNX's ``RNN``, ``LSTM`` and ``GRU`` ops, one op per stacked layer.

ONNX's ops hold the same weights as torch's layers, in another gate order and packing:

    torch LSTM rows  i f g o   ->  ONNX  i o f c   (c is torch's g)
    torch GRU rows   r z n     ->  ONNX  z r h     (linear_before_reset=1 is torch's GRU)
    W (D, gates·H, I), R (D, gates·H, H), B (D, 2·gates·H) = [b_ih, b_hh] per direction

ONNX's outputs are Y (L, D, N, H) and Y_h (D, N, H); torch's are (L, N, D·H) and
(layers·D, N, H), so a Transpose and a Reshape sit between stacked layers.
"""

from __future__ import annotations

import numpy as np

from ._layers import Unsupported

__all__ = ["convert"]

# row blocks of torch's weights in ONNX's gate order
_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def _reorder(w, mode, hidden):
    blocks = [w[k * hidden : (k + 1) * hidden] for k in _ORDER[mode]]
    return np.concatenate(blocks, axis=0)


def convert(b, m, xs, scope):
    """Returns (output, h_n) names, or (output, (h_n, c_n)) for the LSTM, as the layer does."""
    x = xs[0]
    if x.rank != 3:
        raise Unsupported(f"{type(m).__name__} on unbatched input: add a batch dim first")
    if m.proj_size:
        raise Unsupported("LSTM with proj_size")
    mode, hidden = m.mode, m.hidden_size
    op = "RNN" if mode.startswith("RNN") else mode
    directions = 2 if m.bidirectional else 1
    seq = b.node("Transpose", [x.name], scope, perm=[1, 0, 2]) if m.batch_first else x.name
    finals = {"h": [], "c": []}
    for layer in range(m.num_layers):
        names = m._all_weights[layer * directions : (layer + 1) * directions]
        params = [[getattr(m, n).detach().numpy() for n in group] for group in names]
        w = np.stack([_reorder(p[0], mode, hidden) for p in params])
        r = np.stack([_reorder(p[1], mode, hidden) for p in params])
        inputs = [seq, b.weight(f"{scope}W_l{layer}", w), b.weight(f"{scope}R_l{layer}", r)]
        if m.bias:
            bias = [np.concatenate([_reorder(p[2], mode, hidden), _reorder(p[3], mode, hidden)])
                    for p in params]  # fmt: skip
            inputs.append(b.weight(f"{scope}B_l{layer}", np.stack(bias)))
        attrs = {"hidden_size": hidden,
                 "direction": "bidirectional" if directions == 2 else "forward"}  # fmt: skip
        if op == "GRU":
            attrs["linear_before_reset"] = 1
        if op == "RNN":
            attrs["activations"] = ["Tanh" if mode == "RNN_TANH" else "Relu"] * directions
        outputs = b.node(op, inputs, f"{scope}l{layer}", outputs=3 if op == "LSTM" else 2,
                         **attrs)  # fmt: skip
        y = outputs[0]
        finals["h"].append(outputs[1])
        if op == "LSTM":
            finals["c"].append(outputs[2])
        # (L, D, N, H) -> (L, N, D, H) -> (L, N, D·H): the next layer's input
        y = b.node("Transpose", [y], scope, perm=[0, 2, 1, 3])
        seq = b.node("Reshape", [y, b.const([0, 0, -1])], scope)
    out = b.node("Transpose", [seq], scope, perm=[1, 0, 2]) if m.batch_first else seq

    def stacked(parts):
        return parts[0] if len(parts) == 1 else b.node("Concat", parts, scope, axis=0)

    h_n = stacked(finals["h"])
    return (out, (h_n, stacked(finals["c"]))) if op == "LSTM" else (out, h_n)
