"""Linear, Identity, Flatten/Unflatten and every activation: gradcheck, a numpy reference over odd
and non-contiguous shapes, and parity with torch (outputs and gradients)."""

import math
import warnings

import numpy as np
import pytest

import edutorch
from edutorch import nn
from edutorch.autograd import gradcheck, gradgradcheck
from edutorch.nn import functional as F

_erf = np.vectorize(math.erf)


def _logsigmoid(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _softmax(x, dim):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


_TANH_GELU_K = math.sqrt(2 / math.pi)

# name: (call on the functional module of a library, numpy reference, points where it has a kink)
ACTIVATIONS = {
    "relu": (lambda f, x: f.relu(x), lambda x: np.maximum(x, 0), [0.0]),
    "relu6": (lambda f, x: f.relu6(x), lambda x: np.clip(x, 0, 6), [0.0, 6.0]),
    "leaky_relu": (lambda f, x: f.leaky_relu(x), lambda x: np.where(x > 0, x, 0.01 * x), [0.0]),
    "leaky_relu_0.2": (
        lambda f, x: f.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x), [0.0],
    ),
    "elu": (lambda f, x: f.elu(x), lambda x: np.where(x > 0, x, np.expm1(x)), [0.0]),
    "elu_0.5": (lambda f, x: f.elu(x, 0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)), [0.0]),
    "gelu": (lambda f, x: f.gelu(x), lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))), []),
    "gelu_tanh": (
        lambda f, x: f.gelu(x, approximate="tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(_TANH_GELU_K * (x + 0.044715 * x**3))),
        [],
    ),
    "silu": (lambda f, x: f.silu(x), lambda x: x / (1 + np.exp(-x)), []),
    "sigmoid": (lambda f, x: f.sigmoid(x), lambda x: 1 / (1 + np.exp(-x)), []),
    "tanh": (lambda f, x: f.tanh(x), np.tanh, []),
    "softplus": (
        lambda f, x: f.softplus(x), lambda x: np.where(x > 20, x, np.log1p(np.exp(x))), [20.0],
    ),
    "softplus_2_5": (
        lambda f, x: f.softplus(x, beta=2, threshold=5),
        lambda x: np.where(2 * x > 5, x, np.log1p(np.exp(2 * x)) / 2),
        [2.5],
    ),
    "hardtanh": (lambda f, x: f.hardtanh(x), lambda x: np.clip(x, -1, 1), [-1.0, 1.0]),
    "hardtanh_wide": (
        lambda f, x: f.hardtanh(x, -0.5, 2.0), lambda x: np.clip(x, -0.5, 2.0), [-0.5, 2.0],
    ),
    "logsigmoid": (lambda f, x: f.logsigmoid(x), _logsigmoid, []),
    "softmax": (lambda f, x: f.softmax(x, dim=-1), lambda x: _softmax(x, -1), []),
    "softmax_0": (lambda f, x: f.softmax(x, dim=0), lambda x: _softmax(x, 0), []),
    "log_softmax": (
        lambda f, x: f.log_softmax(x, dim=1), lambda x: np.log(_softmax(x, 1)), [],
    ),
    "softmin": (lambda f, x: f.softmin(x, dim=1), lambda x: _softmax(-x, 1), []),
}  # fmt: skip

# the module form of each activation (with the same arguments), for repr and forward checks
MODULES = {
    "relu": lambda nn_: nn_.ReLU(), "relu6": lambda nn_: nn_.ReLU6(),
    "leaky_relu": lambda nn_: nn_.LeakyReLU(), "leaky_relu_0.2": lambda nn_: nn_.LeakyReLU(0.2),
    "elu": lambda nn_: nn_.ELU(), "elu_0.5": lambda nn_: nn_.ELU(alpha=0.5),
    "gelu": lambda nn_: nn_.GELU(), "gelu_tanh": lambda nn_: nn_.GELU(approximate="tanh"),
    "silu": lambda nn_: nn_.SiLU(), "sigmoid": lambda nn_: nn_.Sigmoid(),
    "tanh": lambda nn_: nn_.Tanh(), "softplus": lambda nn_: nn_.Softplus(),
    "softplus_2_5": lambda nn_: nn_.Softplus(beta=2, threshold=5),
    "hardtanh": lambda nn_: nn_.Hardtanh(), "hardtanh_wide": lambda nn_: nn_.Hardtanh(-0.5, 2.0),
    "logsigmoid": lambda nn_: nn_.LogSigmoid(), "softmax": lambda nn_: nn_.Softmax(dim=-1),
    "softmax_0": lambda nn_: nn_.Softmax(0), "log_softmax": lambda nn_: nn_.LogSoftmax(dim=1),
    "softmin": lambda nn_: nn_.Softmin(dim=1),
}  # fmt: skip

