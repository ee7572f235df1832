"""float64 gradcheck (finite differences vs backward) for every differentiable op in the table,
plus gradgradcheck (backward of backward, ``create_graph=True``) for a representative few."""

from __future__ import annotations

import numpy as np
import pytest

import edutorch
from edutorch.autograd import GradcheckError, gradcheck, gradgradcheck

from .op_table import BY_NAME, OPS, make_arrays, make_tensor, relayout, rng_draw

DIFF = [s for s in OPS if s.diff]


def _inputs(spec, seed, requires_grad=True, layout="contiguous"):
    rng = np.random.default_rng(seed)
    args = spec.args(rng_draw(rng))
    arrays = make_arrays(spec, args, rng, np.float64)
    made = [make_tensor(edutorch, a, layout, requires_grad and a.dtype.kind == "f") for a in arrays]
    return made


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("spec", DIFF, ids=lambda s: s.name)
def test_gradcheck(spec, seed):
    made = _inputs(spec, seed)
    leaves = [leaf for _, leaf in made]

    def fn(*xs):
        return tuple(spec.call(edutorch, *xs)) if spec.name in MULTI else spec.call(edutorch, *xs)

    assert gradcheck(fn, tuple(leaves))


@pytest.mark.parametrize("layout", ["permuted", "sliced"])
@pytest.mark.parametrize("spec", DIFF, ids=lambda s: s.name)
def test_gradcheck_non_contiguous(spec, layout):
    """The gradient flows back through a permuted/sliced view to the tensor it views."""
    if spec.view_only:
        pytest.skip("view needs contiguous input")
    leaves = [leaf for _, leaf in _inputs(spec, 3, layout=layout)]

    def fn(*bases):
        out = spec.call(edutorch, *[relayout(b, layout) for b in bases])
        return tuple(out) if isinstance(out, (tuple, list)) else out

    assert gradcheck(fn, tuple(leaves))


MULTI = {"max_dim", "min_dim", "split", "split_sizes", "chunk"}

GRADGRAD = [
    "mul", "div", "pow", "exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid", "sin", "matmul_2d_2d",
    "matmul_batched", "sum_dim", "mean", "prod_dim", "var_dim", "std", "softmax", "log_softmax",
    "logsumexp", "norm", "cumsum", "gather", "index_tensor", "where", "max_dim", "cat",
    "masked_fill", "expand", "repeat", "mod", "rpow", "maximum",
]  # fmt: skip


@pytest.mark.parametrize("name", GRADGRAD)
def test_gradgradcheck(name):
    spec = BY_NAME[name]
    leaves = [leaf for _, leaf in _inputs(spec, 0)]

    def fn(*xs):
        out = spec.call(edutorch, *xs)
        return out[0] if isinstance(out, tuple) else out

    assert gradgradcheck(fn, tuple(leaves))


def test_gradcheck_reports_the_mismatch():
    """A wrong backward fails with a message naming the input, the index and both values."""

    class BadSquare(edutorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2x

    x = edutorch.tensor([1.0, 2.0], dtype=edutorch.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(BadSquare.apply, (x,))
    msg = str(info.value)
    assert "input 0" in msg and "(0,)" in msg
    assert "numerical:2.0" in msg and "analytical:1.0" in msg
    assert gradcheck(BadSquare.apply, (x,), raise_exception=False) is False


def test_gradcheck_warns_for_float32():
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="double precision"):
        gradcheck(lambda t: t * 2, (x,), eps=1e-2, atol=1e-2, rtol=1e-2)
