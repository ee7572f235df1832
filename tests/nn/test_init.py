"""nn.init: torch's formulas (gains, fans, bounds, stds) and the statistics of what they draw."""

import math
import warnings

import numpy as np
import pytest

import edutorch
from edutorch import nn
from edutorch.nn import init


def _w(*shape):
    return nn.Parameter(edutorch.empty(*shape))


@pytest.mark.parametrize(
    "args",
    [("linear",), ("conv2d",), ("conv_transpose3d",), ("sigmoid",), ("tanh",), ("relu",),
     ("leaky_relu",), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu",)],
)  # fmt: skip
def test_calculate_gain_matches_torch(args):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", [(5, 3), (8, 4, 3), (6, 2, 3, 5), (2, 3, 1, 1, 4)])
def test_fans_match_torch(shape):
    torch = pytest.importorskip("torch")
    ours = init._calculate_fan_in_and_fan_out(edutorch.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_fan_errors():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(_w(5))
    with pytest.raises(
        ValueError, match=r"Mode fan_avg not supported, please use one of \['fan_in', 'fan_out'\]"
    ):
        init.kaiming_uniform_(_w(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(_w(2, 2, 2))
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(_w(4))


def test_kaiming_uniform_bounds_and_std():
    edutorch.manual_seed(0)
    w = _w(400, 250)
    out = init.kaiming_uniform_(w, mode="fan_in", nonlinearity="relu")
    assert out is w and w.requires_grad and w.grad_fn is None
    bound = math.sqrt(2.0) * math.sqrt(3.0 / 250)
    x = w.detach().numpy()
    assert x.min() >= -bound and x.max() <= bound
    assert x.max() > 0.99 * bound and x.min() < -0.99 * bound
    np.testing.assert_allclose(x.std(), bound / math.sqrt(3), rtol=0.02)
    init.kaiming_uniform_(w, a=math.sqrt(5), mode="fan_out")  # Linear's scheme, by fan_out
    assert np.abs(w.detach().numpy()).max() <= 1 / math.sqrt(400)


def test_kaiming_normal_and_xavier_std():
    edutorch.manual_seed(1)
    w = _w(300, 200, 3)
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    np.testing.assert_allclose(w.detach().numpy().std(), math.sqrt(2 / 900), rtol=0.02)
    init.xavier_normal_(w, gain=2.0)
    np.testing.assert_allclose(w.detach().numpy().std(), 2 * math.sqrt(2 / 1500), rtol=0.02)
    init.xavier_uniform_(w, gain=init.calculate_gain("tanh"))
    a = 5 / 3 * math.sqrt(6 / 1500)
    x = w.detach().numpy()
    assert np.abs(x).max() <= a
    np.testing.assert_allclose(x.std(), a / math.sqrt(3), rtol=0.02)


def test_linear_default_init_bounds():
    edutorch.manual_seed(2)
    m = nn.Linear(64, 500)
    bound = 1 / math.sqrt(64)
    for p in (m.weight, m.bias):
        x = p.detach().numpy()
        assert np.abs(x).max() <= bound and np.abs(x).max() > 0.95 * bound
    np.testing.assert_allclose(m.weight.detach().numpy().std(), bound / math.sqrt(3), rtol=0.03)


def test_uniform_normal_constant_eye():
    edutorch.manual_seed(3)
    w = _w(200, 300)
    init.uniform_(w, -2.0, 3.0)
    x = w.detach().numpy()
    assert x.min() >= -2 and x.max() <= 3 and abs(x.mean() - 0.5) < 0.02
    init.normal_(w, mean=1.0, std=0.5)
    x = w.detach().numpy()
    assert abs(x.mean() - 1.0) < 0.01 and abs(x.std() - 0.5) < 0.01
    init.constant_(w, 0.25)
    assert np.all(w.detach().numpy() == 0.25)
    init.ones_(w)
    assert np.all(w.detach().numpy() == 1)
    init.zeros_(w)
    assert np.all(w.detach().numpy() == 0)
    e = init.eye_(_w(3, 5))
    np.testing.assert_array_equal(e.detach().numpy(), np.eye(3, 5))


def test_trunc_normal_range_and_moments():
    edutorch.manual_seed(4)
    w = _w(300, 300)
    init.trunc_normal_(w, mean=0.5, std=1.0, a=-1.0, b=1.5)
    x = w.detach().numpy()
    assert x.min() >= -1.0 and x.max() <= 1.5
    # mean of N(0.5, 1) truncated to [-1, 1.5]: μ + σ(φ(α) - φ(β))/(Φ(β) - Φ(α))
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    expected = 0.5 + (phi(-1.5) - phi(1.0)) / (cdf(1.0) - cdf(-1.5))
    assert abs(x.mean() - expected) < 0.01
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(_w(2, 2), mean=10.0, std=1.0, a=-1.0, b=1.0)


def test_orthogonal():
    edutorch.manual_seed(5)
    for shape in [(6, 6), (4, 9), (9, 4), (3, 2, 4)]:
        w = init.orthogonal_(_w(*shape), gain=2.0)
        m = w.detach().numpy().reshape(shape[0], -1)
        gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
        np.testing.assert_allclose(gram, 4.0 * np.eye(min(m.shape)), atol=1e-5)


def test_generator_reproducible_and_default_generator_used():
    g = edutorch.Generator().manual_seed(7)
    a = init.normal_(_w(3, 3), generator=g).detach().numpy().copy()
    g.manual_seed(7)
    b = init.normal_(_w(3, 3), generator=g).detach().numpy()
    np.testing.assert_array_equal(a, b)
    edutorch.manual_seed(8)
    c = nn.Linear(4, 4).weight.detach().numpy().copy()
    edutorch.manual_seed(8)
    np.testing.assert_array_equal(c, nn.Linear(4, 4).weight.detach().numpy())


def test_init_is_not_recorded_by_autograd():
    w = _w(3, 3)
    for fn in (init.normal_, init.xavier_uniform_, init.kaiming_normal_, init.orthogonal_,
               init.zeros_, init.eye_, init.trunc_normal_):  # fmt: skip
        fn(w)
        assert w.grad_fn is None and w.is_leaf and w.requires_grad


def test_zero_element_kaiming_warns():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        init.kaiming_uniform_(_w(0, 3))
    assert any("zero-element tensors is a no-op" in str(w.message) for w in caught)