NAMES = list(ACTIVATIONS)


def _away_from(x, kinks, margin=0.05):
    """Move points off the kinks, where finite differences (and torch's choice) are ambiguous."""
    for k in kinks:
        near = np.abs(x - k) < margin
        x = np.where(near, x + 2 * margin, x)
    return x


def _input(shape, scale=3.0, seed=0, kinks=(), dtype=np.float64):
    rng = np.random.default_rng(seed)
    return _away_from(rng.uniform(-scale, scale, shape), kinks).astype(dtype)


# ------------------------------------------------------------------ activations
@pytest.mark.parametrize("name", NAMES)
def test_activation_gradcheck(name):
    fn, _, kinks = ACTIVATIONS[name]
    x = edutorch.tensor(_input((3, 4), kinks=kinks), requires_grad=True)
    assert gradcheck(lambda t: fn(F, t), (x,))
    assert gradgradcheck(lambda t: fn(F, t), (x,))


@pytest.mark.parametrize("name", NAMES)
def test_activation_matches_numpy_on_odd_and_non_contiguous_shapes(name):
    fn, ref, kinks = ACTIVATIONS[name]
    base = _input((5, 6, 7), scale=8.0, seed=1, kinks=kinks)
    views = [base, base[0, :3, :1], base.transpose(2, 0, 1), base[::2, 1::3, ::-2], base[1, 2]]
    for arr in views:
        if arr.ndim < 2 and "soft" in name and "plus" not in name:
            continue  # softmax(dim=1) needs two dims
        out = fn(F, edutorch.from_numpy(arr))
        assert out.shape == arr.shape
        np.testing.assert_allclose(out.numpy(), ref(arr), rtol=1e-12, atol=1e-14)
    x32 = base.astype(np.float32)
    out32 = fn(F, edutorch.from_numpy(x32))
    assert out32.dtype == edutorch.float32
    np.testing.assert_allclose(out32.numpy(), ref(base), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_activation_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    fn, _, kinks = ACTIVATIONS[name]
    arr = _input((4, 3, 5), scale=12.0, seed=2, kinks=kinks, dtype=dtype)
    upstream = np.random.default_rng(3).standard_normal(arr.shape).astype(dtype)
    x = edutorch.tensor(arr, requires_grad=True)
    tx = torch.tensor(arr, requires_grad=True)
    out, tout = fn(F, x), fn(torch.nn.functional, tx)
    out.backward(edutorch.tensor(upstream))
    tout.backward(torch.tensor(upstream))
    tol = {"rtol": 2e-6, "atol": 1e-6} if dtype == "float32" else {"rtol": 1e-12, "atol": 1e-13}
    assert out.dtype.name == dtype
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **tol)
    if name == "gelu_tanh" and dtype == "float32":
        # 1 + tanh(u) cancels in float32 for u << 0: both libraries keep only a few digits there
        tol["atol"] = 3e-5
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **tol)


@pytest.mark.parametrize("name", NAMES)
def test_activation_module_matches_functional_and_torch_repr(name):
    torch = pytest.importorskip("torch")
    fn, _, _ = ACTIVATIONS[name]
    module = MODULES[name](nn)
    assert repr(module) == repr(MODULES[name](torch.nn))
    x = edutorch.randn(3, 4)
    np.testing.assert_array_equal(module(x).numpy(), fn(F, x).numpy())
    assert list(module.parameters()) == [] and module.state_dict() == {}


@pytest.mark.parametrize("name", NAMES)
def test_activation_gradient_at_kinks_matches_torch(name):
    torch = pytest.importorskip("torch")
    fn, _, kinks = ACTIVATIONS[name]
    if not kinks:
        return
    arr = np.array(kinks + [k + d for k in kinks for d in (-1e-3, 1e-3)])
    x, tx = edutorch.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
    fn(F, x).sum().backward()
    fn(torch.nn.functional, tx).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_activation_repr_with_arguments_match_torch():
    torch = pytest.importorskip("torch")
    for make in (
        lambda n: n.ReLU(inplace=True), lambda n: n.LeakyReLU(0.2, True),
        lambda n: n.ELU(2.0, inplace=True), lambda n: n.Hardtanh(inplace=True),
        lambda n: n.ReLU6(True), lambda n: n.SiLU(True), lambda n: n.Softmax(),
        lambda n: n.Softplus(3, 10), lambda n: n.Hardtanh(0, 2),
    ):  # fmt: skip
        assert repr(make(nn)) == repr(make(torch.nn))


