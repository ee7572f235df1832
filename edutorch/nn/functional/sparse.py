"""``embedding``: look up rows of a weight matrix by integer index.

The gradient of a lookup adds each output gradient into the row it came from (rows used twice
get both). Its backward op is linear in the gradient, and its own gradient is the lookup again,
so second derivatives work.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import Op
from ...autograd.grad_mode import no_grad

__all__ = ["embedding", "one_hot"]


class Embedding(Op):
    """out[...] = weight[indices[...]]: indices (*) int, weight (V, D) -> (*, D).

    d weight[v] = Σ of the output gradients at the positions where indices == v; the row
    ``padding_idx`` gets none; ``scale_grad_by_freq`` divides by how often v occurs.
    """

    @staticmethod
    def forward(ctx, indices, weight, padding_idx, scale_grad_by_freq):
        idx = indices._data
        ctx.idx, ctx.num, ctx.padding_idx = idx, weight._data.shape[0], padding_idx
        ctx.scale = scale_grad_by_freq
        return weight._data[idx]

    @staticmethod
    def backward(ctx, grad):
        gw = EmbeddingBackward.apply(grad, ctx.idx, ctx.num, ctx.padding_idx, ctx.scale)
        return None, gw


def _row_factors(idx, num, padding_idx, scale):
    """Per looked-up position: 0 for the padding row, 1/count with scale_grad_by_freq, else 1."""
    factor = np.ones(idx.shape)
    if scale:
        factor /= np.bincount(idx.ravel(), minlength=num)[idx]
    if padding_idx is not None and padding_idx >= 0:
        factor[idx == padding_idx] = 0.0
    return factor


class EmbeddingBackward(Op):
    """d weight (V, D) from the output gradient (*, D): a scatter-add of rows into their index."""

    @staticmethod
    def forward(ctx, grad, idx, num, padding_idx, scale):
        g = grad._data
        d = g.shape[-1]
        ctx.idx, ctx.padding_idx, ctx.scale = idx, padding_idx, scale
        rows = g.reshape(-1, d)
        if scale or padding_idx is not None:
            factor = _row_factors(idx, num, padding_idx, scale).reshape(-1, 1)
            rows = rows * factor.astype(g.dtype)
        gw = np.zeros((num, d), dtype=g.dtype)
        np.add.at(gw, idx.ravel(), rows)  # repeated indices must add up, not overwrite
        return gw

    @staticmethod
    def backward(ctx, gg):
        out = Embedding.apply(Tensor._make(ctx.idx), gg, None, False)
        if ctx.scale or ctx.padding_idx is not None:
            factor = _row_factors(ctx.idx, gg.shape[0], ctx.padding_idx, ctx.scale)
            out = out * Tensor._make(factor[..., None].astype(gg._data.dtype))
        return out


def _padding_index(padding_idx, num):
    """torch's checks; a negative padding_idx counts from the end."""
    if padding_idx is None:
        return None
    if padding_idx > 0 and padding_idx >= num:
        raise AssertionError("Padding_idx must be within num_embeddings")
    if padding_idx < 0:
        if padding_idx < -num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx += num
    return padding_idx


def _renorm_(weight, idx, max_norm, norm_type):
    """Shrink in place the looked-up rows longer than max_norm (torch's embedding_renorm_)."""
    rows = np.unique(idx)
    w = weight._data
    norms = np.sum(np.abs(w[rows]) ** norm_type, axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
    weight._vc[0] += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):  # fmt: skip
    """Rows of ``weight`` (V, D) picked by the integer tensor ``input`` (*): -> (*, D).

    ``padding_idx``: that row gets no gradient. ``max_norm``: looked-up rows longer than it are
    first shrunk in place (in ``norm_type`` norm).
    """
    if input._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got {input.type()} instead (while checking arguments for embedding)"
        )
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    num = weight.shape[0]
    padding_idx = _padding_index(padding_idx, num)
    idx = input._data
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")
    if sparse:
        warnings.warn(
            "edutorch has no sparse tensors: embedding(sparse=True) gives a dense gradient",
            stacklevel=2,
        )
    if max_norm is not None:
        with no_grad():
            _renorm_(weight, idx, max_norm, norm_type)
    return Embedding.apply(input, weight, padding_idx, scale_grad_by_freq)


def one_hot(tensor, num_classes=-1):
    """(*) int64 class indices -> (*, num_classes) int64 with a 1 at each index."""
    idx = tensor._data
    if idx.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if idx.size and idx.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, idx[..., None], 1, axis=-1)
    return Tensor._make(out)
