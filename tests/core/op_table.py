"""The one table of ops that the forward, gradcheck, torch-parity and error tests all read.

Each ``OpSpec`` says:

- ``call(T, *xs)``: the op written against a torch-like module ``T`` (``edutorch`` or ``torch``),
  so the very same line runs on both;
- ``ref(*arrays)``: the numpy reference;
- ``args(draw)``: the inputs' shapes and how they relate (broadcasting, matmul inner sizes, ...),
  as a list of ``Arg``; ``draw(lo, hi)`` picks an int, so hypothesis (or a seeded rng) decides;
- ``domain``: where float inputs are drawn from (``positive`` for log/sqrt, ``distinct`` keeps
  kinks such as relu/abs/clamp/max ties at a distance);
- ``diff``: whether the op is differentiable (its float inputs then get gradchecked);
- ``view_only``: the op needs a contiguous input (``view``), so non-contiguous layouts are skipped.
"""

# ruff: noqa: E501  (one op per line reads best as a table, even when a line runs long)

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Draw = Callable[[int, int], int]  # draw(lo, hi) -> an int in [lo, hi]


@dataclass(frozen=True)
class Arg:
    """One op input: a float tensor (``f``), a bool mask (``b``) or int64 indices in [0, high) (``i``)."""

    shape: tuple
    kind: str = "f"
    high: int = 0


@dataclass(frozen=True)
class OpSpec:
    name: str
    call: Callable
    ref: Callable
    args: Callable[[Draw], list]
    domain: str = "real"
    diff: bool = True
    view_only: bool = False


# ------------------------------------------------------------------ shapes
def shape(draw: Draw, min_dims=0, max_dims=3, min_size=1, max_size=4) -> tuple:
    return tuple(draw(min_size, max_size) for _ in range(draw(min_dims, max_dims)))


def one(min_dims=0, max_dims=3, min_size=1, max_size=4):
    """A single float input."""
    return lambda draw: [Arg(shape(draw, min_dims, max_dims, min_size, max_size))]


def broadcast(n=2, min_dims=0):
    """``n`` float inputs whose shapes broadcast together: a common shape with some dims set to 1
    and some leading dims dropped."""

    def args(draw):
        full = shape(draw, min_dims)
        out = []
        for _ in range(n):
            s = tuple(1 if draw(0, 3) == 0 else d for d in full)
            out.append(Arg(s[draw(0, len(s) - min_dims) :]))
        return out

    return args


def same(n=2, min_dims=0, min_size=1):
    """``n`` float inputs of one shape."""

    def args(draw):
        s = shape(draw, min_dims, 3, min_size)
        return [Arg(s) for _ in range(n)]

    return args


def with_mask(args_fn):
    """A bool mask broadcastable with the float inputs, placed first (for ``where``)."""

    def args(draw):
        floats = args_fn(draw)
        full = np.broadcast_shapes(*(a.shape for a in floats))
        return [Arg(tuple(full), "b"), *floats]

    return args


def matmul_shapes(kind):
    """Shapes for ``a @ b``: ``1x1``, ``2x1``, ``1x2``, ``2x2`` or ``batched`` (broadcast batches)."""

    def args(draw):
        m, k, n = draw(1, 4), draw(1, 4), draw(1, 4)
        if kind == "1x1":
            return [Arg((k,)), Arg((k,))]
        if kind == "2x1":
            return [Arg((m, k)), Arg((k,))]
        if kind == "1x2":
            return [Arg((k,)), Arg((k, n))]
        if kind == "2x2":
            return [Arg((m, k)), Arg((k, n))]
        if kind == "bmm":
            b = draw(1, 3)
            return [Arg((b, m, k)), Arg((b, k, n))]
        batch = shape(draw, 1, 2, 1, 3)
        left = tuple(1 if draw(0, 2) == 0 else d for d in batch)
        right = tuple(1 if draw(0, 2) == 0 else d for d in batch)[draw(0, len(batch)) :]
        if kind == "1xN":
            return [Arg((k,)), Arg(right + (k, n))]
        if kind == "Nx1":
            return [Arg(left + (m, k)), Arg((k,))]
        return [Arg(left + (m, k)), Arg(right + (k, n))]

    return args


