"""Attention as functions: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``.

Both reduce to the same few Tensor ops, so autograd gives their gradients:
scores = q kᵀ · scale + bias, weights = softmax(scores) over the keys, out = weights v.
Masks become an additive ``bias``: 0 where a query may look at a key, -inf where it may not.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..._tensor import Tensor
from ...ops import softmax
from .dropout import dropout
from .linear import _SCALAR_NAMES, linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _as_bias(mask, dtype, attend_when_true):
    """A mask as an additive float bias; float masks pass through (they may even require grad).

    sdpa's bool masks say where to attend (True = look); MultiheadAttention's say where not to.
    """
    if mask is None or mask.dtype.is_floating_point:
        return mask
    blocked = ~mask._data if attend_when_true else mask._data
    return Tensor._make(np.where(blocked, -np.inf, 0.0).astype(dtype.np))


def _causal_bias(L, S, dtype):
    """(L, S) bias letting query i see keys 0..i only (top-left aligned, as torch's is_causal)."""
    return Tensor._make(np.where(np.tri(L, S, dtype=bool), 0.0, -np.inf).astype(dtype.np))


def _attend(q, k, v, bias, dropout_p, scale, safe):
    """softmax(q·scale kᵀ + bias) v: q (..., L, E), k (..., S, E), v (..., S, Ev) -> out, weights.

    ``safe`` gives all-zero weights to a query whose keys are all masked (sdpa does), instead of
    softmax's 0/0 = NaN (what MultiheadAttention returns when it must return the weights).
    """
    scores = (q * scale).matmul(k.transpose(-2, -1))
    if bias is not None:
        scores = scores + bias
    dead = np.isneginf(scores._data).all(-1, keepdims=True) if safe else None
    if dead is not None and dead.any():
        dead = Tensor._make(dead)
        # a finite row first, so that neither forward nor backward meets NaN
        weights = softmax(scores.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)
    else:
        weights = softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return weights.matmul(v), weights


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False
):
    """softmax(q kᵀ · scale + mask) v: q (..., L, E), k (..., S, E), v (..., S, Ev) -> (..., L, Ev).

    ``scale`` defaults to 1/√E. A bool ``attn_mask`` marks the keys each query may attend to
    (True = attend); a float one is added to the scores; it broadcasts to (..., L, S).
    ``is_causal`` lets query i attend to keys 0..i only. ``dropout_p`` is always applied (call
    with 0.0 at evaluation time). A query with no allowed key gets an all-zero output.
    """
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa is not supported")
    q, k, v, m = (None if t is None else _SCALAR_NAMES.get(t.dtype.name, t.dtype.name)
                  for t in (query, key, value, attn_mask))  # fmt: skip
    if not q == k == v:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{q} key.dtype: {k} and value.dtype: {v} instead."
        )
    if m is not None and m not in ("bool", q):
        raise RuntimeError(
            "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
            f"attn_mask.dtype: {m} and  query.dtype: {q} instead."
        )
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(
                "_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                "is_causal=True"
            )
        bias = _causal_bias(query.size(-2), key.size(-2), query.dtype)
    else:
        bias = _as_bias(attn_mask, query.dtype, attend_when_true=True)
    scale = 1.0 / math.sqrt(query.size(-1)) if scale is None else scale
    return _attend(query, key, value, bias, dropout_p, scale, safe=True)[0]


