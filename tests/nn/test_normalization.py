"""Batch, layer and group norm: gradcheck (first and second order) for every option, a numpy
reference over odd and non-contiguous shapes, running statistics against torch over several
steps, eval mode, state_dict, errors and reprs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edutorch
from edutorch import nn
from edutorch.autograd import gradcheck, gradgradcheck
from edutorch.nn import functional as F

from ._errors import assert_same_error, functional_and


def _t(a, requires_grad=False):
    return edutorch.tensor(a, requires_grad=requires_grad)


def _reference(x, axes, eps, weight=None, bias=None, affine_shape=None):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    if weight is not None:
        y = y * weight.reshape(affine_shape)
    if bias is not None:
        y = y + bias.reshape(affine_shape)
    return y


# ------------------------------------------------------------------ gradcheck
@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 5), (2, 3, 3, 2)])
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_batch_norm_training_gradcheck(shape, affine):
    rng = np.random.default_rng(0)
    x = _t(rng.standard_normal(shape), True)
    c = shape[1]
    w = _t(rng.standard_normal(c), True) if affine in ("both", "weight") else None
    b = _t(rng.standard_normal(c), True) if affine in ("both", "bias") else None
    args = [t for t in (x, w, b) if t is not None]

    def fn(*a):
        it = iter(a)
        xx = next(it)
        ww = next(it) if w is not None else None
        bb = next(it) if b is not None else None
        return F.batch_norm(xx, None, None, ww, bb, training=True)

    assert gradcheck(fn, tuple(args))
    assert gradgradcheck(fn, tuple(args))


def test_batch_norm_eval_gradcheck():
    rng = np.random.default_rng(1)
    x, w, b = (_t(rng.standard_normal(s), True) for s in ((3, 2, 4), (2,), (2,)))
    rm, rv = _t(rng.standard_normal(2)), _t(rng.uniform(0.5, 2, 2))
    fn = lambda a, ww, bb: F.batch_norm(a, rm, rv, ww, bb, training=False, eps=0.1)  # noqa: E731
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))
    ref = (x.detach().numpy() - rm.numpy()[:, None]) / np.sqrt(rv.numpy()[:, None] + 0.1)
    ref = ref * w.detach().numpy()[:, None] + b.detach().numpy()[:, None]
    np.testing.assert_allclose(fn(x, w, b).detach().numpy(), ref, atol=1e-12)


@pytest.mark.parametrize("normalized_shape", [5, (4, 5)])
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_layer_norm_gradcheck(normalized_shape, affine):
    rng = np.random.default_rng(2)
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    x = _t(rng.standard_normal((2, 4, 5)), True)
    w = _t(rng.standard_normal(ns), True) if affine in ("both", "weight") else None
    b = _t(rng.standard_normal(ns), True) if affine in ("both", "bias") else None
    args = [t for t in (w, b) if t is not None]

    def fn(xx, *a):
        it = iter(a)
        ww = next(it) if w is not None else None
        bb = next(it) if b is not None else None
        return F.layer_norm(xx, normalized_shape, ww, bb, eps=1e-3)

    assert gradcheck(fn, (x, *args))
    assert gradgradcheck(fn, (x, *args))


@pytest.mark.parametrize("groups", [1, 2, 4])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_gradcheck(groups, affine):
    rng = np.random.default_rng(3)
    x = _t(rng.standard_normal((2, 4, 3)), True)
    if affine:
        w, b = _t(rng.standard_normal(4), True), _t(rng.standard_normal(4), True)
        fn = lambda a, ww, bb: F.group_norm(a, groups, ww, bb)  # noqa: E731
        inputs = (x, w, b)
    else:
        fn = lambda a: F.group_norm(a, groups)  # noqa: E731
        inputs = (x,)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


# ------------------------------------------------------------------ numpy reference, odd shapes
@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 5),
    st.sampled_from(["layer", "group", "batch"]), st.booleans(), st.integers(0, 2**16),
)  # fmt: skip
def test_norms_match_numpy(n, groups, cpg, length, kind, strided, seed):
    rng = np.random.default_rng(seed)
    c = groups * cpg
    x = rng.standard_normal((n + 1, c, length)) * 3 + 1
    if kind == "batch" and (n + 1) * length == 1:
        return
    xa = np.zeros(x.shape[:-1] + (2 * length,))
    xa[..., ::2] = x
    xe = edutorch.from_numpy(xa[..., ::2] if strided else x)
    w, b = rng.standard_normal(c), rng.standard_normal(c)
    if kind == "layer":
        w, b = rng.standard_normal((c, length)), rng.standard_normal((c, length))
        y = F.layer_norm(xe, (c, length), _t(w), _t(b), eps=1e-5)
        ref = _reference(x, (1, 2), 1e-5, w, b, (c, length))
    elif kind == "group":
        y = F.group_norm(xe, groups, _t(w), _t(b))
        xg = x.reshape(x.shape[0], groups, -1)
        ref = _reference(xg, (2,), 1e-5).reshape(x.shape) * w[:, None] + b[:, None]
    else:
        y = F.batch_norm(xe, None, None, _t(w), _t(b), training=True)
        ref = _reference(x, (0, 2), 1e-5, w, b, (1, c, 1))
    np.testing.assert_allclose(y.numpy(), ref, atol=1e-10)


# ------------------------------------------------------------------ running statistics
def test_batch_norm_updates_running_stats_in_place():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 3, 4)) * 2 + 1
    rm, rv = _t(np.zeros(3)), _t(np.ones(3))
    F.batch_norm(_t(x), rm, rv, training=True, momentum=0.25)
    mean, var = x.mean(axis=(0, 2)), x.var(axis=(0, 2), ddof=1)  # unbiased, as torch
    np.testing.assert_allclose(rm.numpy(), 0.25 * mean, atol=1e-12)
    np.testing.assert_allclose(rv.numpy(), 0.75 + 0.25 * var, atol=1e-12)


BN_LAYERS = {
    "bn1d": (lambda m: m.BatchNorm1d(3), (6, 3)),
    "bn1d_3d": (lambda m: m.BatchNorm1d(3, momentum=0.5), (4, 3, 5)),
    "bn2d": (lambda m: m.BatchNorm2d(3), (4, 3, 5, 4)),
    "bn2d_cumulative": (lambda m: m.BatchNorm2d(3, momentum=None), (4, 3, 5, 4)),
    "bn2d_no_affine": (lambda m: m.BatchNorm2d(3, affine=False, eps=1e-3), (4, 3, 2, 2)),
    "bn2d_no_bias": (lambda m: m.BatchNorm2d(3, bias=False), (4, 3, 2, 2)),
    "bn2d_untracked": (lambda m: m.BatchNorm2d(3, track_running_stats=False), (4, 3, 5, 4)),
}  # fmt: skip


def _twins(make, torch):
    """The same layer in torch and edutorch, with the same random affine parameters."""
    tm, em = make(torch.nn), make(nn)
    assert repr(tm) == repr(em)
    assert list(tm.state_dict()) == list(em.state_dict())
    with torch.no_grad():
        for p in tm.parameters():
            p.copy_(torch.randn(p.shape))
    em.load_state_dict({k: edutorch.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    return tm, em


def _compare_step(torch, tm, em, x, g):
    """One forward and backward in both: outputs, input and parameter gradients agree."""
    xt, xe = torch.tensor(x, requires_grad=True), edutorch.tensor(x, requires_grad=True)
    yt, ye = tm(xt), em(xe)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=2e-5)
    yt.backward(torch.tensor(g))
    ye.backward(edutorch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=5e-5)
    for pe, pt in zip(em.parameters(), tm.parameters()):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=1e-4)
        pe.grad, pt.grad = None, None


@pytest.mark.parametrize("name", BN_LAYERS)
def test_batch_norm_layers_match_torch_over_steps(name):
    torch = pytest.importorskip("torch")
    make, shape = BN_LAYERS[name]
    tm, em = _twins(make, torch)
    rng = np.random.default_rng(5)
    for step in range(4):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        _compare_step(torch, tm, em, x, rng.standard_normal(shape).astype(np.float32))
        for (k, be), bt in zip(em.state_dict().items(), tm.state_dict().values()):
            np.testing.assert_allclose(be.numpy(), bt.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    tm.eval()
    em.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(
        em(edutorch.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(), atol=2e-5
    )


def test_batch_norm_buffers_and_eval_mode():
    bn = nn.BatchNorm2d(2)
    assert list(bn.state_dict()) == [
        "weight", "bias", "running_mean", "running_var", "num_batches_tracked",
    ]  # fmt: skip
    assert bn.num_batches_tracked.dtype == edutorch.int64 and bn.num_batches_tracked.item() == 0
    assert bn.weight.tolist() == [1.0, 1.0] and bn.bias.tolist() == [0.0, 0.0]
    x = edutorch.randn(8, 2, 3, 3) * 3 + 2
    bn(x)
    bn(x)
    assert bn.num_batches_tracked.item() == 2
    bn.eval()
    y = bn(x)
    rm, rv = bn.running_mean.numpy(), bn.running_var.numpy()
    ref = (x.numpy() - rm[:, None, None]) / np.sqrt(rv[:, None, None] + 1e-5)
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-5, atol=1e-5)
    before = bn.running_mean.numpy().copy()
    bn(x)
    np.testing.assert_array_equal(bn.running_mean.numpy(), before)  # eval never updates
    assert bn.num_batches_tracked.item() == 2


def test_untracked_batch_norm_uses_batch_stats_in_eval():
    bn = nn.BatchNorm1d(3, track_running_stats=False, affine=False).eval()
    assert bn.running_mean is None and list(bn.state_dict()) == []
    x = edutorch.randn(10, 3)
    y = bn(x).numpy()
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)


def test_load_old_checkpoint_without_num_batches_tracked():
    bn = nn.BatchNorm1d(2)
    state = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    bn.load_state_dict(state)  # no error: the counter keeps its value, as torch does
    assert bn.num_batches_tracked.item() == 0


# ------------------------------------------------------------------ layer and group norm layers
NORM_LAYERS = {
    "ln": (lambda m: m.LayerNorm(5), (2, 3, 5)),
    "ln_2d": (lambda m: m.LayerNorm((3, 5), eps=1e-3), (2, 3, 5)),
    "ln_no_affine": (lambda m: m.LayerNorm(5, elementwise_affine=False), (4, 5)),
    "ln_no_bias": (lambda m: m.LayerNorm(5, bias=False), (4, 5)),
    "gn": (lambda m: m.GroupNorm(2, 4), (3, 4, 5, 2)),
    "gn_instance": (lambda m: m.GroupNorm(4, 4, affine=False), (3, 4, 5)),
    "gn_layer": (lambda m: m.GroupNorm(1, 4, bias=False), (3, 4, 5)),
}  # fmt: skip


@pytest.mark.parametrize("name", NORM_LAYERS)
def test_layer_and_group_norm_match_torch(name):
    torch = pytest.importorskip("torch")
    make, shape = NORM_LAYERS[name]
    tm, em = _twins(make, torch)
    rng = np.random.default_rng(6)
    x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
    _compare_step(torch, tm, em, x, rng.standard_normal(shape).astype(np.float32))


def test_group_norm_constructor_error():
    with pytest.raises(
        ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"
    ):
        nn.GroupNorm(4, 6)


BAD_CALLS = {
    "bn_one_value": lambda f, t: f.batch_norm(t(1, 3), t(3), t(3), training=True),
    "bn_eval_no_stats": lambda f, t: f.batch_norm(t(4, 3), None, None, training=False),
    "bn_weight_size": lambda f, t: f.batch_norm(t(4, 3), t(3), t(3), t(2)),
    "bn_running_size": lambda f, t: f.batch_norm(t(4, 3), t(2), t(3)),
    "bn_1d_input": lambda f, t: f.batch_norm(t(4), t(4), t(4)),
    "bn_momentum_none": lambda f, t: f.batch_norm(t(4, 3), t(3), t(3), None, None, True, None),
    "ln_shape": lambda f, t: f.layer_norm(t(2, 3), [4]),
    "ln_weight": lambda f, t: f.layer_norm(t(2, 3), [3], t(2)),
    "gn_divisible": lambda f, t: f.group_norm(t(2, 3, 4), 2),
    "gn_weight": lambda f, t: f.group_norm(t(2, 4, 4), 2, t(3)),
    "gn_1d": lambda f, t: f.group_norm(t(4), 2),
}  # fmt: skip


@pytest.mark.parametrize("name", BAD_CALLS)
def test_errors_match_torch(name):
    torch = pytest.importorskip("torch")
    assert_same_error(BAD_CALLS[name], torch, functional_and("ones"))


@pytest.mark.parametrize(
    "make, shape, message",
    [(lambda: nn.BatchNorm1d(3), (2, 3, 4, 5), "expected 2D or 3D input (got 4D input)"),
     (lambda: nn.BatchNorm2d(3), (2, 3), "expected 4D input (got 2D input)")],
)  # fmt: skip
def test_batch_norm_layer_input_dims(make, shape, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()(edutorch.randn(*shape))
