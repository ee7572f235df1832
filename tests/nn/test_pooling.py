"""Pooling: gradcheck for every option, naive loop references over random (odd, non-contiguous)
shapes, torch parity (values, indices, gradients, ties, -inf and NaN), errors and reprs."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edutorch
from edutorch import nn
from edutorch.autograd import gradcheck, gradgradcheck
from edutorch.nn import functional as F

from ._errors import assert_same_error, functional_and

pytestmark = pytest.mark.usefixtures("backend")  # every test on each backend


def _out_size(s, k, st_, p, d, ceil_mode):
    span = s + 2 * p - d * (k - 1) - 1
    out = (-(-span // st_) if ceil_mode else span // st_) + 1
    if ceil_mode and (out - 1) * st_ >= s + p:
        out -= 1
    return out


def naive_max_pool(x, k, st_, p, d, ceil_mode):
    """torch's loop: scan each window in order, take a value if it is larger (or NaN)."""
    spatial = x.shape[2:]
    out = [_out_size(*a, ceil_mode) for a in zip(spatial, k, st_, p, d)]
    y = np.zeros(x.shape[:2] + tuple(out))
    idx = np.zeros(x.shape[:2] + tuple(out), dtype=np.int64)
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        for o in itertools.product(*map(range, out)):
            best, where = -np.inf, None
            for kk in itertools.product(*map(range, k)):
                pos = tuple(oi * s - pi + ki * di for oi, s, pi, ki, di in zip(o, st_, p, kk, d))
                if any(q < 0 or q >= size for q, size in zip(pos, spatial)):
                    continue
                v = x[(n, c) + pos]
                if where is None:
                    where = pos  # torch starts from the first real element of the window
                if v > best or np.isnan(v):
                    best, where = v, pos
            y[(n, c) + o] = best if not np.isnan(best) else np.nan
            idx[(n, c) + o] = np.ravel_multi_index(where, spatial)
    return y, idx


def naive_avg_pool(x, k, st_, p, ceil_mode, count_include_pad, divisor_override=None):
    spatial = x.shape[2:]
    out = [_out_size(s, kk, ss, pp, 1, ceil_mode) for s, kk, ss, pp in zip(spatial, k, st_, p)]
    y = np.zeros(x.shape[:2] + tuple(out))
    for o in itertools.product(*map(range, out)):
        starts = [oi * s - pi for oi, s, pi in zip(o, st_, p)]
        ends = [min(a + kk, size + pi) for a, kk, size, pi in zip(starts, k, spatial, p)]
        pool_size = np.prod([e - a for a, e in zip(starts, ends)])
        starts = [max(a, 0) for a in starts]
        ends = [min(e, size) for e, size in zip(ends, spatial)]
        window = x[(slice(None), slice(None)) + tuple(slice(a, e) for a, e in zip(starts, ends))]
        if divisor_override:
            div = divisor_override
        elif count_include_pad:
            div = pool_size
        else:
            div = np.prod([e - a for a, e in zip(starts, ends)])
        y[(slice(None), slice(None)) + o] = window.sum(axis=tuple(range(2, x.ndim))) / div
    return y


def _t(a, requires_grad=False):
    return edutorch.tensor(a, requires_grad=requires_grad)


def _distinct(rng, *shape):
    """Values far apart, so a finite-difference step never changes a max-pool winner."""
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.1 + rng.uniform(0, 0.01, shape)


# ------------------------------------------------------------------ gradcheck, every option
MAX2D = {
    "k2": dict(kernel_size=2),
    "k3_s2": dict(kernel_size=3, stride=2),
    "k3_s1_overlap": dict(kernel_size=3, stride=1),
    "padding": dict(kernel_size=3, stride=2, padding=1),
    "dilation": dict(kernel_size=2, stride=1, dilation=2),
    "ceil_mode": dict(kernel_size=2, ceil_mode=True),
    "rect": dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1)),
    "everything": dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True),
}


