"""F.pad, the padding layers and Conv padding_mode: a naive index reference (hypothesis, every
mode, negative pads), np.pad, gradcheck and gradgradcheck, torch parity, reprs and errors."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import edutorch
from edutorch import nn
from edutorch.autograd import gradcheck, gradgradcheck
from edutorch.nn import functional as F

from ._errors import assert_same_error, error_of

MODES = ("constant", "reflect", "replicate", "circular")
NUMPY = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


# ------------------------------------------------------------------ naive reference (formulas)
def naive_sources(n, lo, hi, mode):
    """For each output position along one dim, the input position it reads (None: the fill)."""
    a, b = max(-lo, 0), n - max(-hi, 0)  # circular wraps only what a crop keeps
    src = []
    for j in range(n + lo + hi):
        i = j - lo  # the output position of input i, before any border rule
        if mode == "constant":
            src.append(i if 0 <= i < n else None)
        elif mode == "reflect":
            src.append(-i if i < 0 else 2 * (n - 1) - i if i >= n else i)
        elif mode == "replicate":
            src.append(min(max(i, 0), n - 1))
        else:
            src.append(a + (i - a) % (b - a))
    return src


def naive_pad(x, pad, mode, value=0.0):
    """x padded dim by dim from ``naive_sources`` (no np.pad): one slice per output position."""
    y = x
    for k in range(len(pad) // 2):
        axis = x.ndim - 1 - k
        src = naive_sources(y.shape[axis], pad[2 * k], pad[2 * k + 1], mode)
        fill = np.full(y.shape[:axis] + (1,) + y.shape[axis + 1 :], value, y.dtype)
        parts = [fill if i is None else np.take(y, [i], axis) for i in src]
        y = np.concatenate(parts, axis) if parts else np.take(y, [], axis)
    return y


def naive_fold(g, shape, pad, mode):
    """The input gradient by np.add.at over ``naive_sources``: each output adds into its source."""
    for k in range(len(pad) // 2):
        axis = len(shape) - 1 - k
        src = naive_sources(shape[axis], pad[2 * k], pad[2 * k + 1], mode)
        out = np.zeros(g.shape[:axis] + (shape[axis],) + g.shape[axis + 1 :])
        for j, i in enumerate(src):
            if i is not None:
                out[(slice(None),) * axis + (i,)] += g[(slice(None),) * axis + (j,)]
        g = out
    return g


@st.composite
def pad_cases(draw):
    """(mode, shape, pad) that torch accepts, including crops; non-constant modes pad the last
    1-3 dims of a batched or unbatched input."""
    mode = draw(st.sampled_from(MODES))
    n = draw(st.integers(1, 3))
    lead = draw(st.integers(0, 2)) if mode == "constant" else draw(st.integers(1, 2))
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=lead + n, max_size=lead + n)))
    pad = []
    for s in reversed(shape[lead:]):
        limit = s - 1 if mode == "reflect" else s
        pad += [
            draw(st.integers(-s, limit)),
            draw(st.integers(-s, limit if mode != "constant" else 4)),
        ]
    for k, s in enumerate(reversed(shape[lead:])):
        lo, hi = pad[2 * k], pad[2 * k + 1]
        assume(s + lo + hi >= 1)
        assume(mode != "circular" or max(lo, hi) <= s - max(-lo, 0) - max(-hi, 0))
        assume(mode != "constant" or s + min(lo, 0) + min(hi, 0) >= 0)
    return mode, shape, tuple(pad)


@settings(max_examples=150, deadline=None)
@given(pad_cases(), st.integers(0, 2**31 - 1))
def test_forward_and_backward_match_naive_reference(case, seed):
    mode, shape, pad = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    t = edutorch.tensor(x, requires_grad=True)
    y = F.pad(t, pad, mode, 2.5 if mode == "constant" else None)
    np.testing.assert_array_equal(y.detach().numpy(), naive_pad(x, pad, mode, 2.5))
    if min(pad) >= 0:  # no crop: np.pad (torch's modes under numpy's names) agrees too
        widths = [(0, 0)] * (x.ndim - len(pad) // 2) + list(zip(pad[-2::-2], pad[-1::-2]))
        fill = {"constant_values": 2.5} if mode == "constant" else {}
        np.testing.assert_array_equal(y.detach().numpy(), np.pad(x, widths, NUMPY[mode], **fill))
    g = rng.standard_normal(tuple(y.shape))
    y.backward(edutorch.tensor(g))
    np.testing.assert_allclose(t.grad.numpy(), naive_fold(g, shape, pad, mode), atol=1e-12)


# ---------------------------------------------------------------------- gradcheck (float64)
GRAD_CASES = [
    ("constant", (3, 5), (2, -1)),
    ("constant", (2, 3, 4), (-1, -2, 3, 1, 1, 0)),  # crops and pads, on every dim
    ("constant", (5,), (-2, -3)),  # crops only
    ("reflect", (2, 3, 7), (3, 6)),
    ("reflect", (2, 5, 3), (-1, 2, 4, -2)),
    ("reflect", (1, 2, 3, 4, 5), (4, 1, 2, 3, 1, 2)),
    ("replicate", (3, 2), (5, 0)),  # more than the size: the edge repeats
    ("replicate", (2, 3, 3, 4), (2, -1, -2, 3)),
    ("replicate", (2, 2, 3, 4), (1, 2, 0, 3, 2, 1)),
    ("circular", (2, 5), (-1, 2)),  # the crop first, then the wrap of what is left
    ("circular", (1, 2, 3, 4), (3, 4, 1, 3)),
    ("circular", (2, 2, 3, 4), (1, 2, 3, 0, 2, 2)),
]


@pytest.mark.parametrize("mode, shape, pad", GRAD_CASES)
@pytest.mark.parametrize("transposed", [False, True])
def test_gradcheck_and_gradgradcheck(mode, shape, pad, transposed):
    rng = np.random.default_rng(0)
    dims = tuple(range(len(shape)))[::-1]
    # transposed: the same shape, as a non-contiguous view of an array laid out the other way
    x = edutorch.tensor(
        rng.standard_normal(shape[::-1] if transposed else shape), requires_grad=True
    )
    value = 0.5 if mode == "constant" else None

    def f(t):
        return F.pad(t.permute(dims) if transposed else t, pad, mode, value)

    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))
    assert gradgradcheck(lambda t: f(t) ** 2, (x,))


def test_no_alias_dtypes_and_zero_dims():
    x = edutorch.arange(5.0)
    for pad in [(0, 0), (-1, -1), ()]:
        y = F.pad(x, pad)
        y[0] = 9.0  # a new tensor, never a view of x
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert F.pad(edutorch.tensor([-1, 2]), (1, 1), value=-2.7).tolist() == [-2, -1, 2, -2]
    assert F.pad(edutorch.tensor([True]), (1, 1)).tolist() == [False, True, False]
    assert F.pad(edutorch.tensor(1.0), ()).item() == 1.0
    assert F.pad(edutorch.zeros(0), (1, 2), value=3.0).tolist() == [3.0, 3.0, 3.0]
    assert F.pad(edutorch.zeros(0, 1, 2, 3), (1, 1, 1, 1), "reflect").shape == (0, 1, 4, 5)
    assert F.pad(edutorch.arange(6).reshape(1, 1, 6), (2, 1), "reflect").dtype == edutorch.int64


def test_backward_without_graph_and_with_create_graph_agree():
    x = edutorch.randn(2, 3, 5, dtype=edutorch.float64, requires_grad=True)
    g = edutorch.randn(2, 3, 9, dtype=edutorch.float64)
    (plain,) = edutorch.autograd.grad(F.pad(x, (3, 1), "reflect"), x, g)
    (graph,) = edutorch.autograd.grad(F.pad(x, (3, 1), "reflect"), x, g, create_graph=True)
    np.testing.assert_array_equal(plain.numpy(), graph.detach().numpy())


# ------------------------------------------------------------------------------ torch parity
PARITY = [
    ("constant", (2, 3), (1, 2)),
    ("constant", (2, 3, 4, 5), (1, -2, 0, 3, 2, 1, -1, 1)),  # 4 padded dims: constant only
    ("reflect", (3, 6), (5, 2)),
    ("reflect", (2, 3, 5, 6), (-3, 5, 4, 1)),
    ("reflect", (3, 4, 5, 6), (2, -3, 1, 1, 3, 0)),
    ("replicate", (2, 3, 4), (-2, 7)),
    ("replicate", (3, 4, 5), (2, 1, 3, 6)),
    ("replicate", (2, 1, 3, 4, 5), (4, -5, 2, 1, 1, 1)),
    ("circular", (2, 3, 5), (-2, 3)),
    ("circular", (2, 3, 4, 5), (5, 5, 4, 0)),
    ("circular", (3, 4, 5, 6), (1, 2, 2, 1, 1, 3)),
]


def _pad_run(lib, x, g, gg, mode, pad):
    """(y, dx, d(dx·gg)/dx and /dg) in lib: forward, backward and double backward."""
    t = lib.tensor(x, requires_grad=True)
    go = lib.tensor(g, requires_grad=True)
    y = lib.nn.functional.pad(t, pad, mode, 1.5 if mode == "constant" else None)
    (dx,) = lib.autograd.grad(y, t, go, create_graph=True)
    (ddg,) = lib.autograd.grad((dx * lib.tensor(gg)).sum(), go)
    return [a.detach().numpy() for a in (y, dx, ddg)]


@pytest.mark.parametrize("mode, shape, pad", PARITY)
def test_functional_matches_torch(mode, shape, pad):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    y = torch.nn.functional.pad(torch.tensor(x), pad, mode)
    g, gg = rng.standard_normal(tuple(y.shape)), rng.standard_normal(shape)
    for want, got in zip(
        _pad_run(torch, x, g, gg, mode, pad), _pad_run(edutorch, x, g, gg, mode, pad)
    ):
        np.testing.assert_allclose(got, want, atol=1e-12)


LAYERS = [
    ("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad2d", ((1, -1, 2, 0),), (3, 4, 5)),
    ("ZeroPad3d", (1,), (2, 3, 4)), ("ConstantPad1d", ((3, 1), 3.5), (2, 3, 4)),
    ("ConstantPad2d", (1, -2), (2, 2, 3, 4)), ("ConstantPad3d", ((1, 2, 0, 1, 2, 0), 7), (3, 4, 5)),
    ("ReflectionPad1d", (3,), (2, 5)), ("ReflectionPad2d", ((1, 2, 0, 2),), (2, 3, 4, 5)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 4, 5)), ("ReplicationPad1d", ((4, 0),), (2, 3, 2)),
    ("ReplicationPad2d", (2,), (3, 4, 5)),
    ("ReplicationPad3d", ((1, 0, 2, 1, 0, 3),), (2, 3, 4, 5)),
    ("CircularPad1d", (2,), (2, 3, 4)), ("CircularPad2d", ((1, 2, 3, 0),), (3, 4, 5)),
    ("CircularPad3d", ([1, 0, 2, 2, 1, 1],), (1, 2, 3, 4, 5)),
]  # fmt: skip


@pytest.mark.parametrize("name, args, shape", LAYERS)
def test_layers_match_torch(name, args, shape):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding and ours.state_dict() == {}
    x = np.random.default_rng(2).standard_normal(shape)
    a, b = edutorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(a), theirs(b)
    np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
    g = np.arange(ya.numel(), dtype=float).reshape(tuple(ya.shape))
    ya.backward(edutorch.tensor(g))
    yb.backward(torch.tensor(g))
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_layer_constructors_and_reprs_without_torch():
    assert repr(nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(nn.ConstantPad1d(2, 3.5)) == "ConstantPad1d(padding=(2, 2), value=3.5)"
    assert repr(nn.ReflectionPad3d([1, 2, 3, 4, 5, 6])) == "ReflectionPad3d((1, 2, 3, 4, 5, 6))"
    assert nn.ZeroPad3d(2).value == 0.0 and isinstance(nn.ZeroPad3d(2), nn.ConstantPad3d)
    assert nn.ReplicationPad2d((1, 2)).padding == (1, 2)  # kept as given, as torch does
    y = nn.CircularPad1d((3, 1))(edutorch.arange(8.0).reshape(1, 2, 4))
    assert y.tolist() == [[[1, 2, 3, 0, 1, 2, 3, 0], [5, 6, 7, 4, 5, 6, 7, 4]]]


CONVS = [
    ("Conv1d", dict(kernel_size=3, padding=2), (2, 4, 7)),
    ("Conv1d", dict(kernel_size=4, padding="same", dilation=2), (4, 9)),  # unbatched, odd split
    ("Conv2d", dict(kernel_size=3, padding=(1, 2), stride=2), (2, 4, 6, 7)),
    ("Conv2d", dict(kernel_size=(2, 3), padding="same", groups=2), (1, 4, 5, 6)),
    ("Conv2d", dict(kernel_size=3, padding="valid"), (1, 4, 5, 5)),
    ("Conv3d", dict(kernel_size=3, padding=1), (1, 4, 4, 5, 3)),
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("name, kwargs, shape", CONVS)
def test_conv_padding_mode_matches_torch(name, kwargs, shape, padding_mode):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, name)(4, 6, padding_mode=padding_mode, **kwargs).double()
    ours = getattr(nn, name)(4, 6, padding_mode=padding_mode, **kwargs).double()
    assert repr(ours) == repr(theirs)
    assert ours._reversed_padding_repeated_twice == list(theirs._reversed_padding_repeated_twice)
    state = {k: edutorch.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)
    assert list(ours.state_dict()) == list(theirs.state_dict())  # padding_mode adds nothing
    x = np.random.default_rng(3).standard_normal(shape)
    a, b = edutorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(a), theirs(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), atol=1e-12)
    ya.sum().backward()
    yb.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), atol=1e-12)


def test_conv_padding_mode_gradcheck():
    conv = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="reflect").double()
    x = edutorch.randn(1, 2, 4, 5, dtype=edutorch.float64, requires_grad=True)
    assert gradcheck(lambda t: conv(t), (x,))
    assert gradgradcheck(lambda t: conv(t) ** 2, (x,))


def test_conv_padding_mode_errors():
    with pytest.raises(ValueError, match="padding_mode must be one of .*got padding_mode='mirror'"):
        nn.Conv2d(4, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTra'):
        nn.ConvTranspose1d(4, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(4, 4, 3, stride=2, padding="same", padding_mode="circular")
    with pytest.raises(RuntimeError, match="Padding size should be less than"):
        nn.Conv1d(1, 1, 3, padding=3, padding_mode="reflect")(edutorch.zeros(1, 1, 3))


def test_onnx_refuses_conv_padding_mode():
    pytest.importorskip("onnx")
    import io

    import edutorch.onnx

    conv = nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect")
    with pytest.raises(NotImplementedError, match="padding_mode='reflect'"):
        edutorch.onnx.export(conv, edutorch.zeros(1, 1, 5, 5), io.BytesIO())


# ------------------------------------------------------------------------------------ errors
BAD_CALLS = {
    "odd": lambda F, t: F.pad(t(1, 2, 5), (1,)),
    "too many": lambda F, t: F.pad(t(1, 2, 5), (1,) * 8),
    "mode": lambda F, t: F.pad(t(1, 2, 5), (1, 1), mode="zeros"),
    "pad int": lambda F, t: F.pad(t(1, 2, 5), 1),
    "pad float": lambda F, t: F.pad(t(1, 2, 5), (1.0, 1)),
    "pad float later": lambda F, t: F.pad(t(1, 2, 5), (1, 1.0)),
    "pad bool": lambda F, t: F.pad(t(1, 2, 5), (True, 1)),
    "input list": lambda F, t: F.pad([1.0, 2.0], (1, 1)),
    "value": lambda F, t: F.pad(t(1, 2, 5), (1, 1), mode="reflect", value=1.0),
    "1-D reflect": lambda F, t: F.pad(t(5), (1, 1), mode="reflect"),
    "4-D by 2": lambda F, t: F.pad(t(2, 3, 4, 5), (1, 1), mode="replicate"),
    "6-D": lambda F, t: F.pad(t(1, 1, 2, 2, 2, 2), (1,) * 6, mode="circular"),
    "no pad": lambda F, t: F.pad(t(1, 2, 5), (), mode="reflect"),
    "reflect W": lambda F, t: F.pad(t(1, 1, 5), (5, 0), mode="reflect"),
    "reflect H": lambda F, t: F.pad(t(1, 1, 2, 6), (1, 1, 2, 2), mode="reflect"),
    "reflect D": lambda F, t: F.pad(t(1, 2, 3, 6), (1, 1, 1, 1, 2, 2), mode="reflect"),
    "reflect empty": lambda F, t: F.pad(t(1, 0, 6), (1, 1), mode="reflect"),
    "replicate empty": lambda F, t: F.pad(t(0, 4, 4), (1, 1, 1, 1), mode="replicate"),
    "too small W": lambda F, t: F.pad(t(1, 1, 5), (0, -5), mode="replicate"),
    "too small HW": lambda F, t: F.pad(t(1, 1, 3, 4), (0, -4, 0, -3), mode="reflect"),
    "too small HW rep": lambda F, t: F.pad(t(1, 1, 3, 4), (-5, 0, -1, -4), mode="replicate"),
    "too small DHW": lambda F, t: F.pad(t(1, 2, 3, 4), (0, -4, 0, -3, 0, -2), mode="reflect"),
    "wrap": lambda F, t: F.pad(t(1, 1, 5), (6, 0), mode="circular"),
    "wrap H": lambda F, t: F.pad(t(1, 2, 6), (1, 1, 3, 2), mode="circular"),
    "circular empty": lambda F, t: F.pad(t(1, 1, 5), (-3, -3), mode="circular"),
    "crop": lambda F, t: F.pad(t(5), (-3, -3)),
}  # fmt: skip


@pytest.mark.parametrize("name", BAD_CALLS)
def test_errors_match_torch(name):
    torch = pytest.importorskip("torch")
    make = lambda lib: (lib.nn.functional, lambda *s: lib.zeros(s))  # noqa: E731
    assert_same_error(BAD_CALLS[name], torch, make)


@pytest.mark.parametrize(
    "layer, shape",
    [("CircularPad1d", (4, 5, 6, 7)), ("CircularPad2d", (7,)), ("ReflectionPad1d", (2, 3, 4, 5))],
)
def test_layer_input_errors_match_torch(layer, shape):
    torch = pytest.importorskip("torch")
    assert_same_error(
        lambda m, x: m(x), torch, lambda lib: (getattr(lib.nn, layer)(2), lib.zeros(shape))
    )


def test_errors_without_torch():
    x = edutorch.zeros(1, 2, 5)
    assert error_of(F.pad, x, (1,)) == ("RuntimeError", "Padding length must be divisible by 2")
    assert error_of(F.pad, x, (1, 1), "foo") == (
        "NotImplementedError",
        "Unrecognised padding mode foo",
    )
    assert error_of(F.pad, x, (1,) * 6, "reflect")[0] == "NotImplementedError"
    assert F.pad(x, (1, True)).shape == (1, 2, 7)  # torch takes a bool after the first element
    with pytest.raises(RuntimeError, match=r"Argument #4: .* padding \(5, 0\) at dimension 2"):
        F.pad(x, (5, 0), "reflect")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(x, (-3, 3), "circular")  # torch reads past what the crop keeps; we refuse