@pytest.mark.parametrize(
    "make",
    [lambda n: n.ReLU(inplace=True), lambda n: n.LeakyReLU(0.1, inplace=True),
     lambda n: n.ELU(inplace=True), lambda n: n.Hardtanh(-0.5, 0.5, inplace=True),
     lambda n: n.SiLU(inplace=True), lambda n: n.ReLU6(inplace=True)],
)  # fmt: skip
def test_inplace_activations_match_torch(make):
    torch = pytest.importorskip("torch")
    arr = _input((4, 5), seed=4, kinks=[0.0, -0.5, 0.5])
    results = []
    for lib, nn_ in ((edutorch, nn), (torch, torch.nn)):
        x = lib.tensor(arr, requires_grad=True)
        h = x * 2  # a non-leaf, so the in-place op is allowed
        out = make(nn_)(h)
        assert out is h  # in place: the same tensor comes back, holding the new values
        (out * out).sum().backward()
        results.append((out.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


def test_inplace_without_autograd_writes_into_the_input():
    x = edutorch.tensor([-1.0, 2.0])
    view = x[:]
    F.relu_(x)
    np.testing.assert_array_equal(view.numpy(), [0.0, 2.0])
    F.leaky_relu_(x := edutorch.tensor([-1.0, 2.0]), 0.5)
    np.testing.assert_array_equal(x.numpy(), [-0.5, 2.0])
    F.elu_(x := edutorch.tensor([0.0, 2.0]))
    F.hardtanh_(x)
    np.testing.assert_array_equal(x.numpy(), [0.0, 1.0])
    leaf = edutorch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        F.relu(leaf, inplace=True)


def test_activation_extremes_are_finite():
    x = edutorch.tensor([-1e4, -100.0, -30.0, 0.0, 30.0, 100.0, 1e4], requires_grad=True)
    for name in ("elu", "gelu", "gelu_tanh", "silu", "softplus", "logsigmoid", "sigmoid"):
        x.grad = None
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no overflow warnings from numpy either
            out = ACTIVATIONS[name][0](F, x)
            out.sum().backward()
        assert np.all(np.isfinite(out.detach().numpy())), name
        assert np.all(np.isfinite(x.grad.numpy())), name


def test_gelu_erf_accuracy_in_float64():
    x = np.linspace(-8, 8, 2001)
    out = F.gelu(edutorch.from_numpy(x)).numpy()
    expected = 0.5 * x * (1 + _erf(x / math.sqrt(2)))
    np.testing.assert_allclose(out, expected, rtol=1e-14, atol=1e-300)  # a few ulps, not 1e-7


def test_activation_errors():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh."):
        F.gelu(edutorch.ones(1), approximate="exact")
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        F.gelu(edutorch.arange(3))
    with pytest.raises(AssertionError, match=r"max_val \(0\) must be greater than min_val \(1\)"):
        nn.Hardtanh(1, 0)
    with pytest.raises(TypeError, match="must be Tensor, not list"):
        F.relu([1.0])


def test_softmax_implicit_dim_warns_like_torch():
    x = edutorch.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = F.softmax(x)
    np.testing.assert_allclose(out.numpy().sum(1), [1.0, 1.0], rtol=1e-6)
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        nn.LogSoftmax()(edutorch.randn(3))


# ------------------------------------------------------------------ Linear
def _linear_args(in_shape, out_features=4, bias=True, seed=0):
    rng = np.random.default_rng(seed)
    in_f = in_shape[-1]
    x = edutorch.tensor(rng.standard_normal(in_shape), requires_grad=True)
    w = edutorch.tensor(rng.standard_normal((out_features, in_f)), requires_grad=True)
    b = edutorch.tensor(rng.standard_normal(out_features), requires_grad=True) if bias else None
    return x, w, b


@pytest.mark.parametrize("in_shape", [(5, 3), (2, 3, 3), (3,), (2, 1, 2, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(in_shape, bias):
    x, w, b = _linear_args(in_shape, bias=bias)
    args = (x, w, b) if bias else (x, w)
    assert gradcheck(lambda *a: F.linear(*a), args)
    assert gradgradcheck(lambda *a: F.linear(*a), args)


def test_linear_matches_numpy_on_odd_and_non_contiguous_inputs():
    rng = np.random.default_rng(5)
    w = rng.standard_normal((7, 5))
    b = rng.standard_normal(7)
    big = rng.standard_normal((9, 5, 11))
    for arr in (big[:, :, 0], big.transpose(2, 0, 1), big[::3, :, 2:4].swapaxes(1, 2)):
        assert arr.shape[-1] == 5
        out = F.linear(edutorch.from_numpy(arr), edutorch.from_numpy(w), edutorch.from_numpy(b))
        np.testing.assert_allclose(out.numpy(), arr @ w.T + b, rtol=1e-12, atol=1e-12)
    wt = edutorch.from_numpy(rng.standard_normal((5, 7))).t()  # a non-contiguous weight
    out = F.linear(edutorch.from_numpy(big[:, :, 0]), wt)
    np.testing.assert_allclose(out.numpy(), big[:, :, 0] @ wt.numpy().T, rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("in_shape", [(6, 5), (2, 3, 5), (5,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_module_matches_torch(in_shape, bias, dtype):
    torch = pytest.importorskip("torch")
    ours = nn.Linear(5, 3, bias=bias, dtype=getattr(edutorch, dtype))
    theirs = torch.nn.Linear(5, 3, bias=bias, dtype=getattr(torch, dtype))
    theirs.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    )
    arr = np.random.default_rng(6).standard_normal(in_shape).astype(dtype)
    x, tx = edutorch.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
    out, tout = ours(x), theirs(tx)
    up = np.random.default_rng(7).standard_normal(tout.shape).astype(dtype)
    out.backward(edutorch.tensor(up))
    tout.backward(torch.tensor(up))
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == "float32" else {"rtol": 1e-12, "atol": 1e-13}
    assert out.shape == tuple(tout.shape) and out.dtype.name == dtype
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **tol)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **tol)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), **tol)
    if bias:
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), **tol)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_linear_errors_match_torch():
    torch = pytest.importorskip("torch")

    def message(lib, make):
        with pytest.raises(RuntimeError) as info:
            make(lib)
        return str(info.value)

    for make in (
        lambda lib: lib.nn.functional.linear(lib.randn(2, 4, 3), lib.randn(5, 2)),
        lambda lib: lib.nn.functional.linear(lib.randn(4, 3, dtype=lib.float64), lib.randn(5, 3)),
    ):
        assert message(edutorch, make) == message(torch, make)


def test_linear_shapes_and_parameters():
    m = nn.Linear(3, 2)
    assert m.weight.shape == (2, 3) and m.bias.shape == (2,)
    assert isinstance(m.weight, nn.Parameter) and m.weight.dtype == edutorch.float32
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    nb = nn.Linear(3, 2, bias=False)
    assert nb.bias is None and [n for n, _ in nb.named_parameters()] == ["weight"]
    assert nn.Linear(3, 2, dtype=edutorch.float64).weight.dtype == edutorch.float64
    assert m(edutorch.randn(4, 7, 3)).shape == (4, 7, 2)
    assert m(edutorch.randn(0, 3)).shape == (0, 2)
    with pytest.warns(UserWarning, match="zero-element"):
        z = nn.Linear(0, 2)  # no inputs: the bias bound is 0, as in torch
    assert np.all(z.bias.detach().numpy() == 0) and z(edutorch.randn(4, 0)).shape == (4, 2)


def test_linear_training_step_reduces_loss():
    edutorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.GELU(), nn.Linear(16, 1))
    x = edutorch.randn(64, 2)
    y = (x[:, :1] * x[:, 1:]).detach()
    losses = []
    for _ in range(100):
        model.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        with edutorch.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


# ------------------------------------------------------------------ Identity, Flatten, Unflatten
def test_identity():
    x = edutorch.randn(2)
    m = nn.Identity(54, unused="argument")
    assert m(x) is x and repr(m) == "Identity()"


@pytest.mark.parametrize(
    "make,shape",
    [(lambda n: n.Flatten(), (2, 3, 4, 5)), (lambda n: n.Flatten(0, 2), (2, 3, 4, 5)),
     (lambda n: n.Flatten(-3, -2), (2, 3, 4, 5)), (lambda n: n.Flatten(), (4, 1)),
     (lambda n: n.Unflatten(1, (3, 4)), (2, 12, 5)), (lambda n: n.Unflatten(-1, [2, -1]), (3, 8)),
     (lambda n: n.Unflatten(0, (1, 2)), (2,))],
)  # fmt: skip
def test_flatten_unflatten_match_torch(make, shape):
    torch = pytest.importorskip("torch")
    arr = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    x = edutorch.tensor(arr, requires_grad=True)
    out, tout = make(nn)(x), make(torch.nn)(torch.tensor(arr))
    assert out.shape == tuple(tout.shape)
    np.testing.assert_array_equal(out.detach().numpy(), tout.numpy())
    assert repr(make(nn)) == repr(make(torch.nn))
    assert gradcheck(lambda t: make(nn)(t), (x,))


def test_unflatten_errors_match_torch():
    torch = pytest.importorskip("torch")
    for bad in (3, (2.0, 3)):
        with pytest.raises(TypeError) as ours:
            nn.Unflatten(1, bad)
        with pytest.raises(TypeError) as theirs:
            torch.nn.Unflatten(1, bad)
        assert str(ours.value) == str(theirs.value)