def indexed(dims_fn, index_kind):
    """A float input plus indices/mask built from its shape (gather, scatter_add, x[mask], x[idx])."""

    def args(draw):
        (x,) = dims_fn(draw)
        s = x.shape
        if index_kind == "mask":
            return [x, Arg(s, "b")]
        if index_kind == "mask_bcast":  # a mask broadcast along the leading dims
            return [x, Arg(s[draw(0, len(s)) :], "b")]
        if index_kind == "rows":  # indices into dim 0, repeats likely
            return [x, Arg((draw(1, 6),), "i", s[0])]
        if index_kind == "rows2d":
            return [x, Arg((draw(1, 3), draw(1, 3)), "i", s[0])]
        if index_kind == "cols":  # indices into dim 1
            return [x, Arg((draw(1, 5),), "i", s[1])]
        # gather / scatter_add along the last dim: index no larger than x in the other dims
        idx = tuple(draw(1, d) for d in s[:-1]) + (draw(1, 5),)
        if index_kind == "gather":
            return [x, Arg(idx, "i", s[-1])]
        return [x, Arg(idx, "i", s[-1]), Arg(idx)]  # scatter_add: x, index, src

    return args


def listed(n, args_fn):
    """``n`` float inputs of the same shape (cat, stack)."""
    return lambda draw: args_fn(draw) * n


def cat_shapes(draw):
    s = shape(draw, 1, 3)
    return [Arg(s), Arg(s[:-1] + (draw(1, 3),)), Arg(s[:-1] + (draw(1, 3),))]


# ------------------------------------------------------------------ numpy helpers
def np_gather(x, idx):
    corner = tuple(slice(0, n) for n in idx.shape[:-1])
    return np.take_along_axis(x[corner], idx, axis=-1)


def np_scatter_add(x, idx, src):
    out = x.copy()
    coords = list(np.indices(idx.shape, sparse=True))
    coords[-1] = idx
    np.add.at(out, tuple(coords), src)
    return out