def _canonical_mask(mask, name, other, other_name, dtype):
    """Check a MultiheadAttention mask's dtype; bool masks become float (-inf where True)."""
    if mask is None:
        return None
    if mask.dtype.name != "bool" and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if other is not None and mask.dtype != other.dtype:
        warnings.warn(
            f"Support for mismatched {name} and {other_name} is deprecated. Use same type for "
            "both instead.",
            stacklevel=3,
        )
    return _as_bias(mask, dtype, attend_when_true=False)


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """True for batched (3-D) input, False for unbatched (2-D); else torch's AssertionErrors."""
    if query.dim() not in (2, 3):
        raise AssertionError(
            "query should be unbatched 2D or batched 3D tensor but received "
            f"{query.dim()}-D query tensor"
        )
    batched = query.dim() == 3
    kind, n = ("batched (3-D)", 3) if batched else ("unbatched (2-D)", 2)
    if key.dim() != n or value.dim() != n:
        raise AssertionError(
            f"For {kind} `query`, expected `key` and `value` to be {n}-D but found "
            f"{key.dim()}-D and {value.dim()}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.dim() != n - 1:
        raise AssertionError(
            f"For {kind} `query`, expected `key_padding_mask` to be `None` or {n - 1}-D but found "
            f"{key_padding_mask.dim()}-D tensor instead"
        )
    if attn_mask is not None and attn_mask.dim() not in (2, 3):
        raise AssertionError(
            f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
            f"{attn_mask.dim()}-D tensor instead"
        )
    if not batched and attn_mask is not None and attn_mask.dim() == 3:
        expected = (num_heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != expected:
            raise AssertionError(
                f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}"
            )
    return batched


def _check_attn_mask(attn_mask, L, S, heads):
    """attn_mask (L, S) or (N*heads, L, S), with torch's errors; returned 3-D."""
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (L, S):
            raise RuntimeError(
                f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be {(L, S)}."
            )
        return attn_mask.unsqueeze(0)
    if tuple(attn_mask.shape) != (heads, L, S):
        raise RuntimeError(
            f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be {(heads, L, S)}."
        )
    return attn_mask


def multi_head_attention_forward(
    query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k,
    bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training=True,
    key_padding_mask=None, need_weights=True, attn_mask=None, use_separate_proj_weight=False,
    q_proj_weight=None, k_proj_weight=None, v_proj_weight=None, static_k=None, static_v=None,
    average_attn_weights=True, is_causal=False,
):  # fmt: skip
    """Multi-head attention, sequence first: query (L, N, E), key (S, N, Ek), value (S, N, Ev).

    Returns (attn_output (L, N, E), attn_weights (N, L, S) averaged over heads, or (N, heads, L, S),
    or None when ``need_weights`` is False). Unbatched inputs drop the N dim. Each head h sees its
    own E/heads slice: headₕ = softmax(qₕ kₕᵀ / √(E/heads) + mask) vₕ; out = concat(heads) Woᵀ + bo.
    ``key_padding_mask`` (N, S): True (or -inf) hides that key; ``attn_mask`` (L, S) or
    (N*heads, L, S): True (or -inf) stops query i from attending to key j; float masks are added.
    """
    if bias_k is not None or bias_v is not None or add_zero_attn:
        raise NotImplementedError("multi_head_attention_forward: add_bias_kv and add_zero_attn")
    if static_k is not None or static_v is not None:
        raise NotImplementedError("multi_head_attention_forward: static_k and static_v")
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:  # one sequence: a batch of one, squeezed again at the end
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    L, N, E = query.shape
    S = key.shape[0]
    key_padding_mask = _canonical_mask(
        key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", query.dtype
    )
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
            "method `generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint says attn_mask is the causal mask: build it ourselves
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype)
        is_causal = False
    if E != embed_dim_to_check:
        raise AssertionError(
            f"was expecting embedding dimension of {embed_dim_to_check}, but got {E}"
        )
    d = E // num_heads
    if d * num_heads != E:
        raise AssertionError(f"embed_dim {E} not divisible by num_heads {num_heads}")

    # project: one (3E, E) matrix holds W_q, W_k, W_v stacked (or three separate ones)
    if use_separate_proj_weight:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        w_q, w_k, w_v = in_proj_weight.chunk(3)
    b_q, b_k, b_v = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
    q, k, v = linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)

    # split heads: (L, N, E) -> (N*heads, L, d), so each head is one batch entry of a matmul
    q = q.reshape(L, N * num_heads, d).transpose(0, 1)
    k = k.reshape(S, N * num_heads, d).transpose(0, 1)
    v = v.reshape(S, N * num_heads, d).transpose(0, 1)

    bias = None if attn_mask is None else _check_attn_mask(attn_mask, L, S, N * num_heads)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != N:
            raise AssertionError(
                f"Expected key_padded_mask.shape[0] to be {N}, but got {key_padding_mask.shape[0]}"
            )
        if key_padding_mask.shape[1] != S:
            raise AssertionError(
                f"Expected key_padded_mask.shape[1] to be {S}, but got {key_padding_mask.shape[1]}"
            )
        # (N, S) -> (N*heads, 1, S): the same hidden keys for every head and every query
        kpm = key_padding_mask.reshape(N, 1, 1, S).expand(N, num_heads, 1, S)
        kpm = kpm.reshape(N * num_heads, 1, S)
        bias = kpm if bias is None else bias + kpm
    if is_causal:
        bias = _causal_bias(L, S, q.dtype)
    if not training:
        dropout_p = 0.0

    out, weights = _attend(q, k, v, bias, dropout_p, 1.0 / math.sqrt(d), safe=not need_weights)
    # merge heads: (N*heads, L, d) -> (L, N, E), then the output projection
    out = linear(out.transpose(0, 1).reshape(L, N, E), out_proj_weight, out_proj_bias)
    if need_weights:
        weights = weights.reshape(N, num_heads, L, S)
        if average_attn_weights:
            weights = weights.mean(1)
    else:
        weights = None
    if not batched:
        out = out.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return out, weights
