"""Attention: F.scaled_dot_product_attention, MultiheadAttention, TransformerEncoder(Layer).

numpy references written head by head, float64 gradchecks for the options (masks, causal,
batch_first, unbatched, kdim/vdim, norm_first), names and errors, and (where torch is installed)
parity with torch: same state_dict in both, then outputs, attention weights and gradients.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import edutorch
import edutorch.nn as nn
import edutorch.nn.functional as F
from edutorch.autograd import gradcheck

from .test_rnn import copy_from_torch, fill, sgd_losses

RNG = np.random.default_rng(0)


def _t(a, requires_grad=False):
    a = np.asarray(a)
    a = a if a.dtype == bool else a.astype(np.float64)
    return edutorch.tensor(a, requires_grad=requires_grad)


def _np(t):
    return t.detach().numpy()


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# ---------------------------------------------------------------- scaled_dot_product_attention
def _np_sdpa(q, k, v, bias=None, scale=None):
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if bias is not None:
        s = s + bias
    return _softmax(s) @ v


def _qkv(L=4, S=5, E=3, Ev=2, batch=(2, 3)):
    return (RNG.standard_normal(batch + (n, e)) for n, e in ((L, E), (S, E), (S, Ev)))


def test_sdpa_matches_numpy():
    q, k, v = _qkv()
    got = F.scaled_dot_product_attention(_t(q), _t(k), _t(v))
    np.testing.assert_allclose(_np(got), _np_sdpa(q, k, v), atol=1e-12)
    got = F.scaled_dot_product_attention(_t(q), _t(k), _t(v), scale=0.25)
    np.testing.assert_allclose(_np(got), _np_sdpa(q, k, v, scale=0.25), atol=1e-12)


def test_sdpa_masks_and_causal():
    q, k, v = _qkv()
    allowed = RNG.random((4, 5)) > 0.3
    allowed[:, 0] = True
    got = F.scaled_dot_product_attention(_t(q), _t(k), _t(v), attn_mask=_t(allowed))
    want = _np_sdpa(q, k, v, np.where(allowed, 0.0, -np.inf))
    np.testing.assert_allclose(_np(got), want, atol=1e-12)
    bias = RNG.standard_normal((3, 4, 5))  # float masks are added and broadcast
    got = F.scaled_dot_product_attention(_t(q), _t(k), _t(v), attn_mask=_t(bias))
    np.testing.assert_allclose(_np(got), _np_sdpa(q, k, v, bias), atol=1e-12)
    got = F.scaled_dot_product_attention(_t(q), _t(k), _t(v), is_causal=True)
    causal = np.where(np.tri(4, 5, dtype=bool), 0.0, -np.inf)  # top-left aligned when L != S
    np.testing.assert_allclose(_np(got), _np_sdpa(q, k, v, causal), atol=1e-12)


def test_sdpa_fully_masked_query_gives_zeros_not_nan():
    q, k, v = (_t(a, True) for a in _qkv(batch=(1,)))
    allowed = np.ones((4, 5), bool)
    allowed[2] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=_t(allowed))
    assert np.all(_np(out)[0, 2] == 0) and np.isfinite(_np(out)).all()
    out.sum().backward()
    assert np.all(_np(q.grad)[0, 2] == 0)
    assert all(np.isfinite(_np(t.grad)).all() for t in (q, k, v))


@pytest.mark.parametrize("case", ["plain", "bool", "float", "causal", "scale"])
def test_sdpa_gradcheck(case):
    q, k, v = (_t(a, True) for a in _qkv(L=3, S=4, batch=(2,)))
    mask = None
    if case == "bool":
        mask = _t(np.array([[1, 0, 1, 1], [1, 1, 0, 0], [0, 0, 0, 1]], bool))
    elif case == "float":
        mask = _t(RNG.standard_normal((3, 4)), True)  # a learnt bias gets a gradient too
    kw = {"is_causal": case == "causal", "scale": 0.7 if case == "scale" else None}
    inputs = (q, k, v) + ((mask,) if case == "float" else ())

    def fn(q, k, v, *m):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, **kw)

    assert gradcheck(fn, inputs)


def test_sdpa_dropout_and_errors():
    q, k, v = (_t(a) for a in _qkv())
    assert np.all(_np(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)) == 0)
    edutorch.manual_seed(0)
    dropped = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    assert not np.allclose(_np(dropped), _np(F.scaled_dot_product_attention(q, k, v)))
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=_t(np.ones((4, 5), bool)), is_causal=True)
    with pytest.raises(RuntimeError, match="query.dtype: double key.dtype: double and value.dtype"):
        F.scaled_dot_product_attention(q, k, v.float())
    with pytest.raises(RuntimeError, match="Expected attn_mask dtype to be bool or float"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=edutorch.ones(4, 5, dtype=edutorch.int64))


# ---------------------------------------------------------------- MultiheadAttention
def _np_mha(m, query, key, value, bias=None):
    """Head by head, sequence first: query (L, N, E), bias (N, heads, L, S) or None."""
    E, h = m.embed_dim, m.num_heads
    d = E // h
    w = _np(m.in_proj_weight)
    b = _np(m.in_proj_bias) if m.in_proj_bias is not None else np.zeros(3 * E)
    rows = [slice(i * E, (i + 1) * E) for i in range(3)]
    q, k, v = (x @ w[r].T + b[r] for r, x in zip(rows, (query, key, value)))
    L, N, S = query.shape[0], query.shape[1], key.shape[0]
    out, weights = np.zeros((L, N, E)), np.zeros((N, h, L, S))
    for n in range(N):
        for head in range(h):
            cols = slice(head * d, (head + 1) * d)
            s = q[:, n, cols] @ k[:, n, cols].T / math.sqrt(d)
            if bias is not None:
                s = s + bias[n, head]
            weights[n, head] = _softmax(s)
            out[:, n, cols] = weights[n, head] @ v[:, n, cols]
    wo = _np(m.out_proj.weight)
    bo = _np(m.out_proj.bias) if m.out_proj.bias is not None else 0.0
    return out @ wo.T + bo, weights


def test_mha_matches_numpy_heads():
    m = fill(nn.MultiheadAttention(6, 3))
    query, key = RNG.standard_normal((4, 2, 6)), RNG.standard_normal((5, 2, 6))
    out, w = m(_t(query), _t(key), _t(key))
    want, want_w = _np_mha(m, query, key, key)
    np.testing.assert_allclose(_np(out), want, atol=1e-12)
    np.testing.assert_allclose(_np(w), want_w.mean(1), atol=1e-12)  # averaged over heads
    _, w = m(_t(query), _t(key), _t(key), average_attn_weights=False)
    np.testing.assert_allclose(_np(w), want_w, atol=1e-12)


def test_mha_masks_match_numpy():
    m = fill(nn.MultiheadAttention(4, 2))
    query, key = RNG.standard_normal((3, 2, 4)), RNG.standard_normal((5, 2, 4))
    padding = np.array([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]], bool)  # True = padding, ignored
    blocked = np.array([[0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0]], bool)
    bias = np.where(padding[:, None, None, :] | blocked[None, None], -np.inf, 0.0)
    bias = np.broadcast_to(bias, (2, 2, 3, 5))
    want, want_w = _np_mha(m, query, key, key, bias)
    for nw in (True, False):
        out, w = m(_t(query), _t(key), _t(key), key_padding_mask=_t(padding),
                   attn_mask=_t(blocked), need_weights=nw)  # fmt: skip
        np.testing.assert_allclose(_np(out), want, atol=1e-12)
        if nw:
            np.testing.assert_allclose(_np(w), want_w.mean(1), atol=1e-12)
        else:
            assert w is None
    # float masks are added as they are; a 3-D attn_mask has one (L, S) mask per batch and head
    fbias = RNG.standard_normal((2 * 2, 3, 5))
    out, _ = m(_t(query), _t(key), _t(key), attn_mask=_t(fbias))
    want, _ = _np_mha(m, query, key, key, fbias.reshape(2, 2, 3, 5))
    np.testing.assert_allclose(_np(out), want, atol=1e-12)


def test_mha_batch_first_and_unbatched():
    m = fill(nn.MultiheadAttention(4, 2, batch_first=True))
    x = RNG.standard_normal((2, 3, 4))
    out, w = m(_t(x), _t(x), _t(x))
    want, want_w = _np_mha(m, x.transpose(1, 0, 2), *[x.transpose(1, 0, 2)] * 2)
    np.testing.assert_allclose(_np(out), want.transpose(1, 0, 2), atol=1e-12)
    assert w.shape == (2, 3, 3)
    out1, w1 = m(_t(x[0]), _t(x[0]), _t(x[0]))  # 2-D: one sequence, no batch dim
    np.testing.assert_allclose(_np(out1), _np(out)[0], atol=1e-12)
    np.testing.assert_allclose(_np(w1), _np(w)[0], atol=1e-12)


MHA_CASES = {
    "plain": ({}, {}),
    "batch_first+padding": ({"batch_first": True}, {"key_padding_mask": "pad"}),
    "bool_mask+no_weights": ({}, {"attn_mask": "bool", "need_weights": False}),
    "float3d_mask+per_head": ({}, {"attn_mask": "float3d", "average_attn_weights": False}),
    "causal_hint": ({}, {"attn_mask": "causal", "is_causal": True, "need_weights": False}),
    "no_bias": ({"bias": False}, {}),
    "kdim_vdim": ({"kdim": 3, "vdim": 5}, {}),
}


def _mha_args(E, N, L, S, kdim, vdim, batch_first, call):
    shape = (lambda n, e: (N, n, e)) if batch_first else (lambda n, e: (n, N, e))
    arrays = [RNG.standard_normal(shape(L, E)), RNG.standard_normal(shape(S, kdim))]
    arrays.append(RNG.standard_normal(shape(S, vdim)))
    kw = dict(call)
    masks = {
        "pad": np.array([[0] * (S - 2) + [1, 1], [0] * S], bool),
        "bool": np.triu(np.ones((L, S), bool), 2),
        "float3d": RNG.standard_normal((N * 2, L, S)),
        "causal": np.triu(np.ones((L, S), bool), 1),
    }
    for name in ("key_padding_mask", "attn_mask"):
        if name in kw:
            kw[name] = masks[kw[name]]
    return arrays, kw


def _self_attention_inputs(case):
    ctor, call = MHA_CASES[case]
    E = 4
    m = nn.MultiheadAttention(E, 2, **ctor)
    if case == "causal_hint":  # is_causal is a hint that the mask is causal: self-attention, L = S
        L = S = 3
    else:
        L, S = 3, 4
    arrays, kw = _mha_args(E, 2, L, S, m.kdim, m.vdim, m.batch_first, call)
    return m, ctor, arrays, kw


@pytest.mark.parametrize("case", list(MHA_CASES))
def test_mha_gradcheck(case):
    m, _, arrays, kw = _self_attention_inputs(case)
    fill(m)
    inputs = tuple(_t(a, True) for a in arrays)
    kw = {k: _t(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}

    def fn(q, k, v, *ps):
        out, w = m(q, k, v, **kw)
        return out if w is None else edutorch.cat([out.flatten(), w.flatten()])

    assert gradcheck(fn, inputs + tuple(m.parameters()))


def test_mha_parameters_init_and_repr():
    m = nn.MultiheadAttention(8, 2)
    assert list(m.state_dict()) == [
        "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias",
    ]  # fmt: skip
    assert m.in_proj_weight.shape == (24, 8) and m.head_dim == 4
    assert np.all(_np(m.in_proj_bias) == 0) and np.all(_np(m.out_proj.bias) == 0)
    bound = math.sqrt(6 / (8 + 24))  # xavier_uniform_ on the (3E, E) matrix
    assert np.abs(_np(m.in_proj_weight)).max() <= bound
    assert _np(m.in_proj_weight).std() > bound / 3
    assert isinstance(m.out_proj, nn.Linear)
    assert repr(m) == (
        "MultiheadAttention(\n"
        "  (out_proj): NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)\n"
        ")"
    )
    m = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, bias=False)
    assert list(m.state_dict()) == [
        "q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj.weight",
    ]  # fmt: skip
    assert m.in_proj_weight is None and m.k_proj_weight.shape == (8, 3)


def test_mha_errors():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(0, 2)
    m = nn.MultiheadAttention(4, 2)
    x = edutorch.randn(3, 2, 4)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        m(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is .* \(3, 3\)"):
        m(x, x, x, attn_mask=edutorch.zeros(3, 4))
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 4, but got 5"):
        y = edutorch.randn(3, 2, 5)
        m(y, y, y)
    with pytest.raises(AssertionError, match=r"Expected key_padded_mask.shape\[1\] to be 3"):
        m(x, x, x, key_padding_mask=edutorch.zeros(2, 4, dtype=edutorch.bool))
    with pytest.raises(AssertionError, match="expected `key` and `value` to be 3-D"):
        m(x, x[0], x[0])
    with pytest.raises(AssertionError, match="only bool and floating types of key_padding_mask"):
        m(x, x, x, key_padding_mask=edutorch.zeros(2, 3, dtype=edutorch.int64))


def test_mha_dropout_only_in_training():
    m = nn.MultiheadAttention(4, 2, dropout=1.0)  # p = 1 drops every attention weight
    x = edutorch.randn(3, 2, 4)
    out, w = m(x, x, x)
    assert np.all(_np(w) == 0)
    np.testing.assert_allclose(_np(out), np.broadcast_to(_np(m.out_proj.bias), (3, 2, 4)))
    m.eval()
    _, w = m(x, x, x)
    np.testing.assert_allclose(_np(w).sum(-1), 1.0, rtol=1e-6)


# ---------------------------------------------------------------- TransformerEncoder(Layer)
LAYER_KEYS = [
    "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
    "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
    "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
]  # fmt: skip


def _np_layer_norm(x, w, b, eps=1e-5):
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def test_encoder_layer_matches_numpy():
    layer = fill(nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0))
    x = RNG.standard_normal((3, 2, 4))
    sa, _ = _np_mha(layer.self_attn, x, x, x)
    p = {k: _np(v) for k, v in layer.state_dict().items()}
    h = _np_layer_norm(x + sa, p["norm1.weight"], p["norm1.bias"])
    ff = np.maximum(h @ p["linear1.weight"].T + p["linear1.bias"], 0)
    ff = ff @ p["linear2.weight"].T + p["linear2.bias"]
    want = _np_layer_norm(h + ff, p["norm2.weight"], p["norm2.bias"])
    np.testing.assert_allclose(_np(layer(_t(x))), want, atol=1e-12)


def test_encoder_layer_names_and_repr():
    layer = nn.TransformerEncoderLayer(4, 2, 8)
    assert list(layer.state_dict()) == LAYER_KEYS
    assert list(nn.TransformerEncoderLayer(4, 2, 8, bias=False).state_dict()) == [
        "self_attn.in_proj_weight", "self_attn.out_proj.weight", "linear1.weight",
        "linear2.weight", "norm1.weight", "norm2.weight",
    ]  # fmt: skip
    assert repr(layer).startswith("TransformerEncoderLayer(\n  (self_attn): MultiheadAttention(")
    assert "(dropout2): Dropout(p=0.1, inplace=False)" in repr(layer)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")


ENCODER_CASES = {
    "post_norm": ({}, {}),
    "pre_norm_gelu": ({"norm_first": True, "activation": "gelu"}, {}),
    "batch_first_padding": ({"batch_first": True}, {"src_key_padding_mask": True}),
    "causal_no_bias": ({"bias": False}, {"mask": True, "is_causal": True}),
}


def _encoder_call(layer_kw, call, N=2, L=3, E=4):
    x = RNG.standard_normal((N, L, E) if layer_kw.get("batch_first") else (L, N, E))
    kw = {}
    if call.get("mask"):
        kw["mask"] = np.triu(np.full((L, L), -np.inf), 1)
    if call.get("src_key_padding_mask"):
        kw["src_key_padding_mask"] = np.array([[0, 0, 1], [0, 0, 0]], bool)
    if call.get("is_causal"):
        kw["is_causal"] = True
    return x, kw


@pytest.mark.parametrize("case", list(ENCODER_CASES))
def test_encoder_layer_gradcheck(case):
    layer_kw, call = ENCODER_CASES[case]
    layer = fill(nn.TransformerEncoderLayer(4, 2, 5, dropout=0.0, **layer_kw))
    x, kw = _encoder_call(layer_kw, call)
    kw = {("src_mask" if k == "mask" else k): _t(v) if isinstance(v, np.ndarray) else v
          for k, v in kw.items()}  # fmt: skip
    x = _t(x, True)
    assert gradcheck(lambda x, *ps: layer(x, **kw), (x,) + tuple(layer.parameters()))


def test_encoder_stacks_independent_copies():
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0)
    enc = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(4))
    keys = list(enc.state_dict())
    assert keys[:12] == ["layers.0." + k for k in LAYER_KEYS]
    assert keys[12:24] == ["layers.1." + k for k in LAYER_KEYS]
    assert keys[24:] == ["norm.weight", "norm.bias"]
    assert enc.layers[0].linear1.weight is not layer.linear1.weight  # deep copies
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    np.testing.assert_array_equal(_np(enc.layers[1].linear1.weight), _np(layer.linear1.weight))
    fill(enc)
    x = _t(RNG.standard_normal((3, 2, 4)))
    want = enc.norm(enc.layers[1](enc.layers[0](x)))
    np.testing.assert_allclose(_np(enc(x)), _np(want), atol=1e-14)


def test_tiny_transformer_learns():
    """A one-layer encoder learns to name the token it is shown (a smoke test of the stack)."""
    edutorch.manual_seed(0)
    embed = nn.Linear(5, 8)  # one-hot tokens in: an embedding table as a Linear
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 1)
    head = nn.Linear(8, 5)
    params = list(embed.parameters()) + list(enc.parameters()) + list(head.parameters())
    tokens = RNG.integers(0, 5, (16, 4))
    x, y = edutorch.tensor(np.eye(5, dtype=np.float32)[tokens]), edutorch.tensor(tokens)
    losses = sgd_losses(
        lambda: F.cross_entropy(head(enc(embed(x))).reshape(-1, 5), y.reshape(-1)), params, 40
    )
    assert losses[-1] < 0.5 * losses[0]


# ---------------------------------------------------------------- parity with torch
def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


def _run_both(torch, tm, em, arrays, kw, dtype=np.float64):
    tin = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    ein = [edutorch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    ekw = {k: edutorch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    tout, eout = tm(*tin, **tkw), em(*ein, **ekw)
    tout, eout = (tout, eout) if isinstance(tout, tuple) else ((tout,), (eout,))
    tout = [t for t in tout if t is not None]
    eout = [e for e in eout if e is not None]
    assert len(tout) == len(eout)
    tol = 1e-10 if dtype == np.float64 else 2e-5
    for e, t in zip(eout, tout):
        _close(e, t, tol)
    grads = [RNG.standard_normal(tuple(t.shape)).astype(dtype) for t in tout]
    sum((t * torch.tensor(g)).sum() for t, g in zip(tout, grads)).backward()
    sum((e * edutorch.tensor(g)).sum() for e, g in zip(eout, grads)).backward()
    for e, t in zip(ein, tin):
        _close(e.grad, t.grad, tol)
    for e, t in zip(em.parameters(), tm.parameters()):
        _close(e.grad, t.grad, tol * 10)


@pytest.mark.parametrize("case", list(MHA_CASES))
def test_mha_torch_parity(case):
    torch = pytest.importorskip("torch")
    em, ctor, arrays, kw = _self_attention_inputs(case)
    tm = torch.nn.MultiheadAttention(4, 2, **ctor).double()
    em.double()
    copy_from_torch(tm, em)
    _run_both(torch, tm, em, arrays, kw)


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_mha_torch_parity_float32_and_nan_rows():
    """float32 defaults; a query whose keys are all padded gives NaN weights in both (torch's
    explicit softmax), and the sdpa path (need_weights=False) gives zeros in both."""
    torch = pytest.importorskip("torch")
    tm, em = torch.nn.MultiheadAttention(4, 2), nn.MultiheadAttention(4, 2)
    copy_from_torch(tm, em)
    arrays, kw = _mha_args(4, 2, 3, 4, 4, 4, False, {"key_padding_mask": "pad"})
    _run_both(torch, tm, em, arrays, kw, np.float32)
    x = RNG.standard_normal((3, 2, 4)).astype(np.float32)
    pad = np.array([[1, 1, 1], [0, 0, 1]], bool)
    for nw in (True, False):
        t_x, t_pad = torch.tensor(x), torch.tensor(pad)
        e_x, e_pad = edutorch.tensor(x), edutorch.tensor(pad)
        t_out, _ = tm(t_x, t_x, t_x, key_padding_mask=t_pad, need_weights=nw)
        e_out, _ = em(e_x, e_x, e_x, key_padding_mask=e_pad, need_weights=nw)
        np.testing.assert_allclose(_np(e_out), t_out.detach().numpy(), atol=1e-5, equal_nan=True)
        assert np.isnan(_np(e_out)[:, 0]).all() == nw


@pytest.mark.parametrize("case", list(ENCODER_CASES))
def test_encoder_torch_parity(case):
    torch = pytest.importorskip("torch")
    layer_kw, call = ENCODER_CASES[case]
    tkw = dict(layer_kw)
    if "activation" in tkw:
        tkw["activation"] = getattr(torch.nn.functional, tkw["activation"])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: "enable_nested_tensor is True, but ..."
        tm = torch.nn.TransformerEncoder(
            torch.nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, **tkw),
            2, norm=torch.nn.LayerNorm(4),
        ).double()  # fmt: skip
    em = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, **layer_kw), 2, norm=nn.LayerNorm(4)
    ).double()
    copy_from_torch(tm, em)
    x, kw = _encoder_call(layer_kw, call)
    _run_both(torch, tm, em, [x], kw)


def test_encoder_layer_torch_parity_eval_with_dropout():
    """In eval mode dropout is off: the default dropout=0.1 layer matches torch exactly."""
    torch = pytest.importorskip("torch")
    tm = torch.nn.TransformerEncoderLayer(8, 4, 16, batch_first=True).eval()
    em = nn.TransformerEncoderLayer(8, 4, 16, batch_first=True).eval()
    copy_from_torch(tm, em)
    _run_both(torch, tm, em, [RNG.standard_normal((2, 5, 8))], {}, np.float32)


# ---------------------------------------------------------------- decoder and full Transformer
def test_generate_square_subsequent_mask():
    m = nn.Transformer.generate_square_subsequent_mask(3)
    assert m.dtype == edutorch.float32
    np.testing.assert_array_equal(_np(m), [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])
    m64 = nn.Transformer.generate_square_subsequent_mask(2, dtype=edutorch.float64)
    assert m64.dtype == edutorch.float64


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_gradcheck(norm_first):
    layer = fill(nn.TransformerDecoderLayer(4, 2, 5, dropout=0.0, norm_first=norm_first))
    tgt, memory = _t(RNG.standard_normal((3, 2, 4)), True), _t(RNG.standard_normal((4, 2, 4)), True)
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=edutorch.float64)
    pad = _t(np.array([[0, 0, 0, 1], [0, 0, 0, 0]], bool))

    def fn(tgt, memory, *ps):
        return layer(tgt, memory, tgt_mask=tgt_mask, memory_key_padding_mask=pad)

    assert gradcheck(fn, (tgt, memory) + tuple(layer.parameters()))


def test_transformer_names_init_and_errors():
    m = nn.Transformer(8, 2, 1, 1, 16)
    keys = list(m.state_dict())
    assert keys[0] == "encoder.layers.0.self_attn.in_proj_weight"
    assert "decoder.layers.0.multihead_attn.out_proj.bias" in keys
    assert keys[-2:] == ["decoder.norm.weight", "decoder.norm.bias"]
    bound = math.sqrt(6 / (16 + 8))  # every matrix re-drawn by xavier_uniform_
    assert np.abs(_np(m.encoder.layers[0].linear1.weight)).max() <= bound
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        m(edutorch.randn(3, 2, 8), edutorch.randn(3, 1, 8))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal"):
        m(edutorch.randn(3, 2, 8), edutorch.randn(3, 2, 4))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_torch_parity(batch_first):
    torch = pytest.importorskip("torch")
    kw = {"dropout": 0.0, "batch_first": batch_first}
    tm = torch.nn.Transformer(4, 2, 2, 1, 6, **kw).double()
    em = nn.Transformer(4, 2, 2, 1, 6, **kw).double()
    assert repr(em) == repr(tm)
    copy_from_torch(tm, em)
    shape = (lambda n: (2, n, 4)) if batch_first else (lambda n: (n, 2, 4))
    src, tgt = RNG.standard_normal(shape(5)), RNG.standard_normal(shape(3))
    mask = np.triu(np.full((3, 3), -np.inf), 1)
    pad = np.array([[0, 0, 0, 1, 1], [0] * 5], bool)
    call = {"tgt_mask": mask, "src_key_padding_mask": pad, "memory_key_padding_mask": pad}
    _run_both(torch, tm, em, [src, tgt], call)