def np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_logsumexp(x, axis, keepdims=False):
    m = x.max(axis=axis, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else out.squeeze(axis)


def np_split(x, size, axis=0):
    n = x.shape[axis]
    return tuple(np.split(x, list(range(size, n, size)), axis=axis))


def np_max_dim(x, axis, keepdims=False, is_max=True):
    idx = (np.argmax if is_max else np.argmin)(x, axis=axis, keepdims=True)
    vals = np.take_along_axis(x, idx, axis=axis)
    if not keepdims:
        vals, idx = vals.squeeze(axis), idx.squeeze(axis)
    return vals, idx


def _rev(n):
    return tuple(range(n - 1, -1, -1))


# ------------------------------------------------------------------ the table
U = one()  # one float input, 0-3 dims
U1 = one(1)  # at least 1 dim
U2 = one(2)  # at least 2 dims
B = broadcast()
S = 2.5  # the Python scalar used for scalar/reflected forms

OPS = [
    # --- arithmetic, broadcasting, and reflected forms
    OpSpec("add", lambda T, a, b: a + b, lambda a, b: a + b, B),
    OpSpec("add_alpha", lambda T, a, b: T.add(a, b, alpha=2), lambda a, b: a + 2 * b, B),
    OpSpec("sub", lambda T, a, b: a - b, lambda a, b: a - b, B),
    OpSpec("mul", lambda T, a, b: a * b, lambda a, b: a * b, B),
    OpSpec("div", lambda T, a, b: a / b, lambda a, b: a / b, B, "nonzero"),
    OpSpec("floordiv", lambda T, a, b: a // b, np.floor_divide, B, "nonzero", diff=False),
    OpSpec("mod", lambda T, a, b: a % b, np.remainder, B, "nonzero"),
    OpSpec("pow", lambda T, a, b: a**b, np.power, B, "positive"),
    OpSpec("pow_fn", lambda T, a, b: T.pow(a, b), np.power, B, "positive"),
    OpSpec("neg", lambda T, a: -a, np.negative, U),
    OpSpec("add_scalar", lambda T, a: a + S, lambda a: a + S, U),
    OpSpec("sub_scalar", lambda T, a: a - S, lambda a: a - S, U),
    OpSpec("mul_scalar", lambda T, a: a * S, lambda a: a * S, U),
    OpSpec("div_scalar", lambda T, a: a / S, lambda a: a / S, U),
    OpSpec("floordiv_scalar", lambda T, a: a // 0.7, lambda a: a // 0.7, U, diff=False),
    OpSpec("mod_scalar", lambda T, a: a % 0.7, lambda a: a % 0.7, U),
    OpSpec("pow_scalar", lambda T, a: a**3, lambda a: a**3, U),
    OpSpec("pow_half", lambda T, a: a**0.5, np.sqrt, U, "positive"),
    OpSpec("pow_neg", lambda T, a: a**-1.5, lambda a: a**-1.5, U, "positive"),
    OpSpec("radd", lambda T, a: S + a, lambda a: S + a, U),
    OpSpec("rsub", lambda T, a: S - a, lambda a: S - a, U),
    OpSpec("rmul", lambda T, a: S * a, lambda a: S * a, U),
    OpSpec("rdiv", lambda T, a: S / a, lambda a: S / a, U, "nonzero"),
    OpSpec("rfloordiv", lambda T, a: S // a, lambda a: S // a, U, "nonzero", diff=False),
    OpSpec("rmod", lambda T, a: S % a, lambda a: S % a, U, "nonzero"),
    OpSpec("rpow", lambda T, a: S**a, lambda a: S**a, U),
    # --- unary maths
    OpSpec("abs", lambda T, a: a.abs(), np.abs, U, "distinct"),
    OpSpec("abs_builtin", lambda T, a: abs(a), np.abs, U, "distinct"),
    OpSpec("exp", lambda T, a: T.exp(a), np.exp, U),
    OpSpec("log", lambda T, a: T.log(a), np.log, U, "positive"),
    OpSpec("log1p", lambda T, a: a.log1p(), np.log1p, U, "positive"),
    OpSpec("sqrt", lambda T, a: a.sqrt(), np.sqrt, U, "positive"),
    OpSpec("rsqrt", lambda T, a: T.rsqrt(a), lambda a: 1 / np.sqrt(a), U, "positive"),
    OpSpec("sin", lambda T, a: a.sin(), np.sin, U),
    OpSpec("cos", lambda T, a: T.cos(a), np.cos, U),
    OpSpec("tanh", lambda T, a: a.tanh(), np.tanh, U),
    OpSpec("sigmoid", lambda T, a: T.sigmoid(a), lambda a: 1 / (1 + np.exp(-a)), U),
    OpSpec("relu", lambda T, a: a.relu(), lambda a: np.maximum(a, 0), U, "distinct"),
    OpSpec(
        "clamp", lambda T, a: a.clamp(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), U, "distinct"
    ),
    OpSpec(
        "clamp_min", lambda T, a: T.clamp(a, min=-0.5), lambda a: np.maximum(a, -0.5), U, "distinct"
    ),
    OpSpec("clamp_max", lambda T, a: a.clamp(max=0.5), lambda a: np.minimum(a, 0.5), U, "distinct"),
    OpSpec(
        "clamp_tensor",
        lambda T, a, lo, hi: T.clamp(a, lo, hi),
        lambda a, lo, hi: np.minimum(np.maximum(a, lo), hi),
        same(3),
        "distinct",
    ),  # fmt: skip
    OpSpec("maximum", lambda T, a, b: T.maximum(a, b), np.maximum, B, "distinct"),
    OpSpec("minimum", lambda T, a, b: a.minimum(b), np.minimum, B, "distinct"),
    OpSpec("where", lambda T, c, a, b: T.where(c, a, b), np.where, with_mask(B)),
    OpSpec("where_method", lambda T, c, a, b: a.where(c, b), np.where, with_mask(B)),
    # --- matrix products
    OpSpec("matmul_1d_1d", lambda T, a, b: a @ b, np.matmul, matmul_shapes("1x1")),
    OpSpec("matmul_2d_1d", lambda T, a, b: a @ b, np.matmul, matmul_shapes("2x1")),
    OpSpec("matmul_1d_2d", lambda T, a, b: T.matmul(a, b), np.matmul, matmul_shapes("1x2")),
    OpSpec("matmul_2d_2d", lambda T, a, b: a @ b, np.matmul, matmul_shapes("2x2")),
    OpSpec("matmul_batched", lambda T, a, b: a @ b, np.matmul, matmul_shapes("batched")),
    OpSpec("matmul_1d_batched", lambda T, a, b: a @ b, np.matmul, matmul_shapes("1xN")),
    OpSpec("matmul_batched_1d", lambda T, a, b: a.matmul(b), np.matmul, matmul_shapes("Nx1")),
    OpSpec("mm", lambda T, a, b: T.mm(a, b), np.matmul, matmul_shapes("2x2")),
    OpSpec("bmm", lambda T, a, b: a.bmm(b), np.matmul, matmul_shapes("bmm")),
    OpSpec("dot", lambda T, a, b: T.dot(a, b), np.dot, matmul_shapes("1x1")),
    # --- reductions
    OpSpec("sum", lambda T, a: a.sum(), np.sum, U),
    OpSpec("sum_dim", lambda T, a: a.sum(-1), lambda a: a.sum(-1), U1),
    OpSpec(
        "sum_keepdim",
        lambda T, a: T.sum(a, dim=0, keepdim=True),
        lambda a: a.sum(0, keepdims=True),
        U1,
    ),  # fmt: skip
    OpSpec("sum_dims", lambda T, a: a.sum((0, -1)), lambda a: a.sum((0, -1)), U2),
    OpSpec("mean", lambda T, a: a.mean(), np.mean, U),
    OpSpec("mean_dim", lambda T, a: T.mean(a, -1), lambda a: a.mean(-1), U1),
    OpSpec(
        "mean_keepdim",
        lambda T, a: a.mean(dim=(0, 1), keepdim=True),
        lambda a: a.mean((0, 1), keepdims=True),
        U2,
    ),  # fmt: skip
    OpSpec("prod", lambda T, a: a.prod(), np.prod, U),
    OpSpec("prod_dim", lambda T, a: T.prod(a, -1), lambda a: a.prod(-1), U1),
    OpSpec(
        "prod_keepdim", lambda T, a: a.prod(0, keepdim=True), lambda a: a.prod(0, keepdims=True), U1
    ),  # fmt: skip
    OpSpec("var", lambda T, a: a.var(), lambda a: a.var(ddof=1), one(1, 3, 2)),
    OpSpec("var_dim", lambda T, a: T.var(a, 0), lambda a: a.var(0, ddof=1), one(1, 3, 2)),
    OpSpec("var_biased", lambda T, a: a.var(-1, unbiased=False), lambda a: a.var(-1), one(1, 3, 2)),
    OpSpec(
        "var_correction",
        lambda T, a: a.var(dim=-1, correction=0, keepdim=True),
        lambda a: a.var(-1, keepdims=True),
        one(1, 3, 2),
    ),  # fmt: skip
    OpSpec("std", lambda T, a: a.std(), lambda a: a.std(ddof=1), one(1, 3, 2)),
    OpSpec(
        "std_dim",
        lambda T, a: T.std(a, -1, keepdim=True),
        lambda a: a.std(-1, ddof=1, keepdims=True),
        one(1, 3, 2),
    ),  # fmt: skip
    OpSpec("std_biased", lambda T, a: a.std(0, unbiased=False), lambda a: a.std(0), one(1, 3, 2)),
    OpSpec(
        "std_correction",
        lambda T, a: a.std(dim=(0, 1), correction=2),
        lambda a: a.std((0, 1), ddof=2),
        one(2, 3, 2),
    ),  # fmt: skip
    OpSpec("max", lambda T, a: a.max(), np.max, U, "distinct"),
    OpSpec("min", lambda T, a: T.min(a), np.min, U, "distinct"),
    OpSpec("max_dim", lambda T, a: tuple(a.max(-1)), lambda a: np_max_dim(a, -1), U1, "distinct"),
    OpSpec(
        "min_dim",
        lambda T, a: tuple(T.min(a, 0, keepdim=True)),
        lambda a: np_max_dim(a, 0, True, False),
        U1,
        "distinct",
    ),  # fmt: skip
    OpSpec("max_values", lambda T, a: a.max(dim=0).values, lambda a: a.max(0), U1, "distinct"),
    OpSpec("argmax", lambda T, a: a.argmax(), np.argmax, U, "distinct", diff=False),
    OpSpec(
        "argmax_dim",
        lambda T, a: T.argmax(a, -1),
        lambda a: a.argmax(-1),
        U1,
        "distinct",
        diff=False,
    ),  # fmt: skip
    OpSpec(
        "argmin_dim",
        lambda T, a: a.argmin(0, keepdim=True),
        lambda a: a.argmin(0, keepdims=True),
        U1,
        "distinct",
        diff=False,
    ),  # fmt: skip
    OpSpec("logsumexp", lambda T, a: T.logsumexp(a, -1), lambda a: np_logsumexp(a, -1), U1),
    OpSpec(
        "logsumexp_keepdim",
        lambda T, a: a.logsumexp(0, keepdim=True),
        lambda a: np_logsumexp(a, 0, True),
        U1,
    ),  # fmt: skip
    OpSpec("softmax", lambda T, a: a.softmax(-1), lambda a: np_softmax(a, -1), U1),
    OpSpec("softmax_dim0", lambda T, a: T.softmax(a, dim=0), lambda a: np_softmax(a, 0), U1),
    OpSpec(
        "log_softmax", lambda T, a: T.log_softmax(a, -1), lambda a: np.log(np_softmax(a, -1)), U1
    ),  # fmt: skip
    OpSpec("cumsum", lambda T, a: a.cumsum(-1), lambda a: a.cumsum(-1), U1),
    OpSpec("cumsum_dim0", lambda T, a: T.cumsum(a, dim=0), lambda a: a.cumsum(0), U1),
    OpSpec("norm", lambda T, a: a.norm(), lambda a: np.sqrt((a * a).sum()), U),
    OpSpec(
        "norm_dim",
        lambda T, a: T.norm(a, dim=-1, keepdim=True),
        lambda a: np.sqrt((a * a).sum(-1, keepdims=True)),
        U1,
    ),  # fmt: skip
    OpSpec("norm_p1", lambda T, a: a.norm(p=1), lambda a: np.abs(a).sum(), U, "distinct"),
    OpSpec(
        "norm_p3",
        lambda T, a: a.norm(3, dim=0),
        lambda a: (np.abs(a) ** 3).sum(0) ** (1 / 3),
        U1,
        "distinct",
    ),  # fmt: skip
    # --- comparisons (bool results, never differentiable); small ints so equality happens
    OpSpec("eq", lambda T, a, b: a == b, np.equal, B, "ints", diff=False),
    OpSpec("ne", lambda T, a, b: a != b, np.not_equal, B, "ints", diff=False),
    OpSpec("lt", lambda T, a, b: a < b, np.less, B, "ints", diff=False),
    OpSpec("le", lambda T, a, b: T.le(a, b), np.less_equal, B, "ints", diff=False),
    OpSpec("gt", lambda T, a, b: a > b, np.greater, B, "ints", diff=False),
    OpSpec("ge", lambda T, a, b: a.ge(b), np.greater_equal, B, "ints", diff=False),
    OpSpec("gt_scalar", lambda T, a: a > 0, lambda a: a > 0, U, "ints", diff=False),
    OpSpec("eq_scalar", lambda T, a: a == 1, lambda a: a == 1, U, "ints", diff=False),
    # --- shapes
    OpSpec("reshape", lambda T, a: a.reshape(-1), lambda a: a.reshape(-1), U),
    OpSpec(
        "reshape_rows",
        lambda T, a: a.reshape(a.shape[0], -1),
        lambda a: a.reshape(a.shape[0], -1),
        U1,
    ),  # fmt: skip
    OpSpec("reshape_fn", lambda T, a: T.reshape(a, (-1, 1)), lambda a: a.reshape(-1, 1), U),
    OpSpec("view", lambda T, a: a.view(-1), lambda a: a.reshape(-1), U, view_only=True),
    OpSpec(
        "view_rows",
        lambda T, a: a.view(a.shape[0], -1),
        lambda a: a.reshape(a.shape[0], -1),
        U1,
        view_only=True,
    ),  # fmt: skip
    OpSpec("flatten", lambda T, a: a.flatten(), lambda a: a.reshape(-1), U),
    OpSpec("flatten_from1", lambda T, a: T.flatten(a, 1), lambda a: a.reshape(a.shape[0], -1), U2),
    OpSpec(
        "unflatten",
        lambda T, a: a.unflatten(-1, (1, -1)),
        lambda a: a.reshape(a.shape[:-1] + (1, -1)),
        U1,
    ),  # fmt: skip
    OpSpec("squeeze", lambda T, a: a.squeeze(), np.squeeze, one(0, 4, 1, 2)),
    OpSpec(
        "squeeze_dim",
        lambda T, a: T.squeeze(a, 0),
        lambda a: a.squeeze(0) if a.shape[0] == 1 else a,
        one(1, 3, 1, 2),
    ),  # fmt: skip
    OpSpec("unsqueeze", lambda T, a: a.unsqueeze(0), lambda a: a[None], U),
    OpSpec("unsqueeze_last", lambda T, a: T.unsqueeze(a, -1), lambda a: a[..., None], U),
    OpSpec("permute", lambda T, a: a.permute(*_rev(a.ndim)), lambda a: a.transpose(), U1),
    OpSpec(
        "permute_fn",
        lambda T, a: T.permute(a, (1, 0, 2)),
        lambda a: a.transpose(1, 0, 2),
        one(3, 3),
    ),  # fmt: skip
    OpSpec("transpose", lambda T, a: a.transpose(0, -1), lambda a: np.swapaxes(a, 0, -1), U1),
    OpSpec("t", lambda T, a: a.t(), lambda a: a.T, one(0, 2)),
    OpSpec("T", lambda T, a: a.T, lambda a: a.T, one(0, 2)),
    OpSpec(
        "expand",
        lambda T, a: a.expand(2, *a.shape),
        lambda a: np.broadcast_to(a, (2,) + a.shape),
        U,
    ),  # fmt: skip
    OpSpec(
        "expand_ones",
        lambda T, a: a.reshape(-1, 1).expand(-1, 3),
        lambda a: np.broadcast_to(a.reshape(-1, 1), (a.size, 3)),
        U,
    ),  # fmt: skip
    OpSpec(
        "expand_as",
        lambda T, a, b: a.expand_as(b),
        lambda a, b: np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape)),
        lambda d: [Arg((3, 1)), Arg((2, 3, 4))],
    ),  # fmt: skip
    OpSpec(
        "repeat",
        lambda T, a: a.repeat(2, *([1] * a.ndim)),
        lambda a: np.tile(a, (2,) + (1,) * a.ndim),
        U,
    ),  # fmt: skip
    OpSpec(
        "repeat_inner",
        lambda T, a: a.repeat(*([2] * a.ndim)),
        lambda a: np.tile(a, (2,) * a.ndim),
        U1,
    ),  # fmt: skip
    OpSpec(
        "cat",
        lambda T, a, b, c: T.cat([a, b, c], -1),
        lambda a, b, c: np.concatenate([a, b, c], -1),
        cat_shapes,
    ),  # fmt: skip
    OpSpec(
        "cat_dim0",
        lambda T, a, b: T.cat((a, b)),
        lambda a, b: np.concatenate([a, b]),
        listed(2, U1),
    ),  # fmt: skip
    OpSpec("stack", lambda T, a, b: T.stack([a, b]), lambda a, b: np.stack([a, b]), listed(2, U)),
    OpSpec(
        "stack_last",
        lambda T, a, b, c: T.stack([a, b, c], dim=-1),
        lambda a, b, c: np.stack([a, b, c], -1),
        listed(3, U),
    ),  # fmt: skip
    OpSpec("split", lambda T, a: a.split(2), lambda a: np_split(a, 2), U1),
    OpSpec(
        "split_sizes",
        lambda T, a: T.split(a, [1, a.shape[-1] - 1], -1),
        lambda a: tuple(np.split(a, [1], -1)),
        one(1, 3, 2),
    ),  # fmt: skip
    OpSpec(
        "chunk", lambda T, a: a.chunk(2, -1), lambda a: np_split(a, -(-a.shape[-1] // 2), -1), U1
    ),  # fmt: skip
    OpSpec("flip", lambda T, a: a.flip(0), lambda a: np.flip(a, 0), U1),
    OpSpec("flip_dims", lambda T, a: T.flip(a, (0, -1)), lambda a: np.flip(a, (0, -1)), U2),
    OpSpec("gather", lambda T, a, i: a.gather(-1, i), np_gather, indexed(U1, "gather")),
    OpSpec(
        "scatter_add",
        lambda T, a, i, s: a.scatter_add(-1, i, s),
        np_scatter_add,
        indexed(U1, "scatter"),
    ),  # fmt: skip
    OpSpec(
        "masked_fill",
        lambda T, a, m: a.masked_fill(m, -1.5),
        lambda a, m: np.where(m, -1.5, a),
        indexed(U, "mask"),
    ),  # fmt: skip
    OpSpec(
        "masked_fill_bcast",
        lambda T, a, m: T.masked_fill(a, m, 0.0),
        lambda a, m: np.where(m, 0.0, a).astype(a.dtype),
        indexed(U, "mask_bcast"),
    ),  # fmt: skip
    # --- indexing
    OpSpec("index_int", lambda T, a: a[1], lambda a: a[1], one(1, 3, 2)),
    OpSpec("index_neg", lambda T, a: a[-1], lambda a: a[-1], U1),
    OpSpec("index_slices", lambda T, a: a[:, 1:3], lambda a: a[:, 1:3], U2),
    OpSpec("index_none_ellipsis", lambda T, a: a[None, ..., ::2], lambda a: a[None, ..., ::2], U1),
    OpSpec("index_ellipsis_int", lambda T, a: a[..., 0], lambda a: a[..., 0], U1),
    OpSpec("index_step", lambda T, a: a[1::2], lambda a: a[1::2], U1),
    OpSpec("index_mask", lambda T, a, m: a[m], lambda a, m: a[m], indexed(U, "mask")),
    OpSpec("index_tensor", lambda T, a, i: a[i], lambda a, i: a[i], indexed(U1, "rows")),
    OpSpec("index_tensor_2d", lambda T, a, i: a[i], lambda a, i: a[i], indexed(U1, "rows2d")),
    OpSpec("index_cols", lambda T, a, i: a[:, i], lambda a, i: a[:, i], indexed(U2, "cols")),
    OpSpec("index_list", lambda T, a: a[[0, 0, -1]], lambda a: a[[0, 0, -1]], U1),
]

BY_NAME = {op.name: op for op in OPS}
assert len(BY_NAME) == len(OPS), "op names must be unique"


# ------------------------------------------------------------------ inputs
def make_arrays(spec: OpSpec, args: list, rng: np.random.Generator, dtype=np.float32) -> list:
    """numpy inputs for ``spec``: float args from its domain, masks and indices as their kind says."""
    floats = [a for a in args if a.kind == "f"]
    values = iter(_domain_values(spec.domain, [a.shape for a in floats], rng))
    out = []
    for a in args:
        if a.kind == "f":
            out.append(next(values).astype(dtype))
        elif a.kind == "b":
            out.append(rng.random(a.shape) < 0.5)
        else:
            out.append(rng.integers(0, a.high, a.shape).astype(np.int64))
    return out


def _domain_values(domain, shapes, rng):
    sizes = [int(np.prod(s)) for s in shapes]
    if domain == "distinct":
        # one permutation across all inputs: no ties within or between them, and every value
        # sits at least 0.075 from 0 and from the clamp bounds ±0.5 used in the table
        n = sum(sizes)
        flat = (rng.permutation(n) - n // 2 + 0.25) * 0.3
        parts = np.split(flat, np.cumsum(sizes)[:-1])
        return [p.reshape(s) for p, s in zip(parts, shapes)]
    out = []
    for s in shapes:
        if domain == "positive":
            out.append(rng.uniform(0.5, 2.0, s))
        elif domain == "nonzero":
            out.append(rng.uniform(0.5, 2.0, s) * rng.choice([-1.0, 1.0], s))
        elif domain == "ints":
            out.append(rng.integers(-2, 3, s).astype(np.float64))
        else:
            out.append(rng.standard_normal(s))
    return out


def rng_draw(rng: np.random.Generator) -> Draw:
    return lambda lo, hi: int(rng.integers(lo, hi + 1))


def flat_outputs(out) -> list:
    """An op's result as a list (ops such as split and max(dim) return several tensors)."""
    return list(out) if isinstance(out, (tuple, list)) else [out]


LAYOUTS = ("contiguous", "permuted", "sliced")


def make_tensor(T, arr: np.ndarray, layout="contiguous", requires_grad=False):
    """A tensor of module ``T`` equal to ``arr``, laid out in memory as ``layout`` says:
    ``permuted`` is a transposed view of a contiguous tensor, ``sliced`` takes every other
    element of a tensor twice as long in its last dim. Returns (tensor, leaf it views)."""
    if layout == "permuted" and arr.ndim >= 2:
        base = np.ascontiguousarray(arr.transpose(_rev(arr.ndim)))
    elif layout == "sliced" and arr.ndim >= 1:
        base = np.zeros(arr.shape[:-1] + (2 * arr.shape[-1],), dtype=arr.dtype)
        base[..., ::2] = arr
    else:
        base, layout = arr, "contiguous"
    leaf = T.tensor(base, requires_grad=requires_grad)
    return relayout(leaf, layout), leaf


def relayout(base, layout):
    """The view of ``base`` that ``make_tensor`` hands out for ``layout``."""
    if layout == "permuted" and base.ndim >= 2:
        return base.permute(*_rev(base.ndim))
    if layout == "sliced" and base.ndim >= 1:
        return base[..., ::2]
    return base