@pytest.mark.parametrize("case", MAX2D)
def test_max_pool2d_gradcheck(case):
    rng = np.random.default_rng(0)
    x = _t(_distinct(rng, 2, 2, 5, 7), True)
    kw = MAX2D[case]
    assert gradcheck(lambda a: F.max_pool2d(a, **kw), (x,))
    assert gradgradcheck(lambda a: F.max_pool2d(a, **kw), (x,))


@pytest.mark.parametrize(
    "kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1, ceil_mode=True),
           dict(kernel_size=2, dilation=2, stride=1)],
)  # fmt: skip
def test_max_pool1d_gradcheck(kw):
    x = _t(_distinct(np.random.default_rng(1), 2, 3, 9), True)
    assert gradcheck(lambda a: F.max_pool1d(a, **kw), (x,))


AVG2D = {
    "k2": dict(kernel_size=2),
    "k3_s1": dict(kernel_size=3, stride=1),
    "padding_incl": dict(kernel_size=3, stride=2, padding=1),
    "padding_excl": dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    "ceil_incl": dict(kernel_size=2, stride=2, padding=1, ceil_mode=True),
    "ceil_excl": dict(kernel_size=3, stride=2, ceil_mode=True, count_include_pad=False),
    "divisor": dict(kernel_size=(2, 3), stride=1, padding=(1, 0), divisor_override=4),
}


@pytest.mark.parametrize("case", AVG2D)
def test_avg_pool2d_gradcheck(case):
    x = _t(np.random.default_rng(2).standard_normal((2, 2, 5, 6)), True)
    kw = AVG2D[case]
    assert gradcheck(lambda a: F.avg_pool2d(a, **kw), (x,))
    assert gradgradcheck(lambda a: F.avg_pool2d(a, **kw), (x,))


def test_avg_pool1d_gradcheck():
    x = _t(np.random.default_rng(3).standard_normal((2, 3, 7)), True)
    assert gradcheck(lambda a: F.avg_pool1d(a, 3, 2, 1, True, False), (x,))


@pytest.mark.parametrize("size", [1, 2, (3, 4), (None, 2), (7, 5), (2, None)])
def test_adaptive_avg_pool2d_gradcheck(size):
    x = _t(np.random.default_rng(4).standard_normal((2, 2, 5, 4)), True)
    assert gradcheck(lambda a: F.adaptive_avg_pool2d(a, size), (x,))
    assert gradgradcheck(lambda a: F.adaptive_avg_pool2d(a, size), (x,))


def test_adaptive_avg_pool1d_gradcheck():
    x = _t(np.random.default_rng(5).standard_normal((2, 3, 7)), True)
    assert gradcheck(lambda a: F.adaptive_avg_pool1d(a, 3), (x,))


