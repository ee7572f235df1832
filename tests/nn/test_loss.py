"""Losses: every loss, functional and Module form, for every option.

One table of cases drives three checks: a float64 gradcheck, and (where torch is installed) the
same inputs through torch and edutorch in float32, comparing values and gradients. On top of
that: numpy references of the formulas, errors and warnings in torch's words, stability with
huge logits, double backward, and the Module classes (options, buffers, repr).
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import pytest

import edutorch
import edutorch.nn as nn
import edutorch.nn.functional as F
from edutorch.autograd import gradcheck, gradgradcheck

R3 = ("none", "mean", "sum")


# ---------------------------------------------------------------- the table of cases
class Case(NamedTuple):
    id: str
    data: dict  # name -> (kind, shape, ...): how to draw that argument
    call: object  # call(F, t) with t the dict of tensors
    grads: tuple  # the arguments that require grad


CASES: list[Case] = []


def _case(id, data, call, grads=("input",)):
    CASES.append(Case(id, data, call, grads))


def _draw(data, rng, dtype=np.float64):
    """numpy arrays for a case: float kinds in ``dtype``, class indices as int64."""
    out = {}
    for name, (kind, shape, *extra) in data.items():
        if kind == "normal":
            a = rng.standard_normal(shape) * (extra[0] if extra else 1.0)
        elif kind == "prob":  # strictly inside (0, 1): BCE's log stays smooth
            a = rng.uniform(0.05, 0.95, shape)
        elif kind == "positive":
            a = rng.uniform(0.5, 2.0, shape)
        elif kind in ("simplex", "logsimplex"):  # sums to 1 along the class axis
            e = rng.uniform(0.1, 1.0, shape)
            a = e / e.sum(axis=extra[0], keepdims=True)
            a = np.log(a) if kind == "logsimplex" else a
        elif kind == "class":  # class indices < C; every third one set to ``ignore`` if given
            n_classes, ignore = extra
            a = rng.integers(0, n_classes, shape)
            if ignore is not None:
                a.reshape(-1)[::3] = ignore
            out[name] = a.astype(np.int64)
            continue
        out[name] = a.astype(dtype)
    return out


def _tensors(T, arrays, grads):
    return {
        k: T.tensor(v, requires_grad=k in grads and v.dtype.kind == "f") for k, v in arrays.items()
    }


# regression
for r in R3:
    same = {"input": ("normal", (3, 4)), "target": ("normal", (3, 4))}
    both = ("input", "target")
    _case(
        f"mse-{r}", same, lambda F, t, r=r: F.mse_loss(t["input"], t["target"], reduction=r), both
    )
    _case(
        f"mse-broadcast-{r}", {"input": ("normal", (3, 4)), "target": ("normal", (4,))},
        lambda F, t, r=r: F.mse_loss(t["input"], t["target"], reduction=r), both,
    )  # fmt: skip
    _case(
        f"mse-weight-{r}", {**same, "weight": ("positive", (3, 4))},
        lambda F, t, r=r: F.mse_loss(t["input"], t["target"], reduction=r, weight=t["weight"]),
        both,
    )  # fmt: skip
    _case(f"l1-{r}", same, lambda F, t, r=r: F.l1_loss(t["input"], t["target"], reduction=r), both)
    _case(
        f"l1-weight-{r}", {**same, "weight": ("positive", (3, 4))},
        lambda F, t, r=r: F.l1_loss(t["input"], t["target"], reduction=r, weight=t["weight"]),
        both,
    )  # fmt: skip
    for beta in (1.0, 0.3, 0.0):
        _case(
            f"smooth_l1-beta{beta}-{r}", same,
            lambda F, t, r=r, b=beta: F.smooth_l1_loss(
                t["input"], t["target"], reduction=r, beta=b
            ),
            both,
        )  # fmt: skip
    for delta in (1.0, 0.4):
        _case(
            f"huber-delta{delta}-{r}", same,
            lambda F, t, r=r, d=delta: F.huber_loss(t["input"], t["target"], reduction=r, delta=d),
            both,
        )  # fmt: skip
    _case(
        f"huber-weight-{r}", {**same, "weight": ("positive", (3, 4))},
        lambda F, t, r=r: F.huber_loss(t["input"], t["target"], r, 0.5, weight=t["weight"]),
        both,
    )  # fmt: skip

# KL divergence: input log-probabilities, target probabilities (or log-probabilities)
for r in (*R3, "batchmean"):
    for log_target in (False, True):
        _case(
            f"kl_div-{r}-log_target{log_target}",
            {
                "input": ("logsimplex", (3, 4), 1),
                "target": ("logsimplex" if log_target else "simplex", (3, 4), 1),
            },
            lambda F, t, r=r, lt=log_target: F.kl_div(
                t["input"], t["target"], reduction=r, log_target=lt
            ),
            ("input", "target"),
        )

# binary cross-entropy, on probabilities and on logits
for r in R3:
    for wshape in (None, (4,), (3, 4)):
        data = {"input": ("prob", (3, 4)), "target": ("prob", (3, 4))}
        if wshape:
            data["weight"] = ("positive", wshape)
        _case(
            f"bce-weight{wshape}-{r}", data,
            lambda F, t, r=r: F.binary_cross_entropy(
                t["input"], t["target"], t.get("weight"), reduction=r
            ),
            ("input", "target"),
        )  # fmt: skip
    for wshape in (None, (3, 4)):
        for pos in (False, True):
            data = {"input": ("normal", (3, 4), 3.0), "target": ("prob", (3, 4))}
            if wshape:
                data["weight"] = ("positive", wshape)
            if pos:
                data["pos_weight"] = ("positive", (4,))
            _case(
                f"bce_logits-weight{wshape}-pos_weight{pos}-{r}", data,
                lambda F, t, r=r: F.binary_cross_entropy_with_logits(
                    t["input"], t["target"], t.get("weight"), reduction=r,
                    pos_weight=t.get("pos_weight"),
                ),
                ("input", "target"),
            )  # fmt: skip

# class-index losses: input shape, target shape; (C,) is one unbatched sample
SHAPES = {"2d": ((5, 4), (5,)), "3d": ((2, 3, 4), (2, 4)), "4d": ((2, 3, 2, 2), (2, 2, 2))}
UNBATCHED = {"1d": ((4,), ())}
for r in R3:
    for sname, (ishape, tshape) in {**SHAPES, **UNBATCHED}.items():
        C = ishape[0] if len(ishape) == 1 else ishape[1]
        ignores = (None,) if sname == "1d" else (None, -100, 1)
        for weighted in (False, True):
            for ignore in ignores:
                target = ("class", tshape, C, -100 if ignore == -100 else None)
                data = {"input": ("logsimplex", ishape, 0 if len(ishape) == 1 else 1)}
                data["target"] = target
                if weighted:
                    data["weight"] = ("positive", (C,))
                kw = {} if ignore is None else {"ignore_index": ignore}
                _case(
                    f"nll-{sname}-weight{weighted}-ignore{ignore}-{r}", data,
                    lambda F, t, r=r, kw=kw: F.nll_loss(
                        t["input"], t["target"], t.get("weight"), reduction=r, **kw
                    ),
                )  # fmt: skip
                for ls in (0.0, 0.2):
                    data = {**data, "input": ("normal", ishape, 2.0)}
                    _case(
                        f"ce-{sname}-weight{weighted}-ignore{ignore}-ls{ls}-{r}", data,
                        lambda F, t, r=r, kw=kw, ls=ls: F.cross_entropy(
                            t["input"], t["target"], t.get("weight"), reduction=r,
                            label_smoothing=ls, **kw,
                        ),
                    )  # fmt: skip
    # class probabilities as targets: target has the input's shape
    for sname, (ishape, _) in {"2d": SHAPES["2d"], "3d": SHAPES["3d"], **UNBATCHED}.items():
        ax = 0 if len(ishape) == 1 else 1
        for weighted in (False, True):
            for ls in (0.0, 0.2):
                data = {"input": ("normal", ishape, 2.0), "target": ("simplex", ishape, ax)}
                if weighted:
                    data["weight"] = ("positive", (ishape[ax],))
                _case(
                    f"ce_probs-{sname}-weight{weighted}-ls{ls}-{r}", data,
                    lambda F, t, r=r, ls=ls: F.cross_entropy(
                        t["input"], t["target"], t.get("weight"), reduction=r, label_smoothing=ls
                    ),
                    ("input", "target", "weight") if weighted else ("input", "target"),
                )  # fmt: skip

IDS = [c.id for c in CASES]


# ---------------------------------------------------------------- gradcheck (float64)
@pytest.mark.filterwarnings("ignore:Using a target size", "ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradcheck(case):
    t = _tensors(edutorch, _draw(case.data, np.random.default_rng(0)), case.grads)
    names = [k for k in t if t[k].requires_grad]

    def fn(*xs):
        return case.call(F, {**t, **dict(zip(names, xs))})

    assert gradcheck(fn, tuple(t[k] for k in names), eps=1e-6, atol=1e-6, rtol=1e-4)


# ---------------------------------------------------------------- torch parity (float32)
def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _through(T, Fmod, case, arrays, upstream):
    t = _tensors(T, arrays, case.grads)
    out = case.call(Fmod, t)
    out.backward(T.tensor(upstream))
    return out, {k: v.grad for k, v in t.items() if v.requires_grad}


@pytest.mark.filterwarnings("ignore:Using a target size", "ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_torch_parity(case):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    arrays = _draw(case.data, rng, np.float32)
    out = case.call(F, _tensors(edutorch, arrays, ()))
    upstream = rng.standard_normal(tuple(out.shape)).astype(np.float32)
    ours, our_grads = _through(edutorch, F, case, arrays, upstream)
    theirs, their_grads = _through(torch, torch.nn.functional, case, arrays, upstream)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=2e-5, atol=1e-6)
    assert our_grads.keys() == their_grads.keys()
    for k in our_grads:
        np.testing.assert_allclose(
            _np(our_grads[k]), _np(their_grads[k]), rtol=2e-5, atol=1e-6, err_msg=k
        )


# ---------------------------------------------------------------- numpy references of the formulas
def _t(a):
    return edutorch.tensor(np.asarray(a))


def _reduce(loss, reduction):
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def _log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("reduction", R3)
def test_regression_losses_match_numpy(reduction):
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((2, 4, 5))
    d, a = x - y, np.abs(x - y)
    expected = {
        "mse": d * d,
        "l1": a,
        "smooth_l1": np.where(a < 0.5, 0.5 * d * d / 0.5, a - 0.25),
        "huber": np.where(a < 0.5, 0.5 * d * d, 0.5 * (a - 0.25)),
    }
    got = {
        "mse": F.mse_loss(_t(x), _t(y), reduction=reduction),
        "l1": F.l1_loss(_t(x), _t(y), reduction=reduction),
        "smooth_l1": F.smooth_l1_loss(_t(x), _t(y), reduction=reduction, beta=0.5),
        "huber": F.huber_loss(_t(x), _t(y), reduction=reduction, delta=0.5),
    }
    for name, ref in expected.items():
        np.testing.assert_allclose(got[name].numpy(), _reduce(ref, reduction), err_msg=name)


def _ce_reference(x, t, w, ignore, ls):
    """Cross-entropy by hand, one position at a time, as torch documents it."""
    n_classes = x.shape[1]
    rows = np.moveaxis(x, 1, -1).reshape(-1, n_classes)  # (N, C, d...) -> (positions, C)
    losses, weights = [], []
    for row, c in zip(rows, t.reshape(-1)):
        if c == ignore:
            losses.append(0.0)
            continue
        logp = row - np.log(np.exp(row).sum())
        losses.append((1 - ls) * w[c] * -logp[c] + ls / n_classes * (w * -logp).sum())
        weights.append(w[c])
    losses = np.array(losses).reshape(t.shape)
    return losses, losses.sum(), losses.sum() / np.sum(weights)


@pytest.mark.parametrize("shape", [(6, 4), (2, 4, 3), (2, 4, 2, 3)])
@pytest.mark.parametrize("ls", [0.0, 0.3])
def test_cross_entropy_matches_numpy(shape, ls):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    t = rng.integers(0, shape[1], (shape[0], *shape[2:]))
    t.reshape(-1)[::4] = -100
    w = rng.uniform(0.5, 2, shape[1])
    none, total, mean = _ce_reference(x, t, w, -100, ls)
    for reduction, ref in (("none", none), ("sum", total), ("mean", mean)):
        got = F.cross_entropy(_t(x), _t(t), _t(w), reduction=reduction, label_smoothing=ls)
        np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12)
    # nll_loss on log-probabilities is the same thing without smoothing
    if ls == 0:
        got = F.nll_loss(_t(_log_softmax(x, 1)), _t(t), _t(w))
        np.testing.assert_allclose(got.numpy(), mean, rtol=1e-12)


def test_cross_entropy_probabilities_match_numpy():
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((2, 5, 4, 3))
    y = np.exp(y) / np.exp(y).sum(1, keepdims=True)
    w = rng.uniform(0.5, 2, 4)
    ys = y * 0.9 + 0.1 / 4  # label smoothing 0.1
    per_position = -(ys * w[None, :, None] * _log_softmax(x, 1)).sum(1)
    got = F.cross_entropy(_t(x), _t(y), _t(w), reduction="none", label_smoothing=0.1)
    np.testing.assert_allclose(got.numpy(), per_position, rtol=1e-12)
    got = F.cross_entropy(_t(x), _t(y), _t(w), label_smoothing=0.1)  # mean over the 5 * 3 positions
    np.testing.assert_allclose(got.numpy(), per_position.mean(), rtol=1e-12)


def test_binary_cross_entropy_matches_numpy():
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0.05, 0.95, (2, 3, 4))
    w = rng.uniform(0.5, 2, 4)
    ref = -w * (y * np.log(x) + (1 - y) * np.log(1 - x))
    got = F.binary_cross_entropy(_t(x), _t(y), _t(w), reduction="none")
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12)
    # certain but wrong predictions: each log is clamped to -100, so the loss is 100, not inf
    got = F.binary_cross_entropy(_t([0.0, 1.0]), _t([1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(got.numpy(), [100.0, 100.0])


def test_binary_cross_entropy_with_logits_matches_numpy():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 4)) * 3
    y = rng.uniform(0, 1, (3, 4))
    w, pw = rng.uniform(0.5, 2, (2, 4))
    s = 1 / (1 + np.exp(-x))
    ref = -w * (pw * y * np.log(s) + (1 - y) * np.log(1 - s))
    got = F.binary_cross_entropy_with_logits(
        _t(x), _t(y), _t(w), reduction="none", pos_weight=_t(pw)
    )
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-10)


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_numpy(log_target):
    rng = np.random.default_rng(7)
    x = _log_softmax(rng.standard_normal((3, 4)), 1)
    y = np.exp(_log_softmax(rng.standard_normal((3, 4)), 1))
    if not log_target:
        y[0, 0] = 0.0  # 0 log 0 counts as 0 (torch's xlogy)
    ref = np.where(y > 0, y * (np.log(np.where(y > 0, y, 1)) - x), 0.0)
    target = _t(np.log(y) if log_target else y)
    got = F.kl_div(_t(x), target, reduction="none", log_target=log_target)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12, atol=1e-15)
    got = F.kl_div(_t(x), target, reduction="batchmean", log_target=log_target)
    np.testing.assert_allclose(got.numpy(), ref.sum() / 3, rtol=1e-12)


# ---------------------------------------------------------------- errors, warnings: torch's words
def _long(T, *shape, fill=0):
    return T.full(shape, fill, dtype=T.int64)


ERRORS = [
    (lambda T, F: F.cross_entropy(T.zeros(3, 5), T.tensor([0, 5, 1])),
     IndexError, "Target 5 is out of bounds."),
    (lambda T, F: F.nll_loss(T.zeros(3, 5), T.tensor([0, -3, 1])),
     IndexError, "Target -3 is out of bounds."),
    (lambda T, F: F.cross_entropy(T.zeros(2, 3, 4), _long(T, 2, 4, fill=3)),
     IndexError, "Target 3 is out of bounds."),
    (lambda T, F: F.cross_entropy(T.zeros(3, 5), T.tensor([0.0, 1.0, 1.0])),
     RuntimeError, "expected target dtype to be Long or Byte, but got Float"),
    (lambda T, F: F.nll_loss(T.zeros(3, 5), T.tensor([0, 1, 1], dtype=T.int32)),
     RuntimeError, "expected target dtype to be Long or Byte, but got Int"),
    (lambda T, F: F.cross_entropy(T.zeros(3, 5), T.tensor([0, 1, 1, 2])),
     ValueError, "Expected input batch_size (3) to match target batch_size (4)."),
    (lambda T, F: F.cross_entropy(T.zeros(2, 3, 4), _long(T, 2, 5)),
     RuntimeError, "Expected target size [2, 4], got [2, 5]"),
    (lambda T, F: F.nll_loss(T.zeros(2, 3, 4, 4), _long(T, 2, 4, 5)),
     RuntimeError, "size mismatch (got input: [2, 3, 4, 4] , target: [2, 4, 5]"),
    (lambda T, F: F.nll_loss(T.zeros(2, 3, 4, 4), _long(T, 2, 4, 4, 1)),
     RuntimeError,
     "only batches of spatial targets supported (3D tensors) but got targets of dimension: 4"),
    (lambda T, F: F.nll_loss(T.zeros(3, 4), _long(T, 3, 2)),
     RuntimeError, "0D or 1D target tensor expected, multi-target not supported"),
    (lambda T, F: F.nll_loss(T.tensor(1.0), T.tensor(0)),
     ValueError, "Expected 1 or more dimensions (got 0)"),
    (lambda T, F: F.nll_loss(T.zeros(3), _long(T, 2)),
     ValueError, "For 1D input, 1D target must have size 1, but got target size: 2"),
    (lambda T, F: F.cross_entropy(T.zeros(3, 5), T.tensor([0, 1, 1]), weight=T.ones(4)),
     RuntimeError, "weight tensor should be defined either for all 5 classes or no classes but "
     "got weight tensor of shape: [4]"),
    (lambda T, F: F.cross_entropy(T.zeros(2, 3), T.zeros(2, 3), weight=T.ones(4)),
     RuntimeError, "cross_entropy: weight tensor should be defined either for all 3 classes or no "
     "classes but got weight tensor of shape: [4]"),
    (lambda T, F: F.cross_entropy(T.zeros(3, 5), _long(T, 3, 5)),
     RuntimeError, "Expected floating point type for target with class probabilities, got Long"),
    (lambda T, F: F.cross_entropy(T.zeros(2, 3), T.zeros(2, 3), ignore_index=1),
     RuntimeError, "ignore_index is not supported for floating point target"),
    (lambda T, F: F.cross_entropy(T.zeros(3, 5), T.tensor([0, 1, 1]), label_smoothing=1.5),
     RuntimeError, "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    (lambda T, F: F.cross_entropy(
        T.zeros(2, 3), T.tensor([0, 1]), weight=T.ones(3, requires_grad=True)),
     RuntimeError, "The function 'nll_loss_forward' is not differentiable with respect to argument "
     "'weight'. This input cannot have requires_grad True."),
    (lambda T, F: F.cross_entropy(T.zeros(3, 5), T.tensor([0, 1, 1]), reduction="avg"),
     ValueError, "avg is not a valid value for reduction"),
    (lambda T, F: F.mse_loss(T.zeros(3), T.zeros(3), reduction="avg"),
     ValueError, "avg is not a valid value for reduction"),
    (lambda T, F: F.kl_div(T.zeros(3), T.zeros(3), reduction="avg"),
     ValueError, "avg is not a valid value for reduction"),
    (lambda T, F: F.mse_loss(T.zeros(3, 5), T.zeros(3, 5), weight=T.ones(5)),
     ValueError, "Weights and input must have the same size."),
    (lambda T, F: F.smooth_l1_loss(T.zeros(3), T.zeros(3), beta=-1.0),
     RuntimeError, "smooth_l1_loss does not support negative values for beta."),
    (lambda T, F: F.huber_loss(T.zeros(3), T.zeros(3), delta=0.0),
     RuntimeError, "huber_loss does not support non-positive values for delta."),
    (lambda T, F: F.binary_cross_entropy(T.full((3, 5), 0.5), T.full((5,), 0.5)),
     ValueError, "Using a target size (torch.Size([5])) that is different to the input size "
     "(torch.Size([3, 5])) is deprecated. Please ensure they have the same size."),
    (lambda T, F: F.binary_cross_entropy(T.tensor([0.5, 1.5]), T.tensor([0.5, 0.5])),
     RuntimeError, "all elements of input should be between 0 and 1"),
    (lambda T, F: F.binary_cross_entropy(T.tensor([0.5, 0.5]), T.tensor([0.5, -0.5])),
     RuntimeError, "all elements of target should be between 0 and 1"),
    (lambda T, F: F.binary_cross_entropy(T.full((3, 5), 0.5), T.full((3, 5), 0.5), T.ones(4)),
     RuntimeError, "Attempting to broadcast a dimension of length 4 at -1! Mismatching argument "
     "at index 1 had torch.Size([4]); but expected shape should be broadcastable to [3, 5]"),
    (lambda T, F: F.binary_cross_entropy(
        T.full((2,), 0.5), T.full((2,), 0.5), T.ones(2, requires_grad=True)),
     RuntimeError, "The function 'binary_cross_entropy' is not differentiable with respect to "
     "argument 'weight'. This input cannot have requires_grad True."),
    (lambda T, F: F.binary_cross_entropy_with_logits(T.zeros(3, 5), T.zeros(5)),
     ValueError, "Target size (torch.Size([5])) must be the same as input size "
     "(torch.Size([3, 5]))"),
    (lambda T, F: F.binary_cross_entropy_with_logits(
        T.zeros(3, 5), T.zeros(3, 5), pos_weight=T.ones(4)),
     RuntimeError, "The size of tensor a (4) must match the size of tensor b (5) at "
     "non-singleton dimension 1"),
    (lambda T, F: F.binary_cross_entropy_with_logits(
        T.zeros(2), T.zeros(2), pos_weight=T.ones(2, requires_grad=True)),
     RuntimeError, "The function 'binary_cross_entropy_with_logits' is not differentiable with "
     "respect to argument 'pos_weight'. This input cannot have requires_grad True."),
]  # fmt: skip


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("call, exc, message", ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_errors_in_torch_words(call, exc, message):
    with pytest.raises(exc) as info:
        call(edutorch, F)
    assert str(info.value).replace("edutorch.", "torch.") == message
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(exc) as info:  # the message is torch's own
        call(torch, torch.nn.functional)
    assert str(info.value) == message


WARNINGS = [
    (lambda T, F: F.mse_loss(T.zeros(3, 5), T.zeros(5)),
     "Using a target size (torch.Size([5])) that is different to the input size "
     "(torch.Size([3, 5])). This will likely lead to incorrect results due to broadcasting. "
     "Please ensure they have the same size."),
    (lambda T, F: F.l1_loss(T.zeros(3, 1), T.zeros(3)), "Using a target size (torch.Size([3]))"),
    (lambda T, F: F.smooth_l1_loss(T.zeros(3, 1), T.zeros(3)), "Using a target size"),
    (lambda T, F: F.huber_loss(T.zeros(3, 1), T.zeros(3)), "Using a target size"),
    (lambda T, F: F.kl_div(T.zeros(3), T.ones(3)),
     "reduction: 'mean' divides the total loss by both the batch size and the support size."
     "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
     "'mean' will be changed to behave the same as 'batchmean' in the next major release."),
    (lambda T, F: F.cross_entropy(T.zeros(3, 2), T.tensor([0, 1, 1]), reduce=False),
     "size_average and reduce args will be deprecated, please use reduction='none' instead."),
]  # fmt: skip


@pytest.mark.parametrize("call, message", WARNINGS, ids=[w[1][:30] for w in WARNINGS])
def test_warnings_in_torch_words(call, message):
    libs = [(edutorch, F)]
    try:
        import torch

        libs.append((torch, torch.nn.functional))
    except ImportError:
        pass
    for T, Fmod in libs:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(T, Fmod)
        texts = [str(w.message).replace("edutorch.", "torch.") for w in caught]
        assert [w.category for w in caught] == [UserWarning], T.__name__
        assert texts[0].startswith(message), T.__name__
        if T is edutorch:  # the warning points at the caller's line, not inside edutorch
            assert caught[0].filename == __file__


def test_legacy_reduction_flags():
    x, y = _t(np.arange(4.0)), _t(np.zeros(4))
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert F.mse_loss(x, y, size_average=False).item() == 14.0
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert F.l1_loss(x, y, reduce=False).shape == (4,)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert nn.MSELoss(size_average=False).reduction == "sum"


# ---------------------------------------------------------------- stability, edge cases
def test_huge_logits_give_finite_loss_and_gradients():
    rng = np.random.default_rng(8)
    x = (rng.standard_normal((4, 5, 3)) * 1e4).astype(np.float32)
    t = rng.integers(0, 5, (4, 3))
    y = rng.uniform(0, 1, x.shape).astype(np.float32)
    calls = {
        "ce": lambda T, F, x: F.cross_entropy(x, T.tensor(t), label_smoothing=0.1),
        "ce_probs": lambda T, F, x: F.cross_entropy(x, T.tensor(y / y.sum(1, keepdims=True))),
        "bce_logits": lambda T, F, x: F.binary_cross_entropy_with_logits(
            x, T.tensor(y), pos_weight=T.full((3,), 2.0)
        ),
    }
    for name, call in calls.items():
        xe = edutorch.tensor(x, requires_grad=True)
        loss = call(edutorch, F, xe)
        loss.backward()
        assert np.isfinite(loss.item()) and np.isfinite(xe.grad.numpy()).all(), name
        try:
            import torch
        except ImportError:
            continue
        xt = torch.tensor(x, requires_grad=True)
        ref = call(torch, torch.nn.functional, xt)
        ref.backward()
        np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-6, err_msg=name)
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=1e-7, err_msg=name)


def test_minus_infinity_logit_of_another_class_is_fine():
    x = edutorch.tensor([[-float("inf"), 1.0, 2.0]], requires_grad=True)
    loss = F.cross_entropy(x, edutorch.tensor([1]))
    loss.backward()
    np.testing.assert_allclose(loss.item(), np.log1p(np.e), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, -0.7310586, 0.7310586]], rtol=1e-6)


def test_everything_ignored_gives_nan_mean_like_torch():
    x = edutorch.zeros(3, 4)
    t = edutorch.tensor([-100, -100, -100])
    assert np.isnan(F.cross_entropy(x, t).item())
    assert F.cross_entropy(x, t, reduction="sum").item() == 0.0
    assert F.cross_entropy(x, t, reduction="none").tolist() == [0.0, 0.0, 0.0]


def test_cross_entropy_is_one_fused_node():
    x = edutorch.randn(8, 10, requires_grad=True)
    loss = F.cross_entropy(x, edutorch.randint(0, 10, (8,)))
    assert loss.grad_fn.name() == "CrossEntropyBackward0"
    ((node, _),) = [e for e in loss.grad_fn.next_functions if e[0] is not None]
    assert node.variable is x  # straight to the leaf: log-softmax is inside the same op


@pytest.mark.parametrize("shape", [(8, 10), (4, 5, 3), (5,)])
def test_class_losses_give_contiguous_input_gradients(shape):
    # inside, the losses work on a class-first copy and (M, C) rows; the gradient must not show it
    n_classes = shape[1] if len(shape) > 1 else shape[0]
    t = edutorch.randint(0, n_classes, shape[:1] + shape[2:] if len(shape) > 1 else ())
    for fn in (F.cross_entropy, F.nll_loss):
        x = edutorch.randn(*shape, requires_grad=True)
        fn(x, t).backward()
        assert x.grad.is_contiguous() and x.grad._data.flags.c_contiguous


def test_byte_targets_and_dtypes():
    x = edutorch.randn(3, 4)
    t = edutorch.tensor([0, 3, 1])
    ref = F.cross_entropy(x, t)
    assert F.cross_entropy(x, t.to(edutorch.uint8)).item() == ref.item()
    assert ref.dtype == edutorch.float32
    assert F.cross_entropy(x.double(), t).dtype == edutorch.float64
    # float32 logits with float64 probabilities promote, as in torch
    assert F.cross_entropy(x, edutorch.rand(3, 4, dtype=edutorch.float64)).dtype == edutorch.float64


# ---------------------------------------------------------------- double backward
@pytest.mark.parametrize(
    "name",
    ["mse-sum", "smooth_l1-beta1.0-mean", "kl_div-batchmean-log_targetFalse",
     "bce-weight(4,)-mean", "bce_logits-weight(3, 4)-pos_weightTrue-mean",
     "nll-3d-weightTrue-ignore-100-mean", "ce-3d-weightTrue-ignore-100-ls0.2-mean",
     "ce-1d-weightFalse-ignoreNone-ls0.0-none", "ce_probs-2d-weightTrue-ls0.2-sum"],
)  # fmt: skip
def test_gradgradcheck(name):
    (case,) = [c for c in CASES if c.id == name]
    t = _tensors(edutorch, _draw(case.data, np.random.default_rng(9)), case.grads)
    names = [k for k in t if t[k].requires_grad]

    def fn(*xs):
        return case.call(F, {**t, **dict(zip(names, xs))})

    assert gradgradcheck(fn, tuple(t[k] for k in names), atol=1e-5, rtol=1e-4)


def test_second_derivative_of_cross_entropy_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    v = rng.standard_normal((4, 5)).astype(np.float32)
    t = np.array([0, 4, 2, 1])
    results = []
    for T, Fmod in ((edutorch, F), (torch, torch.nn.functional)):
        xt = T.tensor(x, requires_grad=True)
        loss = Fmod.cross_entropy(xt, T.tensor(t), label_smoothing=0.1)
        (g,) = T.autograd.grad(loss, xt, create_graph=True)
        (g * T.tensor(v)).sum().backward()  # Hessian-vector product lands in xt.grad
        results.append(xt.grad.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------- the Module classes
MODULES = [
    ("MSELoss", {}, "normal", "normal"),
    ("L1Loss", {"reduction": "sum"}, "normal", "normal"),
    ("SmoothL1Loss", {"beta": 0.5, "reduction": "none"}, "normal", "normal"),
    ("HuberLoss", {"delta": 0.5}, "normal", "normal"),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, "logp", "logp"),
    ("BCELoss", {"weight": "C"}, "prob", "prob"),
    ("BCEWithLogitsLoss", {"weight": "C", "pos_weight": "C"}, "normal", "prob"),
    ("NLLLoss", {"weight": "C", "ignore_index": 1}, "logp", "class"),
    ("CrossEntropyLoss", {"weight": "C", "ignore_index": 2, "label_smoothing": 0.1}, "normal",
     "class"),
    ("CrossEntropyLoss", {"reduction": "sum"}, "normal", "probs"),
]  # fmt: skip


def _module_inputs(rng, kind):
    if kind == "class":
        return rng.integers(0, 4, (5,))
    a = {"normal": rng.standard_normal, "prob": lambda s: rng.uniform(0.05, 0.95, s)}.get(kind)
    if a is not None:
        return a((5, 4)).astype(np.float32)
    p = rng.uniform(0.1, 1, (5, 4))
    p = p / p.sum(1, keepdims=True)
    return np.log(p).astype(np.float32) if kind == "logp" else p.astype(np.float32)


def _build(T, name, kwargs, weight):
    kw = {k: (T.tensor(weight) if v == "C" else v) for k, v in kwargs.items()}
    return getattr(T.nn, name)(**kw)


@pytest.mark.parametrize("name, kwargs, xkind, ykind", MODULES, ids=[m[0] for m in MODULES])
def test_modules(name, kwargs, xkind, ykind):
    rng = np.random.default_rng(11)
    x, y = _module_inputs(rng, xkind), _module_inputs(rng, ykind)
    weight = rng.uniform(0.5, 2, 4).astype(np.float32)
    m = _build(edutorch, name, kwargs, weight)
    assert repr(m) == f"{name}()"
    for k, v in kwargs.items():  # options are attributes; weights are buffers in the state_dict
        if v == "C":
            np.testing.assert_array_equal(getattr(m, k).numpy(), weight)
        else:
            assert getattr(m, k) == v
    assert list(m.state_dict()) == [k for k, v in kwargs.items() if v == "C"]
    xe = edutorch.tensor(x, requires_grad=True)
    out = m(xe, edutorch.tensor(y))
    out.sum().backward()
    try:
        import torch
    except ImportError:
        return
    mt = _build(torch, name, kwargs, weight)
    assert list(mt.state_dict()) == list(m.state_dict())
    assert {k for k in vars(m) if not k.startswith("_")} <= set(vars(mt))  # same attribute names
    xt = torch.tensor(x, requires_grad=True)
    ref = mt(xt, torch.tensor(y))
    ref.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=2e-5, atol=1e-6)


def test_module_defaults_match_torch():
    defaults = {
        nn.CrossEntropyLoss(): {"reduction": "mean", "ignore_index": -100, "label_smoothing": 0.0},
        nn.NLLLoss(): {"reduction": "mean", "ignore_index": -100},
        nn.SmoothL1Loss(): {"beta": 1.0},
        nn.HuberLoss(): {"delta": 1.0},
        nn.KLDivLoss(): {"log_target": False},
        nn.BCEWithLogitsLoss(): {"weight": None, "pos_weight": None},
        nn.BCELoss(): {"weight": None},
    }
    for m, attrs in defaults.items():
        for k, v in attrs.items():
            assert getattr(m, k) == v if v is not None else getattr(m, k) is None
        assert list(m.state_dict()) == []


def test_weight_buffer_follows_dtype_conversion():
    m = nn.CrossEntropyLoss(weight=edutorch.ones(3)).double()
    assert m.weight.dtype == edutorch.float64
    x = edutorch.randn(2, 3, dtype=edutorch.float64)
    assert m(x, edutorch.tensor([0, 2])).dtype == edutorch.float64
