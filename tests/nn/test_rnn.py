"""Recurrent layers: RNNCell/LSTMCell/GRUCell and RNN/LSTM/GRU.

numpy references of torch's documented equations, float64 gradchecks for every option, shapes,
names and errors, and (where torch is installed) parity with torch: same state_dict in both,
then outputs, final states and gradients compared.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import edutorch
import edutorch.nn as nn
from edutorch.autograd import gradcheck

RNG = np.random.default_rng(0)


def _t(a, requires_grad=False):
    return edutorch.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def fill(module, seed=0, scale=0.5):
    """Random float64 weights (biases, norms too), so tests do not depend on the initialiser."""
    module.double()
    rng = np.random.default_rng(seed)
    with edutorch.no_grad():
        for p in module.parameters():
            p.copy_(_t(rng.uniform(-scale, scale, p.shape)))
    return module


# ---------------------------------------------------------------- numpy references of the equations
def _np_step(mode, x, h, c, w_ih, w_hh, b_ih, b_hh):
    gx, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    if mode == "tanh":
        return np.tanh(gx + gh), None
    if mode == "relu":
        return np.maximum(gx + gh, 0.0), None
    if mode == "lstm":
        i, f, g, o = np.split(gx + gh, 4, axis=-1)
        c = _sig(f) * c + _sig(i) * np.tanh(g)
        return _sig(o) * np.tanh(c), c
    r_x, z_x, n_x = np.split(gx, 3, axis=-1)
    r_h, z_h, n_h = np.split(gh, 3, axis=-1)
    r, z = _sig(r_x + r_h), _sig(z_x + z_h)
    n = np.tanh(n_x + r * n_h)  # r multiplies (W_hn h + b_hn), bias included
    return (1 - z) * n + z * h, None


CELLS = {  # mode -> (class, gates)
    "tanh": (nn.RNNCell, 1), "relu": (nn.RNNCell, 1),
    "lstm": (nn.LSTMCell, 4), "gru": (nn.GRUCell, 3),
}  # fmt: skip


def _cell(mode, input_size=3, hidden_size=4, bias=True):
    cls, _ = CELLS[mode]
    kw = {"nonlinearity": mode} if cls is nn.RNNCell else {}
    return fill(cls(input_size, hidden_size, bias=bias, **kw))


def _weights(m, prefix="", suffix=""):
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    w = [getattr(m, f"{prefix}{n}{suffix}", None) for n in names]
    return [None if p is None else p.detach().numpy() for p in w]


@pytest.mark.parametrize("mode", list(CELLS))
def test_cell_matches_numpy_equations(mode):
    cell = _cell(mode)
    x, h, c = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 4)), RNG.standard_normal((2, 4))
    want_h, want_c = _np_step(mode, x, h, c, *_weights(cell))
    if mode == "lstm":
        got_h, got_c = cell(_t(x), (_t(h), _t(c)))
        np.testing.assert_allclose(got_c.detach().numpy(), want_c, rtol=1e-12, atol=1e-12)
    else:
        got_h = cell(_t(x), _t(h))
    np.testing.assert_allclose(got_h.detach().numpy(), want_h, rtol=1e-12, atol=1e-12)


def test_gru_reset_gate_multiplies_hidden_bias():
    """GRU: n = tanh(W_in x + b_in + r (W_hn h + b_hn)); with h = 0 and r = 1/2, n sees b_hn / 2."""
    cell = nn.GRUCell(1, 1).double()
    with edutorch.no_grad():
        for p in cell.parameters():
            p.zero_()
        cell.bias_hh.copy_(_t([0.0, 0.0, 2.0]))  # r = σ(0) = 1/2, z = 1/2, b_hn = 2
    h = cell(_t([[0.0]]), _t([[0.0]]))
    assert h.item() == pytest.approx(0.5 * math.tanh(0.5 * 2.0), abs=1e-15)


@pytest.mark.parametrize("mode", list(CELLS))
def test_cell_defaults_unbatched_and_no_bias(mode):
    cell = _cell(mode, bias=False)
    assert cell.bias_ih is None and cell.bias_hh is None
    x = RNG.standard_normal(3)
    out = cell(_t(x))  # no state: zeros
    h = out[0] if mode == "lstm" else out
    assert h.shape == (4,)
    zeros = np.zeros(4)
    want, _ = _np_step(
        mode, x, zeros, zeros, *[w if w is not None else 0.0 for w in _weights(cell)]
    )
    np.testing.assert_allclose(h.detach().numpy(), want, atol=1e-12)


@pytest.mark.parametrize("mode", list(CELLS))
@pytest.mark.parametrize("bias", [True, False])
def test_cell_gradcheck(mode, bias):
    cell = _cell(mode, 2, 3, bias)
    x, h, c = (_t(RNG.standard_normal((2, n)), True) for n in (2, 3, 3))
    params = tuple(cell.parameters())

    def fn(x, h, c, *ps):
        if mode == "lstm":
            return edutorch.cat(cell(x, (h, c)), -1)
        return cell(x, h)

    assert gradcheck(fn, (x, h, c) + params)


def test_cell_shapes_names_init_and_repr():
    for mode, (cls, gates) in CELLS.items():
        kw = {"nonlinearity": mode} if cls is nn.RNNCell else {}
        cell = cls(10, 20, **kw)
        shapes = {k: tuple(v.shape) for k, v in cell.state_dict().items()}
        assert shapes == {
            "weight_ih": (gates * 20, 10), "weight_hh": (gates * 20, 20),
            "bias_ih": (gates * 20,), "bias_hh": (gates * 20,),
        }  # fmt: skip
        bound = 1 / math.sqrt(20)
        for p in cell.parameters():
            a = p.detach().numpy()
            assert np.abs(a).max() <= bound and a.std() > bound / 3  # U(-1/√H, 1/√H), not constant
    assert repr(nn.RNNCell(4, 3, bias=False, nonlinearity="relu")) == (
        "RNNCell(4, 3, bias=False, nonlinearity=relu)"
    )
    assert repr(nn.LSTMCell(4, 3)) == "LSTMCell(4, 3)"
    assert repr(nn.GRUCell(4, 3)) == "GRUCell(4, 3)"


def test_cell_errors():
    cell = nn.LSTMCell(4, 3)
    with pytest.raises(ValueError, match="LSTMCell: Expected input to be 1D or 2D, got 3D instead"):
        cell(edutorch.randn(1, 2, 4))
    with pytest.raises(ValueError, match=r"LSTMCell: Expected hx\[1\] to be 1D or 2D, got 3D"):
        cell(edutorch.randn(2, 4), (edutorch.randn(2, 3), edutorch.randn(1, 2, 3)))
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 5 expected 4"):
        cell(edutorch.randn(2, 5))
    with pytest.raises(RuntimeError, match="Input batch size 2 doesn't match hidden0 batch size 3"):
        cell(edutorch.randn(2, 4), (edutorch.randn(3, 3), edutorch.randn(2, 3)))
    with pytest.raises(
        RuntimeError, match="hidden1 has inconsistent hidden_size: got 5, expected 3"
    ):
        cell(edutorch.randn(2, 4), (edutorch.randn(2, 3), edutorch.randn(2, 5)))
    with pytest.raises(RuntimeError, match="Unknown nonlinearity: gelu"):
        nn.RNNCell(4, 3, nonlinearity="gelu")(edutorch.randn(2, 4))


# ---------------------------------------------------------------- layers
LAYERS = {"tanh": nn.RNN, "relu": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _layer(mode, *args, **kw):
    if mode in ("tanh", "relu"):
        kw["nonlinearity"] = mode
    return LAYERS[mode](*args, **kw)


def _np_layers(m, mode, x, h0, c0):
    """numpy reference of a stacked (bi)directional layer, time-first x (L, N, I)."""
    D = 2 if m.bidirectional else 1
    hs, cs = [], []
    for layer in range(m.num_layers):
        outs = []
        for d in range(D):
            k = layer * D + d
            w = _weights(m, suffix=f"_l{layer}" + ("_reverse" if d else ""))
            w = [0.0 if a is None else a for a in w]
            h, c = h0[k], c0[k]
            out = [None] * len(x)
            for t in reversed(range(len(x))) if d else range(len(x)):
                h, c = _np_step(mode, x[t], h, c, *w)
                out[t] = h
            outs.append(np.stack(out))
            hs.append(h)
            cs.append(c)
        x = np.concatenate(outs, -1)
    return x, np.stack(hs), np.stack(cs) if mode == "lstm" else None


@pytest.mark.parametrize("mode", list(LAYERS))
@pytest.mark.parametrize(
    "kw", [{}, {"num_layers": 2, "bidirectional": True}, {"batch_first": True, "bias": False}]
)
def test_layer_matches_numpy_reference(mode, kw):
    m = fill(_layer(mode, 3, 4, **kw))
    D = 2 if m.bidirectional else 1
    x = RNG.standard_normal((5, 2, 3))
    h0, c0 = RNG.standard_normal((2, D * m.num_layers, 2, 4))
    want, want_h, want_c = _np_layers(m, mode, x, h0, c0)
    xin = _t(x.transpose(1, 0, 2) if m.batch_first else x)
    out, hn = m(xin, (_t(h0), _t(c0)) if mode == "lstm" else _t(h0))
    if m.batch_first:
        want = want.transpose(1, 0, 2)
    np.testing.assert_allclose(out.detach().numpy(), want, atol=1e-12)
    if mode == "lstm":
        hn, cn = hn
        np.testing.assert_allclose(cn.detach().numpy(), want_c, atol=1e-12)
    np.testing.assert_allclose(hn.detach().numpy(), want_h, atol=1e-12)


GRAD_CASES = [
    ({}, False),
    ({"num_layers": 2}, True),
    ({"bidirectional": True, "batch_first": True}, True),
    ({"bias": False}, False),
]


@pytest.mark.parametrize("mode", list(LAYERS))
@pytest.mark.parametrize(
    "kw,with_state", GRAD_CASES, ids=["plain", "2layers+h0", "bi+bf", "nobias"]
)
def test_layer_gradcheck(mode, kw, with_state):
    m = fill(_layer(mode, 2, 2, **kw))
    D = 2 if m.bidirectional else 1
    x = _t(RNG.standard_normal((3, 2, 2)), True)
    n = 3 if m.batch_first else 2
    h0, c0 = (_t(RNG.standard_normal((D * m.num_layers, n, 2)), True) for _ in "hc")
    params = tuple(m.parameters())

    def fn(x, h0, c0, *ps):
        state = ((h0, c0) if mode == "lstm" else h0) if with_state else None
        out, hn = m(x, state)
        hn = hn if mode == "lstm" else (hn,)
        return edutorch.cat([out.flatten()] + [h.flatten() for h in hn])

    inputs = (x, h0, c0) if with_state else (x,)
    if not with_state:
        fn_ = fn

        def fn(x, *ps):
            return fn_(x, None, None, *ps)

    assert gradcheck(fn, inputs + params)


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_layer_unbatched_matches_batch_of_one(mode):
    m = fill(_layer(mode, 3, 4, num_layers=2, bidirectional=True, batch_first=True))
    x = RNG.standard_normal((5, 3))
    h0 = RNG.standard_normal((4, 4))
    state = (_t(h0), _t(h0 * 0.5)) if mode == "lstm" else _t(h0)
    out, hn = m(_t(x), state)
    assert out.shape == (5, 8)
    state1 = (_t(h0[:, None]), _t(h0[:, None] * 0.5)) if mode == "lstm" else _t(h0[:, None])
    out1, hn1 = m(_t(x[None]), state1)
    np.testing.assert_allclose(out.detach().numpy(), out1.detach().numpy()[0], atol=1e-14)
    hn, hn1 = (hn[1], hn1[1]) if mode == "lstm" else (hn, hn1)
    assert hn.shape == (4, 4)
    np.testing.assert_allclose(hn.detach().numpy(), hn1.detach().numpy()[:, 0], atol=1e-14)


def test_layer_parameter_names_shapes_init_and_repr():
    m = nn.LSTM(10, 20, num_layers=2, bidirectional=True)
    names = [
        f"{w}_l{layer}{s}" for layer in (0, 1) for s in ("", "_reverse")
        for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    ]  # fmt: skip
    assert list(m.state_dict()) == names
    assert m.weight_ih_l0.shape == (80, 10)
    assert m.weight_ih_l1_reverse.shape == (80, 40)  # layer 1 reads both directions
    assert m.weight_hh_l1.shape == (80, 20) and m.bias_hh_l0_reverse.shape == (80,)
    assert [[p.shape for p in ws] for ws in m.all_weights][0][0] == (80, 10)
    bound = 1 / math.sqrt(20)
    assert all(np.abs(p.detach().numpy()).max() <= bound for p in m.parameters())
    assert list(nn.GRU(3, 4, bias=False).state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    assert repr(m) == "LSTM(10, 20, num_layers=2, bidirectional=True)"
    r = nn.RNN(4, 3, 2, nonlinearity="relu", bias=False, batch_first=True, dropout=0.5)
    assert repr(r) == "RNN(4, 3, num_layers=2, bias=False, batch_first=True, dropout=0.5)"
    assert repr(nn.GRU(4, 3)) == "GRU(4, 3)"
    m.flatten_parameters()  # accepted, does nothing


def test_layer_output_shapes():
    x = edutorch.randn(7, 2, 3)
    out, (h, c) = nn.LSTM(3, 5, num_layers=3, bidirectional=True)(x)
    assert out.shape == (7, 2, 10) and h.shape == (6, 2, 5) and c.shape == (6, 2, 5)
    out, h = nn.GRU(3, 5, batch_first=True)(edutorch.randn(2, 7, 3))
    assert out.shape == (2, 7, 5) and h.shape == (1, 2, 5)
    out, h = nn.RNN(3, 5, 2)(edutorch.randn(7, 3))
    assert out.shape == (7, 5) and h.shape == (2, 5)
    assert out.dtype == edutorch.float32


def test_layer_errors():
    m = nn.LSTM(4, 3, num_layers=2)
    msg = "input.size(-1) must be equal to input_size. Expected 4, got 3"
    with pytest.raises(RuntimeError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        m(edutorch.randn(5, 2, 3))
    with pytest.raises(
        RuntimeError, match=r"Expected hidden\[0\] size \(2, 2, 3\), got \[1, 2, 3\]"
    ):
        m(edutorch.randn(5, 2, 4), (edutorch.randn(1, 2, 3), edutorch.randn(2, 2, 3)))
    with pytest.raises(
        RuntimeError, match=r"Expected hidden\[1\] size \(2, 2, 3\), got \[2, 2, 4\]"
    ):
        m(edutorch.randn(5, 2, 4), (edutorch.randn(2, 2, 3), edutorch.randn(2, 2, 4)))
    with pytest.raises(RuntimeError, match=r"hx and cx should also be 3-D but got \(2-D, 3-D\)"):
        m(edutorch.randn(5, 2, 4), (edutorch.randn(2, 3), edutorch.randn(2, 2, 3)))
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D instead"):
        m(edutorch.randn(1, 5, 2, 4))
    with pytest.raises(ValueError, match="does not match weight dtype"):
        m(edutorch.randn(5, 2, 4, dtype=edutorch.float64))
    g = nn.GRU(4, 3)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 3\), got \[1, 5, 3\]"):
        g(edutorch.randn(5, 2, 4), edutorch.randn(1, 5, 3))
    with pytest.raises(
        RuntimeError, match="For unbatched 2-D input, hx should also be 2-D but got 3-D"
    ):
        g(edutorch.randn(5, 4), edutorch.randn(1, 1, 3))
    with pytest.raises(
        ValueError, match="RNN: Expected input to be 2D or 3D, got 1D tensor instead"
    ):
        nn.RNN(4, 3)(edutorch.randn(4))
    with pytest.raises(
        ValueError, match="Unknown nonlinearity 'gelu'. Select from 'tanh' or 'relu'."
    ):
        nn.RNN(4, 3, nonlinearity="gelu")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.GRU(4, 3, 2, dropout=1.5)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(4, 3, dropout=0.2)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(4, 3, proj_size=2)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.LSTM(4, 0)
    with pytest.raises(TypeError, match="input_size should be of type int, got: float"):
        nn.LSTM(4.0, 3)


def test_dropout_between_layers_only_in_training():
    """p=1 zeroes layer 0's output: layer 1 then sees zeros (its h_n is that of a zero input),
    while layer 0's own h_n is untouched; in eval mode nothing is dropped."""
    m = fill(nn.GRU(3, 4, num_layers=2, dropout=1.0))
    x = _t(RNG.standard_normal((5, 2, 3)))
    m.eval()
    out_eval, h_eval = m(x)
    m.train()
    out, h = m(x)
    np.testing.assert_allclose(h[0].detach().numpy(), h_eval[0].detach().numpy(), atol=1e-14)
    w = [0.0 if a is None else a for a in _weights(m, suffix="_l1")]
    h1 = np.zeros((2, 4))
    for _ in range(5):
        h1, _ = _np_step("gru", np.zeros((2, 4)), h1, None, *w)
    np.testing.assert_allclose(h[1].detach().numpy(), h1, atol=1e-12)
    assert not np.allclose(out.detach().numpy(), out_eval.detach().numpy())