# ------------------------------------------------------------------ property tests vs loops
@st.composite
def pool_configs(draw):
    dims = draw(st.sampled_from([1, 2]))
    k = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    padding = tuple(draw(st.integers(0, (dl * (kk - 1) + 1) // 2)) for kk, dl in zip(k, dilation))
    size = tuple(dl * (kk - 1) + 1 + draw(st.integers(0, 5)) for kk, dl in zip(k, dilation))
    ceil_mode = draw(st.booleans())
    layout = draw(st.sampled_from(["contiguous", "strided"]))
    special = draw(st.sampled_from(["none", "ties", "neginf", "nan"]))
    return (
        dims,
        k,
        stride,
        dilation,
        padding,
        size,
        ceil_mode,
        layout,
        special,
        draw(st.integers(0, 2**16)),
    )


def _strided(a):
    big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
    big[..., ::2] = a
    return big[..., ::2]


def _check_max_pool(k, stride, dilation, padding, size, ceil_mode, layout, special, seed,
                    dtype=np.float64):  # fmt: skip
    """Values, indices and input gradient of max pooling against the naive loops."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3) + size).astype(dtype)
    if special == "ties":
        x = np.round(x)
    elif special == "neginf":
        x[0, 0] = -np.inf
    elif special == "nan":
        x[1, 2, ..., 0] = np.nan
        x[0, 1, ..., :2] = np.nan  # two NaNs in one window: the last one wins
    xe = edutorch.from_numpy(_strided(x) if layout == "strided" else x).requires_grad_()
    pool = F.max_pool1d if len(size) == 1 else F.max_pool2d
    y, idx = pool(xe, k, stride, padding, dilation, ceil_mode, True)
    ref, ref_idx = naive_max_pool(x, k, stride, padding, dilation, ceil_mode)
    np.testing.assert_array_equal(y.detach().numpy(), ref.astype(dtype))
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    assert (
        idx.dtype == edutorch.int64 and not idx.requires_grad and y.detach().numpy().dtype == dtype
    )
    g = rng.standard_normal(ref.shape).astype(dtype)
    y.backward(_t(g))
    gx = np.zeros(x.shape).reshape(6, -1)
    for row, (gi, ii) in enumerate(zip(g.reshape(6, -1), ref_idx.reshape(6, -1))):
        np.add.at(gx[row], ii, gi)  # the obviously-right scatter, for the reference only
    np.testing.assert_allclose(xe.grad.numpy(), gx.reshape(x.shape), atol=1e-6)


@settings(max_examples=80, deadline=None)
@given(pool_configs())
def test_max_pool_matches_naive_loops(cfg):
    dims, k, stride, dilation, padding, size, ceil_mode, layout, special, seed = cfg
    _check_max_pool(k, stride, dilation, padding, size, ceil_mode, layout, special, seed)


@pytest.mark.parametrize("size", [(2, 2), (6, 8), (5, 7), (1, 4)])
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("special", ["none", "ties", "neginf", "nan"])
@pytest.mark.parametrize("layout, dtype", [("contiguous", np.float32), ("strided", np.float64)])
def test_max_pool_2x2_matches_naive_loops(size, ceil_mode, special, layout, dtype):
    """The 2x2 / stride 2 window (numba compiles it): even, odd and 1-row inputs."""
    if size[0] < 2 and not ceil_mode:
        size = (2, 4)
    _check_max_pool((2, 2), (2, 2), (1, 1), (0, 0), size, ceil_mode, layout, special, 3, dtype)


@settings(max_examples=60, deadline=None)
@given(pool_configs(), st.booleans(), st.sampled_from([None, 3]))
def test_avg_pool_matches_naive_loops(cfg, count_include_pad, divisor_override):
    dims, k, stride, _, padding, size, ceil_mode, layout, _, seed = cfg
    padding = tuple(min(p, kk // 2) for p, kk in zip(padding, k))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3) + size)
    xe = edutorch.from_numpy(_strided(x) if layout == "strided" else x)
    if dims == 1:
        y = F.avg_pool1d(xe, k, stride, padding, ceil_mode, count_include_pad)
        divisor_override = None
    else:
        y = F.avg_pool2d(xe, k, stride, padding, ceil_mode, count_include_pad, divisor_override)
    ref = naive_avg_pool(x, k, stride, padding, ceil_mode, count_include_pad, divisor_override)
    np.testing.assert_allclose(y.numpy(), ref, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 6), st.integers(1, 6))
def test_adaptive_avg_pool_matches_bins(h, w, oh, ow):
    x = np.random.default_rng(h * 100 + w).standard_normal((1, 2, h, w))
    y = F.adaptive_avg_pool2d(_t(x), (oh, ow)).numpy()
    for i, j in itertools.product(range(oh), range(ow)):
        h0, h1 = (i * h) // oh, -(-((i + 1) * h) // oh)
        w0, w1 = (j * w) // ow, -(-((j + 1) * w) // ow)
        np.testing.assert_allclose(y[..., i, j], x[..., h0:h1, w0:w1].mean(axis=(2, 3)))


def test_float32_and_integer_inputs():
    x32 = edutorch.randn(2, 3, 6, 6)
    for y in (F.max_pool2d(x32, 2), F.avg_pool2d(x32, 2), F.adaptive_avg_pool2d(x32, 3)):
        assert y.dtype == edutorch.float32 and y.is_contiguous()
    xi = edutorch.arange(16).reshape(1, 1, 4, 4)
    assert F.max_pool2d(xi, 2).tolist() == [[[[5, 7], [13, 15]]]]
    assert F.avg_pool2d(xi, 2).tolist() == [[[[2, 4], [10, 12]]]]  # truncating, as torch


def test_unbatched_inputs():
    x = edutorch.randn(3, 6, 5)
    assert F.max_pool2d(x, 2).shape == (3, 3, 2)
    v, i = F.max_pool2d(x, 2, return_indices=True)
    assert v.shape == i.shape == (3, 3, 2)
    assert F.avg_pool2d(x, 2).shape == (3, 3, 2)
    assert F.adaptive_avg_pool2d(x, (2, None)).shape == (3, 2, 5)
    assert F.max_pool1d(edutorch.randn(3, 7), 2).shape == (3, 3)


def test_grad_fn_names():
    x = edutorch.randn(1, 1, 4, 4, requires_grad=True)
    assert F.max_pool2d(x, 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert F.avg_pool2d(x, 2).grad_fn.name() == "AvgPool2DBackward0"
    assert F.adaptive_avg_pool2d(x, 2).grad_fn.name() == "AdaptiveAvgPool2DBackward0"


# ------------------------------------------------------------------ torch parity
LAYERS = {
    "MaxPool2d": (lambda m: m.MaxPool2d(2), (2, 3, 8, 7)),
    "MaxPool2d_all": (lambda m: m.MaxPool2d(3, 2, 1, 2, False, True), (2, 3, 9, 8)),
    "MaxPool1d": (lambda m: m.MaxPool1d(3, 2, 1), (2, 3, 10)),
    "AvgPool2d": (lambda m: m.AvgPool2d(2), (2, 3, 8, 7)),
    "AvgPool2d_excl": (lambda m: m.AvgPool2d(3, 2, 1, True, False), (2, 3, 8, 7)),
    "AvgPool2d_divisor": (
        lambda m: m.AvgPool2d((2, 3), 1, (1, 1), divisor_override=5), (1, 2, 5, 6),
    ),
    "AvgPool1d": (lambda m: m.AvgPool1d(3, 2, 1, count_include_pad=False), (2, 3, 10)),
    "AdaptiveAvgPool2d": (lambda m: m.AdaptiveAvgPool2d((3, None)), (2, 3, 8, 7)),
    "AdaptiveAvgPool2d_up": (lambda m: m.AdaptiveAvgPool2d((9, 10)), (2, 3, 8, 7)),
    "AdaptiveAvgPool1d": (lambda m: m.AdaptiveAvgPool1d(4), (2, 3, 10)),
}  # fmt: skip


@pytest.mark.parametrize("name", LAYERS)
def test_layers_match_torch(name):
    torch = pytest.importorskip("torch")
    make, shape = LAYERS[name]
    tm, em = make(torch.nn), make(nn)
    assert repr(tm) == repr(em)
    x = np.round(np.random.default_rng(6).standard_normal(shape, dtype=np.float32), 1)  # ties
    xt, xe = torch.tensor(x, requires_grad=True), edutorch.tensor(x, requires_grad=True)
    yt, ye = tm(xt), em(xe)
    if isinstance(yt, tuple):
        np.testing.assert_array_equal(ye[1].numpy(), yt[1].numpy())
        yt, ye = yt[0], ye[0]
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-6, atol=1e-6)
    g = np.random.default_rng(7).standard_normal(tuple(yt.shape), dtype=np.float32)
    yt.backward(torch.tensor(g))
    ye.backward(edutorch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_max_pool_special_values_match_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[[[1.0, np.nan, 3.0, np.nan], [-np.inf, -np.inf, 2.0, 2.0],
                    [5.0, 5.0, -np.inf, 0.0], [5.0, -1.0, -np.inf, -np.inf]]]])  # fmt: skip
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
               dict(kernel_size=2, stride=1, padding=1, ceil_mode=True)):  # fmt: skip
        vt, it = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        ve, ie = F.max_pool2d(edutorch.tensor(x), return_indices=True, **kw)
        np.testing.assert_array_equal(ve.numpy(), vt.numpy())
        np.testing.assert_array_equal(ie.numpy(), it.numpy())


BAD_CALLS = {
    "max_padding": lambda f, t: f.max_pool2d(t(1, 3, 5, 5), 3, padding=2),
    "max_kernel0": lambda f, t: f.max_pool2d(t(1, 3, 5, 5), 0),
    "max_kernel0_stride1": lambda f, t: f.max_pool2d(t(1, 3, 5, 5), 0, 1),
    "max_stride0": lambda f, t: f.max_pool2d(t(1, 3, 5, 5), 2, stride=0),
    "max_dilation0": lambda f, t: f.max_pool2d(t(1, 3, 5, 5), 2, dilation=0),
    "max_neg_padding": lambda f, t: f.max_pool2d(t(1, 3, 5, 5), 2, padding=-1),
    "max_dims": lambda f, t: f.max_pool2d(t(5, 5), 2),
    "max_dims5": lambda f, t: f.max_pool2d(t(1, 1, 1, 5, 5), 2),
    "max_too_small": lambda f, t: f.max_pool2d(t(1, 3, 1, 1), 2),
    "max_kernel_tuple": lambda f, t: f.max_pool2d(t(1, 3, 5, 5), (2, 2, 2)),
    "max1d_dims": lambda f, t: f.max_pool1d(t(5), 2),
    "max1d_padding": lambda f, t: f.max_pool1d(t(1, 3, 5), 2, padding=2),
    "avg_padding": lambda f, t: f.avg_pool2d(t(1, 3, 5, 5), 2, padding=2),
    "avg_too_small": lambda f, t: f.avg_pool2d(t(1, 3, 1, 1), 2),
    "avg_stride0": lambda f, t: f.avg_pool2d(t(1, 3, 5, 5), 2, 0),
    "avg_divisor0": lambda f, t: f.avg_pool2d(t(1, 3, 5, 5), 2, divisor_override=0),
    "avg1d_dims": lambda f, t: f.avg_pool1d(t(5), 2),
    "avg1d_too_small": lambda f, t: f.avg_pool1d(t(1, 3, 1), 2),
    "adaptive_dims": lambda f, t: f.adaptive_avg_pool2d(t(5), 2),
    "adaptive_negative": lambda f, t: f.adaptive_avg_pool2d(t(1, 3, 5, 5), (2, -1)),
    "adaptive_empty": lambda f, t: f.adaptive_avg_pool2d(t(1, 3, 0, 5), (2, 2)),
    "adaptive_length": lambda f, t: f.adaptive_avg_pool2d(t(1, 3, 5, 5), (2, 2, 2)),
    "adaptive1d_dims": lambda f, t: f.adaptive_avg_pool1d(t(5), 2),
}  # fmt: skip


@pytest.mark.parametrize("name", BAD_CALLS)
def test_errors_match_torch(name):
    torch = pytest.importorskip("torch")
    assert_same_error(BAD_CALLS[name], torch, functional_and("zeros"))


def test_adaptive_zero_output_size():
    assert F.adaptive_avg_pool2d(edutorch.randn(1, 3, 5, 5), (0, 2)).shape == (1, 3, 0, 2)
