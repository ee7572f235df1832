"""Convolutions: gradcheck for every option, a naive numpy reference over random (odd,
non-contiguous) shapes, torch parity for the layers, initialisation, errors, the backend switch."""

import itertools
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edutorch
from edutorch import backends, nn
from edutorch.autograd import gradcheck, gradgradcheck
from edutorch.nn import functional as F

from ._errors import assert_same_error, functional_and

pytestmark = pytest.mark.usefixtures("backend")  # every test on each backend


# ------------------------------------------------------------------ naive references (loops)
def naive_conv(x, w, b, stride, pads, dilation, groups):
    """y[n, o, l] = b[o] + Σ_{c,k} w[o, c, k] x_padded[n, c, l·stride + k·dilation], by loops."""
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(pads))
    ks = w.shape[2:]
    out = [
        (s - dl * (k - 1) - 1) // st_ + 1
        for s, k, st_, dl in zip(xp.shape[2:], ks, stride, dilation)
    ]
    y = np.zeros((x.shape[0], w.shape[0], *out))
    cg, og = x.shape[1] // groups, w.shape[0] // groups
    for o in itertools.product(*map(range, out)):
        for k in itertools.product(*map(range, ks)):
            pos = tuple(oi * s + ki * d for oi, ki, s, d in zip(o, k, stride, dilation))
            for g in range(groups):
                xs = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + pos]  # (N, cg)
                ws = w[(slice(g * og, (g + 1) * og), slice(None)) + k]  # (og, cg)
                y[(slice(None), slice(g * og, (g + 1) * og)) + o] += xs @ ws.T
    if b is not None:
        y += b.reshape((-1,) + (1,) * len(out))
    return y


def naive_conv_transpose(x, w, b, stride, padding, output_padding, dilation, groups):
    """Scatter each input through the kernel: y[n, o, i·s + k·d - p] += x[n, c, i] w[c, o, k]."""
    ks = w.shape[2:]
    cg, og = x.shape[1] // groups, w.shape[1]
    out = [
        (i - 1) * s - 2 * p + d * (k - 1) + op + 1
        for i, s, p, d, k, op in zip(x.shape[2:], stride, padding, dilation, ks, output_padding)
    ]
    full = np.zeros((x.shape[0], og * groups) + tuple(o + 2 * p for o, p in zip(out, padding)))
    for i in itertools.product(*map(range, x.shape[2:])):
        for k in itertools.product(*map(range, ks)):
            pos = tuple(ii * s + ki * d for ii, ki, s, d in zip(i, k, stride, dilation))
            for g in range(groups):
                xs = x[(slice(None), slice(g * cg, (g + 1) * cg)) + i]  # (N, cg)
                ws = w[(slice(g * cg, (g + 1) * cg), slice(None)) + k]  # (cg, og)
                full[(slice(None), slice(g * og, (g + 1) * og)) + pos] += xs @ ws
    y = full[(slice(None), slice(None)) + tuple(slice(p, p + o) for p, o in zip(padding, out))]
    if b is not None:
        y = y + b.reshape((-1,) + (1,) * len(out))
    return y


def naive_conv_weight_grad(x, g, wshape, stride, pads, dilation, groups):
    """dW[o, c, k] = Σ_{n,l} g[n, o, l] · x_padded[n, c, l·stride + k·dilation]."""
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(pads))
    gw = np.zeros(wshape)
    cg, og = x.shape[1] // groups, wshape[0] // groups
    for o in itertools.product(*map(range, g.shape[2:])):
        for k in itertools.product(*map(range, wshape[2:])):
            pos = tuple(oi * s + ki * d for oi, ki, s, d in zip(o, k, stride, dilation))
            for gr in range(groups):
                xs = xp[(slice(None), slice(gr * cg, (gr + 1) * cg)) + pos]  # (N, cg)
                gs = g[(slice(None), slice(gr * og, (gr + 1) * og)) + o]  # (N, og)
                gw[(slice(gr * og, (gr + 1) * og), slice(None)) + k] += gs.T @ xs
    return gw