def test_float32_training_step_runs_and_learns():
    edutorch.manual_seed(0)
    m = nn.LSTM(2, 8, batch_first=True)
    head = edutorch.nn.Parameter(edutorch.zeros(8))
    x = edutorch.randn(16, 6, 2)
    y = x.sum((1, 2))  # learn to add up the sequence
    losses = sgd_losses(lambda: ((m(x)[0][:, -1] @ head - y) ** 2).mean(), [*m.parameters(), head])
    assert losses[-1] < 0.5 * losses[0]


def sgd_losses(loss_fn, params, steps=30, lr=0.1):
    """Plain gradient descent on ``loss_fn()``; returns the loss at each step."""
    losses = []
    for _ in range(steps):
        loss = loss_fn()
        for p in params:
            p.grad = None
        loss.backward()
        with edutorch.no_grad():
            for p in params:
                p -= lr * p.grad
        losses.append(loss.item())
    return losses


# ---------------------------------------------------------------- parity with torch
def copy_from_torch(tm, em):
    """Load torch module ``tm``'s state_dict into ``em``; the keys must be the same, in order."""
    sd = tm.state_dict()
    assert list(sd) == list(em.state_dict())
    em.load_state_dict({k: edutorch.tensor(v.detach().numpy()) for k, v in sd.items()})


def _close(a, b, tol):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


PARITY = [
    ("tanh", {}, False),
    ("relu", {"num_layers": 2, "bidirectional": True}, True),
    ("lstm", {}, True),
    ("lstm", {"num_layers": 2, "bidirectional": True, "batch_first": True}, True),
    ("lstm", {"bias": False, "num_layers": 2}, False),
    ("gru", {"bidirectional": True}, True),
    ("gru", {"num_layers": 3, "batch_first": True}, False),
]


@pytest.mark.parametrize("dtype", ["double", "float"])
@pytest.mark.parametrize("mode,kw,with_state", PARITY)
def test_layer_torch_parity(mode, kw, with_state, dtype):
    torch = pytest.importorskip("torch")
    tcls = {"tanh": torch.nn.RNN, "relu": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
    tkw = dict(kw, nonlinearity=mode) if mode in ("tanh", "relu") else kw
    tm = getattr(tcls[mode](3, 4, **tkw), dtype)()
    em = getattr(_layer(mode, 3, 4, **kw), dtype)()
    copy_from_torch(tm, em)
    tol = 1e-12 if dtype == "double" else 2e-5
    D = 2 if em.bidirectional else 1
    npdt = np.float64 if dtype == "double" else np.float32
    x = RNG.standard_normal((2, 5, 3) if em.batch_first else (5, 2, 3)).astype(npdt)
    states = [RNG.standard_normal((D * em.num_layers, 2, 4)).astype(npdt) for _ in range(2)]
    tx, ex = torch.tensor(x, requires_grad=True), edutorch.tensor(x, requires_grad=True)
    ts = [torch.tensor(s, requires_grad=True) for s in states]
    es = [edutorch.tensor(s, requires_grad=True) for s in states]
    pack = (lambda s: tuple(s)) if mode == "lstm" else (lambda s: s[0])
    tout, th = tm(tx, pack(ts) if with_state else None)
    eout, eh = em(ex, pack(es) if with_state else None)
    _close(eout, tout, tol)
    th, eh = (th, eh) if mode == "lstm" else ((th,), (eh,))
    for a, b in zip(eh, th):
        _close(a, b, tol)
    g = RNG.standard_normal(tuple(tout.shape)).astype(npdt)
    (tout * torch.tensor(g)).sum().add(sum((h**3).sum() for h in th)).backward()
    (eout * edutorch.tensor(g)).sum().add(sum((h**3).sum() for h in eh)).backward()
    _close(ex.grad, tx.grad, tol)
    if with_state:
        for a, b in zip(es, ts):
            if b.grad is not None:
                _close(a.grad, b.grad, tol)
    for tp, ep in zip(tm.parameters(), em.parameters()):
        _close(ep.grad, tp.grad, tol * 10)


@pytest.mark.parametrize("mode", list(CELLS))
def test_cell_torch_parity(mode):
    torch = pytest.importorskip("torch")
    tcls = {"tanh": torch.nn.RNNCell, "relu": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell}
    tkw = {"nonlinearity": mode} if mode in ("tanh", "relu") else {}
    tm = tcls.get(mode, torch.nn.GRUCell)(3, 4, **tkw).double()
    em = _cell(mode)
    copy_from_torch(tm, em)
    x, h, c = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 4)), RNG.standard_normal((2, 4))
    tx, th, tc = (torch.tensor(a, requires_grad=True) for a in (x, h, c))
    ex, eh, ec = (_t(a, True) for a in (x, h, c))
    tout = tm(tx, (th, tc)) if mode == "lstm" else (tm(tx, th),)
    eout = em(ex, (eh, ec)) if mode == "lstm" else (em(ex, eh),)
    for a, b in zip(eout, tout):
        _close(a, b, 1e-12)
    sum((o * (k + 1)).sum() for k, o in enumerate(tout)).backward()
    sum((o * (k + 1)).sum() for k, o in enumerate(eout)).backward()
    for a, b in [(ex, tx), (eh, th)] + [(ec, tc)] * (mode == "lstm"):
        _close(a.grad, b.grad, 1e-12)
    for tp, ep in zip(tm.parameters(), em.parameters()):
        _close(ep.grad, tp.grad, 1e-12)


def test_double_backward():
    """Second derivatives flow through the cells and the time loop (create_graph=True)."""
    from edutorch.autograd import gradgradcheck

    cell = fill(nn.LSTMCell(2, 2))
    x, h = _t(RNG.standard_normal((2, 2)), True), _t(RNG.standard_normal((2, 2)), True)
    assert gradgradcheck(lambda x, h: edutorch.cat(cell(x, (h, h)), -1), (x, h))
    gru = fill(nn.GRU(2, 2, bidirectional=True))
    assert gradgradcheck(lambda x: gru(x)[0], (_t(RNG.standard_normal((3, 1, 2)), True),))