def _t(a, requires_grad=False):
    return edutorch.tensor(a, requires_grad=requires_grad)


def _rand(rng, *shape):
    return rng.standard_normal(shape)


# ------------------------------------------------------------------ gradcheck, every option
CONV2D_CASES = {
    "plain": dict(),
    "stride2": dict(stride=2),
    "stride_tuple": dict(stride=(2, 1)),
    "padding1": dict(padding=1),
    "padding_tuple": dict(padding=(0, 2)),
    "same_odd": dict(padding="same"),
    "valid": dict(padding="valid"),
    "dilation2": dict(dilation=2, padding=1),
    "groups2": dict(groups=2),
    "everything": dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
}


@pytest.mark.parametrize("case", CONV2D_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_gradcheck(case, bias):
    rng = np.random.default_rng(0)
    x = _t(_rand(rng, 2, 4, 5, 6), True)
    w = _t(_rand(rng, 4, 2 if "groups" in CONV2D_CASES[case] else 4, 3, 3), True)
    b = _t(_rand(rng, 4), True) if bias else None
    kw = CONV2D_CASES[case]
    inputs = (x, w, b) if bias else (x, w)
    assert gradcheck(lambda *a: F.conv2d(*a, **kw), inputs)


def test_conv2d_same_even_kernel_gradcheck():
    """An even kernel under "same" pads one more after than before, as torch does."""
    rng = np.random.default_rng(1)
    x, w = _t(_rand(rng, 1, 2, 4, 5), True), _t(_rand(rng, 3, 2, 2, 4), True)
    with pytest.warns(UserWarning, match="even kernel lengths"):
        y = F.conv2d(x, w, padding="same")
    assert y.shape == (1, 3, 4, 5)
    ref = naive_conv(x.detach().numpy(), w.detach().numpy(), None, (1, 1), ((0, 1), (1, 2)),
                     (1, 1), 1)  # fmt: skip
    np.testing.assert_allclose(y.detach().numpy(), ref, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(lambda a, b: F.conv2d(a, b, padding="same"), (x, w))


@pytest.mark.parametrize(
    "kw", [dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2), dict(groups=3)]
)
def test_conv1d_gradcheck(kw):
    rng = np.random.default_rng(2)
    x = _t(_rand(rng, 2, 3, 7), True)
    w = _t(_rand(rng, 3, 1 if kw.get("groups") else 3, 3), True)
    b = _t(_rand(rng, 3), True)
    assert gradcheck(lambda *a: F.conv1d(*a, **kw), (x, w, b))


CONVT_CASES = {
    "plain": dict(),
    "stride2": dict(stride=2),
    "padding1": dict(stride=2, padding=1),
    "output_padding": dict(stride=2, padding=1, output_padding=1),
    "output_padding_tuple": dict(stride=(2, 3), output_padding=(1, 2)),
    "groups2": dict(groups=2),
    "dilation2": dict(dilation=2),
    "output_padding_below_dilation": dict(dilation=2, output_padding=1),
}


@pytest.mark.parametrize("case", CONVT_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv_transpose2d_gradcheck(case, bias):
    rng = np.random.default_rng(3)
    x = _t(_rand(rng, 2, 4, 3, 3), True)
    w = _t(_rand(rng, 4, 3, 2, 3), True)
    b = _t(_rand(rng, 6 if "groups" in case else 3), True) if bias else None
    kw = CONVT_CASES[case]
    inputs = (x, w, b) if bias else (x, w)
    assert gradcheck(lambda *a: F.conv_transpose2d(*a, **kw), inputs)


SECOND_ORDER = {
    "conv2d_groups": (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2), 1),
    "conv2d_dilated_same": (lambda x, w, b: F.conv2d(x, w, b, dilation=2, padding="same"), 2),
    "conv_transpose2d": (
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, output_padding=1), 2,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_conv_second_derivatives(name):
    """The backward of each conv op is made of conv ops, so gradients of gradients work."""
    fn, w_in = SECOND_ORDER[name]
    rng = np.random.default_rng(4)
    x = _t(_rand(rng, 1, 2, 4, 4), True)
    w = _t(_rand(rng, 2, w_in, 3, 3), True)
    b = _t(_rand(rng, 2), True)
    assert gradgradcheck(fn, (x, w, b))


def test_conv1d_and_conv3d_second_derivatives():
    rng = np.random.default_rng(5)
    x, w = _t(_rand(rng, 1, 2, 5), True), _t(_rand(rng, 2, 2, 2), True)
    assert gradgradcheck(lambda a, b: F.conv1d(a, b, stride=2, padding=1), (x, w))
    x3, w3 = _t(_rand(rng, 1, 1, 3, 3, 3), True), _t(_rand(rng, 1, 1, 2, 2, 2), True)
    assert gradcheck(lambda a, b: F.conv3d(a, b, padding=1, stride=(1, 2, 1)), (x3, w3))


# ------------------------------------------------------------------ property tests vs the loops
@st.composite
def conv_configs(draw):
    dims = draw(st.sampled_from([1, 2]))
    groups = draw(st.sampled_from([1, 2, 3]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(dims))
    size = tuple(
        d * (kk - 1) + 1 + draw(st.integers(0, 5)) - 2 * p for kk, d, p in zip(k, dilation, padding)
    )
    size = tuple(max(s, 1) for s in size)
    n = draw(st.integers(1, 3))
    layout = draw(st.sampled_from(["contiguous", "transposed", "strided"]))
    seed = draw(st.integers(0, 2**16))
    return dims, groups, cin, cout, k, stride, dilation, padding, size, n, layout, seed


def _layout(a, layout):
    """The same values in a non-contiguous array (transposed back, or every other element)."""
    if layout == "transposed":
        return np.ascontiguousarray(a.swapaxes(0, 1)).swapaxes(0, 1)
    if layout == "strided":
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
        big[..., ::2] = a
        return big[..., ::2]
    return a


@settings(max_examples=60, deadline=None)
@given(conv_configs())
def test_conv_matches_naive_loops(cfg):
    dims, groups, cin, cout, k, stride, dilation, padding, size, n, layout, seed = cfg
    rng = np.random.default_rng(seed)
    pads = tuple((p, p) for p in padding)
    span_ok = all(s + 2 * p >= d * (kk - 1) + 1 for s, p, d, kk in zip(size, padding, dilation, k))
    if not span_ok:
        return
    x_np = _rand(rng, n, cin, *size)
    w_np = _rand(rng, cout, cin // groups, *k)
    b_np = _rand(rng, cout)
    x = edutorch.from_numpy(_layout(x_np, layout)).requires_grad_()  # from_numpy keeps strides
    w, b = _t(w_np, True), _t(b_np, True)
    conv = F.conv1d if dims == 1 else F.conv2d
    y = conv(x, w, b, stride, padding, dilation, groups)
    ref = naive_conv(x_np, w_np, b_np, stride, pads, dilation, groups)
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-10, atol=1e-10)
    g = _rand(rng, *ref.shape)
    y.backward(edutorch.from_numpy(_layout(g, layout)))
    # the input gradient is the transposed convolution of g, over the padded input, cropped
    full = naive_conv_transpose(g, w_np, None, stride, (0,) * dims, (0,) * dims, dilation, groups)
    gx = np.zeros((n, cin) + tuple(s + 2 * p for s, p in zip(size, padding)))
    gx[(slice(None), slice(None)) + tuple(slice(0, f) for f in full.shape[2:])] = full
    gx = gx[(slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in zip(padding, size))]
    np.testing.assert_allclose(x.grad.numpy(), gx, rtol=1e-10, atol=1e-10)
    gw = naive_conv_weight_grad(x_np, g, w_np.shape, stride, pads, dilation, groups)
    np.testing.assert_allclose(w.grad.numpy(), gw, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(b.grad.numpy(), g.sum(axis=(0,) + tuple(range(2, 2 + dims))))


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(0, 1),
    st.integers(1, 2), st.integers(1, 4), st.integers(0, 2**16),
)  # fmt: skip
def test_conv_transpose2d_matches_naive_loops(groups, k, stride, padding, dilation, size, seed):
    rng = np.random.default_rng(seed)
    output_padding = rng.integers(0, max(stride, dilation))
    out = (size - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1
    if out <= 0:
        return
    x_np = _rand(rng, 2, 2 * groups, size, size + 1)
    w_np = _rand(rng, 2 * groups, 3, k, k)
    b_np = _rand(rng, 3 * groups)
    y = F.conv_transpose2d(_t(x_np), _t(w_np), _t(b_np), stride, padding, int(output_padding),
                           groups, dilation)  # fmt: skip
    ref = naive_conv_transpose(x_np, w_np, b_np, (stride,) * 2, (padding,) * 2,
                               (int(output_padding),) * 2, (dilation,) * 2, groups)  # fmt: skip
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-10, atol=1e-10)


FLOAT32_CASES = {
    "3x3_pad1": (2, (3, 4, 9, 7), (5, 4, 3, 3), dict(padding=1)),
    "same_even_kernel": (2, (2, 3, 6, 5), (4, 3, 2, 4), dict(padding="same")),
    "dilation_groups": (2, (2, 4, 8, 9), (6, 2, 3, 2), dict(padding=(2, 1), dilation=2, groups=2)),
    "strided": (2, (2, 3, 9, 8), (4, 3, 3, 3), dict(stride=2, padding=1)),
    "conv1d": (1, (3, 2, 11), (4, 2, 3), dict(padding=2, dilation=2)),
    "conv3d": (3, (2, 2, 4, 5, 3), (3, 2, 2, 3, 2), dict(padding=1)),
}  # fmt: skip


@pytest.mark.parametrize("case", FLOAT32_CASES)
def test_backends_agree_in_float32(case, restore_backend):
    """Forward, input and weight gradients in float32 on each backend vs float64 loops: the
    backends differ only by float32 rounding (the compiled col2im sums in another order)."""
    dims, xs, ws, kw = FLOAT32_CASES[case]
    rng = np.random.default_rng(11)
    x_np, w_np = (
        rng.standard_normal(xs, dtype=np.float32),
        rng.standard_normal(ws, dtype=np.float32),
    )
    g_np = None
    conv = (F.conv1d, F.conv2d, F.conv3d)[dims - 1]
    for name in backends.BACKENDS:
        if name == "numba":
            pytest.importorskip("numba")
        backends.set_backend(name)
        got = []
        for dtype in (np.float64, np.float32):
            x, w = _t(x_np.astype(dtype), True), _t(w_np.astype(dtype), True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "same" with an even kernel warns
                y = conv(x, w, **kw)
            if g_np is None:
                g_np = rng.standard_normal(y.shape, dtype=np.float32)
            y.backward(_t(g_np.astype(dtype)))
            got.append([a.detach().numpy() for a in (y, x.grad, w.grad)])
        for exact, f32 in zip(*got):
            assert f32.dtype == np.float32
            np.testing.assert_allclose(f32, exact, rtol=1e-5, atol=1e-5 * np.abs(exact).max())


@pytest.mark.parametrize(
    "kw",
    [dict(), dict(stride=(2, 1), padding=(1, 2)), dict(padding=(1, 1), dilation=(2, 2), groups=2)],
)
def test_conv_kernels_in_chunks_of_samples(kw):
    """forward and backward_input run a few samples at a time (cache-sized chunks): one sample
    per chunk gives the same results as all at once, for each backend's layout."""
    kernels = backends.get_backend()
    rng = np.random.default_rng(13)
    x_shape, w = (5, 4, 7, 6), rng.standard_normal((6, 4 // kw.get("groups", 1), 3, 2))
    geo = dict(stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1) | kw
    pads = tuple((p, p) for p in geo["padding"])
    args = (geo["stride"], pads, geo["dilation"], geo["groups"])
    out = kernels.conv_forward(np.zeros(x_shape), w, None, *args[:3], args[3])
    g = rng.standard_normal(out.shape)
    whole = backends.numpy_kernels.ConvKernels(kernels._Geometry, chunk_bytes=1 << 30)
    one_by_one = backends.numpy_kernels.ConvKernels(kernels._Geometry, chunk_bytes=1)
    one_by_one.forward_chunk = 1
    np.testing.assert_allclose(
        one_by_one.backward_input(g, w, x_shape, *args),
        whole.backward_input(g, w, x_shape, *args), rtol=1e-12, atol=1e-12,
    )  # fmt: skip
    x = rng.standard_normal(x_shape)[..., ::-1]  # non-contiguous
    b = rng.standard_normal(w.shape[0])
    y = whole.forward(x, w, b, *args)
    np.testing.assert_allclose(y, naive_conv(x, w, b, *args), atol=1e-12)
    cols = one_by_one.columns(x, w.shape[2:], *args[:3])
    np.testing.assert_allclose(one_by_one.forward(x, w, b, *args, cols=cols), y, atol=1e-12)
    gw = whole.backward_weight(g, x, w.shape, *args)  # cols rebuilt
    np.testing.assert_allclose(one_by_one.backward_weight(g, x, w.shape, *args, cols=cols), gw,
                               atol=1e-12)  # fmt: skip
    ref = naive_conv_transpose(g, w, None, args[0], (0, 0), (0, 0), args[2], args[3])
    crop = tuple(slice(p, p + s) for p, s in zip(geo["padding"], x_shape[2:]))
    full = np.zeros(x_shape[:2] + tuple(s + 2 * p for s, p in zip(x_shape[2:], geo["padding"])))
    full[(slice(None), slice(None)) + tuple(slice(0, f) for f in ref.shape[2:])] = ref
    np.testing.assert_allclose(whole.backward_input(g, w, x_shape, *args),
                               full[(slice(None), slice(None)) + crop], atol=1e-12)  # fmt: skip


def test_weight_gradient_with_and_without_kept_columns(monkeypatch):
    """The forward keeps im2col's columns for the weight gradient (when freed memory is reused):
    the same gradient as rebuilding them, which a second backward of a retained graph does."""
    rng = np.random.default_rng(12)
    x = _t(rng.standard_normal((2, 3, 7, 6), dtype=np.float32), True)
    w = _t(rng.standard_normal((4, 3, 3, 3), dtype=np.float32), True)
    y = F.conv2d(x, w, padding=1)
    kept = backends.memory.tuned
    assert (y.grad_fn.cols is not None) == kept
    y.sum().backward(retain_graph=True)
    assert y.grad_fn.cols is None  # used once, then freed
    first = w.grad.numpy().copy()
    w.grad = None
    y.sum().backward()  # columns rebuilt from x
    np.testing.assert_array_equal(w.grad.numpy(), first)
    monkeypatch.setattr(backends.memory, "tuned", not kept)
    w.grad = None
    F.conv2d(x, w, padding=1).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), first)
    frozen = F.conv2d(x, w.detach(), padding=1)  # no weight gradient: nothing kept
    assert frozen.grad_fn.cols is None


def test_float32_in_float32_out_and_contiguous():
    rng = np.random.default_rng(6)
    x = edutorch.tensor(rng.standard_normal((2, 3, 6, 6), dtype=np.float32))
    w = edutorch.tensor(rng.standard_normal((4, 3, 3, 3), dtype=np.float32))
    y = F.conv2d(x, w, padding=1)
    assert y.dtype == edutorch.float32 and y.is_contiguous()
    ref = naive_conv(x.numpy().astype(np.float64), w.numpy().astype(np.float64), None, (1, 1),
                     ((1, 1), (1, 1)), (1, 1), 1)  # fmt: skip
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-4, atol=1e-4)


def test_unbatched_input_and_grad_fn_name():
    rng = np.random.default_rng(7)
    x = _t(_rand(rng, 3, 5, 5), True)
    w = _t(_rand(rng, 2, 3, 3, 3), True)
    y = F.conv2d(x, w, padding=1)
    assert y.shape == (2, 5, 5)
    batched = F.conv2d(x.unsqueeze(0), w, padding=1)
    np.testing.assert_allclose(y.detach().numpy(), batched[0].detach().numpy())
    assert F.conv2d(x.unsqueeze(0), w).grad_fn.name() == "ConvolutionBackward0"
    assert F.conv1d(_t(_rand(rng, 3, 7)), _t(_rand(rng, 2, 3, 3))).shape == (2, 5)


def test_conv_integer_tensors_follow_torch():
    x = edutorch.ones(1, 2, 4, 4, dtype=edutorch.int64)
    w = edutorch.ones(1, 2, 3, 3, dtype=edutorch.int64)
    y = F.conv2d(x, w)
    assert y.dtype == edutorch.int64 and y.tolist() == [[[[18, 18], [18, 18]]]]


# ------------------------------------------------------------------ layers
def test_conv_layer_shapes_and_init():
    edutorch.manual_seed(0)
    conv = nn.Conv2d(8, 16, (3, 5), groups=2)
    assert conv.weight.shape == (16, 4, 3, 5) and conv.bias.shape == (16,)
    bound = 1 / np.sqrt(4 * 3 * 5)
    for p in (conv.weight, conv.bias):
        assert np.abs(p.detach().numpy()).max() <= bound
    # U(-b, b) has standard deviation b/√3
    assert abs(conv.weight.detach().numpy().std() - bound / np.sqrt(3)) < 0.1 * bound
    convt = nn.ConvTranspose2d(6, 4, 3, groups=2, bias=False)
    assert convt.weight.shape == (6, 2, 3, 3) and convt.bias is None
    assert np.abs(convt.weight.detach().numpy()).max() <= 1 / np.sqrt(2 * 9)
    assert list(dict(nn.Conv1d(2, 3, 4).named_parameters())) == ["weight", "bias"]


def test_conv_layer_reprs():
    assert repr(nn.Conv2d(3, 8, 3)) == "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.Conv2d(3, 8, (3, 5), stride=2, padding=1, dilation=2, bias=False)) == (
        "Conv2d(3, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), "
        "bias=False)"
    )
    assert repr(nn.Conv1d(4, 8, 3, padding="same", groups=2)) == (
        "Conv1d(4, 8, kernel_size=(3,), stride=(1,), padding=same, groups=2)"
    )
    assert repr(nn.ConvTranspose2d(3, 8, 3, stride=2, output_padding=1)) == (
        "ConvTranspose2d(3, 8, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))"
    )


def test_conv_transpose_output_size():
    rng = np.random.default_rng(8)
    up = nn.ConvTranspose2d(2, 2, 3, stride=2, padding=1)
    x = _t(rng.standard_normal((1, 2, 4, 4), dtype=np.float32))
    assert up(x).shape == (1, 2, 7, 7)
    assert up(x, output_size=(8, 8)).shape == (1, 2, 8, 8)
    assert up(x, output_size=[1, 2, 8, 7]).shape == (1, 2, 8, 7)
    with pytest.raises(ValueError, match="requested an output size of"):
        up(x, output_size=(9, 9))


def test_layer_constructor_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(4, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        nn.Conv2d(4, 4, 3, padding="full")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(4, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect")


# ------------------------------------------------------------------ torch parity
LAYERS = {
    "conv1d": (lambda m: m.Conv1d(4, 6, 3, stride=2, padding=1), (3, 4, 11)),
    "conv1d_same_groups": (lambda m: m.Conv1d(4, 6, 4, padding="same", groups=2), (3, 4, 9)),
    "conv2d": (lambda m: m.Conv2d(3, 5, 3, padding=1), (2, 3, 8, 7)),
    "conv2d_strided_dilated": (
        lambda m: m.Conv2d(4, 6, (3, 2), (2, 1), (1, 0), 2, 2), (2, 4, 9, 8),
    ),
    "conv2d_no_bias_valid": (
        lambda m: m.Conv2d(3, 4, 2, padding="valid", bias=False), (2, 3, 5, 6),
    ),
    "conv2d_depthwise": (lambda m: m.Conv2d(4, 4, 3, padding="same", groups=4), (2, 4, 6, 6)),
    "conv_transpose2d": (
        lambda m: m.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1), (2, 4, 5, 4),
    ),
    "conv_transpose2d_groups_dilation": (
        lambda m: m.ConvTranspose2d(4, 6, 2, stride=(1, 2), groups=2, dilation=2), (2, 4, 3, 5),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", LAYERS)
def test_layers_match_torch(name):
    torch = pytest.importorskip("torch")
    make, shape = LAYERS[name]
    tm, em = make(torch.nn), make(nn)
    assert repr(tm) == repr(em)
    em.load_state_dict({k: edutorch.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(9)
    x = rng.standard_normal(shape, dtype=np.float32)
    xt, xe = torch.tensor(x, requires_grad=True), edutorch.tensor(x, requires_grad=True)
    yt, ye = tm(xt), em(xe)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = rng.standard_normal(tuple(yt.shape), dtype=np.float32)
    yt.backward(torch.tensor(g))
    ye.backward(edutorch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    for (n, pe), pt in zip(em.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(
            pe.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=n
        )


def test_conv3d_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10)
    x, w = rng.standard_normal((2, 2, 4, 5, 3)), rng.standard_normal((4, 1, 2, 3, 2))
    kw = dict(stride=(1, 2, 1), padding=(1, 0, 1), dilation=(2, 1, 1), groups=2)
    ye = F.conv3d(_t(x), _t(w), **kw)
    yt = torch.nn.functional.conv3d(torch.tensor(x), torch.tensor(w), **kw)
    np.testing.assert_allclose(ye.numpy(), yt.numpy(), atol=1e-12)


BAD_CALLS = {
    "channels": lambda f, t: f.conv2d(t(1, 4, 5, 5), t(8, 3, 3, 3)),
    "input_dims": lambda f, t: f.conv2d(t(2, 3), t(8, 3, 3, 3)),
    "input_dims_5": lambda f, t: f.conv2d(t(1, 2, 3, 3, 3), t(8, 3, 3, 3)),
    "kernel_too_big": lambda f, t: f.conv2d(t(1, 3, 2, 2), t(8, 3, 3, 3)),
    "groups_weight": lambda f, t: f.conv2d(t(1, 4, 5, 5), t(3, 2, 3, 3), groups=2),
    "groups_input": lambda f, t: f.conv2d(t(1, 5, 5, 5), t(4, 2, 3, 3), groups=2),
    "negative_padding": lambda f, t: f.conv2d(t(1, 3, 5, 5), t(8, 3, 3, 3), padding=-1),
    "zero_stride": lambda f, t: f.conv2d(t(1, 3, 5, 5), t(8, 3, 3, 3), stride=0),
    "zero_dilation": lambda f, t: f.conv2d(t(1, 3, 5, 5), t(8, 3, 3, 3), dilation=0),
    "zero_groups": lambda f, t: f.conv2d(t(1, 3, 5, 5), t(8, 3, 3, 3), groups=0),
    "padding_string": lambda f, t: f.conv2d(t(1, 3, 5, 5), t(8, 3, 3, 3), padding="foo"),
    "same_strided": lambda f, t: f.conv2d(t(1, 3, 5, 5), t(8, 3, 3, 3), padding="same", stride=2),
    "bias_size": lambda f, t: f.conv2d(t(1, 3, 5, 5), t(8, 3, 3, 3), t(7)),
    "weight_dims": lambda f, t: f.conv2d(t(1, 3, 5, 5), t(8, 3, 3)),
    "stride_length": lambda f, t: f.conv2d(t(1, 3, 5, 5), t(8, 3, 3, 3), stride=(1, 1, 1)),
    "conv1d_dims": lambda f, t: f.conv1d(t(1, 3, 5, 5), t(8, 3, 3)),
    "conv1d_channels": lambda f, t: f.conv1d(t(2, 4, 5), t(8, 3, 3)),
    "transpose_channels": lambda f, t: f.conv_transpose2d(t(1, 4, 5, 5), t(3, 8, 3, 3)),
    "transpose_output_padding": lambda f, t: f.conv_transpose2d(
        t(1, 3, 5, 5), t(3, 8, 3, 3), output_padding=1
    ),
    "transpose_dims": lambda f, t: f.conv_transpose2d(t(3, 5), t(3, 8, 3, 3)),
    "transpose_groups": lambda f, t: f.conv_transpose2d(t(1, 3, 5, 5), t(3, 3, 3, 3), groups=2),
    "transpose_too_small": lambda f, t: f.conv_transpose2d(t(1, 3, 1, 1), t(3, 3, 1, 1), padding=1),
}  # fmt: skip


@pytest.mark.parametrize("name", BAD_CALLS)
def test_errors_match_torch(name):
    torch = pytest.importorskip("torch")
    assert_same_error(BAD_CALLS[name], torch, functional_and("zeros"))


def test_dtype_mismatch_errors():
    x64 = edutorch.zeros(1, 3, 5, 5, dtype=edutorch.float64)
    w32 = edutorch.zeros(8, 3, 3, 3)
    with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
        F.conv2d(x64, w32)
    with pytest.raises(RuntimeError, match=r"Input type \(float\) and bias type \(double\)"):
        F.conv2d(edutorch.zeros(1, 3, 5, 5), w32, edutorch.zeros(8, dtype=edutorch.float64))


# ------------------------------------------------------------------ the backend switch
@pytest.fixture
def restore_backend():
    yield
    backends.set_backend("numpy")


def test_backend_default_and_switch(restore_backend, monkeypatch):
    assert backends.backend_name() == "numpy"
    assert backends.get_backend() is backends.numpy_kernels
    with pytest.raises(ValueError, match="unknown backend 'cuda'"):
        backends.set_backend("cuda")
    pytest.importorskip("numba")
    backends.set_backend("numba")
    assert backends.get_backend() is backends.numba_kernels
    assert backends.backend_name() == "numba"
    assert "requested 'numba'" in backends.describe()


def test_backend_numba_missing_warns_once(restore_backend, monkeypatch):
    monkeypatch.setattr(backends, "_numba_installed", lambda: False)
    monkeypatch.setattr(backends, "_warned", False)
    with pytest.warns(RuntimeWarning, match="numba is not installed"):
        backends.set_backend("numba")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        backends.set_backend("numba")  # the second time: no warning
    assert backends.backend_name() == "numpy"
    assert "not installed" in backends.describe()
    x = edutorch.ones(1, 1, 3, 3)
    assert F.conv2d(x, edutorch.ones(1, 1, 2, 2)).tolist() == [[[[4.0, 4.0], [4.0, 4.0]]]]


@pytest.mark.parametrize("value, expected", [("numba", "'numba'"), ("bogus", "'numpy'")])
def test_backend_from_environment(value, expected):
    code = "import warnings; warnings.simplefilter('ignore'); import edutorch.backends as b; " \
           "print(b.describe())"  # fmt: skip
    env = {"EDUTORCH_BACKEND": value, "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=str(__import__("pathlib").Path(__file__).parents[2]))  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert f"requested {expected}" in out.stdout


def test_memory_tuning_reported_and_optional():
    from edutorch.backends import memory

    assert memory.keep_freed_memory() is memory.tuned  # idempotent
    assert ("freed memory is kept" in backends.describe()) == memory.tuned
    code = "import edutorch.backends as b; print(b.memory.tuned)"
    env = {"EDUTORCH_MALLOC_TUNING": "0", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=str(__import__("pathlib").Path(__file__).parents[2]))  # fmt: skip
    assert out.stdout.strip() == "False", out.stderr
